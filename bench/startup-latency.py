#!/usr/bin/python3
"""Start and restart latency of vassals: this project's emperor against uWSGI's Emperor.

Two figures per peer, each over --tries tries (after --warmup tries that are not counted):

  (a) file -> process: a fully written vassal file is renamed into the watched directory
      (atomic rename from a staging folder on the same file system); the clock stops when a
      child of the emperor is running the vassal's final program with the try's unique
      marker in its argv.
  (b) kill -9 -> replacement: the vassal's process (ours: the worker; uWSGI: the vassal's
      master, the emperor's child) is sent SIGKILL; the clock stops when a new child of the
      emperor runs the same marker.

Processes are found by polling /proc (every --poll-ms): /proc/sys/kernel/ns_last_pid tells
which pids were handed out since the last poll, /proc/PID/stat tells whether one is a child
of the emperor, /proc/PID/cmdline whether it has exec'd the vassal's program yet. Nothing
queries an emperor while a clock runs (a query to uWSGI's stats socket would wake its loop
and trigger a directory scan).

Python 3 standard library only. Everything runs in a temporary folder; every process started
here is stopped by pid in a finally block (emperors with SIGTERM, then waited for). Binds only
to 127.0.0.1. See bench/README.md.
"""

import argparse
import ctypes
import datetime
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_JAR = REPO / "emperor" / "target" / "emperor.jar"
DEFAULT_JAVA = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
UWSGI_DEFAULT_FREQ = 3  # core/init.c: uwsgi.emperor_freq = 3

now = time.perf_counter


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Timeout(Exception):
    pass


# ---- /proc helpers -------------------------------------------------------------------------

def read_argv(pid):
    """argv of pid, [] for a zombie, None if the pid does not exist."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return None
    if not raw:
        return []
    return [a.decode("utf-8", "replace") for a in raw.rstrip(b"\0").split(b"\0")]


def read_ppid(pid):
    """(ppid, state) of pid, or None if it does not exist (yet, or any more)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    rest = raw[raw.rfind(b")") + 2:].split()
    return int(rest[1]), rest[0].decode()


def exists(pid):
    return os.path.exists(f"/proc/{pid}")


