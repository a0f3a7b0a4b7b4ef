"""Acceptance 2: the validator can fail.

Each mutation is injected into a deep copy of the real template (or of the
nested template in the files map) and must be rejected by the very same
``heat_offline.validate`` call that accepts the unmodified template, with a
message naming what was broken.
"""

from __future__ import annotations

import copy

import pytest

from conftest import HEAT_DIR


def undefined_get_param(t, f):
    t["resources"]["bastion"]["properties"]["flavor"] = {"get_param": "no_such_param"}
    return "no_such_param"


def undefined_get_param_in_output(t, f):
    t["outputs"]["ssh_user"]["value"] = {"get_param": "no_such_param"}
    return "no_such_param"


def wrong_get_attr(t, f):
    t["outputs"]["bastion_public_ip"]["value"] = {"get_attr": ["bastion_floating_ip", "floating_ip_addr"]}
    return "floating_ip_addr"


def wrong_get_attr_in_property(t, f):
    t["resources"]["database"]["properties"]["metadata"]["bastion_address"] = {
        "get_attr": ["bastion_floating_ip", "no_such_attribute"]}
    return "no_such_attribute"


def wrong_get_attr_in_member_property(t, f):
    t["resources"]["proxies"]["properties"]["resource_def"]["properties"]["vip_address"] = {
        "get_attr": ["proxy_vip_port", "fixed_ip", 0, "ip_address"]}
    return "fixed_ip"


def wrong_get_attr_on_resource_group(t, f):
    t["outputs"]["worker_private_ips"]["value"] = {"get_attr": ["workers", "private_address"]}
    return "private_address"


def wrong_get_attr_on_proxies_group(t, f):
    t["outputs"]["proxy_names"]["value"] = {"get_attr": ["proxies", "names"]}
    return "names"


def get_attr_on_missing_resource(t, f):
    t["outputs"]["proxy_public_ip"]["value"] = {"get_attr": ["proxy_fip", "floating_ip_address"]}
    return "proxy_fip"


def unknown_property(t, f):
    t["resources"]["bastion"]["properties"]["flavour"] = "m1.small"
    return "flavour"


def unknown_property_in_resource_group_member(t, f):
    t["resources"]["workers"]["properties"]["resource_def"]["properties"]["flavour"] = "m1.small"
    return "flavour"


def edit_member(f, template: str, old: str, new: str) -> None:
    """Replaces `old` (which must be there, or the mutation would test nothing) in a member template's text."""
    assert old in f[template], f"{template} has no {old!r}"
    f[template] = f[template].replace(old, new)


def unknown_property_in_nested_template(t, f):
    edit_member(f, "worker.yaml", "      key_name: {get_param: key_name}\n", "      keyname: {get_param: key_name}\n")
    return "keyname"


def undefined_get_param_in_nested_template(t, f):
    edit_member(f, "worker.yaml", "      flavor: {get_param: flavor}\n", "      flavor: {get_param: worker_flavor}\n")
    return "worker_flavor"


def unknown_property_in_proxy_template(t, f):
    edit_member(f, "proxy.yaml", "      allowed_address_pairs:\n", "      allowed_address_pair:\n")
    return "allowed_address_pair"


def undefined_get_param_in_proxy_template(t, f):
    edit_member(f, "proxy.yaml", "        - ip_address: {get_param: vip_address}\n",
                "        - ip_address: {get_param: proxy_vip}\n")
    return "proxy_vip"


def member_misses_a_required_parameter(t, f):
    del t["resources"]["proxies"]["properties"]["resource_def"]["properties"]["server_group"]
    return "server_group"


def unknown_server_group_policy(t, f):
    t["resources"]["worker_server_group"]["properties"]["policies"] = ["anti_affinity"]
    return "anti_affinity"


def scheduler_hints_not_a_map(t, f):
    f["worker.yaml"] = f["worker.yaml"].replace("      scheduler_hints:\n        group: {get_param: server_group}\n",
                                                "      scheduler_hints: [{get_param: server_group}]\n")
    return "scheduler_hints"


def wrong_property_type(t, f):
    t["resources"]["database_volume"]["properties"]["size"] = "twenty"
    return "size"


def unknown_resource_type(t, f):
    t["resources"]["router"]["type"] = "OS::Neutron::Routr"
    return "OS::Neutron::Routr"


def hidden_resource_type(t, f):
    t["resources"]["router_gateway"] = {
        "type": "OS::Neutron::RouterGateway",
        "properties": {"router_id": {"get_resource": "router"}, "network": {"get_param": "external_network"}},
    }
    return "HIDDEN"


def dependency_cycle(t, f):
    # The port would wait for the server that is attached to it.
    t["resources"]["bastion_port"]["depends_on"] = "bastion"
    return "Circular Dependency"


def bad_deletion_policy(t, f):
    t["resources"]["database_volume"]["deletion_policy"] = "Keep"
    return "Keep"


MUTATIONS = [
    undefined_get_param,
    undefined_get_param_in_output,
    wrong_get_attr,
    wrong_get_attr_in_property,
    wrong_get_attr_in_member_property,
    wrong_get_attr_on_resource_group,
    wrong_get_attr_on_proxies_group,
    get_attr_on_missing_resource,
    unknown_property,
    unknown_property_in_resource_group_member,
    unknown_property_in_nested_template,
    undefined_get_param_in_nested_template,
    unknown_property_in_proxy_template,
    undefined_get_param_in_proxy_template,
    member_misses_a_required_parameter,
    unknown_server_group_policy,
    scheduler_hints_not_a_map,
    wrong_property_type,
    unknown_resource_type,
    hidden_resource_type,
    dependency_cycle,
    bad_deletion_policy,
]


def test_unmodified_copy_is_accepted(heat, cluster, example_env):
    template, files = cluster
    heat.validate(copy.deepcopy(template), dict(files), example_env)


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__)
def test_mutation_is_rejected(heat, cluster, example_env, mutate):
    template, files = copy.deepcopy(cluster[0]), dict(cluster[1])
    original = (copy.deepcopy(template), dict(files))
    needle = mutate(template, files)
    assert (template, files) != original, "the mutation changed nothing"
    with pytest.raises(Exception) as err:
        heat.validate(template, files, example_env)
    assert needle in str(err.value), f"rejected for another reason: {err.value}"


def test_mutations_left_the_real_templates_alone(heat, cluster):
    assert cluster[0] == heat.load_template(HEAT_DIR / "cluster.yaml")
    for name in ("proxy.yaml", "worker.yaml"):
        assert cluster[1][name] == (HEAT_DIR / name).read_text()
