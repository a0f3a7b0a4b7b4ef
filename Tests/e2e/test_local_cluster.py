"""The local cluster end to end: round trips through the proxy, a killed worker, Ctrl-C, JUnit output."""

import os
import signal
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

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


def test_a_killed_worker_is_invisible_to_clients_and_comes_back(cluster, tmp_path):
    """SIGKILL web1 mid-run: no failed request, /status shows it down, the supervisor restarts it, and it is
    back in rotation before the run ends."""
    result = {}

    def run():
        result["smoke"] = smoke(cluster, tmp_path, requests=6000, concurrency=8)

    runner = threading.Thread(target=run)
    runner.start()
    wait_for(lambda: cluster.status().get("backends", [{}])[0].get("requests", 0) > 300, 60,
             what="traffic on web1")
    victim = cluster.pids()["web1"]
    os.kill(victim, signal.SIGKILL)
    seen_down = wait_for(lambda: cluster.status_states().get("web1") in ("down",), 30, interval=0.05,
                         what="/status to show web1 down")
    assert seen_down
    wait_for(lambda: cluster.pids().get("web1", victim) != victim, 30, what="the supervisor to restart web1")
    wait_for(lambda: cluster.status_states().get("web1") == "up", 30, what="web1 back up")
    requests_after_return = cluster.status()["backends"][0]["requests"]
    assert runner.is_alive(), "the run ended before web1 was back: make it longer"
    runner.join(timeout=280)
    code, summary, output, _ = result["smoke"]
    print(output)
    assert code == 0, output
    assert summary["failures"] == 0 and summary["mismatches"] == 0
    assert cluster.status()["backends"][0]["requests"] > requests_after_return, "web1 served nothing after return"
    assert "web1 was killed by signal 9; restarting" in cluster.output()


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


def test_ctrl_c_leaves_no_process_behind(tmp_path):
    cluster = LocalCluster(tmp_path).start()
    pids = cluster.pids()
    assert set(pids) == {"web1", "web2", "proxy"}
    cluster.interrupt()
    cluster.process.wait(timeout=30)
    assert cluster.process.returncode == 0, cluster.output()
    for name, pid in pids.items():
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z", \
            f"{name} (pid {pid}) still running"
    leftovers = subprocess.run(["pgrep", "-s", str(cluster.process.pid)], capture_output=True, text=True).stdout
    assert leftovers.strip() == "", f"processes left in the session: {leftovers}"
    assert "every process stopped" in cluster.output()
    cluster.stop()
