"""The OCI images as an operator receives them: what they declare, what they carry, and a cluster made of them.

Run by Tests/containers/run.sh (make test-images), which builds the images first.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ADDRESSES, NET_NS, ROOT, TAG, in_namespace, run, volumes_for, wait_for

SERVICES = ("morse-worker", "morse-proxy")
# What a build tool would leave behind: compilers, linkers, assemblers, make, Swift.
BUILD_TOOLS = ("cc", "gcc", "c++", "g++", "clang", "ld", "ld.gold", "as", "make", "cmake", "swift", "swiftc")
MB = 1_000_000


def test_each_image_declares_its_version_source_user_and_health_check(images):
    bin_dir = Path(os.environ["MORSE_BIN_DIR"])
    version = run(str(bin_dir / "morse-worker"), "--version").stdout.strip()
    revision = run("git", "-C", str(ROOT), "rev-parse", "HEAD").stdout.strip()
    for name, image in images.items():
        labels = image.labels
        assert labels["org.opencontainers.image.title"] == name
        assert labels["org.opencontainers.image.version"] == version, labels
        assert labels["org.opencontainers.image.revision"].removesuffix("-dirty") == revision, labels
        assert labels["org.opencontainers.image.source"] not in ("", "unknown"), labels
        uid, gid = image.user
        assert uid != 0 and gid != 0, f"{name} runs as {image.config.get('User')}"
        passwd = (image.root / "etc/passwd").read_text()
        assert f"morse:x:{uid}:{gid}:" in passwd, f"{name}: uid {uid} is not the image's user morse"
        if name in SERVICES:
            # podman keeps HEALTHCHECK only in the docker format (containers/build: --format docker).
            assert image.healthcheck[:1] == ["CMD"], f"{name}: HEALTHCHECK is {image.healthcheck}"
            assert Path(image.root, image.healthcheck[1].lstrip("/")).is_file(), image.healthcheck
        else:
            assert image.healthcheck == ["NONE"], f"{name} is a command, not a service: {image.healthcheck}"


def test_each_image_is_its_base_and_its_binaries_and_carries_no_build_tools(images):
    """Size: the base once, then only the image's own binary (as containers/build copied it) and a few small files.
    The base itself is Debian's minbase with libevent and http-parser: no compiler, no -dev package."""
    bin_dir = Path(os.environ["MORSE_BIN_DIR"])
    base = json.loads(run("podman", "image", "inspect", "localhost/morse-base:bookworm").stdout)[0]
    print(f"\nimage sizes (tag {TAG}, binaries from {bin_dir}):")
    print(f"  localhost/morse-base:bookworm  {base['Size'] / MB:6.1f} MB  (shared by the three)")
    assert base["Size"] < 100 * MB, f"the base grew to {base['Size'] / MB:.0f} MB"
    for name, image in images.items():
        own = image.inspect["Size"] - base["Size"]
        binary = (image.root / "usr/local/bin" / name).stat().st_size
        print(f"  {image.reference:<32} {image.inspect['Size'] / MB:6.1f} MB  (its own layers {own / MB:.1f} MB,"
              f" of which {name} {binary / MB:.1f} MB)")
        assert own < binary + 1 * MB, f"{name} adds {own - binary} bytes beyond its binary"
        sections = run("readelf", "--section-headers", str(image.root / "usr/local/bin" / name)).stdout
        assert ".debug_info" not in sections and ".symtab" in sections, f"{name}: debug information not stripped"
        for directory in ("usr/bin", "usr/local/bin", "usr/sbin", "bin", "sbin"):
            present = [tool for tool in BUILD_TOOLS if (image.root / directory / tool).exists()]
            assert not present, f"{name} has build tools in /{directory}: {present}"
        packages = [line.split(": ", 1)[1] for line in (image.root / "var/lib/dpkg/status").read_text().splitlines()
                    if line.startswith("Package: ")]
        development = [p for p in packages if p.endswith("-dev") or p in ("gcc", "cpp", "binutils", "make")]
        assert not development, f"{name} carries {development}"
        assert "libevent-2.1-7" in packages and "libhttp-parser2.9" in packages, "the proxy's libraries are missing"


