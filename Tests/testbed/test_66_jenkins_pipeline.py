"""Issue 15, item 3: the Jenkins job's Deploy and Round trip stages, run against the test bed.

The commands are read from the Jenkinsfile (scripts/jenkinsfile.py) and run as Jenkins runs an `sh` step (`sh -xe`,
from the workspace, the job's parameters as environment variables), with the parameters' defaults except
TARGET=inventory - the test bed is an inventory. Nothing is rewritten, so a default that points at a missing file or
at an address the agent cannot reach fails here as it would in Jenkins. Two variables are passed besides: the
binaries the test bed was built with (MORSE_BIN_DIR, MORSECTL; `make release` builds the same ones for the job),
so that the stage deploys what is already running.

Where: Jenkins runs the stages on its agent, outside the test bed, which answers only from its operator namespace
mc-admin - where this pytest runs. So the stages run in the network namespace Tests/testbed/run.sh was started in
(MORSE_HOST_NETNS), and the test first checks, without sending anything, that the floating address is not routed to
the test bed from there: a stage that forgot its way into the test bed fails here as it would in Jenkins.

Checked as the job's user sees it: the Deploy stage ran site.yml on every host of the test bed (PLAY RECAP), and
the Round trip stage's JUnit report (what Jenkins publishes) has its checks passing, for requests sent to the proxy's
floating address.
"""

import os
import sys
import time
import xml.etree.ElementTree as ET

from conftest import RECAP, ROOT, TIMINGS, log, run

sys.path.insert(0, str(ROOT / "scripts"))
import jenkinsfile  # noqa: E402

JUNIT = ROOT / "smoke-junit.xml"
# The network namespace of the machine (the Jenkins agent's view): run.sh passes its own; /proc/1's otherwise.
HOST_NETNS = os.environ.get("MORSE_HOST_NETNS", "/proc/1/ns/net")
ON_THE_AGENT = ["nsenter", f"--net={HOST_NETNS}"]


def run_stage(name: str, commands: list[str], env: dict[str, str], timeout: float) -> dict:
    started = time.monotonic()
    outputs, rc = [], 0
    for command in commands:
        result = run([*ON_THE_AGENT, "sh", "-xe", "-c", command], timeout=timeout, cwd=ROOT, env=env)
        outputs.append(result.stdout + result.stderr)
        rc = result.returncode
        if rc != 0:  # Jenkins stops the stage at the first failing step
            break
    seconds = time.monotonic() - started
    output = "\n".join(outputs)
    log(f"stage '{name}': {commands} -> rc {rc} in {seconds:.1f} s; output ends:\n{output[-1500:].strip()}")
    return {"rc": rc, "output": output, "seconds": seconds}


def test_pipeline_deploy_and_round_trip_on_the_testbed(testbed):
    # The control, which sends nothing: from the agent's namespace the proxy's floating address is not on any of
    # the test bed's links (the kernel would route it out of the machine, where no server of ours is), so a stage
    # reaches the cluster only by taking itself into the operator namespace, as .ci/pipeline does.
    host = testbed.url.split("//", 1)[1].rsplit(":", 1)[0]
    route = run([*ON_THE_AGENT, "ip", "-o", "route", "get", host], timeout=30)
    device = route.stdout.split(" dev ", 1)[1].split()[0] if " dev " in route.stdout else None
    log(f"route to {host} from {HOST_NETNS}: {route.stdout.strip() or route.stderr.strip()}")
    assert device is None or not device.startswith("mc-"), (
        f"{host} is reachable on test-bed link {device} from {HOST_NETNS}: this test would not show that the stages "
        "find their way into the test bed")
    text = (ROOT / "Jenkinsfile").read_text()
    params = jenkinsfile.parameters(text)
    log(f"the job's parameters and their defaults: {params}")
    params["TARGET"] = "inventory"
    env = {key: value for key, value in os.environ.items() if key not in params}
    env.update(params)
    deploy = jenkinsfile.stage_commands(text, "Deploy")
    round_trip = jenkinsfile.stage_commands(text, "Round trip")

    JUNIT.unlink(missing_ok=True)
    try:
        deployed = run_stage("Deploy", deploy, env, timeout=900)
        # Jenkins would not run the round trip after a failed deploy; here it runs anyway, so that a failing run
        # shows both stages' outcomes.
        checked = run_stage("Round trip", round_trip, env, timeout=300)
        report = ET.parse(JUNIT).getroot() if JUNIT.exists() else None
    finally:
        JUNIT.unlink(missing_ok=True)  # the job's artifact, not the repository's
    TIMINGS["Jenkins stages Deploy and Round trip"] = deployed["seconds"] + checked["seconds"]

    recap = {m[1]: {"ok": int(m[2]), "changed": int(m[3]), "unreachable": int(m[4]), "failed": int(m[5])}
             for m in RECAP.finditer(deployed["output"])}
    suite = report.find("testsuite") if report is not None else None
    summary = {
        "deploy_rc": deployed["rc"], "hosts_deployed": sorted(recap),
        "round_trip_rc": checked["rc"],
        "junit": None if suite is None else {
            "suite": suite.get("name"), "tests": suite.get("tests"), "failures": suite.get("failures"),
            "requests": next((p.get("value") for p in suite.iter("property") if p.get("name") == "requests"), None),
            "workers": next((p.get("value") for p in suite.iter("property") if p.get("name") == "workers"), None)},
    }
    log(f"Jenkins stages against the test bed: {summary}")

    assert deployed["rc"] == 0, f"the Deploy stage failed:\n{deployed['output'][-4000:]}"
    assert set(recap) == set(testbed.hosts), f"the Deploy stage deployed to {sorted(recap)}, not the test bed"
    assert all(r["failed"] == 0 and r["unreachable"] == 0 for r in recap.values()), recap
    assert testbed.db_password not in deployed["output"]
    assert checked["rc"] == 0, f"the Round trip stage failed:\n{checked['output'][-4000:]}"
    assert suite is not None, "the Round trip stage wrote no JUnit report"
    # The report Jenkins publishes: every check passed, for the proxy's floating address, from both workers.
    assert testbed.url in suite.get("name"), suite.get("name")
    assert int(suite.get("tests")) > 0 and suite.get("failures") == "0", summary
    assert int(summary["junit"]["requests"]) >= int(params["SMOKE_REQUESTS"]), summary
    for worker in testbed.groups["workers"]:
        assert worker in summary["junit"]["workers"], summary
