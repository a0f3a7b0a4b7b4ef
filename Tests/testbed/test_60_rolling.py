"""Issue 8: zero-downtime rolling operations of the workers, proved under load through the proxy's floating address.

1. rolling-restart.yml restarts both workers while `morsectl load` keeps >= 8 connections busy with GET encode and
   POST messages for >= 30 s: 0 failed requests, and every message acknowledged during the run reads back.
2. deploy.yml rolls out a rebuilt worker whose version string changed, under the same load: 0 failed requests;
   afterwards the proxy has both workers up and both answer with the new version.
3. Negative control: with the proxy's retries at 0 and a worker killed with SIGKILL instead of drained, the same
   load generator counts failures (> 0). The proxy's configuration is restored afterwards.
4. Issue 15, item 4: site.yml with a changed worker setting, under the same load at a steady SITE_RATE: the workers
   restart one at a time behind a drain (tasks/rolling/host.yml through the role), 0 failed requests; the setting is
   then put back the same way (site.yml --limit workers, without load).
5. Issue 18: the proxy too. rolling-restart.yml restarts both proxies after the workers, each once the shared
   address moved away from it (issue 19; 1. checks their pids changed); deploy.yml with a rebuilt proxy whose
   version changed, under load with writes that carry no Idempotency-Key: 0 failed, the new version in /status,
   systemd's main pid is the new process (on both proxies); and a proxy binary that exits at once: the play stops
   saying so, the old proxies still serve, the previous binary is back in place.
"""

import json
import time

from conftest import (
    ARTIFACTS,
    TIMINGS,
    LoadRun,
    log,
    main_pid,
    next_proxy,
    next_worker,
    playbook,
    proxy_status,
    read_back_messages,
    smoke,
    wait_backends_up,
    worker_versions_through_proxy,
)

LOAD_SECONDS = 30       # at least this long under load
CONCURRENCY = 8         # connections
MIX = "encode=3,message=1"
TAIL_SECONDS = 2        # load kept on after the playbook, to see the last worker serve again
# site.yml runs ~150 modules on five hosts: under the unthrottled load, which saturates both cores, that takes
# minutes. A steady rate leaves Ansible room, and still sends hundreds of requests into the seconds in which an
# all-at-once restart leaves the proxy without a backend.
SITE_RATE = 200         # requests per second, on the same CONCURRENCY connections
FIGURES: dict[str, dict] = {}


def pids(testbed) -> dict[str, int]:
    """The main pid of every worker's service and of every proxy's."""
    found = {w: main_pid(testbed, w, "morse-worker") for w in testbed.groups["workers"]}
    for proxy in testbed.proxies:
        found[proxy] = main_pid(testbed, proxy, "morse-proxy")
    return found


def under_load(testbed, name, operation, rate=None, idempotency_keys=True):
    """Load on, `operation()` (returns a PlaybookRun), load kept on until >= LOAD_SECONDS and TAIL_SECONDS after
    the operation; returns (load, summary, outcome, pids before, pids after, client connections seen at the proxy,
    (operation start, operation end) in seconds of the load)."""
    workers = testbed.groups["workers"]
    wait_backends_up(testbed, workers)
    pids_before = pids(testbed)
    load = LoadRun(testbed, name, concurrency=CONCURRENCY, mix=MIX, max_seconds=600, rate=rate,
                   idempotency_keys=idempotency_keys)
    try:
        load.wait_flowing()
        # The most client connections seen in a few samples: a single sample can fall while the client replaces
        # one keep-alive connection with another.
        connections = 0
        for _ in range(5):
            connections = max(connections, proxy_status(testbed)["connections"])
            if connections >= CONCURRENCY:
                break
            time.sleep(0.2)
        load_before = load.seconds
        outcome = operation()
        load_after = load.seconds
    finally:
        # (+0.5 s: the load's own clock starts a little after this process started it)
        summary = load.stop(min_seconds=max(LOAD_SECONDS + 0.5, load.seconds + TAIL_SECONDS))
    pids_after = pids(testbed)
    log(f"{name}: load on from 0 s to {summary['seconds']:.1f} s; playbook from {load_before:.1f} s to "
        f"{load_after:.1f} s ({outcome.seconds:.1f} s); client connections at the proxy: {connections}; "
        f"main pids {pids_before} -> {pids_after}")
    return load, summary, outcome, pids_before, pids_after, connections, (load_before, load_after)


