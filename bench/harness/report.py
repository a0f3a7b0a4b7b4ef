"""The Markdown report: the main table, one section per scenario with a table of its own, the ratios of morse-proxy
to its peers, and the goals. Nothing here names a scenario: each says how it is shown (scenario.Section)."""

from .fronts import FRONT_NAMES, FRONTS, PEERS, SUBJECT
from .metrics import fmt, ratio
from .runner import Outcome
from .scenario import Column, FrontTable, MainTable, ScenarioResult, Sentence

Block = list[str]  # lines; blocks are separated by one blank line


def title(stamp: str) -> Block:
    return [f"# Morse cluster benchmark {stamp}"]


def preamble(outcome: Outcome, png_name: str) -> list[Block]:
    s, m = outcome.settings, outcome.machine
    fronts = "; ".join(f"**{f.name}** {f.description}" for f in FRONTS)
    return [
        [f"{'QUICK mode (indicative only): ' if s.quick else ''}{s.reps} interleaved repetition(s) per (front, "
         f"scenario), medians; closed-loop runs {s.seconds:g} s after a warm-up (wrk -t1). Two morse-workers (SQLite) "
         "behind every front; everything on 127.0.0.1. Reproduce: `make bench` (`make bench QUICK=1` for a quick "
         "look)."],
        [f"Machine: {m.cpu}, {m.cores} cores (shared), {m.os}, kernel {m.kernel}, load average at start {m.load}. "
         f"{m.haproxy}, {m.nginx}, {m.swift}, {m.wrk}, {m.h2load}."],
        [f"Fronts: {fronts}. CPU = utime+stime of the front process only (for direct: the worker). RSS = VmHWM of the "
         "front during the run."],
        [f"![rps and p99 per front and scenario]({png_name})"],
    ]


def load_results(outcome: Outcome) -> list[ScenarioResult]:
    return [r for r in outcome.results.values() if isinstance(r.scenario.section, MainTable)]


# the main table's measured columns; a ratio column per peer follows them
MAIN_COLUMNS = (Column("req/s", "rps"), Column("p50 ms", "p50", ".3f"), Column("p99 ms", "p99", ".3f"),
                Column("CPU s/10k", "cpu10k", ".3f"), Column("peak RSS MiB", "rss_mib", ".1f"),
                Column("RSS after/before", "rss_return", ".2f"), Column("errors", "errors"))


def cell(result: ScenarioResult, front: str, column: Column) -> str:
    if column.per_run:
        return ", ".join(fmt(v, column.spec) for v in result.values(front, column.metric))
    text = fmt(result.median(front, column.metric), column.spec)
    if column.metric == "p99" and result.values(front, "p999"):  # an open-loop run also has the p99.9
        text += f" (p99.9 {fmt(result.median(front, 'p999'), '.3f')})"
    return text


def main_table(outcome: Outcome) -> Block:
    """One row per (load scenario, front): medians, and requests/s relative to each peer."""
    headers = [c.header for c in MAIN_COLUMNS] + [f"rps/{p.display}" for p in PEERS]
    lines = ["| scenario | front | " + " | ".join(headers) + " |", "|---|---|" + "---:|" * len(headers)]
    for result in load_results(outcome):
        heading = result.scenario.table_title(result.params)
        for front in FRONT_NAMES:
            cells = [cell(result, front, c) for c in MAIN_COLUMNS]
            cells += [fmt(ratio(result.median(front, "rps"), result.median(p.name, "rps")), ".2f") for p in PEERS]
            lines.append(f"| {heading} | {front} | " + " | ".join(cells) + " |")
            heading = ""  # the scenario's title only on its first row
    return lines


def section(result: ScenarioResult) -> list[Block]:
    """A scenario's own table or sentence after the main table; none for a load scenario."""
    shown = result.scenario.section
    bold = f"**{result.scenario.table_title(result.params)}**"
    if isinstance(shown, FrontTable):
        header = "| front | " + " | ".join(c.header for c in shown.columns) + " |"
        align = "|---|" + "".join("---|" if c.per_run else "---:|" for c in shown.columns)
        rows = [f"| {row} | " + " | ".join(cell(result, row, c) for c in shown.columns) + " |"
                for row in result.runs or FRONT_NAMES]
        notes = result.scenario.notes(result.params)
        return [[f"{bold} {shown.intro.format(**result.params)}"], [header, align, *rows], *([notes] if notes else [])]
    if isinstance(shown, Sentence) and result.runs:
        return [[f"{bold} {shown.text.format(**result.single)}"]]
    return []


def ratios(outcome: Outcome) -> list[Block]:
    """morse-proxy's requests/s, p99 and CPU per request over each peer's, per load scenario."""
    compared = (("rps", "rps"), ("p99", "p99"), ("CPU", "cpu10k"))
    headers = [f"{label} / {p.display}" if i == 0 else f"/ {p.display}"
               for label, _ in compared for i, p in enumerate(PEERS)]
    headers[0] = f"{SUBJECT} {headers[0]}"
    lines = ["| scenario | " + " | ".join(headers) + " |", "|---|" + "---:|" * len(headers)]
    for result in load_results(outcome):
        cells = [fmt(ratio(result.median(SUBJECT, key), result.median(p.name, key)), ".2f")
                 for _, key in compared for p in PEERS]
        lines.append(f"| ({result.scenario.label}) | " + " | ".join(cells) + " |")
    return [["## Ratios (same run)"], lines]


def goals(outcome: Outcome) -> list[Block]:
    rows = [f"| {v.name} | {v.measured} | {'met' if v.met else '**missed**'} |" for v in outcome.verdicts]
    return [["## Goals (issues 9, 17 and 18)"], ["| goal | measured | |", "|---|---|---|", *rows]]


def perf_link(perf_name: str | None) -> list[Block]:
    if not perf_name:
        return []
    return [[f"Where {SUBJECT}'s time goes during (a): [{perf_name}]({perf_name})."]]


def join(blocks: list[Block]) -> str:
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def markdown(outcome: Outcome, stamp: str, png_name: str, perf_name: str | None) -> str:
    blocks = [title(stamp), *preamble(outcome, png_name), main_table(outcome)]
    for result in outcome.results.values():
        blocks += section(result)
    blocks += ratios(outcome) + goals(outcome) + perf_link(perf_name)
    return join(blocks)


def console(outcome: Outcome, stamp: str, perf_name: str | None) -> str:
    """What the run prints at the end: the title, the main table, the ratios and the goals."""
    return "\n".join(title(stamp) + main_table(outcome)) + "\n\n" + join(ratios(outcome) + goals(outcome)
                                                                        + perf_link(perf_name))
