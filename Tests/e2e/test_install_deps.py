"""scripts/install-deps.sh installs exactly what is missing, and nothing when everything is there."""

import os
import subprocess
from pathlib import Path

from conftest import ROOT


def run_with_fake_apt(tmp_path: Path, installed: set[str], groups: list[str]) -> list[str]:
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "apt.log"
    (fake / "dpkg-query").write_text(
        "#!/bin/sh\nfor last; do :; done\nfor p in " + " ".join(sorted(installed)) + "; do\n"
        '  [ "$p" = "$last" ] && { printf "install ok installed"; exit 0; }\ndone\nexit 1\n')
    (fake / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    (fake / "systemctl").write_text("#!/bin/sh\nexit 0\n")
    (fake / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    for tool in fake.iterdir():
        tool.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake}:{os.environ['PATH']}")
    subprocess.run([str(ROOT / "scripts" / "install-deps.sh"), *groups], check=True, env=env)
    return log.read_text().splitlines() if log.exists() else []


def test_a_machine_without_libevent_gets_it(tmp_path):
    calls = run_with_fake_apt(tmp_path, installed={"libhttp-parser-dev", "libsqlite3-dev", "pkg-config"},
                              groups=["build"])
    assert calls[0].startswith("update")
    assert calls[1].split()[-1] == "libevent-dev"


def test_nothing_is_installed_when_everything_is_there(tmp_path):
    calls = run_with_fake_apt(tmp_path, installed={"libevent-dev", "libhttp-parser-dev", "libsqlite3-dev",
                                                   "pkg-config"}, groups=["build"])
    assert calls == []


def test_make_run_installs_before_building():
    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = dry.splitlines()
    install = next(i for i, line in enumerate(lines) if "install-deps.sh" in line)
    # The release build is cluster/testbed/build's (static Swift runtime), which calls swift build.
    build = next(i for i, line in enumerate(lines) if "swift build" in line or "cluster/testbed/build" in line)
    assert install < build
