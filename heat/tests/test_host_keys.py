"""Issue 20 item 2, the Heat path: host keys pinned from the servers' console logs, offline.

cloud-init prints each server's public host keys on its console at the end of the first boot (the templates ask
for it: test_templates.py); ansible/inventory/heat-inventory.sh fetches every console log with the OpenStack
client and heat_inventory.py --console-logs turns them into ssh_host_keys and a known_hosts file that every
connection checks strictly. The keys here are real ones made by ssh-keygen for each test; the console logs around
them are written in the shape cloud-init gives (a syslog-tagged fingerprint block, then the key block). The
test bed's tests (Tests/testbed/test_70_host_keys.py) connect with them for real; a stand-in `openstack` here
serves the outputs and logs, so nothing leaves this machine.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, INVENTORY_TOOL, venv_tool

HOST_KEYS_TOOL = INVENTORY_TOOL.parent / "host_keys.py"
FETCH_SCRIPT = INVENTORY_TOOL.parent / "heat-inventory.sh"
OUTPUTS = FIXTURES / "stack-outputs-2-workers.json"
HOSTS = {  # inventory name -> Nova name, addresses (the fixture's)
    "bastion-1": ("morse-bastion-1", ["203.0.113.10", "10.20.0.14"]),
    "proxy-1": ("morse-proxy-1", ["10.20.0.27"]),
    "proxy-2": ("morse-proxy-2", ["10.20.0.22"]),
    "web-1": ("morse-web-1", ["10.20.0.31"]),
    "web-2": ("morse-web-2", ["10.20.0.19"]),
    "db-1": ("morse-db-1", ["10.20.0.9"]),
}


def make_key(directory: Path, name: str, kind: str = "ed25519") -> str:
    path = directory / f"key-{name}-{kind}"
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"root@{name}", "-f", str(path)], check=True)
    return (directory / f"key-{name}-{kind}.pub").read_text().strip()


def console_log(host: str, keys: list[str]) -> str:
    """A console log as cloud-init leaves it: boot noise, the fingerprints, then the keys block."""
    return "\n".join([
        "[    0.000000] Linux version 6.1.0-27-cloud-amd64",
        "[   11.904215] cloud-init[702]: Cloud-init v. 22.4.2 running 'modules:final'. Up 11.80 seconds.",
        "<14>Dec  6 06:12:40 ec2: ",
        "<14>Dec  6 06:12:40 ec2: #############################################################",
        "<14>Dec  6 06:12:40 ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----",
        f"<14>Dec  6 06:12:40 ec2: 256 SHA256:notakey root@{host} (ED25519)",
        "<14>Dec  6 06:12:40 ec2: -----END SSH HOST KEY FINGERPRINTS-----",
        "<14>Dec  6 06:12:40 ec2: #############################################################",
        "-----BEGIN SSH HOST KEY KEYS-----",
        *keys,
        "-----END SSH HOST KEY KEYS-----",
        "[   12.114520] cloud-init[702]: Cloud-init v. 22.4.2 finished. Up 12.10 seconds",
        "",
    ])


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, list[str]]:
    """Each host's public keys ("TYPE BASE64 COMMENT"), made fresh."""
    directory = tmp_path_factory.mktemp("keys")
    return {host: [make_key(directory, host, "ed25519"), make_key(directory, host, "ecdsa")] for host in HOSTS}


def bare(key: str) -> str:
    return " ".join(key.split()[:2])


def write_logs(directory: Path, keys: dict[str, list[str]]) -> Path:
    directory.mkdir(exist_ok=True)
    for host, host_keys in keys.items():
        (directory / f"{host}.log").write_text(console_log(host, host_keys))
    return directory


def tool(*args, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, timeout=60, env=env)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_keys_are_read_from_the_block_cloud_init_prints(tmp_path, keys):
    log = tmp_path / "web-1.log"
    log.write_text(console_log("web-1", keys["web-1"]) * 2)  # two boots, the same keys
    lines = tool(HOST_KEYS_TOOL, log, "--name", "web-1", "--name", "10.20.0.31").stdout.splitlines()
    assert sorted(lines) == sorted(f"web-1,10.20.0.31 {bare(k)}" for k in keys["web-1"])


def test_a_server_rebuilt_in_place_is_its_last_block(tmp_path, keys):
    """A rebuild keeps the console log: the new keys follow the old ones, and the new ones are the server now."""
    log = tmp_path / "web-1.log"
    log.write_text(console_log("web-1", keys["web-1"]) + console_log("web-1", keys["web-2"]))
    assert sorted(tool(HOST_KEYS_TOOL, log).stdout.splitlines()) == sorted(bare(k) for k in keys["web-2"])


