# shellcheck shell=bash disable=SC2034  # settings used by the scripts that source this file
# Shared settings and helpers of the test bed scripts (up, down, status, boot-host). Sourced, not run.
#
# The test bed mirrors the Heat stack on one machine, with addresses from the benchmarking range 198.18.0.0/15:
#
#   public net  198.18.0.0/24  (the "floating" side)   admin .1   bastion-1 .10   router .20 (the floating IP)
#   private net 198.19.0.0/24   router .1   bastion-1 .10   proxy-1 .21   proxy-2 .22   VIP .100
#                                           web-1 .31   web-2 .32   db-1 .40
#
# Every host is a systemd-nspawn container in its own network namespace (mc-HOST). Both nets are bridges inside one
# more namespace, mc-net, so the machine's own network namespace is never touched. The operator side (ansible, ssh,
# curl, load tests) runs in mc-admin, which is on the public net only: internal hosts are reached through the
# bastion, as in the cloud.
#
# The front door is as in the cloud (heat/cluster.yaml): the two proxies share a virtual address on the private net
# (the VIP, moved by keepalived), and the public "floating IP" is a DNAT to it in one more namespace, mc-router,
# which plays Neutron's router: it forwards the HTTP port to the VIP and nothing else (the proxies' security group),
# keeps the client's address (no SNAT: the proxies route replies back through it), and learns which proxy holds the
# VIP from keepalived's gratuitous ARP, like any neighbour on the segment.

set -euo pipefail

TB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_ROOT=$(cd "$TB_DIR/../.." && pwd)
TB_CACHE=${MORSE_TESTBED_CACHE:-/var/cache/morse-cluster/testbed}
TB_BASE=$TB_CACHE/base                # the Debian 12 root file system every host shares (read-only lower layer)
TB_HOSTS=$TB_CACHE/hosts              # per host: upper/, work/, root/ (the overlay mount)
TB_SSH=$TB_CACHE/ssh                  # the operator key and the test bed's own known_hosts
TB_LOGS=$TB_CACHE/logs                # console log of each container (kept after down, for post-mortems)
TB_RUN=/run/morse-testbed             # pid files; gone after down
TB_KEY=$TB_SSH/id_ed25519
TB_KNOWN_HOSTS=$TB_SSH/known_hosts
TB_INVENTORY=${MORSE_TESTBED_INVENTORY:-$TB_ROOT/ansible/inventory/testbed/hosts.yml}
TB_USER=debian
TB_SUITE=bookworm
TB_MIRROR=${MORSE_TESTBED_MIRROR:-http://deb.debian.org/debian}

# Ports, as the Heat template's defaults (heat/cluster.yaml service_ports).
TB_PROXY_HTTP_PORT=8080
TB_PROXY_ADMIN_PORT=9000
TB_WORKER_PORT=8081

# What a Debian cloud image would carry, plus what the roles install, so that the roles' apt tasks are no-ops on the
# offline private network. Changing this list (or TB_BASE_REVISION) rebuilds the base on the next `up`.
TB_PACKAGES=(
  systemd systemd-sysv dbus systemd-timesyncd openssh-server sudo python3 python3-apt python3-psycopg2 iproute2
  ca-certificates tzdata acl procps curl less postgresql postgresql-client libevent-2.1-7 libhttp-parser2.9
  keepalived nftables
)
TB_BASE_REVISION=4

TB_NS_PREFIX=mc-
TB_NET_NS=${TB_NS_PREFIX}net
TB_ADMIN_NS=${TB_NS_PREFIX}admin
TB_PUBLIC_NET=198.18.0
TB_PRIVATE_NET=198.19.0
TB_ADMIN_IP=$TB_PUBLIC_NET.1
TB_ROUTER_NS=${TB_NS_PREFIX}router
TB_ROUTER_PRIVATE_IP=$TB_PRIVATE_NET.1
TB_FLOATING_IP=$TB_PUBLIC_NET.20   # the floating IP: DNAT to the VIP (heat/cluster.yaml proxy_public_ip)
TB_VIP=$TB_PRIVATE_NET.100         # the proxies' virtual address (heat/cluster.yaml proxy_vip)

# name  private-ip  public-ip|-  group  boot|spare
# A spare host is not started by `up`: it is a server the operator adds later (`cluster/testbed/host HOST add`, as a
# Heat stack update adds one) and removes again (`... remove`); scaling out and in is tested with it.
TB_HOST_TABLE="
bastion-1 $TB_PRIVATE_NET.10 $TB_PUBLIC_NET.10 bastion  boot
proxy-1   $TB_PRIVATE_NET.21 -                 proxy    boot
proxy-2   $TB_PRIVATE_NET.22 -                 proxy    boot
web-1     $TB_PRIVATE_NET.31 -                 workers  boot
web-2     $TB_PRIVATE_NET.32 -                 workers  boot
db-1      $TB_PRIVATE_NET.40 -                 database boot
web-3     $TB_PRIVATE_NET.33 -                 workers  spare
"

tb_hosts() { awk 'NF { print $1 }' <<< "$TB_HOST_TABLE"; }
tb_field() { awk -v h="$1" -v f="$2" '$1 == h { print $f }' <<< "$TB_HOST_TABLE"; }
tb_private_ip() { tb_field "$1" 2; }
tb_public_ip() { local ip; ip=$(tb_field "$1" 3); [ "$ip" = - ] || echo "$ip"; }
tb_group() { tb_field "$1" 4; }
tb_spare() { [ "$(tb_field "$1" 5)" = spare ]; }
# The hosts the test bed has now: those `up` boots, and each spare host while it is added (a mark in $TB_RUN, gone
# after `down`).
tb_present_hosts() {
  local h
  for h in $(tb_hosts); do
    if ! tb_spare "$h" || [ -e "$TB_RUN/added-$h" ]; then echo "$h"; fi
  done
}
tb_ns() { echo "$TB_NS_PREFIX$1"; }
tb_namespaces() { echo "$TB_NET_NS" "$TB_ADMIN_NS" "$TB_ROUTER_NS"; for h in $(tb_hosts); do tb_ns "$h"; done; }
tb_bastion_ip() { tb_public_ip bastion-1; }

# Progress, one line per step.
tb_step() { printf '%s testbed: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
tb_die() { printf 'testbed: error: %s\n' "$*" >&2; exit 1; }

tb_need_root() { [ "$(id -u)" -eq 0 ] || tb_die "run as root (network namespaces, mounts, containers)"; }

tb_ns_exists() { [ -e "/run/netns/$1" ]; }

# The pid of a host's boot-host loop, if it is running.
tb_host_pid() {
  local file=$TB_RUN/$1.pid pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  kill -0 "$pid" 2> /dev/null || return 1
  # Guard against pid reuse: the process must still be our loop for this host.
  tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -q "boot-host $1" || return 1
  echo "$pid"
}

# Gives a host's ports back the state Neutron keeps for a server that is off: its own addresses only, and no
# firewall of its own. An address that keepalived added (the VIP) stays on a veth when its container dies, because
# the network namespace outlives the container; a dead server's port in the cloud answers nothing, so neither may
# this one, and a rebooted server starts with an empty ruleset.
tb_reset_ports() {
  local host=$1 ns dev address
  ns=$(tb_ns "$host")
  tb_ns_exists "$ns" || return 0
  for dev in eth0 eth1; do
    for address in $(ip -n "$ns" -4 -o addr show dev "$dev" 2> /dev/null | awk '{ print $4 }'); do
      case " $(tb_private_ip "$host")/24 $(tb_public_ip "$host")/24 " in
        *" $address "*) ;;
        *) ip -n "$ns" addr del "$address" dev "$dev" && echo "boot-host: $host: removed $address from $dev" >&2 ;;
      esac
    done
  done
  ip netns exec "$ns" nft flush ruleset 2> /dev/null || true
}