def test_a_proxy_image_balances_two_worker_images_and_their_health_checks_tell_the_truth(
        images, network, containers, tmp_path):
    worker, proxy = images["morse-worker"], images["morse-proxy"]
    # The image's own configuration, with the two workers' addresses instead of the pod's 127.0.0.1:8081/8082.
    shipped = (proxy.root / "etc/morse/morse-proxy.conf").read_text().splitlines()
    lines = [line for line in shipped if not line.startswith("backend ")]
    lines += [f"backend {name} {ADDRESSES[name]}:8081" for name in ("web1", "web2")]
    config = tmp_path / "morse-proxy.conf"
    config.write_text("\n".join(lines) + "\n")

    volumes = {name: volumes_for(worker, tmp_path, name) for name in ("web1", "web2")}
    webs = {name: containers(worker, name, netns=f"mi-{name}", env={"MORSE_NAME": name}, volumes=volumes[name])
            for name in ("web1", "web2")}
    front = containers(proxy, "proxy", netns="mi-proxy", binds=[f"{config}:/etc/morse/morse-proxy.conf"])

    # The processes are the images' binaries, as the images' user: the same file (inode), not the host's build.
    for container in (*webs.values(), front):
        pid = container.main_pid()
        binary = container.image.root / container.image.command[0].lstrip("/")
        exe = os.stat(f"/proc/{pid}/exe")
        assert (exe.st_dev, exe.st_ino) == (binary.stat().st_dev, binary.stat().st_ino), container.name
        status = Path(f"/proc/{pid}/status").read_text()
        uid, gid = container.image.user
        assert f"\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n" in status and f"\nGid:\t{gid}\t{gid}\t{gid}\t{gid}\n" in status

    def backends_up():
        answer = in_namespace("mi-proxy", "curl", "-sf", "--max-time", "2", "http://127.0.0.1:8079/status")
        if answer.returncode != 0:
            return None
        states = {b["name"]: b["state"] for b in json.loads(answer.stdout)["backends"]}
        return states if set(states.values()) == {"up"} else None

    wait_for(backends_up, 60, "the proxy to see web1 and web2 up")
    for container in (*webs.values(), front):
        health = container.health()
        assert health.returncode == 0, f"{container.name}: {health.stdout}{health.stderr}\n{container.log}"
        assert health.stdout.startswith("healthy:"), health.stdout
        print(f"\n{container.name} health check: {health.stdout.strip()}")
    # The worker's SQLite file is in its volume, written by the image's user.
    for name in webs:
        database = volumes[name]["/var/lib/morse"] / "morse-worker.db"
        assert database.is_file() and database.stat().st_uid == worker.user[0], f"{name}: {database}"

    summary = round_trips(200)
    print(f"through the proxy image: {summary}")
    assert summary["failures"] == 0 and summary["round_trips"] == 200, summary
    # Round-robin: each worker image served about half of the 400 requests.
    assert set(summary["served_by"]) == {"web1", "web2"}, summary
    assert min(summary["served_by"].values()) >= 150, summary

    # Stopping web2 as a runtime does (its STOPSIGNAL): it drains, so its health check fails at once (503 on
    # /readyz) while it still serves; the proxy's own checks take it out; nothing is lost; it exits 0.
    webs["web2"].signal_stop()
    draining = webs["web2"].health()
    assert draining.returncode == 1 and "503" in draining.stdout, draining.stdout
    print(f"web2 health check while it drains: {draining.stdout.strip()}")
    during = round_trips(100)
    assert webs["web2"].process.wait(timeout=30) == 0, webs["web2"].log
    after = round_trips(100)
    print(f"while web2 stopped: {during}; after: {after}")
    assert during["failures"] == 0 and after["failures"] == 0, (during, after)
    assert after["served_by"] == {"web1": 200}, after

    assert front.stop() == 0, front.log
    assert webs["web1"].stop() == 0, webs["web1"].log


def round_trips(count: int) -> dict:
    answer = in_namespace(NET_NS, sys.executable, str(Path(__file__).with_name("client.py")),
                          f"http://{ADDRESSES['proxy']}:8080", str(count), "60", timeout=90)
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def test_the_cli_image_codes_from_standard_input(images, tmp_path):
    morse = images["morse"]
    encoded = subprocess.run(morse.nspawn("morse-cli") + morse.config["Entrypoint"] + ["encode"], input="SOS 73",
                             capture_output=True, text=True, timeout=60)
    assert encoded.returncode == 0, encoded.stderr
    assert encoded.stdout.strip() == "... --- ... / --... ...--", encoded.stdout
    # No arguments: the image's CMD, --help.
    usage = subprocess.run(morse.nspawn("morse-cli") + morse.command, capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    assert usage.returncode == 0 and "USAGE: morse" in usage.stdout, usage.stdout + usage.stderr
