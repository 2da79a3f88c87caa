#!/usr/bin/env python3
"""A background job worker: takes a 'job' every two seconds and logs it.

Each worker process knows which vassal and worker slot it is from the environment the
emperor sets (EMPEROR_VASSAL, EMPEROR_WORKER). On SIGTERM it finishes the job in hand and
exits 0, which is what a graceful stop or reload asks of it.
"""
import os
import signal
import sys
import time

vassal = os.environ.get("EMPEROR_VASSAL", "standalone")
worker = os.environ.get("EMPEROR_WORKER", "1")
stopping = False


def stop(signum, frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)

print(f"{vassal} worker {worker} (pid {os.getpid()}): ready for jobs", flush=True)
job = 0
while not stopping:
    job += 1
    print(f"{vassal} worker {worker}: processed job {job}", flush=True)
    # A short sleep in a loop so SIGTERM is seen within 0.2 s.
    for _ in range(10):
        if stopping:
            break
        time.sleep(0.2)
print(f"{vassal} worker {worker}: stopping after {job} job(s)", flush=True)
sys.exit(0)
