"""Fixtures of the test bed's end-to-end test (issue 7).

These tests run *inside* the operator namespace mc-admin (Tests/testbed/run.sh starts pytest with
`ip netns exec mc-admin`), which sits on the test bed's public net only: every connection they make goes to the
bastion, to the proxy's floating address, or through the bastion to the internal hosts - as from an operator's
machine in front of the cloud. run.sh brings the test bed up before and takes it down after.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / "ansible"
INVENTORY = Path(os.environ.get("MORSE_TESTBED_INVENTORY", ANSIBLE / "inventory" / "testbed" / "hosts.yml"))
BIN_DIR = Path(os.environ.get("MORSE_BIN_DIR", ROOT / ".build" / "release"))
MORSECTL = Path(os.environ.get("MORSECTL", BIN_DIR / "morsectl"))
ARTIFACTS = Path(os.environ.get("MORSE_TESTBED_ARTIFACTS", "/var/cache/morse-cluster/testbed/artifacts"))

# Durations of the steps, printed at the end of the session.
TIMINGS: dict[str, float] = {}


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} e2e: {message}", flush=True)


def run(command: list[str] | str, timeout: float = 120, check: bool = False, **kwargs) -> subprocess.CompletedProcess:
    """Run a command, output captured as text; never longer than `timeout`."""
    if isinstance(command, str):
        command = shlex.split(command)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        pytest.fail(f"{command[0]} exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


# ------------------------------------------------------------------------------------------------ inventory

def load_inventory() -> dict:
    if not INVENTORY.exists():
        pytest.fail(f"{INVENTORY} is missing: bring the test bed up first (cluster/testbed/up), or use run.sh")
    return yaml.safe_load(INVENTORY.read_text())


class Testbed:
    """The generated inventory, read as data: addresses, groups, the SSH path through the bastion."""

    def __init__(self, inventory: dict):
        root = inventory["all"]
        self.vars = root["vars"]
        self.hosts: dict[str, dict] = {}
        self.groups: dict[str, list[str]] = {}
        self.bastion_args = root["children"]["bastion"]["vars"]["ansible_ssh_common_args"]
        self.internal_args = root["children"]["internal"]["vars"]["ansible_ssh_common_args"]
        for name, hv in root["children"]["bastion"]["hosts"].items():
            self.hosts[name] = dict(hv, internal=False)
            self.groups.setdefault("bastion", []).append(name)
        for group, body in root["children"]["internal"]["children"].items():
            for name, hv in body["hosts"].items():
                self.hosts[name] = dict(hv, internal=True)
                self.groups.setdefault(group, []).append(name)
        self.user = self.vars["ansible_user"]
        self.key = self.vars["ansible_ssh_private_key_file"]
        self.db_password = self.vars["vault_morse_db_password"]
        self.proxy = self.groups["proxy"][0]
        self.floating_ip = self.hosts[self.proxy]["public_ip"]
        self.http_port = self.vars["heat_proxy_http_port"]
        self.admin_port = self.vars["heat_proxy_admin_port"]
        self.worker_port = self.vars["heat_worker_port"]
        self.url = f"http://{self.floating_ip}:{self.http_port}"

    def ssh_command(self, host: str, command: str, connect_timeout: int = 5) -> list[str]:
        """ssh to an inventory host exactly as Ansible does: the bastion directly, the others through it."""
        hv = self.hosts[host]
        args = self.internal_args if hv["internal"] else self.bastion_args
        return ["ssh", *shlex.split(args), "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o",
                f"ConnectTimeout={connect_timeout}", "-i", self.key, f"{self.user}@{hv['ansible_host']}", command]

    def ssh(self, host: str, command: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
        return run(self.ssh_command(host, command), timeout=timeout, check=check)


@pytest.fixture(scope="session")
def testbed() -> Testbed:
    return Testbed(load_inventory())


# -------------------------------------------------------------------------------------------------- ansible

RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class PlaybookRun:
    def __init__(self, result: subprocess.CompletedProcess, seconds: float):
        self.rc = result.returncode
        self.output = result.stdout + result.stderr
        self.seconds = seconds
        self.recap = {m[1]: {"ok": int(m[2]), "changed": int(m[3]), "unreachable": int(m[4]), "failed": int(m[5])}
                      for m in RECAP.finditer(result.stdout)}
        self.recap_text = result.stdout[result.stdout.rfind("PLAY RECAP"):].strip() if "PLAY RECAP" in result.stdout \
            else "(no recap)"

    def changed_tasks(self) -> list[str]:
        """'TASK name: host' for every task that reported changed."""
        found, task = [], "?"
        for line in self.output.splitlines():
            if line.startswith(("TASK [", "RUNNING HANDLER [")):
                task = line.split("[", 1)[1].rsplit("]", 1)[0]
            elif line.startswith("changed: ["):
                found.append(f"{task}: {line.split('[', 1)[1].split(']', 1)[0]}")
        return found

    @property
    def changed(self) -> int:
        return sum(h["changed"] for h in self.recap.values())


def ansible_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "MORSE_BIN_DIR": str(BIN_DIR),
        "PYTHONDONTWRITEBYTECODE": "1",
        # ansible-lint's yamllint checks follow the repository's .yamllint.
        "YAMLLINT_CONFIG_FILE": str(ROOT / ".yamllint"),
    })
    return env


def playbook(name: str, *extra: str, timeout: float = 600) -> PlaybookRun:
    started = time.monotonic()
    result = run(["ansible-playbook", "-i", str(INVENTORY), name, *extra], timeout=timeout, cwd=ANSIBLE,
                 env=ansible_env())
    outcome = PlaybookRun(result, time.monotonic() - started)
    log(f"ansible-playbook {name} {' '.join(extra)}: rc {outcome.rc} in {outcome.seconds:.1f} s, "
        f"changed={outcome.changed}")
    return outcome


# ------------------------------------------------------------------------------------------------ the cluster

def smoke(testbed: Testbed, requests: int = 400, concurrency: int = 8, name: str = "smoke") -> dict:
    """morsectl smoke through the proxy's floating address; returns its JSON summary."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    summary = ARTIFACTS / f"{name}.json"
    summary.unlink(missing_ok=True)
    result = run([str(MORSECTL), "smoke", "--url", testbed.url, "--requests", str(requests),
                  "--concurrency", str(concurrency), "--timeout", "120", "--summary-json", str(summary)],
                 timeout=150)
    log(f"morsectl smoke --url {testbed.url} --requests {requests} --concurrency {concurrency}:\n"
        + result.stdout.strip())
    assert summary.exists(), f"morsectl smoke wrote no summary (rc {result.returncode}): {result.stderr[-2000:]}"
    data = json.loads(summary.read_text())
    data["rc"] = result.returncode
    return data


def proxy_status(testbed: Testbed) -> dict:
    """The proxy's /status, read on the proxy host itself (the admin API listens on loopback only)."""
    out = testbed.ssh(testbed.proxy, f"curl -fsS --max-time 5 http://127.0.0.1:{testbed.admin_port}/status").stdout
    return json.loads(out)


def wait_backends_up(testbed: Testbed, names: list[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    status: dict = {}
    while time.monotonic() < deadline:
        try:
            status = proxy_status(testbed)
            up = sorted(b["name"] for b in status["backends"] if b["state"] == "up")
            if up == sorted(names) and len(status["backends"]) == len(names):
                return status
        except Exception:  # noqa: BLE001 - the proxy may be restarting; keep polling until the deadline
            pass
        time.sleep(1)
    pytest.fail(f"backends {names} not all up within {timeout} s: {status}")


def main_pid(testbed: Testbed, host: str, unit: str) -> int:
    return int(testbed.ssh(host, f"systemctl show --property=MainPID --value {unit}").stdout.strip())


def pytest_sessionfinish(session, exitstatus):
    if TIMINGS:
        print("\n" + "\n".join(f"e2e timing: {k}: {v:.1f} s" for k, v in TIMINGS.items()), flush=True)
