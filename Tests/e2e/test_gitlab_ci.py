""".gitlab-ci.yml is the Jenkinsfile's pipeline for GitLab: the same stages in the same order, each job running its
stage's commands, the same parameters with .ci/pipeline's defaults; every `make` target and `.ci/pipeline` stage it
calls exists; and `make lint`'s schema check (scripts/lint-ci.sh) really rejects a broken file. Offline: nothing is
built or run but `make -n` and the linter."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import jenkinsfile  # noqa: E402

GITLAB_CI = ROOT / ".gitlab-ci.yml"
# Keys at the top of .gitlab-ci.yml that are not jobs (GitLab's reserved words); a hidden job starts with a dot.
GLOBAL_KEYS = {"default", "include", "stages", "variables", "workflow", "image", "services", "cache", "before_script",
               "after_script", "spec"}


def gitlab_ci() -> dict:
    return yaml.safe_load(GITLAB_CI.read_text())


def jobs(config: dict) -> dict[str, dict]:
    return {name: job for name, job in config.items() if name not in GLOBAL_KEYS and not name.startswith(".")}


def commands(job: dict) -> list[str]:
    """The job's shell lines in the order the runner runs them (before_script, then script)."""
    return list(job.get("before_script", [])) + list(job["script"])


def jenkins_stages() -> list[str]:
    return re.findall(r"\bstage\s*\(\s*'([^']+)'\s*\)", (ROOT / "Jenkinsfile").read_text())


def gitlab_stage(jenkins_stage: str) -> str:
    """The GitLab stage for a Jenkins stage: 'Round trip' -> 'round-trip'."""
    return jenkins_stage.lower().replace(" ", "-")


def pipeline_stages() -> set[str]:
    """The stages .ci/pipeline accepts: the labels of the `case` on its first argument."""
    text = (ROOT / ".ci" / "pipeline").read_text()
    body = text.split('case "${1:-}" in', 1)[1]
    return set(re.findall(r"^  ([a-z][a-z-]*)\)$", body, re.M))


def documented_make_targets() -> set[str]:
    """The targets `make help` lists (every target a person or CI is meant to call)."""
    out = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return set(re.findall(r"^  make (\S+)", out, re.M))


def test_stages_are_the_jenkinsfiles_in_its_order():
    stages = jenkins_stages()
    assert stages == ["Build", "Test", "Deploy", "Round trip"], stages
    config = gitlab_ci()
    assert config["stages"] == [gitlab_stage(s) for s in stages]
    used = {job["stage"] for job in jobs(config).values()}
    assert used == set(config["stages"]) | {".post"}, used


def test_each_job_runs_its_jenkins_stages_commands():
    """No job has commands of its own: each runs what the Jenkinsfile's stage runs, which `make test` exercises (the
    Deploy and Round trip stages on the test bed); the Deploy job first stops what a cancelled pipeline may have
    left, which is the Jenkinsfile's post { always } command."""
    text = (ROOT / "Jenkinsfile").read_text()
    config = gitlab_ci()
    by_stage: dict[str, list[str]] = {}
    for name, job in jobs(config).items():
        by_stage.setdefault(job["stage"], []).append(name)
    for stage in jenkins_stages():
        names = by_stage[gitlab_stage(stage)]
        assert len(names) == 1, (stage, names)
        job = jobs(config)[names[0]]
        assert job["script"] == jenkinsfile.stage_commands(text, stage), (stage, job["script"])
    assert "sh '.ci/pipeline cleanup'" in text
    (cleanup,) = by_stage[".post"]
    assert jobs(config)[cleanup]["script"] == [".ci/pipeline cleanup"]
    assert jobs(config)[cleanup]["when"] == "always"
    assert jobs(config)["deploy"].get("before_script", []) in ([], [".ci/pipeline cleanup"])


def test_every_make_target_it_calls_exists():
    """Each `make TARGET` line names a target the Makefile documents, and `make -n TARGET` (a dry run: nothing is
    built) finds a rule for it and for everything it depends on."""
    targets = set()
    for job in jobs(gitlab_ci()).values():
        for line in commands(job):
            if line.split()[0] == "make":
                words = [w for w in line.split()[1:] if not w.startswith("-") and "=" not in w]
                assert len(words) == 1, f"one target per line: {line!r}"
                targets.add(words[0])
    assert targets == {"release", "test"}, targets
    documented = documented_make_targets()
    for target in sorted(targets):
        assert target in documented, f"`make help` does not list {target}"
        result = subprocess.run(["make", "--no-print-directory", "-n", target], cwd=ROOT, capture_output=True,
                                text=True)
        assert result.returncode == 0, f"make -n {target}: {result.stderr}"


def test_every_pipeline_stage_it_calls_exists():
    accepted = pipeline_stages()
    assert {"deploy", "round-trip", "cleanup", "defaults"} <= accepted, accepted
    called = set()
    for job in jobs(gitlab_ci()).values():
        for line in commands(job):
            words = line.split()
            assert words[0] in ("make", ".ci/pipeline"), f"a command that is neither make nor .ci/pipeline: {line!r}"
            if words[0] == ".ci/pipeline":
                assert len(words) == 2 and words[1] in accepted, f".ci/pipeline does not accept {line!r}"
                called.add(words[1])
    assert called == {"deploy", "round-trip", "cleanup"}, called
    # The reader finds what the script does: a stage it lacks is refused.
    result = subprocess.run([str(ROOT / ".ci" / "pipeline"), "no-such-stage"], capture_output=True, text=True)
    assert result.returncode == 2 and "Usage" in result.stderr


