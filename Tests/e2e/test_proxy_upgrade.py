"""Issue 18: morse-proxy hands its listening sockets to a new process (`--take-over`) under load, 20 times in a
row, and not one request fails; the negative control (SIGTERM, then a fresh start) shows what the hand-over avoids.

The load is `morsectl load` with writes that carry no Idempotency-Key (the proxy may not resend them), 32
connections, encode GETs and message POSTs mixed; every message the cluster acknowledged with 201 is read back.
"""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import LocalCluster, bin_dir, consecutive_free_ports, free_ports, http, wait_for

HANDOVERS = 20
NEGATIVE_RESTARTS = 3


class Front:
    """Two morse-workers on one SQLite file and the morse-proxy processes in front of them, run by the test."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.proxy_port, self.admin_port = free_ports(2)
        self.worker_port = consecutive_free_ports(2, avoid={self.proxy_port, self.admin_port})
        self.url = f"http://127.0.0.1:{self.proxy_port}"
        self.admin = f"http://127.0.0.1:{self.admin_port}"
        self.upgrade_socket = tmp / "upgrade.sock"
        self.workers: list[subprocess.Popen] = []
        self.proxies: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def _spawn(self, name: str, arguments: list[str]) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        self.logs.append(log)
        with open(log, "wb") as out:
            return subprocess.Popen(arguments, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def start_workers(self):
        database = f"sqlite:{self.tmp / 'morse.sqlite'}"
        for index in (1, 2):
            port = self.worker_port + index - 1
            self.workers.append(self._spawn(f"web{index}", [
                str(bin_dir() / "morse-worker"), "--host", "127.0.0.1", "--port", str(port), "--name", f"web{index}",
                "--database", database, "--drain-seconds", "0"]))
        for index in (1, 2):
            url = f"http://127.0.0.1:{self.worker_port + index - 1}/readyz"
            wait_for(lambda u=url: http(u)[0] == 200, timeout=60, what=f"web{index} ready")

    def start_proxy(self, take_over: bool) -> subprocess.Popen:
        arguments = [
            str(bin_dir() / "morse-proxy"), "--listen", f"127.0.0.1:{self.proxy_port}",
            "--admin", f"127.0.0.1:{self.admin_port}",
            "--backend", f"web1=127.0.0.1:{self.worker_port}", "--backend", f"web2=127.0.0.1:{self.worker_port + 1}",
            "--health-path", "/readyz", "--health-interval", "1s", "--rise", "2", "--fall", "2",
            "--access-log", "off", "--upgrade-socket", str(self.upgrade_socket),
        ] + (["--take-over", str(self.upgrade_socket)] if take_over else [])
        proxy = self._spawn(f"proxy-{len(self.proxies) + 1}", arguments)
        self.proxies.append(proxy)
        return proxy

    def status(self) -> dict:
        status, _, body = http(self.admin + "/status")
        return json.loads(body) if status == 200 else {}

    def wait_serving(self, proxy: subprocess.Popen):
        """Until /status is answered by this process, with both workers up."""
        wait_for(lambda: self.status().get("pid") == proxy.pid and all(
            b["state"] == "up" for b in self.status().get("backends", [])), timeout=30,
            what=f"proxy {proxy.pid} answering /status with both workers up")

    def log_of(self, proxy: subprocess.Popen) -> str:
        return self.logs[len(self.workers) + self.proxies.index(proxy)].read_text(errors="replace")

    def stop(self):
        for process in self.proxies + self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.proxies + self.workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def front(tmp_path):
    front = Front(tmp_path)
    front.start_workers()
    try:
        yield front
    finally:
        front.stop()


class Load:
    """`morsectl load` against the proxy until stopped (SIGINT: requests in flight finish)."""

    def __init__(self, front: Front, tmp: Path):
        self.summary_path = tmp / "load.json"
        self.messages_path = tmp / "messages.jsonl"
        self.log_path = tmp / "load.log"
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                [str(bin_dir() / "morsectl"), "load", "--url", front.url, "--duration", "600", "--concurrency", "32",
                 "--mix", "encode=3,message=1", "--no-idempotency-key", "--timeout", "10",
                 "--summary-json", str(self.summary_path), "--messages-file", str(self.messages_path)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def stop(self) -> dict:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        assert self.summary_path.exists(), self.log_path.read_text(errors="replace")[-3000:]
        return json.loads(self.summary_path.read_text())

    def messages(self) -> list[dict]:
        return [json.loads(line) for line in self.messages_path.read_text().splitlines() if line.strip()]


def test_twenty_handovers_under_load_fail_no_request(front, tmp_path):
    proxy = front.start_proxy(take_over=False)
    front.wait_serving(proxy)
    load = Load(front, tmp_path)
    time.sleep(2)
    timings = []
    for number in range(1, HANDOVERS + 1):
        started = time.monotonic()
        successor = front.start_proxy(take_over=True)
        front.wait_serving(successor)
        serving = time.monotonic() - started
        # The old process quiesces: requests in flight finish, keep-alive clients are told to reconnect.
        assert proxy.wait(timeout=40) == 0, f"hand-over {number}: old proxy exit\n{front.log_of(proxy)[-2000:]}"
        assert "is serving after" in front.log_of(proxy), front.log_of(proxy)[-2000:]
        timings.append((serving, time.monotonic() - started))
        proxy = successor
        time.sleep(0.3)
    time.sleep(1)
    summary = load.stop()
    print(f"{HANDOVERS} hand-overs: new process serving after "
          f"{min(t[0] for t in timings):.2f}-{max(t[0] for t in timings):.2f} s, old one gone after "
          f"{min(t[1] for t in timings):.2f}-{max(t[1] for t in timings):.2f} s; load: {summary['requests']} requests, "
          f"{summary['failures']} failed {summary['failure_kinds']}, {summary['messages_acknowledged']} messages "
          f"acknowledged, p99 {summary['latency_ms']['p99']} ms")
    assert summary["requests"] > 1000, summary
    assert summary["failures"] == 0, summary["failure_examples"]
    assert summary["connection_errors"] == 0, summary["failure_kinds"]
    # Every write the cluster acknowledged is there.
    messages = load.messages()
    assert len(messages) == summary["messages_acknowledged"] > 100
    for message in messages:
        status, _, body = http(f"{front.url}/api/v1/messages/{message['id']}")
        assert status == 200, (message, status, body)
        assert json.loads(body)["text"] == message["text"], (message, body)


def test_negative_control_sigterm_and_fresh_start_fails_requests(front, tmp_path):
    """What the hand-over avoids: between the old process closing its listener and a new one binding, connections
    are refused, and the load counts them."""
    proxy = front.start_proxy(take_over=False)
    front.wait_serving(proxy)
    load = Load(front, tmp_path)
    time.sleep(2)
    for _ in range(NEGATIVE_RESTARTS):
        proxy.send_signal(signal.SIGTERM)
        assert proxy.wait(timeout=40) == 0
        proxy = front.start_proxy(take_over=False)
        front.wait_serving(proxy)
        time.sleep(1)
    summary = load.stop()
    print(f"negative control, {NEGATIVE_RESTARTS} stop-and-start: {summary['requests']} requests, "
          f"{summary['failures']} failed {summary['failure_kinds']}")
    assert summary["failures"] > 0, summary


def test_the_local_cluster_upgrades_its_proxy_on_sigusr2(cluster, tmp_path):
    """`morsectl cluster up` without systemd: SIGUSR2 starts a new proxy that takes the sockets over; the old one
    exits and is not restarted; a new proxy that fails leaves the old one serving."""
    old_pid = cluster.status()["pid"]
    load = Load(cluster, tmp_path)
    time.sleep(1)
    os.kill(cluster.process.pid, signal.SIGUSR2)
    new_pid = wait_for(lambda: (p := cluster.status().get("pid")) not in (None, old_pid) and p, timeout=30,
                       what="a new proxy answering /status")
    wait_for(lambda: f"proxy (pid {old_pid}), replaced by an upgrade, exited with status 0" in cluster.output(),
             timeout=30, what="the old proxy's exit")
    time.sleep(1)
    summary = load.stop()
    print(f"local cluster: proxy {old_pid} -> {new_pid}; load {summary['requests']} requests, "
          f"{summary['failures']} failed {summary['failure_kinds']}")
    assert summary["failures"] == 0, summary["failure_examples"]
    assert "restarting" not in cluster.output(), cluster.output()[-3000:]


def test_a_local_cluster_whose_new_proxy_fails_keeps_the_old_one(tmp_path):
    programs = tmp_path / "bin"
    programs.mkdir()
    for tool in ("morse-worker", "morse-proxy"):
        shutil.copy(bin_dir() / tool, programs / tool)
    cluster = LocalCluster(tmp_path, programs=programs).start()
    try:
        old_pid = cluster.status()["pid"]
        (programs / "morse-proxy").unlink()
        (programs / "morse-proxy").write_text("#!/bin/sh\nexit 3\n")
        (programs / "morse-proxy").chmod(0o755)
        os.kill(cluster.process.pid, signal.SIGUSR2)
        wait_for(lambda: f"proxy upgrade failed: the new process exited with status 3; pid {old_pid} keeps serving"
                 in cluster.output(), timeout=30, what="the failed upgrade in the cluster's log")
        time.sleep(1)
        assert cluster.status()["pid"] == old_pid
        assert http(cluster.url + "/healthz")[0] == 200
        assert "restarting" not in cluster.output(), cluster.output()[-3000:]
    finally:
        cluster.stop()
