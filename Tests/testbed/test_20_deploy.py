"""Acceptance 1: site.yml onto the test bed, a smoke test through the proxy's floating address from the operator
side, then a second site.yml run that changes nothing."""

import http.client
import json
import math
import struct

from conftest import TIMINGS, playbook, smoke, wait_backends_up


def test_site_deploys_the_cluster(testbed):
    outcome = playbook("site.yml")
    TIMINGS["site.yml (first run)"] = outcome.seconds
    print(outcome.recap_text)
    assert outcome.rc == 0, outcome.output[-6000:]
    assert set(outcome.recap) == set(testbed.hosts), outcome.recap
    assert all(h["failed"] == 0 and h["unreachable"] == 0 for h in outcome.recap.values())
    # The database password (no_log) appears nowhere in Ansible's output.
    assert testbed.db_password not in outcome.output


def test_smoke_through_the_floating_address(testbed):
    wait_backends_up(testbed, testbed.groups["workers"])
    summary = smoke(testbed, requests=400, concurrency=8, name="smoke-after-deploy")
    assert summary["failures"] == 0, summary
    assert summary["mismatches"] == 0, summary
    assert summary["rc"] == 0, summary
    served = {name for name, count in summary["workers"].items() if count > 0}
    assert served == set(testbed.groups["workers"]), f"workers that served: {summary['workers']}"


def sos_recording(rate: int = 44100, seconds: float = 20.0) -> bytes:
    """SOS at 20 WPM, 700 Hz, then silence: a 16-bit mono WAV of `seconds` (20 s at 44.1 kHz: 1.7 MiB)."""
    unit = int(rate * 0.06)
    keyed = [(True, 1), (False, 1)] * 3 + [(False, 2)] + [(True, 3), (False, 1)] * 3 + [(False, 2)] \
        + [(True, 1), (False, 1)] * 3
    samples = bytearray(int(rate * 0.5) * 2)
    for down, units in keyed:
        for n in range(units * unit):
            value = int(12000 * math.sin(2 * math.pi * 700 * n / rate)) if down else 0
            samples += struct.pack("<h", value)
    samples += bytes(int(rate * seconds) * 2 - len(samples))
    return b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, 2 * rate, 2, 16) + b"data" + struct.pack("<I", len(samples)) + bytes(samples)


def test_a_recording_over_the_proxys_default_body_limit_decodes_through_the_front(testbed):
    """The role sets the proxy's max-body-bytes to the workers' audio upload limit (8 MiB), not its 1 MiB default."""
    body = sos_recording()
    assert len(body) > 1024 * 1024
    connection = http.client.HTTPConnection(testbed.floating_ip, int(testbed.http_port), timeout=60)
    try:
        connection.request("POST", "/api/v1/decode/audio", body=body, headers={"Content-Type": "audio/wav"})
        response = connection.getresponse()
        answer = response.read()
    finally:
        connection.close()
    assert response.status == 200, answer[:300]
    result = json.loads(answer)
    assert result["text"] == "SOS", result
    assert abs(result["pitchHz"] - 700) < 5, result


def test_second_run_changes_nothing(testbed):
    outcome = playbook("site.yml")
    TIMINGS["site.yml (second run)"] = outcome.seconds
    print(outcome.recap_text)
    assert outcome.rc == 0, outcome.output[-6000:]
    changed = {host: r["changed"] for host, r in outcome.recap.items() if r["changed"]}
    assert not changed, f"a second run changed something: {outcome.changed_tasks()}"
    assert set(outcome.recap) == set(testbed.hosts)
