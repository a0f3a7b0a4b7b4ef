#!/usr/bin/env bash
# `make sanitize`: the proxy and worker test suites under AddressSanitizer and ThreadSanitizer.
#
# Usage: scripts/sanitize.sh [address] [thread]      (default: both)
#   SANITIZE_FILTER         swift test --filter (default: the proxy and worker suites)
#   SANITIZE_TEST_TIMEOUT   seconds allowed for each test run (default 900)
# Each sanitizer builds into its own scratch path (.build-asan, .build-tsan) so the debug build is untouched.
# Prints the duration of each run; exits 1 if any test fails or a sanitizer reports.
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${SANITIZE_FILTER:-'MorseProxyTests|MorseWorkerTests'}
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(address thread)
logs=${SANITIZE_LOGS:-/var/cache/morse-cluster/sanitize}
mkdir -p "$logs"
# Reports go to the log as well as failing the run; halt_on_error keeps the first report readable.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}
# The suppressions list only races SQLite designs in on purpose (its WAL index); the file says why.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan-suppressions.txt}
status=0
summary=()
for kind in "${kinds[@]}"; do
  case "$kind" in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    *) echo "sanitize: unknown sanitizer $kind (address, thread)" >&2; exit 2 ;;
  esac
  log="$logs/$kind.log"
  start=$(date +%s)
  echo "sanitize: $kind: building into $scratch (log: $log)" >&2
  result=clean
  if ! swift build --build-tests --scratch-path "$scratch" --sanitize="$kind" > "$log" 2>&1; then
    result="BUILD FAILED"
  fi
  built=$(date +%s)
  if [ "$result" = clean ]; then
    echo "sanitize: $kind: testing ($filter)" >&2
    # Bounded: a test process killed by a sanitizer can leave fixture children holding the output pipe open,
    # and swift test then waits forever.
    # The proxy's churn test opens 10,000 connections here (100,000 in the plain debug run); RSS means nothing
    # under ASan's quarantine, so the tests check only the pools' counters (MorseProxyTests.MemoryTests).
    if ! MORSE_CHURN_CONNECTIONS=10000 MORSE_SANITIZER="$kind" \
        timeout "${SANITIZE_TEST_TIMEOUT:-900}" swift test --skip-build --scratch-path "$scratch" \
        --sanitize="$kind" --filter "$filter" >> "$log" 2>&1; then
      result="TESTS FAILED"
    fi
    if grep -qE "(==[0-9]+==ERROR: (Address|Thread)Sanitizer|WARNING: ThreadSanitizer|SUMMARY: (Address|Thread)Sanitizer)" "$log"; then
      result="SANITIZER REPORT"
    fi
  fi
  end=$(date +%s)
  [ "$result" = clean ] || status=1
  tests=$(grep -oE "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1 || true)
  line="sanitize: $kind: $result; build $((built - start)) s, tests $((end - built)) s; ${tests:-no XCTest summary}"
  swift_testing=$(grep -oE "Test run with [0-9]+ tests? .*passed after [0-9.]+ seconds" "$log" | tail -1 || true)
  [ -z "$swift_testing" ] || line="$line; $swift_testing"
  summary+=("$line")
  echo "$line"
done
printf '%s\n' "${summary[@]}" > "$logs/summary.txt"
exit $status
