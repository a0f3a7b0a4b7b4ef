"""Runs the OCI images the way a container runtime would, with the tools this machine can run them with.

An image is mounted read-only (`podman image mount`) and its entrypoint started by systemd-nspawn with what
`podman image inspect` says: Entrypoint and Cmd, User, Env, WorkingDir, one fresh directory per VOLUME owned by the
image's user, StopSignal to stop it, and HEALTHCHECK run inside the container as the image's user. Nothing of the
host's build is used: the processes are the images' binaries (the tests compare inodes).

Each container has a network namespace of its own on one bridge, as a runtime's default network would give it:

    mi-net     bridge br-mi 198.18.100.1/24 (the client's side)
    mi-proxy   198.18.100.10      mi-web1   198.18.100.11      mi-web2   198.18.100.12
"""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TAG = os.environ.get("MORSE_IMAGE_TAG", "test")
NET_NS = "mi-net"
BRIDGE = "br-mi"
SUBNET = "198.18.100"
ADDRESSES = {"proxy": f"{SUBNET}.10", "web1": f"{SUBNET}.11", "web2": f"{SUBNET}.12"}


def run(*argv, check=True, timeout=60, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), check=check, timeout=timeout, capture_output=True, text=True, **kwargs)


def podman(*argv) -> str:
    return run("podman", *argv).stdout


class Image:
    """One image under test: its `podman image inspect` and its mounted root file system."""

    def __init__(self, name: str):
        self.name = name
        self.reference = f"localhost/{name}:{TAG}"
        self.inspect = json.loads(podman("image", "inspect", self.reference))[0]
        self.config = self.inspect["Config"]
        self.root = Path(podman("image", "mount", self.reference).strip())

    @property
    def labels(self) -> dict:
        return self.config.get("Labels") or {}

    @property
    def user(self) -> tuple[int, int]:
        """USER as "uid:gid" numbers, as the images promise (Kubernetes' runAsNonRoot can check only a number)."""
        user, _, group = self.config.get("User", "").partition(":")
        assert user.isdigit() and group.isdigit(), f"{self.name}'s USER is {self.config.get('User')!r}, not uid:gid"
        return int(user), int(group)

    @property
    def command(self) -> list[str]:
        return (self.config.get("Entrypoint") or []) + (self.config.get("Cmd") or [])

    @property
    def healthcheck(self) -> list[str]:
        return (self.inspect.get("Healthcheck") or {}).get("Test") or []

    def nspawn(self, machine: str, *, netns: str | None = None, env: dict | None = None,
               volumes: dict | None = None, binds: list[str] | None = None) -> list[str]:
        """The nspawn command line that starts this image's process (its argv comes after)."""
        uid, _ = self.user
        argv = ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--as-pid2", "--read-only",
                "--resolv-conf=off", "--timezone=off", "--link-journal=no", "--kill-signal=SIGKILL", "--console=pipe",
                f"--directory={self.root}", f"--machine={machine}", f"--user={uid}",
                f"--chdir={self.config.get('WorkingDir') or '/'}"]
        argv.append(f"--network-namespace-path=/run/netns/{netns}" if netns else "--private-network")
        for assignment in self.config.get("Env") or []:
            argv.append(f"--setenv={assignment}")
        for key, value in (env or {}).items():
            argv.append(f"--setenv={key}={value}")
        for inside, outside in (volumes or {}).items():
            argv.append(f"--bind={outside}:{inside}")
        argv += [f"--bind-ro={bind}" for bind in binds or []]
        return argv + ["--"]

    def unmount(self):
        run("podman", "image", "unmount", self.reference, check=False)


@pytest.fixture(scope="session")
def images():
    mounted = {name: Image(name) for name in ("morse-worker", "morse-proxy", "morse")}
    yield mounted
    for image in mounted.values():
        image.unmount()


def delete_namespaces():
    for name in ("mi-proxy", "mi-web1", "mi-web2", NET_NS):
        run("ip", "netns", "delete", name, check=False)


