"""Issue 15, item 2: PostgreSQL stops on the database host while the deployed cluster is under load.

The unready threshold: a worker counts the database as reachable for three refresh periods after its last answer
(WorkerState.contactValidity = 3 x MORSE_ALPHABET_REFRESH, 1 s by default), so a worker WITHOUT
--ready-without-database answers /readyz 503 about 3-4 s after PostgreSQL stops, and the proxy takes it out of
rotation after `fall 2` failed checks one second apart: about 5-6 s after the stop. PostgreSQL stays down for
OUTAGE_SECONDS (15 s), well past that.

Through the proxy's floating address, from the operator side:
1. `morsectl load` of encodes (GET /api/v1/encode) on CONCURRENCY connections, and beside it a writer of messages
   (POST /api/v1/messages, one connection, about WRITES_PER_SECOND), both before, during and after the outage;
2. the negative control: one more worker on web-1 - same binary, same database URL, same host - started WITHOUT
   the setting (a transient systemd unit on loopback, outside the proxy);
3. `systemctl stop postgresql@15-main` on db-1 for OUTAGE_SECONDS, then `systemctl start`.

Asserted, as the site's users and its operator see it: 0 failed encodes; both deployed workers `up` at the proxy,
and the proxy's health checks of them answered 200, in every sample during the outage, while their own /readyz
reports the database unreachable (a failed check matters even while the worker still shows `up`: the proxy counts
a successful live request as clearing the failed checks before it - MorseProxy's HealthMachine.passiveSuccess - so
under steady load an unready worker stays in rotation, but the first lull in traffic takes it out); the control worker
answered 503 during the outage (so the outage was long enough to take a worker without the setting out) and 200
again after; every write sent and answered within the outage got 503 with Retry-After (store_unavailable), and no
write anything but 201 or that; writes succeed again after PostgreSQL is back; every acknowledged (201) message -
before, during and after - reads back.
"""

import json
import re
import subprocess
import time

from conftest import ARTIFACTS, TIMINGS, LoadRun, MessageWriter, log, read_back_messages, wait_backends_up

OUTAGE_SECONDS = 15      # PostgreSQL down this long (the threshold above is ~5-6 s)
WARM_SECONDS = 6         # load before the outage: every symbol the load sends is in both workers' caches
CONCURRENCY = 4          # connections of the encode load
WRITES_PER_SECOND = 10   # the writer beside it
RECOVERY_TIMEOUT = 30    # seconds for writes to succeed again once PostgreSQL is back
TAIL_SECONDS = 5         # load kept on after the first successful write
PG_UNIT = "postgresql@15-main"
CONTROL_UNIT = "morse-e2e-control"
CONTROL_PORT = 8091
POLL_ITERATIONS = 400    # bound of each remote polling loop (~0.3 s per iteration)


class RemotePoller:
    """A bounded polling loop run on a test-bed host over one SSH session; each output line starts with the host's
    wall clock (the containers share the machine's clock)."""

    def __init__(self, testbed, host: str, body: str):
        script = (f"for i in $(seq 1 {POLL_ITERATIONS}); do printf '%s ' \"$(date +%s.%N)\"; {body}; echo; "
                  "sleep 0.2; done")
        self.process = subprocess.Popen(testbed.ssh_command(host, script), stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)

    def stop(self) -> list[tuple[float, str]]:
        self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate(timeout=5)
        samples = []
        for line in out.splitlines():
            stamp, _, rest = line.partition(" ")
            try:
                samples.append((float(stamp), rest.strip()))
            except ValueError:
                continue
        return samples


def start_control_worker(testbed, host: str) -> None:
    """The deployed worker's binary and database URL (its EnvironmentFile), on loopback, WITHOUT
    MORSE_READY_WITHOUT_DATABASE: the default readiness policy."""
    stop_control_worker(testbed, host)
    testbed.ssh(host, f"sudo systemd-run --quiet --unit={CONTROL_UNIT} --uid=morse --gid=morse "
                      "--property=EnvironmentFile=/etc/morse/worker.env "
                      f"--setenv=MORSE_HOST=127.0.0.1 --setenv=MORSE_PORT={CONTROL_PORT} "
                      "--setenv=MORSE_NAME=control --setenv=MORSE_DRAIN_SECONDS=0 /usr/local/bin/morse-worker")
    deadline = time.monotonic() + 60
    code = ""
    while time.monotonic() < deadline:
        code = testbed.ssh(host, f"curl -s -o /dev/null -w '%{{http_code}}' --max-time 2 "
                                 f"http://127.0.0.1:{CONTROL_PORT}/readyz", check=False).stdout.strip()
        if code == "200":
            log(f"{host}: control worker ({CONTROL_UNIT}, default readiness policy) ready on :{CONTROL_PORT}")
            return
        time.sleep(0.5)
    raise AssertionError(f"the control worker on {host} did not become ready: /readyz {code}")


