"""What `morsectl load` puts on the wire for a write: a fresh Idempotency-Key on each by default (so the proxy may
resend it when a worker dies mid-request), none with --no-idempotency-key. Against a stub server that records the
requests, so the result does not hang on a kill landing mid-request."""

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import bin_dir


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.writes: list[dict[str, str]] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the load client expects

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with self.server.lock:
            self.server.writes.append({k.lower(): v for k, v in self.headers.items()})
            number = len(self.server.writes)
        answer = json.dumps({"id": f"m{number}", "text": body.get("text", ""), "morse": "."}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    server = RecordingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def load_writes(server, *extra) -> list[dict[str, str]]:
    url = f"http://127.0.0.1:{server.server_address[1]}"
    result = subprocess.run(
        [str(bin_dir() / "morsectl"), "load", "--url", url, "--mix", "message=1", "--requests-limit", "40",
         "--concurrency", "4", "--duration", "20", "--seed", "1677", *extra],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(server.writes) == 40, result.stderr
    return server.writes


def test_every_write_carries_its_own_idempotency_key(server):
    keys = [headers.get("idempotency-key") for headers in load_writes(server)]
    assert all(keys), keys
    assert len(set(keys)) == len(keys), "a key was sent twice: a resend would be taken for the same message"


def test_no_idempotency_key_sends_writes_without_one(server):
    writes = load_writes(server, "--no-idempotency-key")
    assert not [headers for headers in writes if "idempotency-key" in headers]