@pytest.fixture(scope="session")
def network():
    """The bridge and one namespace per container; the machine's own network namespace is not touched."""
    delete_namespaces()
    run("ip", "netns", "add", NET_NS)
    run("ip", "-n", NET_NS, "link", "add", BRIDGE, "type", "bridge")
    run("ip", "-n", NET_NS, "address", "add", f"{SUBNET}.1/24", "dev", BRIDGE)
    run("ip", "-n", NET_NS, "link", "set", BRIDGE, "up")
    run("ip", "-n", NET_NS, "link", "set", "lo", "up")
    for host, address in ADDRESSES.items():
        ns = f"mi-{host}"
        run("ip", "netns", "add", ns)
        run("ip", "-n", NET_NS, "link", "add", f"mi-{host}", "type", "veth", "peer", "name", "eth0", "netns", ns)
        run("ip", "-n", NET_NS, "link", "set", f"mi-{host}", "master", BRIDGE, "up")
        run("ip", "-n", ns, "address", "add", f"{address}/24", "dev", "eth0")
        run("ip", "-n", ns, "link", "set", "eth0", "up")
        run("ip", "-n", ns, "link", "set", "lo", "up")
    yield ADDRESSES
    delete_namespaces()


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Container:
    """An image's entrypoint in systemd-nspawn: --as-pid2 puts nspawn's stub init at PID 1 and the image's
    process at PID 2, which is what `stop` signals, as a runtime signals its container's main process."""

    def __init__(self, image: Image, name: str, logs: Path, **options):
        self.image, self.name = image, name
        self.log_path = logs / f"{name}.log"
        self.argv = image.nspawn(name, **options) + image.command
        self.process: subprocess.Popen | None = None

    def start(self):
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def main_pid(self, timeout: float = 10) -> int:
        """The host's PID of the image's process: nspawn -> its stub init -> the entrypoint, once it has been
        executed (until then the child is a copy of nspawn's)."""
        argv0 = self.argv[self.argv.index("--") + 1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.name} exited {self.process.returncode}:\n{self.log}"
            for init in children(self.process.pid):
                for pid in children(init):
                    try:
                        if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0] == argv0.encode():
                            return pid
                    except FileNotFoundError:
                        pass
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: no process inside the container after {timeout} s")

    def exec(self, argv: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
        """argv inside the running container (its root, mounts and network) as the image's user."""
        uid, gid = self.image.user
        return run("nsenter", f"--target={self.main_pid()}", "--mount", "--net", "--root", "--wd",
                   f"--setuid={uid}", f"--setgid={gid}", "--", *argv, check=False, timeout=timeout)

    def health(self) -> subprocess.CompletedProcess:
        kind, *argv = self.image.healthcheck
        assert kind == "CMD", f"{self.image.name}'s HEALTHCHECK is {self.image.healthcheck}"
        timeout = (self.image.inspect.get("Healthcheck") or {}).get("Timeout", 30e9) / 1e9
        return self.exec(argv, timeout=timeout + 5)

    def signal_stop(self):
        """The image's STOPSIGNAL to its process, as `podman stop` begins."""
        os.kill(self.main_pid(), getattr(signal, self.image.config.get("StopSignal") or "SIGTERM"))

    def stop(self, timeout: float = 40) -> int:
        """STOPSIGNAL, then wait for the container to end: its exit status."""
        self.signal_stop()
        return self.process.wait(timeout=timeout)

    def kill(self):
        """SIGKILL to the container's PID 1 ends every process of its PID namespace; then nspawn ends."""
        if self.process and self.process.poll() is None:
            for init in children(self.process.pid):
                os.kill(init, signal.SIGKILL)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def containers(tmp_path):
    """Starts containers and, whatever the test's outcome, kills what is left of them."""
    started: list[Container] = []

    def start(image: Image, name: str, **options) -> Container:
        container = Container(image, name, tmp_path, **options).start()
        started.append(container)
        return container

    yield start
    for container in started:
        container.kill()


def volumes_for(image: Image, base: Path, name: str) -> dict:
    """A new, empty directory for each VOLUME, owned by the image's user, as a runtime makes a named volume."""
    uid, gid = image.user
    volumes = {}
    for inside in image.config.get("Volumes") or {}:
        outside = base / f"{name}{inside.replace('/', '-')}"
        outside.mkdir(parents=True)
        os.chown(outside, uid, gid)
        volumes[inside] = outside
    return volumes


def in_namespace(ns: str, *argv, timeout=60) -> subprocess.CompletedProcess:
    return run("ip", "netns", "exec", ns, *argv, check=False, timeout=timeout)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
