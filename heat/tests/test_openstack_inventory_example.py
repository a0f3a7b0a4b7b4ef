"""The documented openstack.cloud.openstack configuration yields the same groups.

The plugin itself needs a cloud (and openstacksdk), so the test reproduces
what it does with no network: the plugin turns each Nova server into a host
whose variables are ``openstack`` (the server as openstacksdk returns it),
``ansible_host`` and ``ansible_ssh_host`` (with ``private: true``, the fixed
address), then applies the file's compose, groups and keyed_groups through
Ansible's shared "constructed" machinery. Here a YAML inventory holds such
hosts and Ansible's own ``constructed`` plugin applies the same three
sections copied from ansible/inventory/openstack.yml.example.

The openstack plugin evaluates compose with strict=True whatever the file
says; the first test does the same.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from conftest import FIXTURES, INVENTORY_TOOL, PLUGIN_EXAMPLE, venv_tool

NET = "morse-net"
BASTION_FIP = "203.0.113.10"
PROXY_FIP = "203.0.113.11"  # on the VIP port: Nova lists it for no server
VIP = "10.20.0.40"
TOFU = "-o StrictHostKeyChecking=accept-new"
PROXY_CMD = f'{TOFU} -o ProxyCommand="ssh -W %h:%p -q -o StrictHostKeyChecking=accept-new debian@{BASTION_FIP}"'


def server(name, fixed, group=None, floating=None, internal=True, extra=None):
    addresses = [{"addr": fixed, "version": 4, "OS-EXT-IPS:type": "fixed",
                  "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}]
    if floating:
        addresses.append({"addr": floating, "version": 4, "OS-EXT-IPS:type": "floating",
                          "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"})
    metadata = {}
    if group:
        metadata = {"group": group, "cluster": "morse", "ssh_user": "debian"}
        if internal:
            metadata.update(groups="internal", bastion_address=BASTION_FIP)
        metadata.update(extra or {})
    return {
        "id": f"id-{name}", "name": name, "status": "ACTIVE", "metadata": metadata,
        "addresses": {NET: addresses}, "flavor": {"original_name": "m1.small"},
        "cloud": {"name": "mycloud", "region": "RegionOne"},
    }


MORSE_SERVERS = [
    server("morse-bastion-1", "10.20.0.14", "bastion", BASTION_FIP, internal=False),
    # As proxy.yaml leaves them: the VIP in the metadata, no floating address.
    server("morse-proxy-1", "10.20.0.27", "proxy", extra={"vip": VIP, "vip_public_ip": PROXY_FIP}),
    server("morse-proxy-2", "10.20.0.22", "proxy", extra={"vip": VIP, "vip_public_ip": PROXY_FIP}),
    server("morse-web-1", "10.20.0.31", "workers"),
    server("morse-web-2", "10.20.0.19", "workers"),
    server("morse-db-1", "10.20.0.9", "database"),
]
# A server of the same project that has nothing to do with the cluster.
FOREIGN = server("jenkins", "10.99.0.5", floating="203.0.113.99")


def plugin_config():
    return yaml.safe_load(PLUGIN_EXAMPLE.read_text())


def run(tmp_path, env, servers, strict, sections=("compose", "groups", "keyed_groups"), config=None):
    hosts = {}
    for s in servers:
        fixed = next(a["addr"] for a in s["addresses"][NET] if a["OS-EXT-IPS:type"] == "fixed")
        hosts[s["name"]] = {"openstack": s, "ansible_host": fixed, "ansible_ssh_host": fixed}
    (tmp_path / "servers.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    config = config or plugin_config()
    constructed = {"plugin": "ansible.builtin.constructed", "strict": strict}
    constructed.update({k: config[k] for k in sections})
    (tmp_path / "constructed.yml").write_text(yaml.safe_dump(constructed))
    proc = subprocess.run(
        [venv_tool("ansible-inventory"), "-i", str(tmp_path / "servers.yml"), "-i", str(tmp_path / "constructed.yml"),
         "--list"],
        capture_output=True, text=True, timeout=120,
        env=dict(env, ANSIBLE_INVENTORY_ENABLED="ansible.builtin.yaml,ansible.builtin.constructed",
                 ANSIBLE_INVENTORY_UNPARSED_FAILED="True"))
    assert proc.returncode == 0, proc.stderr
    return plain(json.loads(proc.stdout))


def plain(node):
    """Drop ansible-core's {"__ansible_unsafe": value} wrappers from --list output."""
    if isinstance(node, dict):
        if set(node) == {"__ansible_unsafe"}:
            return node["__ansible_unsafe"]
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def members(data, group):
    """Hosts of a group, including those of its child groups."""
    entry = data.get(group, {})
    found = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        found |= members(data, child)
    return found


def test_example_is_a_plugin_config_with_the_documented_settings():
    config = plugin_config()
    assert config["plugin"] == "openstack.cloud.openstack"
    assert config["private"] is True
    assert config["legacy_groups"] is False
    assert config["keyed_groups"][0]["key"] == "openstack.metadata.group"
    assert PLUGIN_EXAMPLE.name.startswith("openstack.yml"), "the plugin only reads openstack.yml/.yaml"


def test_compose_never_fails_even_on_foreign_servers(tmp_path, ansible_env):
    run(tmp_path, ansible_env, MORSE_SERVERS + [FOREIGN], strict=True, sections=("compose",))


