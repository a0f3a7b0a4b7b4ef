"""Runs the selected scenarios: each (front, scenario) `reps` times, the fronts interleaved (A B C D A B C D ...)
so that a shift in the shared machine's load falls on every front alike."""

from dataclasses import dataclass

from . import goals
from .common import log
from .fronts import FRONT_NAMES
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
    reps = ctx.settings.reps
    total = sum(reps * len(FRONT_NAMES) for s in scenarios if s.per_front)
    done = 0
    for scenario in scenarios:
        result = results[scenario.name]
        result.params.update(scenario.prepare(ctx, results))
        if not scenario.per_front:
            metrics = scenario.run_once(ctx, result.params)
            result.runs[ONCE] = [metrics]
            log(f"({scenario.label}) {scenario.describe(metrics, None)}")
            continue
        result.runs = {name: [] for name in FRONT_NAMES}
        for rep in range(1, reps + 1):
            for front in ctx.cluster.fronts:
                ctx.cluster.check_alive()
                done += 1
                metrics = scenario.run(ctx, front, result.params)
                result.runs[front.name].append(metrics)
                log(f"[{done}/{total}] ({scenario.label}) rep {rep} {front.name:<11} "
                    f"{scenario.describe(metrics, front)}")
    return results
