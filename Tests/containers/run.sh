#!/usr/bin/env bash
# The container images' test: builds localhost/morse-worker, morse-proxy and morse with containers/build, then runs
# them without podman's runtime (crun cannot set resource limits on this kind of machine): each image is mounted
# (`podman image mount`) and its entrypoint started with systemd-nspawn as the image's own USER, with its own ENV,
# WORKDIR, VOLUMEs and HEALTHCHECK, all read from `podman image inspect` - and a proxy image sends requests to two
# worker images, each container in a network namespace of its own (Tests/containers/test_images.py).
#
# Usage: Tests/containers/run.sh [pytest arguments]
#   MORSE_BIN_DIR   binaries linked with the static Swift runtime (default: cluster/testbed/build's debug link of
#                   .build, which the test bed's run in `make test` has made already)
# The images go to a podman storage of the test's own (/var/cache/morse-cluster/images/test-storage), so that the
# debug images it builds never replace an operator's localhost/morse-* images. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "container test: needs root (podman's storage, systemd-nspawn, network namespaces)" >&2; exit 2; }
scripts/install-deps.sh images test

cache=/var/cache/morse-cluster/images
mkdir -p "$cache"
# One run at a time: the namespaces and the storage are shared.
exec 9> "$cache/test.lock"
flock -w 600 9 || { echo "container test: another run holds $cache/test.lock" >&2; exit 1; }
cat > "$cache/test-storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$cache/test-storage"
runroot = "/run/morse-images-test"
CONF
export CONTAINERS_STORAGE_CONF=$cache/test-storage.conf

if [ -z "${MORSE_BIN_DIR:-}" ]; then
  eval "$(MORSE_TESTBED_CONFIGURATION=debug cluster/testbed/build)"
fi
started=$SECONDS
containers/build --bin-dir "$MORSE_BIN_DIR" --tag test
echo "container test: images built in $((SECONDS - started)) s" >&2

venv=$(scripts/python-venv.sh Tests/e2e/requirements.txt e2e-venv)
export MORSE_IMAGE_TAG=test MORSE_BIN_DIR
exec timeout 900 "$venv/bin/pytest" -v -s -p no:cacheprovider --durations=5 Tests/containers "$@"
