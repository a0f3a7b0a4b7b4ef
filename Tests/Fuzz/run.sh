#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for a bounded time from its committed corpus.
#
# Usage: Tests/Fuzz/run.sh [--seconds N] [TARGET...]     targets: decoder encoder audio proxy (default: all)
#   --seconds N   run time per target (default 60; `make fuzz` runs longer)
# Each harness is compiled into one module with the sources it tests (swiftc -sanitize=fuzzer,address), so the
# fuzz build needs no package dependencies. New inputs found are kept in a work folder outside the tree; a crash
# stops the run, its input is written to Tests/Fuzz/crashes/, and the script exits 1: add it to Regressions/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(decoder encoder audio proxy)
work=${MORSE_FUZZ_DIR:-/var/cache/morse-cluster/fuzz}
mkdir -p "$work" "$here/crashes"

sources_for() {
  case "$1" in
    decoder) find "$root/Sources/MorseCode" -name '*.swift' | sort; echo "$here/FuzzDecoder.swift" ;;
    encoder) find "$root/Sources/MorseCode" -name '*.swift' | sort; echo "$here/FuzzEncoder.swift" ;;
    # WAV bytes into the audio decoder, whole and as a stream (the entry of the CLI and the upload API).
    audio) find "$root/Sources/MorseCode" -name '*.swift' | sort; echo "$here/FuzzAudioDecoder.swift" ;;
    # The proxy's pure core and its http_parser callbacks (ParseState); libevent/http_parser via the module map.
    proxy)
      find "$root/Sources/MorseProxy/Core" -name '*.swift' | sort
      echo "$root/Sources/MorseProxy/DataPlane/ParseState.swift"
      echo "$here/FuzzProxyRequest.swift" ;;
    *) echo "fuzz: unknown target $1 (decoder, encoder, audio, proxy)" >&2; exit 2 ;;
  esac
}

flags_for() {
  case "$1" in
    proxy) echo "-I $root/Sources/CLibevent -lhttp_parser -levent" ;;
    *) echo "" ;;
  esac
}

# Build every target, then run them, each step as many at a time as there are processors: a swiftc of these
# sources and a libFuzzer process each keep one busy, so each target still gets its whole time on a processor of
# its own.
slots=$(nproc)
# build_one TARGET: the instrumented binary in the work folder, its seed corpus beside it.
build_one() {
  local sources
  sources=$(sources_for "$1")
  # shellcheck disable=SC2046,SC2086  # the source lists and flags are word lists
  swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name "Fuzz_$1" $(flags_for "$1") \
    $sources -o "$work/fuzz-$1" 2> "$work/build-$1.log"
  mkdir -p "$work/corpus-$1"
  cp -n "$here/Corpus/$1/"* "$work/corpus-$1/" 2>/dev/null || true
  if [ -d "$here/Regressions/$1" ]; then cp -n "$here/Regressions/$1/"* "$work/corpus-$1/" 2>/dev/null || true; fi
}
pids=()
for target in "${targets[@]}"; do
  sources_for "$target" > /dev/null   # an unknown target fails here, before anything starts
  while [ "$(jobs -rp | wc -l)" -ge "$slots" ]; do wait -n || true; done
  echo "fuzz: building $target" >&2
  build_one "$target" &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { cat "$work/build-${targets[$i]}.log" >&2; echo "fuzz: building ${targets[$i]} failed" >&2; exit 1; }
done

# fuzz_one TARGET: runs it for the given time; its log in the work folder, a crash's input in Tests/Fuzz/crashes/.
fuzz_one() {
  "$work/fuzz-$1" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -artifact_prefix="$here/crashes/$1-" "$work/corpus-$1" > "$work/run-$1.log" 2>&1
}
pids=()
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$slots" ]; do wait -n || true; done
  echo "fuzz: running $target for ${seconds}s" >&2
  fuzz_one "$target" &
  pids+=($!)
done
total_runs=0
failed=()
for i in "${!pids[@]}"; do
  target=${targets[$i]}
  log="$work/run-$target.log"
  if ! wait "${pids[$i]}"; then
    tail -n 40 "$log" >&2
    failed+=("$target")
    continue
  fi
  runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1)
  total_runs=$((total_runs + ${runs:-0}))
  echo "fuzz: $target: ${runs:-0} executions in ${seconds}s, 0 crashes"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} FAILED: see Tests/Fuzz/crashes/" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, $total_runs executions, 0 crashes"
