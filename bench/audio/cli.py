"""The command line and one run: generate the corpus, decode every recording with both decoders (in parallel
jobs), measure the speed, judge the goals, write the Markdown, the JSON and the PNG."""

import argparse
import datetime
import json
import math
import shlex
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import context, corpus, decoders, goals, report, speed
from .chart import chart
from .conditions import CONDITIONS, Condition
from .decoders import Multimon, Ours
from .goals import pct
from .results import Outcome, RecordingResult

ROOT = context.ROOT
LOAD_WARNING = 2.0

ABOUT = """\
Accuracy of `morse decode-audio` on a generated corpus, against multimon-ng's MORSE_CW in the same run.

Generates {per} recordings per condition (default; --quick: 3), seeded and reproducible (same --seed, same bytes),
each with >= 0.5 s of silence before and >= 1 s after the Morse; decodes each with both decoders; prints a line per
condition as it completes; measures the core's speed on long recordings; writes OUT/DATE-audio[-quick].md (tables,
goals), .json (every recording's parameters, reference and both hypotheses) and .png (CER per condition, CER
against SNR).

Conditions (each row of the table; sample rates 8000/22050/44100 cycled and pitch 400-1000 Hz in every one):
{conditions}

SNR is stated in a 2500 Hz bandwidth: key-down tone power A^2/2 over the white noise's power in 2500 Hz, i.e. noise
variance per sample = (A^2/2) / SNR * (fs/2) / 2500. CER = Levenshtein distance (spaces count) / reference length,
both upper-cased with whitespace folded, pooled over a condition (sum of distances / sum of reference lengths).

multimon-ng reads the recording resampled by sox to raw signed 16-bit mono at 22050 Hz; it is given no hint (its
default options, auto threshold and auto timing; --multimon-options changes that for every recording alike).

Goals (printed with their verdicts; a miss sets the exit status only with --fail-on-goals):
{goals}

Speed: audio seconds per CPU second (user+sys) of `morse decode-audio FILE --json` on long recordings at 8000 and
44100 Hz, best of --speed-runs. With --worker-bin, a morse-worker is started on a loopback port with its own SQLite
file and the 8000 Hz recording is POSTed to /api/v1/decode/audio; its wall time over the CLI's is the API's
overhead. Without it that row reads "not measured".

The code: bench/audio/ (conditions.py holds the conditions, goals.py the goals); bench/audio/README.md.
"""


def about() -> str:
    return ABOUT.format(per=20, conditions="\n".join(f"  {c.name:<11} {c.help}" for c in CONDITIONS),
                        goals="\n".join(f"  - {line}" for line in goals.GOAL_LINES))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/audio/run.py", description=about(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="3 recordings per condition, 60 s speed recordings run once (the harness's check in make test; "
                   "its figures are indicative only)")
    p.add_argument("--seed", type=int, default=1, help="corpus seed (default: %(default)s)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results"), help="results directory (default: %(default)s)")
    p.add_argument("--morse", default=str(ROOT / ".build-release" / "release" / "morse"),
                   help="the morse CLI with decode-audio (default: %(default)s)")
    p.add_argument("--worker-bin", help="morse-worker binary: also measure the API's decode (optional)")
    p.add_argument("--worker-arg", action="append", default=[],
                   help="an extra argument for morse-worker (repeatable), e.g. --worker-arg=--body-limit=9000000")
    p.add_argument("--per-condition", type=int, help="recordings per condition (default 20, quick 3)")
    p.add_argument("--jobs", type=int, default=2, help="recordings decoded in parallel (default: %(default)s)")
    p.add_argument("--conditions", help="comma-separated subset of the conditions (default: all)")
    p.add_argument("--multimon-options", default=" ".join(decoders.MULTIMON_OPTIONS),
                   help="multimon-ng options for every recording, e.g. '-d 60 -g 60' (default: none, its defaults)")
    p.add_argument("--long-seconds", type=float, help="length of the speed recordings (default 300, quick 60)")
    p.add_argument("--speed-runs", type=int, help="runs per speed figure, the best kept (default 3, quick 1)")
    p.add_argument("--no-speed", action="store_true", help="skip the speed figures")
    p.add_argument("--corpus", help="write the corpus into this directory and keep it (default: a temporary one)")
    p.add_argument("--fail-on-goals", action="store_true", help="exit 1 when a measured goal is missed")
    args = p.parse_args(argv)
    args.per_condition = args.per_condition or (3 if args.quick else 20)
    args.long_seconds = args.long_seconds or (60.0 if args.quick else 300.0)
    args.speed_runs = args.speed_runs or (1 if args.quick else 3)
    if args.per_condition < 1 or args.jobs < 1 or args.speed_runs < 1:
        p.error("--per-condition, --jobs and --speed-runs must be at least 1")
    return args


