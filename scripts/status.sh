#!/usr/bin/env bash
# `make status`: ansible/status.yml against an inventory, then its table alone on standard output. Ansible's own
# output goes to a log that is shown only when a host could not be read (the table still comes first, with that
# host's row saying so); the exit status is ansible-playbook's.
#
# Usage: scripts/status.sh INVENTORY     (the test bed's inventory is run from its operator namespace)
set -euo pipefail
cd "$(dirname "$0")/.."
inventory=${1:?usage: scripts/status.sh INVENTORY}
testbed_inventory=$(realpath -m "${MORSE_TESTBED_INVENTORY:-ansible/inventory/testbed/hosts.yml}")
[ -f "$inventory" ] || { echo "make status: there is no inventory $inventory" >&2; exit 1; }
work=$(mktemp -d /tmp/morse-status.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
status=0
if [ "$(realpath "$inventory")" = "$testbed_inventory" ]; then
  cluster/testbed/playbook status.yml -e status_file="$work/table" > "$work/log" 2>&1 || status=$?
else
  venv=$(scripts/python-venv.sh ansible/requirements.txt ansible-venv)
  (cd ansible && "$venv/bin/ansible-playbook" -i "$(realpath "$inventory")" status.yml -e status_file="$work/table") \
    > "$work/log" 2>&1 || status=$?
fi
if [ -s "$work/table" ]; then cat "$work/table"; echo; fi
if [ "$status" -ne 0 ]; then
  echo "make status: ansible-playbook exited with $status; its output:" >&2
  grep -E "^(fatal|failed|ERROR)|UNREACHABLE|msg:" "$work/log" >&2 || tail -n 40 "$work/log" >&2
fi
exit "$status"
