"""Acceptance 6: the proxy pair - VRRP, the VIP, the floating IP, anti-affinity.

The invariants are read from the templates as data (proxy_pair_policy.py,
on top of the security-group model of secgroup_policy.py):

* VRRP (IP protocol 112) reaches the proxies only from the proxy security
  group's own members: not from anywhere, not from the bastion, worker or
  database groups, and no other group lets it in;
* the proxies' public address is exactly one floating IP, on the VIP port,
  and no proxy server port has one;
* each proxy port's allowed_address_pairs is exactly the VIP;
* proxy_count allows 1 or 2 only (Heat refuses 0 and 3);
* the proxies and the workers each have a server group with the policy of
  server_group_policy, and every proxy and worker server asks for it.

The last part injects one breakage per promise into copies of the templates
and checks that the policy notices each one, like test_policy.py.
"""

from __future__ import annotations

import copy

import pytest
import yaml

import proxy_pair_policy as pair
import secgroup_policy as sgp


def parse(text):
    return yaml.safe_load(text)


def violations(template, files):
    return pair.all_violations(template, files, parse)


@pytest.fixture(scope="module")
def model(cluster):
    return sgp.build_model(*cluster, parse)


# ------------------------------------------------------------ the real thing

@pytest.mark.parametrize("check", sorted(pair.CHECKS))
def test_real_templates_keep_the_promise(cluster, check):
    assert pair.CHECKS[check](*cluster, parse) == []


def test_vrrp_is_open_to_the_proxy_group_only(cluster, model):
    assert sgp.who_speaks_vrrp(model) == {("proxy", "group:proxy")}
    sources = {o.source for o in model.openings if o.port == sgp.VRRP}
    assert sgp.ANYWHERE not in sources
    assert not sources & {"group:bastion", "group:workers", "group:database"}
    # No TCP port query ever matches the VRRP opening.
    for port in (22, 80, 112, 8080, 8081, 9000):
        assert policy_sources(cluster[0], model, port) == policy_sources(cluster[0], model, port, vrrp=False)


def policy_sources(template, model, port, vrrp=True):
    openings = model.openings if vrrp else [o for o in model.openings if o.port != sgp.VRRP]
    return sgp.who_can_reach(template, sgp.Model(openings, [], model.port_values), "proxy", port)


def test_vrrp_rule_is_an_ipv4_ingress_rule_on_the_proxy_group_itself(cluster):
    rules = [(sg, where, rule) for sg, where, rule in sgp.security_rules(cluster[0])
             if rule.get("protocol") in sgp.VRRP_PROTOCOLS]
    assert len(rules) == 1, rules
    sg, where, rule = rules[0]
    assert sg == "proxy_security_group"
    assert rule["direction"] == "ingress" and rule["ethertype"] == "IPv4"
    # Heat makes a remote_group_id rule without remote_group_id point at the
    # group itself (OS::Neutron::SecurityGroup, property remote_group_id).
    assert rule["remote_mode"] == "remote_group_id" and "remote_group_id" not in rule
    assert "port_range_min" not in rule and "port_range_max" not in rule


def test_heat_turns_the_vrrp_rule_into_a_self_referencing_neutron_rule(heat, cluster, example_env):
    """What Heat would send to Neutron for the rule: remote_group_id = the proxy group's own ID."""
    template, files = cluster
    with heat.offline():
        stack = heat.build_stack(template, files, example_env)
        stack.validate(validate_res_tmpl_only=True)
        group = stack["proxy_security_group"]
        group.resource_id = "proxy-sg-id"
        rules = [group._format_rule(r) for r in group.properties["rules"]]
    vrrp = [r for r in rules if r["protocol"] == "vrrp"]
    assert vrrp == [{"direction": "ingress", "ethertype": "IPv4", "protocol": "vrrp", "port_range_min": None,
                     "port_range_max": None, "remote_ip_prefix": None, "remote_group_id": "proxy-sg-id",
                     "security_group_id": "proxy-sg-id"}]


