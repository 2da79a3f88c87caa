#!/usr/bin/python3
"""Benchmark A (issue 4): 1,000 vassals of a small program, this project's emperor beside
uWSGI's Emperor.

For each peer and each start mode:

  empty  the emperor starts on an empty directory; once it is up and has idled a moment,
         all vassal files are renamed into the directory from a staging folder on the same
         file system, one rename after another (t0 = just before the first rename);
  full   the directory already holds every vassal file when the emperor starts
         (t0 = just before the emperor process is started, so JVM start-up counts).

Measured:
  procs_s   t0 -> all N vassal processes are children of the emperor and have exec'd their
            program (ours: the worker, cloned by emperor-spawner, is `sleep`;
            uWSGI: the vassal's master is `uwsgi-core --ini ...`, or `sleep` for uwsgi-exec);
  ready_s   t0 -> all N vassals are up by the peer's own measure: ours, /stats shows every
            vassal `running` (its worker has stayed up `ready-after` = 0.2 s); uWSGI vassals,
            every vassal master has forked its worker; uwsgi-exec, same as procs_s;
  then, after --settle seconds, over --seconds of idle: the emperor process's CPU
  (utime+stime from /proc/PID/stat, % of one core), VmRSS (at the end and the largest of
  samples every 5 s), thread count (/proc/PID/status Threads), the number of live vassal
  processes, and (informational) the summed RSS of all its descendants.

Peers:
  ours         java -jar emperor.jar run ... (JVM flags as bin/emperor), vassal
               `[vassal] command = sleep 100000, ready-after = 0.2`
  uwsgi        uwsgi --emperor DIR (default --emperor-freq 3), vassal
               `[uwsgi] socket = SOCKDIR/%n.sock` (no app: the lightest uWSGI instance that
               stays up; under an emperor it always runs a master and one worker)
  uwsgi-f1     the same with --emperor-freq 1
  uwsgi-exec   uwsgi --emperor DIR --emperor-wrapper W where W is `#!/bin/sh exec sleep
               100000`: uWSGI's emperor running the same plain program as ours (the wrapper
               replaces the uwsgi binary; the vassal never speaks the emperor protocol)

Python 3 standard library only. Everything lives in a temporary folder; every process
started here is stopped by pid in a finally block (SIGTERM, then SIGKILL after a bounded
wait, then any descendant still alive, checked by its start time). Binds only to
127.0.0.1. See README.md beside this file.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/: benchlib, what the benchmarks share
from benchlib import (  # noqa: E402
    CLK_TCK, cpu_busy_ticks, DEFAULT_JAR, DEFAULT_JAVA, free_port, install_signal_handlers,
    JVM_FLAGS, kill_checked, log, med, now, proc_stat, proc_status, REPO, rss_kb_statm,
    self_ticks, thread_cpu_delta, thread_ticks, wait_quiet)

ALL_PEERS = ["ours", "uwsgi", "uwsgi-f1", "uwsgi-exec"]


# ---- /proc -----------------------------------------------------------------------------

def proc_argv(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return [a.decode("utf-8", "replace") for a in raw.rstrip(b"\0").split(b"\0")] if raw else []


def thread_names(pid):
    names = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return names
    for t in tids:
        try:
            with open(f"/proc/{pid}/task/{t}/comm") as f:
                n = f.read().strip()
        except OSError:
            continue
        names[n] = names.get(n, 0) + 1
    return dict(sorted(names.items(), key=lambda kv: -kv[1]))


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def read_last_pid():
    with open("/proc/sys/kernel/ns_last_pid") as f:
        return int(f.read())


def pid_max():
    with open("/proc/sys/kernel/pid_max") as f:
        return int(f.read())


def start_jfr(args, pid, seconds, name):
    """Starts a JFR recording of the emperor for the window (diagnostics: --jfr DIR)."""
    if not args.jfr:
        return None
    Path(args.jfr).mkdir(parents=True, exist_ok=True)
    out = Path(args.jfr).resolve() / f"{name}.jfr"
    jcmd = str(Path(args.java).parent / "jcmd")
    subprocess.run([jcmd, str(pid), "JFR.start", "name=bench", "settings=profile", f"duration={int(seconds) + 1}s",
                    f"filename={out}"], capture_output=True, timeout=60)
    return str(out)


class Tree:
    """Children (and grandchildren) of one process, found incrementally: each poll reads
    /proc/sys/kernel/ns_last_pid and stats only the pids handed out since the last poll,
    and re-reads the argv of the emperor's children that have not exec'd their program yet."""

    def __init__(self, root, is_vassal):
        self.root = root
        self.is_vassal = is_vassal
        self.pmax = pid_max()
        self.last = read_last_pid()
        self.unseen = {}      # pid -> first time it was allocated but not visible
        self.parent = {}      # pid -> (ppid, starttime) of every pid seen since
        self.pending = set()  # children of root not yet running the vassal program
        self.vassals = {}     # pid -> starttime: children of root running the program
        self.first_at = None
        for pid in all_pids():  # what exists already (the full-directory case)
            self._see(pid, now())

    def _see(self, pid, t):
        st = proc_stat(pid)
        if st is None:
            return False
        self.parent[pid] = (st[1], st[3])
        if st[1] == self.root:
            self.pending.add(pid)
        return True

    def poll(self):
        t = now()
        cur = read_last_pid()
        if cur != self.last:
            if cur > self.last:
                new = range(self.last + 1, cur + 1)
            else:
                new = list(range(self.last + 1, self.pmax + 1)) + list(range(1, cur + 1))
            self.last = cur
            for pid in new:
                self.unseen.setdefault(pid, t)
        for pid, t0 in list(self.unseen.items()):
            if self._see(pid, t) or t - t0 > 0.5:
                del self.unseen[pid]
        for pid in list(self.pending):
            argv = proc_argv(pid)
            if argv is None:
                self.pending.discard(pid)
            elif argv and self.is_vassal(argv):
                self.pending.discard(pid)
                self.vassals[pid] = self.parent[pid][1]
                if self.first_at is None:
                    self.first_at = t
        return len(self.vassals)

    def with_child(self):
        """How many vassal processes have a child of their own (a uWSGI master's worker)."""
        parents = {pp for (pp, _) in self.parent.values()}
        return sum(1 for p in self.vassals if p in parents)

    def descendants(self):
        """Every live descendant of root, by a full /proc scan: {pid: (ppid, starttime, ticks)}."""
        table = {}
        for pid in all_pids():
            st = proc_stat(pid)
            if st is not None:
                table[pid] = (st[1], st[3], st[2])
        out, frontier = {}, {self.root}
        while frontier:
            nxt = set()
            for pid, v in table.items():
                if v[0] in frontier and pid not in out:
                    out[pid] = v
                    nxt.add(pid)
            frontier = nxt
        return out


def is_noisy(res, idle_above, startup_above):
    return (res.get("others_busy_idle_pct", 0) > idle_above
            or res.get("others_busy_startup_pct", 0) > startup_above)


# ---- peers -----------------------------------------------------------------------------

class Peer:
    """One emperor under test: writes its vassal files and starts it."""

    def __init__(self, name, args, tmp):
        self.name = name
        self.args = args
        self.tmp = tmp
        self.stats_port = None
        if name == "ours":
            self.kind = "ours"
        elif name == "uwsgi-exec":
            self.kind = "uwsgi-exec"
        else:
            self.kind = "uwsgi"
        self.freq = 1 if name == "uwsgi-f1" else None

    def vassal_text(self):
        if self.kind == "ours":
            return "[vassal]\ncommand = sleep 100000\nready-after = 0.2\n"
        return f"[uwsgi]\nsocket = {self.tmp}/s/%n.sock\n"

    def is_vassal(self, argv):
        if self.kind == "uwsgi":
            return "--ini" in argv
        return os.path.basename(argv[0]) == "sleep"

    def command(self, vdir):
        if self.kind == "ours":
            self.stats_port = free_port()
            return ([self.args.java] + JVM_FLAGS + self.args.java_opts.split() +
                    ["-jar", str(self.tmp / "emperor.jar"), "run", "--run-dir", str(self.tmp / "run"),
                     "--stats", f"127.0.0.1:{self.stats_port}", str(vdir)])
        cmd = [self.args.uwsgi, "--emperor", str(vdir)]
        if self.freq:
            cmd += ["--emperor-freq", str(self.freq)]
        if self.kind == "uwsgi-exec":
            w = self.tmp / "wrapper.sh"
            w.write_text("#!/bin/sh\nexec sleep 100000\n")
            w.chmod(0o755)
            cmd += ["--emperor-wrapper", str(w)]
        return cmd

    def prepare(self):
        (self.tmp / "s").mkdir()
        (self.tmp / "run").mkdir()
        if self.kind == "ours":
            shutil.copy(self.args.jar, self.tmp / "emperor.jar")  # a rebuild mid-run cannot touch it

    def stats(self, timeout=10):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/stats", timeout=timeout) as r:
            return json.load(r)

    def up(self):
        """Whether the emperor is ready to take files (ours: /stats answers)."""
        if self.kind != "ours":
            return True
        try:
            self.stats(timeout=2)
            return True
        except OSError:
            return False


def write_vassals(d, n, text):
    d.mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        (d / f"v{i:04d}.ini").write_text(text)


# ---- one run ---------------------------------------------------------------------------

def one_run(args, peer_name, mode):
    quiet = wait_quiet(args.wait_quiet, args.quiet_below) if args.wait_quiet > 0 else None
    tmp = Path(tempfile.mkdtemp(prefix="emp-scale-", dir=args.tmp))
    peer = Peer(peer_name, args, tmp)
    peer.prepare()
    vdir, stage = tmp / "vassals", tmp / "stage"
    vdir.mkdir()
    write_vassals(vdir if mode == "full" else stage, args.count, peer.vassal_text())
    res = {"peer": peer_name, "mode": mode, "count": args.count}
    if quiet:
        res["waited_for_quiet_s"], res["busy_before_pct"] = quiet
    res["loadavg_before"] = round(os.getloadavg()[0], 2)
    logf = open(tmp / "emperor.log", "wb")
    proc = None
    tree = None
    tracked = {}
    try:
        cmd = peer.command(vdir)
        res["command"] = cmd
        if mode == "full":
            tree = Tree(os.getpid(), peer.is_vassal)  # root fixed below, once the pid is known
            machine_at_t0 = cpu_busy_ticks()
            self_t0 = self_ticks()
            t0 = now()
            proc = subprocess.Popen(cmd, cwd=tmp, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                    start_new_session=True)
            tree.root = proc.pid
            cpu_at_t0 = 0
            machine_t0 = machine_at_t0
            tree.pending = {p for p, (pp, _) in tree.parent.items() if pp == proc.pid}
        else:
            proc = subprocess.Popen(cmd, cwd=tmp, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                    start_new_session=True)
            deadline = now() + 60
            while not peer.up():
                if proc.poll() is not None or now() > deadline:
                    raise RuntimeError(f"{peer_name} did not come up (see {tmp}/emperor.log)")
                time.sleep(0.1)
            time.sleep(args.pre_idle)
            tree = Tree(proc.pid, peer.is_vassal)
            files = sorted(stage.iterdir())
            cpu_at_t0 = proc_stat(proc.pid)[2]
            machine_t0 = cpu_busy_ticks()
            self_t0 = self_ticks()
            t0 = now()
            for f in files:
                os.rename(f, vdir / f.name)
            res["rename_all_s"] = round(now() - t0, 4)
        # -- start-up: poll /proc until all N vassal processes run their program
        deadline = t0 + args.startup_timeout
        n = 0
        t_half = None
        while now() < deadline:
            n = tree.poll()
            if t_half is None and n >= args.count / 2:
                t_half = now()
            if n >= args.count:
                break
            if proc.poll() is not None:
                raise RuntimeError(f"{peer_name} exited with {proc.returncode} (see {tmp}/emperor.log)")
            time.sleep(args.poll)
        t_procs = now()
        res["procs_running"] = n
        res["startup_emperor_cpu_s"] = round((proc_stat(proc.pid)[2] - cpu_at_t0) / CLK_TCK, 2)
        res["first_s"] = round(tree.first_at - t0, 3) if tree.first_at else None
        res["half_s"] = round(t_half - t0, 3) if t_half else None
        res["procs_s"] = round(t_procs - t0, 3) if n >= args.count else None
        # -- ready by the peer's own measure
        t_ready = None
        while now() < deadline:
            if peer.kind == "ours":
                try:
                    doc = peer.stats()
                    running = sum(1 for v in doc["vassals"] if v["state"] == "running")
                except OSError:
                    running = 0
                if running >= args.count:
                    t_ready = now()
                    break
                time.sleep(0.1)
            elif peer.kind == "uwsgi":
                tree.poll()
                if tree.with_child() >= args.count:
                    t_ready = now()
                    break
                time.sleep(args.poll)
            else:
                t_ready = t_procs
                break
        res["ready_s"] = round(t_ready - t0, 3) if t_ready else None
        log(f"{peer_name:10s} {mode:5s}: first {res['first_s']} s, all {n} processes "
            f"{res['procs_s']} s, ready {res['ready_s']} s")
        tracked = tree.descendants()
        # Whatever else ran on the machine meanwhile (others' builds and tests): all busy time
        # minus the emperor's and its descendants' (start-up is the only CPU a sleep uses).
        m1 = cpu_busy_ticks()
        ours_ticks = ((proc_stat(proc.pid)[2] - cpu_at_t0) + sum(v[2] for v in tracked.values())
                      + self_ticks() - self_t0)
        res["others_busy_startup_pct"] = round(max(0, m1[0] - machine_t0[0] - ours_ticks)
                                              / max(1, m1[1] - machine_t0[1]) * 100, 1)
        # -- idle
        time.sleep(args.settle)
        pid = proc.pid
        if peer.kind == "ours":
            res["jfr"] = start_jfr(args, pid, args.seconds, f"scale-{mode}-{int(time.time())}")
        th0 = thread_ticks(pid)
        d0 = sum(v[2] for v in tree.descendants().values())
        st0, busy0, t_w0, me0 = proc_stat(pid), cpu_busy_ticks(), now(), self_ticks()
        rss_max = threads_max = 0
        while now() - t_w0 < args.seconds:
            time.sleep(min(5.0, max(0.0, args.seconds - (now() - t_w0))))
            s = proc_status(pid)
            if s is None:
                raise RuntimeError(f"{peer_name} died during the idle window")
            rss_max = max(rss_max, s["VmRSS"])
            threads_max = max(threads_max, s["Threads"])
        st1, busy1, t_w1, me1 = proc_stat(pid), cpu_busy_ticks(), now(), self_ticks()
        el = t_w1 - t_w0
        res["idle_cpu_by_thread_pct"] = thread_cpu_delta(th0, thread_ticks(pid), el)
        s = proc_status(pid)
        res["idle_window_s"] = round(el, 2)
        res["idle_cpu_pct"] = round((st1[2] - st0[2]) / CLK_TCK / el * 100, 3)
        res["machine_busy_pct"] = round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * 100, 1)
        res["rss_mb"] = round(s["VmRSS"] / 1024, 1)
        res["rss_max_mb"] = round(max(rss_max, s["VmRSS"]) / 1024, 1)
        res["rss_anon_mb"] = round(s.get("RssAnon", 0) / 1024, 1)
        res["rss_file_mb"] = round(s.get("RssFile", 0) / 1024, 1)
        res["threads"] = s["Threads"]
        res["threads_max"] = max(threads_max, s["Threads"])
        desc = tree.descendants()
        tracked.update(desc)
        ours_idle = (st1[2] - st0[2]) + sum(v[2] for v in desc.values()) - d0 + me1 - me0
        res["others_busy_idle_pct"] = round(max(0, busy1[0] - busy0[0] - ours_idle)
                                           / max(1, busy1[1] - busy0[1]) * 100, 1)
        res["noisy"] = is_noisy(res, args.noisy_above, args.noisy_startup_above)
        direct = [p for p, v in desc.items() if v[0] == pid and peer.is_vassal(proc_argv(p) or ["?"])]
        res["vassals_alive"] = len(direct)
        res["vassal_processes"] = len(desc)
        res["descendants_rss_mb"] = round(sum(rss_kb_statm(p) for p in desc) / 1024, 1)
        if peer.kind == "ours":
            res["thread_names"] = thread_names(pid)
            try:
                doc = peer.stats()
                res["stats_running"] = sum(1 for v in doc["vassals"] if v["state"] == "running")
                res["stats_restarts"] = sum(v["restarts"] for v in doc["vassals"])
            except OSError as e:
                res["stats_error"] = str(e)
        log(f"{peer_name:10s} {mode:5s}: idle cpu {res['idle_cpu_pct']} % of a core, rss {res['rss_mb']} MB, "
            f"{res['threads']} threads, {res['vassals_alive']} vassals alive ({res['vassal_processes']} "
            f"processes); others kept the machine {res['others_busy_startup_pct']} % busy during start-up, "
            f"{res['others_busy_idle_pct']} % during the idle window" + (" (NOISY)" if res["noisy"] else ""))
        # -- stop
        t_s = now()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=args.stop_timeout)
            res["stop_s"] = round(now() - t_s, 2)
            res["exit_code"] = proc.returncode
        except subprocess.TimeoutExpired:
            res["stop_s"] = None
        return res
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=args.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if tree is not None:
            tracked.update({p: (v[0], v[1], 0) for p, v in tree.parent.items() if p in tree.vassals})
        for p, v in tracked.items():
            kill_checked(p, v[1], signal.SIGKILL)
        logf.close()
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# ---- summary ---------------------------------------------------------------------------

