"""The scenarios: what the benchmark measures, in the order it measures and reports them.

To add a scenario, add an entry to SCENARIOS at the bottom: an instance of one of the kinds below (a closed-loop
wrk run of another path or connection count is one ClosedLoop line), or of a new Scenario subclass written here
when it measures something new. The runner, the report, the chart, --help and --scenarios pick it up from there;
a goal on it goes in goals.py.
"""

import math
import re
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from typing import ClassVar

from . import load, measure, upgrades
from .common import CORE_BENCH, BenchError, Metrics, Params, log
from .fronts import SUBJECT, Front, front_type
from .metrics import median
from .procs import free_ports, http_get
from .scenario import Column, Context, FrontTable, Panel, Scenario, ScenarioResult, Section, Sentence


@dataclass(frozen=True, kw_only=True)
class ClosedLoop(Scenario):
    """wrk -t1 at saturation: requests/s, latency, CPU per request, peak RSS."""

    path: str
    connections: int = 32
    wrk_args: tuple[str, ...] = ()  # e.g. a header
    size_in_title: bool = False  # the title states the response's size (it varies with the parameters)

    def check(self, ctx: Context) -> Params:
        # A path that fails would measure error pages at full speed: check it through morse-proxy first.
        r = http_get(ctx.cluster.front(SUBJECT).port, self.path)
        if not r or r.status != 200:
            raise BenchError(f"{self.path} through {SUBJECT} answered {r and r.status}: {r and r.body[:200]!r}")
        if self.size_in_title:
            log(f"({self.label}) response: {len(r.body)} bytes")
        return {"response_bytes": len(r.body)}

    def run(self, ctx: Context, front: Front, params: Params) -> Metrics:
        return load.closed_loop(front.url(self.path), front.pid, ctx.settings.seconds, self.connections,
                                self.wrk_args, warmup=ctx.settings.warmup)

    def table_title(self, params: Params) -> str:
        return f"{self.title} ({int(params['response_bytes']) // 1000} KB)" if self.size_in_title else self.title


@dataclass(frozen=True, kw_only=True)
class OpenLoop(Scenario):
    """h2load at a fixed rate, a fraction of a peer's maximum in an earlier closed-loop scenario: the latency a
    front adds when it is not saturated, free of wrk's coordinated omission."""

    basis: str  # the closed-loop scenario whose peer requests/s set the rate
    peer: str = "haproxy"
    fraction: float = 0.5
    path: str = "/healthz"

    def prepare(self, ctx: Context, results: dict[str, ScenarioResult]) -> Params:
        basis = results.get(self.basis)
        maximum = basis.median(self.peer, "rps") if basis else math.nan
        if math.isnan(maximum):
            scenario = by_name(self.basis)
            log(f"({self.label}) no ({scenario.label}) result for {front_type(self.peer).display}: "
                "measuring its maximum first")
            maximum = scenario.run(ctx, ctx.cluster.front(self.peer), {})["rps"]
        return {"rate": maximum * self.fraction}

    def run(self, ctx: Context, front: Front, params: Params) -> Metrics:
        # two seconds longer than a closed-loop run: h2load's first second is its warm-up
        return load.open_loop(front.url(self.path), front.pid, params["rate"], ctx.settings.seconds + 2,
                              ctx.cluster.work / f"h2load-{front.name}.log")

    def table_title(self, params: Params) -> str:
        return f"{self.title} = {params['rate']:.0f} req/s"

    def chart_title(self, params: Params) -> str:
        return f"{super().chart_title(params)} {params['rate']:.0f}/s"


@dataclass(frozen=True, kw_only=True)
class IdleConnections(Scenario):
    """Many keep-alive connections, each served one request, then held idle: what they cost the front in memory."""

    section: Section = FrontTable("({connections:.0f} connections, each served one `/healthz`, held idle):", (
        Column("RSS at start MiB", "rss_before", ".1f"), Column("RSS held MiB", "rss_mib", ".1f"),
        Column("peak MiB", "peak_mib", ".1f"), Column("KiB per conn", "kib_per_conn", ".2f"),
        Column("RSS after/before", "rss_return", ".2f"), Column("held", "held"), Column("errors", "errors")))

    def check(self, ctx: Context) -> Params:
        return {"connections": ctx.settings.idle}

    def run(self, ctx: Context, front: Front, params: Params) -> Metrics:
        return load.hold_idle(front.port, front.pid, int(params["connections"]),
                              hold_seconds=ctx.settings.pick(full=2, quick=1))

    def describe(self, metrics: Metrics, front: Front | None) -> str:
        m = metrics
        return (f"RSS {m['rss_before']:.1f} -> {m['rss_mib']:.1f} MiB with {m['held']:.0f} held "
                f"({m['answered']:.0f} answered, {m['errors']:.0f} errors)")


