"""What every module of the harness shares: where the repository is, the log, the one error type."""

import sys
import time
from pathlib import Path
from typing import TypeAlias

ROOT = Path(__file__).resolve().parents[2]
FRONTS_SH = ROOT / "bench" / "lib" / "fronts.sh"  # peer configurations and wrk_measure, shared with bench/proxy/
CORE_BENCH = ROOT / "bench" / "core" / "bench.sh"

Metrics: TypeAlias = dict[str, float]  # one run's measurements by name (metrics.METRICS lists the known ones)
Params: TypeAlias = dict[str, float]  # a scenario's parameters for the whole run: a rate, a response size, a count

_START = time.monotonic()


class BenchError(Exception):
    """A failure that stops the run with a one-line reason instead of a traceback."""


def elapsed() -> float:
    return time.monotonic() - _START


def log(message: str) -> None:
    # stderr: stdout carries only the summary table, so that it can be piped or compared.
    print(f"[bench {elapsed():6.1f}s] {message}", file=sys.stderr, flush=True)
