#!/usr/bin/python3
"""Benchmark B (issue 5): the emperor's CPU and memory with 1,000 workers that each send a
heartbeat every second.

The workers are real supervised vassals: each vassal file runs `hbclient` (hbclient.c beside
this script, compiled here with cc into the temporary folder), a tiny C program that speaks
docs/protocol.md with the EMPEROR_SOCKET / EMPEROR_VASSAL / EMPEROR_WORKER / EMPEROR_TOKEN
the emperor gave it: hello, welcome, then a heartbeat every `heartbeat_ms` with a strictly
increasing seq, its uptime and two telemetry values (`heap.used` = 123 and `hb.sent` = the
number of beats sent on this connection).

Variants, interleaved in each run so that both see the same machine:
  hb     `[vassal] command = .../hbclient, heartbeat = 1, ready-after = 0.2`
  sleep  `[vassal] command = sleep 100000, ready-after = 0.2` (no agent, no socket traffic):
         the baseline, so `hb - sleep` is what the heartbeats themselves cost.

For each: start the emperor on a full directory, wait until /stats shows every vassal
`running` (and, for hb, every worker with a heartbeat), wait --settle seconds, then over
--seconds: the emperor's CPU (utime+stime from /proc/PID/stat, % of one core), VmRSS and
threads. /stats is read every --check-every seconds during the window to check that every
worker's heartbeat_age_ms stays below --max-age-ms, and at both ends to check from the
workers' `hb.sent` telemetry that every beat arrived; the emperor CPU each of those reads
costs is measured around it (ticks before and after) and subtracted (`cpu_net`; `cpu_raw`
keeps it). After the window, the vassal logs are searched for any hbclient complaint
(refused, lost the emperor, ...).

Python 3 standard library and a C compiler. Everything lives in a temporary folder; every
process started here is stopped by pid in a finally block. Binds only to 127.0.0.1.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
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
    self_ticks, thread_cpu_delta, thread_files, thread_ticks, wait_quiet)


def children(pid):
    """{child pid: starttime} of every live child of pid (full /proc scan)."""
    out = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            st = proc_stat(int(p))
            if st is not None and st[1] == pid:
                out[int(p)] = st[3]
    return out


def descendants(root):
    """{pid: (ppid, starttime, ticks)} of every live descendant of root (full /proc scan)."""
    table = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            st = proc_stat(int(p))
            if st is not None:
                table[int(p)] = (st[1], st[3], st[2])
    out, frontier = {}, {root}
    while frontier:
        nxt = set()
        for pid, v in table.items():
            if v[0] in frontier and pid not in out:
                out[pid] = v
                nxt.add(pid)
        frontier = nxt
    return out


def kids_ticks(pid):
    return sum(v[2] for v in descendants(pid).values())


def thread_switches(pid):
    """{tid: (name, voluntary, nonvoluntary context switches)} of every thread of pid."""
    out = {}
    for tid, text in thread_files(pid, "status"):
        name, vol, nonvol = "?", 0, 0
        for line in text.splitlines():
            if line.startswith("Name:"):
                name = line.split(None, 1)[1].strip() if len(line.split(None, 1)) > 1 else ""
            elif line.startswith("voluntary_ctxt_switches:"):
                vol = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                nonvol = int(line.split()[1])
        out[tid] = (name, vol, nonvol)
    return out


def thread_switch_delta(before, after, seconds):
    """Context switches per second per thread name (threads of one name summed), between two
    samples: {name: [voluntary/s, nonvoluntary/s, threads]} (the busiest 12, and a total)."""
    by = {}
    for tid, (name, vol, nonvol) in after.items():
        b = before.get(tid, (name, 0, 0))
        dv, dn = vol - b[1], nonvol - b[2]
        if dv > 0 or dn > 0:
            e = by.setdefault(name, [0, 0, 0])
            e[0] += dv
            e[1] += dn
            e[2] += 1
    out = {k: [round(v[0] / seconds, 1), round(v[1] / seconds, 1), v[2]]
           for k, v in sorted(by.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))[:12]}
    out["(all threads)"] = [round(sum(v[0] for v in by.values()) / seconds, 1),
                            round(sum(v[1] for v in by.values()) / seconds, 1), sum(v[2] for v in by.values())]
    return out


def start_jfr(args, pid, seconds, name):
    """Starts a JFR recording of the emperor for the window (diagnostics: --jfr DIR)."""
    if not args.jfr:
        return None
    Path(args.jfr).mkdir(parents=True, exist_ok=True)
    out = Path(args.jfr).resolve() / f"{name}.jfr"
    jcmd = str(Path(args.java).parent / "jcmd")
    subprocess.run([jcmd, str(pid), "JFR.start", "name=bench", f"settings={args.jfr_settings}",
                    f"duration={int(seconds) + 1}s", f"filename={out}"] + args.jfr_option,
                   capture_output=True, timeout=60)
    return str(out)


def get_stats(port, timeout=20):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=timeout) as r:
        return json.load(r)


def workers(doc):
    return [(v["name"], w) for v in doc["vassals"] for w in v["workers"]]


def check(doc, count, max_age, hb):
    """Figures of one /stats sample."""
    ws = workers(doc)
    ages = [w.get("heartbeat_age_ms") for _, w in ws]
    out = {"vassals_running": sum(1 for v in doc["vassals"] if v["state"] == "running"),
           "workers": len(ws), "restarts": sum(v["restarts"] for v in doc["vassals"])}
    if hb:
        known = [a for a in ages if a is not None]
        out["no_heartbeat"] = len(ages) - len(known)
        out["age_over_limit"] = sum(1 for a in known if a >= max_age)
        out["age_max_ms"] = max(known) if known else None
        out["age_median_ms"] = statistics.median(known) if known else None
        out["ok"] = (out["vassals_running"] == count and out["no_heartbeat"] == 0 and out["age_over_limit"] == 0)
    else:
        out["ok"] = out["vassals_running"] == count
    return out


def get_uwsgi_stats(port, timeout=20):
    """uWSGI's --emperor-stats: the JSON document written on each TCP connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        buf = b""
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            buf += b
    return json.loads(buf)