def test_the_floating_ip_targets_only_the_vip_port(cluster):
    template, files = cluster
    assert pair.vip_ports(template, files, parse) == {"proxy_vip_port"}
    fips = {n: r["properties"]["port_id"] for n, r in template["resources"].items()
            if r["type"] in pair.FLOATING_IP_TYPES}
    assert fips == {"bastion_floating_ip": {"get_resource": "bastion_port"},
                    "proxy_floating_ip": {"get_resource": "proxy_vip_port"}}
    vip_port = template["resources"]["proxy_vip_port"]["properties"]
    assert vip_port["security_groups"] == [{"get_resource": "proxy_security_group"}]
    # No server is attached to the VIP port, and no member port has a floating IP.
    for s in pair.servers(template, files, parse):
        assert "proxy_vip_port" not in [p for p, _ in s["ports"]], s["where"]


def test_each_proxy_port_allows_exactly_the_vip(cluster):
    template, files = cluster
    vip = {"get_attr": ["proxy_vip_port", "fixed_ips", 0, "ip_address"]}
    assert pair.vip_reference(template, files, parse) == vip
    proxies = [s for s in pair.servers(template, files, parse) if s["role"] == "proxy"]
    assert [s["where"] for s in proxies] == ["proxies > proxy.yaml:server"]
    for s in proxies:
        assert [pprops["allowed_address_pairs"] for _, pprops in s["ports"]] == [[{"ip_address": vip}]]
        assert s["props"]["metadata"]["vip"] == vip


def test_server_groups_use_the_policy_parameter(cluster):
    template, files = cluster
    groups = {n: r["properties"]["policies"] for n, r in template["resources"].items()
              if r["type"] == pair.SERVER_GROUP}
    assert groups == {"proxy_server_group": [{"get_param": "server_group_policy"}],
                      "worker_server_group": [{"get_param": "server_group_policy"}]}
    hints = {s["role"]: s["props"]["scheduler_hints"] for s in pair.servers(template, files, parse)
             if s["role"] in ("proxy", "workers")}
    assert hints == {"proxy": {"group": {"get_resource": "proxy_server_group"}},
                     "workers": {"group": {"get_resource": "worker_server_group"}}}
    param = template["parameters"]["server_group_policy"]
    assert param["default"] == "soft-anti-affinity"
    assert param["constraints"][0]["allowed_values"] == ["anti-affinity", "soft-anti-affinity"]


@pytest.mark.parametrize("policy", ["anti-affinity", "soft-anti-affinity"])
def test_heat_gives_both_server_groups_the_chosen_policy(heat, cluster, policy):
    template, files = cluster
    env = {"parameters": {"key_name": "k", "admin_cidr": "192.0.2.0/24", "server_group_policy": policy}}
    with heat.offline():
        stack = heat.build_stack(template, files, env)
        stack.validate(validate_res_tmpl_only=True)
        assert stack["proxy_server_group"].properties["policies"] == [policy]
        assert stack["worker_server_group"].properties["policies"] == [policy]


@pytest.mark.parametrize("count,ok", [(0, False), (1, True), (2, True), (3, False)])
def test_proxy_count_allows_one_or_two(heat, cluster, count, ok):
    template, files = cluster
    env = {"parameters": {"key_name": "k", "admin_cidr": "192.0.2.0/24", "proxy_count": count}}
    if ok:
        heat.validate(template, files, env)
        return
    with pytest.raises(Exception) as err:
        heat.validate(template, files, env)
    assert "proxy_count" in str(err.value)


# ------------------------------------------------------------- breakages

def _proxy_rules(t):
    return t["resources"]["proxy_security_group"]["properties"]["rules"]


def _vrrp_rule(t):
    return next(r for r in _proxy_rules(t) if r.get("protocol") == "vrrp")


def _member(t, group):
    return t["resources"][group]["properties"]["resource_def"]["properties"]


def vrrp_from_anywhere(t, f):
    _vrrp_rule(t).update(remote_mode="remote_ip_prefix", remote_ip_prefix="0.0.0.0/0")


def vrrp_without_remote(t, f):
    _vrrp_rule(t).pop("remote_mode")  # Heat's default: remote_ip_prefix, i.e. anywhere


def vrrp_from_the_workers(t, f):
    _vrrp_rule(t)["remote_group_id"] = {"get_resource": "worker_security_group"}


def vrrp_from_the_bastion(t, f):
    _vrrp_rule(t)["remote_group_id"] = {"get_resource": "bastion_security_group"}


def vrrp_from_the_private_network(t, f):
    _vrrp_rule(t).update(remote_mode="remote_ip_prefix", remote_ip_prefix={"get_param": "private_network_cidr"})


def vrrp_as_any_protocol(t, f):
    _vrrp_rule(t).pop("protocol")


