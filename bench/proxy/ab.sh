#!/usr/bin/env bash
# Two builds of morse-proxy head to head: did a change make the proxy itself faster or slower?
#
# `make bench` compares morse-proxy with HAProxy and nginx; its QUICK ratios move by more than 10 % between two
# runs of the same binaries on 2 shared cores, too much to see a few per cent between two builds. Here both
# proxies run at once in front of the same two morse-workers, with the same flags (bench/lib/fronts.sh), and the
# wrk runs alternate A B A B..., so drift in the machine's speed falls on both alike. Reported per scenario: the
# median over the rounds of req/s, proxy CPU seconds per 10k requests (utime+stime from /proc) and p99, and B/A.
#
# Usage: bench/proxy/ab.sh OLD_PROXY NEW_PROXY [WORKER]
#   OLD_PROXY, NEW_PROXY  two morse-proxy binaries (A and B), e.g. a release build of main and of a branch
#   WORKER                the morse-worker both proxies front (default: .build-release/release/morse-worker)
#   ROUNDS (default 6), SECONDS_PER_RUN (4), CONNECTIONS (32), BASE_PORT (18180) from the environment.
# Scenarios: (a) GET /healthz over keep-alive connections, (b) the same with `Connection: close`.
# Takes ROUNDS x 2 x 2 x SECONDS_PER_RUN seconds (about 2 minutes by default); everything on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $# -lt 2 || $1 == -h || $1 == --help ]]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
old=$1 new=$2 worker=${3:-.build-release/release/morse-worker}
for binary in "$old" "$new" "$worker"; do
    [[ -x $binary ]] || { echo "ab.sh: $binary is not an executable (make release builds them)" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "ab.sh: wrk is missing (scripts/install-deps.sh bench installs it)" >&2; exit 2; }
ROUNDS=${ROUNDS:-6} SECONDS_PER_RUN=${SECONDS_PER_RUN:-4} CONNECTIONS=${CONNECTIONS:-32} BASE_PORT=${BASE_PORT:-18180}
fronts=bench/lib/fronts.sh
work=$(mktemp -d)
pids=()
cleanup() {
    ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

servers=()
for i in 1 2; do
    port=$((BASE_PORT + i))
    "$worker" --host 127.0.0.1 --port "$port" --name "web$i" --database "sqlite:$work/web$i.db" \
        --log-level warning --drain-seconds 0 >"$work/web$i.log" 2>&1 &
    pids+=($!)
    servers+=("web$i=127.0.0.1:$port")
done
declare -A pid port
for side in A B; do
    binary=$old port[$side]=$((BASE_PORT + 10))
    [[ $side == B ]] && binary=$new port[$side]=$((BASE_PORT + 11))
    mapfile -t args < <(bash "$fronts" morse_proxy_args "${port[$side]}" "${servers[@]}")
    "$binary" "${args[@]}" >"$work/proxy-$side.log" 2>&1 &
    pid[$side]=$!
    pids+=($!)
done
# Ready: both proxies answer /healthz through a worker (checks every 2 s, so the backends are up within a few).
for side in A B; do
    for _ in $(seq 100); do
        curl -fs -o /dev/null "http://127.0.0.1:${port[$side]}/healthz" && break
        sleep 0.1
    done
    curl -fs -o /dev/null "http://127.0.0.1:${port[$side]}/healthz" || {
        echo "ab.sh: proxy $side does not answer; its log:" >&2; cat "$work/proxy-$side.log" >&2; exit 1; }
done

echo "A: $old"
echo "B: $new"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (rerun on a quieter machine if the first is above 2)"
results=$work/results.txt
for scenario in a b; do
    header=()
    [[ $scenario == b ]] && header=(-H "Connection: close")
    for round in $(seq "$ROUNDS"); do
        for side in A B; do
            line=$(bash "$fronts" wrk_measure "http://127.0.0.1:${port[$side]}/healthz" "${pid[$side]}" \
                "$SECONDS_PER_RUN" "$CONNECTIONS" "${header[@]}")
            echo "$scenario $side $line" >>"$results"
            echo "  ($scenario) round $round $side: $line" >&2
        done
    done
done

python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    scenario, side, *pairs = line.split()
    values = dict(pair.split("=") for pair in pairs)
    if int(values["errors"]):
        print(f"({scenario}) {side}: {values['errors']} errors in one run", file=sys.stderr)
    runs.setdefault((scenario, side), []).append(values)
print("| scenario | figure | A | B | B/A |")
print("|---|---|---:|---:|---:|")
names = {"a": "(a) /healthz keep-alive", "b": "(b) /healthz Connection: close"}
for scenario in "ab":
    for key, label, digits in (("rps", "req/s", 0), ("cpu10k", "CPU s/10k", 4), ("p99", "p99 ms", 2)):
        a = statistics.median(float(v[key]) for v in runs[(scenario, "A")])
        b = statistics.median(float(v[key]) for v in runs[(scenario, "B")])
        print(f"| {names[scenario]} | {label} | {a:.{digits}f} | {b:.{digits}f} | {b / a:.3f} |")
PY
