#!/usr/bin/env bash
# Requests per second of one release-built morse-worker: GET /api/v1/encode with a 40-character text against
# GET /healthz (no work, no database) on the same process in the same run, interleaved rounds.
#
# Usage: bench/worker/bench.sh [--rounds N] [--seconds S] [--connections C] [--binary PATH]
#   --rounds N       rounds per endpoint, interleaved encode/healthz (default 3; QUICK=1: 2)
#   --seconds S      wrk duration of each round (default 10; QUICK=1: 4)
#   --connections C  wrk connections (default 32)
#   --binary PATH    a release-built morse-worker (default: build it into .build-worker)
# Prints each round, the mean rps of both endpoints and the ratio encode/healthz (goal >= 0.9).
# Loopback only; the worker logs at warning level so the access log does not dominate what is measured.
set -euo pipefail

rounds=3
seconds=10
connections=32
binary=""
if [ "${QUICK:-0}" = "1" ]; then rounds=2; seconds=4; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/worker: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

command -v wrk >/dev/null || { echo "bench/worker: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$binary" ]; then
  echo "building morse-worker (release)..." >&2
  (cd "$root" && swift build -c release --scratch-path .build-worker --product morse-worker >/dev/null)
  binary="$root/.build-worker/release/morse-worker"
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$binary" --host 127.0.0.1 --port "$port" --name bench1 --database "sqlite:$work/morse.db" --log-level warning \
  --drain-seconds 0 >"$work/worker.log" 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null; rm -rf "$work"' EXIT

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/worker.log" >&2; exit 1; }

# 40 characters: letters, figures, punctuation and spaces.
text="CQ CQ DE W1AW, QTH BOSTON. RST 599 73 SK"
[ ${#text} -eq 40 ] || { echo "bench/worker: text is ${#text} characters, not 40" >&2; exit 1; }
encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$text")
encode_url="http://127.0.0.1:$port/api/v1/encode?text=$encoded"
health_url="http://127.0.0.1:$port/healthz"
# Warm the alphabet cache: the benchmark measures the cached path, the one every request but the first takes.
curl -fs "$encode_url" >/dev/null

rps() { # url -> requests/second of one wrk round; fails on any non-2xx or socket error
  local out
  out=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$1")
  if echo "$out" | grep -qE 'Non-2xx|Socket errors'; then echo "$out" >&2; echo "bench/worker: errors in the run" >&2; exit 1; fi
  echo "$out" | awk '/^Requests\/sec:/ { print $2 }'
}

encode_total=0
health_total=0
for round in $(seq 1 "$rounds"); do
  e=$(rps "$encode_url")
  h=$(rps "$health_url")
  printf 'round %d: encode %10.0f rps   healthz %10.0f rps\n' "$round" "$e" "$h"
  encode_total=$(python3 -c "print($encode_total + $e)")
  health_total=$(python3 -c "print($health_total + $h)")
done
python3 - "$encode_total" "$health_total" "$rounds" <<'PY'
import sys
encode, health, rounds = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
e, h = encode / rounds, health / rounds
print(f"encode (40 chars): {e:10.0f} rps (mean of {rounds})")
print(f"healthz:           {h:10.0f} rps (mean of {rounds})")
print(f"ratio encode/healthz: {e / h:.3f} (goal >= 0.9)")
PY
