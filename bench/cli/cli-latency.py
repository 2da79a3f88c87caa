#!/usr/bin/env python3
"""Wall time of a CLI call (`emperor status`, `status NAME`, `reload NAME`, `--version`) against a
running emperor with a few vassals: median, p90, min, max over N runs, and the CPU time
(user + sys of the call and its children) as a figure that the machine's noise moves less.

It starts its own emperor through the launcher under test (--launcher, default bin/emperor) in a
private temp dir, waits until every vassal runs, runs each verb --warmup times uncounted and
then --runs times, interleaving the verbs so that a burst of load hits all of them alike, and
stops the emperor by its pid. Python 3 standard library only.

    bench/cli/cli-latency.py --runs 20 --label after --json bench/cli/results-after.json
"""

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
VERBS = [("status", ["status"]), ("status NAME", ["status", "app1"]), ("reload NAME", ["reload", "app1"]),
         ("--version", ["--version"])]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, env):
    """(wall ms, cpu ms) of one call; a failed call stops the bench, with its output."""
    cpu0 = children_cpu()
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = (time.monotonic() - t0) * 1000
    cpu = (children_cpu() - cpu0) * 1000
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return wall, cpu


def summary(vals):
    s = sorted(vals)
    p90 = s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))]
    return {"median": round(statistics.median(s), 1), "p90": round(p90, 1), "min": round(s[0], 1),
            "max": round(s[-1], 1)}


def wait_running(launcher, env, names, limit_s=60):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        p = subprocess.run([launcher, "status", "--json"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        if p.returncode == 0:
            states = {v["name"]: v["state"] for v in json.loads(p.stdout).get("vassals", [])}
            if all(states.get(n) == "running" for n in names):
                return
        time.sleep(0.2)
    sys.exit(f"the vassals did not all run within {limit_s} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--launcher", default=str(REPO / "bin" / "emperor"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--vassals", type=int, default=4)
    ap.add_argument("--label", default="")
    ap.add_argument("--json", help="write the figures here as well")
    ap.add_argument("--nice", type=int, help="run each call under nice -n NICE (root: e.g. -20, so that other "
                    "users' load on a shared machine weighs less on the figure)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="emperor-cli-bench-"))
    vassals, run_dir = tmp / "vassals.d", tmp / "run"
    vassals.mkdir()
    names = [f"app{i}" for i in range(1, args.vassals + 1)]
    for n in names:
        (vassals / f"{n}.ini").write_text("[vassal]\ncommand = sleep 100000\n")
    env = dict(os.environ, EMPEROR_RUN_DIR=str(run_dir))
    log = open(tmp / "emperor.log", "w")
    emperor = subprocess.Popen([args.launcher, "run", str(vassals)], env=env, stdout=log, stderr=log,
                               start_new_session=True)
    try:
        wait_running(args.launcher, env, names)
        walls = {v: [] for v, _ in VERBS}
        cpus = {v: [] for v, _ in VERBS}
        prefix = ["nice", "-n", str(args.nice)] if args.nice is not None else []
        for i in range(args.warmup + args.runs):
            for verb, argv in VERBS:
                wall, cpu = timed([*prefix, args.launcher, *argv], env)
                if i >= args.warmup:
                    walls[verb].append(wall)
                    cpus[verb].append(cpu)
        result = {"label": args.label, "launcher": args.launcher, "runs": args.runs, "vassals": args.vassals,
                  "nice": args.nice,
                  "cores": os.cpu_count(), "loadavg_at_end": os.getloadavg()[0],
                  "verbs": {v: {"wall_ms": summary(walls[v]), "cpu_ms": summary(cpus[v])} for v, _ in VERBS}}
    finally:
        emperor.send_signal(signal.SIGTERM)
        try:
            emperor.wait(timeout=30)
        except subprocess.TimeoutExpired:
            emperor.kill()
            emperor.wait()
        log.close()
    shutil.rmtree(tmp, ignore_errors=True)

    print(f"{args.label or args.launcher}: {args.runs} runs per verb, {args.vassals} vassals, "
          f"{'' if args.nice is None else f'nice {args.nice}, '}load average {result['loadavg_at_end']:.2f} on {result['cores']} cores")
    print(f"{'verb':<14} {'wall median':>11} {'p90':>7} {'min':>7} {'max':>7}   {'cpu median':>10} {'p90':>7}")
    for verb, r in result["verbs"].items():
        w, c = r["wall_ms"], r["cpu_ms"]
        print(f"{verb:<14} {w['median']:>9} ms {w['p90']:>7} {w['min']:>7} {w['max']:>7}   "
              f"{c['median']:>8} ms {c['p90']:>7}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
