"""Acceptance 5 support: the committed .yamllint is strict enough to fail.

heat/test.sh runs yamllint over heat/ and the Ansible inventory files; these
tests show that the configuration it uses really rejects the mistakes it is
meant to catch, and accepts the Heat and Ansible idioms the repo uses.
"""

from __future__ import annotations

import subprocess

import pytest

from conftest import REPO, venv_tool

CONFIG = REPO / ".yamllint"


def lint(tmp_path, text, name="sample.yaml"):
    path = tmp_path / name
    path.write_text(text)
    proc = subprocess.run([venv_tool("yamllint"), "--strict", "-f", "parsable", "-c", str(CONFIG), str(path)],
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout


GOOD_HEAT = """heat_template_version: 2021-04-16
resources:
  net:
    type: OS::Neutron::Net
    properties:
      name: {get_param: 'OS::stack_name'}
"""

GOOD_ANSIBLE = """---
- name: Example play
  hosts: workers
  become: true
  tasks:
    - name: Install a file
      ansible.builtin.copy:
        src: a
        dest: /etc/a
        mode: '0644'
"""


@pytest.mark.parametrize("text", [GOOD_HEAT, GOOD_ANSIBLE], ids=["heat", "ansible"])
def test_accepts_heat_and_ansible_idioms(tmp_path, text):
    rc, out = lint(tmp_path, text)
    assert rc == 0, out


@pytest.mark.parametrize("text,rule", [
    ("a: 1 \n", "trailing-spaces"),
    ("a: yes\n", "truthy"),
    ("mode: 0644\n", "octal-values"),
    ("mode: 0o644\n", "octal-values"),
    ("a: 1\na: 2\n", "key-duplicates"),
    ("a:\n   b: 1\n", "indentation"),
    ("a: " + "x" * 100 + " " + "y" * 30 + "\n", "line-length"),
    ("a: {  b: 1  }\n", "braces"),
    ("a: 1", "new-line-at-end-of-file"),
    ("a: 1  #no space\n", "comments"),
    ("a: [b, c\n", "syntax"),
], ids=["trailing-spaces", "truthy-yes", "implicit-octal", "explicit-octal", "key-duplicates", "indentation",
        "line-length", "braces", "no-final-newline", "comment-spacing", "syntax"])
def test_rejects_common_mistakes(tmp_path, text, rule):
    rc, out = lint(tmp_path, text)
    assert rc != 0, f"accepted: {text!r}"
    assert f"({rule})" in out or (rule == "syntax" and "syntax error" in out), out


def test_config_lints_itself():
    proc = subprocess.run([venv_tool("yamllint"), "--strict", "-c", str(CONFIG), str(CONFIG)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout


def test_heat_and_inventory_yaml_is_lint_clean():
    """The same paths heat/test.sh lints, so a failure shows in the pytest summary too."""
    paths = [CONFIG, REPO / "heat", REPO / "ansible" / "inventory" / "openstack.yml.example"]
    proc = subprocess.run([venv_tool("yamllint"), "--strict", "-f", "parsable", "-c", str(CONFIG), *map(str, paths)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout
