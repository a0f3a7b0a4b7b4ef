#!/usr/bin/env bash
# Lints every Python file of the repository with ruff: the rules are in ruff.toml at the root, ruff itself is pinned in
# bench/requirements-lint.txt and installed into a venv outside the tree (scripts/python-venv.sh). Exits non-zero on
# any finding, so `make lint` fails on it.
#
# Usage: scripts/lint-python.sh [RUFF-CHECK-ARGS...]     e.g. --fix, or --statistics
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=$(scripts/python-venv.sh bench/requirements-lint.txt lint-venv)
# ruff's cache beside the venv: nothing appears in the worktree.
export RUFF_CACHE_DIR="$venv/ruff-cache"

# The files git knows: tracked, plus new ones not yet committed (and not ignored), so that a new module is linted
# before its first commit. A Python script without the .py suffix is recognised by its shebang.
files=()
while IFS= read -r -d '' file; do
  [[ -f "$file" ]] || continue  # tracked but deleted in the working tree
  if [[ "$file" == *.py ]] || head -n 1 -- "$file" 2>/dev/null | grep -qE '^#!.*python'; then
    files+=("$file")
  fi
done < <(git ls-files -z --cached --others --exclude-standard)

if [[ ${#files[@]} -eq 0 ]]; then
  echo "lint-python: no Python files" >&2
  exit 0
fi
# --force-exclude: ruff.toml's exclusions hold even for files named on the command line.
"$venv/bin/ruff" check --force-exclude --output-format concise "$@" -- "${files[@]}"
echo "lint-python: ${#files[@]} files clean (ruff $("$venv/bin/ruff" --version | cut -d' ' -f2))"