def check_zero_failures(testbed, name, load, summary, outcome, pids_before, pids_after, connections, window,
                        min_connections=CONCURRENCY, restarted=None):
    """`restarted`: the hosts whose service must have a new main process (default: the workers)."""
    restarted = testbed.groups["workers"] if restarted is None else restarted
    print(outcome.recap_text)
    assert outcome.rc == 0, outcome.output[-6000:]
    # The whole operation ran under load, and long enough, with the connections asked for.
    assert window[0] > 0 and summary["seconds"] >= LOAD_SECONDS and summary["seconds"] > window[1], (summary, window)
    assert summary["concurrency"] >= CONCURRENCY
    assert connections >= min_connections, f"the proxy saw {connections} client connections"
    # Those restarted really were (new processes), and both workers served during the run.
    assert all(pids_after[h] != pids_before[h] for h in restarted), (restarted, pids_before, pids_after)
    assert set(summary["workers"]) >= set(testbed.groups["workers"]), summary["workers"]
    assert summary["operations"]["encode"]["requests"] > 0 and summary["operations"]["message"]["requests"] > 0
    # The point: nothing failed.
    assert summary["failures"] == 0, f"{summary['failures']} failed: {summary['failure_kinds']}\n{summary['text']}"
    assert summary["mismatches"] == 0, summary["mismatch_examples"]
    assert summary["rc"] == 0, summary["text"]
    # Every acknowledged message is there afterwards.
    messages = load.messages()
    assert len(messages) == summary["messages_acknowledged"] > 0
    back = read_back_messages(testbed, messages)
    assert back["problems"] == 0, back["examples"]
    FIGURES[name] = {"requests": summary["requests"], "failures": summary["failures"],
                     "messages_written": len(messages), "messages_read_back": back["read_back"],
                     "load_seconds": round(summary["seconds"], 1), "playbook_seconds": round(outcome.seconds, 1),
                     "requests_per_second": round(summary["requests_per_second"]),
                     "p99_ms": round(summary["latency_ms"]["p99"], 1)}
    TIMINGS[f"{name}: playbook under load"] = outcome.seconds
    log(f"{name}: {json.dumps(FIGURES[name])}")
    return back


RESTART_MARKER = "/run/morse-worker.restart-pending"  # the role's note of a restart owed (group_vars/workers.yml)


def restart_owed(testbed) -> list[str]:
    """The workers whose note of a restart owed is there."""
    return [w for w in testbed.groups["workers"]
            if testbed.ssh(w, f"sudo test -e {RESTART_MARKER}", check=False).returncode == 0]


def test_rolling_restart_under_load(testbed):
    """Acceptance 1. Also: the restart pays the restart a worker owed (as an interrupted site.yml leaves it noted),
    so that the next site.yml does not restart it again."""
    for worker in testbed.groups["workers"]:
        testbed.ssh(worker, f"sudo touch {RESTART_MARKER}")
    load, summary, outcome, before, after, connections, window = under_load(
        testbed, "rolling-restart", lambda: playbook("rolling-restart.yml"))
    # The workers, then the proxies (issue 19: each restarted, the shared address moved away from it first).
    check_zero_failures(testbed, "rolling-restart", load, summary, outcome, before, after, connections, window,
                        restarted=[*testbed.groups["workers"], *testbed.proxies])
    assert restart_owed(testbed) == [], f"{RESTART_MARKER} left after rolling-restart.yml"
    wait_backends_up(testbed, testbed.groups["workers"])


