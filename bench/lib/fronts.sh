#!/usr/bin/env bash
# Shared pieces of the benchmarks: the peer fronts' configurations and the measuring functions, so that
# bench/proxy/bench.sh and bench/run.py measure HAProxy, nginx and morse-proxy the same way.
#
# Sourced:   source bench/lib/fronts.sh; haproxy_conf 8080 web1=127.0.0.1:8081 web2=127.0.0.1:8082 > haproxy.cfg
# Executed:  bench/lib/fronts.sh FUNCTION ARGS...   (bench/run.py calls it this way)
#
# Functions (SERVER = NAME=HOST:PORT; HEALTH_PATH, default /readyz, is the active check's path):
#   haproxy_conf PORT SERVER...          HAProxy 2.6: nbthread 1, http-reuse always, retries 3, option redispatch 1,
#                                        retry-on conn-failure empty-response, checks inter 2s rise 2 fall 3,
#                                        stats socket $HAPROXY_STATS_SOCKET when set, with `expose-fd listeners`
#                                        when HAPROXY_SEAMLESS=1 (the master of `haproxy -W` then hands the
#                                        listening sockets to the new worker on a reload: -x)
#   nginx_front_conf DIR PORT SERVER...  nginx 1.22: one process, upstream keepalive 64, HTTP/1.1, Connection "",
#                                        access_log off, proxy_next_upstream error timeout; temp files under DIR;
#                                        NGINX_MASTER=1: a daemon with a master and one worker, which a binary
#                                        upgrade needs (USR2 is ignored while the starting parent is alive)
#   morse_proxy_args PORT SERVER...      morse-proxy flags (one per line): access log off, checks every 2s;
#                                        admin API on $MORSE_ADMIN (default off), then $MORSE_PROXY_FLAGS
# Connection limits: MAXCONN = NOFILE - 1000 (nginx, morse-proxy), (NOFILE - 100) / 2 (HAProxy: 2 fds per
# connection), NOFILE = the hard RLIMIT_NOFILE (at most 65536; 20000 here: it cannot be raised without
# CAP_SYS_RESOURCE).
#   cpu_ticks PID                        utime+stime of PID in clock ticks (/proc/PID/stat)
#   to_ms LATENCY                        wrk latency (512.00us, 1.20ms, 2.00s) -> milliseconds
#   wrk_measure URL PID SECONDS CONNECTIONS [WRK-ARGS...]
#                                        one wrk -t1 run with --latency; prints one line of key=value:
#                                        requests rps p50 p99 (ms) cpu_s (of PID over the run) errors (socket
#                                        errors + non-2xx) cpu10k (CPU seconds per 10k requests)
set -euo pipefail

HEALTH_PATH=${HEALTH_PATH:-/readyz}
# File descriptors the fronts may use: the hard limit (containers without CAP_SYS_RESOURCE cannot raise it).
NOFILE=${NOFILE:-$(ulimit -Hn)}
[[ "$NOFILE" == unlimited || "$NOFILE" -gt 65536 ]] && NOFILE=65536
MAXCONN=$((NOFILE - 1000))
# HAProxy reserves two descriptors per connection (client and server side) and refuses to start otherwise.
HAPROXY_MAXCONN=$(((NOFILE - 100) / 2))

haproxy_conf() { # port server...
    local port=$1 server name addr
    shift
    cat <<CONF
global
    nbthread 1
    maxconn $HAPROXY_MAXCONN
    ulimit-n $NOFILE
${HAPROXY_STATS_SOCKET:+    stats socket $HAPROXY_STATS_SOCKET level admin${HAPROXY_SEAMLESS:+ expose-fd listeners}}
defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 30s
    timeout http-keep-alive 60s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
    option forwardfor
    http-reuse always
frontend fe
    bind 127.0.0.1:$port
    maxconn $HAPROXY_MAXCONN
    default_backend be
backend be
    balance roundrobin
    option httpchk GET $HEALTH_PATH
CONF
    for server in "$@"; do
        name=${server%%=*}; addr=${server#*=}
        echo "    server $name $addr check inter 2s rise 2 fall 3"
    done
}

nginx_front_conf() { # dir port server...
    local dir=$1 port=$2 server processes="daemon off; master_process off;"
    shift 2
    [[ "${NGINX_MASTER:-}" == 1 ]] && processes="daemon on; master_process on;"
    cat <<CONF
$processes worker_processes 1; worker_rlimit_nofile $NOFILE;
pid $dir/front.pid; error_log $dir/front.err warn;
events { worker_connections $MAXCONN; }
http {
  access_log off; keepalive_requests 1000000; keepalive_timeout 65s;
  client_body_temp_path $dir/f-body; proxy_temp_path $dir/f-proxy; fastcgi_temp_path $dir/f-fcgi;
  uwsgi_temp_path $dir/f-uwsgi; scgi_temp_path $dir/f-scgi;
  upstream be {
CONF
    for server in "$@"; do echo "    server ${server#*=};"; done
    cat <<CONF
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / {
      proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout;
    }
  }
}
CONF
}

morse_proxy_args() { # port server...
    local port=$1 server
    shift
    printf '%s\n' --listen "127.0.0.1:$port" --admin "${MORSE_ADMIN:-off}" --access-log off \
        --health-path "$HEALTH_PATH" --health-interval 2s --max-connections "$MAXCONN" --log-level warning
    # MORSE_PROXY_FLAGS: extra flags, for measuring a setting (e.g. "--backend-max-connections 16"); unset in
    # `make bench`, which measures the defaults.
    local flag
    for flag in ${MORSE_PROXY_FLAGS:-}; do printf '%s\n' "$flag"; done
    for server in "$@"; do printf '%s\n' --backend "$server"; done
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

to_ms() { # wrk latency like 512.00us, 1.20ms, 2.00s -> ms
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else printf "nan" }'
}

wrk_measure() { # url pid seconds connections [wrk args...]
    local url=$1 pid=$2 seconds=$3 connections=$4 before after out requests rps p50 p99 errors hz
    shift 4
    hz=$(getconf CLK_TCK)
    before=$(cpu_ticks "$pid" 2>/dev/null || echo 0)
    out=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$@" "$url")
    after=$(cpu_ticks "$pid" 2>/dev/null || echo "$before")
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")
    p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")
    errors=$(echo "$out" | awk '
        /Socket errors/ { gsub(",", ""); for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i }
        /Non-2xx/ { n += $NF }
        END { print n + 0 }')
    awk -v r="${requests:-0}" -v rps="${rps:-0}" -v p50="$p50" -v p99="$p99" -v t=$((after - before)) -v hz="$hz" \
        -v e="$errors" 'BEGIN {
            printf "requests=%d rps=%s p50=%s p99=%s cpu_s=%.3f errors=%d cpu10k=%.4f\n",
                r, rps, p50, p99, t / hz, e, (r > 0 ? (t / hz) / r * 10000 : 0) }'
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    [[ $# -ge 1 ]] || { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
    case "$1" in
        haproxy_conf | nginx_front_conf | morse_proxy_args | cpu_ticks | to_ms | wrk_measure) "$@" ;;
        -h | --help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' ;;
        *) echo "bench/lib/fronts.sh: unknown function '$1' (see --help)" >&2; exit 2 ;;
    esac
fi
