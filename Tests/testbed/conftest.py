"""Fixtures of the test bed's end-to-end test (issue 7).

These tests run *inside* the operator namespace mc-admin (Tests/testbed/run.sh starts pytest with
`ip netns exec mc-admin`), which sits on the test bed's public net only: every connection they make goes to the
bastion, to the proxy's floating address, or through the bastion to the internal hosts - as from an operator's
machine in front of the cloud. run.sh brings the test bed up before and takes it down after.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import subprocess
import threading
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

    __test__ = False  # not a test class, though a test module that imports it names it Test...

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
        self.proxies = self.groups["proxy"]
        self.proxy = self.proxies[0]
        # The front door: the floating IP, a DNAT to the proxies' shared address (the VIP; cluster/testbed/up).
        self.floating_ip = self.vars["heat_proxy_public_ip"]
        self.vip = self.vars["heat_proxy_vip"]
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


def make(*args: str, timeout: float = 240, check: bool = False) -> subprocess.CompletedProcess:
    """`make -s ARGS` at the top of the repository, as an operator types it: without the make flags of a make this
    test runs under (CI's `make --trace test` would have the inner make print its trace amid the output)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    return run(["make", "-s", "-C", str(ROOT), *args], timeout=timeout, check=check, env=env)


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


def vip_holders(testbed: Testbed) -> list[str]:
    """The proxies that have the shared address on an interface now (exactly one, when the pair is well)."""
    return [p for p in testbed.proxies
            if testbed.vip + "/" in testbed.ssh(p, f"ip -4 -o addr show to {testbed.vip}/32", check=False).stdout]


def vrrp_state(testbed: Testbed, host: str) -> str:
    """keepalived's state on a proxy host as its notify script last wrote it (MASTER, BACKUP, FAULT, STOP)."""
    out = testbed.ssh(host, "sudo cat /run/morse-vip/state", check=False).stdout.split()
    return out[0] if out else "none"


def proxy_status(testbed: Testbed, host: str | None = None) -> dict:
    """A proxy's /status, read on its host (the admin API listens on loopback only): by default the proxy that holds
    the shared address, the one clients reach."""
    if host is None:
        holders = vip_holders(testbed)
        host = holders[0] if holders else testbed.proxy
    out = testbed.ssh(host, f"curl -fsS --max-time 5 http://127.0.0.1:{testbed.admin_port}/status").stdout
    return json.loads(out)


def wait_backends_up(testbed: Testbed, names: list[str], timeout: float = 60) -> dict:
    """Until every proxy reports exactly these backends up; returns the last proxy's /status."""
    deadline = time.monotonic() + timeout
    status: dict = {}
    pending = list(testbed.proxies)
    while pending and time.monotonic() < deadline:
        try:
            status = proxy_status(testbed, pending[0])
            up = sorted(b["name"] for b in status["backends"] if b["state"] == "up")
            if up == sorted(names) and len(status["backends"]) == len(names):
                pending.pop(0)
                continue
        except Exception:  # noqa: BLE001 - the proxy may be restarting; keep polling until the deadline
            pass
        time.sleep(1)
    if pending:
        pytest.fail(f"backends {names} not all up at {pending[0]} within {timeout} s: {status}")
    return status


def bed_script(name: str, *args: str, timeout: float = 150) -> subprocess.CompletedProcess:
    """cluster/testbed/NAME ARGS, from the machine's own namespaces: the tests run inside `ip netns exec mc-admin`,
    whose /sys has no cgroup file system for systemd-nspawn."""
    net = os.environ.get("MORSE_HOST_NETNS")  # /proc/PID/ns/net of Tests/testbed/run.sh
    assert net, "MORSE_HOST_NETNS is not set: run the test bed's tests with Tests/testbed/run.sh"
    result = run(["nsenter", f"--net={net}", f"--mount={net.removesuffix('net')}mnt", "--",
                  str(ROOT / "cluster" / "testbed" / name), *args], timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def power(host: str, action: str) -> float | tuple[float, float] | None:
    """cluster/testbed/power HOST off|crash|on; off returns the time of the signal, crash the signal's and the time
    the host's last process was gone, as the script prints them."""
    result = bed_script("power", host, action)
    if action == "on":
        return None
    # The signal's time; crash then prints the time the host's last process was gone.
    times = [float(t) for t in result.stdout.split()]
    return (times[0], times[-1]) if action == "crash" else times[0]


def main_pid(testbed: Testbed, host: str, unit: str) -> int:
    return int(testbed.ssh(host, f"systemctl show --property=MainPID --value {unit}").stdout.strip())


def pytest_sessionfinish(session, exitstatus):
    if TIMINGS:
        print("\n" + "\n".join(f"e2e timing: {k}: {v:.1f} s" for k, v in TIMINGS.items()), flush=True)


# ------------------------------------------------------------------------------- load, rollouts (issue 8)

class LoadRun:
    """`morsectl load` through the proxy's floating address, in the background while something else happens.

    Started with a generous --duration as an upper bound; stop() ends it cleanly with SIGTERM (no new requests,
    those in flight finish, the summary is written) once it ran at least `min_seconds`. Every bound is explicit:
    --duration, --requests-limit, --timeout per request, and the wait for the process to exit."""

    def __init__(self, testbed: Testbed, name: str, concurrency: int = 8, mix: str = "encode=3,message=1",
                 max_seconds: float = 240, requests_limit: int = 2_000_000, rate: float | None = None,
                 idempotency_keys: bool = True):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.summary_path = ARTIFACTS / f"{name}.json"
        self.messages_path = ARTIFACTS / f"{name}-messages.jsonl"
        self.log_path = ARTIFACTS / f"{name}.log"
        for path in (self.summary_path, self.messages_path):
            path.unlink(missing_ok=True)
        self.command = [str(MORSECTL), "load", "--url", testbed.url, "--duration", str(max_seconds),
                        "--concurrency", str(concurrency), "--requests-limit", str(requests_limit), "--mix", mix,
                        "--timeout", "10", "--summary-json", str(self.summary_path),
                        "--messages-file", str(self.messages_path)]
        if rate:
            self.command += ["--rate", str(rate)]
        if not idempotency_keys:
            # Writes the proxy may not resend: only a front that never drops a request keeps them all.
            self.command += ["--no-idempotency-key"]
        self.max_seconds = max_seconds
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.started = time.monotonic()
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        log(f"load started: {' '.join(self.command[1:])}")

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def wait_flowing(self, timeout: float = 15) -> None:
        """Until the first progress line shows requests answered (the load is on before the operation starts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"morsectl load exited early: {self.log_path.read_text()[-2000:]}"
            if re.search(r"load: \d+ s, [1-9]\d* requests", self.log_path.read_text()):
                return
            time.sleep(0.2)
        pytest.fail(f"morsectl load sent nothing within {timeout} s: {self.log_path.read_text()[-2000:]}")

    def stop(self, min_seconds: float = 0) -> dict:
        """Keeps the load on until it ran `min_seconds`, then SIGTERM; returns the JSON summary (plus rc, text)."""
        remaining = min_seconds - self.seconds
        if remaining > 0:
            time.sleep(remaining)
        if self.process.poll() is None:
            self.process.terminate()
        try:
            stdout, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            stdout, _ = self.process.communicate(timeout=10)
            pytest.fail("morsectl load did not stop within 30 s of SIGTERM")
        finally:
            self.log.close()
        log(f"morsectl load ({self.name}), rc {self.process.returncode}:\n{stdout.strip()}")
        assert self.summary_path.exists(), f"no summary: {self.log_path.read_text()[-2000:]}"
        summary = json.loads(self.summary_path.read_text())
        summary["rc"] = self.process.returncode
        summary["text"] = stdout
        return summary

    def messages(self) -> list[dict]:
        if not self.messages_path.exists():
            return []
        return [json.loads(line) for line in self.messages_path.read_text().splitlines() if line.strip()]


class MessageWriter(threading.Thread):
    """POST /api/v1/messages through the floating address, one request at a time, about `per_second`; every answer
    is kept with the wall-clock times it was sent and answered, its status, Retry-After, X-Served-By, the message's
    id and Morse code (201) or the worker's error code. Bounded by stop(), `max_seconds` and `max_writes`."""

    def __init__(self, testbed: Testbed, label: str, per_second: float = 10, max_seconds: float = 120,
                 max_writes: int = 3000):
        super().__init__(daemon=True)
        self.host, self.port = testbed.floating_ip, int(testbed.http_port)
        self.label, self.per_second, self.max_writes = label, per_second, max_writes
        self.deadline = time.monotonic() + max_seconds
        self.stopping = threading.Event()
        self.records: list[dict] = []

    def run(self) -> None:
        conn = None
        for number in range(1, self.max_writes + 1):
            if self.stopping.is_set() or time.monotonic() > self.deadline:
                break
            record = {"text": f"{self.label} {number}", "sent": time.time(), "status": 0}
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                conn.request("POST", "/api/v1/messages", json.dumps({"text": record["text"]}),
                             {"Content-Type": "application/json"})
                response = conn.getresponse()
                body = response.read()
                record.update(status=response.status, retry_after=response.getheader("Retry-After"),
                              served_by=response.getheader("X-Served-By"))
                try:
                    data = json.loads(body)
                except ValueError:
                    data = {}
                # The worker's errors are {"error": {"code": ...}}; the proxy's own answers are not JSON.
                record.update(id=data.get("id"), morse=data.get("morse"), code=(data.get("error") or {}).get("code"))
            except (OSError, http.client.HTTPException) as error:
                record["error"] = repr(error)
                if conn is not None:
                    conn.close()
                conn = None
            record["answered"] = time.time()
            self.records.append(record)
            self.stopping.wait(1 / self.per_second)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)

    def acknowledged(self, after: float = 0, before: float = float("inf")) -> list[dict]:
        """The 201s answered within (after, before), as read_back_messages() takes them."""
        return [{"id": r["id"], "text": r["text"], "morse": r["morse"]} for r in self.records
                if r["status"] == 201 and after < r["answered"] < before]


def read_back_messages(testbed: Testbed, messages: list[dict], threads: int = 8) -> dict:
    """Reads every message through the proxy (GET /api/v1/messages/{id}) and compares text and Morse code.
    Returns counts and examples of what is missing or different."""
    import concurrent.futures
    import http.client
    import threading

    local = threading.local()
    host, port = testbed.floating_ip, int(testbed.http_port)

    def fetch(message: dict) -> str | None:
        for attempt in range(2):  # one new connection if a kept-alive one was closed meanwhile (not a lost message)
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(host, port, timeout=10)
            try:
                conn.request("GET", f"/api/v1/messages/{message['id']}")
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                local.conn = None
                if attempt == 1:
                    return f"{message['id']}: {error!r}"
                continue
            if response.status != 200:
                return f"{message['id']}: HTTP {response.status}: {body[:200]!r}"
            data = json.loads(body)
            if data.get("text") != message["text"] or data.get("morse") != message["morse"]:
                return (f"{message['id']}: stored {data.get('text')!r}/{data.get('morse')!r}, "
                        f"written {message['text']!r}")
            return None
        return None

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        problems = [p for p in pool.map(fetch, messages) if p]
    seconds = time.monotonic() - started
    result = {"written": len(messages), "read_back": len(messages) - len(problems), "problems": len(problems),
              "examples": problems[:10], "seconds": seconds}
    log(f"messages read back through the proxy: {result['read_back']} of {result['written']} "
        f"({result['problems']} missing or different) in {seconds:.1f} s")
    return result


def worker_versions_through_proxy(testbed: Testbed, tries: int = 20) -> dict[str, set[str]]:
    """GET /healthz through the proxy's floating address, several times (round robin): worker -> versions seen."""
    import urllib.request

    seen: dict[str, set[str]] = {}
    for _ in range(tries):
        with urllib.request.urlopen(f"{testbed.url}/healthz", timeout=5) as response:
            body = json.loads(response.read())
            header = response.headers.get("X-Worker-Version")
            served_by = response.headers.get("X-Served-By")
        seen.setdefault(body["name"], set()).add(body["version"])
        if served_by and header:
            seen.setdefault(served_by, set()).add(header)
    return seen


def build_worker_version(suffix: str) -> tuple[Path, str]:
    """A rebuilt morse-worker whose version is WorkerVersion.current + suffix (build_version)."""
    return build_version("morse-worker", ROOT / "Sources" / "MorseWorker" / "WorkerVersion.swift", suffix)


def build_proxy_version(suffix: str) -> tuple[Path, str]:
    """A rebuilt morse-proxy whose version is ProxyVersion.current + suffix (build_version)."""
    return build_version("morse-proxy", ROOT / "Sources" / "MorseProxy" / "ProxyVersion.swift", suffix)


def build_version(product: str, source: Path, suffix: str) -> tuple[Path, str]:
    """A rebuilt `product` whose version constant in `source` gets `suffix`, without touching the source tree.

    The source tree is shared with other people, so the version file is never edited in place: in a private
    mount namespace (cluster/testbed/with-mounts), a patched copy is bind-mounted over it and a copy of the test
    bed's scratch path (<scratch>-next, made once with cp -a) over that scratch path, then `swift build` runs as
    usual. Paths and flags are the ones of the test bed's own build (cluster/testbed/build,
    MORSE_TESTBED_CONFIGURATION), so only the module of the version file is recompiled (about a minute), and
    later runs are incremental. Nothing outside that namespace sees either mount. Returns (binary, version)."""
    configuration = os.environ.get("MORSE_TESTBED_CONFIGURATION", "release")
    default = ".build-testbed-debug" if configuration == "debug" else ".build-testbed"
    built_in = ROOT / os.environ.get("MORSE_TESTBED_SCRATCH", default)  # an absolute path stays as it is
    # Debug: cluster/testbed/build linked the test bed's binaries in a copy of .build mounted over .build, so the
    # copy to start from is that one, and the path its records name is .build.
    scratch = ROOT / ".build" if configuration == "debug" else built_in
    next_scratch = Path(f"{built_in}-next")
    match = re.search(r'static let current = "([^"]*)"', source.read_text())
    assert match, f"no version constant in {source}"
    version = match[1] + suffix
    patched_text = source.read_text().replace(match[0], f'static let current = "{version}"')
    if not next_scratch.exists():
        assert built_in.exists(), f"{built_in} is missing: build the test bed's binaries first (cluster/testbed/build)"
        log(f"copying the scratch path {built_in} to {next_scratch} (once)")
        run(["cp", "-a", str(built_in), f"{next_scratch}.tmp"], timeout=300, check=True)
        Path(f"{next_scratch}.tmp").rename(next_scratch)
    patched = next_scratch / source.name
    # Rewritten only when it changes, so that an unchanged version means an incremental (no-op) build.
    if not patched.exists() or patched.read_text() != patched_text:
        patched.write_text(patched_text)
    started = time.monotonic()
    result = run([str(ROOT / "cluster" / "testbed" / "with-mounts"), f"{next_scratch}:{scratch}", f"{patched}:{source}",
                  "--", "swift", "build", "-c", configuration, "--static-swift-stdlib", "--scratch-path", str(scratch),
                  "--product", product], timeout=1200, cwd=ROOT)
    seconds = time.monotonic() - started
    assert result.returncode == 0, \
        f"build of the new {product} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    binary = next_scratch / configuration / product
    reported = run([str(binary), "--version"], timeout=30, check=True).stdout.strip()
    # The worker prints its version, the proxy "morse-proxy VERSION".
    assert reported in (version, f"{product} {version}"), f"{binary} reports {reported!r}, expected {version!r}"
    assert source.read_text() != patched_text, "the source tree was changed"
    log(f"rebuilt {product} {version} in {seconds:.1f} s: {binary}")
    return binary, version


# The rebuilt worker of test_60_rolling and proxy of test_62_proxy_upgrade are built as soon as the session starts,
# right after run.sh built the binaries the test bed runs: the source tree is shared, and the later the build, the
# likelier it meets someone's edit in progress. Each only when the test that deploys it is selected (not for `-k`
# runs of the file's other tests); a failure is reported by that test.
REBUILT: dict[str, dict[str, object]] = {"worker": {}, "proxy": {}}
REBUILDS = {
    "worker": ("test_rolling_deploy_of_a_new_version_under_load", lambda: build_worker_version("+next")),
    "proxy": ("test_deploy_of_a_new_proxy_binary_under_load", lambda: build_proxy_version("+next")),
}


def pytest_collection_finish(session):
    names = {item.name for item in session.items}
    for kind, (test, build) in REBUILDS.items():
        if test in names:
            try:
                REBUILT[kind]["result"] = build()
            except BaseException as error:  # noqa: BLE001 - an assert or a timeout; kept for the test to report
                REBUILT[kind]["error"] = f"{type(error).__name__}: {error}"


def rebuilt(kind: str) -> tuple[Path, str]:
    """(binary, version) of the rebuilt worker or proxy; built now if the session did not build it at its start."""
    if "error" in REBUILT[kind]:
        pytest.fail(f"the rebuilt {kind} could not be built at the start of the session: {REBUILT[kind]['error']}")
    if "result" not in REBUILT[kind]:
        REBUILT[kind]["result"] = REBUILDS[kind][1]()
    return REBUILT[kind]["result"]


def next_worker() -> tuple[Path, str]:
    return rebuilt("worker")


def next_proxy() -> tuple[Path, str]:
    return rebuilt("proxy")
