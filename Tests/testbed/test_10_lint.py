"""Acceptance 3: ansible-lint (production profile) and --syntax-check of every playbook."""

import sys
import time

import pytest

from conftest import ANSIBLE, TIMINGS, ansible_env, log, run

PLAYBOOKS = sorted(p.name for p in ANSIBLE.glob("*.yml"))


def test_there_are_playbooks():
    assert "site.yml" in PLAYBOOKS


def test_ansible_lint_production_profile():
    started = time.monotonic()
    result = run(["ansible-lint", "--profile", "production", "--offline", "--nocolor"], timeout=300, cwd=ANSIBLE,
                 env=ansible_env())
    TIMINGS["ansible-lint"] = time.monotonic() - started
    output = (result.stdout + result.stderr).strip()
    log(f"ansible-lint --profile production: rc {result.returncode}\n{output[-3000:]}")
    assert result.returncode == 0, output


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_syntax_check(playbook):
    result = run(["ansible-playbook", "--syntax-check", "-i", "localhost,", playbook], timeout=120, cwd=ANSIBLE,
                 env=ansible_env())
    assert result.returncode == 0, result.stdout + result.stderr
    log(f"ansible-playbook --syntax-check {playbook}: ok")


def test_playbooks_fit_the_heat_inventory(tmp_path):
    """The inventory made from the Heat stack's outputs gives the playbooks what they need: the same groups, and
    group_vars that render (database URL, pg_hba clients, proxy backends) without touching any host."""
    outputs = ANSIBLE.parent / "heat" / "tests" / "fixtures" / "stack-outputs-2-workers.json"
    if not outputs.exists():
        pytest.skip(f"{outputs} is missing")
    inventory = tmp_path / "heat.yml"
    run([sys.executable, str(ANSIBLE / "inventory" / "heat_inventory.py"), str(outputs), "-o", str(inventory)],
        check=True)
    graph = run(["ansible-inventory", "-i", str(inventory), "--graph"], cwd=ANSIBLE, env=ansible_env(), check=True)
    for group in ("bastion", "internal", "proxy", "workers", "database"):
        assert f"@{group}:" in graph.stdout, graph.stdout
    # ansible.builtin.debug runs on the controller: nothing connects to the (fictional) cloud addresses.
    result = run(["ansible", "-i", str(inventory), "workers:database:proxy", "-m", "ansible.builtin.debug", "-a",
                  "msg={{ morse_worker_database_url | default('-') }}|{{ postgresql_client_addresses | default('-') }}"
                  "|{{ morse_proxy_listen_port }}|{{ groups['workers'] | length }}",
                  "-e", "vault_morse_db_password=not-a-real-secret"], cwd=ANSIBLE, env=ansible_env(), check=True)
    assert "postgres://morse:not-a-real-secret@" in result.stdout, result.stdout
    assert "|8080|2" in result.stdout, result.stdout
    log("heat inventory: groups and group_vars render")
