"""The local cluster end to end: round trips through the proxy, a killed worker, Ctrl-C, JUnit output."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import LocalCluster, bin_dir, http, smoke, wait_for


def test_round_trip_through_the_proxy_reaches_both_workers(cluster, tmp_path):
    code, summary, output, _ = smoke(cluster, tmp_path, requests=1200)
    print(output)
    assert code == 0, output
    assert summary["requests"] >= 1000
    assert summary["failures"] == 0 and summary["mismatches"] == 0
    total = sum(summary["workers"].values())
    for worker in ("web1", "web2"):
        share = summary["workers"].get(worker, 0) / total
        assert share >= 0.30, f"{worker} served {share:.0%}: {summary['workers']}"


def test_the_page_is_served_through_the_proxy(cluster):
    status, headers, body = http(cluster.url + "/")
    assert status == 200
    assert headers.get("Content-Type", "").startswith("text/html")
    assert b"<form" in body and b"<textarea" in body or b"<input" in body


def served_by(cluster, name: str) -> int:
    """Requests the proxy has sent to one worker, from /status."""
    return next(b for b in cluster.status()["backends"] if b["name"] == name)["requests"]


def kill_under_load_and_wait_for_return(cluster, name: str):
    """Once `name` is up and serving, SIGKILL it; wait until /status shows it down, the supervisor restarted it
    and the proxy sees it up again."""
    wait_for(lambda: cluster.status_states().get(name) == "up", 60, what=f"{name} up")
    before = served_by(cluster, name)
    wait_for(lambda: served_by(cluster, name) > before + 300, 60, what=f"traffic on {name}")
    victim = cluster.pids()[name]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: cluster.status_states().get(name) == "down", 30, interval=0.05,
             what=f"/status to show {name} down")
    wait_for(lambda: cluster.pids().get(name, victim) != victim, 30, what=f"the supervisor to restart {name}")
    wait_for(lambda: cluster.status_states().get(name) == "up", 30, what=f"{name} back up")


def test_a_killed_worker_is_invisible_to_clients_and_comes_back(cluster, tmp_path):
    """SIGKILL web1 under morsectl load's mixed encodes and message writes, then web2 once /status shows web1 up
    again: no failed request (every write carries an Idempotency-Key, so the proxy may resend it), /status shows
    each down, the supervisor restarts each, and web1 serves again before the run ends."""
    summary = tmp_path / "load.json"
    load = subprocess.Popen(
        [str(bin_dir() / "morsectl"), "load", "--url", cluster.url, "--concurrency", "16", "--duration", "40",
         "--seed", "1677", "--summary-json", str(summary)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for name in ("web1", "web2"):
            kill_under_load_and_wait_for_return(cluster, name)
        web1_after_return = served_by(cluster, "web1")
        assert load.poll() is None, "the load ended before both workers were back: make it longer"
        output, _ = load.communicate(timeout=120)
    finally:
        if load.poll() is None:
            load.kill()
    print(output)
    result = json.loads(summary.read_text())
    print({k: result[k] for k in ("requests", "failures", "mismatches") if k in result})
    assert load.returncode == 0, output
    assert result["failures"] == 0 and result["mismatches"] == 0, output
    assert result["requests"] > 1000
    web1_now = served_by(cluster, "web1")
    assert web1_now > web1_after_return, "web1 served nothing after its return"
    for name in ("web1", "web2"):
        assert f"{name} was killed by signal 9; restarting" in cluster.output()


def test_junit_report_is_valid_xml(cluster, tmp_path):
    code, _, output, junit = smoke(cluster, tmp_path, requests=100, junit=True)
    assert code == 0, output
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None and int(suite.get("tests")) == len(suite.findall("testcase")) >= 5
    assert int(suite.get("failures")) == 0
    assert all(case.get("name") and case.get("classname") for case in suite.findall("testcase"))
    assert float(suite.get("time")) > 0


def test_junit_report_lists_failures(tmp_path):
    """Against a port where nothing listens every request fails: the report says so and the exit code is 1."""
    cluster = LocalCluster(tmp_path)  # not started: only its free ports are used
    code, summary, output, junit = smoke(cluster, tmp_path, requests=10, concurrency=2, junit=True)
    assert code == 1
    assert summary["failures"] == 5
    suite = ET.parse(junit).getroot().find("testsuite")
    assert int(suite.get("failures")) >= 1
    failure = suite.find("testcase/failure")
    assert failure is not None and "problems" in failure.get("message")


def recording_proxy(folder: Path) -> Path:
    """A bin dir whose morse-proxy writes the signal state it was started with, then becomes the real proxy (same
    pid). morse-proxy and morse-worker both set their own signal state, so only a program that does not shows
    what the supervisor hands its children."""
    folder.mkdir()
    (folder / "morse-worker").symlink_to(bin_dir() / "morse-worker")
    proxy = folder / "morse-proxy"
    proxy.write_text(f"""#!{sys.executable}
import os, sys
with open({str(folder / "proxy-signals")!r}, "w") as out:
    out.write("".join(line for line in open("/proc/self/status") if line.startswith(("SigBlk:", "SigIgn:"))))
