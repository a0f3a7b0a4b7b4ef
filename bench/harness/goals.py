"""The goals morse-proxy is held to (issues 9, 17 and 18), as data: which scenario and metric, the comparison, the
threshold, and the peer front when the threshold is a ratio to it (or a multiple of its value).

To add a goal, add a Goal to GOALS. Its row in the report, its verdict, the perf profile it triggers when missed
(--perf auto), its line in --help and, for an absolute threshold, the dashed line on the chart follow from it.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .common import BenchError, Params
from .fronts import FRONT_NAMES, SUBJECT, front_type
from .metrics import METRICS, fmt, fmt_metric, median, ratio, total
from .scenario import ScenarioResult

Op = Literal["<=", ">="]
OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}  # NaN: always false


@dataclass(frozen=True)
class Requirement:
    """A condition that makes the measurement count, against one of the scenario's params (e.g. every idle
    connection still held); the goal is missed when it does not hold."""

    metric: str
    op: Op
    param: str


@dataclass(frozen=True)
class Goal:
    scenario: str  # a registered scenario's name
    metric: str  # one of its metrics (metrics.METRICS)
    op: Op  # morse-proxy's value `op` threshold
    threshold: float  # absolute in the metric's unit, or a ratio to the peer's value when `peer` is set
    peer: str | None = None  # a front's name
    # "ratio": morse-proxy's value over the peer's `op` threshold; "value": morse-proxy's value `op` threshold times
    # the peer's (for counts that may be 0 on both sides, where a ratio means nothing)
    versus: Literal["ratio", "value"] = "ratio"
    over_runs: Literal["median", "sum"] = "median"  # "sum": a failure in any repetition counts
    requires: tuple[Requirement, ...] = ()


ALL_UPGRADES = Requirement("upgrades", ">=", "upgrades")  # a failed upgrade ends the run early: it misses the goal

GOALS: tuple[Goal, ...] = (
    # issue 9
    Goal("keepalive_healthz", "rps", ">=", 1.10, peer="haproxy"),
    Goal("encode", "rps", ">=", 1.10, peer="haproxy"),
    Goal("open_loop", "p99", "<=", 1.00, peer="haproxy"),
    Goal("keepalive_healthz", "cpu10k", "<=", 0.80, peer="haproxy"),
    Goal("idle_connections", "rss_mib", "<=", 64, requires=(Requirement("held", ">=", "connections"),)),
    Goal("worker_sigkill", "errors", "<=", 0, over_runs="sum"),
    # issue 17, must hold: memory on demand, and given back after every scenario
    Goal("idle_connections", "kib_per_conn", "<=", 2.0, requires=(Requirement("held", ">=", "connections"),)),
    *(Goal(name, "rss_return", "<=", 1.20) for name in (
        "keepalive_healthz", "close_healthz", "encode", "audio", "healthz_256_connections", "open_loop",
        "idle_connections")),
    # issue 17, aims: many connections, connection churn, CPU per request against the better peer
    Goal("healthz_256_connections", "rps", ">=", 1.10, peer="haproxy"),
    Goal("healthz_256_connections", "p99", "<=", 1.00, peer="haproxy"),
    Goal("close_healthz", "cpu10k", "<=", 1.00, peer="haproxy"),
    Goal("close_healthz", "rps", ">=", 1.00, peer="haproxy"),
    Goal("keepalive_healthz", "cpu10k", "<=", 1.00, peer="nginx"),
    Goal("encode", "cpu10k", "<=", 1.00, peer="haproxy"),
    Goal("encode", "cpu10k", "<=", 1.00, peer="nginx"),
    # issue 18: upgraded under load, no more failed requests than either peer, and the latency held
    *(Goal("upgrades", "errors", "<=", 1.0, peer=peer, versus="value", requires=(ALL_UPGRADES,))
      for peer in ("haproxy", "nginx")),
    Goal("upgrades", "p99_ratio", "<=", 1.20, requires=(ALL_UPGRADES,)),
)


@dataclass(frozen=True)
class Verdict:
    goal: Goal
    name: str  # e.g. "rps (a) >= 1.10x HAProxy"
    measured: str  # e.g. "1.16x (16072 vs 13799 req/s)"
    met: bool


def name(goal: Goal, label: str, params: Params | None = None) -> str:
    """The goal in words; without params (in --help) a requirement names its parameter instead of its value."""
    metric = METRICS[goal.metric]
    if goal.peer and goal.versus == "value":
        scale = "" if goal.threshold == 1 else f"{goal.threshold:g}x "
        text = f"{metric.label} ({label}) {goal.op} {scale}{front_type(goal.peer).display}'s"
    elif goal.peer:
        text = f"{metric.label} ({label}) {goal.op} {goal.threshold:.2f}x {front_type(goal.peer).display}"
    else:
        text = f"{metric.label} ({label}) {goal.op} {goal.threshold:g}" + (f" {metric.unit}" if metric.unit else "")
    if goal.over_runs == "sum":
        text += " summed over runs"
    for req in goal.requires:
        value = f"{params[req.param]:.0f}" if params is not None else req.param
        text += f", {METRICS[req.metric].label} {req.op} {value}"
    return text


def judge(goal: Goal, result: ScenarioResult) -> Verdict:
    combine: Callable[[list[float]], float] = total if goal.over_runs == "sum" else median
    mine_runs = result.values(SUBJECT, goal.metric)
    mine = combine(mine_runs)
    spec = METRICS[goal.metric].spec
    threshold = goal.threshold
    if goal.peer:
        theirs = combine(result.values(goal.peer, goal.metric))
        if goal.versus == "value":
            value, threshold = mine, goal.threshold * theirs
            measured = f"{fmt(mine, spec)} vs {fmt_metric(theirs, goal.metric)}"
        else:
            value = ratio(mine, theirs)
            measured = f"{fmt(value, '.2f')}x ({fmt(mine, spec)} vs {fmt_metric(theirs, goal.metric)})"
    else:
        value = mine
        measured = fmt_metric(mine, goal.metric)
    if goal.over_runs == "sum":
        measured += f" in {len(mine_runs)} run(s) ({', '.join(fmt(v, spec) for v in mine_runs)})"
    met = OPS[goal.op](value, threshold)
    for req in goal.requires:
        have = result.median(SUBJECT, req.metric)
        measured += f"; {METRICS[req.metric].label} {fmt_metric(have, req.metric)}"
        met = met and OPS[req.op](have, result.params[req.param])
    return Verdict(goal, name(goal, result.scenario.label, result.params), measured, met)


def evaluate(results: dict[str, ScenarioResult]) -> list[Verdict]:
    """The verdict of every goal whose scenario ran."""
    return [judge(goal, results[goal.scenario]) for goal in GOALS if goal.scenario in results]


def check_goals(scenario_names: set[str]) -> None:
    """Fails at start, not after 13 minutes of measuring, on a goal that names what does not exist."""
    for goal in GOALS:
        problems = []
        if goal.scenario not in scenario_names:
            problems.append(f"scenario {goal.scenario!r}")
        problems += [f"metric {m!r}" for m in (goal.metric, *(r.metric for r in goal.requires)) if m not in METRICS]
        if goal.peer and goal.peer not in FRONT_NAMES:
            problems.append(f"peer {goal.peer!r}")
        if problems:
            raise BenchError(f"goals.py: {goal} names an unknown {', '.join(problems)}")
