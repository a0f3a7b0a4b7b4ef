"""What a scenario is: the base class every registered scenario extends, its result, and the hints it gives the
report and the chart about how to show it (so that report.py and chart.py need no per-scenario code).

The registry itself, with every concrete scenario, is scenarios.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .common import Metrics, Params
from .metrics import median

if TYPE_CHECKING:
    from .cluster import Cluster
    from .fronts import Front
    from .settings import Settings

ONCE = "once"  # the key of the runs of a scenario that does not involve the fronts (per_front = False)


# ---- how the report shows a scenario: one of these three


@dataclass(frozen=True)
class MainTable:
    """A load scenario: rows in the main table (req/s, p50, p99, CPU, RSS, errors, ratios to the peers), a row in the
    ratios table, and req/s and p99 panels in the chart's top rows. Its metrics: those of load.closed_loop."""


MAIN_TABLE = MainTable()


@dataclass(frozen=True)
class Column:
    header: str
    metric: str
    spec: str = ".0f"
    per_run: bool = False  # every repetition's value, comma-separated, instead of the median


@dataclass(frozen=True)
class FrontTable:
    """A table of its own after the main table: one row per front, these columns."""

    intro: str  # after the scenario's bold title; formatted with the scenario's params
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Sentence:
    """One line after the main table, for a scenario that does not involve the fronts."""

    text: str  # after the bold title; formatted with the single run's metrics


Section = MainTable | FrontTable | Sentence


@dataclass(frozen=True)
class Panel:
    """A bar chart in the chart's bottom row: either one metric per front or some metrics of a single run."""

    title: str  # formatted with the scenario's params
    unit: str
    metric: str = ""  # per front: the median of this metric
    keys: tuple[str, ...] = ()  # not per front: these metrics of the single run, one bar each
    colors: tuple[str, ...] = ()  # of the `keys` bars
    log_above: float | None = None  # symmetric log scale when the tallest bar exceeds this (failures: 0 vs 10^5)


# ---- the scenario


@dataclass
class Context:
    """What a scenario runs with."""

    settings: Settings
    cluster: Cluster


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One thing measured through every front. Subclasses implement run (or run_once when per_front is False)."""

    name: str  # how the code, --scenarios and the JSON name it
    label: str  # its letter in tables and --scenarios, as in reports before the names existed
    caption: str  # what tables and the chart call it, after "(label)"
    help: str  # its line in --help
    chart_caption: str = ""  # a shorter caption for the chart, when the caption is long
    per_front: bool = True  # False: run once, not per front and repetition (the core throughput)
    # Rows it starts and measures itself instead of the cluster's fronts (run_row, not run); the first row that is
    # a front's name is judged as that front by the goals.
    own_rows: tuple[str, ...] = ()
    repetitions: int | None = None  # its own count of runs per row instead of --reps (one that repeats within a run)
    section: Section = MAIN_TABLE
    panels: tuple[Panel, ...] = ()  # in the chart's bottom row

    @property
    def title(self) -> str:
        return f"({self.label}) {self.caption}"

    def check(self, ctx: Context) -> Params:
        """Before anything is measured: that what it requests answers, and parameters fixed for the run."""
        return {}

    def prepare(self, ctx: Context, results: dict[str, ScenarioResult]) -> Params:
        """Right before its runs: parameters that depend on earlier scenarios' results (e.g. a rate)."""
        return {}

    def run(self, ctx: Context, front: Front, params: Params) -> Metrics:
        raise NotImplementedError(f"{self.name} runs per front but has no run()")

    def run_once(self, ctx: Context, params: Params) -> Metrics:
        raise NotImplementedError(f"{self.name} runs once but has no run_once()")

    def run_row(self, ctx: Context, row: str, params: Params) -> Metrics:
        raise NotImplementedError(f"{self.name} has own rows but no run_row()")

    def notes(self, params: Params) -> list[str]:
        """Lines the report prints after the scenario's table (e.g. the exact commands it ran)."""
        return []

    def describe(self, metrics: Metrics, front: Front | None) -> str:
        """One run in the log."""
        m = metrics
        text = (f"{m['rps']:8.0f} rps  p50 {m['p50']:.3f} ms  p99 {m['p99']:.3f} ms  CPU {m['cpu10k']:.3f} s/10k  "
                f"RSS {m['rss_mib']:.1f} MiB")
        if "p999" in m:
            text += f"  p99.9 {m['p999']:.3f} ms"
        if m.get("errors"):
            text += f"  ERRORS {m['errors']:.0f}"
        return text

    def table_title(self, params: Params) -> str:
        return self.title

    def chart_title(self, params: Params) -> str:
        return f"({self.label}) {self.chart_caption or self.caption}"


@dataclass
class ScenarioResult:
    """Every run of one scenario, and the parameters it ran with."""

    scenario: Scenario
    params: Params = field(default_factory=dict)
    runs: dict[str, list[Metrics]] = field(default_factory=dict)  # front name (or ONCE) -> one per repetition

    def values(self, front: str, metric: str) -> list[float]:
        return [run[metric] for run in self.runs.get(front, []) if metric in run]

    def median(self, front: str, metric: str) -> float:
        return median(self.values(front, metric))

    @property
    def single(self) -> Metrics:
        """The run of a scenario that runs once."""
        return self.runs[ONCE][0]

    def to_json(self) -> dict[str, object]:
        return {"label": self.scenario.label, "title": self.scenario.title, "params": self.params, "runs": self.runs}
