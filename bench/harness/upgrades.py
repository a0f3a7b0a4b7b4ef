"""The fronts of the upgrade scenario: each started anew beside the cluster's (its own ports and directory),
upgraded again and again under load, then stopped.

Each knows the command an operator types to upgrade it (the report prints it), how the harness tells that the new
process serves, and which processes are the front's while the old and the new one overlap (their memory together
is what an upgrade costs). The negative control, a morse-proxy stopped and started again, is one of them.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar

from . import measure, procs
from .common import BenchError
from .fronts import HAProxy, MorseProxy, Nginx
from .procs import answers_200, stats_socket_command, tail, tool, wait_for

if TYPE_CHECKING:
    from .cluster import Cluster

T = TypeVar("T")
POLL = 0.02  # seconds between probes while timing an upgrade
SERVING_LIMIT = 60.0  # a new process that does not serve by then failed the upgrade
GONE_LIMIT = 60.0  # morse-proxy's default grace is 30 s: an old process still there after this is reported, NaN


@dataclass(frozen=True)
class UpgradeTiming:
    serving_s: float  # from the command until the new process serves
    old_gone_s: float  # from the command until every old process has exited; NaN when still there at GONE_LIMIT


def poll(check: Callable[[], T | None], limit: float) -> T | None:
    """procs.poll, often enough to time an upgrade."""
    return procs.poll(check, limit, interval=POLL)


def wait_gone(pids: list[int], started: float) -> float:
    """Seconds from `started` until none of `pids` runs; NaN when one still does after GONE_LIMIT."""
    if poll(lambda: all(measure.gone(p) for p in pids), GONE_LIMIT):
        return time.monotonic() - started
    return math.nan


def signal_all(pids: set[int], number: int) -> None:
    for pid in pids:
        if not measure.gone(pid):
            try:
                os.kill(pid, number)
            except ProcessLookupError:
                pass


def terminate(roots: set[int]) -> None:
    """SIGTERM to a front's processes, SIGKILL to what is left after 10 s: nothing outlives its run."""
    everything = measure.tree(roots)
    signal_all(everything, signal.SIGTERM)
    if not poll(lambda: all(measure.gone(p) for p in everything), 10):
        signal_all(measure.tree(everything), signal.SIGKILL)
        poll(lambda: all(measure.gone(p) for p in everything), 5)


class UpgradableFront(Protocol):
    """What the scenario uses: a Front's start, wait_ready and url, and Upgradable's own."""

    row: str
    command: str

    def start(self) -> None: ...
    def wait_ready(self) -> None: ...
    def url(self, path: str) -> str: ...
    def upgrade(self) -> UpgradeTiming: ...
    def roots(self) -> set[int]: ...
    def stop(self) -> None: ...


class Upgradable:
    """Mixed into a Front: what it adds for the scenario."""

    row: ClassVar[str]  # its row in the table (the front's name, or the control's)
    command: ClassVar[str]  # the operator's command, in the report

    def upgrade(self) -> UpgradeTiming:
        raise NotImplementedError

    def roots(self) -> set[int]:
        """The front's processes now: old and new while they overlap (their children are counted with them)."""
        raise NotImplementedError

    def stop(self) -> None:
        terminate(self.roots())


class MorseProxyRow(MorseProxy, Upgradable):
    """What both morse-proxy rows share: every process they started, and which one answers the admin API."""

    def __init__(self, cluster: Cluster, ports: Iterator[int], work: Path | None = None) -> None:
        super().__init__(cluster, ports, work)
        self.pids: list[int] = []  # every process of this front so far; the last one serves

    def start(self) -> None:
        super().start()
        assert self.process is not None
        self.pids.append(self.process.pid)

    def serving_pid(self) -> int | None:
        pid = self.status().get("pid")  # the process that accepted this admin connection
        return pid if isinstance(pid, int) else None

    def wait_ready(self) -> None:
        wait_for(f"{self.row} answering /status with every worker up",
                 lambda: self.serving_pid() == self.pids[-1] and self.backends_up(), 30, self.process)

    def roots(self) -> set[int]:
        return set(self.pids)  # a hand-over's successor is the old one's child until the old one exits


