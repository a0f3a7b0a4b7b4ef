"""Acceptance 2: a changed backend list reaches the proxy by reload (SIGHUP), with its PID unchanged; putting the
list back works the same way."""

import json

from conftest import TIMINGS, log, main_pid, playbook, proxy_status, smoke, wait_backends_up


def test_invalid_config_is_refused_and_the_proxy_keeps_running(testbed):
    """--check-config guards the file: an invalid setting fails the play and changes nothing on the proxy."""
    pid_before = main_pid(testbed, testbed.proxy, "morse-proxy")
    config_before = testbed.ssh(testbed.proxy, "sudo sha256sum /etc/morse/proxy.conf").stdout
    outcome = playbook("site.yml", "--limit", "proxy", "--extra-vars", json.dumps({"morse_proxy_retries": 99}))
    assert outcome.rc != 0, "an invalid proxy config was accepted"
    assert "failed to validate" in outcome.output, outcome.output[-3000:]
    assert "retries: must be an integer in 0...10, got '99'" in outcome.output, outcome.output[-3000:]
    log("an invalid config (retries 99) was refused by morse-proxy --check-config")
    assert testbed.ssh(testbed.proxy, "sudo sha256sum /etc/morse/proxy.conf").stdout == config_before
    assert main_pid(testbed, testbed.proxy, "morse-proxy") == pid_before
    wait_backends_up(testbed, testbed.groups["workers"])


def test_changed_backend_list_is_reloaded_not_restarted(testbed):
    workers = testbed.groups["workers"]
    kept = workers[0]
    pid_before = main_pid(testbed, testbed.proxy, "morse-proxy")
    only_one = {"morse_proxy_backends": [
        {"name": kept, "address": f"{testbed.hosts[kept]['private_ip']}:{testbed.worker_port}"}]}

    outcome = playbook("site.yml", "--limit", "proxy", "--extra-vars", json.dumps(only_one))
    TIMINGS["site.yml --limit proxy (one backend)"] = outcome.seconds
    assert outcome.rc == 0, outcome.output[-6000:]
    changed = outcome.changed_tasks()
    log("changed: " + "; ".join(changed))
    assert any("Reload morse-proxy" in task for task in changed), changed
    assert not any("Restart morse-proxy" in task for task in changed), changed

    status = proxy_status(testbed)
    assert [b["name"] for b in status["backends"]] == [kept], status
    pid_after = main_pid(testbed, testbed.proxy, "morse-proxy")
    log(f"morse-proxy MainPID before {pid_before}, after the reload {pid_after}")
    assert pid_after == pid_before

    summary = smoke(testbed, requests=100, concurrency=4, name="smoke-one-backend")
    assert summary["failures"] == 0 and summary["mismatches"] == 0, summary
    assert {n for n, c in summary["workers"].items() if c} == {kept}, summary["workers"]

    # Back to the workers group: again a reload, again the same process.
    outcome = playbook("site.yml", "--limit", "proxy")
    TIMINGS["site.yml --limit proxy (backends restored)"] = outcome.seconds
    assert outcome.rc == 0, outcome.output[-6000:]
    assert any("Reload morse-proxy" in task for task in outcome.changed_tasks())
    wait_backends_up(testbed, workers)
    assert main_pid(testbed, testbed.proxy, "morse-proxy") == pid_before
    summary = smoke(testbed, requests=100, concurrency=4, name="smoke-backends-restored")
    assert summary["failures"] == 0 and summary["mismatches"] == 0, summary
    assert {n for n, c in summary["workers"].items() if c} == set(workers), summary["workers"]
