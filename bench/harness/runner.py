"""Runs the selected scenarios: each (front, scenario) `reps` times, the fronts interleaved (A B C D A B C D ...)
so that a shift in the shared machine's load falls on every front alike."""

import time
from dataclasses import dataclass

from . import goals, measure
from .common import Metrics, log
from .fronts import FRONT_NAMES, Front
from .machine import Machine
from .scenario import ONCE, Context, Scenario, ScenarioResult
from .settings import Settings


@dataclass
class Outcome:
    """Everything the report, the chart and the JSON are made from."""

    settings: Settings
    machine: Machine
    results: dict[str, ScenarioResult]  # scenario name -> its runs, in the registry's order
    verdicts: list[goals.Verdict]

    @property
    def missed(self) -> list[goals.Verdict]:
        return [v for v in self.verdicts if not v.met]


def run(ctx: Context, scenarios: tuple[Scenario, ...]) -> dict[str, ScenarioResult]:
    # every scenario's check first: a broken path fails the run at once, not ten minutes in
    results = {s.name: ScenarioResult(s, params=s.check(ctx)) for s in scenarios}
    total = sum((s.repetitions or ctx.settings.reps) * len(s.own_rows or FRONT_NAMES) for s in scenarios
                if s.per_front)
    done = 0
    returned = RSSReturn()
    for scenario in scenarios:
        result = results[scenario.name]
        result.params.update(scenario.prepare(ctx, results))
        if not scenario.per_front:
            metrics = scenario.run_once(ctx, result.params)
            result.runs[ONCE] = [metrics]
            log(f"({scenario.label}) {scenario.describe(metrics, None)}")
            continue
        result.runs = {name: [] for name in scenario.own_rows or FRONT_NAMES}
        for rep in range(1, (scenario.repetitions or ctx.settings.reps) + 1):
            for row in result.runs:
                ctx.cluster.check_alive()
                done += 1
                front = None
                if scenario.own_rows:
                    metrics = scenario.run_row(ctx, row, result.params)
                else:
                    front = ctx.cluster.front(row)
                    returned.measure(front)
                    metrics = scenario.run(ctx, front, result.params)
                    returned.started(front, metrics)
                result.runs[row].append(metrics)
                log(f"[{done}/{total}] ({scenario.label}) rep {rep} {row:<11} {scenario.describe(metrics, front)}")
    time.sleep(RSSReturn.SETTLE_SECONDS)
    for front in ctx.cluster.fronts:
        returned.measure(front)
    return results


class RSSReturn:
    """Whether a front gives back the memory a run took: its RSS right before its next run (at least one other
    front's run later), or at the end, over its RSS right before the run. Every front is measured alike."""

    SETTLE_SECONDS = 2.5  # after the last run: morse-proxy's pools give back within two seconds

    def __init__(self) -> None:
        self.pending: dict[str, tuple[Metrics, float]] = {}  # front -> (its last run's metrics, RSS before it)
        self.before: dict[str, float] = {}

    def measure(self, front: Front) -> None:
        rss = measure.rss_mib(front.pid)
        self.before[front.name] = rss
        if front.name in self.pending:
            metrics, start = self.pending.pop(front.name)
            metrics["rss_return"] = rss / start if start > 0 else float("nan")

    def started(self, front: Front, metrics: Metrics) -> None:
        self.pending[front.name] = (metrics, self.before[front.name])
