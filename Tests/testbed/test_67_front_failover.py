"""Issue 19: no single point of failure at the front. Two proxies share the VIP (keepalived, role morse_vip); the
floating IP is a DNAT to it (cluster/testbed/up). Each fault is injected under `morsectl load` (mixed encode and
message writes through the floating IP), while a prober opens a new connection every PROBE_EVERY seconds; "service
back" is the time from the fault's injection to the end of the first successful request on a connection opened
after it, from the client's side (the hosts share this machine's clock, so the injection's time is read where it
happens).

1. Planned switch-over: rolling-restart.yml restarts both proxies, one after the other; each hands the address over
   only after it quiesced behind a hold on new connections -> 0 failed requests.
2. kill -9 of the active morse-proxy -> service back <= BOUND s, by systemd's restart or by the address moving
   (reported); only requests in flight may fail; every acknowledged message reads back.
3. The active proxy hangs (SIGSTOP) -> it loses the address, service back <= BOUND s.
4. The active proxy host crashes (SIGKILL of its systemd-nspawn) -> the address moves, service back <= BOUND s.
5. A clean stop of the active proxy host -> 0 failed requests.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass

import pytest

from conftest import (
    ARTIFACTS,
    TIMINGS,
    LoadRun,
    log,
    main_pid,
    playbook,
    power,
    read_back_messages,
    vip_holders,
    vrrp_state,
    wait_backends_up,
)

BOUND = 3.0             # seconds from the fault to service back, at most
PROBE_EVERY = 0.05      # a new connection this often
PROBE_TIMEOUT = 8.0     # per probe: long enough for a SYN resent twice (1 s, then 2 s more)
CONCURRENCY = 8
MIX = "encode=3,message=1"
# A steady rate: an unthrottled load saturates both cores of this machine, and the faults are about the front's
# behaviour, not about keepalived's timers starved of CPU.
RATE = 300
FIGURES: dict[str, dict] = {}


@dataclass
class Probe:
    started: float
    ended: float
    ok: bool
    error: str


class Prober:
    """A new connection to the floating IP every PROBE_EVERY s, each a GET /healthz with its own timeout, each in
    its own thread (at most PROBE_TIMEOUT / PROBE_EVERY at once); bounded by `max_seconds`."""

    def __init__(self, testbed, max_seconds: float = 120):
        self.host, self.port = testbed.floating_ip, int(testbed.http_port)
        self.probes: list[Probe] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.deadline = time.time() + max_seconds
        self.threads: list[threading.Thread] = []
        self.loop = threading.Thread(target=self._run, daemon=True)
        self.loop.start()

    def _probe(self) -> None:
        started = time.time()
        ok, error = False, ""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=PROBE_TIMEOUT)
        try:
            conn.request("GET", "/healthz", headers={"Connection": "close"})
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
            error = "" if ok else f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as e:
            error = type(e).__name__
        finally:
            conn.close()
        with self.lock:
            self.probes.append(Probe(started, time.time(), ok, error))

    def _run(self) -> None:
        while not self.stopping.is_set() and time.time() < self.deadline:
            thread = threading.Thread(target=self._probe, daemon=True)
            thread.start()
            self.threads.append(thread)
            self.threads = [t for t in self.threads if t.is_alive()]
            self.stopping.wait(PROBE_EVERY)

    def back_after(self, injected: float, settled: float | None = None) -> float | None:
        """Seconds from `injected` to the end of the first success on a connection opened after it - after
        `settled` when given (a crash: the host serves until its last process is gone, so only a connection opened
        after that shows the service back, yet the time still counts from the fault's injection)."""
        opened_after = injected if settled is None else max(injected, settled)
        with self.lock:
            ends = [p.ended for p in self.probes if p.ok and p.started >= opened_after]
        return min(ends) - injected if ends else None

    def wait_back(self, injected: float, settled: float | None = None, timeout: float = 20) -> float | None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            back = self.back_after(injected, settled)
            if back is not None:
                return back
            time.sleep(0.1)
        return None

    def failed_after(self, injected: float) -> dict[str, int]:
        with self.lock:
            kinds: dict[str, int] = {}
            for p in self.probes:
                if p.started >= injected and not p.ok:
                    kinds[p.error] = kinds.get(p.error, 0) + 1
            return kinds

    def stop(self) -> None:
        self.stopping.set()
        self.loop.join(timeout=5)
        for thread in list(self.threads):
            thread.join(timeout=PROBE_TIMEOUT + 1)


def active(testbed) -> str:
    holders = vip_holders(testbed)
    assert len(holders) == 1, f"the shared address is held by {holders}"
    return holders[0]


def other(testbed, host: str) -> str:
    return next(p for p in testbed.proxies if p != host)


def wait_pair_well(testbed, timeout: float = 120) -> str:
    """Until both proxies serve, one holds the address (MASTER) and the other stands by (BACKUP); returns the
    holder."""
    deadline = time.monotonic() + timeout
    seen = {}
    while time.monotonic() < deadline:
        try:
            seen = {p: vrrp_state(testbed, p) for p in testbed.proxies}
            holders = vip_holders(testbed)
            if sorted(seen.values()) == ["BACKUP", "MASTER"] and len(holders) == 1 and seen[holders[0]] == "MASTER":
                wait_backends_up(testbed, testbed.groups["workers"], timeout=max(5, deadline - time.monotonic()))
                return holders[0]
        except Exception as error:  # noqa: BLE001 - a host may still be booting; keep polling until the deadline
            seen = {"error": repr(error)}
        time.sleep(1)
    pytest.fail(f"the pair is not well within {timeout} s: {seen}")


def remote_now(testbed, host: str, command: str) -> float:
    """Runs `command` on `host`, then reads the host's clock (the machine's): the fault's time, taken once it has
    happened, so that no probe that succeeded just before it counts as service back."""
    out = testbed.ssh(host, f"{command} && date +%s.%N", timeout=30).stdout.split()
    return float(out[-1])


def since(testbed, host: str, t: float, what: str = "-t morse-vip") -> str:
    return testbed.ssh(host, f"sudo journalctl {what} --since @{int(t) - 1} --no-pager -o cat", check=False).stdout


def check_load(testbed, name: str, load: LoadRun, summary: dict, allowed_failures: int) -> dict:
    """Failures within `allowed_failures` (those in flight at the fault), every acknowledged message there."""
    assert summary["requests"] > 0 and summary["operations"]["message"]["requests"] > 0, summary["text"]
    assert summary["mismatches"] == 0, summary["mismatch_examples"]
    assert summary["failures"] <= allowed_failures, \
        f"{summary['failures']} failed (at most {allowed_failures}): {summary['failure_kinds']}\n{summary['text']}"
    messages = load.messages()
    assert len(messages) == summary["messages_acknowledged"] > 0
    back = read_back_messages(testbed, messages)
    assert back["problems"] == 0, back["examples"]
    return {"requests": summary["requests"], "failed": summary["failures"], "failure_kinds": summary["failure_kinds"],
            "messages_acknowledged": len(messages), "messages_read_back": back["read_back"],
            "p99_ms": round(summary["latency_ms"]["p99"], 1)}


def record(name: str, figures: dict) -> None:
    FIGURES[name] = figures
    log(f"{name}: {json.dumps(figures)}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "front-failover.json").write_text(json.dumps(FIGURES, indent=2))


def fault_under_load(testbed, name: str, inject, after=None, allowed_failures: int = CONCURRENCY,
                     min_seconds: float = 12) -> dict:
    """Load and prober on; `inject(holder)` returns the injection's time (the machine's clock); the service must be
    back within BOUND s; `after(holder)` runs before the load stops. Returns the figures."""
    holder = wait_pair_well(testbed)
    load = LoadRun(testbed, name, concurrency=CONCURRENCY, mix=MIX, max_seconds=120, rate=RATE)
    prober = None
    try:
        load.wait_flowing()
        prober = Prober(testbed)
        time.sleep(2)
        injected = inject(holder)
        # A crash returns two times: the signal (the injection) and the moment the host's processes were gone.
        injected, settled = injected if isinstance(injected, tuple) else (injected, None)
        log(f"{name}: fault injected on {holder} at {time.strftime('%H:%M:%S', time.localtime(injected))}"
            f"{injected % 1:.3f}".replace("0.", ".", 1)
            + (f", its processes gone {settled - injected:.2f} s later" if settled else ""))
        back = prober.wait_back(injected, settled)
        probes_failed = prober.failed_after(injected)
        if after:
            after(holder)
    finally:
        if prober:
            prober.stop()
        summary = load.stop(min_seconds=min_seconds)
    holders = vip_holders(testbed)
    figures = {"active_before": holder, "holder_after": holders, "service_back_s": back,
               "probes_failed_after_fault": probes_failed, "load_seconds": round(summary["seconds"], 1)}
    if settled:
        figures["processes_gone_after_s"] = round(settled - injected, 3)
    figures.update(check_load(testbed, name, load, summary, allowed_failures))
    record(name, figures)
    assert back is not None and back <= BOUND, f"service back after {back} s (bound {BOUND} s): {figures}"
    return figures


def test_pair_shares_one_address(testbed):
    """One proxy holds the address (MASTER), the other stands by (BACKUP), unicast VRRPv3 with no preemption, and
    the state changes are in the journal."""
    holder = wait_pair_well(testbed)
    standby = other(testbed, holder)
    conf = testbed.ssh(holder, "sudo cat /etc/keepalived/keepalived.conf").stdout
    assert "nopreempt" in conf and "version 3" in conf and "unicast_peer" in conf, conf
    assert testbed.hosts[standby]["private_ip"] in conf.split("unicast_peer", 1)[1], conf
    assert "MASTER" in since(testbed, holder, time.time() - 3600)
    log(f"{holder} holds {testbed.vip} (MASTER), {standby} stands by (BACKUP)")


def test_planned_switch_over_under_load(testbed):
    """rolling-restart.yml, the proxies only: each restarted, the address moved away from the holder first."""
    holder = wait_pair_well(testbed)
    before = {p: main_pid(testbed, p, "morse-proxy") for p in testbed.proxies}
    load = LoadRun(testbed, "switch-over", concurrency=CONCURRENCY, mix=MIX, max_seconds=300, rate=RATE)
    started = time.time()
    try:
        load.wait_flowing()
        outcome = playbook("rolling-restart.yml", "--limit", "proxy")
    finally:
        summary = load.stop(min_seconds=load.seconds + 3)
    print(outcome.recap_text)
    assert outcome.rc == 0, outcome.output[-6000:]
    after = {p: main_pid(testbed, p, "morse-proxy") for p in testbed.proxies}
    assert all(after[p] != before[p] for p in testbed.proxies), (before, after)
    # The holder gave the address up before its restart, and the standby took it (a standby restarted first does
    # not take it; the address moves once or twice, depending on the order).
    journals = {p: since(testbed, p, started) for p in testbed.proxies}
    masters = {p: journals[p].count(": MASTER:") for p in testbed.proxies}
    assert ": STOP:" in journals[holder] and masters[other(testbed, holder)] >= 1, journals
    figures = {"active_before": holder, "holder_after": vip_holders(testbed), "became_master": masters,
               "playbook_seconds": round(outcome.seconds, 1), "load_seconds": round(summary["seconds"], 1)}
    figures.update(check_load(testbed, "switch-over", load, summary, allowed_failures=0))
    record("planned switch-over (rolling-restart.yml --limit proxy)", figures)
    TIMINGS["planned switch-over under load"] = outcome.seconds
    wait_pair_well(testbed)


def test_kill_9_of_the_active_proxy(testbed):
    def inject(holder):
        return remote_now(testbed, holder, "sudo systemctl kill --kill-who=main --signal=SIGKILL morse-proxy")

    figures = fault_under_load(testbed, "kill-9", inject)
    holder = figures["active_before"]
    winner = "systemd's restart (the address stayed)" if figures["holder_after"] == [holder] else \
        "the address moving to the peer"
    FIGURES["kill-9"]["service_back_by"] = winner
    record("kill-9", FIGURES["kill-9"])
    log(f"kill -9 of morse-proxy on {holder}: service back after {figures['service_back_s']:.2f} s, by {winner}")
    wait_pair_well(testbed)


def test_hung_proxy_loses_the_address(testbed):
    stopped = {}

    def inject(holder):
        stopped["pid"] = main_pid(testbed, holder, "morse-proxy")
        return remote_now(testbed, holder, f"sudo kill -STOP {stopped['pid']}")

    def after(holder):
        # Hung, not dead: systemd sees nothing wrong, only the check does.
        state = vrrp_state(testbed, holder)
        testbed.ssh(holder, f"sudo kill -CONT {stopped['pid']}")
        FIGURES.setdefault("_hung", {})["state_while_hung"] = state
        assert state == "FAULT", f"the hung proxy's keepalived is {state}, not FAULT"

    figures = fault_under_load(testbed, "sigstop", inject, after=after)
    holder = figures["active_before"]
    assert figures["holder_after"] == [other(testbed, holder)], figures
    # No preemption: the proxy that came back stands by, it does not take the address back.
    time.sleep(3)
    assert vip_holders(testbed) == [other(testbed, holder)]
    assert main_pid(testbed, holder, "morse-proxy") == stopped["pid"], "the hung proxy was restarted, not resumed"
    log(f"SIGSTOP of morse-proxy on {holder}: address moved, service back after {figures['service_back_s']:.2f} s")
    wait_pair_well(testbed)


def test_active_host_crash(testbed):
    def inject(holder):
        return power(holder, "crash")

    figures = fault_under_load(testbed, "host-crash", inject)
    holder = figures["active_before"]
    assert figures["holder_after"] == [other(testbed, holder)], figures
    log(f"crash of {holder}: address moved, service back after {figures['service_back_s']:.2f} s")
    started = time.monotonic()
    power(holder, "on")
    wait_pair_well(testbed, timeout=180)
    TIMINGS["crashed proxy host back in the pair"] = time.monotonic() - started


def test_clean_stop_of_the_active_host(testbed):
    def inject(holder):
        return power(holder, "off")

    figures = fault_under_load(testbed, "host-stop", inject, allowed_failures=0)
    holder = figures["active_before"]
    assert figures["holder_after"] == [other(testbed, holder)], figures
    power(holder, "on")
    wait_pair_well(testbed, timeout=180)

