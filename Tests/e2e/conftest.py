"""Fixtures for the end-to-end tests: the built binaries and a local cluster on free loopback ports."""

import json
import os
import random
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("MORSE_ARTIFACTS", ROOT / "artifacts"))


def bin_dir() -> Path:
    """Where morsectl, morse-worker and morse-proxy are: MORSE_BIN_DIR, else the debug build `make test` made."""
    path = Path(os.environ.get("MORSE_BIN_DIR", ROOT / ".build" / "debug"))
    for tool in ("morsectl", "morse-worker", "morse-proxy"):
        if not (path / tool).exists():
            pytest.fail(f"{path / tool} is missing: run `swift build` (or set MORSE_BIN_DIR)")
    return path


def free_ports(count: int) -> list[int]:
    """Ports free on loopback right now (held open together so that they differ)."""
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def consecutive_free_ports(count: int, avoid: set[int]) -> int:
    """The first of `count` consecutive ports free on loopback (the cluster numbers its workers' ports so)."""
    generator = random.Random()
    for _ in range(200):
        base = generator.randint(20000, 45000)
        ports = range(base, base + count)
        if not avoid.intersection(ports) and all(port_free(p) for p in ports):
            return base
    raise AssertionError("no run of free ports found")


def http(url: str, method: str = "GET", body: bytes | None = None, timeout: float = 5):
    """(status, headers, body) of one request; status 0 when nothing answered."""
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def wait_for(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class LocalCluster:
    """`morsectl cluster up` in its own session, with its output in a log file."""

    def __init__(self, tmp: Path, workers: int = 2, programs: Path | None = None):
        self.workers = workers
        # Where the supervisor finds morse-worker and morse-proxy (its --bin-dir): the build, unless a test
        # stands something in front of them.
        self.programs = programs
        self.proxy_port, self.admin_port = free_ports(2)
        self.worker_port = consecutive_free_ports(workers, avoid={self.proxy_port, self.admin_port})
        self.state = tmp / "state"
        self.log_path = tmp / "cluster.log"
        self.url = f"http://127.0.0.1:{self.proxy_port}"
        self.admin = f"http://127.0.0.1:{self.admin_port}"
        self.process = None

    def start(self):
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [
                str(bin_dir() / "morsectl"), "cluster", "up",
                "--workers", str(self.workers),
                "--proxy-port", str(self.proxy_port),
                "--worker-port", str(self.worker_port),
                "--admin-port", str(self.admin_port),
                "--state-dir", str(self.state),
                "--bin-dir", str(self.programs or bin_dir()),
            ],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for(lambda: self.status_states().get("web1") == "up" and all(
            s == "up" for s in self.status_states().values()) and len(self.status_states()) == self.workers,
            timeout=90, what="every backend up in /status")
        wait_for(lambda: "Ctrl-C stops it." in self.output(), timeout=30, what="the cluster's banner")
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def status(self) -> dict:
        status, _, body = http(self.admin + "/status")
        return json.loads(body) if status == 200 else {}

    def status_states(self) -> dict:
        return {b["name"]: b["state"] for b in self.status().get("backends", [])}

    def pids(self) -> dict[str, int]:
        """The latest pid the supervisor reported for each process."""
        found = {}
        for name, pid in re.findall(r"started (\S+) \(pid (\d+)\)", self.output()):
            found[name] = int(pid)
        return found

    def interrupt(self):
        """Ctrl-C: SIGINT to the whole foreground group, as a terminal sends it."""
        os.killpg(self.process.pid, signal.SIGINT)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process:
            self.log.close()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / f"cluster-{self.proxy_port}.log").write_text(self.output())


@pytest.fixture
def cluster(tmp_path):
    c = LocalCluster(tmp_path).start()
    yield c
    c.stop()


def smoke(cluster: LocalCluster, tmp: Path, requests: int, concurrency: int = 8, junit: bool = False):
    """Runs morsectl smoke against the cluster; returns (exit code, summary dict, output, junit path)."""
    summary = tmp / f"smoke-{time.monotonic_ns()}.json"
    junit_path = tmp / "smoke-junit.xml"
    command = [
        str(bin_dir() / "morsectl"), "smoke", "--url", cluster.url, "--requests", str(requests),
        "--concurrency", str(concurrency), "--seed", "1677", "--timeout", "240", "--summary-json", str(summary),
    ]
    if junit:
        command += ["--junit", str(junit_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    data = json.loads(summary.read_text()) if summary.exists() else {}
    return result.returncode, data, result.stdout + result.stderr, junit_path
