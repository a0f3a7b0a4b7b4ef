"""Shared fixtures for the Heat template and Heat -> Ansible bridge tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HEAT_DIR = Path(__file__).resolve().parents[1]
REPO = HEAT_DIR.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
INVENTORY_TOOL = REPO / "ansible" / "inventory" / "heat_inventory.py"
PLUGIN_EXAMPLE = REPO / "ansible" / "inventory" / "openstack.yml.example"
# Top-level templates (stacks you launch) and nested ones (members).
TOP_LEVEL = ["cluster.yaml"]
NESTED = ["proxy.yaml", "worker.yaml"]
ENVIRONMENTS = sorted((HEAT_DIR / "environments").glob("*.yaml"))


def venv_tool(name: str) -> str:
    """A console script installed next to the running interpreter."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.fail(f"{name} is not installed next to {sys.executable}; run heat/test.sh")
    return str(path)


@pytest.fixture(scope="session")
def heat():
    """The offline validator, with Heat's plugins loaded once per session."""
    import heat_offline

    heat_offline.initialise()
    return heat_offline


@pytest.fixture(scope="session")
def cluster(heat):
    """(template dict, files map) of cluster.yaml."""
    template = heat.load_template(HEAT_DIR / "cluster.yaml")
    return template, heat.collect_files(template, HEAT_DIR)


@pytest.fixture(scope="session")
def example_env(heat):
    return heat.load_environment(HEAT_DIR / "environments" / "example.yaml")


@pytest.fixture()
def ansible_env(tmp_path):
    """Environment for ansible-* commands: no user config, no ~/.ansible."""
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\n")
    env = dict(os.environ)
    env.update(
        LC_ALL="C.UTF-8",
        ANSIBLE_CONFIG=str(config),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
    )
    return env
