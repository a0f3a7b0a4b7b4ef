"""The Markdown report: how the corpus is made and measured, the CER table (a row per condition), summary rows
(per SNR, per sample rate, overall), the speed figures, the goals' verdicts and the worst recordings of ours."""

from . import synth
from .conditions import SAMPLE_RATES, SNR_CONDITIONS
from .corpus import LEAD_S, TAIL_S
from .goals import ABSOLUTE_JITTER, ABSOLUTE_MACHINE, PEER_MARGIN, Verdict, pct
from .morsecode import JITTER_CLIP
from .results import Outcome, RecordingResult, Slice, slice_of

Block = list[str]


def table_row(first: list[str], s: Slice) -> str:
    cells = [*first, str(len(s.results)), str(s.chars), pct(s.cer("ours")), pct(s.cer("multimon")),
             f"{s.failures('ours')}/{s.failures('multimon')}"]
    return "| " + " | ".join(cells) + " |"


def condition_goals(outcome: Outcome, name: str) -> str:
    """The verdicts that concern one condition: its absolute goal if any, and the margin to multimon-ng."""
    s = outcome.of(name)
    ours, theirs = s.cer("ours"), s.cer("multimon")
    condition = next(c for c in outcome.conditions if c.name == name)
    parts = []
    for flag, limit in ((condition.machine_goal, ABSOLUTE_MACHINE), (condition.jitter_goal, ABSOLUTE_JITTER)):
        if flag:
            parts.append(f"≤ {100 * limit:g} %: {'met' if ours <= limit else '**missed**'}")
    parts.append(f"≤ mm+1 pp: {'met' if ours <= theirs + PEER_MARGIN else '**missed**'}")
    return "; ".join(parts)