@pytest.mark.parametrize("case,message", [
    ("no block", "no host keys in the console log"),
    ("garbled", "not valid base64 SSH key data"),
    ("type mismatch", "its data is a 'ssh-ed25519' key"),
])
def test_a_log_without_one_trustworthy_key_set_is_refused(tmp_path, keys, case, message):
    ed25519 = keys["web-1"][0].split()
    text = {
        "no block": "[   11.9] cloud-init[702]: still booting\n",
        "garbled": console_log("web-1", [f"ssh-ed25519 {ed25519[1][:-8]}A!garbled"]),
        "type mismatch": console_log("web-1", [f"ssh-rsa {ed25519[1]}"]),
    }[case]
    log = tmp_path / "web-1.log"
    log.write_text(text)
    proc = tool(HOST_KEYS_TOOL, log, "--name", "web-1", check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert message in proc.stderr, proc.stderr


def test_inventory_pins_every_host_and_checks_strictly(tmp_path, keys, ansible_env):
    logs = write_logs(tmp_path / "logs", keys)
    out = tmp_path / "heat.yml"
    proc = tool(INVENTORY_TOOL, OUTPUTS, "--console-logs", logs, "-o", out)
    known_hosts = tmp_path / "heat.known_hosts"
    assert f"wrote {known_hosts} (12 keys, checked strictly)" in proc.stderr
    assert "first use" not in proc.stderr

    # known_hosts: every key of every host under its name and each address, and OpenSSH finds them there.
    lines = known_hosts.read_text().splitlines()
    for host, (_, addresses) in HOSTS.items():
        for key in keys[host]:
            assert f"{','.join([host, *addresses])} {bare(key)}" in lines, host
        for name in (host, *addresses):
            found = subprocess.run(["ssh-keygen", "-F", name, "-f", str(known_hosts)], capture_output=True,
                                   text=True)
            assert found.returncode == 0 and bare(keys[host][0]).split()[1] in found.stdout, name

    data = yaml.safe_load(out.read_text())
    assert data["all"]["children"]["bastion"]["hosts"]["bastion-1"]["ssh_host_keys"] == sorted(
        bare(k) for k in keys["bastion-1"])
    strict = f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes"
    for host in HOSTS:
        merged = json.loads(subprocess.run([venv_tool("ansible-inventory"), "-i", str(out), "--host", host],
                                           capture_output=True, text=True, env=ansible_env, timeout=120,
                                           check=True).stdout)
        assert sorted(merged["ssh_host_keys"]) == sorted(bare(k) for k in keys[host]), host
        args = merged["ansible_ssh_common_args"]
        assert args.startswith(strict), host
        if host != "bastion-1":
            # The hop to the bastion checks the bastion's key against the same file.
            assert f'ProxyCommand="ssh -W %h:%p -q {strict} debian@203.0.113.10"' in args, host
            # What ssh makes of it: strict checking against the cluster's file only.
            effective = subprocess.run(["ssh", "-G", "-F", "/dev/null", *shlex.split(args), "10.20.0.19"],
                                       capture_output=True, text=True, timeout=30, check=True).stdout.splitlines()
            assert "stricthostkeychecking true" in effective
            assert f"userknownhostsfile {known_hosts}" in effective


def test_a_missing_console_log_stops_the_inventory_and_says_how_to_fetch_it(tmp_path, keys):
    logs = write_logs(tmp_path / "logs", keys)
    (logs / "web-2.log").unlink()
    out = tmp_path / "heat.yml"
    proc = tool(INVENTORY_TOOL, OUTPUTS, "--console-logs", logs, "-o", out, check=False)
    assert proc.returncode == 2
    assert f"openstack console log show morse-web-2 > {logs}/web-2.log" in proc.stderr
    assert not out.exists(), "no inventory half pinned"
    proc = tool(INVENTORY_TOOL, OUTPUTS, "--console-logs", logs, "--format", "ini", check=False)
    assert proc.returncode == 2 and "needs --format yaml" in proc.stderr


def test_without_console_logs_the_inventory_says_it_trusts_on_first_use(tmp_path):
    proc = tool(INVENTORY_TOOL, OUTPUTS, "-o", tmp_path / "heat.yml")
    assert "host keys are accepted on first use" in proc.stderr


def test_heat_inventory_sh_waits_for_the_keys_then_pins_them(tmp_path, keys):
    """The script against a stand-in `openstack` that serves the fixture's outputs and console logs; web-2's log
    has no keys for its first two reads (still booting), as a server's log has until cloud-init finishes."""
    logs = write_logs(tmp_path / "served", keys)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    counter = tmp_path / "web-2-reads"
    stand_in = bin_dir / "openstack"
    stand_in.write_text(f"""#!/bin/sh
case "$1 $2 $3" in
  "stack output show") [ "$4" = morse ] && exec cat {shlex.quote(str(OUTPUTS))} ;;
  "console log show")
    host=${{4#morse-}}
    if [ "$host" = web-2 ]; then
      echo x >> {shlex.quote(str(counter))}
      [ "$(wc -l < {shlex.quote(str(counter))})" -gt 2 ] || {{ echo "[ 3.2] booting"; exit 0; }}
    fi
    exec cat {shlex.quote(str(logs))}/"$host".log ;;
esac
echo "stand-in openstack: unexpected: $*" >&2
exit 1
""")
    stand_in.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", CONSOLE_POLL="0.1", CONSOLE_WAIT="30",
               HEAT_INVENTORY_ARGS="--user debian")
    out = tmp_path / "inventory" / "heat.yml"
    out.parent.mkdir()
    proc = subprocess.run(["bash", str(FETCH_SCRIPT), "morse", str(out)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("morse-web-2: no host keys on its console yet") == 2, proc.stderr
    assert "morse-db-1: host keys read from its console log" in proc.stderr
    known_hosts = out.with_suffix(".known_hosts")
    assert len(known_hosts.read_text().splitlines()) == 12
    assert "StrictHostKeyChecking=yes" in out.read_text()

    # A server that never prints its keys stops the script with a message, after the wait.
    counter.write_text("")
    env.update(CONSOLE_WAIT="1")
    (logs / "web-2.log").write_text("[ 3.2] booting\n")
    proc = subprocess.run(["bash", str(FETCH_SCRIPT), "morse", str(out)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 1
    assert "morse-web-2 printed no host keys on its console in 1 s" in proc.stderr
