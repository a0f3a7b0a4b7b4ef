"""Speed: the core's, as seconds of audio per CPU second (user + system of `morse decode-audio`, best of a few
runs, start-up and WAV reading included) on long recordings; and, when a worker binary is given, what the API adds:
the wall time of POST /api/v1/decode/audio against the CLI's wall time on the same file."""

import json
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import cer, procs
from .corpus import Long


@dataclass(frozen=True)
class CoreSpeed:
    file: str
    sample_rate: int
    audio_s: float
    cpu_s: float  # best of the runs
    wall_s: float  # best of the runs
    runs: int
    cer: float  # of the long recording's transcript, as a check that the decoder worked
    error: str | None = None

    @property
    def realtime(self) -> float:
        return self.audio_s / self.cpu_s if self.cpu_s > 0 and not self.error else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "realtime": self.realtime}


def core(morse: Path, long: Long, directory: Path, runs: int) -> CoreSpeed:
    best_cpu = best_wall = float("inf")
    text = ""
    for _ in range(runs):
        ran = procs.run([str(morse), "decode-audio", str(directory / long.file), "--json"], timeout_s=1800)
        if ran.returncode != 0:
            return CoreSpeed(long.file, long.sample_rate, long.duration_s, ran.cpu_s, ran.wall_s, runs,
                             float("nan"), error=f"exit {ran.returncode}: {ran.stderr.strip()[-200:]}")
        best_cpu, best_wall = min(best_cpu, ran.cpu_s), min(best_wall, ran.wall_s)
        try:
            text = str(json.loads(ran.stdout)["text"])
        except (ValueError, KeyError, TypeError):
            text = ""
    d, n = cer.distance(long.text, text)
    return CoreSpeed(long.file, long.sample_rate, long.duration_s, best_cpu, best_wall, runs, d / n if n else 0.0)


@dataclass(frozen=True)
class ApiSpeed:
    file: str
    bytes: int
    api_wall_s: float  # best of the runs
    cli_wall_s: float  # best of the runs, same file
    runs: int
    error: str | None = None

    @property
    def ratio(self) -> float:
        return self.api_wall_s / self.cli_wall_s if self.cli_wall_s > 0 and not self.error else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return int(r.status)
    except (urllib.error.URLError, OSError):
        return 0


def post(url: str, body: bytes, timeout: float = 600.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "audio/wav"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return int(r.status), r.read()
    except urllib.error.HTTPError as e:
        return int(e.code), e.read()


AUDIO_PATH = "/api/v1/decode/audio"


def api(worker: Path, long: Long, directory: Path, cli_wall_s: float, runs: int, extra_args: list[str]) -> ApiSpeed:
    """Starts `worker` on a free loopback port with its own SQLite file, POSTs the recording `runs` times (plus one
    warm-up) and stops it (SIGTERM, then SIGKILL after 10 s)."""
    body = (directory / long.file).read_bytes()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="morse-bench-audio-worker.") as work:
        log = Path(work) / "worker.log"
        argv = [str(worker), "--host", "127.0.0.1", "--port", str(port), "--name", "bench-audio",
                "--database", f"sqlite:{work}/worker.db", "--log-level", "warning", "--drain-seconds", "0",
                *extra_args]
        with log.open("wb") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while get(f"http://127.0.0.1:{port}/readyz") != 200:
                if proc.poll() is not None or time.monotonic() > deadline:
                    return ApiSpeed(long.file, len(body), float("nan"), cli_wall_s, runs,
                                    error=f"worker not ready: {log.read_text(errors='replace')[-300:]}")
                time.sleep(0.2)
            best = float("inf")
            for attempt in range(runs + 1):  # the first one warms up
                start = time.perf_counter()
                status, answer = post(f"http://127.0.0.1:{port}{AUDIO_PATH}", body)
                wall = time.perf_counter() - start
                if status != 200:
                    return ApiSpeed(long.file, len(body), float("nan"), cli_wall_s, runs,
                                    error=f"HTTP {status}: {answer[:200].decode(errors='replace')}")
                if attempt:
                    best = min(best, wall)
            return ApiSpeed(long.file, len(body), best, cli_wall_s, runs)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
