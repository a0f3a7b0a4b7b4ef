#!/usr/bin/env bash
# Runs the benchmark harness in QUICK mode into a temporary directory and checks what it wrote: a Markdown table
# with every front and scenario, ratios and goals, and a real PNG chart. The harness's own tests (no cluster,
# bench/tests/test_harness.py) run first. `make test` calls it so the harness cannot rot. Needs root-free loopback
# only; takes < 3 minutes once the binaries exist. What it checks is the harness, not the figures, so `make test`
# gives it the debug build (--bin-dir .build/debug) rather than wait for a release build.
#
# Usage: bench/tests/test_quick.sh [--bin-dir DIR]    (default: .build-release/release, built by the harness
#                                                      through `make release` when missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bin_dir=${1:-}
[[ "$bin_dir" == --bin-dir ]] && bin_dir=$2
[[ -z "$bin_dir" && -x .build-release/release/morse-proxy && -x .build-release/release/morse-worker \
    && -x .build-release/release/morse ]] && bin_dir=.build-release/release

fail() { echo "bench/tests: FAIL: $*" >&2; exit 1; }
scripts/install-deps.sh bench
venv=$(scripts/python-venv.sh bench/requirements.txt bench-venv)
out=$(mktemp -d /tmp/morse-bench-test.XXXXXX)
trap 'rm -rf "$out"' EXIT

"$venv/bin/python" bench/run.py --help | grep -q -- "--quick" || fail "--help does not document --quick"
# the harness's own tests first: seconds, no cluster (-W: not the pinned libraries' deprecation notices)
(cd bench && "$venv/bin/python" -W ignore::DeprecationWarning -m unittest -q tests.test_harness) \
    || fail "bench/tests/test_harness.py failed"

start=$(date +%s)
"$venv/bin/python" bench/run.py --quick --out "$out" ${bin_dir:+--bin-dir "$bin_dir"} >"$out/stdout" \
    2>"$out/stderr" || { tail -n 30 "$out/stderr" >&2; fail "bench/run.py --quick exited with $?"; }
elapsed=$(($(date +%s) - start))
echo "bench/tests: QUICK run took ${elapsed}s"
((elapsed < 180)) || fail "QUICK mode took ${elapsed}s (limit 180s)"

"$venv/bin/python" - "$out" <<'PY' || fail "results are not well-formed"
import re, struct, sys
from pathlib import Path
sys.path.insert(0, "bench")  # expectations from the registries: a new scenario, front or goal needs no edit here
from harness.fronts import FRONT_NAMES
from harness.goals import GOALS
from harness.scenario import MainTable
from harness.scenarios import SCENARIOS
out = Path(sys.argv[1])
mds = sorted(out.glob("*-quick.md"))
pngs = sorted(out.glob("*-quick.png"))
assert len(mds) == 1 and len(pngs) == 1, f"want one .md and one .png, got {mds} {pngs}"
md = mds[0].read_text()
lines = md.splitlines()
# the main table, from its header to the first blank line: one row per (load scenario, front), numbers in every cell
start = next(i for i, l in enumerate(lines) if l.startswith("| scenario | front |"))
table = lines[start + 2:lines.index("", start)]
loads = [s for s in SCENARIOS if isinstance(s.section, MainTable)]
want = len(loads) * len(FRONT_NAMES)
assert len(table) == want, f"main table has {len(table)} front rows, want {want}"
for s in loads:
    assert f"| ({s.label})" in md, f"scenario ({s.label}) missing from the table"
for line in table:
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1] in FRONT_NAMES, f"unknown front in {line}"
    rps = float(cells[2])
    assert rps > 0, f"no requests/s in {line}"
    assert float(cells[3]) > 0 and float(cells[4].split()[0]) > 0, f"no latency in {line}"
for heading in [f"**{s.title}" for s in SCENARIOS if s not in loads] + ["## Ratios (same run)", "## Goals (issues 9, 17 and 18)",
                                                                       "Machine:"]:
    assert heading in md, f"'{heading}' missing"
for front in FRONT_NAMES:  # the idle connections' table (g)
    # RSS before, held, peak; KiB per connection and RSS after/before ("–" when not measured); held; errors
    assert re.search(rf"^\| {re.escape(front)} \| [\d.]+ \| [\d.]+ \| [\d.]+ \| (-?[\d.]+|–) \| ([\d.]+|–) "
                     rf"\| \d+ \| \d+ \|$", md, re.M), \
        f"(g) row of {front} missing or malformed"
from harness.upgrades import UPGRADABLE
for kind in UPGRADABLE:  # the upgrade scenario (j): a row of numbers per front and the control, each one's command
    assert re.search(rf"^\| {re.escape(kind.row)} \| \d+ \| \d+ \| \d+ \| \d+ \|", md, re.M), \
        f"(j) row of {kind.row} missing or malformed"
    assert f"- {kind.row}: {kind.command}" in md, f"(j) command of {kind.row} missing"
goals = [l for l in md.splitlines() if re.match(r"^\| .* \| (met|\*\*missed\*\*) \|$", l)]
assert len(goals) == len(GOALS), f"{len(goals)} goal rows, want {len(GOALS)}"
assert pngs[0].name in md, "the table does not link its chart"
data = pngs[0].read_bytes()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
assert 20_000 < len(data) < 5_000_000, f"PNG size {len(data)} bytes is not sensible"
assert data[12:16] == b"IHDR"
width, height = struct.unpack(">II", data[16:24])
assert width >= 1000 and height >= 700, f"PNG is {width}x{height}"
print(f"bench/tests: table ok ({len(table)} rows, {len(goals)} goals), PNG {width}x{height}, {len(data)} bytes")
PY
echo "bench/tests: PASS"