class HarnessError(Exception):
    pass


def selected(names: str | None) -> tuple[Condition, ...]:
    if not names:
        return CONDITIONS
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {c.name for c in CONDITIONS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise HarnessError(f"unknown condition(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return tuple(c for c in CONDITIONS if c.name in wanted)


def check_tools(morse: Path) -> None:
    missing = decoders.missing_tools()
    if missing:
        raise HarnessError(f"{', '.join(missing)} missing: run scripts/install-deps.sh bench")
    if not morse.is_file():
        raise HarnessError(f"{morse} not found (build it: make release, or pass --morse)")
    probe = context.output([str(morse), "decode-audio", "--help"])
    if "decode-audio" not in probe or "--json" not in probe:
        raise HarnessError(f"{morse} has no `decode-audio --json`: {probe[:200]}")


class Clock:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.start


def say(clock: Clock, message: str) -> None:
    print(f"[{clock():7.1f} s] {message}", flush=True)


def one(condition: Condition, index: int, seed: int, directory: Path,
        decoders_: list[decoders.Decoder]) -> RecordingResult:
    recording = corpus.make(condition, index, seed, directory)
    wav = directory / recording.file
    return RecordingResult(recording, {d.name: d.decode(wav) for d in decoders_})


def accuracy(args: argparse.Namespace, conditions: tuple[Condition, ...], directory: Path,
             decoders_: list[decoders.Decoder], clock: Clock) -> list[RecordingResult]:
    """Every recording generated and decoded in the pool, in order; a progress line per condition."""
    results: list[RecordingResult] = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures: dict[str, list[Future[RecordingResult]]] = {
            c.name: [pool.submit(one, c, i, args.seed, directory, decoders_) for i in range(args.per_condition)]
            for c in conditions}
        for c in conditions:
            done = [f.result() for f in futures[c.name]]
            results += done
            ours = sum(r.distances["ours"] for r in done) / max(1, sum(r.reference_chars for r in done))
            theirs = sum(r.distances["multimon"] for r in done) / max(1, sum(r.reference_chars for r in done))
            failed = sum(1 for r in done if r.decoded["ours"].error)
            say(clock, f"{c.name:<11} {len(done)} recordings, {sum(r.recording.duration_s for r in done):6.1f} s of "
                f"audio: CER morse {pct(ours)}, multimon-ng {pct(theirs)}"
                + (f" ({failed} failed: {next(r.decoded['ours'].error for r in done if r.decoded['ours'].error)})"
                   if failed else ""))
    return results


def measure_speed(args: argparse.Namespace, morse: Path, directory: Path,
                  clock: Clock) -> tuple[list[speed.CoreSpeed], speed.ApiSpeed | None]:
    if args.no_speed:
        return [], None
    cores: list[speed.CoreSpeed] = []
    longs = {}
    for rate in (8000, 44100):
        longs[rate] = corpus.make_long(args.seed, args.long_seconds, rate, directory)
        c = speed.core(morse, longs[rate], directory, args.speed_runs)
        cores.append(c)
        say(clock, f"speed: {c.file} ({c.audio_s:.0f} s of audio): "
            + (f"failed: {c.error}" if c.error else f"{c.cpu_s:.3f} CPU s, {c.realtime:.0f}× real time, "
               f"CER {pct(c.cer)}"))
    api = None
    if args.worker_bin:
        cli = cores[0]
        api = speed.api(Path(args.worker_bin).resolve(), longs[8000], directory, cli.wall_s, args.speed_runs,
                        args.worker_arg)
        say(clock, "speed: API " + (f"failed: {api.error}" if api.error else
                                    f"{api.api_wall_s:.3f} s vs CLI {api.cli_wall_s:.3f} s: ratio {api.ratio:.2f}"))
    return cores, api


def write(out: Path, stamp: str, quick: bool, outcome: Outcome, verdicts: list[goals.Verdict]) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    base = f"{stamp}-audio{'-quick' if quick else ''}"
    paths = {ext: out / f"{base}.{ext}" for ext in ("md", "json", "png")}
    chart(paths["png"], outcome, f"Audio decoding {stamp}{' (QUICK)' if quick else ''}")
    paths["md"].write_text(report.report(outcome, verdicts, paths["png"].name, stamp))
    data: dict[str, Any] = {
        "context": outcome.context,
        "conditions": [{"name": c.name, "parameters": c.parameters(), "recordings": len(outcome.of(c.name).results),
                        "reference_chars": outcome.of(c.name).chars,
                        "cer": {d: nan_none(outcome.of(c.name).cer(d)) for d in ("ours", "multimon")}}
                       for c in outcome.conditions],
        "overall": {d: nan_none(outcome.overall().cer(d)) for d in ("ours", "multimon")},
        "speed": {"core": [c.as_dict() for c in outcome.core], "api": outcome.api.as_dict() if outcome.api else None},
        "goals": [{"goal": v.goal, "measured": v.value, "met": v.met} for v in verdicts],
        "recordings": [r.as_dict() for r in outcome.results],
    }
    paths["json"].write_text(json.dumps(finite(data), indent=1, allow_nan=False) + "\n")
    return paths


def nan_none(value: float) -> float | None:
    return None if math.isnan(value) else value


def finite(value: object) -> object:
    """`value` with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    clock = Clock()
    try:
        conditions = selected(args.conditions)
        morse = Path(args.morse).resolve()
        check_tools(morse)
    except HarnessError as e:
        print(f"bench/audio: {e}", file=sys.stderr)
        return 2
    load_start = context.load()
    if load_start > LOAD_WARNING:
        print(f"bench/audio: warning: load average {load_start:.2f} at start (> {LOAD_WARNING:g}): the speed figures "
              "will be low", file=sys.stderr)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    ours, multimon = Ours(morse), Multimon(tuple(shlex.split(args.multimon_options)))
    total = len(conditions) * args.per_condition
    say(clock, f"{total} recordings ({args.per_condition} per condition × {len(conditions)}), seed {args.seed}, "
        f"{args.jobs} jobs; decoders: {morse}, multimon-ng")
    with tempfile.TemporaryDirectory(prefix="morse-bench-audio.") as tmp:
        directory = Path(args.corpus).resolve() if args.corpus else Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        results = accuracy(args, conditions, directory, [ours, multimon], clock)
        cores, api = measure_speed(args, morse, directory, clock)
    load_end = context.load()
    ctx: dict[str, Any] = {
        "stamp": stamp, "quick": args.quick, "seed": args.seed, "per_condition": args.per_condition,
        "jobs": args.jobs, "commit": context.commit(), "machine": context.machine(),
        "load_start": f"{load_start:.2f}", "load_end": f"{load_end:.2f}",
        "load_warning": max(load_start, load_end) > LOAD_WARNING, "elapsed_s": clock(),
        "ours": ours.describe(), "multimon": multimon.describe(),
        "multimon_options": " ".join(multimon.options) or "none (its defaults: auto threshold, auto timing, "
        "dit and gap 50 ms to start from)",
        "multimon_version": context.multimon_version(), "sox_version": context.sox_version(),
    }
    outcome = Outcome(conditions, results, cores, api, ctx)
    verdicts = goals.judge(outcome)
    paths = write(Path(args.out), stamp, args.quick, outcome, verdicts)
    print()
    print("\n".join(report.conditions_table(outcome)))
    print()
    print("\n".join(report.summary_table(outcome)))
    print()
    for v in verdicts:
        print(f"goal {v.word.replace('*', '')}: {v.goal}: {v.value}")
    if max(load_start, load_end) > LOAD_WARNING:
        print(f"warning: load average {load_start:.2f} at start, {load_end:.2f} at end (> {LOAD_WARNING:g})")
    say(clock, "wrote " + ", ".join(str(p) for p in paths.values()))
    missed = [v for v in verdicts if v.met is False]
    return 1 if args.fail_on_goals and missed else 0