METRICS = [("procs_s", "all running (processes), s"), ("ready_s", "all ready, s"),
           ("startup_emperor_cpu_s", "emperor CPU during start-up, s"),
           ("idle_cpu_pct", "idle CPU, % of a core"), ("rss_mb", "emperor RSS, MB"),
           ("threads", "emperor threads"), ("vassal_processes", "vassal processes"),
           ("descendants_rss_mb", "vassals' summed RSS, MB"),
           ("others_busy_startup_pct", "others' load during start-up, % of machine"),
           ("others_busy_idle_pct", "others' load during idle window, % of machine")]


def summarize(results, peers, modes):
    """Medians over the runs that were not noisy (over all runs of a cell when none was clean)."""
    lines = []
    clean = []
    for p in peers:
        for m in modes:
            cell = [r for r in results if r["peer"] == p and r["mode"] == m and "error" not in r]
            good = [r for r in cell if not r.get("noisy")]
            clean += good or cell
    results = clean
    for mode in modes:
        lines.append(f"\n### start mode: {mode}\n")
        head = "| figure | " + " | ".join(peers) + " | " + " | ".join(
            f"ours/{p}" for p in peers if p != "ours") + " |"
        lines.append(head)
        lines.append("|" + "---|" * (head.count("|") - 1))
        for key, label in METRICS:
            row = {p: med([r.get(key) for r in results if r["peer"] == p and r["mode"] == mode]) for p in peers}
            ratios = []
            for p in peers:
                if p == "ours":
                    continue
                a, b = row.get("ours"), row.get(p)
                ratios.append(f"{a / b:.2f}" if a is not None and b else "-")
            lines.append(f"| {label} | " + " | ".join("-" if row[p] is None else str(row[p]) for p in peers)
                         + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000, help="vassals (default 1000)")
    ap.add_argument("--seconds", type=float, default=60, help="idle window (default 60)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each peer and mode (default 3)")
    ap.add_argument("--settle", type=float, default=10, help="wait after all are ready, before the idle window")
    ap.add_argument("--pre-idle", type=float, default=3, help="empty mode: idle before the files move in")
    ap.add_argument("--peers", default=",".join(ALL_PEERS), help=f"comma list of {ALL_PEERS}")
    ap.add_argument("--modes", default="empty,full", help="comma list of empty, full")
    ap.add_argument("--startup-timeout", type=float, default=180)
    ap.add_argument("--stop-timeout", type=float, default=60)
    ap.add_argument("--poll", type=float, default=0.01, help="/proc poll interval during start-up, s")
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="S",
                    help="before each run, wait up to S seconds for the machine to be quiet (others' load)")
    ap.add_argument("--quiet-below", type=float, default=15, metavar="PCT",
                    help="quiet = whole machine less than PCT %% busy over 2 x 3 s (default 15)")
    ap.add_argument("--noisy-above", type=float, default=10, metavar="PCT",
                    help="a run is noisy when other processes kept the machine more than PCT %% busy during"
                         " its idle window (default 10)")
    ap.add_argument("--noisy-startup-above", type=float, default=35, metavar="PCT",
                    help="... or more than PCT %% busy during its start-up (default 35: kernel work for the"
                         " spawns and processes that exited count as others', ~20 %% on a quiet machine)")
    ap.add_argument("--summarize", nargs="+", metavar="JSON",
                    help="print the summary table of earlier --json files (noisy re-judged with the options"
                         " above) and exit")
    ap.add_argument("--retries", type=int, default=0, help="repeat a noisy run up to this many times")
    ap.add_argument("--label", default="", help="free text kept with the results (e.g. the commit the jar is from)")
    ap.add_argument("--java", default=DEFAULT_JAVA)
    ap.add_argument("--java-opts", default="", help="extra JVM options for our emperor (e.g. -Xmx64m)")
    ap.add_argument("--jar", default=str(DEFAULT_JAR))
    ap.add_argument("--uwsgi", default=shutil.which("uwsgi") or "/usr/bin/uwsgi")
    ap.add_argument("--tmp", default=None, help="parent of the temporary folders (default: $TMPDIR or /tmp)")
    ap.add_argument("--json", help="write every run's figures here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    ap.add_argument("--jfr", metavar="DIR", help="record our emperor's idle window with JFR (settings=profile) into DIR")
    args = ap.parse_args()
    install_signal_handlers()
    if args.summarize:
        results, metas = [], []
        for f in args.summarize:
            d = json.loads(Path(f).read_text())
            metas.append(d["meta"])
            for r in d["results"]:
                if "error" not in r:
                    r["noisy"] = is_noisy(r, args.noisy_above, args.noisy_startup_above)
                results.append(r)
        peers = [p for p in ALL_PEERS if any(r["peer"] == p for r in results)]
        modes = [m for m in ("empty", "full") if any(r["mode"] == m for r in results)]
        per = {(p, m): sum(1 for r in results if r["peer"] == p and r["mode"] == m and "error" not in r
                           and not r["noisy"]) for p in peers for m in modes}
        print(f"{', '.join(sorted({m['date'] for m in metas}))}; {metas[0]['cpus']} CPUs; "
              f"{results[0]['count']} vassals; clean runs per cell: " +
              ", ".join(f"{p}/{m} {n}" for (p, m), n in per.items()))
        print(summarize(results, peers, modes))
        return
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for p in peers:
        if p not in ALL_PEERS:
            ap.error(f"unknown peer {p}")
    if "ours" in peers and not Path(args.jar).is_file():
        ap.error(f"{args.jar} not found: cd {REPO} && mvn -q -pl emperor -am install -DskipTests")
    if any(p.startswith("uwsgi") for p in peers) and not Path(args.uwsgi).exists():
        ap.error("uwsgi not found: apt-get install -y uwsgi-core")
    meta = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
            "kernel": platform.release(), "cpus": os.cpu_count(), "args": vars(args),
            "jar_sha256": hashlib.sha256(Path(args.jar).read_bytes()).hexdigest() if Path(args.jar).is_file() else None,
            "java": subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()[:1]
            if "ours" in peers else None,
            "uwsgi": subprocess.run([args.uwsgi, "--version"], capture_output=True, text=True).stdout.strip()
            if any(p.startswith("uwsgi") for p in peers) else None}
    results = []
    try:
        for r in range(args.runs):
            for mode in modes:
                for p in peers:
                    for attempt in range(1 + args.retries):
                        log(f"run {r + 1}/{args.runs}: {p} {mode} ({args.count} vassals)"
                            + (f", attempt {attempt + 1} (the last was noisy)" if attempt else ""))
                        try:
                            res = one_run(args, p, mode)
                        except Exception as e:  # noqa: BLE001 - record and go on with the others
                            log(f"{p} {mode}: FAILED: {e}")
                            res = {"peer": p, "mode": mode, "count": args.count, "error": str(e)}
                        res["run"] = r + 1
                        res["attempt"] = attempt + 1
                        results.append(res)
                        if args.json:
                            Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1))
                        if not res.get("noisy"):
                            break
    finally:
        if args.json:
            Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(f"{meta['date']}, {meta['cpus']} CPUs, {args.count} vassals, idle window {args.seconds} s, "
          f"medians of {args.runs} run(s) (noisy runs: {sum(1 for r in results if r.get('noisy'))},"
          f" left out of a cell that has clean ones)")
    print(summarize(results, peers, modes))


if __name__ == "__main__":
    main()
