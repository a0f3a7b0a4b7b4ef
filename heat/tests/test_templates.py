"""Acceptance 1: every template validates offline with Heat's own engine.

Also checks the shape the issue asks for (network, router gateway, groups,
floating IPs, ResourceGroups, server groups, retained volume, RAW
cloud-init, metadata, outputs), that parameters are documented and
constrained, and that the
cloud-config Heat hands to each server is valid YAML: Heat itself treats
user_data as an opaque string.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import ENVIRONMENTS, HEAT_DIR, NESTED, TOP_LEVEL

# Sample parameters for validating the nested template on its own, as the
# ResourceGroup would pass them (IDs become names offline).
WORKER_PARAMS = {
    "index": 0,
    "name_prefix": "morse",
    "image": "debian-12",
    "flavor": "m1.medium",
    "key_name": "morse-admin",
    "network": "private_network",
    "subnet": "private_subnet",
    "security_group": "worker_security_group",
    "server_group": "worker_server_group",
    "metadata": {"group": "workers", "groups": "internal"},
}
PROXY_PARAMS = {
    "index": 0,
    "name_prefix": "morse",
    "image": "debian-12",
    "flavor": "m1.small",
    "key_name": "morse-admin",
    "network": "private_network",
    "subnet": "private_subnet",
    "security_group": "proxy_security_group",
    "vip_address": "10.20.0.40",
    "server_group": "proxy_server_group",
    "metadata": {"group": "proxy", "groups": "internal"},
}
NESTED_PARAMS = {"proxy.yaml": PROXY_PARAMS, "worker.yaml": WORKER_PARAMS}
# Constraints that need a cloud to check, and only those, may be skipped.
CLOUD_CONSTRAINTS = {
    "ImageConstraint", "FlavorConstraint", "KeypairConstraint",
    "NetworkConstraint", "SubnetConstraint", "SecurityGroupConstraint",
}


def test_every_template_in_heat_dir_is_covered():
    on_disk = sorted(p.name for p in HEAT_DIR.glob("*.yaml")) + sorted(p.name for p in HEAT_DIR.glob("*.yml"))
    assert on_disk == sorted(TOP_LEVEL + NESTED), "add new templates to TOP_LEVEL or NESTED in conftest.py"
    assert [p.name for p in ENVIRONMENTS] == ["example.yaml"]


@pytest.mark.parametrize("name", TOP_LEVEL + NESTED)
def test_template_version_is_wallaby(heat, name):
    assert heat.load_template(HEAT_DIR / name)["heat_template_version"] == "2021-04-16"


@pytest.mark.parametrize("env_file", ENVIRONMENTS, ids=lambda p: p.name)
def test_cluster_validates_strictly_with_example_environment(heat, cluster, env_file):
    template, files = cluster
    env = heat.load_environment(env_file)
    rec = heat.validate(template, files, env)
    # The offline patches only bypassed API look-ups; local constraints
    # (net_cidr, allowed_pattern, range, ...) ran for real.
    assert rec.constraints_skipped <= CLOUD_CONSTRAINTS
    assert "OS::Nova::Server" in rec.services_skipped


def test_cluster_validates_with_defaults_and_only_required_parameters(heat, cluster):
    template, files = cluster
    heat.validate(template, files, {"parameters": {"key_name": "k", "admin_cidr": "192.0.2.1/32"}})


@pytest.mark.parametrize("group,member_type", [("proxies", "proxy.yaml"), ("workers", "worker.yaml")])
def test_resource_group_member_is_validated_as_top_level_resource(heat, cluster, example_env, group, member_type):
    template, files = cluster
    members = dict(heat.resource_group_members(template))
    assert sorted(members) == ["proxies", "workers"]
    member = members[group]
    assert member["type"] == member_type
    assert member["properties"]["index"] == "0", "the %index% placeholder is substituted"
    probe = copy.deepcopy(template)
    probe["resources"][f"{group}__member"] = member
    with heat.offline():
        heat.build_stack(probe, files, example_env).validate(validate_res_tmpl_only=True)


@pytest.mark.parametrize("name", NESTED)
def test_nested_template_validates_on_its_own(heat, name):
    template = heat.load_template(HEAT_DIR / name)
    assert set(NESTED_PARAMS[name]) == set(template["parameters"])
    heat.validate(template, heat.collect_files(template, HEAT_DIR), {"parameters": NESTED_PARAMS[name]})


def test_runtime_attribute_gets_a_stand_in_only_for_the_nested_validation(heat, cluster):
    """The VIP comes from get_attr, unknown offline: the nested run gets a stand-in of the right shape."""
    template = cluster[0]
    member = dict(heat.resource_group_members(template))["proxies"]
    child = heat.load_template(HEAT_DIR / "proxy.yaml")
    params = heat.runtime_stand_ins(member, child, {"vip_address": "", "name_prefix": "", "metadata": {}})
    assert params == {"vip_address": "192.0.2.1", "name_prefix": "", "metadata": {}}
    # A value Heat did resolve is kept, whatever it is.
    assert heat.runtime_stand_ins(member, child, {"vip_address": "10.20.0.40"}) == {"vip_address": "10.20.0.40"}


def test_nested_template_still_refuses_a_bad_vip(heat):
    template = heat.load_template(HEAT_DIR / "proxy.yaml")
    with pytest.raises(Exception) as err:
        heat.validate(template, {}, {"parameters": dict(PROXY_PARAMS, vip_address="10.20.0.300")})
    assert "vip_address" in str(err.value)


@pytest.mark.parametrize("name,role", [("worker.yaml", "web"), ("proxy.yaml", "proxy")])
@pytest.mark.parametrize("index,number", [(0, 1), (1, 2), (4, 5)])
def test_member_names_count_from_one(heat, name, role, index, number):
    template = heat.load_template(HEAT_DIR / name)
    with heat.offline():
        stack = heat.build_stack(template, {}, {"parameters": dict(NESTED_PARAMS[name], index=index)})
        stack.validate(validate_res_tmpl_only=True)
        assert stack["server_name"].properties["value"] == f"morse-{role}-{number}"


def test_dependency_graph_is_acyclic_and_ordered(heat, cluster, example_env):
    template, files = cluster
    order = heat.dependency_order(template, files, example_env)
    assert sorted(order) == sorted(template["resources"])
    before = order.index
    # Floating IPs and servers need the subnet routed first (metadata service).
    for res in ("bastion_floating_ip", "proxy_floating_ip", "bastion", "proxies", "workers", "database"):
        assert before("router_interface") < before(res), res
    # The members need the VIP, the server groups and (metadata) the floating IPs.
    for res in ("proxy_vip_port", "proxy_server_group", "proxy_floating_ip", "bastion_floating_ip"):
        assert before(res) < before("proxies"), res
    assert before("worker_server_group") < before("workers")
    assert before("database") < before("database_volume_attachment")
    assert before("database_volume") < before("database_volume_attachment")


def test_required_parameters_and_constraints(cluster):
    params = cluster[0]["parameters"]

    def custom(name):
        return [c.get("custom_constraint") for c in params[name].get("constraints", [])]

    assert "nova.keypair" in custom("key_name")
    assert "glance.image" in custom("image")
    for flavor in ("bastion_flavor", "proxy_flavor", "worker_flavor", "database_flavor"):
        assert "nova.flavor" in custom(flavor)
    assert "neutron.network" in custom("external_network")
    assert "net_cidr" in custom("admin_cidr")
    assert "default" not in params["admin_cidr"], "SSH access must be chosen, never defaulted"
    assert params["worker_count"]["default"] == 2
    assert params["proxy_count"]["default"] == 2
    assert params["server_group_policy"]["default"] == "soft-anti-affinity"
    # The description explains why soft is the default.
    assert "single-hypervisor" in params["server_group_policy"]["description"]
    assert {"range": {"min": 1, "max": 20}}.items() <= params["worker_count"]["constraints"][0].items()
    assert params["proxy_http_port"]["default"] == 8080
    assert params["worker_port"]["default"] == 8081
    assert params["proxy_admin_port"]["default"] == 9000


@pytest.mark.parametrize("name", TOP_LEVEL + NESTED)
def test_every_parameter_and_output_is_documented(heat, name):
    template = heat.load_template(HEAT_DIR / name)
    assert template.get("description")
    for pname, param in template["parameters"].items():
        assert param.get("label"), f"{name}: parameter {pname} has no label"
        assert len(param.get("description", "")) > 20, f"{name}: parameter {pname} needs a description"
        for constraint in param.get("constraints", []):
            if "custom_constraint" not in constraint:
                assert constraint.get("description"), f"{name}: {pname} constraint without a message"
    for oname, output in template.get("outputs", {}).items():
        assert output.get("description"), f"{name}: output {oname} has no description"


def test_parameter_groups_list_every_parameter_once(cluster):
    template = cluster[0]
    grouped = [p for group in template["parameter_groups"] for p in group["parameters"]]
    assert sorted(grouped) == sorted(template["parameters"])


def test_example_environment_sets_only_template_parameters(cluster, example_env):
    assert set(example_env) <= {"parameters", "parameter_defaults", "resource_registry"}
    assert set(example_env["parameters"]) <= set(cluster[0]["parameters"])


@pytest.mark.parametrize("params,message", [
    ({"key_name": "k"}, "admin_cidr"),
    ({"key_name": "k", "admin_cidr": "0.0.0.0/0"}, "admin_cidr"),
    ({"key_name": "k", "admin_cidr": "10.0.0.0/0"}, "admin_cidr"),
    ({"key_name": "k", "admin_cidr": "300.1.1.1/24"}, "admin_cidr"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "worker_count": 0}, "worker_count"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "worker_count": 21}, "worker_count"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "proxy_http_port": 9000}, "proxy_http_port"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "proxy_admin_port": 8080}, "proxy_admin_port"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "private_network_cidr": "10.20.0.0/33"},
     "private_network_cidr"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "no_such_parameter": 1}, "no_such_parameter"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "proxy_count": 0}, "proxy_count"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "proxy_count": 3}, "proxy_count"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "server_group_policy": "affinity"}, "server_group_policy"),
    ({"key_name": "k", "admin_cidr": "192.0.2.0/24", "server_group_policy": "soft-affinity"}, "server_group_policy"),
], ids=["admin_cidr-missing", "admin_cidr-world", "admin_cidr-slash0", "admin_cidr-invalid", "worker_count-0",
        "worker_count-21", "proxy_http_port-9000", "proxy_admin_port-8080", "private_cidr-invalid",
        "unknown-parameter", "proxy_count-0", "proxy_count-3", "server_group_policy-affinity",
        "server_group_policy-soft-affinity"])
def test_bad_parameter_values_are_refused(heat, cluster, params, message):
    template, files = cluster
    with pytest.raises(Exception) as err:
        heat.validate(template, files, {"parameters": params})
    assert message in str(err.value)


@pytest.mark.parametrize("params", [
    {"proxy_count": 1}, {"proxy_count": 2}, {"server_group_policy": "anti-affinity"},
    {"server_group_policy": "soft-anti-affinity"}, {"proxy_count": 1, "server_group_policy": "anti-affinity"},
], ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
def test_allowed_pair_settings_validate(heat, cluster, params):
    template, files = cluster
    heat.validate(template, files, {"parameters": dict(params, key_name="k", admin_cidr="192.0.2.0/24")})


def _resources(template, rtype):
    return {n: r for n, r in template["resources"].items() if r["type"] == rtype}


def test_cluster_has_the_expected_shape(cluster):
    template = cluster[0]
    res = template["resources"]
    assert len(_resources(template, "OS::Neutron::Net")) == 1
    assert len(_resources(template, "OS::Neutron::Subnet")) == 1
    routers = _resources(template, "OS::Neutron::Router")
    assert len(routers) == 1
    router = next(iter(routers.values()))
    assert router["properties"]["external_gateway_info"]["network"] == {"get_param": "external_network"}
    assert len(_resources(template, "OS::Neutron::RouterInterface")) == 1
    assert len(_resources(template, "OS::Neutron::SecurityGroup")) == 4

    fips = _resources(template, "OS::Neutron::FloatingIP")
    assert {r["properties"]["port_id"]["get_resource"] for r in fips.values()} == {"bastion_port", "proxy_vip_port"}
    for fip in fips.values():
        assert fip["depends_on"] == "router_interface"

    for name, count in (("proxies", "proxy_count"), ("workers", "worker_count")):
        group = res[name]
        assert group["type"] == "OS::Heat::ResourceGroup"
        assert group["properties"]["count"] == {"get_param": count}
    assert set(_resources(template, "OS::Nova::ServerGroup")) == {"proxy_server_group", "worker_server_group"}
    assert set(_resources(template, "OS::Nova::Server")) == {"bastion", "database"}

    volume = res["database_volume"]
    assert volume["type"] == "OS::Cinder::Volume"
    assert volume["deletion_policy"] == "Retain"
    attachment = _resources(template, "OS::Cinder::VolumeAttachment")
    assert [a["properties"] for a in attachment.values()] == [
        {"instance_uuid": {"get_resource": "database"}, "volume_id": {"get_resource": "database_volume"}}]


@pytest.mark.parametrize("name", TOP_LEVEL + NESTED)
def test_no_software_deployment_and_raw_user_data(heat, name):
    template = heat.load_template(HEAT_DIR / name)
    types = {v for k, v in heat.walk(template["resources"]) if k == "type"}
    banned = {"OS::Heat::SoftwareDeployment", "OS::Heat::SoftwareDeployments", "OS::Heat::SoftwareConfig",
              "OS::Heat::StructuredDeployment", "OS::Heat::WaitCondition", "OS::Neutron::RouterGateway"}
    assert not types & banned, f"{name} uses {types & banned}"
    attrs = [v[1] for k, v in heat.walk(template) if k == "get_attr"]
    assert "first_address" not in attrs, "first_address is hidden/deprecated; read the port's fixed_ips"
    for sname, server in _resources(template, "OS::Nova::Server").items():
        props = server["properties"]
        assert props["user_data_format"] == "RAW", sname
        assert props["user_data_update_policy"] == "IGNORE", sname
        assert props["metadata"], f"{sname} needs metadata naming its Ansible group"


def test_every_server_names_its_ansible_group(cluster):
    template = cluster[0]
    groups = {n: s["properties"]["metadata"]["group"]
              for n, s in _resources(template, "OS::Nova::Server").items()}
    assert groups == {"bastion": "bastion", "database": "database"}
    members = {name: template["resources"][name]["properties"]["resource_def"]["properties"]["metadata"]
               for name in ("proxies", "workers")}
    assert members["proxies"]["group"] == "proxy"
    assert members["workers"]["group"] == "workers"
    for meta in [*members.values(), template["resources"]["database"]["properties"]["metadata"]]:
        assert meta["groups"] == "internal"
        assert meta["bastion_address"] == {"get_attr": ["bastion_floating_ip", "floating_ip_address"]}
    assert members["proxies"]["vip_public_ip"] == {"get_attr": ["proxy_floating_ip", "floating_ip_address"]}
    assert "groups" not in template["resources"]["bastion"]["properties"]["metadata"]


def test_proxy_metadata_carries_the_vip(heat, cluster, example_env):
    """proxy.yaml merges vip=<VIP address> into the metadata the parent passes."""
    template = heat.load_template(HEAT_DIR / "proxy.yaml")
    with heat.offline():
        stack = heat.build_stack(template, {}, {"parameters": PROXY_PARAMS})
        stack.validate(validate_res_tmpl_only=True)
        assert stack["server"].properties["metadata"] == {"group": "proxy", "groups": "internal",
                                                          "vip": "10.20.0.40"}
        assert stack["port"].properties["allowed_address_pairs"] == [{"ip_address": "10.20.0.40",
                                                                      "mac_address": None}]
        assert stack["server"].properties["scheduler_hints"] == {"group": "proxy_server_group"}


def test_outputs_give_every_roles_addresses(cluster):
    outputs = cluster[0]["outputs"]
    for key in ("bastion_public_ip", "bastion_private_ip", "proxy_public_ip", "proxy_private_ips", "proxy_names",
                "proxy_vip", "proxy_url", "worker_private_ips", "worker_names", "database_private_ip",
                "database_volume_id", "ssh_user"):
        assert key in outputs, key
    # The single-proxy outputs are gone: a consumer that still reads them fails loudly.
    assert "proxy_private_ip" not in outputs and "proxy_name" not in outputs
    assert outputs["worker_private_ips"]["value"] == {"get_attr": ["workers", "private_ip"]}
    assert outputs["proxy_private_ips"]["value"] == {"get_attr": ["proxies", "private_ip"]}
    assert outputs["proxy_names"]["value"] == {"get_attr": ["proxies", "name"]}
    assert outputs["proxy_vip"]["value"] == {"get_attr": ["proxy_vip_port", "fixed_ips", 0, "ip_address"]}
    assert outputs["bastion_public_ip"]["value"] == {"get_attr": ["bastion_floating_ip", "floating_ip_address"]}
    assert outputs["proxy_public_ip"]["value"] == {"get_attr": ["proxy_floating_ip", "floating_ip_address"]}
    assert outputs["proxy_url"]["value"]["str_replace"]["params"]["HOST"] == outputs["proxy_public_ip"]["value"]


def _user_data(heat, template, files, env):
    """user_data of every server as Heat resolves it (str_replace applied)."""
    with heat.offline():
        stack = heat.build_stack(template, files, env)
        stack.validate(validate_res_tmpl_only=True)
        return {r.name: r.properties["user_data"] for r in stack.values() if r.type() == "OS::Nova::Server"}


def test_cloud_config_is_valid_yaml_for_every_server(heat, cluster, example_env):
    template, files = cluster
    documents = _user_data(heat, template, files, example_env)
    # Each member template holds exactly one server: the unpacking says so.
    for name in NESTED:
        (documents[name.removesuffix(".yaml")],) = _user_data(
            heat, heat.load_template(HEAT_DIR / name), {}, {"parameters": NESTED_PARAMS[name]}).values()
    assert set(documents) == {"bastion", "proxy", "database", "worker"}
    for name, text in documents.items():
        assert text.startswith("#cloud-config\n"), name
        config = yaml.safe_load(text)
        assert isinstance(config, dict), name
        assert config["ssh_pwauth"] is False and config["disable_root"] is True, name
        # Host keys printed on the console for heat-inventory.sh to pin (issue 20 item 2): cloud-init's cc_ssh
        # settings, with no key type left out of the printed block.
        assert config["ssh"]["emit_keys_to_console"] is True, name
        assert config["ssh_key_console_blacklist"] == [], name
        assert set(config["ssh_genkeytypes"]) == {"ed25519", "ecdsa"}, name
    database = yaml.safe_load(documents["database"])
    script = database["write_files"][0]["content"]
    assert script.startswith("#!/bin/sh\n")
    assert 'volume_id="database_volume"' in script, "str_replace put the volume reference in"
    assert "__volume_id__" not in script
    assert "if ! blkid" in script, "an existing filesystem (retained volume) is never reformatted"
    bastion = yaml.safe_load(documents["bastion"])
    sshd = bastion["write_files"][0]["content"]
    assert "AllowTcpForwarding yes" in sshd and "PasswordAuthentication no" in sshd
