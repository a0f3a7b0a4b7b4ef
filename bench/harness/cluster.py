"""The system under test: two morse-workers (SQLite) and every registered front, all on 127.0.0.1."""

import signal
from pathlib import Path

from .common import BenchError, log
from .fronts import FRONTS, Front
from .procs import Process, Processes, answers_200, free_ports, tail, wait_for

WORKERS = ("w1", "w2")


class Cluster:
    def __init__(self, bin_dir: Path, work: Path, morsectl: Path) -> None:
        self.bin_dir, self.work = bin_dir, work
        self.morsectl = morsectl  # the load of the upgrade scenario (`morsectl load`)
        self.processes = Processes()
        ports = iter(free_ports(len(WORKERS) + sum(f.ports_needed for f in FRONTS)))
        self.worker_ports = {name: next(ports) for name in WORKERS}
        self.servers = [f"{name}=127.0.0.1:{port}" for name, port in self.worker_ports.items()]
        self.workers: dict[str, Process] = {}
        self.fronts: list[Front] = [kind(self, ports) for kind in FRONTS]

    def front(self, name: str) -> Front:
        return next(f for f in self.fronts if f.name == name)

    def start(self) -> None:
        log(f"starting workers {', '.join(f'{n} :{p}' for n, p in self.worker_ports.items())} (SQLite in {self.work})")
        for name in WORKERS:
            self.start_worker(name)
        log("starting fronts: " + ", ".join(f"{f.name} :{f.port}" for f in self.fronts))
        for front in self.fronts:
            front.start()
        for front in self.fronts:
            front.wait_ready()
        self.wait_backends_up()

    def start_worker(self, name: str) -> Process:
        port = self.worker_ports[name]
        process = self.processes.start(name, [
            str(self.bin_dir / "morse-worker"), "--host", "127.0.0.1", "--port", str(port), "--name", name,
            "--database", f"sqlite:{self.work / (name + '.db')}", "--log-level", "warning", "--drain-seconds", "0",
        ], self.work / f"{name}.log")
        wait_for(f"worker {name} /readyz", lambda: answers_200(port, "/readyz"), 60, process)
        self.workers[name] = process
        return process

    def kill_worker(self, name: str) -> None:
        """SIGKILL: no drain, no goodbye; the fronts find out from failed requests and health checks."""
        self.workers[name].popen.send_signal(signal.SIGKILL)
        self.workers[name].popen.wait()

    def wait_backends_up(self, timeout: float = 15) -> None:
        """Until every front with health checks sees every worker up again: a run starts from a whole cluster."""
        wait_for("both workers up in morse-proxy and HAProxy", lambda: all(f.backends_up() for f in self.fronts),
                 timeout)

    def check_alive(self) -> None:
        for front in self.fronts:
            if front.process is not None and front.process.exited():
                raise BenchError(f"{front.name} exited ({front.process.popen.returncode}); log: "
                                 f"{tail(front.process.log_path)}")

    def stop(self) -> None:
        self.processes.stop_all()