def vrrp_over_ipv6(t, f):
    _vrrp_rule(t)["ethertype"] = "IPv6"


def vrrp_by_number_on_the_database(t, f):
    rules = t["resources"]["database_security_group"]["properties"]["rules"]
    rules.append({"direction": "ingress", "ethertype": "IPv4", "protocol": 112, "remote_mode": "remote_group_id",
                  "remote_group_id": {"get_resource": "proxy_security_group"}})


def vrrp_on_the_workers_by_separate_rule(t, f):
    t["resources"]["worker_vrrp"] = {"type": "OS::Neutron::SecurityGroupRule", "properties": {
        "security_group": {"get_resource": "worker_security_group"}, "direction": "ingress", "protocol": "112",
        "remote_group": {"get_resource": "proxy_security_group"}}}


def vrrp_rule_removed(t, f):
    _proxy_rules(t).remove(_vrrp_rule(t))


def floating_ip_back_on_a_proxy_port(t, f):
    t["resources"]["proxy_floating_ip"]["properties"]["port_id"] = {"get_attr": ["proxies", "resource.0.port"]}


def floating_ip_on_every_proxy(t, f):
    f["proxy.yaml"] = f["proxy.yaml"].replace("resources:\n", (
        "resources:\n  floating_ip:\n    type: OS::Neutron::FloatingIP\n    properties:\n"
        "      floating_network: public\n      port_id: {get_resource: port}\n"), 1)


def second_floating_ip_on_the_vip(t, f):
    t["resources"]["proxy_floating_ip_2"] = copy.deepcopy(t["resources"]["proxy_floating_ip"])


def floating_ip_on_the_database(t, f):
    t["resources"]["proxy_floating_ip"]["properties"]["port_id"] = {"get_resource": "database_port"}


def floating_ip_association_on_a_worker(t, f):
    t["resources"]["sneaky"] = {"type": "OS::Neutron::FloatingIPAssociation", "properties": {
        "floatingip_id": {"get_resource": "proxy_floating_ip"}, "port_id": {"get_attr": ["workers", "port"]}}}


def vip_port_on_the_worker_group(t, f):
    t["resources"]["proxy_vip_port"]["properties"]["security_groups"] = [{"get_resource": "worker_security_group"}]


def vip_port_security_disabled(t, f):
    t["resources"]["proxy_vip_port"]["properties"]["port_security_enabled"] = False


def vip_port_attached_to_the_database(t, f):
    t["resources"]["database"]["properties"]["networks"].append({"port": {"get_resource": "proxy_vip_port"}})


def address_pair_widened_to_the_world(t, f):
    f["proxy.yaml"] = f["proxy.yaml"].replace("        - ip_address: {get_param: vip_address}\n",
                                              "        - ip_address: 0.0.0.0/0\n")


def address_pair_widened_to_the_subnet(t, f):
    _member(t, "proxies")["vip_address"] = {"get_attr": ["private_subnet", "cidr"]}


def address_pair_removed(t, f):
    f["proxy.yaml"] = f["proxy.yaml"].replace("      allowed_address_pairs:\n"
                                              "        - ip_address: {get_param: vip_address}\n", "")


def second_address_pair(t, f):
    f["proxy.yaml"] = f["proxy.yaml"].replace("        - ip_address: {get_param: vip_address}\n",
                                              "        - ip_address: {get_param: vip_address}\n"
                                              "        - ip_address: 10.20.0.200\n")


def address_pair_on_the_workers(t, f):
    f["worker.yaml"] = f["worker.yaml"].replace(
        "      security_groups:\n        - {get_param: security_group}\n",
        "      security_groups:\n        - {get_param: security_group}\n"
        "      allowed_address_pairs:\n        - ip_address: 10.20.0.40\n")


def address_pair_on_the_bastion(t, f):
    t["resources"]["bastion_port"]["properties"]["allowed_address_pairs"] = [
        {"ip_address": {"get_attr": ["proxy_vip_port", "fixed_ips", 0, "ip_address"]}}]


def metadata_vip_differs(t, f):
    f["proxy.yaml"] = f["proxy.yaml"].replace("          - vip: {get_param: vip_address}\n",
                                              "          - vip: 10.20.0.40\n")


def server_group_policy_hard_coded(t, f):
    t["resources"]["proxy_server_group"]["properties"]["policies"] = ["anti-affinity"]


