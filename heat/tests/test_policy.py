"""Acceptance 3: who can reach 22, the app ports, 5432, the admin port and VRRP.

The model is read from the templates (secgroup_policy.py). The full list of
openings must equal EXPECTED exactly, so adding a rule, widening a source or
moving a group onto another server fails here, and the matrix tests spell
the rules out with the default port numbers. The last tests inject unsafe
edits into copies and check the policy catches each one.
"""

from __future__ import annotations

import copy

import pytest
import yaml

import secgroup_policy as policy

ROLES = ("bastion", "proxy", "workers", "database")

# (role, port, source) - the complete list of what is open.
EXPECTED = {
    ("bastion", "22", "param:admin_cidr"),
    ("proxy", "22", "group:bastion"),
    ("workers", "22", "group:bastion"),
    ("database", "22", "group:bastion"),
    ("proxy", "param:proxy_http_port", policy.ANYWHERE),
    ("proxy", policy.VRRP, "group:proxy"),   # keepalived between the proxies only
    ("workers", "param:worker_port", "group:proxy"),
    ("database", "5432", "group:workers"),
}

# With the default parameters: who reaches PORT on ROLE. Absent = nobody.
MATRIX = {
    22: {"bastion": {"param:admin_cidr"}, "proxy": {"group:bastion"},
         "workers": {"group:bastion"}, "database": {"group:bastion"}},
    8080: {"proxy": {policy.ANYWHERE}},       # proxy_http_port
    8081: {"workers": {"group:proxy"}},       # worker_port
    5432: {"database": {"group:workers"}},
    9000: {},                                 # proxy_admin_port: nobody, anywhere
    80: {},
    443: {},
}


def model_of(heat, template, files):
    return policy.build_model(template, files, lambda text: yaml.safe_load(text))


@pytest.fixture(scope="module")
def model(heat, cluster):
    return model_of(heat, *cluster)


def test_policy_model_has_no_violations(model):
    assert model.violations == []


def test_openings_are_exactly_the_expected_ones(model):
    found = {(o.role, o.port, o.source) for o in model.openings}
    assert found == EXPECTED, (
        f"unexpected: {sorted(found - EXPECTED)}; missing: {sorted(EXPECTED - found)}")


