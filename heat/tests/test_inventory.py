"""Acceptance 4: the Heat -> Ansible inventory bridge.

The fixtures are stack outputs for the cluster with 2 and with 5 workers,
in the exact shape ``openstack stack output show morse --all -f json``
prints (python-heatclient formats each output as JSON text inside the JSON
object). They were written for these tests, not captured from a live cloud;
test_fixtures_match_the_template keeps their keys and descriptions in step
with cluster.yaml. Addresses come from documentation ranges (RFC 5737) and
the private CIDR; no test sends any traffic.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, INVENTORY_TOOL, venv_tool

FIXTURE_FILES = {2: FIXTURES / "stack-outputs-2-workers.json", 5: FIXTURES / "stack-outputs-5-workers.json"}
BASTION = "203.0.113.10"
PROXY_CMD = f'-o ProxyCommand="ssh -W %h:%p -q -o StrictHostKeyChecking=accept-new debian@{BASTION}"'


def run_tool(*args, stdin=None, check=True):
    proc = subprocess.run([sys.executable, str(INVENTORY_TOOL), *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def ansible_inventory(env, *args):
    proc = subprocess.run([venv_tool("ansible-inventory"), *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "[WARNING]" not in proc.stderr, proc.stderr
    return proc.stdout


def parse_graph(text):
    """``ansible-inventory --graph`` -> {group: [child groups and hosts]}."""
    tree, stack = {}, []
    for line in text.splitlines():
        if "|--" in line:
            depth = line.index("|--") // 3 + 1  # "  |--" is depth 1, "  |  |--" depth 2
            name = line[line.index("|--") + 3:]
        else:
            depth, name = 0, line
        name = name.rstrip(":")
        del stack[depth:]
        if stack:
            tree[stack[-1]].append(name)
        if name.startswith("@"):
            tree[name] = []
            stack.append(name)
    return tree


def expected_graph(workers):
    return {
        "@all": ["@ungrouped", "@bastion", "@internal"],
        "@ungrouped": [],
        "@bastion": ["bastion-1"],
        "@internal": ["@proxy", "@workers", "@database"],
        "@proxy": ["proxy-1"],
        "@workers": [f"web-{i}" for i in range(1, workers + 1)],
        "@database": ["db-1"],
    }


def test_fixtures_match_the_template(cluster):
    outputs = cluster[0]["outputs"]
    for workers, path in FIXTURE_FILES.items():
        raw = json.loads(path.read_text())
        assert set(raw) == set(outputs), f"{path.name}: keys differ from cluster.yaml outputs"
        for key, text in raw.items():
            assert isinstance(text, str), "the client prints each output as JSON text"
            entry = json.loads(text)
            assert entry["output_key"] == key
            assert entry["description"] == outputs[key]["description"]
        values = {k: json.loads(v)["output_value"] for k, v in raw.items()}
        assert len(values["worker_private_ips"]) == len(values["worker_names"]) == workers


@pytest.mark.parametrize("workers", sorted(FIXTURE_FILES))
@pytest.mark.parametrize("fmt", ["yaml", "ini"])
def test_inventory_graph_has_the_expected_groups(tmp_path, ansible_env, workers, fmt):
    out = tmp_path / f"heat.{'yml' if fmt == 'yaml' else 'ini'}"
    run_tool(FIXTURE_FILES[workers], "--format", fmt, "-o", out)
    graph = ansible_inventory(ansible_env, "-i", out, "--graph")
    assert parse_graph(graph) == expected_graph(workers), graph


@pytest.mark.parametrize("workers", sorted(FIXTURE_FILES))
@pytest.mark.parametrize("fmt", ["yaml", "ini"])
def test_connection_variables(tmp_path, ansible_env, workers, fmt):
    out = tmp_path / f"heat.{'yml' if fmt == 'yaml' else 'ini'}"
    run_tool(FIXTURE_FILES[workers], "--format", fmt, "-o", out)
    data = json.loads(ansible_inventory(ansible_env, "-i", out, "--list"))
    hostvars = data["_meta"]["hostvars"]
    values = {k: json.loads(v)["output_value"] for k, v in json.loads(FIXTURE_FILES[workers].read_text()).items()}

    bastion = hostvars["bastion-1"]
    assert bastion["ansible_host"] == BASTION
    assert "ansible_ssh_common_args" not in bastion, "the bastion is reached directly"

    internal = {"proxy-1": values["proxy_private_ip"], "db-1": values["database_private_ip"]}
    internal.update({f"web-{i + 1}": ip for i, ip in enumerate(values["worker_private_ips"])})
    for name, ip in internal.items():
        assert hostvars[name]["ansible_host"] == ip, f"{name} is reached on its private address"
    # Group variables merged as a play sees them: one host per group.
    for name in ("proxy-1", f"web-{workers}", "db-1"):
        merged = json.loads(ansible_inventory(ansible_env, "-i", out, "--host", name))
        assert merged["ansible_ssh_common_args"] == PROXY_CMD, name
        assert merged["ansible_user"] == "debian"
    assert hostvars["proxy-1"]["public_ip"] == values["proxy_public_ip"]
    assert hostvars["web-1"]["openstack_name"] == "morse-web-1"
    # Group and host names never collide.
    assert not set(hostvars) & {"bastion", "proxy", "workers", "database", "internal"}


def test_ansible_hands_the_proxy_command_to_ssh_intact(tmp_path, ansible_env):
    """Run a real ad-hoc ping with a stand-in ssh that records its argv.

    Nothing connects anywhere: the stand-in exits 255 (unreachable) after
    writing the arguments Ansible gave it.
    """
    out = tmp_path / "heat.yml"
    run_tool(FIXTURE_FILES[2], "-o", out)
    log = tmp_path / "argv.jsonl"
    fake = tmp_path / "fake-ssh"
    fake.write_text(f"#!{sys.executable}\nimport json, sys\nwith open({str(log)!r}, 'a') as f:\n"
                    "    f.write(json.dumps(sys.argv[1:]) + '\\n')\nsys.exit(255)\n")
    fake.chmod(0o755)
    env = dict(ansible_env, ANSIBLE_SSH_EXECUTABLE=str(fake), ANSIBLE_SSH_RETRIES="0",
               ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_TIMEOUT="5")
    proc = subprocess.run([venv_tool("ansible"), "-i", str(out), "web-2:bastion-1", "-m", "ansible.builtin.ping",
                           "--forks", "1"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode != 0 and "UNREACHABLE" in proc.stdout, proc.stdout + proc.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    worker_argv = next(argv for argv in calls if "10.20.0.19" in argv)
    bastion_argv = next(argv for argv in calls if BASTION in argv)
    hop = f"ProxyCommand=ssh -W %h:%p -q -o StrictHostKeyChecking=accept-new debian@{BASTION}"
    assert hop in worker_argv, worker_argv
    assert worker_argv[worker_argv.index(hop) - 1] == "-o"
    assert not any(a.startswith("ProxyCommand") for a in bastion_argv), bastion_argv


def test_openssh_parses_the_proxy_command(tmp_path):
    """``ssh -G`` resolves the options without connecting."""
    ssh = subprocess.run(["sh", "-c", "command -v ssh"], capture_output=True, text=True).stdout.strip()
    if not ssh:
        pytest.skip("OpenSSH client not installed")
    hop = f"ssh -W %h:%p -q -o StrictHostKeyChecking=accept-new debian@{BASTION}"
    proc = subprocess.run([ssh, "-G", "-F", "/dev/null", "-o", f"ProxyCommand={hop}", "10.20.0.19"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert f"proxycommand {hop}" in proc.stdout.splitlines()


def test_reads_standard_input_and_yaml_is_lint_clean(tmp_path):
    text = FIXTURE_FILES[5].read_text()
    from_stdin = run_tool("-", stdin=text).stdout
    from_file = run_tool(FIXTURE_FILES[5]).stdout
    assert from_stdin == from_file
    data = yaml.safe_load(from_stdin)
    assert list(data["all"]["children"]["internal"]["children"]["workers"]["hosts"]) == [
        f"web-{i}" for i in range(1, 6)]
    generated = tmp_path / "heat.yml"
    generated.write_text(from_stdin)
    repo = Path(__file__).resolve().parents[2]
    lint = subprocess.run([venv_tool("yamllint"), "--strict", "-c", str(repo / ".yamllint"), str(generated)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_accepts_other_client_shapes():
    raw = json.loads(FIXTURE_FILES[2].read_text())
    decoded = {k: json.loads(v) for k, v in raw.items()}
    stack_show = {"id": "x", "stack_name": "morse", "outputs": list(decoded.values())}
    reference = run_tool(FIXTURE_FILES[2]).stdout
    assert run_tool(stdin=json.dumps(decoded)).stdout == reference
    assert run_tool(stdin=json.dumps(stack_show)).stdout == reference


def test_options_user_and_key(tmp_path, ansible_env):
    out = tmp_path / "heat.yml"
    run_tool(FIXTURE_FILES[2], "--user", "ubuntu", "--ssh-key", "~/.ssh/morse", "-o", out)
    merged = json.loads(ansible_inventory(ansible_env, "-i", out, "--host", "db-1"))
    assert merged["ansible_user"] == "ubuntu"
    assert merged["ansible_ssh_private_key_file"] == "~/.ssh/morse"
    assert merged["ansible_ssh_common_args"] == (
        f'-o ProxyCommand="ssh -W %h:%p -q -o StrictHostKeyChecking=accept-new -i ~/.ssh/morse ubuntu@{BASTION}"')


def test_help():
    proc = run_tool("--help")
    assert "openstack stack output show" in proc.stdout
    assert "--format" in proc.stdout


def _outputs(**changes):
    values = {k: json.loads(v)["output_value"] for k, v in json.loads(FIXTURE_FILES[2].read_text()).items()}
    values.update(changes)
    return json.dumps({k: json.dumps({"output_key": k, "output_value": v}) for k, v in values.items()
                       if v is not None})


@pytest.mark.parametrize("stdin,message", [
    ("", "empty"),
    ("not json", "is not JSON"),
    ("[1, 2]", "missing stack output"),
    ("{}", "missing stack output(s): bastion_public_ip"),
    (_outputs(bastion_public_ip=None), "missing stack output(s): bastion_public_ip"),
    (_outputs(bastion_public_ip="203.0.113.300"), "not an IP address"),
    (_outputs(worker_private_ips="10.20.0.5"), "expected a list"),
    (_outputs(worker_names=["morse-web-1"]), "worker_names has 1 entries"),
    (_outputs(worker_private_ips=["10.20.0.5", None]), "worker_private_ips[1]"),
    (_outputs(database_private_ip="10.20.0.27"), "share the address"),
    (_outputs(ssh_user="root; rm -rf /"), "not a plain POSIX user name"),
    (json.dumps({"bastion_public_ip": json.dumps({"output_key": "bastion_public_ip", "output_value": None,
                                                   "output_error": "Resource bastion_floating_ip failed"})}),
     "failed in Heat"),
], ids=["empty", "not-json", "list", "no-outputs", "no-bastion", "bad-ip", "ips-not-list", "names-mismatch",
        "null-worker-ip", "duplicate-address", "unsafe-user", "output-error"])
def test_clear_errors(stdin, message):
    proc = run_tool(stdin=stdin, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("heat_inventory: error: ")
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_file_and_unsafe_key_path(tmp_path):
    proc = run_tool(tmp_path / "nope.json", check=False)
    assert proc.returncode == 2 and "cannot read" in proc.stderr
    proc = run_tool(FIXTURE_FILES[2], "--ssh-key", "my key", check=False)
    assert proc.returncode == 2 and "would need quoting" in proc.stderr
