#!/usr/bin/env python3
"""Test backend for the morse-proxy tests: a threaded HTTP/1.1 server on 127.0.0.1 only.

Started by the tests as a separate process so it can be killed with SIGKILL. Prints "READY <port>" once it
listens. Every response carries X-Served-By: <name>.

Paths: /readyz (200, or 503 after POST /_ctl/unready), /sleep?ms=N, /echo (request headers as JSON),
/hop (response with hop-by-hop headers), /big?mib=N (N MiB body), /chunked, /close (closes without answer),
/_ctl/count (requests seen), anything else: "hello from <name>".
"""
import json
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

NAME = sys.argv[1] if len(sys.argv) > 1 else "backend"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
STATE = {"ready": True, "count": 0}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without it, headers and body go out in two segments and Nagle waits for a delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        """Head and body in one write, as Hummingbird (SwiftNIO) sends a small response: a SIGKILL then lands
        before or after a response, never between its head and its body. (A response cut after its head has
        started to reach the client cannot be retried by any proxy; /close and /big test those paths.)"""
        data = body.encode() if isinstance(body, str) else body
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"X-Served-By: {NAME}",
                 f"Content-Length: {len(data)}"]
        for key, value in (headers or []):
            lines.append(f"{key}: {value}")
            if key.lower() == "connection" and value.lower() == "close":
                self.close_connection = True
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + (b"" if self.command == "HEAD" else data))

    def handle_any(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self.read_chunked()
        if not url.path.startswith("/_ctl") and url.path != "/readyz":
            with LOCK:
                STATE["count"] += 1
        if url.path == "/readyz":
            return self.reply(200 if STATE["ready"] else 503, "ready" if STATE["ready"] else "not ready")
        if url.path == "/_ctl/unready":
            STATE["ready"] = False
            return self.reply(200, "ok")
        if url.path == "/_ctl/ready":
            STATE["ready"] = True
            return self.reply(200, "ok")
        if url.path == "/_ctl/count":
            return self.reply(200, str(STATE["count"]))
        if url.path == "/sleep":
            time.sleep(int(query.get("ms", ["100"])[0]) / 1000.0)
            return self.reply(200, "slept on " + NAME)
        if url.path == "/echo":
            headers = [[k, v] for k, v in self.headers.items()]
            return self.reply(200, json.dumps({"headers": headers, "body_length": len(body), "method": self.command,
                                               "path": self.path}), [("Content-Type", "application/json")])
        if url.path == "/hop":
            return self.reply(200, "hop", [("Connection", "X-Resp-Secret"), ("X-Resp-Secret", "1"),
                                           ("Keep-Alive", "timeout=5"), ("X-Kept", "yes")])
        if url.path == "/big":
            mib = int(query.get("mib", ["1"])[0])
            self.send_response(200)
            self.send_header("X-Served-By", NAME)
            self.send_header("Content-Length", str(mib << 20))
            self.end_headers()
            chunk = b"x" * 65536
            for _ in range(mib * 16):
                self.wfile.write(chunk)
            return
        if url.path == "/chunked":
            self.send_response(200)
            self.send_header("X-Served-By", NAME)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if url.path == "/close" and query.get("only", [NAME])[0] == NAME:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        return self.reply(200, "hello from " + NAME)

    def read_chunked(self):
        data = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return data
            data += self.rfile.read(size)
            self.rfile.readline()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


server = Server(("127.0.0.1", PORT), Handler)
print(f"READY {server.server_address[1]}", flush=True)
server.serve_forever()
