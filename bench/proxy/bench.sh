#!/usr/bin/env bash
# Benchmark morse-proxy against HAProxy and nginx in front of the same two backends, on loopback.
#
# Front configurations and measuring functions: bench/lib/fronts.sh (shared with bench/run.py).
# Backends: two nginx-light instances (one worker each) answering a 16-byte body from memory (`return 200`),
# so the front proxy, not the backend, is the bottleneck. Fronts:
#   morse-proxy  release build, access log off, health checks every 2s, retries 2
#   HAProxy      nbthread 1, http-reuse always, retries 3, option redispatch 1, retry-on conn-failure
#                empty-response, check inter 2s
#   nginx        master_process off (one process), upstream keepalive 64, HTTP/1.1, Connection "", access_log off
# All three add X-Forwarded-For (morse-proxy also adds X-Forwarded-Proto, X-Request-ID and Via).
# Load: wrk -t1 -c32 keep-alive, fronts interleaved A B C per round, ROUNDS rounds (default 5, QUICK=1: 3 x 3s).
# CPU: utime+stime of the front process from /proc/PID/stat, over the measured run only.
#
# Usage: bench/proxy/bench.sh            (~3.5 minutes: 5 rounds)
#        QUICK=1 bench/proxy/bench.sh    (< 1 minute)
#        ROUNDS=5 DURATION=15 bench/proxy/bench.sh
#        MORSE_PROXY=/path/to/morse-proxy bench/proxy/bench.sh   (that binary; default: a release build here)
#        SYSCALLS=1 ROUNDS=0 bench/proxy/bench.sh
#                                        system calls per request of each front (perf stat on the kernel's syscall
#                                        tracepoints, 2 s of wrk), keep-alive and `Connection: close`: where a
#                                        connection's cost goes, counted where CPU figures on shared cores are noisy.
#                                        Not strace: it slows the front enough to change what it measures (a request
#                                        is then always there when its connection is accepted).
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
QUICK=${QUICK:-0}
if [[ "$QUICK" == 1 ]]; then
    ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-3}; WARMUP=${WARMUP:-1}
else
    ROUNDS=${ROUNDS:-5}; DURATION=${DURATION:-10}; WARMUP=${WARMUP:-2}
fi
CONNECTIONS=${CONNECTIONS:-32}
BASE_PORT=${BASE_PORT:-19080}
B1=$((BASE_PORT + 1)); B2=$((BASE_PORT + 2))
PORT_MORSE=$((BASE_PORT + 10)); PORT_HAPROXY=$((BASE_PORT + 11)); PORT_NGINX=$((BASE_PORT + 12))