os.execv({str(bin_dir() / "morse-proxy")!r}, [{str(bin_dir() / "morse-proxy")!r}] + sys.argv[1:])
""")
    proxy.chmod(0o755)
    return folder


def test_ctrl_c_stops_every_process_by_itself_within_3_s(tmp_path):
    """Ctrl-C (SIGINT to the foreground group): every process stops on its own, not by the supervisor's SIGKILL,
    an idle cluster is gone within 3 s, and no port is left held. The children start with no signal blocked and
    SIGINT and SIGTERM at their default action, although the supervisor blocks and ignores them itself."""
    programs = recording_proxy(tmp_path / "bin")
    cluster = LocalCluster(tmp_path, programs=programs).start()
    started_with = dict(line.split(":\t") for line in (programs / "proxy-signals").read_text().splitlines())
    print(f"the proxy started with {started_with}")
    assert int(started_with["SigBlk"], 16) == 0, started_with
    # (The supervisor's Dispatch signal sources catch SIGINT and SIGTERM rather than ignore them today, so this
    # half guards a later change; the mask above is what Foundation's Process passed on.)
    ignored = int(started_with["SigIgn"], 16)
    assert not ignored & (1 << (signal.SIGINT - 1) | 1 << (signal.SIGTERM - 1)), started_with
    pids = cluster.pids()
    assert set(pids) == {"web1", "web2", "proxy"}
    ports = [cluster.proxy_port, cluster.admin_port] + [cluster.worker_port + i for i in range(cluster.workers)]
    interrupted = time.monotonic()
    cluster.interrupt()
    cluster.process.wait(timeout=30)

    def gone(pid):
        return not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"

    wait_for(lambda: all(gone(pid) for pid in pids.values()), 30, interval=0.02, what="every process gone")
    took = time.monotonic() - interrupted
    output = cluster.output()
    print(f"Ctrl-C to the last process gone: {took:.2f} s")
    print("\n".join(line for line in output.splitlines() if line.startswith("[cluster]")))
    assert cluster.process.returncode == 0, output
    assert "SIGKILL" not in output, "a process had to be killed"
    assert "killing every process" not in output
    for name in pids:
        assert f"{name} exited with status 0" in output, f"{name} did not stop by itself"
    assert any(line.startswith("[proxy]") and "SIGINT: stopping" in line for line in output.splitlines()), output
    assert took <= 3, f"an idle cluster took {took:.2f} s to stop"
    leftovers = subprocess.run(["pgrep", "-s", str(cluster.process.pid)], capture_output=True, text=True).stdout
    assert leftovers.strip() == "", f"processes left in the session: {leftovers}"
    def listening(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    held = [port for port in ports if listening(port)]
    assert held == [], f"ports still listening: {held}"
    assert "every process stopped" in output
    cluster.stop()


def test_a_hung_proxy_does_not_cost_the_workers_their_graceful_stop(tmp_path):
    """SIGTERM to morsectl alone while the proxy hangs (SIGSTOP): the workers are told to stop after the front's
    grace and each stops by itself; only the hung proxy is killed, at the end of the stop grace."""
    cluster = LocalCluster(tmp_path).start()
    pids = cluster.pids()
    os.kill(pids["proxy"], signal.SIGSTOP)
    os.kill(cluster.process.pid, signal.SIGTERM)  # the supervisor only, not its group
    cluster.process.wait(timeout=40)
    output = cluster.output()
    print("\n".join(line for line in output.splitlines() if line.startswith("[cluster]")))
    for worker in ("web1", "web2"):
        assert f"{worker} exited with status 0" in output, f"{worker} did not stop by itself"
        assert f"{worker} did not stop" not in output
    assert "proxy did not stop within 15 s: SIGKILL" in output
    cluster.stop()


def test_an_idle_cluster_logs_almost_nothing_and_one_line_per_backend_change(cluster):
    """Health probes are not logged, and a backend going down and up writes one proxy line each."""
    before = len(cluster.output().splitlines())
    time.sleep(10)
    idle = cluster.output().splitlines()[before:]
    print(f"lines an idle cluster wrote in 10 s: {len(idle)}")
    print("\n".join(idle[:20]))
    assert len(idle) <= 3, idle[:20]

    # A hung worker (SIGSTOP: its checks time out) stays down for several checks, then comes back on SIGCONT.
    mark = len(cluster.output().splitlines())
    victim = cluster.pids()["web1"]
    os.kill(victim, signal.SIGSTOP)
    try:
        wait_for(lambda: cluster.status_states().get("web1") == "down", 30, interval=0.05, what="web1 down")
        time.sleep(3)  # checks keep failing: a line per failed check would show here
    finally:
        os.kill(victim, signal.SIGCONT)
    wait_for(lambda: cluster.status_states().get("web1") == "up", 30, what="web1 back up")
    time.sleep(3)  # and keep passing
    about_web1 = [line for line in cluster.output().splitlines()[mark:]
                  if line.startswith("[proxy]") and "web1" in line]
    print("\n".join(about_web1))
    assert len([line for line in about_web1 if "backend web1 is down" in line]) == 1, about_web1
    assert len([line for line in about_web1 if "backend web1 is up" in line]) == 1, about_web1
    assert len(about_web1) == 2, about_web1
