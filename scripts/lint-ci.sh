#!/usr/bin/env bash
# Lints the CI definitions that no test runs: .gitlab-ci.yml against GitLab's published schema of it, with
# check-jsonschema (pinned in .ci/requirements-lint.txt, installed into a venv outside the tree by
# scripts/python-venv.sh). The schema ships inside check-jsonschema (`--builtin-schema vendor.gitlab-ci`), so the check
# needs no network; a new version of the schema comes with a deliberate bump of the pin. Exits non-zero on any finding,
# so `make lint` fails on it. (The Jenkins jobs are rendered by `jenkins-jobs test` in Tests/e2e/test_jenkins_job.py.)
#
# Usage: scripts/lint-ci.sh [FILE...]     default .gitlab-ci.yml
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=$(scripts/python-venv.sh .ci/requirements-lint.txt ci-lint-venv)
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=(.gitlab-ci.yml)
"$venv/bin/check-jsonschema" --builtin-schema vendor.gitlab-ci --color never -- "${files[@]}"
echo "lint-ci: ${files[*]} valid against GitLab's schema (check-jsonschema $("$venv/bin/check-jsonschema" --version |
  sed 's/.*version //'))"
