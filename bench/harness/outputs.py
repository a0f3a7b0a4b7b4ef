"""Writes a run's files -- STAMP.md (report), STAMP.png (chart), STAMP.json (every run), STAMP-perf.txt (profile,
when one was made) -- and prints the summary to stdout."""

import json
from dataclasses import asdict
from pathlib import Path

from . import report
from .chart import chart
from .common import log
from .runner import Outcome


def to_json(outcome: Outcome) -> dict[str, object]:
    return {"machine": asdict(outcome.machine), "settings": asdict(outcome.settings),
            "scenarios": {name: result.to_json() for name, result in outcome.results.items()},
            "goals": [{"goal": v.name, "measured": v.measured, "met": v.met} for v in outcome.verdicts]}


def write(out_dir: Path, stamp: str, outcome: Outcome, perf_text: str | None) -> None:
    png, md, js = out_dir / f"{stamp}.png", out_dir / f"{stamp}.md", out_dir / f"{stamp}.json"
    perf_name = None
    if perf_text:
        perf_name = f"{stamp}-perf.txt"
        (out_dir / perf_name).write_text(perf_text)
    chart(png, outcome)
    md.write_text(report.markdown(outcome, stamp, png.name, perf_name))
    js.write_text(json.dumps(to_json(outcome), indent=1, default=str))
    log(f"wrote {md}, {png}" + (f", {out_dir / perf_name}" if perf_name else ""))
    print()
    print(report.console(outcome, stamp, perf_name))
