"""Issue 20, item 5 - knowing what runs where: `make status` prints one table of the whole cluster (host, group,
services, version, readiness, each proxy's view of each worker), and the common role refuses any OS but Debian 12
before it installs anything.

Every check goes through what the operator runs: `make status` (ansible/status.yml from the operator namespace) and
site.yml; the host's view is changed for real (a worker stopped with systemctl, a release file replaced) and put back.
"""

import re
import subprocess
import time

import pytest

from conftest import log, make, playbook, proxy_status, vip_holders, wait_backends_up


def make_status() -> tuple[subprocess.CompletedProcess, dict[str, dict[str, str]]]:
    """`make status` on the test bed: its output, and the table as {host: {column: cell}}."""
    result = make("status", timeout=240)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines and lines[0].startswith("HOST"), f"no table in make status's output:\n{result.stdout}\n{result.stderr}"
    header = lines[0]
    # Columns are padded to the longest cell: each starts where its title starts in the header.
    titles = re.findall(r"\S+(?: \S+)*", header)
    starts = [header.index(title) for title in titles]
    table = {}
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [None], strict=True)]
        table[cells[0]] = dict(zip(titles, cells, strict=True))
    log("make status:\n" + "\n".join(lines))
    return result, table


def test_the_table_shows_every_host_its_services_versions_and_the_proxies_view(testbed):
    result, table = make_status()
    assert result.returncode == 0, result.stderr
    assert sorted(table) == sorted(testbed.hosts), "one row per inventory host"
    version = proxy_status(testbed)["version"]
    holders = vip_holders(testbed)
    assert len(holders) == 1, holders
    for proxy in testbed.proxies:
        row = table[proxy]
        assert row["GROUP"] == "proxy"
        assert row["SERVICES"] == "morse-proxy active/running, keepalived active/running", row
        assert row["VERSION"] == version and row["READY"] == "ready", row
        workers = len(testbed.groups["workers"])
        assert row["PROXY VIEW"].startswith(f"{workers}/{workers} workers up"), row
        assert ("VRRP MASTER" in row["PROXY VIEW"]) == (proxy in holders), (row, holders)
    for worker in testbed.groups["workers"]:
        row = table[worker]
        assert row["SERVICES"] == "morse-worker active/running" and row["READY"] == "ready", row
        assert row["VERSION"] not in ("", "-"), row
        assert row["PROXY VIEW"] == ", ".join(f"{p}: up" for p in testbed.proxies), row
    db = testbed.groups["database"][0]
    # The cluster's own unit (postgresql.service stays "active" when the cluster dies), and the backups' timer.
    assert re.fullmatch(r"postgresql@\d+-main active/running, morse-db-backup.timer active/waiting",
                        table[db]["SERVICES"]), table[db]
    assert table[db]["READY"] == "ready" and re.fullmatch(r"\d+\.\d+", table[db]["VERSION"]), table[db]


def test_a_stopped_worker_shows_as_stopped_and_down_at_every_proxy(testbed):
    worker = testbed.groups["workers"][-1]
    others = [w for w in testbed.groups["workers"] if w != worker]
    testbed.ssh(worker, "sudo systemctl stop morse-worker")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            views = [proxy_status(testbed, p) for p in testbed.proxies]
            if all(b["state"] == "down" for v in views for b in v["backends"] if b["name"] == worker):
                break
            time.sleep(0.5)
        result, table = make_status()
        # The host answered: the table, not Ansible, says what is wrong with it.
        assert result.returncode == 0, result.stderr
        row = table[worker]
        assert row["SERVICES"] == "morse-worker inactive/dead" and row["READY"] == "no answer", row
        assert row["PROXY VIEW"] == ", ".join(f"{p}: down" for p in testbed.proxies), row
        for proxy in testbed.proxies:
            assert table[proxy]["PROXY VIEW"].startswith(f"{len(others)}/{len(others) + 1} workers up"), table[proxy]
    finally:
        testbed.ssh(worker, "sudo systemctl start morse-worker")
        wait_backends_up(testbed, testbed.groups["workers"])


FAKE_OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 13 (trixie)"
NAME="Debian GNU/Linux"
VERSION_ID="13"
VERSION="13 (trixie)"
VERSION_CODENAME=trixie
ID=debian
"""


def test_another_release_is_refused_before_anything_is_installed(testbed):
    host = testbed.groups["workers"][0]
    # Bind mounts over the release files: undone by the finally below, and by any restart of the host.
    fake = "/run/morse-test-release"
    testbed.ssh(host, f"sudo mkdir -p {fake} && printf '%s' '{FAKE_OS_RELEASE}' | sudo tee {fake}/os-release >/dev/null"
                      f" && echo 13.1 | sudo tee {fake}/debian_version >/dev/null"
                      f" && sudo mount --bind {fake}/os-release /usr/lib/os-release"
                      f" && sudo mount --bind {fake}/debian_version /etc/debian_version")
    try:
        assert "trixie" in testbed.ssh(host, "cat /etc/os-release").stdout
        before = testbed.ssh(host, "sudo find /etc /usr/local -newer /run/morse-test-release -print | wc -l").stdout
        refused = playbook("site.yml", "--limit", host)
        output = refused.output
        assert refused.rc != 0, output[-2000:]
        assert f"{host} runs Debian 13.1 (trixie)" in output, output[-3000:]
        assert "The Morse roles support Debian 12 with systemd" in output, output[-3000:]
        assert refused.changed == 0, refused.changed_tasks()
        after = testbed.ssh(host, "sudo find /etc /usr/local -newer /run/morse-test-release -print | wc -l").stdout
        assert before == after, "files changed on the refused host"
        log(f"{host} as Debian 13.1: refused in {refused.seconds:.1f} s, 0 changed")
    finally:
        testbed.ssh(host, "sudo umount /etc/debian_version; sudo umount /usr/lib/os-release; "
                          f"sudo rm -rf {fake}", check=False)
    assert "bookworm" in testbed.ssh(host, "cat /etc/os-release").stdout
    # The real release passes the same check: the guard does not refuse everything.
    accepted = playbook("site.yml", "--limit", host)
    assert accepted.rc == 0 and accepted.changed == 0, accepted.changed_tasks()


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-v"]))