def test_parameters_and_defaults_agree_with_the_jenkinsfile_and_ci_pipeline():
    config = gitlab_ci()
    described = {name: v for name, v in config["variables"].items() if isinstance(v, dict) and "description" in v}
    lines = subprocess.run([str(ROOT / ".ci" / "pipeline"), "defaults"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    from_pipeline = dict(line.split("=", 1) for line in lines)
    assert {name: v["value"] for name, v in described.items()} == from_pipeline
    assert jenkinsfile.parameters((ROOT / "Jenkinsfile").read_text()) == from_pipeline
    for name, variable in described.items():
        assert variable["description"].strip(), f"{name} has no description"
    # A choice keeps the Jenkinsfile's choices, the default first.
    jenkins_choices = re.search(r"name:\s*'TARGET',\s*choices:\s*\[([^\]]*)\]", (ROOT / "Jenkinsfile").read_text())
    assert described["TARGET"]["options"] == re.findall(r"'([^']*)'", jenkins_choices[1])
    assert described["TARGET"]["options"][0] == described["TARGET"]["value"]
    # The vault password is a File-type CI/CD variable set in the project, never a value in the file.
    assert "ANSIBLE_VAULT_PASSWORD_FILE" not in config["variables"]
    assert "File-type CI/CD variable named\n# ANSIBLE_VAULT_PASSWORD_FILE" in GITLAB_CI.read_text()


def test_runner_timeout_concurrency_and_report_are_the_jenkinsfiles():
    text = (ROOT / "Jenkinsfile").read_text()
    config = gitlab_ci()
    label = re.search(r"agent\s*\{\s*label\s+'([^']+)'", text)[1]
    assert config["default"]["tags"] == [label]
    minutes = re.search(r"timeout\(time:\s*(\d+),\s*unit:\s*'MINUTES'\)", text)[1]
    assert config["default"]["timeout"] == f"{minutes} minutes"
    assert "disableConcurrentBuilds()" in text
    groups = {job.get("resource_group") for job in jobs(config).values()}
    assert groups == {"morse-cluster"}, f"every job holds one resource group: {groups}"
    assert "image" not in config and "image" not in config["default"], "the shell executor: no image"
    report = re.search(r"junit testResults:\s*'([^']+)'", text)[1]
    artifacts = jobs(config)["round-trip"]["artifacts"]
    assert artifacts["reports"]["junit"] == report
    assert artifacts["when"] == "always" and report in artifacts["paths"]


BROKEN = {  # a copy of the real file with one mistake: what it replaces, and with what
    "unknown-key": ("  script:\n    - make release", "  scirpt:\n    - make release"),
    "number-for-duration": ("timeout: 90 minutes", "timeout: 90"),
    "unknown-report": ("    reports:\n      junit:", "    reports:\n      junti:"),
    "variable-key-misspelt": ("    description: Requests", "    descripton: Requests"),
    "value-outside-enum": ("    when: always\n    expire_in", "    when: allways\n    expire_in"),
}


def lint_ci(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / "lint-ci.sh"), *map(str, files)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def broken_copies(tmp_path_factory) -> tuple[dict[str, Path], subprocess.CompletedProcess]:
    """Every broken copy, checked in one run of the linter (each is reported by its path)."""
    text = GITLAB_CI.read_text()
    directory = tmp_path_factory.mktemp("gitlab-ci")
    paths = {}
    for name, (old, new) in BROKEN.items():
        assert text.count(old) == 1, old
        paths[name] = directory / f"{name}.gitlab-ci.yml"
        paths[name].write_text(text.replace(old, new))
    return paths, lint_ci(*paths.values())


def test_the_schema_check_passes_the_real_file():
    result = lint_ci()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lint-ci: .gitlab-ci.yml valid against GitLab's schema" in result.stdout


@pytest.mark.parametrize("mistake", sorted(BROKEN))
def test_the_schema_check_rejects_a_broken_copy(broken_copies, mistake):
    """scripts/lint-ci.sh (what `make lint` runs) fails on each mistake and names the file that has it."""
    paths, result = broken_copies
    assert result.returncode != 0, result.stdout
    assert f"{paths[mistake]}::$" in result.stdout + result.stderr, result.stdout + result.stderr


def test_the_schema_check_needs_no_network():
    """The schema is vendored in check-jsonschema: the check passes in a network namespace with no interface up
    (skipped where namespaces cannot be made, e.g. without root)."""
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("unshare --net is not permitted here")
    # The venv is made (from PyPI) before the network goes: only the check itself runs without it.
    subprocess.run([str(ROOT / "scripts" / "python-venv.sh"), ".ci/requirements-lint.txt", "ci-lint-venv"], cwd=ROOT,
                   check=True, capture_output=True)
    result = subprocess.run(["unshare", "--net", str(ROOT / "scripts" / "lint-ci.sh")], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid against GitLab's schema" in result.stdout
