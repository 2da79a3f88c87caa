"""emperor_agent: report to an Emperor from a Python process. One file, standard library only.

Usage (copy this file next to your app, or put its folder on PYTHONPATH):

    import emperor_agent

    emperor_agent.start()                      # first thing: returns at once; a no-op outside an emperor
    server = make_server()                     # ... load the app ...
    emperor_agent.ready()                      # now serving
    emperor_agent.progress(1)                  # per request or job done: tells "busy" from "stuck"
    emperor_agent.event("warning", "disk 91% full")
    emperor_agent.request_reload("new TLS certificate")
    emperor_agent.counter("orders")            # app.orders += 1
    emperor_agent.gauge("queue.depth", lambda: len(queue))

start() reads EMPEROR_SOCKET, EMPEROR_VASSAL, EMPEROR_WORKER and EMPEROR_TOKEN (set by the
emperor for each worker) and starts one daemon thread, "emperor-agent", that says hello,
waits for the emperor's welcome, then sends a heartbeat every heartbeat_ms with metrics
named by OpenTelemetry's semantic conventions, each with its unit and kind:

    process.memory.usage, process.memory.virtual (By), process.cpu.time (s, counter),
    process.thread.count, process.open_file_descriptor.count, process.uptime (s),
    cpython.thread.count (Python threads), cpython.gc.collections,
    cpython.gc.collected_objects, cpython.gc.uncollectable_objects (counters, per
    cpython.garbage_collector.generation), plus app.<name> for counters and gauges;
    gc_pause_ms is measured with gc.callbacks. It reconnects with backoff (1 s doubling to 30 s) when the emperor goes away.

The wire protocol (v1, one JSON object per line) is in docs/protocol.md.

Under uWSGI the agent thread needs `enable-threads = true` and `single-interpreter = true`,
and each worker must start its own thread: use `lazy-apps = true`, or call start() from a
post-fork hook. (A thread started in the master before the fork does not exist in the
workers; this module also restarts itself in a forked child through os.register_at_fork.)
"""

import gc
import json
import os
import resource
import selectors
import socket
import sys
import threading
import time

__all__ = ["start", "ready", "progress", "event", "request_reload", "counter", "gauge"]

VERSION = "0.1.0"
MAX_LINE = 65536
_MIN_BACKOFF = 1.0
_MAX_BACKOFF = 30.0
_HANDSHAKE_TIMEOUT = 10.0
_MAX_QUEUED = 100


