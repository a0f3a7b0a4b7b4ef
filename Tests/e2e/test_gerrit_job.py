"""The Gerrit review job (.ci/jenkins/morse-cluster-gerrit.yaml) renders offline with Jenkins Job Builder into what
Jenkins would run: triggered by a new patch set and by a "recheck" comment, it checks the patch set out, runs
`make test` and votes Verified +1 or -1. Jenkins Job Builder ignores a key it does not know (a misspelt vote is
simply left out), so the rendered XML is read back and checked, and a broken copy shows that the check notices."""

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT

JOB = "morse-cluster-gerrit"
SOURCE = ROOT / ".ci" / "jenkins" / f"{JOB}.yaml"
TRIGGER = "com.sonyericsson.hudson.plugins.gerrit.trigger.hudsontrigger"
EVENTS = f"{TRIGGER}.events"


def render(directory: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["jenkins-jobs", "test", str(directory), "-o", str(out)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def jobs(tmp_path_factory) -> Path:
    """.ci/jenkins rendered once for the module: a directory with one XML file per job."""
    out = tmp_path_factory.mktemp("jobs")
    result = render(ROOT / ".ci" / "jenkins", out)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def job(jobs) -> ET.Element:
    return ET.parse(jobs / JOB).getroot()


def problems(job: ET.Element) -> list[str]:
    """What is wrong with the rendered review job: empty when it triggers, checks out, runs and votes as it should."""
    found = []

    def expect(path: str, want: str):
        got = job.findtext(path)
        if got != want:
            found.append(f"{path}: {got!r}, not {want!r}")

    trigger = job.find(f"triggers/{TRIGGER}.GerritTrigger")
    if trigger is None:
        return ["no Gerrit trigger"]
    events = trigger.find("triggerOnEvents")
    names = [event.tag.rsplit(".", 1)[1] for event in events] if events is not None else []
    if names != ["PluginPatchsetCreatedEvent", "PluginCommentAddedContainsEvent"]:
        found.append(f"trigger events {names}")
    prefix = f"triggers/{TRIGGER}.GerritTrigger"
    expect(f"{prefix}/triggerOnEvents/{EVENTS}.PluginCommentAddedContainsEvent/commentAddedCommentContains",
           r"(?im)^\s*recheck\s*$")
    expect(f"{prefix}/gerritProjects/{TRIGGER}.data.GerritProject/pattern", "morse-cluster")
    expect(f"{prefix}/gerritProjects/{TRIGGER}.data.GerritProject/branches/{TRIGGER}.data.Branch/pattern", "main")
    expect(f"{prefix}/serverName", "gerrit")
    votes = {"Successful": "1", "Failed": "-1", "Unstable": "-1", "Started": "0", "NotBuilt": "0", "Aborted": "0"}
    for outcome, value in votes.items():
        expect(f"{prefix}/gerritBuild{outcome}VerifiedValue", value)
        expect(f"{prefix}/gerritBuild{outcome}CodeReviewValue", "0")
    for outcome, skip in {"Successful": "false", "Failed": "false", "Unstable": "false"}.items():
        expect(f"{prefix}/skipVote/on{outcome}", skip)
    expect(f"{prefix}/silentMode", "false")
    expect("scm/userRemoteConfigs/hudson.plugins.git.UserRemoteConfig/refspec", "$GERRIT_REFSPEC")
    chooser = job.find("scm/extensions/hudson.plugins.git.extensions.impl.BuildChooserSetting/buildChooser")
    if chooser is None or chooser.get("class") != f"{TRIGGER}.GerritTriggerBuildChooser":
        found.append("the checkout does not choose the event's revision (choosing-strategy: gerrit)")
    commands = [shell.findtext("command") for shell in job.iter("hudson.tasks.Shell")]
    if commands != ["make test"]:
        found.append(f"build steps {commands}")
    expect("assignedNode", "debian12-swift")
    expect("concurrentBuild", "false")
    return found


def test_the_review_job_triggers_checks_out_runs_and_votes(jobs, job):
    assert job.tag == "project"
    assert problems(job) == []
    # Beside the pipeline job, which renders as before.
    assert (jobs / "morse-cluster").is_file()


def test_the_step_it_runs_exists():
    result = subprocess.run(["make", "--no-print-directory", "-n", "test"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^test:.*## ", (ROOT / "Makefile").read_text(), re.M)


def test_the_timeout_fails_the_build(job):
    """A build that hangs fails, and so votes -1, after the Jenkinsfile's 90 minutes."""
    wrapper = job.find("buildWrappers/hudson.plugins.build__timeout.BuildTimeoutWrapper")
    assert wrapper.findtext("strategy/timeoutMinutes") == "90"
    assert wrapper.find("operationList/hudson.plugins.build__timeout.operations.FailOperation") is not None
    assert "timeout(time: 90, unit: 'MINUTES')" in (ROOT / "Jenkinsfile").read_text()


@pytest.mark.parametrize(("comment", "reruns"), [
    ("Patch Set 3:\n\nrecheck", True),                   # what Gerrit sends for a comment "recheck"
    ("Patch Set 3: Code-Review+1\n\nRecheck\n", True),  # with a vote, any case, a trailing newline
    ("recheck", True),
    ("Patch Set 3:\n\nLooks good.\n\n  recheck  ", True),
    ("Patch Set 3:\n\nplease recheck the docs", False),
    ("Patch Set 3:\n\nrechecked it by hand", False),
    ("Patch Set 3: Verified-1\n\nBuild Failed\n\nhttps://jenkins.example.org/job/morse-cluster-gerrit/7/ : FAILURE",
     False),
])
def test_the_recheck_expression(job, comment, reruns):
    """The plugin searches the comment with java.util.regex, flags DOTALL (PluginCommentAddedContainsEvent); Python's
    re reads this expression the same way."""
    expression = job.findtext(f".//{EVENTS}.PluginCommentAddedContainsEvent/commentAddedCommentContains")
    assert bool(re.search(expression, comment, re.S)) is reruns


def test_the_jobs_own_messages_do_not_trigger_it(job):
    trigger = job.find(f"triggers/{TRIGGER}.GerritTrigger")
    expression = trigger.findtext(f".//{EVENTS}.PluginCommentAddedContainsEvent/commentAddedCommentContains")
    messages = [trigger.findtext(tag) for tag in ("buildStartMessage", "buildSuccessfulMessage",
                                                  "buildFailureMessage", "buildUnstableMessage")]
    assert all(messages)
    for message in messages:
        assert not re.search(expression, f"Patch Set 3: Verified-1\n\n{message}", re.S), message


# Copies of the job with one mistake each: what it replaces, and with what. Jenkins Job Builder drops a key or an
# event mapping it does not know and renders the rest, so these render, and only the check of the XML catches them;
BROKEN_BUT_RENDERED = {
    "vote-key-misspelt": ("gerrit-build-failed-verified-value: -1", "gerrit-build-fail-verified-value: -1"),
    "branch-refspec": ("refspec: $GERRIT_REFSPEC", "refspec: +refs/heads/*:refs/remotes/origin/*"),
    "other-target": ("      - shell: make test", "      - shell: make test-fast"),
    "event-misspelt": ("- patchset-created-event:", "- patchset-create-event:"),
    "no-recheck": ("'(?im)^\\s*recheck\\s*$'", "'recheck'"),
}
# these the renderer refuses itself.
REFUSED = {
    "comment-event-without-approval": ("- comment-added-contains-event:", "- comment-added-event:"),
    "unknown-compare-type": ("project-compare-type: PLAIN", "project-compare-type: GLOB"),
}


def broken_copy(name: str, old: str, new: str) -> str:
    text = SOURCE.read_text()
    assert text.count(old) == 1, old
    assert text.count(f"name: {JOB}\n") == 1
    return text.replace(old, new).replace(f"name: {JOB}\n", f"name: {name}\n")


@pytest.fixture(scope="module")
def broken_jobs(tmp_path_factory) -> Path:
    """Every copy the renderer accepts, each as a job of its own name, rendered in one run."""
    directory = tmp_path_factory.mktemp("broken")
    for name, (old, new) in BROKEN_BUT_RENDERED.items():
        (directory / f"{name}.yaml").write_text(broken_copy(name, old, new))
    out = tmp_path_factory.mktemp("broken-jobs")
    result = render(directory, out)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


@pytest.mark.parametrize("mistake", sorted(BROKEN_BUT_RENDERED))
def test_a_broken_copy_that_renders_is_caught(broken_jobs, mistake):
    assert problems(ET.parse(broken_jobs / mistake).getroot()) != []


@pytest.mark.parametrize("mistake", sorted(REFUSED))
def test_a_broken_copy_is_refused_by_the_renderer(tmp_path, mistake):
    (tmp_path / "job.yaml").write_text(broken_copy(mistake, *REFUSED[mistake]))
    assert render(tmp_path, tmp_path / "out").returncode != 0
