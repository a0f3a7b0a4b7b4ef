#!/usr/bin/env bash
# Creates (once) and prints the path of the Python venv the end-to-end tests use, outside the source tree.
# Reinstalls only when the requirements file changed since the last install.
#
# Usage: VENV=$(scripts/python-venv.sh REQUIREMENTS NAME)
set -euo pipefail
requirements=$1
name=$2
venv=${MORSE_VENV_DIR:-/var/cache/morse-cluster}/$name
stamp=$venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "python-venv: installing $requirements into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$want" > "$stamp"
fi
echo "$venv"