def children_of(ppid):
    out = set()
    try:
        tasks = os.listdir(f"/proc/{ppid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            with open(f"/proc/{ppid}/task/{t}/children", "rb") as f:
                out.update(int(x) for x in f.read().split())
        except OSError:
            pass
    return out


def read_last_pid():
    with open("/proc/sys/kernel/ns_last_pid", "rb") as f:
        return int(f.read())


def pid_max():
    with open("/proc/sys/kernel/pid_max", "rb") as f:
        return int(f.read())


class ChildWatcher:
    """Waits for a child of `parent` whose argv satisfies `match`.

    Cheap per poll: one read of ns_last_pid, a stat of each pid handed out since the previous
    poll (a pid may be allocated a moment before it is visible in /proc, so unseen pids are
    retried for a while), and a cmdline read of each pending child of the emperor (its argv
    changes when it execs). Reading every thread's children list of a JVM costs ~1 ms, too
    much for a 1 ms poll; it is done once when the watch is armed.
    """

    UNSEEN_GRACE = 0.2  # seconds an allocated but not yet visible pid is retried

    def __init__(self, parent, poll_s):
        self.parent = parent
        self.poll_s = poll_s
        self.pid_max = pid_max()

    def arm(self, exclude):
        self.exclude = set(exclude)
        self.last = read_last_pid()
        self.candidates = {}  # pid -> time first seen as a child
        self.stages = {}  # pid -> [(time, program)] each time its argv[0] was seen to change
        self.unseen = {}  # pid -> time it was first found allocated but invisible
        for pid in children_of(self.parent):
            if pid not in self.exclude:
                self.candidates[pid] = now()

    def _new_pids(self):
        cur = read_last_pid()
        if cur == self.last:
            return []
        if cur > self.last:
            new = range(self.last + 1, cur + 1)
        else:  # wrapped around pid_max
            new = list(range(self.last + 1, self.pid_max + 1)) + list(range(1, cur + 1))
        self.last = cur
        return new

    def wait(self, match, timeout):
        """Returns dict(pid, first_seen, found, prev_poll) in perf_counter seconds."""
        deadline = now() + timeout
        prev_poll = now()
        while True:
            t_poll = now()
            for pid in self._new_pids():
                self.unseen.setdefault(pid, t_poll)
            for pid, t_first in list(self.unseen.items()):
                st = read_ppid(pid)
                if st is None:
                    if t_poll - t_first > self.UNSEEN_GRACE:
                        del self.unseen[pid]
                    continue
                del self.unseen[pid]
                if st[0] == self.parent and pid not in self.exclude:
                    self.candidates.setdefault(pid, t_poll)
            for pid, t_first in list(self.candidates.items()):
                argv = read_argv(pid)
                if argv is None:
                    del self.candidates[pid]
                    continue
                t = now()
                prog = os.path.basename(argv[0]) if argv else "<zombie>"
                st = self.stages.setdefault(pid, [])
                if not st or st[-1][1] != prog:
                    st.append((t, prog))
                if argv and match(argv):
                    return {"pid": pid, "first_seen": t_first, "found": t, "prev_poll": prev_poll,
                            "stages": st}
            if t_poll > deadline:
                raise Timeout(f"no child of {self.parent} matched within {timeout} s "
                              f"(candidates {sorted(self.candidates)})")
            prev_poll = t_poll
            time.sleep(self.poll_s)


def wait_until(cond, timeout, what, step=0.02):
    deadline = now() + timeout
    while True:
        try:
            if cond():
                return
        except (OSError, ValueError):
            pass
        if now() > deadline:
            raise Timeout(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def cpu_times():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return sum(v) - idle, sum(v)


def quiet_pause(seconds, args):
    """Sleeps `seconds`, again and again while the machine was busier than --max-busy percent
    during the sleep (someone else's build, say), at most --quiet-timeout seconds in all.
    Returns how busy the machine was during the last sleep, in percent of all CPUs."""
    deadline = now() + args.quiet_timeout
    while True:
        c0 = cpu_times()
        time.sleep(seconds)
        c1 = cpu_times()
        busy = 100 * (c1[0] - c0[0]) / max(1, c1[1] - c0[1])
        if busy <= args.max_busy or now() > deadline:
            return round(busy, 1)


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pdeathsig_term():
    # If this script dies without running its finally blocks, the kernel stops the emperor.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


# ---- peers ---------------------------------------------------------------------------------

class Peer:
    label = "?"

    def __init__(self, tmp, run_tag):
        self.tmp = tmp
        self.run_tag = run_tag
        self.vdir = tmp / "vassals"
        self.stage = tmp / "stage"
        self.vdir.mkdir()
        self.stage.mkdir()
        self.logfile = tmp / "emperor.log"
        self.proc = None
        self.counter = 0

    @property
    def pid(self):
        return self.proc.pid

    def command(self):
        raise NotImplementedError

    def launch(self):
        self._log = open(self.logfile, "ab")
        self.proc = subprocess.Popen(self.command(), cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=_pdeathsig_term)
        log(f"  started {self.label}: pid {self.proc.pid}: {' '.join(map(str, self.command()))}")

    def stop(self, timeout=60):
        """SIGTERM to the emperor's pid, wait; SIGKILL by pid only if it does not exit."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"  {self.label}: did not exit {timeout} s after SIGTERM; SIGKILL to pid {self.proc.pid}")
                self.proc.kill()
                self.proc.wait()
        log(f"  stopped {self.label} (pid {self.proc.pid}, exit status {self.proc.returncode})")
        self._log.close()

    def new_marker(self):
        self.counter += 1
        return f"{self.run_tag}{self.counter:04d}"

    def place(self, fname, text):
        """Write fname fully in the staging folder; returns the staged path."""
        p = self.stage / fname
        with open(p, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        return p

    # to be provided: wait_started(), vassal(marker) -> (fname, text), match(marker) -> fn,
    # wait_healthy(fname, pid), wait_gone(fname, marker), leaked()


class OurEmperor(Peer):
    label = "emperor"

    def __init__(self, tmp, run_tag, java, jar, ready_after, java_opts=()):
        super().__init__(tmp, run_tag)
        self.java, self.jar, self.ready_after, self.java_opts = java, jar, ready_after, list(java_opts)
        self.port = free_port()
        self.run_dir = tmp / "run"

    def command(self):
        return [self.java, *self.java_opts, "-jar", str(self.jar), "run", "--run-dir", str(self.run_dir),
                "--stats", f"127.0.0.1:{self.port}", str(self.vdir)]

    def stats(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=5) as r:
            return json.load(r)

    def wait_started(self):
        wait_until(lambda: self.stats()["emperor"]["pid"] == self.pid, 60, "the emperor's /stats")

    def vassal(self, marker):
        return f"bench-{marker}.ini", (f"[vassal]\ncommand = sleep 100000 {marker}\n"
                                       f"ready-after = {self.ready_after}\n")

    def match(self, marker):
        return lambda argv: (os.path.basename(argv[0]) == "sleep" and argv[1:] == ["100000", marker])

    def _vassal(self, fname):
        name = fname.rsplit(".", 1)[0]
        for v in self.stats()["vassals"]:
            if v["name"] == name:
                return v
        return None

    def wait_healthy(self, fname, pid):
        """The vassal is 'running' and its worker is this pid, up for more than ready-after."""
        def ok():
            v = self._vassal(fname)
            return (v is not None and v["state"] == "running" and len(v["workers"]) == 1
                    and v["workers"][0]["pid"] == pid and v["workers"][0]["state"] == "running")
        wait_until(ok, 30, f"{fname} running with pid {pid} in /stats", step=0.02)

    def wait_gone(self, fname, pid):
        wait_until(lambda: not exists(pid) and self._vassal(fname) is None, 30,
                   f"{fname} (pid {pid}) gone")

    def leaked(self):
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                argv = read_argv(int(d))
                if (argv and os.path.basename(argv[0]) == "sleep" and len(argv) == 3
                        and argv[1] == "100000" and argv[2].startswith(self.run_tag)):
                    out.append(int(d))
        return out

    def spawn_log_times(self):
        """pid -> wall time (s) at which the emperor logged 'worker N started (pid P)'."""
        pat = re.compile(r"^(\S+Z) .*worker \d+ started \(pid (\d+)\)")
        out = {}
        with open(self.logfile, "r", errors="replace") as f:
            for line in f:
                m = pat.match(line)
                if m:
                    ts = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
                    out[int(m.group(2))] = ts
        return out


class UwsgiEmperor(Peer):
    def __init__(self, tmp, run_tag, uwsgi, freq):
        super().__init__(tmp, run_tag)
        self.uwsgi, self.freq = uwsgi, freq
        self.stats_port = free_port()
        self.label = f"uwsgi(freq={freq}{' default' if freq == UWSGI_DEFAULT_FREQ else ''})"
        self.http_ports = {}

    def command(self):
        cmd = [self.uwsgi, "--emperor", str(self.vdir), "--emperor-stats", f"127.0.0.1:{self.stats_port}"]
        if self.freq != UWSGI_DEFAULT_FREQ:
            cmd += ["--emperor-freq", str(self.freq)]
        return cmd

    def stats(self):
        with socket.create_connection(("127.0.0.1", self.stats_port), timeout=5) as s:
            chunks = []
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        return json.loads(b"".join(chunks).decode("utf-8", "replace"))

    def wait_started(self):
        wait_until(lambda: self.stats()["pid"] == self.pid, 60, "uWSGI's emperor stats")

    def vassal(self, marker):
        fname = f"bench-{marker}.ini"
        port = free_port()
        self.http_ports[fname] = port
        # The smallest vassal that stays up: one HTTP socket, no app ("full dynamic mode").
        return fname, f"[uwsgi]\nhttp-socket = 127.0.0.1:{port}\n"

    def match(self, marker):
        fname = f"bench-{marker}.ini"
        return lambda argv: os.path.basename(argv[0]).startswith("uwsgi") and fname in argv

    def _vassal(self, fname):
        for v in self.stats()["vassals"]:
            if v["id"] == fname:
                return v
        return None

    def wait_healthy(self, fname, pid):
        """The vassal is loyal: uWSGI 2.0 blacklists and throttles a vassal that dies before
        it has served a request ('loyal', byte 17), so one request is made first."""
        port = self.http_ports[fname]

        def ok():
            v = self._vassal(fname)
            if v is not None and v["pid"] == pid and v["loyal"] == 1:
                return True
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            except Exception:
                pass  # no app: the request fails, but it is served, which makes the vassal loyal
            return False
        wait_until(ok, 30, f"{fname} loyal with pid {pid}", step=0.05)

    def wait_gone(self, fname, pid):
        wait_until(lambda: not exists(pid) and not self._procs(fname) and self._vassal(fname) is None, 60,
                   f"{fname} (pid {pid}) gone")

    def _procs(self, fname):
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                argv = read_argv(int(d))
                if argv and os.path.basename(argv[0]).startswith("uwsgi") and fname in argv:
                    out.append(int(d))
        return out

    def leaked(self):
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                argv = read_argv(int(d))
                if argv and os.path.basename(argv[0]).startswith("uwsgi") and any(
                        a.startswith(f"bench-{self.run_tag}") for a in argv):
                    out.append(int(d))
        return out


# ---- the two benchmarks --------------------------------------------------------------------

def sample(res, t0):
    return {
        "pid": res["pid"],
        "ms": (res["found"] - t0) * 1000,
        "first_child_ms": (res["first_seen"] - t0) * 1000,
        "resolution_ms": (res["found"] - res["prev_poll"]) * 1000,
        # what the new child was seen running on its way to the vassal's program (exec chain)
        "stages": [[round((t - t0) * 1000, 2), prog] for t, prog in res["stages"]],
    }


def bench_file_to_process(peer, args, rnd):
    """(a) atomic rename of a vassal file into the directory -> vassal's program running."""
    watcher = ChildWatcher(peer.pid, args.poll_ms / 1000)
    jitter = peer.freq if isinstance(peer, UwsgiEmperor) else 1.0
    out = []
    for i in range(args.warmup + args.tries):
        marker = peer.new_marker()
        fname, text = peer.vassal(marker)
        staged = peer.place(fname, text)
        # A random phase against the peer's own timers (uWSGI scans every freq seconds).
        busy = quiet_pause(args.settle + rnd.uniform(0, jitter), args)
        watcher.arm(exclude=children_of(peer.pid))
        wall0 = time.time()
        t0 = now()
        os.rename(staged, peer.vdir / fname)
        res = watcher.wait(peer.match(marker), args.timeout)
        s = sample(res, t0)
        s["wall0"] = wall0
        s["busy_before_pct"] = busy
        s["warmup"] = i < args.warmup
        out.append(s)
        log(f"  (a) {'warm-up' if s['warmup'] else 'try'} {i + 1 - (0 if s['warmup'] else args.warmup)}: "
            f"{s['ms']:.1f} ms (pid {s['pid']}; machine {busy}% busy before)")
        os.unlink(peer.vdir / fname)
        peer.wait_gone(fname, s["pid"])
    return out


def bench_kill_to_respawn(peer, args, rnd):
    """(b) kill -9 of the running vassal process -> its replacement running."""
    watcher = ChildWatcher(peer.pid, args.poll_ms / 1000)
    marker = peer.new_marker()
    fname, text = peer.vassal(marker)
    staged = peer.place(fname, text)
    watcher.arm(exclude=children_of(peer.pid))
    os.rename(staged, peer.vdir / fname)
    cur = watcher.wait(peer.match(marker), args.timeout + 10)["pid"]
    out = []
    try:
        for i in range(args.warmup + args.tries):
            peer.wait_healthy(fname, cur)
            busy = quiet_pause(args.settle + rnd.uniform(0, 0.3), args)
            watcher.arm(exclude=children_of(peer.pid) | {cur})
            wall0 = time.time()
            t0 = now()
            os.kill(cur, signal.SIGKILL)
            res = watcher.wait(peer.match(marker), args.timeout)
            s = sample(res, t0)
            s["wall0"] = wall0
            s["killed"] = cur
            s["busy_before_pct"] = busy
            s["warmup"] = i < args.warmup
            out.append(s)
            log(f"  (b) {'warm-up' if s['warmup'] else 'try'} {i + 1 - (0 if s['warmup'] else args.warmup)}: "
                f"{s['ms']:.1f} ms (pid {cur} -> {s['pid']}; machine {busy}% busy before)")
            cur = s["pid"]
    finally:
        try:
            os.unlink(peer.vdir / fname)
            peer.wait_gone(fname, cur)
        except (OSError, Timeout) as e:
            log(f"  cleanup of {fname}: {e}")
    return out


# ---- statistics and report -----------------------------------------------------------------

def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summary(samples, key="ms"):
    xs = [s[key] for s in samples if not s["warmup"]]
    if not xs:
        return None
    return {"n": len(xs), "median": percentile(xs, 50), "p90": percentile(xs, 90), "min": min(xs),
            "max": max(xs), "mean": sum(xs) / len(xs)}


def fmt(x):
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


def machine_info(args):
    info = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        out = subprocess.run([args.java, "-version"], capture_output=True, text=True, timeout=30)
        info["java"] = (out.stderr or out.stdout).splitlines()[0]
    except Exception:
        pass
    if args.uwsgi:
        try:
            info["uwsgi"] = subprocess.run([args.uwsgi, "--version"], capture_output=True, text=True,
                                           timeout=30).stdout.strip()
        except Exception:
            pass
    return info


def report(results, info, max_busy):
    lines = [f"date {info['date']}, {info['cpus']} CPUs ({info.get('cpu', '?')}), kernel {info['kernel']}, "
             f"{info.get('java', '')}, uWSGI {info.get('uwsgi', '-')}", ""]
    lines.append("| peer | figure | n | median ms | p90 ms | min ms | max ms | mean ms |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for label, r in results.items():
        for key, name in (("a", "(a) file -> process"), ("b", "(b) kill -9 -> replacement")):
            s = r.get(key + "_summary")
            if s:
                lines.append(f"| {label} | {name} | {s['n']} | {fmt(s['median'])} | {fmt(s['p90'])} | "
                             f"{fmt(s['min'])} | {fmt(s['max'])} | {fmt(s['mean'])} |")
    ours = results.get("emperor")
    if ours:
        lines += ["", "| ratio ours/uWSGI | (a) median | (a) p90 | (b) median | (b) p90 |", "|---|---|---|---|---|"]
        for label, r in results.items():
            if label == "emperor":
                continue
            cells = []
            for key in ("a", "b"):
                for stat in ("median", "p90"):
                    o, u = (ours.get(key + "_summary") or {}).get(stat), (r.get(key + "_summary") or {}).get(stat)
                    cells.append(f"{o / u:.3f}" if o and u else "-")
            lines.append(f"| emperor / {label} | " + " | ".join(cells) + " |")
    extra = []
    for label, r in results.items():
        for key in ("a", "b"):
            s = r.get(key + "_first_child")
            res = r.get(key + "_resolution")
            logged = r.get(key + "_logged")
            if s:
                extra.append(f"- {label} ({key}): first new child seen (before exec of the final program) "
                             f"median {fmt(s['median'])} ms; poll window at detection median "
                             f"{res['median']:.2f} ms, max {res['max']:.2f} ms"
                             + (f"; emperor's own log line 'worker started' at median {fmt(logged['median'])} ms"
                                if logged else ""))
    for label, r in results.items():
        for key in ("a", "b"):
            noisy = [s for s in r.get(key, []) if not s["warmup"] and s.get("busy_before_pct", 0) > max_busy]
            if noisy:
                extra.append(f"- {label} ({key}): {len(noisy)} tries ran although the machine stayed busier "
                             f"than {max_busy}% (--quiet-timeout)")
        if "machine_busy_pct" in r:
            extra.append(f"- {label}: machine busy {r['machine_busy_pct']}% of both CPUs while it ran "
                         f"(load average {r['loadavg_before']} -> {r['loadavg_after']})")
    if extra:
        lines += [""] + extra
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tries", type=int, default=50, help="counted tries per figure and peer (default 50)")
    ap.add_argument("--warmup", type=int, default=2, help="uncounted tries before them (default 2)")
    ap.add_argument("--peer", choices=["emperor", "uwsgi", "all"], default="all")
    ap.add_argument("--bench", choices=["a", "b", "all"], default="all", help="which figure(s)")
    ap.add_argument("--uwsgi-freq", default="3,1",
                    help="comma-separated emperor-freq values to run uWSGI with; 3 is its default and is "
                         "run without the option (default 3,1)")
    ap.add_argument("--ready-after", default="0.2", help="ready-after in our vassal files (default 0.2 s)")
    ap.add_argument("--poll-ms", type=float, default=1.0, help="/proc poll interval (default 1 ms)")
    ap.add_argument("--settle", type=float, default=0.3, help="quiet time before each try, seconds")
    ap.add_argument("--max-busy", type=float, default=20,
                    help="wait before a try until the machine was at most this %% busy during the quiet "
                         "time before it (default 20; 100 disables)")
    ap.add_argument("--quiet-timeout", type=float, default=300,
                    help="longest wait for a quiet machine before a try, seconds (default 300)")
    ap.add_argument("--timeout", type=float, default=30, help="per-try timeout, seconds")
    ap.add_argument("--seed", type=int, default=None, help="seed for the random phase delays")
    ap.add_argument("--java", default=DEFAULT_JAVA)
    ap.add_argument("--jar", default=str(DEFAULT_JAR))
    ap.add_argument("--java-opt", action="append", default=[], metavar="OPT",
                    help="extra JVM option for our emperor (repeatable), e.g. "
                         "-Djdk.lang.Process.launchMechanism=VFORK")
    ap.add_argument("--uwsgi", default=shutil.which("uwsgi"))
    ap.add_argument("--json", metavar="FILE", help="write every sample and the summaries here")
    ap.add_argument("--keep", action="store_true", help="keep the temp folders (logs) for inspection")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks

    peers = []
    if args.peer in ("emperor", "all"):
        jar = Path(args.jar)
        if not jar.exists():
            log(f"{jar} missing; building it")
            subprocess.run(["mvn", "-q", "-pl", "emperor", "-am", "package", "-DskipTests"], cwd=REPO, check=True)
        peers.append(("emperor", None))
    if args.peer in ("uwsgi", "all"):
        if not args.uwsgi:
            sys.exit("uwsgi not found: apt-get install uwsgi-core, or pass --uwsgi PATH")
        for f in args.uwsgi_freq.split(","):
            peers.append(("uwsgi", int(f)))

    rnd = random.Random(args.seed)
    run_tag = str(rnd.randint(100000, 999999))
    info = machine_info(args)
    info["args"] = vars(args)
    try:
        info["git_head"] = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                          capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        pass
    results = {}
    for kind, freq in peers:
        tmp = Path(tempfile.mkdtemp(prefix=f"emperor-bench-{kind}-"))
        if kind == "emperor":
            # Run a private copy: a rebuild of the jar during the run must not pull classes
            # out from under the running emperor.
            jar_copy = tmp / "emperor.jar"
            shutil.copyfile(args.jar, jar_copy)
            info["jar"] = {"path": args.jar, "sha256": hashlib.sha256(jar_copy.read_bytes()).hexdigest(),
                           "mtime": datetime.datetime.fromtimestamp(os.stat(args.jar).st_mtime,
                                                                    datetime.timezone.utc).isoformat()}
        peer = (OurEmperor(tmp, run_tag, args.java, jar_copy, args.ready_after, args.java_opt) if kind == "emperor"
                else UwsgiEmperor(tmp, run_tag + str(freq), args.uwsgi, freq))
        log(f"== {peer.label} in {tmp}")
        r = results[peer.label] = {}
        cpu0, r["loadavg_before"] = cpu_times(), loadavg()
        try:
            peer.launch()
            peer.wait_started()
            time.sleep(1.0)  # let start-up work (JIT, first scan) finish
            if args.bench in ("a", "all"):
                r["a"] = bench_file_to_process(peer, args, rnd)
            if args.bench in ("b", "all"):
                r["b"] = bench_kill_to_respawn(peer, args, rnd)
        finally:
            peer.stop()
            leaked = peer.leaked()
            if leaked:
                log(f"  LEAK: processes of {peer.label} still running after it exited: {leaked}; SIGKILL by pid")
                for pid in leaked:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                r["leaked"] = leaked
            if kind == "emperor" and peer.logfile.exists():
                logged = peer.spawn_log_times()
                for key in ("a", "b"):
                    for s in r.get(key, []):
                        if s["pid"] in logged:
                            s["logged_ms"] = (logged[s["pid"]] - s["wall0"]) * 1000
            cpu1 = cpu_times()
            # How busy the machine was (this script's poller and the emperor included); a high
            # figure means something else ran meanwhile and the samples are suspect.
            r["machine_busy_pct"] = round(100 * (cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1]), 1)
            r["loadavg_after"] = loadavg()
            log(f"  machine busy {r['machine_busy_pct']}% during this peer (load average "
                f"{r['loadavg_before']} before, {r['loadavg_after']} after)")
            if args.keep:
                log(f"  kept {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        for key in ("a", "b"):
            if key in r:
                r[key + "_summary"] = summary(r[key])
                r[key + "_first_child"] = summary(r[key], "first_child_ms")
                r[key + "_resolution"] = summary(r[key], "resolution_ms")
                if all("logged_ms" in s for s in r[key]):
                    r[key + "_logged"] = summary(r[key], "logged_ms")

    text = report(results, info, args.max_busy)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