def test_rolling_deploy_of_a_new_version_under_load(testbed):
    """Acceptance 2."""
    workers = testbed.groups["workers"]
    binary, version = next_worker()
    old = worker_versions_through_proxy(testbed)
    log(f"versions before the deploy (GET /healthz through the proxy): {old}")
    assert all(version not in versions for versions in old.values()), old
    extra = json.dumps({"morse_worker_binary_src": str(binary)})
    load, summary, outcome, before, after, connections, window = under_load(
        testbed, "rolling-deploy", lambda: playbook("deploy.yml", "--extra-vars", extra))
    check_zero_failures(testbed, "rolling-deploy", load, summary, outcome, before, after, connections, window)
    # The rollout happened during the run: the load saw each worker on the old version, then on the new one.
    for worker in workers:
        seen = summary["worker_versions"][worker]
        assert version in seen and len(seen) == 2, (worker, seen)
        assert summary["last_version"][worker] == version, (worker, summary["last_version"])
    # And afterwards: the proxy has both up, both answer with the new version (body and X-Worker-Version), and
    # each host runs the new binary.
    status = wait_backends_up(testbed, workers)
    log("proxy /status after the deploy: " + ", ".join(f"{b['name']} {b['state']}" for b in status["backends"]))
    new = worker_versions_through_proxy(testbed)
    log(f"versions after the deploy (GET /healthz through the proxy): {new}")
    assert new == {w: {version} for w in workers}, new
    for worker in workers:
        reported = testbed.ssh(worker, "/usr/local/bin/morse-worker --version").stdout.strip()
        assert reported == version, (worker, reported)
    FIGURES["rolling-deploy"]["version"] = version