class _State:
    """What the app says, shared between app threads and the agent thread (under one lock)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ready = False            # sticky: said again on every new connection
        self.progress = None          # None until the app reports progress
        self.queue = []               # ready, reload and event messages, in call order
        self.counters = {}
        self.gauges = {}
        self.gc_pause_ns = 0
        self.gc_started = None


_state = _State()
_agent = None
_start_lock = threading.Lock()


def _log(line):
    try:
        sys.stderr.write("emperor-agent: %s\n" % line)
        sys.stderr.flush()
    except Exception:
        pass


def _gc_callback(phase, info):
    # Runs in whichever thread triggered the collection: keep it tiny.
    now = time.perf_counter_ns()
    if phase == "start":
        _state.gc_started = now
    elif _state.gc_started is not None:
        _state.gc_pause_ns += now - _state.gc_started
        _state.gc_started = None


class _Agent(threading.Thread):
    def __init__(self, sock_path, vassal, worker, token):
        super().__init__(name="emperor-agent", daemon=True)
        self.sock_path = sock_path
        self.vassal = vassal
        self.worker = worker
        self.token = token
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        self.mood = None
        self.started_at = time.monotonic()

    # --- called from app threads -------------------------------------------------------------
    def wake(self):
        try:
            self.wake_w.send(b"x")
        except (BlockingIOError, OSError):
            pass  # already awake, or closing

    # --- the agent thread --------------------------------------------------------------------
    def _mood(self, mood, line):
        if mood != self.mood:
            _log(line)
        self.mood = mood

    def run(self):
        backoff = _MIN_BACKOFF
        while True:
            welcomed = [False]
            try:
                self._session(welcomed)
            except _Rejected as e:
                self._mood("rejected", "the emperor at %s refused this process (%s); retrying every %d s"
                           % (self.sock_path, e, _MAX_BACKOFF))
                backoff = _MAX_BACKOFF
            except Exception as e:  # never let anything reach the app
                if self.mood == "connected":
                    self._mood("lost", "lost the emperor at %s (%s); reconnecting" % (self.sock_path, e))
                elif self.mood != "lost":
                    self._mood("unreachable", "cannot reach the emperor at %s (%s); retrying every %d to %d s"
                               % (self.sock_path, e, _MIN_BACKOFF, _MAX_BACKOFF))
            if welcomed[0]:
                backoff = _MIN_BACKOFF
            time.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)

    def _session(self, welcomed):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock, selectors.DefaultSelector() as sel:
            sock.settimeout(_HANDSHAKE_TIMEOUT)
            sock.connect(self.sock_path)
            reader = _LineReader(sock)
            self._send(sock, {"type": "hello", "vassal": self.vassal, "worker": self.worker, "token": self.token,
                              "pid": os.getpid(), "runtime": "python " + sys.version.split()[0],
                              "agent": VERSION})
            deadline = time.monotonic() + _HANDSHAKE_TIMEOUT
            welcome = None
            while welcome is None:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                msg = reader.next()
                if msg.get("type") == "error":
                    raise _Rejected(msg.get("message", ""))
                if msg.get("type") == "welcome":
                    welcome = msg
            welcomed[0] = True
            heartbeat_ms = int(welcome.get("heartbeat_ms", 0))
            self._mood("connected", "connected to %s (vassal %s, worker %d, pid %d, %s)"
                       % (self.sock_path, self.vassal, self.worker, os.getpid(),
                          "heartbeat every %d ms" % heartbeat_ms if heartbeat_ms > 0 else "no heartbeats"))
            sock.settimeout(5.0)  # sends may block this thread a little, never an app thread
            sel.register(sock, selectors.EVENT_READ, "sock")
            sel.register(self.wake_r, selectors.EVENT_READ, "wake")
            interval = heartbeat_ms / 1000.0
            next_beat = time.monotonic()
            seq = 0
            ready_sent = False
            while True:
                with _state.lock:
                    queue, _state.queue = _state.queue, []
                    is_ready = _state.ready
                for message in queue:
                    if message["type"] == "ready":
                        if ready_sent:
                            continue
                        ready_sent = True
                    self._send(sock, message)
                if is_ready and not ready_sent:  # said before this connection: say it again
                    self._send(sock, {"type": "ready"})
                    ready_sent = True
                now = time.monotonic()
                if interval > 0 and now >= next_beat:
                    seq += 1
                    self._send(sock, self._heartbeat(seq))
                    next_beat += interval
                    if now >= next_beat:
                        next_beat = now + interval  # late: no burst of beats
                timeout = max(0.001, next_beat - time.monotonic()) if interval > 0 else None
                for key, _ in sel.select(timeout):
                    if key.data == "wake":
                        try:
                            while self.wake_r.recv(4096):
                                pass
                        except (BlockingIOError, InterruptedError):
                            pass
                    else:
                        sock.settimeout(0.0)
                        try:
                            msg = reader.next()
                        except BlockingIOError:
                            msg = None
                        finally:
                            sock.settimeout(5.0)
                        if msg is not None and msg.get("type") == "error":
                            raise _Rejected(msg.get("message", ""))

    def _heartbeat(self, seq):
        # OpenTelemetry's names, each with its unit (UCUM) and kind: see docs/protocol.md.
        m = []

        def metric(name, unit, kind, value, **attributes):
            entry = {"name": name, "unit": unit, "kind": kind, "value": value}
            if attributes:
                entry["attributes"] = attributes
            m.append(entry)

        try:
            with open("/proc/self/statm") as f:
                fields = f.read().split()
            page = os.sysconf("SC_PAGE_SIZE")
            metric("process.memory.usage", "By", "gauge", int(fields[1]) * page)
            metric("process.memory.virtual", "By", "gauge", int(fields[0]) * page)
        except (OSError, ValueError, IndexError):
            pass
        usage = resource.getrusage(resource.RUSAGE_SELF)
        metric("process.cpu.time", "s", "counter", usage.ru_utime + usage.ru_stime)
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("Threads:"):
                        metric("process.thread.count", "{thread}", "gauge", int(line.split()[1]))
                        break
        except (OSError, ValueError):
            pass
        try:
            metric("process.open_file_descriptor.count", "{file_descriptor}", "gauge", len(os.listdir("/proc/self/fd")))
        except OSError:
            pass
        metric("cpython.thread.count", "{thread}", "gauge", threading.active_count())  # Python threads
        for gen, stats in enumerate(gc.get_stats()):
            g = str(gen)
            metric("cpython.gc.collections", "{collection}", "counter", stats.get("collections", 0),
                   **{"cpython.garbage_collector.generation": g})
            metric("cpython.gc.collected_objects", "{object}", "counter", stats.get("collected", 0),
                   **{"cpython.garbage_collector.generation": g})
            metric("cpython.gc.uncollectable_objects", "{object}", "counter", stats.get("uncollectable", 0),
                   **{"cpython.garbage_collector.generation": g})
        uptime_ms = int((time.monotonic() - self.started_at) * 1000)
        metric("process.uptime", "s", "gauge", uptime_ms / 1000.0)
        with _state.lock:
            progress = _state.progress
            pause_ns, _state.gc_pause_ns = _state.gc_pause_ns, 0
            counters = dict(_state.counters)
            gauges = list(_state.gauges.items())
        for name, value in counters.items():
            if value >= 0:  # a counter never goes below zero on the wire
                metric("app." + name, "", "counter", value)
        for name, fn in gauges:
            try:
                value = fn()
            except Exception:
                continue  # the app's gauge failed: leave it out this time
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
                continue
            metric("app." + name, "", "gauge", value)
        beat = {"type": "heartbeat", "seq": seq, "uptime_ms": uptime_ms,
                "gc_pause_ms": pause_ns // 1_000_000, "metrics": m}
        if progress is not None:
            beat["progress"] = progress
        return beat

    @staticmethod
    def _send(sock, message):
        body = {"v": 1}
        body.update(message)
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"
        line = text.encode("utf-8", "replace")  # a lone surrogate must not break the line
        if len(line) > MAX_LINE:
            return  # the emperor would reject it and close: drop it instead
        sock.sendall(line)


class _Rejected(Exception):
    pass


class _LineReader:
    """Reads the emperor's lines (bounded) from a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def next(self):
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                raise OSError("line from the emperor too long")
            data = self.sock.recv(4096)
            if not data:
                raise OSError("closed by the emperor")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        msg = json.loads(line.decode("utf-8"))
        if not isinstance(msg, dict) or msg.get("v") != 1:
            raise OSError("the emperor broke the protocol")
        return msg


