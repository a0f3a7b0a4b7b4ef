"""Acceptance 4: the Heat -> Ansible inventory bridge.

The fixtures are stack outputs for the cluster with the proxy pair and 2
or 5 workers, with a single proxy (proxy_count 1), and of a stack made from
the template before the pair (one proxy, no VIP), in the exact shape
``openstack stack output show morse --all -f json`` prints (python-heatclient
formats each output as JSON text inside the JSON object). They were written
for these tests, not captured from a live cloud;
test_fixtures_match_the_template keeps the current ones' keys and
descriptions in step with cluster.yaml. Addresses come from documentation
ranges (RFC 5737) and the private CIDR; no test sends any traffic.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, INVENTORY_TOOL, venv_tool

# (proxies, workers) -> outputs of a stack made from the current cluster.yaml
FIXTURE_FILES = {
    (2, 2): FIXTURES / "stack-outputs-2-workers.json",
    (2, 5): FIXTURES / "stack-outputs-5-workers.json",
    (1, 2): FIXTURES / "stack-outputs-1-proxy.json",
}
# One proxy, made from cluster.yaml before the proxy pair (no VIP).
LEGACY = FIXTURES / "stack-outputs-legacy-1-proxy.json"
LEGACY_KEYS = {
    "bastion_name", "bastion_private_ip", "bastion_public_ip", "database_name", "database_private_ip",
    "database_volume_id", "private_network_cidr", "proxy_name", "proxy_private_ip", "proxy_public_ip", "proxy_url",
    "service_ports", "ssh_user", "worker_names", "worker_private_ips",
}
ALL_FIXTURES = {**{f"{p}-proxies-{w}-workers": (path, p, w) for (p, w), path in FIXTURE_FILES.items()},
                "legacy-1-proxy": (LEGACY, 1, 2)}
BASTION = "203.0.113.10"
VIP = "10.20.0.40"
PROXY_FIP = "203.0.113.11"
LEGACY_NOTE = "heat_inventory: note: the stack has the outputs of an older heat/cluster.yaml"
# Without --console-logs, keys are accepted on first use: said on every connection (ansible.cfg leaves it to the
# inventory), the bastion hop included.
TOFU = "-o StrictHostKeyChecking=accept-new"
PROXY_CMD = f'{TOFU} -o ProxyCommand="ssh -W %h:%p -q -o StrictHostKeyChecking=accept-new debian@{BASTION}"'


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


def values_of(path):
    return {k: json.loads(v)["output_value"] for k, v in json.loads(path.read_text()).items()}


def expected_graph(proxies, workers):
    return {
        "@all": ["@ungrouped", "@bastion", "@internal"],
        "@ungrouped": [],
        "@bastion": ["bastion-1"],
        "@internal": ["@proxy", "@workers", "@database"],
        "@proxy": [f"proxy-{i}" for i in range(1, proxies + 1)],
        "@workers": [f"web-{i}" for i in range(1, workers + 1)],
        "@database": ["db-1"],
    }


def test_fixtures_match_the_template(cluster):
    outputs = cluster[0]["outputs"]
    for (proxies, workers), path in FIXTURE_FILES.items():
        raw = json.loads(path.read_text())
        assert set(raw) == set(outputs), f"{path.name}: keys differ from cluster.yaml outputs"
        for key, text in raw.items():
            assert isinstance(text, str), "the client prints each output as JSON text"
            entry = json.loads(text)
            assert entry["output_key"] == key
            assert entry["description"] == outputs[key]["description"]
        values = values_of(path)
        assert len(values["worker_private_ips"]) == len(values["worker_names"]) == workers
        assert len(values["proxy_private_ips"]) == len(values["proxy_names"]) == proxies
        assert values["proxy_vip"] == VIP and values["proxy_public_ip"] == PROXY_FIP


def test_legacy_fixture_has_the_old_single_proxy_shape(cluster):
    raw = json.loads(LEGACY.read_text())
    assert set(raw) == LEGACY_KEYS
    assert {"proxy_private_ip", "proxy_name"} <= set(raw) and not {"proxy_private_ips", "proxy_vip"} & set(raw)
    # The outputs the pair replaced are exactly the ones the current template no longer has.
    assert LEGACY_KEYS - set(cluster[0]["outputs"]) == {"proxy_private_ip", "proxy_name"}


@pytest.mark.parametrize("fixture", sorted(ALL_FIXTURES))
@pytest.mark.parametrize("fmt", ["yaml", "ini"])
def test_inventory_graph_has_the_expected_groups(tmp_path, ansible_env, fixture, fmt):
    path, proxies, workers = ALL_FIXTURES[fixture]
    out = tmp_path / f"heat.{'yml' if fmt == 'yaml' else 'ini'}"
    run_tool(path, "--format", fmt, "-o", out)
    graph = ansible_inventory(ansible_env, "-i", out, "--graph")
    assert parse_graph(graph) == expected_graph(proxies, workers), graph


@pytest.mark.parametrize("fixture", sorted(ALL_FIXTURES))
@pytest.mark.parametrize("fmt", ["yaml", "ini"])
def test_connection_variables(tmp_path, ansible_env, fixture, fmt):
    path, proxies, workers = ALL_FIXTURES[fixture]
    out = tmp_path / f"heat.{'yml' if fmt == 'yaml' else 'ini'}"
    run_tool(path, "--format", fmt, "-o", out)
    data = json.loads(ansible_inventory(ansible_env, "-i", out, "--list"))
    hostvars = data["_meta"]["hostvars"]
    values = values_of(path)

    bastion = hostvars["bastion-1"]
    assert bastion["ansible_host"] == BASTION
    assert bastion["ansible_ssh_common_args"] == TOFU, "the bastion is reached directly"

    proxy_ips = values.get("proxy_private_ips") or [values["proxy_private_ip"]]
    proxy_names = values.get("proxy_names") or [values["proxy_name"]]
    internal = {f"proxy-{i + 1}": ip for i, ip in enumerate(proxy_ips)}
    internal["db-1"] = values["database_private_ip"]
    internal.update({f"web-{i + 1}": ip for i, ip in enumerate(values["worker_private_ips"])})
    for name, ip in internal.items():
        assert hostvars[name]["ansible_host"] == hostvars[name]["private_ip"] == ip, (
            f"{name} is reached on its private address")
    for i, name in enumerate(proxy_names):
        assert hostvars[f"proxy-{i + 1}"]["openstack_name"] == name == f"morse-proxy-{i + 1}"
        # The floating IP is the VIP's, no proxy's own.
        assert "public_ip" not in hostvars[f"proxy-{i + 1}"]
    # Group variables merged as a play sees them: one host per group.
    for name in (f"proxy-{proxies}", f"web-{workers}", "db-1"):
        merged = json.loads(ansible_inventory(ansible_env, "-i", out, "--host", name))
        assert merged["ansible_ssh_common_args"] == PROXY_CMD, name
        assert merged["ansible_user"] == "debian"
        # The keepalived role's contract: all-level, exact names, plain strings.
        assert merged["heat_proxy_public_ip"] == PROXY_FIP, name
        if "proxy_vip" in values:
            assert merged["heat_proxy_vip"] == VIP, name
        else:
            assert "heat_proxy_vip" not in merged, "an older stack has no VIP"
    assert hostvars["web-1"]["openstack_name"] == "morse-web-1"
    # Group and host names never collide.
    assert not set(hostvars) & {"bastion", "proxy", "workers", "database", "internal"}


@pytest.mark.parametrize("fmt", ["yaml", "ini"])
def test_older_stack_is_accepted_and_said_so(tmp_path, fmt):
    out = tmp_path / "heat.out"
    proc = run_tool(LEGACY, "--format", fmt, "-o", out)
    assert LEGACY_NOTE in proc.stderr and "heat_proxy_vip is not set" in proc.stderr, proc.stderr
    text = out.read_text()
    assert "# Note: the stack has the outputs of an older heat/cluster.yaml" in text
    assert not [line for line in text.splitlines() if "heat_proxy_vip" in line and not line.startswith("#")]
    # The current shape says nothing of the kind.
    proc = run_tool(FIXTURE_FILES[(2, 2)], "--format", fmt, "-o", out)
    assert "older heat/cluster.yaml" not in proc.stderr and "Note" not in out.read_text()


def test_ansible_hands_the_proxy_command_to_ssh_intact(tmp_path, ansible_env):
    """Run a real ad-hoc ping with a stand-in ssh that records its argv.

    Nothing connects anywhere: the stand-in exits 255 (unreachable) after
    writing the arguments Ansible gave it.
    """
    out = tmp_path / "heat.yml"
    run_tool(FIXTURE_FILES[(2, 2)], "-o", out)
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
    text = FIXTURE_FILES[(2, 5)].read_text()
    from_stdin = run_tool("-", stdin=text).stdout
    from_file = run_tool(FIXTURE_FILES[(2, 5)]).stdout
    assert from_stdin == from_file
    data = yaml.safe_load(from_stdin)
    assert list(data["all"]["children"]["internal"]["children"]["workers"]["hosts"]) == [
        f"web-{i}" for i in range(1, 6)]
    assert data["all"]["vars"]["heat_proxy_vip"] == VIP
    assert data["all"]["vars"]["heat_proxy_public_ip"] == PROXY_FIP
    assert list(data["all"]["children"]["internal"]["children"]["proxy"]["hosts"]) == ["proxy-1", "proxy-2"]
    repo = Path(__file__).resolve().parents[2]
    # The legacy output carries a wrapped note in its header: lint both.
    for name, content in (("heat.yml", from_stdin), ("legacy.yml", run_tool(LEGACY).stdout)):
        generated = tmp_path / name
        generated.write_text(content)
        lint = subprocess.run([venv_tool("yamllint"), "--strict", "-c", str(repo / ".yamllint"), str(generated)],
                              capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout


def test_accepts_other_client_shapes():
    raw = json.loads(FIXTURE_FILES[(2, 2)].read_text())
    decoded = {k: json.loads(v) for k, v in raw.items()}
    stack_show = {"id": "x", "stack_name": "morse", "outputs": list(decoded.values())}
    reference = run_tool(FIXTURE_FILES[(2, 2)]).stdout
    assert run_tool(stdin=json.dumps(decoded)).stdout == reference
    assert run_tool(stdin=json.dumps(stack_show)).stdout == reference


def test_options_user_and_key(tmp_path, ansible_env):
    out = tmp_path / "heat.yml"
    run_tool(FIXTURE_FILES[(2, 2)], "--user", "ubuntu", "--ssh-key", "~/.ssh/morse", "-o", out)
    merged = json.loads(ansible_inventory(ansible_env, "-i", out, "--host", "db-1"))
    assert merged["ansible_user"] == "ubuntu"
    assert merged["ansible_ssh_private_key_file"] == "~/.ssh/morse"
    assert merged["ansible_ssh_common_args"] == (
        f'{TOFU} -o ProxyCommand="ssh -W %h:%p -q -o StrictHostKeyChecking=accept-new -i ~/.ssh/morse '
        f'ubuntu@{BASTION}"')


def test_help():
    proc = run_tool("--help")
    assert "openstack stack output show" in proc.stdout
    assert "--format" in proc.stdout


def _outputs(base=FIXTURE_FILES[(2, 2)], **changes):
    values = values_of(base)
    values.update(changes)
    return json.dumps({k: json.dumps({"output_key": k, "output_value": v}) for k, v in values.items()
                       if v is not None})


def _legacy(**changes):
    return _outputs(LEGACY, **changes)


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
    (_outputs(proxy_private_ips=None), "missing stack output(s): proxy_private_ips"),
    (_outputs(proxy_private_ips=[]), "missing stack output(s): proxy_private_ips"),
    (_legacy(proxy_private_ip=None), "missing stack output(s): proxy_private_ips"),
    (_outputs(proxy_private_ips="10.20.0.27"), "proxy_private_ips: expected a list"),
    (_outputs(proxy_names=["morse-proxy-1"]), "proxy_names has 1 entries but proxy_private_ips has 2"),
    (_outputs(proxy_private_ips=["10.20.0.27", "10.20.0.300"]), "proxy_private_ips[1]"),
    (_outputs(proxy_private_ips=["10.20.0.27", "10.20.0.27"]), "share the address"),
    (_outputs(proxy_vip=None), "missing stack output(s): proxy_vip"),
    (_outputs(proxy_vip="10.20.0"), "proxy_vip: '10.20.0' is not an IP address"),
    (_outputs(proxy_vip="10.30.0.40"), "proxy_vip 10.30.0.40 is outside the private network 10.20.0.0/24"),
    (_outputs(proxy_vip="10.20.0.22"), "proxy_vip 10.20.0.22 is also the address of proxy-2"),
    (_outputs(proxy_vip="10.20.0.19"), "proxy_vip 10.20.0.19 is also the address of web-2"),
    (_outputs(proxy_vip="10.20.0.14"), "proxy_vip 10.20.0.14 is also the address of bastion-1"),
    (_outputs(proxy_vip="10.20.0.9"), "proxy_vip 10.20.0.9 is also the address of db-1"),
    (_outputs(private_network_cidr=None), "private_network_cidr, needed to check proxy_vip"),
    (_outputs(proxy_public_ip="203.0.113.10"), "proxy_public_ip 203.0.113.10 is also the address of bastion-1"),
    (json.dumps({"bastion_public_ip": json.dumps({"output_key": "bastion_public_ip", "output_value": None,
                                                   "output_error": "Resource bastion_floating_ip failed"})}),
     "failed in Heat"),
], ids=["empty", "not-json", "list", "no-outputs", "no-bastion", "bad-ip", "ips-not-list", "names-mismatch",
        "null-worker-ip", "duplicate-address", "unsafe-user", "no-proxies", "empty-proxies", "legacy-no-proxy",
        "proxy-ips-not-list", "proxy-names-mismatch", "bad-proxy-ip", "proxies-share-address", "no-vip", "bad-vip",
        "vip-outside-cidr", "vip-is-proxy-2", "vip-is-a-worker", "vip-is-bastion-private", "vip-is-database",
        "vip-without-cidr", "fip-is-bastion", "output-error"])
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
    proc = run_tool(FIXTURE_FILES[(2, 2)], "--ssh-key", "my key", check=False)
    assert proc.returncode == 2 and "would need quoting" in proc.stderr
