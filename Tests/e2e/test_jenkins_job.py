"""The Jenkins job definition renders offline with Jenkins Job Builder and runs the repository's Jenkinsfile."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import jenkinsfile  # noqa: E402


def render(tmp_path: Path) -> ET.Element:
    out = tmp_path / "jobs"
    subprocess.run(["jenkins-jobs", "test", str(ROOT / ".ci" / "jenkins"), "-o", str(out)], check=True,
                   capture_output=True, text=True)
    return ET.parse(out / "morse-cluster").getroot()


def test_job_is_a_pipeline_from_the_jenkinsfile(tmp_path):
    job = render(tmp_path)
    assert job.tag == "flow-definition"
    definition = job.find("definition")
    assert definition.get("class") == "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition"
    assert definition.findtext("scriptPath") == "Jenkinsfile"
    names = [p.findtext("name") for p in job.iter() if p.tag.endswith("ParameterDefinition")]
    assert {"TARGET", "INVENTORY", "PROXY_URL", "SMOKE_REQUESTS"} <= set(names)
    assert (ROOT / "Jenkinsfile").exists()


def test_jenkinsfile_calls_what_ci_tests():
    """Each stage runs a make target or .ci/pipeline, which `make test` exercises (Tests/testbed/
    test_66_jenkins_pipeline.py runs the Deploy and Round trip stages on the test bed), so the pipeline cannot rot
    unseen: no stage has commands of its own (the reader refuses any step but `sh`, so no branch on a parameter)."""
    text = (ROOT / "Jenkinsfile").read_text()
    assert jenkinsfile.stage_commands(text, "Build") == ["make release"]
    assert jenkinsfile.stage_commands(text, "Test") == ["make test"]
    assert jenkinsfile.stage_commands(text, "Deploy") == [".ci/pipeline deploy"]
    assert jenkinsfile.stage_commands(text, "Round trip") == [".ci/pipeline round-trip"]
    assert "sh '.ci/pipeline cleanup'" in text
    assert "junit testResults: 'smoke-junit.xml'" in text
    pipeline = (ROOT / ".ci" / "pipeline").read_text()
    assert '"$MORSECTL" smoke' in pipeline and "--junit smoke-junit.xml" in pipeline
    assert "make --no-print-directory deploy" in pipeline and "cluster/local-cluster.sh stop" in pipeline
    makefile = (ROOT / "Makefile").read_text()
    for target in ("release:", "test:", "deploy:"):
        assert f"\n{target}" in makefile, f"Makefile lacks {target}"


def test_parameter_defaults_agree(tmp_path):
    """The Jenkinsfile, the job definition and .ci/pipeline (which applies them) give each parameter one default,
    and the defaults point at what exists: the test bed's inventory path, a proxy URL taken from it."""
    from_jenkinsfile = jenkinsfile.parameters((ROOT / "Jenkinsfile").read_text())
    job = render(tmp_path)
    from_job = {}
    for definition in job.iter():
        if definition.tag.endswith("ParameterDefinition"):
            choices = [c.text or "" for c in definition.iter("string")]
            default = definition.findtext("defaultValue")
            from_job[definition.findtext("name")] = choices[0] if "Choice" in definition.tag else (default or "")
    lines = subprocess.run([str(ROOT / ".ci" / "pipeline"), "defaults"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    from_pipeline = dict(line.split("=", 1) for line in lines)
    assert from_jenkinsfile == from_pipeline, (from_jenkinsfile, from_pipeline)
    assert from_job == from_pipeline, (from_job, from_pipeline)
    testbed = (ROOT / "cluster" / "testbed" / "lib.sh").read_text()
    assert "TB_INVENTORY=${MORSE_TESTBED_INVENTORY:-$TB_ROOT/" + from_pipeline["INVENTORY"] + "}" in testbed


@pytest.mark.parametrize("step", ["sh 'make release'\n    echo 'x'", "sh \"unterminated",
                                  "script {\n     if (params.TARGET == 'local') { sh 'make run' }\n    }"])
def test_the_jenkinsfile_reader_refuses_what_it_does_not_know(step):
    """A stage with a step the reader cannot run must fail the tests, not be skipped."""
    text = "pipeline {\n stages {\n  stage('Build') {\n   steps {\n    " + step + "\n   }\n  }\n }\n}\n"
    with pytest.raises(ValueError):
        jenkinsfile.stage_commands(text, "Build")


def test_a_broken_job_definition_is_rejected(tmp_path):
    """The renderer really checks: an unknown project type fails."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "job.yaml").write_text("- job:\n    name: x\n    project-type: no-such-type\n")
    result = subprocess.run(["jenkins-jobs", "test", str(broken), "-o", str(tmp_path / "o")], capture_output=True,
                            text=True)
    assert result.returncode != 0
