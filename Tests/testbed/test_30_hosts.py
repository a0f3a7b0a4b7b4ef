"""Acceptance 2, on the hosts themselves (testinfra, through the bastion like Ansible): services enabled and
running under systemd, their systemd-analyze security exposure, PostgreSQL's pg_hba, and the network: no SSH to
an internal host except through the bastion."""

import re

import pytest
import testinfra

from conftest import INVENTORY, log, run

MAX_EXPOSURE = 3.5
SERVICES = [
    # (group, unit that must be enabled, unit that must be running)
    ("workers", "morse-worker.service", "morse-worker.service"),
    ("proxy", "morse-proxy.service", "morse-proxy.service"),
    ("proxy", "keepalived.service", "keepalived.service"),
    ("database", "postgresql.service", "postgresql@15-main.service"),
]


def host(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def units(testbed):
    for group, enabled, running in SERVICES:
        for name in testbed.groups[group]:
            yield name, enabled, running


def test_services_enabled_and_running(testbed):
    for name, enabled, running in units(testbed):
        h = host(name)
        assert h.service(enabled).is_enabled, f"{enabled} is not enabled on {name}"
        assert h.service(running).is_running, f"{running} is not running on {name}"
        # Under systemd (not a shell's background job): the unit's main process is the service binary.
        pid = h.check_output(f"systemctl show --property=MainPID --value {running}")
        assert int(pid) > 0
        log(f"{name}: {enabled} enabled, {running} running (MainPID {pid})")


def test_listeners(testbed):
    """Workers listen on their private address, the proxy on every address for clients (the floating one) but its
    admin API on loopback only, PostgreSQL on loopback and the private address."""
    for name in testbed.proxies:
        proxy = host(name)
        assert proxy.socket(f"tcp://0.0.0.0:{testbed.http_port}").is_listening
        assert proxy.socket(f"tcp://127.0.0.1:{testbed.admin_port}").is_listening
        assert not proxy.socket(f"tcp://0.0.0.0:{testbed.admin_port}").is_listening
        assert not proxy.socket(f"tcp://{testbed.hosts[name]['private_ip']}:{testbed.admin_port}").is_listening
    for name in testbed.groups["workers"]:
        assert host(name).socket(f"tcp://{testbed.hosts[name]['private_ip']}:{testbed.worker_port}").is_listening
        assert not host(name).socket(f"tcp://0.0.0.0:{testbed.worker_port}").is_listening
    db = testbed.groups["database"][0]
    assert host(db).socket(f"tcp://{testbed.hosts[db]['private_ip']}:5432").is_listening
    assert not host(db).socket("tcp://0.0.0.0:5432").is_listening


def test_secrets_file_is_private(testbed):
    for name in testbed.groups["workers"]:
        h = host(name)
        with h.sudo():
            env = h.file("/etc/morse/worker.env")
            assert env.exists and env.user == "root" and env.mode == 0o640, (name, env.user, oct(env.mode))
            assert env.contains("^MORSE_DATABASE=postgres://")
            assert h.file("/etc/morse").mode == 0o750
        unit = h.file("/etc/systemd/system/morse-worker.service")
        assert unit.contains("^EnvironmentFile=/etc/morse/worker.env$")
        assert not unit.contains(testbed.db_password), "the password leaked into the unit file"
        # The service account may not read the secrets file.
        assert h.run("sudo -u morse cat /etc/morse/worker.env").rc != 0


@pytest.mark.parametrize("group,unit", [("workers", "morse-worker"), ("proxy", "morse-proxy")])
def test_security_exposure(testbed, group, unit):
    name = testbed.groups[group][0]
    out = host(name).check_output(f"systemd-analyze security --no-pager {unit}")
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\S+)", out)
    assert match, out
    score = float(match[1])
    log(f"systemd-analyze security {unit} on {name}: {match[1]} {match[2]}")
    assert score <= MAX_EXPOSURE, out


def psql_from(testbed, name):
    db = testbed.hosts[testbed.groups["database"][0]]["private_ip"]
    conninfo = f"host={db} port=5432 dbname=morse user=morse connect_timeout=5"
    # The right password in both cases: a refusal can only come from pg_hba.conf.
    return testbed.ssh(name, f"PGPASSWORD={testbed.db_password} psql '{conninfo}' -tAc 'select 42'", check=False)


def test_postgresql_accepts_a_worker(testbed):
    result = psql_from(testbed, testbed.groups["workers"][0])
    assert result.returncode == 0 and result.stdout.strip() == "42", result.stderr


def test_postgresql_refuses_the_proxy(testbed):
    result = psql_from(testbed, testbed.proxy)
    log(f"psql from {testbed.proxy}: rc {result.returncode}: {result.stderr.strip()}")
    assert result.returncode != 0
    assert "no pg_hba.conf entry" in result.stderr, result.stderr


def test_internal_hosts_have_no_ssh_from_outside(testbed):
    for name, hv in testbed.hosts.items():
        if not hv["internal"]:
            continue
        targets = [hv["private_ip"]] + ([hv["public_ip"]] if hv.get("public_ip") else [])
        if name == testbed.proxy:
            targets += [testbed.floating_ip]  # the proxies' floating IP serves HTTP only
        for address in targets:
            direct = run(["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", "-o", "StrictHostKeyChecking=no",
                          "-o", "UserKnownHostsFile=/dev/null", "-o", "ControlMaster=no", "-i", testbed.key,
                          f"{testbed.user}@{address}", "true"], timeout=15)
            assert direct.returncode == 255, f"ssh to {name} at {address} worked without the bastion"
            log(f"ssh {name} at {address} directly: refused ({direct.stderr.strip()})")
        via = testbed.ssh(name, "hostname")
        assert via.stdout.strip() == name
    # The workers' HTTP port is not reachable from outside either: only through the proxy.
    worker = testbed.hosts[testbed.groups["workers"][0]]
    curl = run(["curl", "-sS", "--max-time", "3", f"http://{worker['private_ip']}:{testbed.worker_port}/healthz"],
               timeout=10)
    assert curl.returncode != 0
