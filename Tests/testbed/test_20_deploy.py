"""Acceptance 1: site.yml onto the test bed, a smoke test through the proxy's floating address from the operator
side, then a second site.yml run that changes nothing."""

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


def test_second_run_changes_nothing(testbed):
    outcome = playbook("site.yml")
    TIMINGS["site.yml (second run)"] = outcome.seconds
    print(outcome.recap_text)
    assert outcome.rc == 0, outcome.output[-6000:]
    changed = {host: r["changed"] for host, r in outcome.recap.items() if r["changed"]}
    assert not changed, f"a second run changed something: {outcome.changed_tasks()}"
    assert set(outcome.recap) == set(testbed.hosts)
