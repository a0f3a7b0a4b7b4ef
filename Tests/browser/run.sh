#!/usr/bin/env bash
# The browser test: Debian's chromium, driven by Selenium through chromium-driver, against a local cluster
# (`morsectl cluster up` on free loopback ports) through the proxy. Installs what it needs; screenshots of every
# step go to artifacts/browser/.
#
# Usage: Tests/browser/run.sh [pytest arguments]
#   MORSE_BIN_DIR   the built binaries (default .build/debug)
#   MORSE_UPDATE_SCREENSHOTS=1   also refresh docs/screenshots/ from this run
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium > /dev/null || ! command -v chromedriver > /dev/null; then
  echo "browser test: installing chromium and chromium-driver" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-dejavu-core > /dev/null
fi

venv=$(scripts/python-venv.sh Tests/browser/requirements.txt browser-venv)
# Selenium must use Debian's driver, never download one.
export SE_OFFLINE=true
exec timeout 900 "$venv/bin/pytest" -v -p no:cacheprovider Tests/browser "$@"
