"""The proxy pair's invariants, read from the templates as data.

The front door is a pair of proxies sharing a virtual IP (keepalived, VRRP).
For that to be safe and to work, the templates must keep five promises;
each function below checks one and returns the violations it finds (an
empty list when the promise holds):

* :func:`vrrp_violations`: VRRP (IP protocol 112) reaches the proxies only
  from members of the proxy security group itself, as an IPv4 ingress rule,
  and no other group lets it in.
* :func:`floating_ip_violations`: the proxies' public address is exactly
  one floating IP, on the VIP port (a port of the proxy security group that
  no server is attached to); no proxy server port, and no member template,
  has a floating IP.
* :func:`address_pair_violations`: every proxy port lists exactly the VIP
  as allowed address pair (no range, no other address), no other port lists
  any, and the proxies' metadata publishes the same VIP.
* :func:`server_group_violations`: one Nova server group for the proxies
  and one for the workers, both with the policy of the
  ``server_group_policy`` parameter (anti-affinity or soft-anti-affinity,
  soft by default), and every proxy and worker server asks for its group.
* :func:`proxy_count_violations`: the ``proxy_count`` parameter allows
  exactly 1 or 2 (default 2) and sizes the proxies' ResourceGroup.

Like secgroup_policy.py, member templates are read with the ``get_param``
values the ResourceGroup passes them, so a reference that goes through a
nested template is followed to the resource it names.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import secgroup_policy as sgp

SERVER = "OS::Nova::Server"
PORT = "OS::Neutron::Port"
FLOATING_IP_TYPES = ("OS::Neutron::FloatingIP", "OS::Neutron::FloatingIPAssociation")
SERVER_GROUP = "OS::Nova::ServerGroup"
RESOURCE_GROUP = "OS::Heat::ResourceGroup"
PROXY_SG = "proxy_security_group"
POLICY_PARAM = "server_group_policy"
POLICIES = ["anti-affinity", "soft-anti-affinity"]

Parse = Callable[[str], dict]


def _ref(value: Any, key: str) -> str | None:
    if isinstance(value, dict) and set(value) == {key} and isinstance(value[key], str):
        return value[key]
    return None


def _resolve(node: Any, params: dict) -> Any:
    """``node`` with get_param replaced by ``params`` and map_merge applied."""
    name = _ref(node, "get_param")
    if name is not None:
        return copy.deepcopy(params.get(name))
    if isinstance(node, dict):
        if set(node) == {"map_merge"} and isinstance(node["map_merge"], list):
            merged: dict = {}
            for part in node["map_merge"]:
                part = _resolve(part, params)
                if isinstance(part, dict):
                    merged.update(part)
            return merged
        return {k: _resolve(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, params) for v in node]
    return node


def servers(template: dict, files: dict, parse: Parse) -> Iterator[dict]:
    """Every server, top-level or ResourceGroup member, with what it is attached to.

    Yields {"where", "role", "props", "ports": [(port name, port props)], "group"}
    where ``props`` and the ports are resolved (member get_param substituted)
    and ``group`` is the top-level ResourceGroup name or None.
    """
    resources = template.get("resources") or {}
    for name, res in resources.items():
        res = res or {}
        props = res.get("properties") or {}
        if res.get("type") == SERVER:
            yield {"where": name, "role": (props.get("metadata") or {}).get("group"), "props": props,
                   "ports": _ports(props, resources, None), "group": None}
        elif res.get("type") == RESOURCE_GROUP:
            member = props.get("resource_def") or {}
            member_props = member.get("properties") or {}
            nested = parse(files[member["type"]]) if member.get("type") in files else {}
            nested_resources = (nested or {}).get("resources") or {}
            for sname, sres in nested_resources.items():
                if (sres or {}).get("type") != SERVER:
                    continue
                sprops = _resolve(sres.get("properties") or {}, member_props)
                yield {"where": f"{name} > {member.get('type')}:{sname}",
                       "role": (sprops.get("metadata") or {}).get("group"), "props": sprops,
                       "ports": _ports(sprops, nested_resources, member_props), "group": name}


def _ports(server_props: dict, resources: dict, params: dict | None) -> list[tuple[str, dict]]:
    """(name, properties) of the ports a server is attached to; member ports resolved with ``params``."""
    found = []
    for net in server_props.get("networks") or []:
        # A member server's "port: {get_resource: port}" survives _resolve.
        pname = _ref((net or {}).get("port"), "get_resource")
        res = resources.get(pname) if pname else None
        if res and res.get("type") == PORT:
            props = res.get("properties") or {}
            found.append((pname, props if params is None else _resolve(props, params)))
    return found


def nested_templates(files: dict, parse: Parse) -> Iterator[tuple[str, dict]]:
    for key, text in sorted(files.items()):
        if key.endswith((".yaml", ".yml")):
            yield key, parse(text) or {}


# ------------------------------------------------------------------ VRRP

def vrrp_violations(template: dict, files: dict, parse: Parse) -> list[str]:
    model = sgp.build_model(template, files, parse)
    problems = list(model.violations)
    speakers = sgp.who_speaks_vrrp(model)
    if speakers != {("proxy", "group:proxy")}:
        problems.append(f"VRRP must reach the proxies from the proxy group only; it is open to {sorted(speakers)}")
    for sg_name, where, rule in sgp.security_rules(template):
        if rule.get("protocol") not in sgp.VRRP_PROTOCOLS:
            continue
        if rule.get("direction", "ingress") != "ingress":
            problems.append(f"{where}: VRRP rule is not ingress")
        if rule.get("ethertype", "IPv4") != "IPv4":
            problems.append(f"{where}: VRRP rule must be IPv4 (keepalived's VRRP v2), not {rule.get('ethertype')}")
        if sg_name != PROXY_SG:
            problems.append(f"{where}: VRRP rule on {sg_name}; only the proxy group may allow it")
        peer = rule.get("remote_group_id")
        from_itself = peer is None or _ref(peer, "get_resource") == PROXY_SG
        if rule.get("remote_mode") != "remote_group_id" or not from_itself:
            problems.append(f"{where}: VRRP must come from the proxy security group itself, not {peer!r}"
                            f"/{rule.get('remote_ip_prefix')!r}")
    return problems


# ----------------------------------------------------------- floating IPs

def vip_ports(template: dict, files: dict, parse: Parse) -> set[str]:
    """Top-level ports of the proxy group that no server is attached to."""
    attached = {pname for s in servers(template, files, parse) if s["group"] is None for pname, _ in s["ports"]}
    found = set()
    for name, res in (template.get("resources") or {}).items():
        if (res or {}).get("type") != PORT or name in attached:
            continue
        groups = (res.get("properties") or {}).get("security_groups") or []
        if [_ref(g, "get_resource") for g in groups] == [PROXY_SG]:
            found.add(name)
    return found


def floating_ip_violations(template: dict, files: dict, parse: Parse) -> list[str]:
    problems = []
    resources = template.get("resources") or {}
    top_servers = [s for s in servers(template, files, parse) if s["group"] is None]
    port_role = {pname: s["role"] for s in top_servers for pname, _ in s["ports"]}
    vips = vip_ports(template, files, parse)
    on_vip, on_bastion = [], []
    for name, res in resources.items():
        if (res or {}).get("type") not in FLOATING_IP_TYPES:
            continue
        props = res.get("properties") or {}
        target = _ref(props.get("port_id"), "get_resource")
        if target in vips:
            on_vip.append((name, target))
        elif target is not None and port_role.get(target) == "bastion":
            on_bastion.append(name)
        elif target is not None and target in port_role:
            problems.append(f"{name}: floating IP on the {port_role[target]} server's port {target}")
        else:
            problems.append(f"{name}: floating IP target {props.get('port_id')!r} is neither the bastion's port "
                            f"nor the VIP port {sorted(vips)}")
    if len(on_vip) != 1:
        problems.append(f"the proxies need exactly one floating IP, on the VIP port; found {on_vip}")
    for _fip, target in on_vip:
        vprops = resources[target].get("properties") or {}
        if vprops.get("port_security_enabled") is False:
            problems.append(f"{target}: the VIP port has port security disabled")
        if _ref(vprops.get("network"), "get_resource") != "private_network":
            problems.append(f"{target}: the VIP port is not on the private network")
        if [_ref((ip or {}).get("subnet"), "get_resource") for ip in vprops.get("fixed_ips") or []] != [
                "private_subnet"]:
            problems.append(f"{target}: the VIP port needs one fixed IP on the private subnet")
    if len(on_bastion) > 1:
        problems.append(f"the bastion has {len(on_bastion)} floating IPs")
    for key, nested in nested_templates(files, parse):
        for name, res in (nested.get("resources") or {}).items():
            if (res or {}).get("type") in FLOATING_IP_TYPES:
                problems.append(f"{key}: {name} gives every member port its own floating IP")
    return problems


# --------------------------------------------------- allowed address pairs

def vip_reference(template: dict, files: dict, parse: Parse) -> dict | None:
    """{get_attr: [VIP port, fixed_ips, 0, ip_address]} of the single VIP port targeted by a floating IP."""
    vips = vip_ports(template, files, parse)
    targets = {_ref((r.get("properties") or {}).get("port_id"), "get_resource")
               for r in (template.get("resources") or {}).values()
               if (r or {}).get("type") in FLOATING_IP_TYPES} & vips
    if len(targets) != 1:
        return None
    return {"get_attr": [targets.pop(), "fixed_ips", 0, "ip_address"]}


def address_pair_violations(template: dict, files: dict, parse: Parse) -> list[str]:
    vip = vip_reference(template, files, parse)
    if vip is None:
        return ["no single VIP port carries the proxies' floating IP"]
    problems = []
    expected = [{"ip_address": vip}]
    proxies = 0
    for s in servers(template, files, parse):
        for pname, pprops in s["ports"]:
            pairs = pprops.get("allowed_address_pairs")
            if s["role"] == "proxy":
                if pairs != expected:
                    problems.append(f"{s['where']}: port resource {pname} must list exactly the VIP {expected}, "
                                    f"has {pairs!r}")
            elif pairs:
                problems.append(f"{s['where']}: {s['role']} port {pname} lists allowed address pairs {pairs!r}")
        if s["role"] == "proxy":
            proxies += 1
            if s["group"] is None:
                problems.append(f"{s['where']}: a proxy outside the proxies' ResourceGroup")
            meta_vip = (s["props"].get("metadata") or {}).get("vip")
            if meta_vip != vip:
                problems.append(f"{s['where']}: metadata vip is {meta_vip!r}, not the VIP port's address")
    if proxies != 1:
        problems.append(f"expected the proxies as one ResourceGroup member definition, found {proxies} proxy servers")
    used = {pname for s in servers(template, files, parse) for pname, _ in s["ports"]}
    for name, res in (template.get("resources") or {}).items():
        if (res or {}).get("type") == PORT and name not in used and (res.get("properties") or {}).get(
                "allowed_address_pairs"):
            problems.append(f"{name}: a port without a server lists allowed address pairs")
    return problems


# ------------------------------------------------------------ server groups

def server_group_violations(template: dict, files: dict, parse: Parse) -> list[str]:
    problems = []
    param = (template.get("parameters") or {}).get(POLICY_PARAM) or {}
    allowed = [c.get("allowed_values") for c in param.get("constraints") or [] if "allowed_values" in c]
    if param.get("type") != "string" or param.get("default") != "soft-anti-affinity" or allowed != [POLICIES]:
        problems.append(f"{POLICY_PARAM}: must be a string allowing exactly {POLICIES}, default soft-anti-affinity; "
                        f"is type {param.get('type')!r}, allowed {allowed}, default {param.get('default')!r}")
    groups = {n: r for n, r in (template.get("resources") or {}).items() if (r or {}).get("type") == SERVER_GROUP}
    for name, res in groups.items():
        policies = (res.get("properties") or {}).get("policies")
        if policies != [{"get_param": POLICY_PARAM}]:
            problems.append(f"{name}: policies must be [{{get_param: {POLICY_PARAM}}}], is {policies!r}")
    used: dict[str, set[str]] = {}
    for s in servers(template, files, parse):
        if s["role"] not in ("proxy", "workers"):
            continue
        hints = s["props"].get("scheduler_hints")
        group = _ref((hints or {}).get("group") if isinstance(hints, dict) else None, "get_resource")
        if group not in groups:
            problems.append(f"{s['where']}: {s['role']} server without its server group hint (scheduler_hints "
                            f"{hints!r})")
            continue
        used.setdefault(group, set()).add(s["role"])
    for group, roles in used.items():
        if len(roles) != 1:
            problems.append(f"{group}: shared by {sorted(roles)}; proxies and workers each need their own")
    if sorted(r for roles in used.values() for r in roles) != ["proxy", "workers"]:
        problems.append(f"proxies and workers must each use one server group; found {used}")
    if set(groups) - set(used):
        problems.append(f"server groups no server uses: {sorted(set(groups) - set(used))}")
    return problems


# -------------------------------------------------------------- proxy_count

def proxy_count_violations(template: dict, files: dict, parse: Parse) -> list[str]:
    problems = []
    param = (template.get("parameters") or {}).get("proxy_count") or {}
    allowed = [c.get("allowed_values") for c in param.get("constraints") or [] if "allowed_values" in c]
    ranges = [c for c in param.get("constraints") or [] if "range" in c]
    if param.get("type") != "number" or param.get("default") != 2 or allowed != [[1, 2]] or ranges:
        problems.append(f"proxy_count: must be a number allowing exactly [1, 2], default 2; is type "
                        f"{param.get('type')!r}, allowed {allowed}, ranges {ranges}, default {param.get('default')!r}")
    resources = template.get("resources") or {}
    counts = {s["group"]: (resources[s["group"]].get("properties") or {}).get("count")
              for s in servers(template, files, parse) if s["role"] == "proxy" and s["group"]}
    if list(counts.values()) != [{"get_param": "proxy_count"}]:
        problems.append(f"the proxies' ResourceGroup count must be {{get_param: proxy_count}}: {counts}")
    return problems


CHECKS = {
    "vrrp": vrrp_violations,
    "floating_ip": floating_ip_violations,
    "address_pairs": address_pair_violations,
    "server_groups": server_group_violations,
    "proxy_count": proxy_count_violations,
}


def all_violations(template: dict, files: dict, parse: Parse) -> dict[str, list[str]]:
    """{check name: violations} for every check (empty lists when all hold)."""
    return {name: check(template, files, parse) for name, check in CHECKS.items()}