@dataclass(frozen=True, kw_only=True)
class WorkerKilled(Scenario):
    """Load like (a) while one worker gets SIGKILL: the requests each front fails. The worker is restarted, and
    every front sees it up, before the next front's run."""

    connections: int = 32
    section: Section = FrontTable(
        "under load (a) (wrk 32 connections; the worker restarted between fronts; direct loses its only worker, so "
        "it shows what a front without failover costs):",
        (Column("requests (median)", "requests"), Column("failed per run", "errors", per_run=True),
         Column("failed (median)", "errors")))

    @staticmethod
    def victim(front: Front) -> str:
        # the last worker the front reaches: one it can fail over from, unless it reaches only one (direct)
        return front.reaches()[-1]

    def run(self, ctx: Context, front: Front, params: Params) -> Metrics:
        seconds, kill_at = ctx.settings.pick(full=(6, 2), quick=(3, 1))
        victim = self.victim(front)
        wrk = load.start_closed_loop(front.url("/healthz"), front.pid, seconds, self.connections)
        time.sleep(kill_at)
        ctx.cluster.kill_worker(victim)
        metrics = load.finish_closed_loop(wrk, timeout=seconds + 30)
        ctx.cluster.start_worker(victim)
        ctx.cluster.wait_backends_up(timeout=20)
        return metrics

    def describe(self, metrics: Metrics, front: Front | None) -> str:
        victim = self.victim(front) if front else "?"
        return f"{metrics['requests']:.0f} requests, {metrics['errors']:.0f} failed (killed {victim})"