class MorseProxyHandOver(MorseProxyRow):
    """morse-proxy under SIGUSR2: it starts the binary at its own path with --take-over, which takes the listening
    sockets over the upgrade socket (SCM_RIGHTS) and serves; the old process quiesces and exits."""

    row = "morse-proxy"
    command = ("`kill -USR2 PID` (under systemd: `systemctl kill --kill-who=main --signal=SIGUSR2 morse-proxy`); "
               "morse-proxy runs with `--upgrade-socket PATH`")

    def argv(self) -> list[str]:
        return [*super().argv(), "--upgrade-socket", str(self.work / "upgrade.sock")]

    def upgrade(self) -> UpgradeTiming:
        old = self.pids[-1]
        started = time.monotonic()
        os.kill(old, signal.SIGUSR2)
        new = poll(lambda: (pid := self.serving_pid()) not in (None, old) and pid, SERVING_LIMIT)
        if not new:
            raise BenchError(f"{self.row}: no new process served {SERVING_LIMIT:.0f} s after SIGUSR2; log: "
                             f"{tail(self.work / 'morse-proxy.log')}")
        serving = time.monotonic() - started
        self.pids.append(new)
        return UpgradeTiming(serving, wait_gone([old], started))


class MorseProxyRestart(MorseProxyRow):
    """The negative control: what the hand-over avoids. SIGTERM, and once the old process has exited, a new one with
    the same flags -- `systemctl restart`."""

    row = "morse-proxy, SIGTERM + start (control)"
    command = "`kill -TERM PID`, and once it has exited `morse-proxy` with the same flags (`systemctl restart`)"

    def upgrade(self) -> UpgradeTiming:
        old = self.pids[-1]
        started = time.monotonic()
        os.kill(old, signal.SIGTERM)
        gone = wait_gone([old], started)
        self.start()
        new = self.pids[-1]
        if not poll(lambda: self.serving_pid() == new, SERVING_LIMIT):
            raise BenchError(f"{self.row}: the new process did not serve after {SERVING_LIMIT:.0f} s")
        return UpgradeTiming(time.monotonic() - started, gone)


class HAProxySeamless(HAProxy, Upgradable):
    """HAProxy in master-worker mode: SIGUSR2 makes the master execute the binary again; with `expose-fd listeners`
    on the stats socket it adds `-x` and the new worker takes the listening sockets from the old one, which
    finishes its connections and exits."""

    row = "haproxy"
    command = ("`kill -USR2 MASTER` (`haproxy -W -S master.sock -f haproxy.cfg`, stats socket `expose-fd listeners`: "
               "the master executes the binary again with `-x SOCKET`); the next one once `show proc` on the master "
               "CLI lists the new worker")

    def __init__(self, cluster: Cluster, ports: Iterator[int], work: Path | None = None) -> None:
        super().__init__(cluster, ports, work)
        # The master CLI: a SIGUSR2 that comes while the master, executed again, is still starting is lost (seen
        # here: 2 of 6 sent as soon as the new worker served); it answers once the master can take the next one.
        self.master_socket = self.work / "master.sock"

    def start(self) -> None:
        config = self.write_config({"HAPROXY_SEAMLESS": "1"})
        self.process = self.cluster.processes.start(
            self.row, [tool("haproxy"), "-W", "-db", "-S", str(self.master_socket), "-f", str(config)],
            self.work / "haproxy.log")

    def worker_pid(self) -> int | None:
        """The worker that answers the stats socket: after a reload, the new one."""
        info = stats_socket_command(self.stats_socket, "show info") or ""
        pid = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Pid:")), "")
        return int(pid) if pid.isdigit() else None

    def wait_ready(self) -> None:
        super().wait_ready()
        wait_for(f"{self.row} with every worker up", self.backends_up, 30, self.process)

    def upgrade(self) -> UpgradeTiming:
        assert self.process is not None
        old = self.worker_pid()
        if old is None:
            raise BenchError(f"{self.row}: the stats socket does not answer")
        started = time.monotonic()
        os.kill(self.process.pid, signal.SIGUSR2)
        new = poll(lambda: (pid := self.worker_pid()) not in (None, old) and pid, SERVING_LIMIT)
        if not new:
            raise BenchError(f"{self.row}: no new worker after SIGUSR2; log: {tail(self.work / 'haproxy.log')}")
        serving = time.monotonic() - started
        gone = wait_gone([old], started)
        poll(lambda: f"{new} " in (stats_socket_command(self.master_socket, "show proc") or ""), SERVING_LIMIT)
        return UpgradeTiming(serving, gone)

    def roots(self) -> set[int]:
        return {self.process.pid} if self.process else set()