# Runs a command inside a booted host (its namespaces, as its root), for what ssh cannot reach: a host that
# refuses logins. The host's PID 1 is the child of its systemd-nspawn, which is the child of its boot-host loop.
tb_in_host() {
  local host=$1 loop nspawn init
  shift
  loop=$(tb_host_pid "$host") || return 1
  nspawn=$(pgrep -P "$loop" -x systemd-nspawn | head -n 1) && [ -n "$nspawn" ] || return 1
  init=$(pgrep -P "$nspawn" | head -n 1) && [ -n "$init" ] || return 1
  nsenter -t "$init" -m -u -i -n -p -- "$@"
}

# Until a booting host's sshd listens (90 s at most); fails if the host stops meanwhile (`up`, `power HOST on`).
tb_wait_sshd() {
  local host=$1 ns address deadline=$((SECONDS + 90))
  ns=$(tb_ns "$host")
  address=$(tb_private_ip "$host")
  until ip netns exec "$ns" timeout 1 bash -c "exec 3<>/dev/tcp/$address/22" 2> /dev/null; do
    tb_host_pid "$host" > /dev/null || tb_die "host $host stopped while booting, see $TB_LOGS/$host.log"
    [ $SECONDS -lt $deadline ] || tb_die "host $host: sshd not listening after 90 s, see $TB_LOGS/$host.log"
    sleep 0.5
  done
}