@dataclass(frozen=True, kw_only=True)
class CoreThroughput(Scenario):
    """The pure core's encode/decode throughput against `tr` (bench/core/bench.sh): no fronts involved."""

    per_front: bool = False
    section: Section = Sentence("(bench/core/bench.sh, input MB/s): encode {encode}, decode {decode}, "
                                "`tr a-z A-Z` {tr}; encode/tr {encode_tr:.2f}, decode/tr {decode_tr:.2f}.")

    def run_once(self, ctx: Context, params: Params) -> Metrics:
        log(f"({self.label}) core encode/decode: bench/core/bench.sh")
        r = subprocess.run([str(CORE_BENCH), "--binary", str(ctx.cluster.bin_dir / "morse"),
                            "--size-mib", str(ctx.settings.pick(full=64, quick=8)),
                            "--rounds", str(ctx.settings.pick(full=3, quick=1))],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise BenchError(f"bench/core/bench.sh failed: {r.stderr.strip()[-500:]}")
        patterns = {"encode": r"morse encode\s+([\d.]+)", "decode": r"morse decode\s+([\d.]+)",
                    "tr": r"tr a-z A-Z\s+([\d.]+)", "encode_tr": r"encode / tr = ([\d.]+)",
                    "decode_tr": r"decode / tr = ([\d.]+)"}
        return {key: float(m.group(1)) if (m := re.search(pattern, r.stdout)) else math.nan
                for key, pattern in patterns.items()}

    def describe(self, metrics: Metrics, front: Front | None) -> str:
        m = metrics
        return f"encode {m['encode']} MB/s, decode {m['decode']} MB/s, tr {m['tr']} MB/s"


@dataclass(frozen=True, kw_only=True)
class Upgrades(Scenario):
    """Issue 18: each front upgraded again and again under `morsectl load` (reads and writes without
    Idempotency-Key, 32 connections), each by its own documented procedure, in a fresh instance of the front. The
    failed requests by kind, the p99 of the stretches with upgrades against the stretches without that alternate
    with them, how long the new process takes to serve, and the memory of old and new together; the last row is the
    negative control."""

    own_rows: tuple[str, ...] = upgrades.UPGRADE_ROWS
    LEAD: ClassVar[float] = 1.0  # seconds of load before the first upgrade and after the last
    repetitions: int | None = 1  # the upgrades repeat within the run
    section: Section = FrontTable(
        "({upgrades:.0f} consecutive upgrades of each front, each once the previous one's old process has exited, "
        "under one `morsectl load --no-idempotency-key --concurrency 32` run (encode GETs and message POSTs 3:1) "
        "whose stretches alternate: as long without upgrades, then {per_round:.0f} upgrade(s) {spacing:g} s apart; "
        "failed = the whole run; p99 with and without = medians over the stretches with and without upgrades, "
        "with/without = the median of the paired stretches' ratios (SIGUSR1 marks the stretches: the machine's p99 "
        "drifts by up to 38 % between two stretches of 11 s with nothing happening); serving = from the command until "
        "the new process answers; old gone = until the old process has exited; RSS = all the front's processes "
        "together):",
        (
            Column("upgrades", "upgrades"), Column("requests", "requests"), Column("failed", "errors"),
            Column("refused", "refused"), Column("reset/closed", "reset"), Column("502", "http_502"),
            Column("timed out", "timed_out"), Column("other", "failed_other"),
            Column("p99 without ms", "p99_without", ".1f"), Column("p99 with ms", "p99", ".1f"),
            Column("with/without", "p99_ratio", ".2f"), Column("serving s (median)", "serving_s", ".3f"),
            Column("serving s (max)", "serving_max_s", ".3f"), Column("old gone s (median)", "old_gone_s", ".2f"),
            Column("RSS at start MiB", "rss_before", ".1f"), Column("peak RSS old+new MiB", "peak_mib", ".1f")))

    def check(self, ctx: Context) -> Params:
        if not ctx.cluster.morsectl.is_file():
            raise BenchError(f"({self.label}) needs morsectl: {ctx.cluster.morsectl} is missing (make release)")
        # per_round upgrades `spacing` seconds apart, in a stretch as long as the one without before it
        return {"upgrades": ctx.settings.upgrades, "per_round": ctx.settings.pick(full=2, quick=1), "spacing": 0.5}

    def run_row(self, ctx: Context, row: str, params: Params) -> Metrics:
        work = ctx.cluster.work / f"upgrade-{len(list(ctx.cluster.work.glob('upgrade-*')))}"
        front = upgrades.upgradable(row, ctx.cluster, iter(free_ports(2)), work)
        timings: list[upgrades.UpgradeTiming] = []
        per_round, spacing = int(params["per_round"]), params["spacing"]
        rounds = math.ceil(params["upgrades"] / per_round)
        try:
            front.start()
            front.wait_ready()
            rss_before = measure.tree_rss_mib(front.roots())
            # One load run whose phases alternate: a stretch without upgrades, then one as long with `per_round`
            # of them, and again. This machine's p99 drifts by up to 38 % between two 11 s stretches with nothing
            # happening; paired stretches one second apart share the drift, and the median of their ratios is the
            # upgrades' own cost.
            mixed = load.MixedLoad(ctx.cluster.morsectl, front.url(""), work / "load.json", work / "load.log")
            time.sleep(self.LEAD)  # its connections open
            with upgrades.PeakMemory(front.roots) as memory:
                try:
                    for _ in range(rounds):
                        mixed.mark()
                        time.sleep(per_round * spacing)
                        mixed.mark()
                        phase = time.monotonic()
                        for index in range(min(per_round, int(params["upgrades"]) - len(timings))):
                            time.sleep(max(0.0, phase + index * spacing - time.monotonic()))
                            timings.append(front.upgrade())
                            log(f"({self.label}) {row}: upgrade {len(timings)}: serving after "
                                f"{timings[-1].serving_s:.3f} s, old gone after {timings[-1].old_gone_s:.2f} s")
                        time.sleep(max(0.0, phase + per_round * spacing - time.monotonic()))
                except BenchError as e:  # the row shows how many upgrades were done; the goals require them all
                    log(f"({self.label}) {row}: upgrade {len(timings) + 1} failed: {e}")
                time.sleep(self.LEAD)  # what the last upgrade left in flight ends inside the run
                phases = mixed.stop()
        finally:
            front.stop()
        # phases: the opening, then (without, with upgrades) pairs; a failed upgrade may end on either
        quiet, busy = phases[1::2], phases[2::2]
        metrics: Metrics = {key: math.fsum(p[key] for p in phases) for key in (
            "requests", "errors", "refused", "reset", "http_502", "timed_out", "failed_other")}
        serving = [t.serving_s for t in timings]
        metrics.update(
            upgrades=len(timings), p99_without=median(p["p99"] for p in quiet), p99=median(p["p99"] for p in busy),
            p99_ratio=median(b["p99"] / q["p99"] for q, b in zip(quiet, busy, strict=False) if q["p99"] > 0),
            serving_s=median(serving), serving_max_s=max(serving, default=math.nan),
            old_gone_s=median(t.old_gone_s for t in timings), rss_before=rss_before, peak_mib=memory.peak)
        return metrics

    def describe(self, metrics: Metrics, front: Front | None) -> str:
        m = metrics
        return (f"{m['upgrades']:.0f} upgrades, {m['requests']:.0f} requests, {m['errors']:.0f} failed (refused "
                f"{m['refused']:.0f}, reset {m['reset']:.0f}, 502 {m['http_502']:.0f}, timed out "
                f"{m['timed_out']:.0f}), p99 {m['p99_without']:.1f} -> "
                f"{m['p99']:.1f} ms, serving after {m['serving_s']:.3f} s, peak RSS {m['peak_mib']:.1f} MiB")

    def notes(self, params: Params) -> list[str]:
        return ["The upgrade command of each row:", *(f"- {u.row}: {u.command}" for u in upgrades.UPGRADABLE)]


HEALTHZ = "/healthz"  # ~70 bytes
ENCODE_TEXT = "CQ CQ DE W1AW, QTH BOSTON. RST 599 73 SK"  # 40 characters
ENCODE = "/api/v1/encode?text=" + urllib.parse.quote(ENCODE_TEXT, safe="")
AUDIO = "/api/v1/audio?" + urllib.parse.urlencode({"text": "PARIS PARIS", "wpm": "20", "tone": "600", "rate": "8000"})

# The registry, in the order of the runs, the tables and the chart. The labels continue earlier reports' (a)...(i).
SCENARIOS: tuple[Scenario, ...] = (
    ClosedLoop(name="keepalive_healthz", label="a", caption="/healthz, 32 keep-alive", path=HEALTHZ,
               help="GET /healthz (~70 B), 32 keep-alive connections (wrk -t1)",
               panels=(Panel("(a) CPU of the front", "s per 10k requests", metric="cpu10k"),)),
    ClosedLoop(name="close_healthz", label="b", caption="/healthz, Connection: close", path=HEALTHZ,
               wrk_args=("-H", "Connection: close"), help="the same with `Connection: close`"),
    ClosedLoop(name="encode", label="c", caption="encode 40 chars", path=ENCODE,
               help="GET /api/v1/encode with a 40-character text"),
    ClosedLoop(name="audio", label="d", caption="audio WAV", path=AUDIO, size_in_title=True,
               help="GET /api/v1/audio of ~100 KB (WAV)"),
    ClosedLoop(name="healthz_256_connections", label="e", caption="/healthz, 256 connections", path=HEALTHZ,
               connections=256, help="GET /healthz, 256 connections"),
    OpenLoop(name="open_loop", label="f", caption="open loop, 50 % of HAProxy (a)", chart_caption="open loop",
             basis="keepalive_healthz", peer="haproxy", fraction=0.5,
             help="open-loop latency at 50 % of HAProxy's median rps in (a) (h2load --rps): p50/p99/p99.9"),
    IdleConnections(name="idle_connections", label="g", caption="10k idle connections",
                    help="10,000 idle keep-alive connections held (each served one request): the front's RSS",
                    panels=(Panel("(g) RSS, {connections:.0f} idle conns", "MiB", metric="rss_mib"),)),
    WorkerKilled(name="worker_sigkill", label="h", caption="SIGKILL of a worker",
                 help="SIGKILL of one worker under load (a): failed requests per front (restarted between fronts)",
                 panels=(Panel("(h) failed requests, worker killed", "requests", metric="errors", log_above=100),)),
    CoreThroughput(name="core_throughput", label="i", caption="core encode/decode",
                   help="the core encode/decode benchmark (bench/core/bench.sh)",
                   panels=(Panel("(i) core throughput", "input MB/s", keys=("encode", "decode", "tr"),
                                 colors=("#d62728", "#ff9896", "#7f7f7f")),)),
    Upgrades(name="upgrades", label="j", caption="upgrades under load",
             help="each front upgraded --upgrades times under morsectl load (writes without Idempotency-Key): "
             "failed requests by kind, p99 with/without upgrades, time to serve, peak RSS old+new; SIGTERM + start of "
             "morse-proxy as the negative control",
             panels=(Panel("(j) failed requests, {upgrades:.0f} upgrades", "requests", metric="errors",
                           log_above=100),)),
)


def by_name(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)


def select(spec: str | None) -> tuple[Scenario, ...]:
    """The scenarios --scenarios names, in the registry's order: None for all, else comma-separated names and/or
    labels ("keepalive_healthz,open_loop", or "acf" as before the names existed)."""
    if not spec:
        return SCENARIOS
    wanted: set[str] = set()
    for token in filter(None, (t.strip() for t in spec.split(","))):
        if any(s.name == token for s in SCENARIOS):
            wanted.add(token)
        elif all(any(s.label == letter for s in SCENARIOS) for letter in token):
            wanted.update(s.name for s in SCENARIOS if s.label in token)
        else:
            raise BenchError(f"--scenarios: unknown scenario {token!r} (see --help)")
    return tuple(s for s in SCENARIOS if s.name in wanted)


def check_registry() -> None:
    """Names and labels unique: --scenarios and the JSON rely on it."""
    for attribute in ("name", "label"):
        values = [getattr(s, attribute) for s in SCENARIOS]
        if len(set(values)) != len(values):
            raise BenchError(f"scenarios.py: two scenarios share a {attribute}")

