"""Issue 20, item 1 - SSH for people: `make ssh-config` writes an OpenSSH config from the inventory, and everything
an operator does goes through that file only (`ssh -F`): every host by its inventory name through the bastion,
shared connections, and per proxy an entry that forwards its admin API to the operator's machine.

The traps the seed's author hit are each exercised: a second session to an entry that forwards a port (it must not
fail on "bind: Address already in use"), and a file written again while connections are open (the old master
connections must not keep the old settings). The test closes every connection it opened, and checks that none is
left.
"""

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, ansible_env, log, main_pid, make, run

# Short: the shared connections' sockets live here, and a socket path must stay under 108 bytes.
SSH_DIR = Path("/tmp/morse-ssh-people")
PORT_BASE = 19000


def make_ssh_config() -> subprocess.CompletedProcess:
    result = make("ssh-config", f"SSH_CONFIG_DIR={SSH_DIR}", timeout=180)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def ssh(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """ssh through the generated file only (BatchMode: a prompt would be a failure, not a hang)."""
    return run(["ssh", "-F", str(SSH_DIR / "config"), "-o", "BatchMode=yes", *args], timeout=timeout)


def admin_status(port: int) -> tuple[int, dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5) as response:  # noqa: S310 - loopback
        return response.status, json.loads(response.read())


def masters() -> list[str]:
    """The ssh processes still serving a shared connection of this file."""
    out = run(["pgrep", "-af", f"ssh.*{SSH_DIR}/"], timeout=10).stdout
    return [line for line in out.splitlines() if "pgrep" not in line]


def close_all() -> None:
    for socket in SSH_DIR.glob("cm-*"):
        run(["ssh", "-F", "/dev/null", "-o", f"ControlPath={socket}", "-O", "exit", "closing"], timeout=10)


@pytest.fixture(scope="module")
def config():
    shutil.rmtree(SSH_DIR, ignore_errors=True)
    make_ssh_config()
    yield SSH_DIR / "config"
    close_all()
    deadline = time.monotonic() + 10
    while masters() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = masters()
    shutil.rmtree(SSH_DIR, ignore_errors=True)
    assert not left, f"ssh connections left open: {left}"


def test_every_host_by_its_name_through_the_bastion(testbed, config):
    text = config.read_text()
    for host in testbed.hosts:
        assert f"\nHost {host}\n" in text, f"no entry for {host}"
        result = ssh(host, "hostname")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == host
    # Internal hosts are reached through the bastion only: their entries jump, the bastion's does not.
    bastion = testbed.groups["bastion"][0]
    for host in testbed.hosts:
        jump = ssh("-G", host).stdout
        assert (f"proxyjump {bastion}" in jump) == (host != bastion), (host, jump)
    # Host keys are in the cluster's own file, not the operator's ~/.ssh/known_hosts: pinned from the inventory
    # before the first connection (test_71_host_keys.py checks them against the hosts), under name and address.
    known = (SSH_DIR / "known_hosts").read_text().splitlines()
    names = {name for line in known if line.strip() and not line.startswith("#") for name in line.split()[0].split(",")}
    for host, hv in testbed.hosts.items():
        assert {host, hv["ansible_host"]} <= names, f"{host}: its key is not in the cluster's known_hosts"
    # The sessions shared one connection per host: a second command opens none.
    before = len(masters())
    assert ssh(testbed.proxies[0], "true").returncode == 0
    assert len(masters()) == before, "a second session opened a second connection"


def test_admin_entries_forward_and_a_second_session_joins_the_first(testbed, config):
    for index, proxy in enumerate(testbed.proxies, start=1):
        port = PORT_BASE + index
        entry = f"{proxy}-admin"
        first = ssh(entry, "true")
        assert first.returncode == 0, first.stderr
        status, body = admin_status(port)
        assert status == 200 and body["pid"] == main_pid(testbed, proxy, "morse-proxy"), body
        # The trap: a second session while the first one's connection holds the forward.
        second = ssh(entry, "hostname")
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip() == proxy
        assert "Address already in use" not in second.stderr and "cannot listen" not in second.stderr, second.stderr
        status, body = admin_status(port)
        assert status == 200 and body["pid"] == main_pid(testbed, proxy, "morse-proxy")
        log(f"{entry}: localhost:{port}/status 200 from pid {body['pid']}, second session exit 0")
        # Closing the host's shell connection leaves the forward alone: it has its own.
        ssh("-O", "exit", proxy)
        assert admin_status(port)[0] == 200


def test_writing_the_file_again_closes_the_connections_that_hold_old_settings(testbed, config):
    entry = f"{testbed.proxies[0]}-admin"
    port = PORT_BASE + 1
    assert ssh(entry, "true").returncode == 0
    assert ssh("-O", "check", entry).returncode == 0
    make_ssh_config()
    # The old master, and the forward it carried, are gone; the next session starts one from the new file.
    check = ssh("-O", "check", entry)
    assert check.returncode != 0, check.stderr
    with pytest.raises(OSError):
        admin_status(port)
    assert ssh(entry, "true").returncode == 0
    assert admin_status(port)[0] == 200


def test_the_heat_inventory_gives_the_same_file(tmp_path):
    """The same playbook on the inventory made from a Heat stack's outputs (nothing connects: it writes files).
    Without the servers' keys it refuses; with them (console logs in cloud-init's shape, real keys) it pins them."""
    outputs = ROOT / "heat" / "tests" / "fixtures" / "stack-outputs-2-workers.json"
    tool = ROOT / "ansible" / "inventory" / "heat_inventory.py"
    inventory = tmp_path / "heat.yml"
    directory = tmp_path / "ssh"
    run([sys.executable, str(tool), str(outputs), "-o", str(inventory)], check=True)
    unpinned = make("ssh-config", f"INVENTORY={inventory}", f"SSH_CONFIG_DIR={directory}", timeout=180)
    assert unpinned.returncode != 0 and "has no host keys" in unpinned.stdout, \
        unpinned.stdout[-3000:]

    logs = tmp_path / "console"
    logs.mkdir()
    servers = run([sys.executable, str(tool), str(outputs), "--list-servers"], check=True).stdout.split()[::2]
    for host in servers:
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{host}", "-f", str(tmp_path / host)],
            check=True)
        key = (tmp_path / f"{host}.pub").read_text()
        (logs / f"{host}.log").write_text(f"-----BEGIN SSH HOST KEY KEYS-----\n{key}-----END SSH HOST KEY KEYS-----\n")
    run([sys.executable, str(tool), str(outputs), "--console-logs", str(logs), "-o", str(inventory)], check=True)
    make("ssh-config", f"INVENTORY={inventory}", f"SSH_CONFIG_DIR={directory}", check=True, timeout=180)
    hosts = json.loads(run(["ansible-inventory", "-i", str(inventory), "--list"], check=True,
                           cwd=ROOT / "ansible", env=ansible_env()).stdout)
    bastion = hosts["bastion"]["hosts"][0]
    proxies = hosts["proxy"]["hosts"]
    for host in hosts["_meta"]["hostvars"]:
        effective = run(["ssh", "-F", str(directory / "config"), "-G", host], check=True).stdout
        assert f"hostname {hosts['_meta']['hostvars'][host]['ansible_host']}\n" in effective, effective
        assert (f"proxyjump {bastion}" in effective) == (host != bastion), effective
        assert f"userknownhostsfile {directory}/known_hosts" in effective
        assert "stricthostkeychecking true" in effective
        address = hosts["_meta"]["hostvars"][host]["ansible_host"]
        found = run(["ssh-keygen", "-F", address, "-f", str(directory / "known_hosts")])
        assert found.returncode == 0, f"{host}: no pinned key for {address}"
    for index, proxy in enumerate(proxies, start=1):
        effective = run(["ssh", "-F", str(directory / "config"), "-G", f"{proxy}-admin"], check=True).stdout
        assert f"localforward [127.0.0.1]:{PORT_BASE + index} [127.0.0.1]:9000" in effective, effective
        assert f"controlpath {directory}/cm-{proxy}-admin" in effective, effective
