"""Issue 11, least privilege: after the whole run (deploys, reloads, reboots, rolling restarts under load), the
database password appears in no log of any host and in no file of the repository.

Runs last on purpose: by now every service has started, failed over and restarted, and Ansible has logged every
module it ran on every host. The logs are fetched and searched here, on the operator side, because a grep run on
the host with sudo would write its own command line - the password - into the journal it searches.
"""

import subprocess

import pytest

from conftest import ROOT, log

# Spelt in two parts so that this file does not match itself.
PRIVATE_KEY = b"PRIVATE" + b" KEY-----"


def host_logs(testbed, name: str) -> str:
    """The host's whole journal and every text log under /var/log, as one string."""
    command = ("sudo journalctl --no-pager -o cat; "
               "sudo find /var/log -type f -size -64M \\( -name '*.log' -o -name 'syslog' -o -name '*.log.1' \\) "
               "-exec cat {} + 2>/dev/null; true")
    result = testbed.ssh(name, command, timeout=180)
    return result.stdout


@pytest.fixture(scope="module")
def logs(testbed) -> dict[str, str]:
    return {name: host_logs(testbed, name) for name in testbed.hosts}


def test_logs_were_collected(testbed, logs):
    # A check that cannot fail is no check: prove the logs hold what the run wrote (the workers' and PostgreSQL's
    # own lines) before asserting what they do not hold.
    for name in testbed.groups["workers"]:
        assert "morse-worker" in logs[name] or "listening" in logs[name].lower(), f"{name}: no worker log lines"
    db = testbed.groups["database"][0]
    assert "database system is ready" in logs[db], f"{db}: no PostgreSQL log lines"
    for name, text in logs.items():
        log(f"{name}: {len(text.splitlines())} log lines searched")


def test_the_database_password_is_in_no_log(testbed, logs):
    leaks = {name: [line for line in text.splitlines() if testbed.db_password in line][:3]
             for name, text in logs.items() if testbed.db_password in text}
    assert not leaks, f"the database password is in these hosts' logs: {leaks}"


def test_no_secret_in_the_repository(testbed):
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    paths = [p for p in tracked.decode().split("\0") if p]
    assert paths, "git ls-files listed nothing"
    found = []
    for path in paths:
        file = ROOT / path
        if not file.is_file():
            continue
        data = file.read_bytes()
        if testbed.db_password.encode() in data or PRIVATE_KEY in data:
            found.append(path)
    assert not found, f"secrets in tracked files: {found}"
    # The generated inventory that holds the password and the bed's SSH key are ignored by git.
    ignored = subprocess.run(["git", "check-ignore", "-q", "ansible/inventory/testbed/hosts.yml"], cwd=ROOT)
    assert ignored.returncode == 0, "ansible/inventory/testbed/hosts.yml is not ignored by git"
