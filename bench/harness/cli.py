"""The command line and one run from start to end: check the tools, start the cluster, measure, write the results,
stop everything."""

import argparse
import datetime
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from types import FrameType

from . import goals, machine, outputs, perf, runner
from .cluster import Cluster
from .common import ROOT, BenchError, elapsed, log
from .fronts import FRONTS
from .procs import tool
from .scenario import Context
from .scenarios import SCENARIOS, check_registry, select
from .settings import Settings

ABOUT = """\
The Morse cluster measured against HAProxy and nginx: one command, every front in the same run.

Starts two morse-workers (SQLite) and {count} fronts on 127.0.0.1 -- {fronts} (configurations from
bench/lib/fronts.sh, shared with bench/proxy/bench.sh) -- and runs the scenarios with the fronts interleaved
(A B C D A B C D ...), each (front, scenario) REPS times, reporting medians.

Scenarios (--scenarios takes their letters or names):
{scenarios}

Per front: rps, p50, p99, CPU seconds per 10k requests of the front process (/proc/PID/stat utime+stime) and peak
RSS (VmHWM, reset through /proc/PID/clear_refs before each run). Goals, for morse-proxy:
{goals}

(j) starts a fresh instance of each front beside the others and upgrades it by its own procedure while morsectl
load runs; the table prints each front's command. Needs morsectl (--morsectl).

Writes RESULTS/STAMP.md, .png, .json and, when a goal is missed, a perf profile of morse-proxy during (a) in
STAMP-perf.txt. Ratios print at the end. Everything listens on 127.0.0.1; every load is bounded in time.
The code: bench/harness/ (scenarios.py holds the scenarios, goals.py the goals).
"""


def about() -> str:
    labels = {s.name: s.label for s in SCENARIOS}
    return ABOUT.format(
        count=len(FRONTS), fronts=", ".join(f.name for f in FRONTS),
        scenarios="\n".join(f"  {s.label}  {s.name:<24} {s.help}" for s in SCENARIOS),
        goals="\n".join(f"  {goals.name(g, labels.get(g.scenario, '?'))}" for g in goals.GOALS))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run.py", description=about(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="every scenario briefly, one repetition (< 3 minutes)")
    p.add_argument("--bin-dir", help="directory with release morse-worker, morse-proxy and morse "
                   "(default: run `make release` and use .build-release/release)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results"), help="results directory (default: %(default)s)")
    p.add_argument("--reps", type=int, help="repetitions per (front, scenario) (default 3, quick 1)")
    p.add_argument("--seconds", type=float, help="measured seconds per closed-loop run (default 6, quick 2)")
    p.add_argument("--idle", type=int, help="idle connections held in (g) (default 10000, quick 2000)")
    p.add_argument("--upgrades", type=int, help="consecutive upgrades of each front in (j) (default 20, quick 3)")
    p.add_argument("--morsectl", help="morsectl, the load of (j) (default: BIN_DIR/morsectl, else what `make "
                   "release` builds: .build-release-ctl/release/morsectl)")
    p.add_argument("--scenarios", help="subset to run: letters ('acf') or comma-separated names "
                   "('keepalive_healthz,open_loop') (default: all)")
    p.add_argument("--perf", choices=["auto", "always", "never"], default=None,
                   help="profile morse-proxy during (a) with perf: auto = when a goal is missed (default: auto, "
                   "quick: never)")
    return p.parse_args(argv)


def release_binaries(bin_dir: str | None) -> Path:
    """The directory with the release binaries: --bin-dir, or what `make release` builds."""
    if bin_dir:
        path = Path(bin_dir).resolve()
    else:
        log("building release binaries: make release (skip with --bin-dir)")
        r = subprocess.run(["make", "-C", str(ROOT), "release"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        if r.returncode != 0:
            raise BenchError(f"make release failed: {r.stderr.strip()[-1500:]}")
        path = ROOT / ".build-release" / "release"
    for name in ("morse-worker", "morse-proxy", "morse"):
        if not os.access(path / name, os.X_OK):
            raise BenchError(f"{path / name} is missing: run `make release` or pass --bin-dir")
    return path


def morsectl_path(given: str | None, bin_dir: Path, required: bool) -> Path:
    """morsectl: --morsectl, else beside the servers (a debug build has all four), else where `make release` puts it
    (linked apart from the servers: FoundationNetworking has no static build on Debian)."""
    release = ROOT / ".build-release-ctl" / "release" / "morsectl"
    candidates = [Path(given)] if given else [bin_dir / "morsectl", release]
    for path in candidates:
        if os.access(path, os.X_OK):
            return path.resolve()
    if required:
        raise BenchError(f"morsectl not found ({', '.join(map(str, candidates))}): run `make release` or pass "
                         "--morsectl")
    return candidates[0]


def raise_open_files_limit(idle: int) -> None:
    """The idle scenario holds `idle` connections, each a descriptor here and at least one in the front."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError) as e:
        if hard < idle + 1000:
            raise BenchError(f"RLIMIT_NOFILE hard limit {hard} < {idle + 1000} and cannot be raised (need root)") from e
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except BenchError as e:
        log(f"error: {e}")
        return 1


def run(args: argparse.Namespace) -> int:
    check_registry()
    goals.check_goals({s.name for s in SCENARIOS})
    scenarios = select(args.scenarios)
    if args.upgrades is not None and not 1 <= args.upgrades <= 1000:
        raise BenchError("--upgrades must be 1...1000")
    settings = Settings.resolve(args.quick, args.reps, args.seconds, args.idle, args.perf,
                                tuple(s.name for s in scenarios), args.upgrades)
    for name in ("wrk", "h2load", "haproxy", "nginx", "bash"):
        tool(name)  # missing tools fail now, not after the cluster has started
    raise_open_files_limit(settings.idle)
    bin_dir = release_binaries(args.bin_dir)
    morsectl = morsectl_path(args.morsectl, bin_dir, required=any(s.own_rows for s in scenarios))
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M") + ("-quick" if settings.quick else "")
    info = machine.describe()
    log(f"machine: {info.cpu}, {info.cores} cores, kernel {info.kernel}, load {info.load}")
    log(f"mode: {'QUICK' if settings.quick else 'full'}: {settings.reps} rep(s), {settings.seconds:g}s per run, "
        f"scenarios {''.join(s.label for s in scenarios)}")
    work = Path(tempfile.mkdtemp(prefix="morse-bench."))
    cluster = Cluster(bin_dir, work, morsectl)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # the same clean stop as Ctrl-C: every process ends, the work directory goes

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        cluster.start()
        results = runner.run(Context(settings, cluster), scenarios)
        outcome = runner.Outcome(settings, info, results, goals.evaluate(results))
        perf_text = None
        if settings.perf == "always" or (settings.perf == "auto" and outcome.missed):
            log("profiling morse-proxy during (a) with perf" + (" (goals missed)" if outcome.missed else ""))
            perf_text = perf.profile(cluster, settings.seconds)
        outputs.write(out_dir, stamp, outcome, perf_text)
    except KeyboardInterrupt:
        log("interrupted: stopping every process")
        return 130
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    log(f"done in {elapsed():.0f}s")
    return 0
