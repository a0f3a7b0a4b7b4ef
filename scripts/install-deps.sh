#!/usr/bin/env bash
# Installs what the build and the tests need on Debian 12 with the Swift toolchain, idempotently: a package
# already present costs nothing, and apt is only called (with one `apt-get update`) when something is missing.
#
# Usage: scripts/install-deps.sh [GROUP...]     groups: build (default), test, images, bench, all
set -euo pipefail

declare -A groups=(
  # Libraries the Swift targets link: libevent and http-parser for the proxy, SQLite for the embedded store.
  [build]="libevent-dev libhttp-parser-dev libsqlite3-dev pkg-config"
  # Servers and tools the tests start for real: PostgreSQL, load generators, the peers the proxy is compared to.
  [test]="postgresql wrk haproxy nginx-light bc curl python3-venv procps iproute2 psmisc debootstrap systemd-container nftables openssh-client binutils podman"
  # Container images: podman builds them over a base made with debootstrap; strip trims the binaries' copies.
  [images]="podman debootstrap binutils"
  [bench]="wrk haproxy nginx-light nghttp2-client bc linux-perf multimon-ng sox"
)

wanted=()
[ $# -eq 0 ] && set -- build
for group in "$@"; do
  if [ "$group" = all ]; then
    for g in "${!groups[@]}"; do wanted+=(${groups[$g]}); done
  elif [ -n "${groups[$group]:-}" ]; then
    wanted+=(${groups[$group]})
  else
    echo "install-deps: unknown group '$group' (build, test, images, bench, all)" >&2
    exit 2
  fi
done

missing=()
for package in $(printf '%s\n' "${wanted[@]}" | sort -u); do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts services it installs; the tests start their own instances on their own ports.
for service in nginx haproxy postgresql; do
  if printf '%s\n' "${missing[@]}" | grep -q "^$service"; then
    "${sudo_cmd[@]}" systemctl disable --now "$service" >/dev/null 2>&1 || "${sudo_cmd[@]}" service "$service" stop >/dev/null 2>&1 || true
  fi
done
