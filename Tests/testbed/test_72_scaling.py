"""Issue 20, item 4 - scaling the workers out and in without a failed request.

Under a steady mixed load through the floating address: a third worker host is added while the bed runs
(`cluster/testbed/host web-3 add`, as a Heat stack update adds a server), `scale.yml` configures it and every proxy
takes it by a reload (same process), and it takes traffic once its health checks pass; then `scale.yml -e
scale_remove=web-3` drains it at every proxy, reloads them without it and stops it, before the host is deleted
(`... remove`, as Heat deletes the server). 0 failed requests over the whole run, every acknowledged message read
back, and after each step every proxy's /status lists exactly the workers that exist. Removing a worker Heat would
not delete (a lower-numbered one) is refused with nothing changed.
"""

from __future__ import annotations

import time

from conftest import (
    LoadRun,
    Testbed,
    bed_script,
    load_inventory,
    log,
    main_pid,
    playbook,
    proxy_status,
    read_back_messages,
    wait_backends_up,
)

NEW = "web-3"


def backends(testbed: Testbed) -> dict[str, dict[str, dict]]:
    """Every proxy's backends, by name."""
    return {p: {b["name"]: b for b in proxy_status(testbed, p)["backends"]} for p in testbed.proxies}


def test_scale_out_and_in_under_load(testbed):
    workers = sorted(testbed.groups["workers"])
    assert NEW not in workers, "the spare host is already in the inventory"
    pids = {p: main_pid(testbed, p, "morse-proxy") for p in testbed.proxies}
    load = LoadRun(testbed, "scaling", concurrency=8, mix="encode=3,message=1", rate=300, max_seconds=600)
    added = False
    try:
        load.wait_flowing()
        started = time.monotonic()
        bed_script("host", NEW, "add", timeout=300)
        added = True
        grown = Testbed(load_inventory())
        assert sorted(grown.groups["workers"]) == sorted([*workers, NEW])
        out = playbook("scale.yml", timeout=900)
        assert out.rc == 0, out.output[-4000:]
        log(f"scale out: host added and scale.yml done in {time.monotonic() - started:.0f} s")

        # Every proxy lists exactly the three, all up, and the new one takes its share without a failure.
        wait_backends_up(grown, sorted([*workers, NEW]), timeout=60)
        time.sleep(5)
        seen = backends(grown)
        for proxy, by_name in seen.items():
            assert sorted(by_name) == sorted([*workers, NEW]), proxy
            assert by_name[NEW]["failures"] == 0, by_name[NEW]
        assert sum(by_name[NEW]["requests"] for by_name in seen.values()) > 0, "the new worker took no traffic"
        # A reload, not a restart: the same proxy processes.
        assert {p: main_pid(grown, p, "morse-proxy") for p in grown.proxies} == pids, "a proxy was restarted"
        log("scale out: " + "; ".join(f"{p}: {NEW} {b[NEW]['requests']} requests, 0 failures"
                                      for p, b in seen.items()))

        # Heat deletes the highest-numbered worker when the count goes down: removing another one is refused.
        refused = playbook("scale.yml", "-e", f"scale_remove={workers[0]}", timeout=300)
        assert refused.rc != 0 and "highest-numbered" in refused.output, refused.output[-3000:]
        assert refused.changed == 0
        assert sorted(backends(grown)[grown.proxies[0]]) == sorted([*workers, NEW])

        started = time.monotonic()
        out = playbook("scale.yml", "-e", f"scale_remove={NEW}", timeout=900)
        assert out.rc == 0, out.output[-4000:]
        for proxy, by_name in backends(grown).items():
            assert sorted(by_name) == workers, f"{proxy} still lists {sorted(by_name)}"
        state = grown.ssh(NEW, "systemctl is-active morse-worker; systemctl is-enabled morse-worker", check=False)
        assert state.stdout.split() == ["inactive", "disabled"], state.stdout
        bed_script("host", NEW, "remove", timeout=300)
        added = False
        log(f"scale in: drained, proxies reloaded without it, stopped, host deleted in "
            f"{time.monotonic() - started:.0f} s")
        shrunk = Testbed(load_inventory())
        assert sorted(shrunk.groups["workers"]) == workers
        assert {p: main_pid(shrunk, p, "morse-proxy") for p in shrunk.proxies} == pids, "a proxy was restarted"
        time.sleep(3)  # the load goes on after the host is gone
    finally:
        summary = load.stop()
        if added:
            bed_script("host", NEW, "remove", timeout=300)

    assert summary["requests"] > 0 and summary["operations"]["message"]["requests"] > 0, summary["text"]
    assert summary["failures"] == 0, f"{summary['failures']} failed: {summary['failure_kinds']}\n{summary['text']}"
    messages = load.messages()
    read = read_back_messages(shrunk, messages)
    assert read["problems"] == 0, read["examples"]
    wait_backends_up(shrunk, workers, timeout=30)
    log(f"scaling under load: 0 failed of {summary['requests']:,} requests in {load.seconds:.0f} s; "
        f"{len(messages):,} acknowledged messages read back")
