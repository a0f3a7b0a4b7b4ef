"""What `morsectl load` puts on the wire for a write: a fresh Idempotency-Key on each by default (so the proxy may
resend it when a worker dies mid-request), none with --no-idempotency-key; and how SIGUSR1 splits a run into
phases. Against a stub server that records the requests, so the result does not hang on a kill landing
mid-request."""

import json
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import bin_dir


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.writes: list[dict[str, str]] = []
        self.delay = 0.0  # seconds each answer waits: a slow stretch the load must see in its own phase


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the load client expects
    disable_nagle_algorithm = True  # head and body go in two writes: with Nagle, each answer waits ~40 ms for an ACK

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        time.sleep(self.server.delay)
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


def test_sigusr1_splits_the_run_into_phases_with_their_own_latency(server, tmp_path):
    """A quick stretch, a slow one (the server waits 30 ms per answer), a quick one again, each begun by SIGUSR1: the
    summary gives three phases whose counts add up to the run's and whose latency is the stretch's own."""
    summary_path = tmp_path / "load.json"
    url = f"http://127.0.0.1:{server.server_address[1]}"
    load = subprocess.Popen(
        [str(bin_dir() / "morsectl"), "load", "--url", url, "--mix", "message=1", "--concurrency", "4",
         "--duration", "60", "--summary-json", str(summary_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        time.sleep(1.5)
        load.send_signal(signal.SIGUSR1)
        server.delay = 0.03
        time.sleep(1.5)
        load.send_signal(signal.SIGUSR1)
        server.delay = 0.0
        time.sleep(1.5)
    finally:
        load.send_signal(signal.SIGINT)
        out, err = load.communicate(timeout=30)
    assert load.returncode == 0, out + err
    summary = json.loads(summary_path.read_text())
    phases = summary["phases"]
    assert [p["from_s"] for p in phases][0] == 0 and len(phases) == 3, phases
    assert phases[0]["from_s"] < phases[1]["from_s"] < phases[2]["from_s"], phases
    assert sum(p["requests"] for p in phases) == summary["requests"], (phases, summary["requests"])
    assert all(p["requests"] > 20 and p["failures"] == 0 for p in phases), phases
    # the slow stretch's own latency, not the run's (a request that straddles a mark counts where it ended)
    assert phases[1]["latency_ms"]["p50"] >= 25, phases
    assert phases[0]["latency_ms"]["p50"] < 15 and phases[2]["latency_ms"]["p50"] < 15, phases
    assert "phase 2 from" in out, out