def server_group_policy_allows_affinity(t, f):
    t["parameters"]["server_group_policy"]["constraints"][0]["allowed_values"].append("affinity")


def server_group_policy_defaults_to_hard(t, f):
    t["parameters"]["server_group_policy"]["default"] = "anti-affinity"


def proxies_without_a_server_group(t, f):
    f["proxy.yaml"] = f["proxy.yaml"].replace("      scheduler_hints:\n        group: {get_param: server_group}\n",
                                              "")


def workers_in_the_proxies_group(t, f):
    _member(t, "workers")["server_group"] = {"get_resource": "proxy_server_group"}


def workers_server_group_removed(t, f):
    del t["resources"]["worker_server_group"]
    del _member(t, "workers")["server_group"]


def proxy_count_allows_three(t, f):
    t["parameters"]["proxy_count"]["constraints"][0]["allowed_values"] = [1, 2, 3]


def proxy_count_as_a_range_from_zero(t, f):
    t["parameters"]["proxy_count"]["constraints"] = [{"range": {"min": 0, "max": 2}, "description": "0 to 2"}]


def proxy_count_ignored(t, f):
    t["resources"]["proxies"]["properties"]["count"] = 2


# Each breakage and the check that must notice it.
BREAKAGES = {
    vrrp_from_anywhere: "vrrp",
    vrrp_without_remote: "vrrp",
    vrrp_from_the_workers: "vrrp",
    vrrp_from_the_bastion: "vrrp",
    vrrp_from_the_private_network: "vrrp",
    vrrp_as_any_protocol: "vrrp",
    vrrp_over_ipv6: "vrrp",
    vrrp_by_number_on_the_database: "vrrp",
    vrrp_on_the_workers_by_separate_rule: "vrrp",
    vrrp_rule_removed: "vrrp",
    floating_ip_back_on_a_proxy_port: "floating_ip",
    floating_ip_on_every_proxy: "floating_ip",
    second_floating_ip_on_the_vip: "floating_ip",
    floating_ip_on_the_database: "floating_ip",
    floating_ip_association_on_a_worker: "floating_ip",
    vip_port_on_the_worker_group: "floating_ip",
    vip_port_security_disabled: "floating_ip",
    vip_port_attached_to_the_database: "floating_ip",
    address_pair_widened_to_the_world: "address_pairs",
    address_pair_widened_to_the_subnet: "address_pairs",
    address_pair_removed: "address_pairs",
    second_address_pair: "address_pairs",
    address_pair_on_the_workers: "address_pairs",
    address_pair_on_the_bastion: "address_pairs",
    metadata_vip_differs: "address_pairs",
    server_group_policy_hard_coded: "server_groups",
    server_group_policy_allows_affinity: "server_groups",
    server_group_policy_defaults_to_hard: "server_groups",
    proxies_without_a_server_group: "server_groups",
    workers_in_the_proxies_group: "server_groups",
    workers_server_group_removed: "server_groups",
    proxy_count_allows_three: "proxy_count",
    proxy_count_as_a_range_from_zero: "proxy_count",
    proxy_count_ignored: "proxy_count",
}


def _broken(cluster, edit):
    template, files = copy.deepcopy(cluster[0]), dict(cluster[1])
    original = (copy.deepcopy(template), dict(files))
    edit(template, files)
    assert (template, files) != original, f"{edit.__name__} changed nothing"
    return template, files


@pytest.mark.parametrize("edit", list(BREAKAGES), ids=lambda e: e.__name__)
def test_breakage_is_caught_by_its_check(cluster, edit):
    template, files = _broken(cluster, edit)
    found = violations(template, files)
    assert found[BREAKAGES[edit]], f"{edit.__name__} went unnoticed by {BREAKAGES[edit]}: {found}"


@pytest.mark.parametrize("edit", [vrrp_from_anywhere, vrrp_from_the_bastion, address_pair_widened_to_the_world,
                                  server_group_policy_hard_coded, floating_ip_on_the_database,
                                  workers_in_the_proxies_group], ids=lambda e: e.__name__)
def test_breakages_heat_accepts(heat, cluster, example_env, edit):
    """Heat validates these edits: only the policy stands in the way."""
    heat.validate(*_broken(cluster, edit), example_env)


def test_every_check_has_breakages():
    assert set(BREAKAGES.values()) == set(pair.CHECKS)
