#!/usr/bin/env bash
# Offline checks of the Heat templates and of the Heat -> Ansible bridge.
# Called by "make test"; run it directly as: bash heat/test.sh [pytest args]
#
# 1. Creates or reuses a venv OUTSIDE the source tree, at
#    ${MORSE_VENV_DIR:-/var/cache/morse-cluster}/heat-venv, with the pinned
#    tools of heat/requirements.txt (Heat's engine, pytest, yamllint,
#    ansible-core). pip runs only when a pinned version is missing or wrong.
# 2. Runs pytest on heat/tests (validation by Heat's engine, mutations,
#    security policy, inventory tool, yamllint config).
# 3. Runs yamllint with the repository's .yamllint over the YAML it owns.
#
# Needs python3 (3.10+) with venv, and PyPI the first time only. Sends no
# traffic anywhere else. Exit status: 0 when every step passed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv_root="${MORSE_VENV_DIR:-/var/cache/morse-cluster}"
venv="$venv_root/heat-venv"
python="${PYTHON:-python3}"

log() { printf 'heat/test.sh: %s\n' "$*" >&2; }

# True when the venv's Python runs and every pin of requirements.txt and
# constraints.txt is installed at exactly that version.
venv_is_current() {
    [[ -x "$venv/bin/python" ]] || return 1
    "$venv/bin/python" - "$here/requirements.txt" "$here/constraints.txt" <<'PY'
import re
import sys
from importlib import metadata

pins = {}
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
wrong = []
for name, want in sorted(pins.items()):
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        have = None
    if have != want:
        wrong.append(f"{name} {have or 'missing'} != {want}")
if wrong:
    more = f" (and {len(wrong) - 5} more)" if len(wrong) > 5 else ""
    print("heat/test.sh: venv differs from the pins: " + ", ".join(wrong[:5]) + more, file=sys.stderr)
    sys.exit(1)
PY
}

install_venv() {
    mkdir -p "$venv_root"
    if ! "$venv/bin/python" -c '' 2>/dev/null; then
        # Absent, or made by a Python that is gone: start again.
        rm -rf "$venv"
        log "creating $venv with $("$python" --version 2>&1)"
        "$python" -m venv "$venv"
    fi
    log "installing pinned tools (heat/requirements.txt, heat/constraints.txt)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        -r "$here/requirements.txt" -c "$here/constraints.txt"
    venv_is_current || { log "venv still does not match the pins"; exit 1; }
}

# One installer at a time: make test may run this while another checkout
# shares the same cache directory.
mkdir -p "$venv_root"
exec 9>"$venv_root/heat-venv.lock"
flock 9
if venv_is_current; then
    log "reusing $venv (pins satisfied)"
else
    install_venv
fi
flock -u 9

cd "$repo"
export PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0

status=0
log "pytest heat/tests"
"$venv/bin/python" -m pytest -c heat/pytest.ini heat/tests "$@" || status=$?

log "yamllint"
"$venv/bin/yamllint" --strict -c .yamllint \
    .yamllint heat ansible/inventory/openstack.yml.example || status=$?

if [[ $status -eq 0 ]]; then
    log "all heat checks passed"
else
    log "FAILED (exit $status)"
fi
exit "$status"