def check_uwsgi(doc, count, max_age, hb):
    """uWSGI's emperor keeps last_heartbeat per vassal in whole seconds (1 s granularity)."""
    vs = doc["vassals"]
    out = {"vassals_running": sum(1 for v in vs if v.get("pid") and v.get("accepting")), "workers": len(vs),
           "restarts": sum(v.get("respawns", 0) for v in vs)}
    if hb:
        t = time.time()
        ages = [int((t - v["last_heartbeat"]) * 1000) if v.get("last_heartbeat") else None for v in vs]
        known = [a for a in ages if a is not None]
        out["no_heartbeat"] = len(ages) - len(known)
        out["age_over_limit"] = sum(1 for a in known if a >= max_age + 1000)  # + the 1 s granularity
        out["age_max_ms"] = max(known) if known else None
        out["age_median_ms"] = statistics.median(known) if known else None
        out["ok"] = (out["vassals_running"] == count and out["no_heartbeat"] == 0 and out["age_over_limit"] == 0)
    else:
        out["ok"] = out["vassals_running"] == count
    return out


def sent(doc):
    return {(n, w["id"]): (w.get("telemetry") or {}).get("hb.sent") for n, w in workers(doc)}


def one_run(args, variant, hbclient):
    quiet = wait_quiet(args.wait_quiet, args.quiet_below) if args.wait_quiet > 0 else None
    tmp = Path(tempfile.mkdtemp(prefix=f"emp-hb-{variant}-", dir=args.tmp))
    vdir, run = tmp / "vassals", tmp / "run"
    vdir.mkdir()
    run.mkdir()
    (tmp / "s").mkdir()
    ours = not variant.startswith("uwsgi")
    hb = variant in ("hb", "uwsgi-hb")
    if ours:
        shutil.copy(args.jar, tmp / "emperor.jar")
    if variant == "hb":
        text = f"[vassal]\ncommand = {hbclient}\nheartbeat = {args.heartbeat:g}\nready-after = 0.2\n"
    elif variant == "sleep":
        text = "[vassal]\ncommand = sleep 100000\nready-after = 0.2\n"
    else:  # a uWSGI instance without an app: master + 1 worker; the master sends the heartbeat byte
        text = f"[uwsgi]\nsocket = {tmp}/s/%n.sock\n" + (f"heartbeat = {args.heartbeat:g}\n" if hb else "")
    for i in range(1, args.count + 1):
        (vdir / f"v{i:04d}.ini").write_text(text)
    port = free_port()
    if ours:
        cmd = ([args.java] + JVM_FLAGS + args.java_opts.split() + ["-jar", str(tmp / "emperor.jar"), "run",
               "--run-dir", str(run), "--stats", f"127.0.0.1:{port}", str(vdir)])
        stats, checker = (lambda: get_stats(port)), check
    else:
        cmd = [args.uwsgi, "--emperor", str(vdir), "--emperor-stats", f"127.0.0.1:{port}"]
        stats, checker = (lambda: get_uwsgi_stats(port)), check_uwsgi
    res = {"variant": variant, "count": args.count, "heartbeat_s": args.heartbeat if hb else None,
           "command": cmd}
    if quiet:
        res["waited_for_quiet_s"], res["busy_before_pct"] = quiet
    res["loadavg_before"] = round(os.getloadavg()[0], 2)
    logf = open(tmp / "emperor.log", "wb")
    proc = None
    kids = {}
    hb = variant == "hb"
    try:
        t0 = now()
        proc = subprocess.Popen(cmd, cwd=tmp, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                start_new_session=True)
        pid = proc.pid
        # -- wait until everything runs (and beats)
        deadline = t0 + args.startup_timeout
        last = None
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"emperor exited with {proc.returncode} (see {tmp}/emperor.log)")
            try:
                last = checker(stats(), args.count, args.max_age_ms, hb)
                if last["ok"]:
                    break
            except OSError:
                pass
            if now() > deadline:
                raise RuntimeError(f"not all up within {args.startup_timeout} s: {last}")
            time.sleep(1)
        res["startup_s"] = round(now() - t0, 1)
        kids = descendants(pid)
        log(f"{variant:5s}: all {args.count} up after {res['startup_s']} s; settling {args.settle} s")
        time.sleep(args.settle)
        # -- the window
        doc0 = stats()
        first = checker(doc0, args.count, args.max_age_ms, hb)
        sent0, t_s0 = (sent(doc0) if ours else {}), now()
        if ours:
            res["jfr"] = start_jfr(args, pid, args.seconds, f"hb-{variant}-{int(time.time())}")
        th0 = thread_ticks(pid)
        cs0 = thread_switches(pid)
        k0 = kids_ticks(pid)
        st0, busy0, tw0, me0 = proc_stat(pid), cpu_busy_ticks(), now(), self_ticks()
        samples, stats_cost, rss_max, thr_max = [], 0, 0, 0
        next_check = tw0 + args.check_every
        while now() - tw0 < args.seconds:
            time.sleep(max(0.0, min(5.0, tw0 + args.seconds - now(), next_check - now())))
            s = proc_status(pid)
            if s is None:
                raise RuntimeError("the emperor died during the window")
            rss_max, thr_max = max(rss_max, s["VmRSS"]), max(thr_max, s["Threads"])
            if now() >= next_check and now() - tw0 < args.seconds - 1:
                a = proc_stat(pid)[2]
                doc = stats()
                stats_cost += proc_stat(pid)[2] - a
                c = checker(doc, args.count, args.max_age_ms, hb)
                c["t"] = round(now() - tw0, 1)
                samples.append(c)
                next_check += args.check_every
        st1, busy1, tw1, me1 = proc_stat(pid), cpu_busy_ticks(), now(), self_ticks()
        k1 = kids_ticks(pid)
        by_thread = thread_cpu_delta(th0, thread_ticks(pid), tw1 - tw0)
        switches = thread_switch_delta(cs0, thread_switches(pid), tw1 - tw0)
        doc1 = stats()
        sent1, t_s1 = (sent(doc1) if ours else {}), now()
        last = checker(doc1, args.count, args.max_age_ms, hb)
        el = tw1 - tw0
        s = proc_status(pid)
        res.update({
            "window_s": round(el, 2),
            "cpu_raw_pct": round((st1[2] - st0[2]) / CLK_TCK / el * 100, 3),
            "cpu_net_pct": round((st1[2] - st0[2] - stats_cost) / CLK_TCK / el * 100, 3),
            "stats_reads_cpu_s": round(stats_cost / CLK_TCK, 2),
            "machine_busy_pct": round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * 100, 1),
            "workers_cpu_pct": round((k1 - k0) / CLK_TCK / el * 100, 3),
            "others_busy_pct": round(max(0, busy1[0] - busy0[0] - (st1[2] - st0[2]) - (k1 - k0) - (me1 - me0))
                                     / max(1, busy1[1] - busy0[1]) * 100, 1),
            "rss_mb": round(s["VmRSS"] / 1024, 1), "rss_max_mb": round(max(rss_max, s["VmRSS"]) / 1024, 1),
            "rss_anon_mb": round(s["RssAnon"] / 1024, 1), "threads": s["Threads"],
            "threads_max": max(thr_max, s["Threads"]),
            "checks": [first] + samples + [last],
            "cpu_by_thread_pct": by_thread,
            "switches_per_s_by_thread": switches,
        })
        res["noisy"] = res["others_busy_pct"] > args.noisy_above
        allchecks = res["checks"]
        res["checks_ok"] = all(c["ok"] for c in allchecks)
        if hb:
            res["age_max_ms"] = max(c["age_max_ms"] or 0 for c in allchecks)
        if hb and ours:
            beats_expected = (t_s1 - t_s0) / args.heartbeat
            deltas = [sent1.get(k) - v for k, v in sent0.items() if v is not None and sent1.get(k) is not None
                      and sent1.get(k) >= v]
            res["beats_received_in_window"] = sum(deltas)
            res["beats_expected_in_window"] = round(beats_expected * args.count)
            res["workers_short_of_beats"] = sum(1 for d in deltas if d < beats_expected * 0.9 - 1)
            res["workers_counted"] = len(deltas)
            res["beats_per_s"] = round(sum(deltas) / (t_s1 - t_s0), 1)
        complaints = 0
        for f in (run / "logs").glob("*.log") if ours else []:
            for line in f.read_text(errors="replace").splitlines():
                if "hbclient:" in line and "connected, heartbeat every" not in line:
                    complaints += 1
        res["client_complaints"] = complaints
        res["emperor_warnings"] = sum(1 for line in (tmp / "emperor.log").read_text(errors="replace").splitlines()
                                      if " WARN" in line or " ERROR" in line)
        desc = descendants(pid)
        kids.update(desc)
        res["vassals_alive"] = len(children(pid))
        res["vassal_processes"] = len(desc)
        res["vassals_summed_rss_mb"] = round(sum(rss_kb_statm(p) for p in desc) / 1024, 1)
        log(f"{variant:8s}: emperor CPU {res['cpu_net_pct']} % of a core (raw {res['cpu_raw_pct']}), "
            f"RSS {res['rss_mb']} MB, {res['threads']} threads; checks ok: {res['checks_ok']}"
            + (f", beats {res['beats_received_in_window']}/{res['beats_expected_in_window']}" if hb and ours else "")
            + (f", max heartbeat age {res['age_max_ms']} ms" if hb else "")
            + f", client complaints {complaints}; others kept the machine {res['others_busy_pct']} % busy"
            + (" (NOISY)" if res["noisy"] else ""))
        log(f"{variant:8s}: CPU by thread (% of a core): {by_thread}")
        log(f"{variant:8s}: context switches/s by thread [voluntary, involuntary, threads]: {switches}")
        if hb and ours and res.get("beats_per_s"):
            res["cpu_us_per_beat"] = round(res["cpu_net_pct"] / 100 * 1e6 / res["beats_per_s"], 1)
            log(f"{variant:8s}: {res['cpu_us_per_beat']} us of emperor CPU per heartbeat (all of it, idle included)")
        if args.hold > 0:
            log(f"holding the emperor (pid {pid}) {args.hold:g} s for outside profiling")
            time.sleep(args.hold)
        t_s = now()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=args.stop_timeout)
            res["stop_s"], res["exit_code"] = round(now() - t_s, 2), proc.returncode
        except subprocess.TimeoutExpired:
            res["stop_s"] = None
        return res
    finally:
        if proc is not None:
            if not kids and proc.poll() is None:
                kids = descendants(proc.pid)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=args.stop_timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        for p, v in kids.items():
            kill_checked(p, v[1], signal.SIGKILL)
        logf.close()
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000, help="workers (default 1000)")
    ap.add_argument("--seconds", type=float, default=60, help="measurement window (default 60)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--heartbeat", type=float, default=1, help="seconds between beats (default 1)")
    ap.add_argument("--variants", default="hb,sleep,uwsgi-hb,uwsgi",
                    help="comma list of hb, sleep (our baseline), uwsgi-hb, uwsgi (its baseline)")
    ap.add_argument("--settle", type=float, default=15)
    ap.add_argument("--check-every", type=float, default=20, help="/stats checks during the window, s")
    ap.add_argument("--max-age-ms", type=int, default=2000)
    ap.add_argument("--startup-timeout", type=float, default=300)
    ap.add_argument("--stop-timeout", type=float, default=60)
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="S",
                    help="before each run, wait up to S seconds for the machine to be quiet (others' load)")
    ap.add_argument("--quiet-below", type=float, default=15, metavar="PCT",
                    help="quiet = whole machine less than PCT %% busy over 2 x 3 s (default 15)")
    ap.add_argument("--noisy-above", type=float, default=10, metavar="PCT",
                    help="a run is noisy when other processes kept the machine more than PCT %% busy during"
                         " its window (default 10)")
    ap.add_argument("--retries", type=int, default=0, help="repeat a noisy run up to this many times")
    ap.add_argument("--label", default="", help="free text kept with the results (e.g. the commit the jar is from)")
    ap.add_argument("--java", default=DEFAULT_JAVA)
    ap.add_argument("--java-opts", default="")
    ap.add_argument("--jar", default=str(DEFAULT_JAR))
    ap.add_argument("--cc", default=shutil.which("cc") or "gcc")
    ap.add_argument("--uwsgi", default=shutil.which("uwsgi") or "/usr/bin/uwsgi")
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--json")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--jfr", metavar="DIR", help="record the window with JFR (settings=profile) into DIR")
    ap.add_argument("--jfr-settings", default="profile",
                    help="JFR settings for --jfr: profile (default), default, or a .jfc file")
    ap.add_argument("--jfr-option", action="append", default=[], metavar="KEY=VALUE",
                    help="extra JFR.start option, repeatable (e.g. jdk.ExecutionSample#period=1ms)")
    ap.add_argument("--hold", type=float, default=0, metavar="S",
                    help="after the window, keep the emperor running S seconds (for jcmd, perf, ...)")
    args = ap.parse_args()
    install_signal_handlers()
    if not Path(args.jar).is_file() and any(not v.strip().startswith("uwsgi") for v in args.variants.split(",")):
        ap.error(f"{args.jar} not found: cd {REPO} && mvn -q -pl emperor -am install -DskipTests")
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    build = Path(tempfile.mkdtemp(prefix="emp-hbclient-", dir=args.tmp))
    meta = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
            "kernel": platform.release(), "cpus": os.cpu_count(), "args": vars(args),
            "jar_sha256": hashlib.sha256(Path(args.jar).read_bytes()).hexdigest() if Path(args.jar).is_file() else None,
            "java": subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()[:1]}
    results = []
    try:
        hbclient = build / "hbclient"
        subprocess.run([args.cc, "-O2", "-Wall", "-o", str(hbclient), str(HERE / "hbclient.c")], check=True)
        for r in range(args.runs):
            for v in variants:
                for attempt in range(1 + args.retries):
                    log(f"run {r + 1}/{args.runs}: {v} ({args.count} workers)"
                        + (f", attempt {attempt + 1} (the last was noisy)" if attempt else ""))
                    try:
                        res = one_run(args, v, hbclient)
                    except Exception as e:  # noqa: BLE001 - record it and go on
                        log(f"{v}: FAILED: {e}")
                        res = {"variant": v, "error": str(e)}
                    res["run"], res["attempt"] = r + 1, attempt + 1
                    results.append(res)
                    if args.json:
                        Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1))
                    if not res.get("noisy"):
                        break
    finally:
        shutil.rmtree(build, ignore_errors=True)
        if args.json:
            Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(f"{meta['date']}, {meta['cpus']} CPUs, {args.count} workers, heartbeat {args.heartbeat:g} s, "
          f"window {args.seconds:g} s, medians of {args.runs} run(s) (noisy runs: "
          f"{sum(1 for r in results if r.get('noisy'))}, left out where a clean one exists)\n")
    clean = []
    for v in variants:
        cell = [r for r in results if r.get("variant") == v and "error" not in r]
        clean += [r for r in cell if not r.get("noisy")] or cell
    summary_runs = clean
    keys = [("cpu_net_pct", "emperor CPU, % of a core"), ("cpu_raw_pct", "  incl. the /stats checks"),
            ("rss_mb", "emperor RSS, MB"), ("rss_max_mb", "emperor RSS, largest sample, MB"),
            ("threads", "emperor threads"), ("beats_per_s", "heartbeats received per s"),
            ("cpu_us_per_beat", "emperor CPU per heartbeat, us"),
            ("age_max_ms", "largest heartbeat_age_ms seen"), ("workers_short_of_beats", "workers short of beats"),
            ("client_complaints", "client complaints in logs"), ("startup_s", "start-up until all beat, s"),
            ("workers_cpu_pct", "the workers' CPU together, % of a core"),
            ("others_busy_pct", "others' load in the window, % of machine")]
    extra = []  # (title, function of the row)
    if set(variants) >= {"hb", "sleep"}:
        extra.append(("hb - sleep", lambda row: (row["hb"], row["sleep"], "-")))
    if set(variants) >= {"uwsgi-hb", "uwsgi"}:
        extra.append(("uwsgi-hb - uwsgi", lambda row: (row["uwsgi-hb"], row["uwsgi"], "-")))
    if set(variants) >= {"hb", "uwsgi-hb"}:
        extra.append(("hb / uwsgi-hb", lambda row: (row["hb"], row["uwsgi-hb"], "/")))
    print("| figure | " + " | ".join(variants) + "".join(f" | {t}" for t, _ in extra) + " |")
    print("|---|" + "---|" * (len(variants) + len(extra)))
    for k, label in keys:
        row = {v: med([r.get(k) for r in summary_runs if r.get("variant") == v]) for v in variants}
        cells = []
        for _, f in extra:
            a, b, op = f(row)
            if a is None or b is None or k not in ("cpu_net_pct", "cpu_raw_pct", "rss_mb", "threads"):
                cells.append("")
            elif op == "-":
                cells.append(str(round(a - b, 3)))
            else:
                cells.append(f"{a / b:.2f}" if b else "-")
        print(f"| {label} | " + " | ".join("-" if row[v] is None else str(row[v]) for v in variants)
              + "".join(f" | {c}" for c in cells) + " |")
    print(f"\nall /stats checks passed: {all(r.get('checks_ok') for r in results)}")


if __name__ == "__main__":
    main()
