#!/usr/bin/env bash
# Starts and stops a local cluster in the background (for Jenkins' Deploy stage and scripts); `make run` runs one in
# the foreground instead.
#
# Usage: cluster/local-cluster.sh start [morsectl cluster up options...]
#        cluster/local-cluster.sh stop | status
# Environment: MORSE_BIN_DIR (default .build-release/release, as `make release` builds), MORSECTL (default
#              .build-release-ctl/release/morsectl), MORSE_CLUSTER_STATE (default
#              ${XDG_STATE_HOME:-~/.local/state}/morse-cluster-bg): database, log and pid file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${MORSE_BIN_DIR:-$root/.build-release/release}
morsectl=${MORSECTL:-$root/.build-release-ctl/release/morsectl}
state=${MORSE_CLUSTER_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/morse-cluster-bg}
pidfile=$state/cluster.pid
log=$state/cluster.log

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-}" in
  start)
    shift
    if running; then echo "local-cluster: already running (pid $(cat "$pidfile"))"; exit 0; fi
    mkdir -p "$state"
    proxy_port=8080
    args=("$@")
    for ((i = 0; i < ${#args[@]}; i++)); do
      [ "${args[$i]}" = --proxy-port ] && proxy_port=${args[$((i + 1))]}
    done
    # Its own session, so that stopping it reaches every process it started and nothing else.
    setsid "$morsectl" cluster up --state-dir "$state" --bin-dir "$bin" "$@" > "$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 1 120); do
      if curl -fsS "http://127.0.0.1:$proxy_port/healthz" > /dev/null 2>&1; then
        echo "local-cluster: up on http://127.0.0.1:$proxy_port (log $log)"
        exit 0
      fi
      running || { echo "local-cluster: failed to start; log:" >&2; tail -n 40 "$log" >&2; exit 1; }
      sleep 0.5
    done
    echo "local-cluster: no answer on :$proxy_port within 60 s; log:" >&2
    tail -n 40 "$log" >&2
    exit 1
    ;;
  stop)
    if ! running; then echo "local-cluster: not running"; rm -f "$pidfile"; exit 0; fi
    pid=$(cat "$pidfile")
    kill -TERM "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
    rm -f "$pidfile"
    echo "local-cluster: stopped"
    ;;
  status)
    if running; then echo "local-cluster: running (pid $(cat "$pidfile"))"; else echo "local-cluster: stopped"; exit 3; fi
    ;;
  *)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
