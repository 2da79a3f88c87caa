"""What bench/scale/scale.py and bench/heartbeats/heartbeats.py share: the emperor's JVM
flags, /proc readings of processes and threads, the quiet-machine gate and clean-up on
signals. Python 3 standard library only."""

import datetime
import os
import signal
import socket
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_JAR = REPO / "emperor" / "target" / "emperor.jar"
DEFAULT_JAVA = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
JVM_FLAGS = ["--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms16m", "-Xmn8m",
             "-XX:TrimNativeHeapInterval=5000"]  # as bin/emperor
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

now = time.monotonic


def log(msg):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def med(vals):
    vals = [v for v in vals if v is not None]
    return round(statistics.median(vals), 3) if vals else None


# ---- /proc -----------------------------------------------------------------------------

def proc_stat(pid):
    """(state, ppid, utime+stime ticks, starttime) or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    rest = raw[raw.rfind(b")") + 2:].split()
    return rest[0].decode(), int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[19])


def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM", "Threads"):
                    out[k] = int(v.split()[0])
    except OSError:
        return None
    return out


def rss_kb_statm(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KB
    except OSError:
        return 0


def kill_checked(pid, starttime, sig):
    """Signals pid only if it is still the process that started at starttime (no pid reuse)."""
    st = proc_stat(pid)
    if st is not None and st[3] == starttime:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def self_ticks():
    """CPU this script has used (its polling counts as neither ours nor others'), in ticks."""
    t = os.times()
    return (t.user + t.system) * CLK_TCK


def cpu_busy_ticks():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


def thread_files(pid, name, mode="r"):
    """(tid, content of /proc/pid/task/tid/NAME) for every thread that is still there."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for t in tids:
        try:
            with open(f"/proc/{pid}/task/{t}/{name}", mode) as f:
                yield int(t), f.read()
        except OSError:
            continue


def thread_ticks(pid):
    """{tid: (name, utime+stime ticks)} of every thread of pid."""
    out = {}
    for tid, raw in thread_files(pid, "stat", "rb"):
        name = raw[raw.find(b"(") + 1:raw.rfind(b")")].decode("utf-8", "replace")
        rest = raw[raw.rfind(b")") + 2:].split()
        out[tid] = (name, int(rest[11]) + int(rest[12]))
    return out


def thread_cpu_delta(before, after, seconds):
    """CPU % of one core per thread name (threads of one name summed) between two samples."""
    by = {}
    for tid, (name, ticks) in after.items():
        d = ticks - before.get(tid, (name, 0))[1]
        if d > 0:
            by[name] = by.get(name, 0) + d
    return {k: round(v / CLK_TCK / seconds * 100, 3) for k, v in sorted(by.items(), key=lambda kv: -kv[1])[:10]}


def wait_quiet(limit_s, busy_pct):
    """Waits (at most limit_s) until the machine is less than busy_pct busy over two 3 s
    windows in a row; returns (seconds waited, last busy %)."""
    t0 = now()
    quiet = 0
    busy = None
    while True:
        a = cpu_busy_ticks()
        time.sleep(3)
        b = cpu_busy_ticks()
        busy = (b[0] - a[0]) / max(1, b[1] - a[1]) * 100
        quiet = quiet + 1 if busy < busy_pct else 0
        if quiet >= 2 or now() - t0 >= limit_s:
            return round(now() - t0, 1), round(busy, 1)


# ---- process hygiene -------------------------------------------------------------------

def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def install_signal_handlers():
    """SIGTERM and SIGINT (also when a non-interactive shell started us with SIGINT ignored)
    unwind through the finally blocks, so every process started here is stopped."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