# Logs in to a booted host until it answers (60 s at most) and prints "HOSTNAME SYSTEM-STATE".
# A host whose systemd-user-sessions.service did not run at boot keeps /run/nologin, and sshd then refuses every user
# but root without a word (seen once in CI: web-2, "ssh login failed" after 60 s, the unit's failure in its boot
# log). That is the container's boot, not what the test bed tests: after 10 s of refused logins the unit is started
# again, said loudly with its status. Any other cause ends in the error, with the host's failed units.
tb_wait_login() {
  local host=$1 started=$SECONDS retried= out failed nologin
  # shellcheck disable=SC2016  # expanded on the host, not here
  until out=$(tb_ssh "$host" 'echo "$(hostname) $(systemctl is-system-running 2>/dev/null || true)"' 2>&1); do
    if [ -z "$retried" ] && [ $((SECONDS - started)) -ge 10 ]; then
      retried=1
      if tb_in_host "$host" test -e /run/nologin 2> /dev/null &&
        ! tb_in_host "$host" systemctl is-active --quiet systemd-user-sessions.service 2> /dev/null; then
        tb_step "host $host: systemd-user-sessions.service is not active, so /run/nologin refuses ssh; its status:"
        tb_in_host "$host" systemctl status --no-pager --lines=10 systemd-user-sessions.service >&2 || true
        tb_step "host $host: starting systemd-user-sessions.service again"
        tb_in_host "$host" systemctl start systemd-user-sessions.service >&2 || true
      fi
    fi
    if [ $((SECONDS - started)) -ge 60 ]; then
      failed=$(tb_in_host "$host" systemctl --failed --no-legend --plain 2> /dev/null | tr '\n' ';' || true)
      nologin=$(tb_in_host "$host" test -e /run/nologin 2> /dev/null && echo present || echo absent)
      tb_die "host $host: ssh login failed: ${out:-(no message)}; on the host: failed units: ${failed:-none};" \
        "/run/nologin $nologin"
    fi
    sleep 1
  done
  echo "$out"
}

# A host's public keys ("TYPE BASE64" lines), read from the block it prints on its console at boot (up installs the
# unit that prints it; a cloud server's cloud-init prints the same block), with the tool that reads a cloud server's
# console log. Waits for the block (60 s at most): the host prints it while it boots.
tb_console_keys() {
  local host=$1 log=$TB_LOGS/$1.log deadline=$((SECONDS + 60))
  until grep -q -- '-----END SSH HOST KEY KEYS-----' "$log" 2> /dev/null; do
    [ $SECONDS -lt $deadline ] || tb_die "host $host: no host keys on its console after 60 s, see $log"
    sleep 0.2
  done
  python3 "$TB_ROOT/ansible/inventory/host_keys.py" "$log" ||
    tb_die "host $host: no usable host keys in its console log $log"
}

# Reads a host's keys from its console log once, for the two writers below (`up` calls it first).
tb_pin_host_keys() { tb_console_keys "$1" > "$TB_RUN/$1.host-keys"; }

# The known_hosts lines of a host: its pinned keys for its name and each of its addresses.
tb_known_hosts_lines() {
  local host=$1 names
  names=$(echo "$host" "$(tb_private_ip "$host")" "$(tb_public_ip "$host")" | xargs | tr ' ' ',')
  sed "s/^/$names /" "$TB_RUN/$host.host-keys"
}

# The inventory's ssh_host_keys of a host (a YAML list at INDENT), for ansible/ssh-config.yml.
tb_inventory_host_keys() {
  local host=$1 indent=$2 key
  echo "${indent}ssh_host_keys:"
  while read -r key; do echo "${indent}  - \"$key\""; done < "$TB_RUN/$host.host-keys"
}

# The SSH options the operator side uses, as one string each for the bastion and for internal hosts (the inventory
# and the tests use the same ones).
tb_ssh_base_opts() {
  echo "-o UserKnownHostsFile=$TB_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes" \
    "-o BatchMode=yes -o LogLevel=ERROR -i $TB_KEY"
}
tb_proxy_command() {
  echo "ssh -W %h:%p -q $(tb_ssh_base_opts) $TB_USER@$(tb_bastion_ip)"
}

# ssh HOST COMMAND... from the admin namespace, through the bastion for internal hosts.
tb_ssh() {
  local host=$1 address
  shift
  # shellcheck disable=SC2046
  if [ "$host" = bastion-1 ]; then
    address=$(tb_bastion_ip)
    ip netns exec "$TB_ADMIN_NS" ssh $(tb_ssh_base_opts) -o ConnectTimeout=5 "$TB_USER@$address" "$@"
  else
    address=$(tb_private_ip "$host")
    ip netns exec "$TB_ADMIN_NS" ssh $(tb_ssh_base_opts) -o ConnectTimeout=5 \
      -o "ProxyCommand=$(tb_proxy_command)" "$TB_USER@$address" "$@"
  fi
}
