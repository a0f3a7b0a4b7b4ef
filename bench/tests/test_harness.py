"""The harness without a cluster, in seconds: the registries are consistent, --scenarios selects, goals judge
(NaN included), and the report and the chart come out of synthetic results with every scenario and goal in them.

Run: cd bench && python -m unittest tests.test_harness     (bench/tests/test_quick.sh runs it first)
"""

import math
import tempfile
import unittest
from pathlib import Path

from harness import goals, report, upgrades
from harness.chart import chart
from harness.common import BenchError, Metrics
from harness.fronts import FRONT_NAMES, FRONTS, SUBJECT
from harness.machine import Machine
from harness.runner import Outcome
from harness.scenario import ONCE, MainTable, ScenarioResult
from harness.scenarios import SCENARIOS, check_registry, select
from harness.settings import Settings

LOAD: Metrics = {"requests": 1000, "rps": 500, "p50": 1.0, "p99": 2.0, "cpu_s": 0.1, "errors": 0, "cpu10k": 0.2,
                 "rss_mib": 12.0}
PER_SCENARIO: dict[str, Metrics] = {
    "open_loop": {**LOAD, "p999": 3.0},
    "idle_connections": {"rss_before": 10.0, "rss_mib": 20.0, "peak_mib": 21.0, "held": 100, "answered": 100,
                         "errors": 0},
    "worker_sigkill": {"requests": 1000, "rps": 500, "p50": 1.0, "p99": 2.0, "cpu_s": 0.1, "errors": 0,
                       "cpu10k": 0.2},
    "core_throughput": {"encode": 300.0, "decode": 100.0, "tr": 600.0, "encode_tr": 0.5, "decode_tr": 0.17},
    "upgrades": {"upgrades": 20, "requests": 9000, "errors": 0, "refused": 0, "reset": 0, "http_502": 0,
                 "timed_out": 0, "failed_other": 0, "p99": 11.0, "p99_without": 10.0,
                 "p99_ratio": 1.1,
                 "serving_s": 0.3, "serving_max_s": 0.5, "old_gone_s": 1.0, "rss_before": 10.0, "peak_mib": 21.0},
}
PARAMS = {"rate": 250.0, "connections": 100.0, "response_bytes": 100_000.0, "upgrades": 20.0, "per_round": 2.0,
          "spacing": 0.5}


def synthetic(subject_rps: float = 600) -> Outcome:
    """Every scenario, one run per front; morse-proxy's rps set apart to steer the rps goals."""
    results = {}
    for s in SCENARIOS:
        metrics = PER_SCENARIO.get(s.name, LOAD)
        r = ScenarioResult(s, params=dict(PARAMS))
        if s.per_front:
            r.runs = {f: [{**metrics, "rps": subject_rps} if f == SUBJECT else dict(metrics)]
                      for f in s.own_rows or FRONT_NAMES}
        else:
            r.runs = {ONCE: [dict(metrics)]}
        results[s.name] = r
    settings = Settings.resolve(True, None, None, 100, None, tuple(results))
    machine = Machine("cpu", 2, "os", "kernel", "HAProxy version 2.6", "nginx/1.22", "Swift 6", "wrk 4", "h2load",
                      "0.0 0.0 0.0")
    return Outcome(settings, machine, results, goals.evaluate(results))


class Registries(unittest.TestCase):
    def test_consistent(self) -> None:
        check_registry()
        goals.check_goals({s.name for s in SCENARIOS})

    def test_select_by_letters_and_names(self) -> None:
        self.assertEqual([s.label for s in select("fa")], ["a", "f"])  # registry order, not the given one
        self.assertEqual([s.name for s in select("open_loop,a")], ["keepalive_healthz", "open_loop"])
        self.assertEqual(len(select(None)), len(SCENARIOS))
        with self.assertRaises(BenchError):
            select("nonsense")