def stop_control_worker(testbed, host: str) -> None:
    testbed.ssh(host, f"sudo systemctl stop {CONTROL_UNIT} 2>/dev/null; "
                      f"sudo systemctl reset-failed {CONTROL_UNIT} 2>/dev/null; true", check=False)


def encodes_between(load: LoadRun, load_wall_start: float, start: float, end: float) -> int:
    """Requests the load answered between two wall-clock times, from its once-a-second progress lines."""
    points = [(load_wall_start + int(m[1]), int(m[2]))
              for m in re.finditer(r"load: (\d+) s, (\d+) requests", load.log_path.read_text())]
    before = max((count for at, count in points if at <= start), default=0)
    after = max((count for at, count in points if at <= end), default=0)
    return after - before


def test_database_outage_under_load(testbed):
    workers = testbed.groups["workers"]
    db = testbed.groups["database"][0]
    control_host = workers[0]
    worker_ip = testbed.hosts[control_host]["private_ip"]
    started = time.monotonic()

    # The setting is deployed (role default for a PostgreSQL URL), the control worker is not given it.
    for worker in workers:
        conf = testbed.ssh(worker, "sudo grep -E '^MORSE_READY_WITHOUT_DATABASE=' /etc/morse/worker.conf",
                           check=False).stdout.strip()
        log(f"{worker}: /etc/morse/worker.conf: {conf or '(no MORSE_READY_WITHOUT_DATABASE)'}")
    wait_backends_up(testbed, workers)
    start_control_worker(testbed, control_host)

    stopped_at = restarted_at = None
    pg_stopped = False
    writer = load = None
    pollers = {}
    try:
        pollers["control"] = RemotePoller(
            testbed, control_host,
            f"curl -s -o /dev/null -w '%{{http_code}}' --max-time 1 http://127.0.0.1:{CONTROL_PORT}/readyz; "
            f"printf ' '; curl -s --max-time 1 http://{worker_ip}:{testbed.worker_port}/readyz | tr -d '\\n'")
        pollers["proxy"] = RemotePoller(
            testbed, testbed.proxy,
            f"curl -s --max-time 1 http://127.0.0.1:{testbed.admin_port}/status | tr -d '\\n'")

        load = LoadRun(testbed, "db-outage-encode", concurrency=CONCURRENCY, mix="encode=1", max_seconds=150)
        load_wall_start = time.time() - load.seconds
        load.wait_flowing()
        writer = MessageWriter(testbed, "outage write", per_second=WRITES_PER_SECOND)
        writer.start()
        time.sleep(max(0.0, WARM_SECONDS - load.seconds))

        testbed.ssh(db, f"sudo systemctl stop {PG_UNIT}")
        pg_stopped = True
        stopped_at = time.time()
        log(f"{db}: PostgreSQL stopped at {load.seconds:.1f} s of the load; down for {OUTAGE_SECONDS} s")
        time.sleep(OUTAGE_SECONDS)  # the outage itself
        restart_requested = time.time()
        testbed.ssh(db, f"sudo systemctl start {PG_UNIT}")
        pg_stopped = False
        restarted_at = time.time()
        log(f"{db}: PostgreSQL started again ({restarted_at - restart_requested:.1f} s) at {load.seconds:.1f} s")

        # Until a write succeeds again, then a little longer.
        deadline = time.monotonic() + RECOVERY_TIMEOUT
        while time.monotonic() < deadline and not any(
                r["status"] == 201 and r["sent"] > restarted_at for r in list(writer.records)):
            time.sleep(0.2)
        time.sleep(TAIL_SECONDS)
    finally:
        if pg_stopped:
            testbed.ssh(db, f"sudo systemctl start {PG_UNIT}", check=False)
        if writer is not None:
            writer.stop()
        summary = load.stop() if load is not None else None
        samples = {name: poller.stop() for name, poller in pollers.items()}
        stop_control_worker(testbed, control_host)
    assert stopped_at and restarted_at and summary, "the outage did not run"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "db-outage-samples.json").write_text(json.dumps(
        {"stopped_at": stopped_at, "restart_requested": restart_requested, "restarted_at": restarted_at,
         "samples": samples, "writes": writer.records}, indent=1))

    # ---- the encodes: none failed, and they kept coming during the outage
    during = encodes_between(load, load_wall_start, stopped_at, restart_requested)
    # ---- the proxy's view during the outage
    outage_samples = [s for t, s in samples["proxy"] if stopped_at + 1 < t < restart_requested]
    states, checks = [], []
    for text in outage_samples:
        try:
            backends = json.loads(text)["backends"]
            states.append({b["name"]: b["state"] for b in backends})
            checks.append({b["name"]: (b.get("last_check") or {}).get("status") for b in backends})
        except (ValueError, KeyError, TypeError):
            states.append({"(no answer)": text[:100]})
    not_up = [s for s in states if any(s.get(w) != "up" for w in workers)]
    # What the proxy's health checks got: a 503 there takes the worker out at the next lull in traffic (or at
    # once, `fall` checks in a row, when no live request succeeds in between).
    failed_checks = [c for c in checks if any(c.get(w) != 200 for w in workers)]
    # ---- the control worker (default policy) and the deployed web-1's own /readyz
    control, deployed = [], []
    for t, line in samples["control"]:
        code, _, body = line.partition(" ")
        control.append((t, code))
        try:
            readyz = json.loads(body)
            deployed.append((t, readyz["status"], readyz["checks"]["database"]))
        except (ValueError, KeyError, TypeError):
            deployed.append((t, "(no answer)", body[:100]))
    control_down = [t for t, code in control if code == "503" and stopped_at < t < restarted_at]
    control_back = [t for t, code in control if code == "200" and t > restarted_at]
    deployed_saw_outage = [t for t, _, database in deployed if database == "unreachable"
                           and stopped_at < t < restarted_at]
    deployed_not_ready = [(t, status) for t, status, _ in deployed if status != "ready"
                          and stopped_at < t < restarted_at]
    # ---- the writes
    records = writer.records
    inside = [r for r in records if r["sent"] > stopped_at and r["answered"] < restart_requested]
    inside_wrong = [r for r in inside
                    if not (r["status"] == 503 and r.get("retry_after") and r.get("code") == "store_unavailable")]
    odd = [r for r in records if r["status"] not in (201, 503) or (r["status"] == 503 and not r.get("retry_after"))]
    acknowledged = [r for r in records if r["status"] == 201]
    after = [r for r in records if r["sent"] > restarted_at]
    first_after = next((r for r in after if r["status"] == 201), None)
    back = read_back_messages(testbed, [{"id": r["id"], "text": r["text"], "morse": r["morse"]}
                                        for r in acknowledged])
    first_down = min(control_down) - stopped_at if control_down else None
    figures = {
        "outage_seconds": round(restart_requested - stopped_at, 1),
        "encodes": summary["requests"], "encode_failures": summary["failures"],
        "failure_kinds": summary["failure_kinds"], "encodes_during_outage": during,
        "proxy_samples_during_outage": len(states), "samples_with_a_worker_not_up": len(not_up),
        "samples_with_a_failed_proxy_check": len(failed_checks),
        "control_unready_after_seconds": None if first_down is None else round(first_down, 1),
        "control_503_samples": len(control_down), "control_ready_again": bool(control_back),
        "writes": len(records), "writes_during_outage": len(inside),
        "writes_during_outage_503_retry_after": len(inside) - len(inside_wrong),
        "writes_acknowledged": len(acknowledged), "read_back": back["read_back"],
        "first_write_after_restart_seconds": None if first_after is None
        else round(first_after["answered"] - restarted_at, 1),
    }
    TIMINGS["database outage under load"] = time.monotonic() - started
    log(f"database outage: {json.dumps(figures)}")

    assert summary["failures"] == 0, (f"{summary['failures']} encodes failed during a database outage: "
                                      f"{summary['failure_kinds']} {summary['failure_examples'][:5]}")
    assert summary["mismatches"] == 0 and summary["rc"] == 0, summary["text"]
    assert during > 0, "no encode was answered during the outage"
    assert len(states) >= 5 and not not_up, f"a worker left the proxy's rotation: {not_up[:5]}"
    assert not failed_checks, f"the proxy's health checks of the deployed workers failed: {failed_checks[:5]}"
    assert deployed_saw_outage, "the deployed worker's /readyz never reported the database unreachable"
    assert not deployed_not_ready, f"the deployed worker turned unready: {deployed_not_ready[:3]}"
    # The negative control: the same outage takes a worker without the setting out, and it comes back.
    assert control_down, f"the control worker never answered 503 during the outage: {control[:5]}"
    assert control_back, "the control worker was not ready again after the outage"
    # Writes: refused honestly during the outage, nothing else, and accepted again after it.
    assert inside, "no write was sent and answered within the outage"
    assert not inside_wrong, f"writes during the outage not answered 503 store_unavailable + Retry-After: " \
                             f"{inside_wrong[:5]}"
    assert not odd, f"writes answered neither 201 nor 503 + Retry-After: {odd[:5]}"
    assert first_after is not None, f"no write succeeded within {RECOVERY_TIMEOUT} s of PostgreSQL's return"
    assert back["problems"] == 0, back["examples"]
