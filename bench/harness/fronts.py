"""The fronts every scenario measures through, side by side: direct, morse-proxy, HAProxy and nginx.

A front is a small class: its name, how the report and the chart show it, how it starts, and how to tell that it
sees both workers up. The cluster makes one instance of each class in FRONTS, in this order, which is the order of
the interleaved runs and of every table's rows. The peers' configurations come from bench/lib/fronts.sh, shared with
bench/proxy/bench.sh, so that both measure HAProxy and nginx the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from .procs import Process, answers_200, fronts_sh, http_get, stats_socket_command, tool, wait_for

if TYPE_CHECKING:
    from .cluster import Cluster


class Front:
    name: ClassVar[str]  # in tables, logs, the JSON and --help
    display: ClassVar[str]  # in prose: goal names, ratio headings ("HAProxy")
    color: ClassVar[str]  # its bars in the chart
    description: ClassVar[str]  # its configuration, after its name in the report's "Fronts:" paragraph
    peer: ClassVar[bool] = False  # morse-proxy is compared with it: ratio columns, goals
    ports_needed: ClassVar[int] = 1  # listening ports it takes from the cluster's allocation

    def __init__(self, cluster: Cluster, ports: Iterator[int], work: Path | None = None) -> None:
        self.cluster = cluster
        self.work = work or cluster.work  # its configuration, logs and sockets (another instance: another directory)
        self.port = next(ports) if self.ports_needed else 0
        self.process: Process | None = None

    def start(self) -> None:
        """Starts the front's process (it is waited for in wait_ready)."""

    def wait_ready(self) -> None:
        if self.process is not None:
            wait_for(f"{self.name} /healthz", lambda: answers_200(self.port, "/healthz"), 30, self.process)

    def backends_up(self) -> bool:
        """Whether the front sees every worker up (a front without health checks has nothing to wait for)."""
        return True

    def reaches(self) -> tuple[str, ...]:
        """The workers this front sends requests to."""
        return tuple(self.cluster.worker_ports)

    @property
    def pid(self) -> int:
        """The process whose CPU and memory are the front's cost."""
        assert self.process is not None, f"{self.name} is not started"
        return self.process.pid

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


class Direct(Front):
    """No proxy: the first worker itself, to show what any front costs."""

    name = "direct"
    display = "direct"
    color = "#7f7f7f"
    description = "= one worker, no proxy"
    ports_needed = 0

    def __init__(self, cluster: Cluster, ports: Iterator[int], work: Path | None = None) -> None:
        super().__init__(cluster, ports, work)
        self.worker = next(iter(cluster.worker_ports))
        self.port = cluster.worker_ports[self.worker]

    def reaches(self) -> tuple[str, ...]:
        return (self.worker,)

    @property
    def pid(self) -> int:
        return self.cluster.workers[self.worker].pid  # looked up each time: a killed worker comes back anew


class MorseProxy(Front):
    name = "morse-proxy"
    display = "morse-proxy"
    color = "#d62728"
    description = "(release, access log off, checks every 2 s, retries 2)"
    ports_needed = 2  # the proxy and its admin API (backend states)

    def __init__(self, cluster: Cluster, ports: Iterator[int], work: Path | None = None) -> None:
        super().__init__(cluster, ports, work)
        self.admin_port = next(ports)

    def argv(self) -> list[str]:
        flags = fronts_sh("morse_proxy_args", self.port, *self.cluster.servers,
                          env={"MORSE_ADMIN": f"127.0.0.1:{self.admin_port}"}).split("\n")
        return [str(self.cluster.bin_dir / "morse-proxy"), *filter(None, flags)]

    def start(self) -> None:
        self.process = self.cluster.processes.start(self.name, self.argv(), self.work / "morse-proxy.log")

    def status(self) -> dict[str, object]:
        """The admin API's /status; empty when nothing answered."""
        r = http_get(self.admin_port, "/status")
        return json.loads(r.body) if r and r.status == 200 else {}

    def backends_up(self) -> bool:
        backends = self.status().get("backends", [])
        states = [b.get("state") for b in backends] if isinstance(backends, list) else []
        return states == ["up"] * len(self.cluster.worker_ports)


class HAProxy(Front):
    name = "haproxy"
    display = "HAProxy"
    color = "#1f77b4"
    description = ("(nbthread 1, http-reuse always, retries 3, option redispatch 1, retry-on conn-failure "
                   "empty-response, checks inter 2s rise 2 fall 3)")
    peer = True

    def __init__(self, cluster: Cluster, ports: Iterator[int], work: Path | None = None) -> None:
        super().__init__(cluster, ports, work)
        self.stats_socket = self.work / "haproxy.sock"

    def write_config(self, env: dict[str, str] | None = None) -> Path:
        config = self.work / "haproxy.cfg"
        config.write_text(fronts_sh("haproxy_conf", self.port, *self.cluster.servers,
                                    env={"HAPROXY_STATS_SOCKET": str(self.stats_socket), **(env or {})}))
        return config

    def start(self) -> None:
        self.process = self.cluster.processes.start(
            self.name, [tool("haproxy"), "-f", str(self.write_config()), "-db"], self.work / "haproxy.log")

    def backends_up(self) -> bool:
        data = stats_socket_command(self.stats_socket, "show stat")
        if data is None:
            return False
        # CSV rows of backend "be" (fronts.sh's name), one per server; field 17 is the status
        rows = [line.split(",") for line in data.splitlines()
                if any(line.startswith(f"be,{worker},") for worker in self.cluster.worker_ports)]
        return len(rows) == len(self.cluster.worker_ports) and all(row[17].startswith("UP") for row in rows)


class Nginx(Front):
    name = "nginx"
    display = "nginx"
    color = "#2ca02c"
    description = "(one process, upstream keepalive 64, HTTP/1.1, access_log off)"
    peer = True

    def write_config(self, env: dict[str, str] | None = None) -> Path:
        config = self.work / "nginx.conf"
        config.write_text(fronts_sh("nginx_front_conf", self.work, self.port, *self.cluster.servers, env=env))
        return config

    def start(self) -> None:
        self.process = self.cluster.processes.start(
            self.name, [tool("nginx"), "-c", str(self.write_config()), "-p", str(self.work)],
            self.work / "nginx.log")


# The registry: every front, in the order of the runs and of the tables' rows.
FRONTS: tuple[type[Front], ...] = (Direct, MorseProxy, HAProxy, Nginx)
SUBJECT = MorseProxy.name  # the front the goals and the ratios are about
PEERS: tuple[type[Front], ...] = tuple(f for f in FRONTS if f.peer)
FRONT_NAMES: tuple[str, ...] = tuple(f.name for f in FRONTS)


def front_type(name: str) -> type[Front]:
    return next(f for f in FRONTS if f.name == name)