class Goals(unittest.TestCase):
    def test_verdicts(self) -> None:
        verdicts = {v.goal: v for v in synthetic(subject_rps=600).verdicts}
        self.assertEqual(len(verdicts), len(goals.GOALS))
        self.assertTrue(verdicts[goals.GOALS[0]].met)  # rps 600 vs 500: 1.20x >= 1.10x
        self.assertIn("1.20x (600 vs 500 req/s)", verdicts[goals.GOALS[0]].measured)
        self.assertFalse(synthetic(subject_rps=520).verdicts[0].met)  # 1.04x

    def test_nan_misses(self) -> None:
        outcome = synthetic(subject_rps=math.nan)
        self.assertFalse(outcome.verdicts[0].met)
        self.assertIn("–", outcome.verdicts[0].measured)

    def test_requirement_counts(self) -> None:
        outcome = synthetic()
        outcome.results["idle_connections"].runs[SUBJECT][0]["held"] = 99  # one idle connection dropped
        verdict = next(v for v in goals.evaluate(outcome.results) if v.goal.scenario == "idle_connections")
        self.assertFalse(verdict.met)


    def test_upgrade_failures_against_the_peers(self) -> None:
        def verdicts(mine: float, haproxy: float, done: float = 20) -> list[bool]:
            outcome = synthetic()
            runs = outcome.results["upgrades"].runs
            runs[SUBJECT][0].update(errors=mine, upgrades=done)
            runs["haproxy"][0]["errors"] = haproxy
            return [v.met for v in goals.evaluate(outcome.results)
                    if v.goal.scenario == "upgrades" and v.goal.metric == "errors"]

        self.assertEqual(verdicts(0, 0), [True, True])  # 0 vs 0: met, where a ratio would be NaN
        self.assertEqual(verdicts(3, 5), [True, False])  # fewer than HAProxy, more than nginx's 0
        self.assertEqual(verdicts(1, 0), [False, False])
        self.assertEqual(verdicts(0, 0, done=19), [False, False])  # an upgrade that failed ended the run early
        names = [v.name for v in synthetic().verdicts if v.goal.scenario == "upgrades"]
        self.assertIn("failed requests (j) <= HAProxy's, upgrades done >= 20", names)


class Outputs(unittest.TestCase):
    def test_report(self) -> None:
        outcome = synthetic()
        md = report.markdown(outcome, "STAMP", "STAMP.png", None)
        loads = [s for s in SCENARIOS if isinstance(s.section, MainTable)]
        cells = 2 + len(report.MAIN_COLUMNS) + sum(1 for front in FRONTS if front.peer)  # scenario, front, ...
        rows = [line for line in md.splitlines() if line.startswith("| ") and line.count("|") == cells + 1]
        self.assertEqual(len(rows), 1 + len(loads) * len(FRONT_NAMES))  # the header and one row per front
        for s in SCENARIOS:
            self.assertIn(f"({s.label})", md)
        self.assertEqual(md.count("| met |") + md.count("| **missed** |"), len(goals.GOALS))
        self.assertIn("(p99.9 3.000)", md)
        self.assertIn("(100 KB)", md)
        # morse-proxy over each peer (600 vs 500 req/s), not the other way round: the main table's ratio columns
        # and the ratios table (rps, p99, CPU over HAProxy and nginx)
        self.assertIn(f"| {SUBJECT} | 600 | ", md)
        self.assertIn(" | 1.20 | 1.20 |\n", md)
        self.assertIn("| (a) | 1.20 | 1.20 | 1.00 | 1.00 | 1.00 | 1.00 |", md)
        # the upgrade scenario's own rows, the negative control among them, and every front's command
        for row in upgrades.UPGRADE_ROWS:
            self.assertIn(f"| {row} | 20 | 9000 | 0 |", md)
        for kind in upgrades.UPGRADABLE:
            self.assertIn(f"- {kind.row}: {kind.command}", md)

    def test_chart(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            png = Path(tmp) / "chart.png"
            chart(png, synthetic())
            self.assertEqual(png.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main()