def conditions_table(outcome: Outcome) -> Block:
    lines = ["| condition | parameters | recordings | ref chars | CER morse | CER multimon-ng | failed (morse/mm) "
             "| goals |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for c in outcome.conditions:
        row = table_row([c.name, c.parameters()], outcome.of(c.name))
        lines.append(f"{row} {condition_goals(outcome, c.name)} |")
    return lines


def summary_table(outcome: Outcome) -> Block:
    rows: list[Slice] = []
    for c in outcome.conditions:
        if c.name in SNR_CONDITIONS:
            rows.append(Slice(f"SNR {c.snr_db:+g} dB (machine-sent 10–30 WPM, {c.name})", outcome.of(c.name).results))
    for rate in SAMPLE_RATES:
        rows.append(slice_of(f"sample rate {rate} Hz (all conditions)", outcome.results,
                             lambda r, rate=rate: r.recording.sample_rate == rate))
    rows.append(outcome.overall())
    lines = ["| summary | recordings | ref chars | CER morse | CER multimon-ng | failed (morse/mm) |",
             "|---|---:|---:|---:|---:|---:|"]
    lines += [table_row([s.label], s) for s in rows]
    return lines


def speed_block(outcome: Outcome) -> list[Block]:
    lines = ["| recording | audio s | CPU s (best of runs) | wall s | × real time (audio s / CPU s) | CER of it |",
             "|---|---:|---:|---:|---:|---:|"]
    for c in outcome.core:
        if c.error:
            lines.append(f"| {c.file} ({c.sample_rate} Hz) | {c.audio_s:.1f} | – | – | failed: {c.error} | – |")
        else:
            lines.append(f"| {c.file} ({c.sample_rate} Hz) | {c.audio_s:.1f} | {c.cpu_s:.3f} | {c.wall_s:.3f} | "
                         f"{c.realtime:.0f}× | {pct(c.cer)} |")
    if not outcome.core:
        lines.append("| – | – | – | – | not measured | – |")
    a = outcome.api
    if a is None:
        api = "API (POST /api/v1/decode/audio to a morse-worker on loopback): not measured (no --worker-bin)."
    elif a.error:
        api = f"API: failed: {a.error}"
    else:
        api = (f"API: POST /api/v1/decode/audio of {a.file} ({a.bytes} bytes) to a morse-worker on loopback, best "
               f"of {a.runs} after a warm-up: {a.api_wall_s:.3f} s wall, against the CLI's {a.cli_wall_s:.3f} s on "
               f"the same file: ratio {a.ratio:.2f}.")
    return [lines, [api]]


def worst(outcome: Outcome) -> Block:
    """Our decoder's worst recording of each condition (most errors per reference character), with multimon-ng's
    hypothesis beside it."""
    lines = ["| recording | parameters | reference | morse | multimon-ng | CER morse / mm |",
             "|---|---|---|---|---|---:|"]
    for c in outcome.conditions:
        results = outcome.of(c.name).results
        if not results:
            continue
        r = max(results, key=lambda r: (r.cer("ours"), r.distances["ours"]))
        if r.distances["ours"]:
            lines.append(f"| {r.recording.id} | {describe(r)} | `{r.recording.text}` | {code(r, 'ours')} | "
                         f"{code(r, 'multimon')} | {pct(r.cer('ours'))} / {pct(r.cer('multimon'))} |")
    return lines if len(lines) > 2 else ["Every recording decoded without an error by morse."]


def code(r: RecordingResult, decoder: str) -> str:
    d = r.decoded[decoder]
    if d.error:
        return f"failed: {d.error[:80]}".replace("|", "/")
    text = " ".join(d.text.split())
    text = (text if len(text) <= 80 else text[:77] + "...").replace("|", "/").replace("`", "'")
    return f"`{text}`" if text else "(nothing)"


def describe(r: RecordingResult) -> str:
    x = r.recording
    speed = f"{x.wpm:g}/{x.farnsworth_wpm:g} WPM" if x.farnsworth_wpm else f"{x.wpm:g} WPM"
    parts = [speed, f"{x.pitch_hz:g} Hz", f"{x.sample_rate} Hz", "no noise" if x.snr_db is None else
             f"{x.snr_db:+g} dB"]
    if x.jitter:
        parts.append(f"jitter {x.jitter:.0%}")
    if x.drift_hz:
        parts.append(f"drift {x.drift_hz:+g} Hz {x.drift_shape}")
    if x.fade_depth_db:
        parts.append(f"fade {x.fade_depth_db:g} dB/{x.fade_period_s:g} s")
    return ", ".join(parts)


def goals_table(verdicts: list[Verdict]) -> Block:
    return ["| goal | measured | verdict |", "|---|---|---|",
            *(f"| {v.goal} | {v.value} | {v.word} |" for v in verdicts)]


def method(outcome: Outcome) -> Block:
    ctx = outcome.context
    return [
        f"Corpus: {len(outcome.results)} recordings, {ctx['per_condition']} per condition, seed {ctx['seed']} "
        f"(`bench/audio/run.py --seed {ctx['seed']}` writes the same files byte for byte). Texts: seeded words, "
        "callsigns, reports and numbers, 15–40 characters. Every recording has "
        f"{LEAD_S[0]:g}–{LEAD_S[1]:g} s of silence (noise only, when noisy) before the first element and "
        f"{TAIL_S[0]:g}–{TAIL_S[1]:g} s after the last; 16-bit mono WAV at 8000, 22050 or 44100 Hz (cycled), "
        "the pitch drawn from 400–1000 Hz unless the condition cycles its own. Timing: PARIS (a dit is 1.2 / WPM "
        "s), Farnsworth per ARRL; every element has raised-cosine edges of "
        f"{1000 * synth.RAMP_SECONDS:g} ms (an eighth of a dit above 30 WPM) centred on its nominal edges; "
        f"hand-keyed jitter scales each element and gap by 1 + j·z, z standard normal truncated to ±{JITTER_CLIP:g}; "
        "slow fading is a sinusoidal gain between 0 dB and −depth; drift is a linear sweep or a slow sine of the "
        "stated deviation.",
        "",
        "SNR is measured in a 2500 Hz bandwidth: the key-down tone of amplitude A (unfaded) has power A²/2 and the "
        "white Gaussian noise, of per-sample variance σ² = (A²/2)/SNR·(fs/2)/2500, has that power in any 2500 Hz "
        "of its 0–fs/2 band. A is −6 dBFS, lowered at low SNR so that A + 5σ stays below 0.9 full scale.",
        "",
        "CER: both texts upper-cased, whitespace runs folded to one space and stripped, a bracketed `<...>` "
        "(prosign or undecodable sequence) counted as one character; Levenshtein distance (insertions, deletions "
        "and substitutions, spaces included) summed over the recordings and divided by the sum of the "
        "references' lengths. A decoder's failure (non-zero exit) counts as an empty hypothesis.",
        "",
        f"Decoders: **morse** {ctx['ours']}. **multimon-ng** ({ctx['multimon_version']}, {ctx['sox_version']}): "
        f"{ctx['multimon']} — its options: {ctx['multimon_options']}.",
    ]


def report(outcome: Outcome, verdicts: list[Verdict], png_name: str, stamp: str) -> str:
    ctx = outcome.context
    quick = "QUICK mode: a few recordings per condition, indicative only (make test checks that the harness works, " \
        "not the figures). " if ctx["quick"] else ""
    loads = f"load average at start {ctx['load_start']}, at end {ctx['load_end']}"
    warning = " **Warning: load average above 2 on a 2-core machine: timings are unreliable.**" \
        if ctx["load_warning"] else ""
    blocks: list[Block] = [
        [f"# Audio decoding accuracy benchmark {stamp}{' (QUICK)' if ctx['quick'] else ''}"],
        [f"{quick}Commit {ctx['commit']}, seed {ctx['seed']}, {ctx['jobs']} decoding jobs, {ctx['machine']}; "
         f"{loads}.{warning} Took {ctx['elapsed_s']:.0f} s. Reproduce: `make bench-audio` (or "
         "`bench/audio/run.py --help`)."],
        method(outcome),
        [f"![CER per condition and CER against SNR]({png_name})"],
        ["## CER per condition"],
        conditions_table(outcome),
        ["## Summary"],
        summary_table(outcome),
        ["## Speed"],
        *speed_block(outcome),
        ["## Goals (issue 21 item 5)"],
        goals_table(verdicts),
        ["## The worst recording of morse in each condition (the JSON has them all)"],
        worst(outcome),
    ]
    return "\n\n".join("\n".join(b) for b in blocks) + "\n"