need() { command -v "$1" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin command -v "$1" >/dev/null 2>&1; }
missing=()
need wrk || missing+=(wrk)
[[ "${SYSCALLS:-0}" != 1 ]] || need perf || missing+=(linux-perf)
need haproxy || missing+=(haproxy)
need nginx || missing+=(nginx-light)
if ((${#missing[@]})); then
    echo "installing ${missing[*]} with apt-get" >&2
    apt-get install -y "${missing[@]}" >/dev/null
fi
export PATH=$PATH:/usr/sbin

if [[ -n "${MORSE_PROXY:-}" ]]; then
    MORSE=$MORSE_PROXY # a binary built elsewhere, e.g. to measure an older build
else
    echo "building morse-proxy (release)" >&2
    swift build -c release --scratch-path .build-proxy --product morse-proxy >/dev/null 2>&1
    MORSE=$ROOT/.build-proxy/release/morse-proxy
fi

WORK=$(mktemp -d /tmp/morse-bench.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

backend_conf() { # name port
    cat <<CONF
daemon off; master_process off; worker_processes 1; pid $WORK/$1.pid; error_log $WORK/$1.err warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000; keepalive_timeout 65s;
  client_body_temp_path $WORK/$1-body; proxy_temp_path $WORK/$1-proxy; fastcgi_temp_path $WORK/$1-fcgi;
  uwsgi_temp_path $WORK/$1-uwsgi; scgi_temp_path $WORK/$1-scgi;
  server {
    listen 127.0.0.1:$2 reuseport;
    location = /readyz { return 200 "ready\n"; }
    location / { add_header X-Served-By $1; return 200 "hello from $1\n"; }
  }
}
CONF
}
backend_conf web1 $B1 >"$WORK/web1.conf"
backend_conf web2 $B2 >"$WORK/web2.conf"

# HAProxy, nginx and morse-proxy configurations and the measuring functions are shared with bench/run.py.
source "$ROOT/bench/lib/fronts.sh"
haproxy_conf $PORT_HAPROXY web1=127.0.0.1:$B1 web2=127.0.0.1:$B2 >"$WORK/haproxy.cfg"
nginx_front_conf "$WORK" $PORT_NGINX web1=127.0.0.1:$B1 web2=127.0.0.1:$B2 >"$WORK/nginx-front.conf"
mapfile -t MORSE_ARGS < <(morse_proxy_args $PORT_MORSE web1=127.0.0.1:$B1 web2=127.0.0.1:$B2)

nginx -c "$WORK/web1.conf" -p "$WORK" 2>>"$WORK/web1.err" & PIDS+=($!)
nginx -c "$WORK/web2.conf" -p "$WORK" 2>>"$WORK/web2.err" & PIDS+=($!)
sleep 0.3
"$MORSE" "${MORSE_ARGS[@]}" 2>"$WORK/morse.err" & MORSE_PID=$!; PIDS+=($MORSE_PID)
haproxy -f "$WORK/haproxy.cfg" -db 2>"$WORK/haproxy.err" & HAPROXY_PID=$!; PIDS+=($HAPROXY_PID)
nginx -c "$WORK/nginx-front.conf" -p "$WORK" 2>>"$WORK/front.err" & NGINX_PID=$!; PIDS+=($NGINX_PID)

wait_port() {
    for _ in $(seq 1 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$1/" && return 0
        sleep 0.1
    done
    echo "port $1 did not answer" >&2; cat "$WORK"/*.err >&2
    return 1
}
for port in $B1 $B2 $PORT_MORSE $PORT_HAPROXY $PORT_NGINX; do wait_port "$port"; done

RESULTS=$WORK/results.txt
: >"$RESULTS"
run_front() { # name port pid round
    wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$2/" >/dev/null
    local line rps p50 p99 cpu10k errors
    line=$(wrk_measure "http://127.0.0.1:$2/" "$3" "$DURATION" "$CONNECTIONS")
    eval "$(echo "$line" | awk '{for (i = 1; i <= NF; i++) print "local " $i}')"
    [[ "$errors" == 0 ]] && errors="" || errors="errors $errors"
    printf "%-12s round %d  rps %9.0f  p50 %7.3f ms  p99 %7.3f ms  cpu/10k %.4f s  %s\n" \
        "$1" "$4" "$rps" "$p50" "$p99" "$cpu10k" "$errors" >&2
    echo "$1 $rps $p50 $p99 $cpu10k" >>"$RESULTS"
}

echo "wrk -t1 -c$CONNECTIONS, ${DURATION}s per run after ${WARMUP}s warm-up, $ROUNDS rounds, fronts interleaved" >&2
for round in $(seq 1 "$ROUNDS"); do
    run_front morse-proxy $PORT_MORSE $MORSE_PID "$round"
    run_front haproxy $PORT_HAPROXY $HAPROXY_PID "$round"
    run_front nginx $PORT_NGINX $NGINX_PID "$round"
done

# The system calls the fronts make (nginx: recvfrom/writev, HAProxy: recvfrom/sendto, morse-proxy: read/write).
SYSCALL_NAMES=(read recvfrom write writev sendto epoll_wait epoll_ctl accept4 close setsockopt getsockopt shutdown
    connect socket ioctl)
count_syscalls() { # name port pid keep-alive|close
    local header=() counts=$WORK/perf-$1-$4.txt events=(-e raw_syscalls:sys_enter) name requests counter
    [[ $4 == close ]] && header=(-H "Connection: close")
    for name in "${SYSCALL_NAMES[@]}"; do events+=(-e "syscalls:sys_enter_$name"); done
    # Kernel tracepoints, counted in the kernel: unlike strace, the front runs at full speed, so what depends on
    # timing (how many events one epoll_wait returns, whether a request has arrived when a connection is accepted)
    # is what it is without the counting.
    perf stat -x, "${events[@]}" -p "$3" -o "$counts" -- sleep 2.4 &
    counter=$!
    sleep 0.2
    requests=$(wrk -t1 -c"$CONNECTIONS" -d2s "${header[@]}" "http://127.0.0.1:$2/" | awk '/requests in/ {print $1}')
    wait "$counter"
    awk -F, -v front="$1" -v mode="$4" -v requests="$requests" '
        $3 == "raw_syscalls:sys_enter" { total = $1; next }
        $3 ~ /^syscalls:sys_enter_/ && $1 + 0 > 0 { name = substr($3, 20); calls[name] = $1 }
        END {
            line = ""
            n = 0
            for (name in calls) order[++n] = name
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (calls[order[j]] > calls[order[i]]) { t = order[i]; order[i] = order[j]; order[j] = t }
            for (i = 1; i <= n && i <= 8; i++) line = line sprintf(" %s %.2f", order[i], calls[order[i]] / requests)
            printf "| %-12s | %-10s | %8d | %6.2f |%s |\n", front, mode, requests, total / requests, line
        }' "$counts"
}

if [[ "${SYSCALLS:-0}" == 1 ]]; then
    echo
    echo "System calls per request (perf stat, syscall tracepoints of the front; wrk -t1 -c$CONNECTIONS for 2 s):"
    echo "| front        | mode       | requests | total  | the most frequent, per request |"
    echo "|--------------|------------|----------|--------|--------------------------------|"
    for mode in keep-alive close; do
        count_syscalls morse-proxy $PORT_MORSE $MORSE_PID $mode
        count_syscalls haproxy $PORT_HAPROXY $HAPROXY_PID $mode
        count_syscalls nginx $PORT_NGINX $NGINX_PID $mode
    done
fi
((ROUNDS > 0)) || exit 0

echo
echo "Median over $ROUNDS rounds (wrk -t1 -c$CONNECTIONS keep-alive, 2 nginx backends, loopback, $(nproc) cores):"
awk '
function median(list, n,   i, j, t, a) {
    split(list, a, " "); n = length(a)
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ rps[$1] = rps[$1] " " $2; p50[$1] = p50[$1] " " $3; p99[$1] = p99[$1] " " $4; cpu[$1] = cpu[$1] " " $5 }
END {
    printf "| %-12s | %10s | %8s | %8s | %12s | %9s | %9s | %9s |\n", "front", "req/s", "p50 ms", "p99 ms", "CPU s/10k", "rps/HAP", "p99/HAP", "CPU/HAP"
    printf "|--------------|------------|----------|----------|--------------|-----------|-----------|-----------|\n"
    hr = median(rps["haproxy"]); hp = median(p99["haproxy"]); hc = median(cpu["haproxy"])
    n = split("morse-proxy haproxy nginx", order, " ")
    for (k = 1; k <= n; k++) {
        f = order[k]; r = median(rps[f]); p = median(p99[f]); c = median(cpu[f])
        printf "| %-12s | %10.0f | %8.3f | %8.3f | %12.4f | %9.2f | %9.2f | %9.2f |\n", f, r, median(p50[f]), p, c, r / hr, p / hp, c / hc
    }
}' "$RESULTS"
