"""Starting, probing and stopping the processes the harness runs, and calling bench/lib/fronts.sh."""

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from .common import FRONTS_SH, BenchError

T = TypeVar("T")


@dataclass
class Process:
    """A started process with the name the log uses and the file its output goes to."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def exited(self) -> bool:
        return self.popen.poll() is not None


class Processes:
    """Every process the harness starts; stop_all ends them by their own ids, never by name."""

    def __init__(self) -> None:
        self.started: list[Process] = []
        self._logs: list[IO[bytes]] = []

    def start(self, name: str, argv: list[str], log_path: Path) -> Process:
        out = open(log_path, "ab")  # open for the process's whole life: closed in stop_all
        self._logs.append(out)
        try:
            popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        except FileNotFoundError as e:
            raise BenchError(f"cannot start {name}: {e}") from e
        process = Process(name, popen, log_path)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if not process.exited():
                process.popen.terminate()
        deadline = time.monotonic() + 5  # one deadline for all: they stop in parallel
        for process in self.started:
            try:
                process.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
        for out in self._logs:
            out.close()


def tool(name: str) -> str:
    """The path of a required program (haproxy and nginx live in /usr/sbin, not always on PATH)."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if not path:
        raise BenchError(f"{name} is not installed: run scripts/install-deps.sh bench")
    return path


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1, all bound at once so that the kernel cannot hand out one of them twice."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes


def http_get(port: int, path: str, timeout: float = 2.0) -> Response | None:
    """GET on 127.0.0.1; None when nothing answered (refused, reset, timed out)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return Response(r.status, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read())
    except OSError:
        return None


def answers_200(port: int, path: str) -> bool:
    response = http_get(port, path)
    return response is not None and response.status == 200


def stats_socket_command(path: Path, command: str) -> str | None:
    """One command on HAProxy's stats socket (or its master CLI) and its whole answer; None when nothing answered."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1)
            s.connect(str(path))
            s.sendall(command.encode() + b"\n")
            s.shutdown(socket.SHUT_WR)  # the master CLI answers, then closes, once the client has said all
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    except OSError:
        return None
    return data.decode(errors="replace")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def poll(check: Callable[[], T | None], limit: float, interval: float = 0.1) -> T | None:
    """`check`'s first true value, asked every `interval` seconds; None after `limit` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(interval)
    return None


def wait_for(what: str, check: Callable[[], bool], timeout: float, process: Process | None = None) -> None:
    """Polls `check` until it is true; fails early, with the log's tail, when `process` exits meanwhile."""

    def ready() -> bool:
        if process is not None and process.exited():
            raise BenchError(f"{what}: process exited with {process.popen.returncode}; log: {tail(process.log_path)}")
        return check()

    if not poll(ready, timeout):
        log_tail = f"; log: {tail(process.log_path)}" if process else ""
        raise BenchError(f"{what}: not ready after {timeout:.0f}s{log_tail}")


def fronts_sh(function: str, *args: object, env: dict[str, str] | None = None) -> str:
    """The output of one bench/lib/fronts.sh function (a configuration, flags, or a wrk_measure line)."""
    r = subprocess.run(fronts_sh_argv(function, *args), capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    if r.returncode != 0:
        raise BenchError(f"bench/lib/fronts.sh {function} failed: {r.stderr.strip()}")
    return r.stdout


def fronts_sh_argv(function: str, *args: object) -> list[str]:
    """The command line of a fronts.sh function, for callers that run it in the background."""
    return ["bash", str(FRONTS_SH), function, *map(str, args)]
