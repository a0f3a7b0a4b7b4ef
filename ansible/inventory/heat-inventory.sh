#!/usr/bin/env bash
# The Ansible inventory of a Heat stack, with every host's SSH key pinned: the stack's outputs, then each server's
# console log (where cloud-init printed its host keys at first boot), then heat_inventory.py --console-logs, which
# writes the inventory and its known_hosts. Every connection Ansible (and `make ssh-config`) then makes checks the
# host's key strictly; none trusts a key on first use.
#
# Usage: ansible/inventory/heat-inventory.sh STACK [OUTPUT]     (OUTPUT: ansible/inventory/heat.yml by default;
#        the keys go next to it, OUTPUT with the suffix .known_hosts). Needs the OpenStack client, authenticated.
#        Other arguments for heat_inventory.py (--user, --ssh-key) go in HEAT_INVENTORY_ARGS.
# Waits up to CONSOLE_WAIT seconds (default 900) for the servers' first boot to print the keys, asking every
# CONSOLE_POLL seconds (default 10), showing progress.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stack=${1:?usage: heat-inventory.sh STACK [OUTPUT]}
output=${2:-$here/heat.yml}
wait_limit=${CONSOLE_WAIT:-900}
command -v openstack > /dev/null || { echo "heat-inventory: the OpenStack client (openstack) is not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/logs"
echo "heat-inventory: outputs of stack $stack" >&2
openstack stack output show "$stack" --all -f json > "$work/outputs.json"
# shellcheck disable=SC2086  # HEAT_INVENTORY_ARGS is a list of words
python3 "$here/heat_inventory.py" "$work/outputs.json" ${HEAT_INVENTORY_ARGS:-} --list-servers > "$work/servers"

started=$SECONDS
while read -r host server; do
  # cloud-init prints the keys at the end of the first boot: a log fetched earlier has none yet.
  until openstack console log show "$server" < /dev/null > "$work/logs/$host.log" 2> "$work/error" &&
    grep -q -- '-----END SSH HOST KEY KEYS-----' "$work/logs/$host.log"; do
    if [ $((SECONDS - started)) -ge "$wait_limit" ]; then
      echo "heat-inventory: $server printed no host keys on its console in ${wait_limit} s ($(head -c 300 "$work/error"));" \
        "is it still booting (openstack console log show $server)?" >&2
      exit 1
    fi
    echo "heat-inventory: $server: no host keys on its console yet ($((SECONDS - started)) s), waiting" >&2
    sleep "${CONSOLE_POLL:-10}"
  done
  echo "heat-inventory: $server: host keys read from its console log" >&2
done < "$work/servers"

# shellcheck disable=SC2086
python3 "$here/heat_inventory.py" "$work/outputs.json" ${HEAT_INVENTORY_ARGS:-} --console-logs "$work/logs" -o "$output"