def _wake():
    a = _agent
    if a is not None:
        a.wake()


def start():
    """Starts the agent thread if this process is an emperor's worker; otherwise does nothing.

    Idempotent. Call it as the first thing the app does (in each worker)."""
    global _agent
    with _start_lock:
        if _agent is not None and _agent.is_alive():
            return
        sock_path = os.environ.get("EMPEROR_SOCKET")
        vassal = os.environ.get("EMPEROR_VASSAL")
        try:
            worker = int(os.environ.get("EMPEROR_WORKER", ""))
        except ValueError:
            return
        if not sock_path or not vassal or worker < 1:
            return
        if _gc_callback not in gc.callbacks:
            gc.callbacks.append(_gc_callback)
        _agent = _Agent(sock_path, vassal, worker, os.environ.get("EMPEROR_TOKEN", ""))
        _agent.start()


def _after_fork_in_child():
    # The agent thread does not survive fork(): a worker forked from a master that had it
    # running starts its own, and says hello with its own pid.
    global _agent, _start_lock
    _start_lock = threading.Lock()
    _state.lock = threading.Lock()
    had_agent = _agent is not None
    _agent = None
    if had_agent:
        start()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _enqueue(message):
    with _state.lock:
        _state.queue.append(message)
        del _state.queue[:-_MAX_QUEUED]  # the emperor is away for long: drop the oldest
    _wake()


def ready():
    """The app is ready to serve."""
    with _state.lock:
        _state.ready = True
    _enqueue({"type": "ready"})


def progress(delta=1):
    """Adds delta units of work done (requests, jobs). Reported once this was called."""
    with _state.lock:
        _state.progress = (_state.progress or 0) + int(delta)


def event(severity, message):
    """A line for the emperor's log; severity is "info", "warning" or "error"."""
    if severity not in ("info", "warning", "error"):
        severity = "info"
    _enqueue({"type": "event", "severity": severity, "message": str(message)})


def request_reload(reason=""):
    """Asks the emperor to reload this vassal gracefully."""
    _enqueue({"type": "reload", "reason": str(reason)})


def counter(name, delta=1):
    """Adds delta (>= 0) to the counter app.<name>."""
    with _state.lock:
        _state.counters[name] = _state.counters.get(name, 0) + delta


def gauge(name, fn):
    """Registers fn() (a number) as app.<name>; it runs on the agent thread at each heartbeat."""
    with _state.lock:
        _state.gauges[name] = fn
