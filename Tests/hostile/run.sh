#!/usr/bin/env bash
# The hostile-client suite against a local cluster (proxy + 2 workers on loopback), then the fault tests
# (PostgreSQL stopped under load, SQLite on a full disk). Python standard library only.
#
# Usage: Tests/hostile/run.sh [hostile] [outage] [diskfull]     (default: all three)
#   MORSE_BIN_DIR   folder with morsectl, morse-proxy and morse-worker (default: .build/debug)
# The disk-full case mounts a 4 MB tmpfs (root only; skipped otherwise) and removes it at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export MORSE_BIN_DIR=${MORSE_BIN_DIR:-$root/.build/debug}
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(hostile outage diskfull)
status=0
for part in "${parts[@]}"; do
  start=$(date +%s)
  case "$part" in
    hostile) python3 "$here/hostile.py" || status=1 ;;
    outage) python3 "$here/test_db_outage.py" outage || status=1 ;;
    diskfull) python3 "$here/test_db_outage.py" diskfull || status=1 ;;
    *) echo "run.sh: unknown part $part (hostile, outage, diskfull)" >&2; exit 2 ;;
  esac
  echo "hostile/run.sh: $part took $(( $(date +%s) - start )) s"
done
exit $status