def test_negative_control_sigkill_without_retries(testbed):
    """Acceptance 3: the load generator does see failures when a worker dies without being drained."""
    workers = testbed.groups["workers"]
    victim = workers[0]
    started = time.monotonic()
    outcome = playbook("site.yml", "--limit", "proxy", "--extra-vars", json.dumps({"morse_proxy_retries": 0}))
    try:
        assert outcome.rc == 0, outcome.output[-4000:]
        conf = testbed.ssh(testbed.proxy, "sudo grep -E '^retries ' /etc/morse/proxy.conf").stdout.strip()
        assert conf == "retries 0", conf
        wait_backends_up(testbed, workers)
        load = LoadRun(testbed, "negative-control", concurrency=CONCURRENCY, mix=MIX, max_seconds=120)
        try:
            load.wait_flowing()
            time.sleep(2)
            pid = main_pid(testbed, victim, "morse-worker")
            testbed.ssh(victim, f"sudo kill -KILL {pid}")
            log(f"{victim}: morse-worker (pid {pid}) killed with SIGKILL at {load.seconds:.1f} s of the load")
            # systemd brings it back (Restart=on-failure); the load runs on until the proxy has it up again.
            deadline = time.monotonic() + 60
            while main_pid(testbed, victim, "morse-worker") in (0, pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            wait_backends_up(testbed, workers, timeout=60)
        finally:
            summary = load.stop(min_seconds=load.seconds + TAIL_SECONDS)
    finally:
        restored = playbook("site.yml", "--limit", "proxy")
        conf = testbed.ssh(testbed.proxy, "sudo grep -E '^retries ' /etc/morse/proxy.conf").stdout.strip()
        log(f"proxy configuration restored: {conf}")
        TIMINGS["negative control (retries 0, SIGKILL), with the restore"] = time.monotonic() - started
    assert restored.rc == 0 and conf == "retries 2", (restored.output[-3000:], conf)
    wait_backends_up(testbed, workers)
    FIGURES["negative-control"] = {"requests": summary["requests"], "failures": summary["failures"],
                                   "failure_kinds": summary["failure_kinds"],
                                   "load_seconds": round(summary["seconds"], 1)}
    log(f"negative control: {json.dumps(FIGURES['negative-control'])}")
    for name in ("rolling-restart", "rolling-deploy"):
        if name in FIGURES:
            log(f"compare: {name} (drained): {FIGURES[name]['failures']} failed of {FIGURES[name]['requests']}; "
                f"negative control (SIGKILL, retries 0): {summary['failures']} failed of {summary['requests']}")
    assert summary["failures"] > 0, f"the load generator saw no failure when a worker was killed:\n{summary['text']}"
    assert summary["rc"] != 0


def test_a_failed_step_stops_the_rollout_with_the_worker_drained(testbed):
    """On failure the worker stays drained, the play stops with a message, the workers after it are untouched."""
    workers = testbed.groups["workers"]
    first, rest = workers[0], workers[1:]
    wait_backends_up(testbed, workers)
    pids_before = {w: main_pid(testbed, w, "morse-worker") for w in workers}
    # A service that does not exist: the restart step fails on the first worker.
    outcome = playbook("rolling-restart.yml", "--extra-vars", json.dumps({"rolling_service": "no-such-unit"}))
    TIMINGS["rolling-restart.yml, failing on purpose"] = outcome.seconds
    try:
        assert outcome.rc != 0, outcome.output[-3000:]
        assert f"Rolling restart stopped at {first}" in outcome.output, outcome.output[-3000:]
        assert f"{first} is left DRAINED at {testbed.proxy}" in outcome.output, outcome.output[-3000:]
        message = outcome.output[outcome.output.find("Rolling restart stopped at"):][:600]
        log(f"the play stopped with: {' '.join(message.split())}")
        assert all(w not in outcome.recap or outcome.recap[w]["changed"] == 0 for w in rest), outcome.recap
        backends = {b["name"]: b for b in proxy_status(testbed)["backends"]}
        assert backends[first]["admin_state"] == "draining", backends[first]
        for worker in rest:
            assert backends[worker]["admin_state"] == "enabled" and backends[worker]["state"] == "up", backends
        assert {w: main_pid(testbed, w, "morse-worker") for w in workers} == pids_before
        log(f"{first} is drained at the proxy, {', '.join(rest)} untouched and up")
    finally:
        # Put it back as the message says, at every proxy.
        for proxy in testbed.proxies:
            testbed.ssh(proxy, f"curl -fsS -X POST http://127.0.0.1:{testbed.admin_port}/backends/{first}/enable")
    wait_backends_up(testbed, workers)


def rolled_in_turn(outcome, workers) -> list[str]:
    """The rolling steps of a playbook's output, in order, as "step (worker)"; fails unless each worker was enabled
    again (and seen up) before the next one was drained."""
    steps = []
    for entry in outcome.changed_tasks():
        task, host = entry.rsplit(": ", 1)
        task = task.split(" : ")[-1]  # "morse_worker : Drain ..." when the role included it
        if task in ("Drain the host at the proxies", "Restart the service", "Enable the host at the proxies"):
            steps.append((task, host.split(" ")[0]))
    sequence = [f"{task} ({host})" for task, host in steps]
    for first, second in zip(workers, workers[1:], strict=False):
        enabled = [i for i, (task, host) in enumerate(steps) if task.startswith("Enable") and host == first]
        drained = [i for i, (task, host) in enumerate(steps) if task.startswith("Drain") and host == second]
        assert enabled and drained, f"no drain of {second} or no enable of {first} in the output: {sequence}"
        assert max(enabled) < min(drained), f"{second} was drained before {first} was back: {sequence}"
    return sequence


def test_site_yml_changes_a_worker_setting_under_load(testbed):
    """Issue 15, item 4: a configuration change through site.yml - the path `make deploy` takes - fails no
    request: the role notices the change and restarts each worker through tasks/rolling/host.yml, one at a time."""
    workers = testbed.groups["workers"]
    setting = {"morse_worker_settings": {"MAX_AUDIO_SECONDS": 240}}
    try:
        load, summary, outcome, before, after, connections, window = under_load(
            testbed, "site-config-change", lambda: playbook("site.yml", "--extra-vars", json.dumps(setting)),
            rate=SITE_RATE)
        for worker in workers:
            line = testbed.ssh(worker, "sudo grep -E '^MORSE_MAX_AUDIO_SECONDS=' /etc/morse/worker.conf",
                               check=False).stdout.strip()
            assert line == "MORSE_MAX_AUDIO_SECONDS=240", (worker, line)
        # Paced, the client keeps fewer of its connections busy than it may open.
        check_zero_failures(testbed, "site-config-change", load, summary, outcome, before, after, connections,
                            window, min_connections=2)
        log(f"site-config-change: rolling steps: {rolled_in_turn(outcome, workers)}")
    finally:
        # Only the workers' play is needed to put it back (and it rolls them the same way).
        restored = playbook("site.yml", "--limit", "workers")
        TIMINGS["site.yml --limit workers putting the setting back (rolling, no load)"] = restored.seconds
    assert restored.rc == 0, restored.output[-4000:]
    rolled_in_turn(restored, workers)
    assert restart_owed(testbed) == [], f"{RESTART_MARKER} left after site.yml"
    for worker in workers:
        conf = testbed.ssh(worker, "sudo cat /etc/morse/worker.conf").stdout
        assert "MORSE_MAX_AUDIO_SECONDS" not in conf, (worker, conf)
    wait_backends_up(testbed, workers)


def test_deploy_of_a_new_proxy_binary_under_load(testbed):
    """Issue 18: deploy.yml hands the proxy's sockets to a rebuilt binary under load - writes without an
    Idempotency-Key, which the proxy may not resend - and no request fails."""
    binary, version = next_proxy()
    old = proxy_status(testbed)
    assert old["version"] != version, old["version"]
    extra = json.dumps({"morse_proxy_binary_src": str(binary)})
    load, summary, outcome, before, after, connections, window = under_load(
        testbed, "proxy-deploy", lambda: playbook("deploy.yml", "--extra-vars", extra), idempotency_keys=False)
    check_zero_failures(testbed, "proxy-deploy", load, summary, outcome, before, after, connections, window,
                        restarted=testbed.proxies)
    for proxy in testbed.proxies:
        new = proxy_status(testbed, proxy)
        log(f"proxy-deploy: {proxy}: /status version {old['version']} -> {new['version']} (pid {new['pid']})")
        assert new["version"] == version and new["pid"] == after[proxy] != before[proxy], (proxy, new, before)
        assert main_pid(testbed, proxy, "morse-proxy") == new["pid"], "systemd does not follow the new process"
        installed = testbed.ssh(proxy, "/usr/local/bin/morse-proxy --version").stdout.strip()
        assert installed == f"morse-proxy {version}", (proxy, installed)
    FIGURES["proxy-deploy"]["version"] = version


def test_a_proxy_binary_that_exits_at_once_stops_the_deploy_and_the_old_proxy_serves(testbed, tmp_path):
    """Issue 18: a new proxy binary that cannot start - the play stops with a clear message, the running proxy
    (same pid, same version) still serves, and the previous binary is back at its path. The binary answers
    --version (the role's first check) and exits 3 otherwise, so the running proxy really starts it (SIGUSR2) and
    sees it fail."""
    broken = tmp_path / "morse-proxy"
    broken.write_text("#!/bin/sh\n"
                      "if [ \"$1\" = --version ]; then echo 'morse-proxy 9.9.9-broken'; exit 0; fi\n"
                      "echo 'this morse-proxy is broken on purpose' >&2\nexit 3\n")
    broken.chmod(0o755)
    before = {proxy: proxy_status(testbed, proxy) for proxy in testbed.proxies}
    outcome = playbook("deploy.yml", "--extra-vars", json.dumps({"morse_proxy_binary_src": str(broken)}))
    print(outcome.recap_text)
    assert outcome.rc != 0, "the play went on with a proxy binary that exits at once"
    assert "did not take over" in outcome.output and "still serves" in outcome.output, outcome.output[-4000:]
    for proxy in testbed.proxies:
        after = proxy_status(testbed, proxy)
        old = before[proxy]
        assert (after["pid"], after["version"]) == (old["pid"], old["version"]), (proxy, old, after)
        assert main_pid(testbed, proxy, "morse-proxy") == old["pid"]
        installed = testbed.ssh(proxy, "/usr/local/bin/morse-proxy --version").stdout.strip()
        assert installed == f"morse-proxy {old['version']}", (proxy, installed)
        journal = testbed.ssh(proxy, "sudo journalctl -u morse-proxy --since '-5min' --no-pager", check=False).stdout
        assert "upgrade failed" in journal and "keeps serving" in journal, journal[-3000:]
    served = smoke(testbed, requests=100, name="after-broken-proxy")
    assert served["rc"] == 0, served


def test_zz_print_figures():
    """The figures of this file, in one place (also in the artifacts directory)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "rolling-figures.json").write_text(json.dumps(FIGURES, indent=2))
    for name, figures in FIGURES.items():
        print(f"issue 8 figures: {name}: {json.dumps(figures)}", flush=True)
