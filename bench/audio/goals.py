"""The goals of issue 21 item 5, as data, each judged on an Outcome: met, missed, or not measured (the API's, when
no worker was given). The benchmark prints every verdict; a miss is reported, never hidden."""

import math
from collections.abc import Callable
from dataclasses import dataclass

from .conditions import CONDITIONS
from .results import Outcome

ABSOLUTE_MACHINE = 0.01  # CER, machine-sent 10-30 WPM at >= +3 dB in 2500 Hz
ABSOLUTE_JITTER = 0.05  # CER, 20 % hand-keyed jitter at +10 dB
PEER_MARGIN = 0.01  # ours <= multimon-ng's + 1 percentage point, in every condition
PEER_OVERALL = 0.5  # ours <= half of multimon-ng's, overall
CORE_REALTIME = 100.0  # seconds of audio per CPU second, one core
API_OVERHEAD = 1.2  # the API's wall time over the CLI's


def pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.1f} %"


@dataclass(frozen=True)
class Verdict:
    goal: str
    value: str
    met: bool | None  # None: not measured

    @property
    def word(self) -> str:
        return "not measured" if self.met is None else "met" if self.met else "**missed**"


def per_condition(outcome: Outcome, names: list[str], threshold: float, goal: str) -> Verdict:
    if not names:
        return Verdict(goal, "not measured (its conditions were not run)", None)
    cers = {n: outcome.of(n).cer("ours") for n in names}
    misses = [n for n, v in cers.items() if not v <= threshold]
    value = ", ".join(f"{n} {pct(v)}" for n, v in cers.items())
    return Verdict(goal, value + (f" — missed in {', '.join(misses)}" if misses else ""), not misses)


def machine(outcome: Outcome) -> Verdict:
    names = [c.name for c in outcome.conditions if c.machine_goal]
    return per_condition(outcome, names, ABSOLUTE_MACHINE,
                         "CER ≤ 1 % for machine-sent 10–30 WPM at SNR ≥ +3 dB (2500 Hz), in each such condition")


def jitter(outcome: Outcome) -> Verdict:
    names = [c.name for c in outcome.conditions if c.jitter_goal]
    return per_condition(outcome, names, ABSOLUTE_JITTER, "CER ≤ 5 % with 20 % hand-keyed jitter at +10 dB")


def peer_margin(outcome: Outcome) -> Verdict:
    rows = [(c.name, outcome.of(c.name).cer("ours") - outcome.of(c.name).cer("multimon")) for c in outcome.conditions]
    misses = [f"{n} (+{100 * d:.1f} pp)" for n, d in rows if not d <= PEER_MARGIN]
    worst = max(rows, key=lambda r: -math.inf if math.isnan(r[1]) else r[1])
    value = f"largest difference ours − multimon-ng: {100 * worst[1]:+.1f} pp ({worst[0]})"
    return Verdict("CER ≤ multimon-ng's + 1 pp in every condition",
                   value + (f" — missed in {', '.join(misses)}" if misses else ""), not misses)


def peer_overall(outcome: Outcome) -> Verdict:
    ours, theirs = outcome.overall().cer("ours"), outcome.overall().cer("multimon")
    ratio = ours / theirs if theirs > 0 else math.nan
    return Verdict("overall CER ≤ half of multimon-ng's (same run)",
                   f"{pct(ours)} vs {pct(theirs)} (ratio {ratio:.2f})", ours <= PEER_OVERALL * theirs)


def core_speed(outcome: Outcome) -> Verdict:
    if not outcome.core:
        return Verdict("core ≥ 100× real time on one core", "not measured", None)
    value = ", ".join(f"{c.sample_rate} Hz {c.realtime:.0f}×" + (f" ({c.error})" if c.error else "")
                      for c in outcome.core)
    return Verdict("core ≥ 100× real time on one core (audio s / CPU s of `morse decode-audio`)", value,
                   all(c.realtime >= CORE_REALTIME for c in outcome.core))


def api_overhead(outcome: Outcome) -> Verdict:
    goal = "the API's decode adds ≤ 20 % to the CLI's (wall time, same recording)"
    a = outcome.api
    if a is None:
        return Verdict(goal, "not measured (no --worker-bin)", None)
    if a.error:
        return Verdict(goal, f"failed: {a.error}", False)
    return Verdict(goal, f"API {a.api_wall_s:.3f} s / CLI {a.cli_wall_s:.3f} s = {a.ratio:.2f}",
                   a.ratio <= API_OVERHEAD)


GOALS: tuple[Callable[[Outcome], Verdict], ...] = (machine, jitter, peer_margin, peer_overall, core_speed,
                                                  api_overhead)
GOAL_LINES = (
    "CER ≤ 1 % for machine-sent 10–30 WPM at SNR ≥ +3 dB in 2500 Hz (conditions "
    + ", ".join(c.name for c in CONDITIONS if c.machine_goal) + ")",
    "CER ≤ 5 % with 20 % hand-keyed jitter at +10 dB ("
    + ", ".join(c.name for c in CONDITIONS if c.jitter_goal) + ")",
    "CER ≤ multimon-ng's + 1 percentage point in every condition",
    "overall CER ≤ half of multimon-ng's overall, measured in the same run",
    "≥ 100× real time for the core on one core (audio seconds / CPU seconds)",
    "the API's decode adds ≤ 20 % to the CLI's wall time (only with --worker-bin)",
)


def judge(outcome: Outcome) -> list[Verdict]:
    return [goal(outcome) for goal in GOALS]
