"""The Jenkins job definition renders offline with Jenkins Job Builder and runs the repository's Jenkinsfile."""

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import ROOT


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
    """Each stage runs a make target or tool that `make test` exercises, so the pipeline cannot rot unseen."""
    text = (ROOT / "Jenkinsfile").read_text()
    for stage in ("Build", "Test", "Deploy", "Round trip"):
        assert f"stage('{stage}')" in text
    assert "make release" in text and "make test" in text
    assert "morsectl smoke" in text and "--junit smoke-junit.xml" in text
    assert "junit testResults: 'smoke-junit.xml'" in text
    assert "cluster/local-cluster.sh stop" in text
    makefile = (ROOT / "Makefile").read_text()
    for target in ("release:", "test:", "deploy:"):
        assert f"\n{target}" in makefile, f"Makefile lacks {target}"


def test_a_broken_job_definition_is_rejected(tmp_path):
    """The renderer really checks: an unknown project type fails."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "job.yaml").write_text("- job:\n    name: x\n    project-type: no-such-type\n")
    result = subprocess.run(["jenkins-jobs", "test", str(broken), "-o", str(tmp_path / "o")], capture_output=True,
                            text=True)
    assert result.returncode != 0
