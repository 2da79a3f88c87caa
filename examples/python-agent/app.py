"""A tiny HTTP app that reports to the emperor through emperor_agent (standard library only).

    PORT=8083 python3 app.py          # then: curl http://127.0.0.1:8083/

As a vassal (see vassals.d/): command = python3 -u app.py, with chdir set to this folder.
Each request served counts as progress, so the emperor can tell a busy worker from a stuck
one; /slow takes a second, /reload asks the emperor to reload this vassal.
"""

import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import emperor_agent

emperor_agent.start()  # first: a no-op when not run by an emperor

_in_flight = 0
_in_flight_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        global _in_flight
        started = time.monotonic()
        with _in_flight_lock:
            _in_flight += 1
        try:
            self._serve()
        finally:
            with _in_flight_lock:
                _in_flight -= 1
        emperor_agent.progress(1)
        emperor_agent.counter("requests")
        emperor_agent.counter("request_ms", int((time.monotonic() - started) * 1000))

    def _serve(self):
        if self.path == "/slow":
            time.sleep(1)
        if self.path == "/reload":
            emperor_agent.request_reload("asked for over HTTP")
        body = ("hello from %s worker %s (pid %d)\n" % (
            os.environ.get("EMPEROR_VASSAL", "python-agent"), os.environ.get("EMPEROR_WORKER", "-"),
            os.getpid())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


def main():
    port = int(os.environ.get("PORT", "8083"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    emperor_agent.gauge("requests.in_flight", lambda: _in_flight)
    emperor_agent.event("info", "listening on 127.0.0.1:%d" % server.server_address[1])
    emperor_agent.ready()
    print("listening on http://127.0.0.1:%d/" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
