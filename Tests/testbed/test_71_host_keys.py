"""Issue 20, item 2 - host keys without trust on first use.

Each test bed host prints its SSH host keys on its console at boot, in the block cloud-init prints on a cloud
server; cluster/testbed/up reads them from the console logs with the tool that reads a cloud server's
(ansible/inventory/host_keys.py) into the test bed's known_hosts and the inventory's ssh_host_keys, before its first
login, and every connection - Ansible's, the tests', the people's file from `make ssh-config` - checks them with
StrictHostKeyChecking yes. Here:

- the pinned keys are the keys the hosts really serve, and nothing was learnt on first use;
- a host whose key changes is refused by every path (people's ssh, Ansible), with OpenSSH's warning;
- the documented recovery for a rebuilt host (docs/operations.md, "Host keys"): its new keys come from its console
  log at the next boot, `cluster/testbed/up` (Heat: heat-inventory.sh) pins them, `make ssh-config` rewrites the
  people's file, and every path works again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT, ansible_env, bed_script, log, make, power, run, wait_backends_up

HOST = "web-2"
SSH_DIR = Path("/tmp/morse-ssh-keys")
KNOWN_HOSTS = Path("/var/cache/morse-cluster/testbed/ssh/known_hosts")
REFUSED = ("REMOTE HOST IDENTIFICATION HAS CHANGED", "Host key verification failed")


def people_ssh(host: str, command: str = "true") -> subprocess.CompletedProcess:
    return run(["ssh", "-F", str(SSH_DIR / "config"), "-o", "BatchMode=yes", "-o", "ControlMaster=no", host,
                command], timeout=60)


def ansible_ping(host: str) -> subprocess.CompletedProcess:
    # No shared connection (ansible.cfg keeps one open 60 s): a connection opened before the change would carry on
    # with the old key's session, which is not what a new run does.
    env = dict(ansible_env(), ANSIBLE_SSH_ARGS="-o ControlMaster=no")
    return run(["ansible", "-i", str(ROOT / "ansible" / "inventory" / "testbed" / "hosts.yml"), host, "-m",
                "ansible.builtin.ping"], timeout=120, cwd=ROOT / "ansible", env=env)


def served_keys(testbed, host: str) -> set[str]:
    """The keys a host's sshd serves (read on the host: the connection that reads them checked them already)."""
    out = testbed.ssh(host, "cat /etc/ssh/ssh_host_*_key.pub").stdout
    return {" ".join(line.split()[:2]) for line in out.splitlines() if line.strip()}


def make_people_config() -> None:
    result = make("ssh-config", f"SSH_CONFIG_DIR={SSH_DIR}", timeout=180)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def people():
    shutil.rmtree(SSH_DIR, ignore_errors=True)
    make_people_config()
    yield SSH_DIR / "config"
    for socket in SSH_DIR.glob("cm-*"):
        run(["ssh", "-F", "/dev/null", "-o", f"ControlPath={socket}", "-O", "exit", "closing"], timeout=10)
    shutil.rmtree(SSH_DIR, ignore_errors=True)


def test_every_key_is_pinned_before_the_first_connection(testbed, people):
    before = KNOWN_HOSTS.read_text()
    pinned: dict[str, set[str]] = {}
    for line in before.splitlines():
        names, key = line.split(" ", 1)
        for name in names.split(","):
            pinned.setdefault(name, set()).add(key)
    inventory = json.loads(run(["ansible-inventory", "-i", str(ROOT / "ansible" / "inventory" / "testbed" /
                                                              "hosts.yml"), "--list"], check=True,
                               cwd=ROOT / "ansible", env=ansible_env()).stdout)["_meta"]["hostvars"]
    for host, hv in testbed.hosts.items():
        served = served_keys(testbed, host)
        assert pinned[host] == pinned[hv["ansible_host"]] == served, f"{host}: pinned keys differ from its sshd's"
        assert set(inventory[host]["ssh_host_keys"]) == served, host
        # The people's file: the same keys, checked strictly.
        assert people_ssh(host, "hostname").stdout.strip() == host
        effective = run(["ssh", "-F", str(people), "-G", host], check=True).stdout.splitlines()
        assert "stricthostkeychecking true" in effective, host
    # Nothing was learnt on the way: every connection found its key already there.
    assert KNOWN_HOSTS.read_text() == before
    assert "StrictHostKeyChecking=yes" in testbed.internal_args and "StrictHostKeyChecking=yes" in testbed.bastion_args
    log(f"host keys: {len(before.splitlines())} pinned for {len(testbed.hosts)} hosts, all match their sshd; "
        f"nothing learnt on first use")


def test_a_changed_host_key_is_refused_then_a_rebuilt_host_is_pinned_again(testbed, people):
    old = served_keys(testbed, HOST)
    # The host's identity changes (what a rebuild, or a man in the middle, looks like from outside).
    testbed.ssh(HOST, "sudo rm -f /etc/ssh/ssh_host_*_key* && sudo ssh-keygen -q -A && sudo systemctl restart ssh")
    started = time.monotonic()

    for path, result in (("people's ssh", people_ssh(HOST)), ("Ansible", ansible_ping(HOST)),
                         ("the tests' ssh", testbed.ssh(HOST, "true", check=False))):
        text = result.stdout + result.stderr
        assert result.returncode != 0, f"{path}: a changed key was accepted"
        assert any(word in text for word in REFUSED), f"{path}: {text[-2000:]}"
        log(f"{HOST} with a new key: {path} refused (rc {result.returncode}: "
            f"{next(w for w in REFUSED if w in text)})")
    # The other hosts are not affected.
    assert people_ssh("web-1").returncode == 0

    # Recovery, as docs/operations.md says for a rebuilt host: the new keys are on its console after its boot; the
    # inventory is made again from the console logs (the test bed: `up`), then the people's file.
    power(HOST, "off")
    power(HOST, "on")
    bed_script("up", timeout=300)
    make_people_config()
    new = served_keys(testbed, HOST)
    assert new and new.isdisjoint(old), "the host serves its new keys"
    assert people_ssh(HOST).returncode == 0
    ping = ansible_ping(HOST)
    assert ping.returncode == 0, ping.stdout[-2000:]
    # The old keys are gone from every file: a host that went back to them would be refused in turn.
    for path in (KNOWN_HOSTS, SSH_DIR / "known_hosts"):
        text = path.read_text()
        assert all(key.split()[1] not in text for key in old), path
    wait_backends_up(testbed, testbed.groups["workers"], timeout=90)
    log(f"{HOST} rebuilt with new keys: pinned again from its console log, ssh and Ansible work "
        f"({time.monotonic() - started:.0f} s with the reboot)")