def test_groups_and_connection_variables(tmp_path, ansible_env):
    data = run(tmp_path, ansible_env, MORSE_SERVERS, strict=True)
    assert members(data, "bastion") == {"morse-bastion-1"}
    assert members(data, "proxy") == {"morse-proxy-1", "morse-proxy-2"}
    assert members(data, "workers") == {"morse-web-1", "morse-web-2"}
    assert members(data, "database") == {"morse-db-1"}
    assert members(data, "internal") == {"morse-proxy-1", "morse-proxy-2", "morse-web-1", "morse-web-2",
                                         "morse-db-1"}
    assert members(data, "cluster_morse") == {s["name"] for s in MORSE_SERVERS}

    hv = data["_meta"]["hostvars"]
    assert hv["morse-bastion-1"]["ansible_host"] == BASTION_FIP
    assert hv["morse-bastion-1"]["ansible_ssh_host"] == BASTION_FIP
    assert hv["morse-bastion-1"]["ansible_ssh_common_args"] == TOFU
    assert hv["morse-proxy-1"]["ansible_host"] == "10.20.0.27", "the proxy is reached privately"
    assert hv["morse-proxy-2"]["ansible_host"] == "10.20.0.22"
    for name in ("morse-proxy-1", "morse-proxy-2", "morse-web-1", "morse-web-2", "morse-db-1"):
        assert hv[name]["ansible_ssh_common_args"] == PROXY_CMD, name
        assert hv[name]["ansible_user"] == "debian"
        assert hv[name]["ansible_host"] == hv[name]["ansible_ssh_host"] == hv[name]["openstack"]["addresses"][NET][0][
            "addr"]


def test_proxies_know_the_vip_as_the_static_inventory_names_it(tmp_path, ansible_env):
    data = run(tmp_path, ansible_env, MORSE_SERVERS, strict=True)
    hv = data["_meta"]["hostvars"]
    for name in ("morse-proxy-1", "morse-proxy-2"):
        assert hv[name]["heat_proxy_vip"] == VIP, name
        assert hv[name]["heat_proxy_public_ip"] == PROXY_FIP, name
    # Hosts without the metadata get an empty string, never an error.
    for name in ("morse-bastion-1", "morse-web-1", "morse-db-1"):
        assert hv[name]["heat_proxy_vip"] == hv[name]["heat_proxy_public_ip"] == "", name


def test_proxy_of_an_older_stack_has_an_empty_vip(tmp_path, ansible_env):
    old_proxy = server("morse-proxy-1", "10.20.0.27", "proxy", PROXY_FIP)
    data = run(tmp_path, ansible_env, [MORSE_SERVERS[0], old_proxy], strict=True)
    assert data["_meta"]["hostvars"]["morse-proxy-1"]["heat_proxy_vip"] == ""


def test_foreign_servers_join_no_cluster_group(tmp_path, ansible_env):
    data = run(tmp_path, ansible_env, MORSE_SERVERS + [FOREIGN], strict=False)
    for group in ("bastion", "proxy", "workers", "database", "internal", "cluster_morse"):
        assert "jenkins" not in members(data, group), group
    assert data["_meta"]["hostvars"]["jenkins"]["ansible_ssh_common_args"] == TOFU


def test_same_groups_as_the_static_inventory(tmp_path, ansible_env):
    """Both inventories put the same servers (by Nova name) in the same groups."""
    dynamic = run(tmp_path, ansible_env, MORSE_SERVERS, strict=True)
    static_file = tmp_path / "heat.yml"
    subprocess.run([sys.executable, str(INVENTORY_TOOL), str(FIXTURES / "stack-outputs-2-workers.json"), "-o",
                    str(static_file)], check=True, capture_output=True, timeout=60)
    proc = subprocess.run([venv_tool("ansible-inventory"), "-i", str(static_file), "--list"], capture_output=True,
                          text=True, env=ansible_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    static = json.loads(proc.stdout)
    nova = {h: v["openstack_name"] for h, v in static["_meta"]["hostvars"].items()}
    for group in ("bastion", "proxy", "workers", "database", "internal"):
        assert {nova[h] for h in members(static, group)} == members(dynamic, group), group
    # The same VIP and floating IP under the same names (all-level there, per
    # proxy here; "--list" merges group variables into each host's).
    for host in members(static, "proxy"):
        dyn, stat = dynamic["_meta"]["hostvars"][nova[host]], static["_meta"]["hostvars"][host]
        assert (dyn["heat_proxy_vip"], dyn["heat_proxy_public_ip"]) == (
            stat["heat_proxy_vip"], stat["heat_proxy_public_ip"]) == (VIP, PROXY_FIP), host


@pytest.mark.parametrize("broken", ["openstack.metadata.grupo", "openstack.metadata.group | upper"])
def test_a_wrong_key_changes_the_groups(tmp_path, ansible_env, broken):
    """The comparison above can fail: a typo in the metadata key loses the groups."""
    config = plugin_config()
    config["keyed_groups"][0]["key"] = broken
    data = run(tmp_path, ansible_env, MORSE_SERVERS, strict=False, config=config)
    assert members(data, "workers") != {"morse-web-1", "morse-web-2"}
