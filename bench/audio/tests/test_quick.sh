#!/usr/bin/env bash
# Runs the audio-decoding benchmark in QUICK mode (3 recordings per condition, short speed recordings) into a
# temporary directory and checks what it wrote: a Markdown table with a row of numbers for every condition, the
# summary, speed and goal rows, a JSON with every recording, and a real PNG chart. The unit tests of the generator,
# the CER and the harness (bench/audio/tests/test_*.py) run first. `make test` calls it with the debug build so the
# harness cannot rot: what it checks is the harness, not the figures (a missed goal does not fail it).
# Takes about 20 s on 2 cores with the debug morse (limit 120 s).
#
# Usage: bench/audio/tests/test_quick.sh [--morse PATH]    (default: .build/debug/morse)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
morse=.build/debug/morse
[[ "${1:-}" == --morse ]] && morse=$2

fail() { echo "bench/audio/tests: FAIL: $*" >&2; exit 1; }
[[ -x "$morse" ]] || fail "$morse not found (make build)"
scripts/install-deps.sh bench
venv=$(scripts/python-venv.sh bench/requirements.txt bench-venv)
out=$(mktemp -d /tmp/morse-bench-audio-test.XXXXXX)
trap 'rm -rf "$out"' EXIT

"$venv/bin/python" bench/audio/run.py --help | grep -q -- "--quick" || fail "--help does not document --quick"
(cd bench && "$venv/bin/python" -W ignore::DeprecationWarning -m unittest discover -q -s audio/tests -t . 2>&1) \
    || fail "bench/audio/tests/test_*.py failed"

start=$(date +%s)
"$venv/bin/python" bench/audio/run.py --quick --morse "$morse" --out "$out" >"$out/stdout" 2>"$out/stderr" \
    || { tail -n 30 "$out/stdout" "$out/stderr" >&2; fail "bench/audio/run.py --quick exited with $?"; }
elapsed=$(($(date +%s) - start))
echo "bench/audio/tests: QUICK run took ${elapsed}s"
((elapsed < 120)) || fail "QUICK mode took ${elapsed}s (limit 120s)"

"$venv/bin/python" - "$out" <<'PY' || fail "results are not well-formed"
import json, re, struct, sys
from pathlib import Path
sys.path.insert(0, "bench")  # expectations from the registries: a new condition or goal needs no edit here
from audio.conditions import CONDITIONS
from audio.goals import GOALS
out = Path(sys.argv[1])
found = {ext: sorted(out.glob(f"*-audio-quick.{ext}")) for ext in ("md", "json", "png")}
assert all(len(v) == 1 for v in found.values()), f"want one .md, .json and .png, got {found}"
md = found["md"][0].read_text()
num = r"\d+(\.\d+)? %"
for c in CONDITIONS:  # condition | parameters | recordings | ref chars | CER morse | CER multimon-ng | failed | goals
    assert re.search(rf"(?m)^\| {re.escape(c.name)} \| [^|]+ \| 3 \| [1-9]\d* \| {num} \| {num} \| \d+/\d+ \| .+ \|$", md), \
        f"row of {c.name} missing or malformed"
assert re.search(rf"(?m)^\| overall \| {3 * len(CONDITIONS)} \| \d+ \| {num} \| {num} \|", md), "overall row"
for rate in (8000, 22050, 44100):
    assert f"| sample rate {rate} Hz" in md, f"summary row of {rate} Hz missing"
assert re.search(r"(?m)^\| long-8000\.wav \(8000 Hz\) \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+× \|", md), "speed row"
verdicts = re.findall(r"(?m)^\| .* \| (met|\*\*missed\*\*|not measured) \|$", md)
assert len(verdicts) == len(GOALS), f"{len(verdicts)} goal rows, want {len(GOALS)}"
for heading in ("## CER per condition", "## Summary", "## Speed", "## Goals", "SNR is measured in a 2500 Hz",
                "CER: both texts"):
    assert heading in md, f"'{heading}' missing"
data = json.loads(found["json"][0].read_text())
assert len(data["recordings"]) == 3 * len(CONDITIONS), "JSON: a recording missing"
assert all(r["ours"]["error"] is None for r in data["recordings"]), \
    "morse failed on: " + ", ".join(r["id"] for r in data["recordings"] if r["ours"]["error"])
png = found["png"][0]
assert png.name in md, "the table does not link its chart"
raw = png.read_bytes()
assert raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR", "not a PNG"
width, height = struct.unpack(">II", raw[16:24])
assert width >= 1000 and height >= 700 and 20_000 < len(raw) < 5_000_000, f"PNG {width}x{height}, {len(raw)} bytes"
print(f"bench/audio/tests: table ok ({len(CONDITIONS)} conditions, {len(verdicts)} goals), PNG {width}x{height}")
PY
echo "bench/audio/tests: PASS"
