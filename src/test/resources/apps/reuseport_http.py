"""An HTTP app for chain-reload tests: binds its port with SO_REUSEPORT so that two
generations of workers can listen at once, answers with its pid, and on SIGTERM stops
accepting, finishes what it has, and exits 0."""
import http.server
import os
import signal
import socket
import sys
import threading


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        body = f"{os.getpid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print(f"listening on {sys.argv[1]} as pid {os.getpid()}", flush=True)
server.serve_forever()
server.server_close()