@pytest.mark.parametrize("port", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_who_can_reach(cluster, model, role, port):
    assert policy.who_can_reach(cluster[0], model, role, port) == MATRIX[port].get(role, set())


def test_admin_port_can_never_be_opened_on_the_proxy(cluster, model):
    template = cluster[0]
    admin = policy.possible_values(template, {"get_param": "proxy_admin_port"})
    assert admin == [(9000, 9999)]
    assert policy.could_ever_open(model, "proxy", admin) == [], (
        "some allowed value of the public ports overlaps the admin port range")
    # ... and the public port can only ever be 80 or 8080.
    assert policy.possible_values(template, {"get_param": "proxy_http_port"}) == [(80, 80), (8080, 8080)]


def test_only_the_proxy_port_is_open_to_the_world(model):
    world = {(o.role, o.port) for o in model.openings if o.source == policy.ANYWHERE}
    assert world == {("proxy", "param:proxy_http_port")}


def test_every_security_group_protects_exactly_one_role(model):
    per_group = {}
    for o in model.openings:
        per_group.setdefault(o.rule.split(".")[0], set()).add(o.role)
    assert per_group == {
        "bastion_security_group": {"bastion"},
        "proxy_security_group": {"proxy"},
        "worker_security_group": {"workers"},
        "database_security_group": {"database"},
    }


# ------------------------------------------------------------- mutations

def open_postgres_to_world(t, f):
    t["resources"]["database_security_group"]["properties"]["rules"][0].update(
        remote_mode="remote_ip_prefix", remote_ip_prefix="0.0.0.0/0")
    t["resources"]["database_security_group"]["properties"]["rules"][0].pop("remote_group_id")


def open_admin_port_on_proxy(t, f):
    rules = t["resources"]["proxy_security_group"]["properties"]["rules"]
    rules.append(dict(copy.deepcopy(rules[0]), port_range_min=9000, port_range_max=9000))


def ssh_to_workers_from_anywhere(t, f):
    rule = t["resources"]["worker_security_group"]["properties"]["rules"][1]
    rule.pop("remote_group_id")
    rule["remote_mode"] = "remote_ip_prefix"


def rule_without_port_range(t, f):
    rule = t["resources"]["worker_security_group"]["properties"]["rules"][0]
    rule.pop("port_range_min")
    rule.pop("port_range_max")


def rule_without_protocol(t, f):
    t["resources"]["database_security_group"]["properties"]["rules"][0].pop("protocol")


def port_range_instead_of_port(t, f):
    t["resources"]["proxy_security_group"]["properties"]["rules"][0]["port_range_max"] = 9100


def admin_port_range_overlaps_public_port(t, f):
    t["parameters"]["proxy_admin_port"]["constraints"][0]["range"] = {"min": 1024, "max": 65535}


def database_on_the_proxy_group(t, f):
    t["resources"]["database_port"]["properties"]["security_groups"] = [{"get_resource": "proxy_security_group"}]


def worker_member_on_the_proxy_group(t, f):
    t["resources"]["workers"]["properties"]["resource_def"]["properties"]["security_group"] = {
        "get_resource": "proxy_security_group"}


def server_without_explicit_port(t, f):
    t["resources"]["database"]["properties"]["networks"] = [{"network": {"get_resource": "private_network"}}]


def proxy_member_on_the_worker_group(t, f):
    t["resources"]["proxies"]["properties"]["resource_def"]["properties"]["security_group"] = {
        "get_resource": "worker_security_group"}


def ssh_to_database_as_a_separate_rule(t, f):
    t["resources"]["db_ssh_rule"] = {"type": "OS::Neutron::SecurityGroupRule", "properties": {
        "security_group": {"get_resource": "database_security_group"}, "direction": "ingress",
        "protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"}}


def security_group_inside_a_member_template(t, f):
    f["worker.yaml"] = f["worker.yaml"].replace("resources:\n", (
        "resources:\n  open_group:\n    type: OS::Neutron::SecurityGroup\n    properties:\n      rules:\n"
        "        - {protocol: tcp, port_range_min: 8081, port_range_max: 8081, remote_ip_prefix: 0.0.0.0/0}\n"), 1)


def port_security_disabled(t, f):
    t["resources"]["database_port"]["properties"]["port_security_enabled"] = False


def nested_port_loses_its_group(t, f):
    f["worker.yaml"] = f["worker.yaml"].replace(
        "      security_groups:\n        - {get_param: security_group}\n", "")


def postgres_from_proxy_too(t, f):
    rules = t["resources"]["database_security_group"]["properties"]["rules"]
    rules.append(dict(copy.deepcopy(rules[0]), remote_group_id={"get_resource": "proxy_security_group"}))


def http_port_param_unconstrained(t, f):
    t["parameters"]["proxy_http_port"]["constraints"] = []


UNSAFE_EDITS = [
    open_postgres_to_world,
    open_admin_port_on_proxy,
    ssh_to_workers_from_anywhere,
    rule_without_port_range,
    rule_without_protocol,
    port_range_instead_of_port,
    admin_port_range_overlaps_public_port,
    database_on_the_proxy_group,
    worker_member_on_the_proxy_group,
    server_without_explicit_port,
    port_security_disabled,
    nested_port_loses_its_group,
    postgres_from_proxy_too,
    http_port_param_unconstrained,
    proxy_member_on_the_worker_group,
    ssh_to_database_as_a_separate_rule,
    security_group_inside_a_member_template,
]


def policy_holds(heat, template, files):
    """Every check above as one predicate: (ok, reasons)."""
    m = model_of(heat, template, files)
    reasons = list(m.violations)
    found = {(o.role, o.port, o.source) for o in m.openings}
    if found != EXPECTED:
        reasons.append(f"openings differ: +{sorted(found - EXPECTED)} -{sorted(EXPECTED - found)}")
    admin = policy.possible_values(template, {"get_param": "proxy_admin_port"})
    if policy.could_ever_open(m, "proxy", admin):
        reasons.append("the admin port could be opened on the proxy")
    for port, row in MATRIX.items():
        for role in ROLES:
            if policy.who_can_reach(template, m, role, port) != row.get(role, set()):
                reasons.append(f"{role}:{port} reachable by {policy.who_can_reach(template, m, role, port)}")
    return not reasons, reasons


def test_real_templates_satisfy_the_policy(heat, cluster):
    ok, reasons = policy_holds(heat, *cluster)
    assert ok, reasons


@pytest.mark.parametrize("edit", UNSAFE_EDITS, ids=lambda e: e.__name__)
def test_unsafe_edit_is_caught(heat, cluster, edit):
    template, files = copy.deepcopy(cluster[0]), dict(cluster[1])
    edit(template, files)
    ok, reasons = policy_holds(heat, template, files)
    assert not ok, f"{edit.__name__} went unnoticed"
    assert reasons


@pytest.mark.parametrize("edit", [open_postgres_to_world, open_admin_port_on_proxy, rule_without_port_range],
                         ids=lambda e: e.__name__)
def test_unsafe_edits_are_still_valid_heat(heat, cluster, example_env, edit):
    """Heat accepts these edits: only the policy test stands in the way."""
    template, files = copy.deepcopy(cluster[0]), dict(cluster[1])
    edit(template, files)
    heat.validate(template, files, example_env)
