#!/usr/bin/env bash
# End-to-end test of the Ansible deployment on the multi-host test bed (issue 7). The one entry point `make test`
# calls. As root (network namespaces, mounts, containers):
#
#   1. tools: debootstrap, systemd-nspawn, nftables (apt, only if missing); Ansible and the test tools in a venv
#      outside the tree (/var/cache/morse-cluster/ansible-venv, from ansible/requirements.txt);
#   2. the binaries (--static-swift-stdlib), by cluster/testbed/build: release ones into their own scratch path
#      (.build-testbed) by default; `make test` sets MORSE_TESTBED_CONFIGURATION=debug, which links the debug build
#      the other suites test (.build) instead of compiling a release one;
#   3. a fresh test bed (cluster/testbed/down, then up);
#   4. pytest, inside the operator namespace mc-admin: ansible-lint and --syntax-check, site.yml, morsectl smoke
#      through the proxy's floating address, a second site.yml with changed=0, the hosts' assertions (testinfra),
#      a reload of the proxy with a new backend list, a reboot of the internal hosts, the rolling operations under
#      load (rolling-restart.yml, deploy.yml, a worker setting changed by site.yml), a PostgreSQL outage under
#      load, the Jenkins job's Deploy and Round trip stages, the front pair's failovers under load (a planned
#      switch-over, kill -9 and SIGSTOP of the active proxy, a crash and a clean stop of its host), the logs
#      searched for the database password;
#   5. cluster/testbed/down, then `status --check-clean`: fails if any process, mount, namespace or link is left.
#
# Prints the duration of each part; fails when the test (steps 3-5) takes longer than MORSE_E2E_LIMIT seconds
# (default 2400: the suite of f30c902 took 894 s on this 2-core machine shared with builds, and issue 15's tests -
# a worker setting changed by site.yml under load, a PostgreSQL outage, the Jenkins stages - add about 6 minutes;
# CI measured 801 s for the suite of 1145c33. Issue 19 adds a second proxy host, which every playbook and rolling
# test now configures and restarts too, and the failover tests of test_67_front_failover.py, about 4 minutes: the
# whole suite took 1869 s on 2026-12-02 on a machine that also took 19 minutes for a cold debug build, 5 on others.
# Issue 20's tests - status, SSH, host keys, backup and restore, scaling under load - add about 7 minutes: 1742 s
# for steps 3-5 of 3f4cacc on 2026-12-06, 1779 s of pytest alone in CI's run of ec783d2 the same day (a day this
# machine built twice as slowly as the run before); 2400 keeps such a day inside with room, and a hung test still
# ends well before CI's limit).
# Options go to pytest (e.g. `Tests/testbed/run.sh -k lint`). MORSE_TESTBED_KEEP=1 leaves the test
# bed up afterwards for inspection (then run cluster/testbed/down yourself).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
testbed=$root/cluster/testbed
limit=${MORSE_E2E_LIMIT:-2400}
started=$SECONDS

say() { printf '%s run.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "run as root (network namespaces, mounts, containers)"; exit 2; }
# One run at a time on this machine: a second one waits (the test bed's names and addresses are fixed).
mkdir -p /var/cache/morse-cluster
exec 8> /var/cache/morse-cluster/testbed-e2e.lock
flock -n 8 || { say "another run holds /var/cache/morse-cluster/testbed-e2e.lock; waiting (up to 20 min)"; flock -w 1200 8; }

# ------------------------------------------------------------------------------------------------------ 1. tools
missing=()
for pair in debootstrap:debootstrap systemd-nspawn:systemd-container nft:nftables ssh:openssh-client curl:curl; do
  command -v "${pair%%:*}" > /dev/null || missing+=("${pair#*:}")
done
python3 -c 'import ensurepip' 2> /dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" > /dev/null; }
fi
venv=$(MORSE_VENV_DIR=/var/cache/morse-cluster "$root/scripts/python-venv.sh" "$root/ansible/requirements.txt" \
  ansible-venv)
say "tools ready (venv $venv) in $((SECONDS - started)) s"

# --------------------------------------------------------------------------------------------------- 2. binaries
build_started=$SECONDS
cd "$root"
built=$("$testbed/build")   # MORSE_BIN_DIR=... (static servers), MORSECTL=...
eval "$built"
bin=$MORSE_BIN_DIR
ctl=$MORSECTL
build_seconds=$((SECONDS - build_started))
say "binaries in $bin (built in $build_seconds s)"

# ----------------------------------------------------------------------------------------- 3-5. test bed, tests
test_started=$SECONDS
status=0
finish() {
  # The exit status that brought us here: a failed step (set -e, e.g. cluster/testbed/up) is a failed run, never
  # "PASSED" (it was, once: the test bed did not come up and run.sh exited 0).
  local code=$?
  [ "$status" -ne 0 ] || status=$code
  local clean=0
  if [ "${MORSE_TESTBED_KEEP:-0}" = 1 ]; then
    say "MORSE_TESTBED_KEEP=1: the test bed stays up (cluster/testbed/down removes it)"
  else
    "$testbed/down" || clean=1
    "$testbed/status" --check-clean || clean=1
  fi
  local seconds=$((SECONDS - test_started))
  [ "$clean" -eq 0 ] || status=1
  say "e2e test (test bed up, tests, down): $seconds s (limit $limit s); binaries: $build_seconds s;" \
    "whole run.sh: $((SECONDS - started)) s"
  if [ "$seconds" -gt "$limit" ]; then
    say "FAILED: the e2e test took longer than $limit s"
    status=1
  fi
  if [ "$status" -eq 0 ]; then say "PASSED"; else say "FAILED"; fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

"$testbed/down"
"$testbed/up"
# The leftover check must be able to fail: with the test bed up it has to list it.
if seen=$("$testbed/status" --check-clean); then
  say "FAILED: the leftover check sees nothing while the test bed is up"
  exit 1
fi
say "leftover check, test bed up: $(echo "$seen" | grep -c '^  ') objects seen (as it must)"

say "pytest Tests/testbed inside the operator namespace mc-admin"
# MORSE_HOST_NETNS: this machine's own network namespace, where the Jenkins stages run (test_66_jenkins_pipeline.py).
ip netns exec mc-admin env PATH="$venv/bin:$PATH" MORSE_BIN_DIR="$bin" MORSECTL="$ctl" PYTHONDONTWRITEBYTECODE=1 \
  MORSE_HOST_NETNS="/proc/$$/ns/net" \
  ANSIBLE_CONFIG="$root/ansible/ansible.cfg" YAMLLINT_CONFIG_FILE="$root/.yamllint" \
  pytest -v -s --durations=12 -c "$root/Tests/testbed/pytest.ini" --rootdir "$root/Tests/testbed" "$root/Tests/testbed" "$@" ||
  status=$?
