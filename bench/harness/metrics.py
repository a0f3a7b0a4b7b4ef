"""Names, units and formats of what the scenarios measure, and the arithmetic that must survive a missing value.

A value that could not be measured is NaN (float("nan")): it prints as "–", compares false (a goal on it is
missed) and is left out of medians.
"""

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    label: str  # how goals and the log name it
    unit: str  # "" when it counts things
    spec: str  # format spec of one value


METRICS: dict[str, Metric] = {
    "requests": Metric("requests", "", ".0f"),
    "rps": Metric("rps", "req/s", ".0f"),
    "p50": Metric("p50", "ms", ".3f"),
    "p99": Metric("p99", "ms", ".3f"),
    "p999": Metric("p99.9", "ms", ".3f"),
    "cpu10k": Metric("CPU/request", "s/10k", ".3f"),  # CPU seconds of the front per 10,000 requests
    "rss_mib": Metric("RSS", "MiB", ".1f"),
    "rss_before": Metric("RSS before", "MiB", ".1f"),
    "peak_mib": Metric("peak RSS", "MiB", ".1f"),
    "errors": Metric("failed requests", "", ".0f"),
    "held": Metric("held", "", ".0f"),
    "answered": Metric("answered", "", ".0f"),
    "kib_per_conn": Metric("RSS growth per idle connection", "KiB", ".2f"),
    # RSS before the front's next run (at least one other front's run later) over RSS before this run: whether the
    # memory a scenario took was given back
    "rss_return": Metric("RSS after / before", "", ".2f"),
    # the upgrade scenario: morsectl load's failures by kind, and what the upgrades took
    "refused": Metric("refused connections", "", ".0f"),
    "reset": Metric("connections reset or closed without an answer", "", ".0f"),
    "http_502": Metric("HTTP 502", "", ".0f"),
    "timed_out": Metric("requests timed out (10 s)", "", ".0f"),
    "failed_other": Metric("other failures", "", ".0f"),
    "p99_without": Metric("p99 without upgrades", "ms", ".1f"),
    "p99_ratio": Metric("p99 during / without upgrades", "", ".2f"),
    "upgrades": Metric("upgrades done", "", ".0f"),
    "serving_s": Metric("seconds until the new process serves", "s", ".3f"),
    "serving_max_s": Metric("longest wait until the new process serves", "s", ".3f"),
    "old_gone_s": Metric("seconds until the old process has exited", "s", ".2f"),
}


def median(values: Iterable[float]) -> float:
    present = [v for v in values if not math.isnan(v)]
    return statistics.median(present) if present else math.nan


def total(values: list[float]) -> float:
    """The sum, NaN when nothing was measured: no runs must not read as "0 failures"."""
    return math.fsum(values) if values else math.nan


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is 0 or missing (no crash on an idle front)."""
    if math.isnan(denominator) or denominator == 0:
        return math.nan
    return numerator / denominator


def fmt(value: float | None, spec: str) -> str:
    return "–" if value is None or math.isnan(value) else format(value, spec)


def fmt_metric(value: float, metric: str) -> str:
    """A value with its metric's format and unit: "13.2 MiB", "0.305 s/10k", "0"."""
    m = METRICS[metric]
    return fmt(value, m.spec) + (f" {m.unit}" if m.unit else "")
