"""Acceptance 2: the services come back by themselves when their hosts reboot (systemd, enabled units), and the
cluster serves through the proxy's floating address again."""

import time

from conftest import TIMINGS, log, run, smoke, wait_backends_up

MARKER = "/run/morse-e2e-before-reboot"


def reboot(testbed, names):
    for name in names:
        # /run is a tmpfs of the container: the marker is gone after a real reboot.
        testbed.ssh(name, f"sudo touch {MARKER}")
        # The reboot cuts the SSH session: ignore its exit status.
        run(testbed.ssh_command(name, "sudo systemctl reboot"), timeout=30)
    deadline = time.monotonic() + 120
    pending = set(names)
    while pending and time.monotonic() < deadline:
        for name in sorted(pending):
            result = run(testbed.ssh_command(name, f"test ! -e {MARKER} && systemctl is-system-running --wait",
                                             connect_timeout=3), timeout=60)
            if result.returncode == 0 or result.stdout.strip() == "degraded":
                log(f"{name}: rebooted, system {result.stdout.strip()}")
                pending.discard(name)
        time.sleep(1)
    assert not pending, f"not back after a reboot within 120 s: {pending}"


def test_services_survive_a_reboot(testbed):
    started = time.monotonic()
    names = [testbed.groups["database"][0], testbed.proxy] + testbed.groups["workers"]
    reboot(testbed, names)
    checks = [(testbed.groups["database"][0], "postgresql@15-main.service")] + \
             [(w, "morse-worker.service") for w in testbed.groups["workers"]] + [(testbed.proxy, "morse-proxy.service")]
    for name, unit in checks:
        deadline = time.monotonic() + 60
        while True:
            state = run(testbed.ssh_command(name, f"systemctl is-active {unit}"), timeout=30).stdout.strip()
            if state == "active" or time.monotonic() > deadline:
                break
            time.sleep(1)
        log(f"{name}: {unit} {state} after the reboot")
        assert state == "active", f"{unit} on {name} is {state} after a reboot"
    wait_backends_up(testbed, testbed.groups["workers"], timeout=90)
    TIMINGS["reboot of every internal host until serving"] = time.monotonic() - started
    summary = smoke(testbed, requests=200, concurrency=8, name="smoke-after-reboot")
    assert summary["failures"] == 0 and summary["mismatches"] == 0, summary
    assert {n for n, c in summary["workers"].items() if c} == set(testbed.groups["workers"])