class NginxBinaryUpgrade(Nginx, Upgradable):
    """nginx's binary upgrade: SIGUSR2 starts the new binary beside the old one (the listening sockets inherited),
    SIGWINCH makes the old workers finish, SIGQUIT ends the old master."""

    row = "nginx"
    command = ("`kill -USR2 MASTER`; once the new master's worker runs `kill -WINCH OLD`; once the old workers have "
               "exited `kill -QUIT OLD` (OLD from `nginx.pid.oldbin`; nginx runs as a daemon with a master)")

    def __init__(self, cluster: Cluster, ports: Iterator[int], work: Path | None = None) -> None:
        super().__init__(cluster, ports, work)
        self.pid_file = self.work / "front.pid"  # fronts.sh's nginx_front_conf names it
        self.masters: list[int] = []

    def start(self) -> None:
        config = self.write_config({"NGINX_MASTER": "1"})
        r = subprocess.run([tool("nginx"), "-c", str(config), "-p", str(self.work)], capture_output=True, text=True,
                           timeout=30)  # it forks a daemon and returns
        if r.returncode != 0:
            raise BenchError(f"nginx (master process) did not start: {r.stderr.strip()[-500:]}")
        master = poll(self.pid_in_file, 10)
        if not master:
            raise BenchError(f"nginx wrote no pid file {self.pid_file}")
        self.masters = [master]

    def wait_ready(self) -> None:
        wait_for(f"{self.row} /healthz", lambda: answers_200(self.port, "/healthz"), 30)

    def pid_in_file(self) -> int | None:
        try:
            return int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def upgrade(self) -> UpgradeTiming:
        old = self.masters[-1]
        started = time.monotonic()
        os.kill(old, signal.SIGUSR2)
        new = poll(lambda: (pid := self.pid_in_file()) not in (None, old) and measure.children(pid) and pid,
                   SERVING_LIMIT)
        if not new:
            raise BenchError(f"{self.row}: no new master with a worker after SIGUSR2; error log: "
                             f"{tail(self.work / 'front.err')}")
        serving = time.monotonic() - started
        self.masters.append(new)
        os.kill(old, signal.SIGWINCH)
        poll(lambda: measure.children(old) == [new], GONE_LIMIT)  # the new master is the old one's child too
        os.kill(old, signal.SIGQUIT)
        return UpgradeTiming(serving, wait_gone([old], started))

    def roots(self) -> set[int]:
        return set(self.masters)


# The rows of the upgrade scenario, in the table's order: the subject, its peers, the negative control.
UPGRADABLE: tuple[type[Upgradable], ...] = (MorseProxyHandOver, HAProxySeamless, NginxBinaryUpgrade,
                                           MorseProxyRestart)
UPGRADE_ROWS: tuple[str, ...] = tuple(u.row for u in UPGRADABLE)


def upgradable(row: str, cluster: Cluster, ports: Iterator[int], work: Path) -> UpgradableFront:
    """A new, not yet started instance of the row's front, in `work`."""
    kind = next(u for u in UPGRADABLE if u.row == row)
    work.mkdir(parents=True, exist_ok=True)
    front: UpgradableFront = kind(cluster, ports, work)  # type: ignore[call-arg,assignment]  # each is a Front too
    return front


class PeakMemory:
    """The front's processes' resident memory summed, sampled every 10 ms in a thread: the peak of old and new
    together while they overlap (for tens of milliseconds)."""

    def __init__(self, roots: Callable[[], set[int]]) -> None:
        self.roots = roots
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, measure.tree_rss_mib(self.roots()))
            self._stop.wait(0.01)
