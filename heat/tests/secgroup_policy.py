"""Who can reach which port: the security-group model read from the templates.

The templates are read as data (no Heat engine needed), so the policy test
sees exactly what a reviewer sees. For every server the module finds its
role (server metadata ``group``), its ports and their security groups, and
turns each ingress rule into an :class:`Opening`: role, port spec, source.

Anything the model does not understand is reported as a violation rather
than ignored: a rule without protocol or port range, a port with port
security disabled, a server attached to a network instead of an explicit
port (it would get the project's "default" group), a group shared by two
roles, and so on. A later edit therefore cannot open a port silently: it
either shows up as an unexpected opening or as a violation.

Rules are read from the groups' inline ``rules`` and from separate
``OS::Neutron::SecurityGroupRule`` resources alike. Besides TCP ports the
model knows one portless protocol, VRRP (IP protocol 112, the proxies'
keepalived): such a rule becomes an opening on the pseudo-port
``proto:vrrp``, which no TCP port query ever matches.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ALL_PORTS = (1, 65535)
ANYWHERE = "anywhere"
# Neutron accepts VRRP by name or by number (as an int or a string).
VRRP_PROTOCOLS = ("vrrp", 112, "112")
VRRP = "proto:vrrp"
SECURITY_GROUP = "OS::Neutron::SecurityGroup"
SECURITY_GROUP_RULE = "OS::Neutron::SecurityGroupRule"


@dataclass(frozen=True)
class Opening:
    """One ingress rule as it applies to one role."""

    role: str  # server metadata "group" of the servers the rule protects
    port: str  # "22", "param:worker_port", "range:LO-HI" or "proto:vrrp"
    source: str  # "anywhere", "cidr:X", "param:admin_cidr" or "group:<role>"
    rule: str  # where it comes from, for messages


@dataclass
class Model:
    openings: list[Opening]
    violations: list[str]
    port_values: dict[str, list[tuple[int, int]]]  # port spec -> possible values


def _param_defaults(template: dict) -> dict[str, Any]:
    return {k: (v or {}).get("default") for k, v in (template.get("parameters") or {}).items()}


def possible_values(template: dict, spec: Any) -> list[tuple[int, int]]:
    """Port intervals a rule field may take, over every allowed parameter value."""
    if spec is None:
        return [ALL_PORTS]
    if isinstance(spec, int):
        return [(spec, spec)]
    if isinstance(spec, str) and spec.isdigit():
        return [(int(spec), int(spec))]
    if isinstance(spec, dict) and set(spec) == {"get_param"} and isinstance(spec["get_param"], str):
        param = (template.get("parameters") or {}).get(spec["get_param"]) or {}
        for constraint in param.get("constraints") or []:
            if "allowed_values" in constraint:
                return [(int(v), int(v)) for v in constraint["allowed_values"]]
            if "range" in constraint:
                rng = constraint["range"]
                return [(int(rng.get("min", ALL_PORTS[0])), int(rng.get("max", ALL_PORTS[1])))]
        # No constraint: the user can pass any port at all.
        return [ALL_PORTS]
    return [ALL_PORTS]


def _port_label(lo: Any, hi: Any) -> str:
    """Label of a single-port rule: "22" or "param:NAME"."""
    if isinstance(lo, dict) and set(lo) == {"get_param"}:
        return f"param:{lo['get_param']}"
    return str(lo)


def _ref(value: Any, key: str) -> str | None:
    if isinstance(value, dict) and set(value) == {key} and isinstance(value[key], str):
        return value[key]
    return None


def _member_ports(member_template: dict, member_props: dict) -> list[dict]:
    """Ports of a nested (ResourceGroup member) template, get_param resolved."""

    def resolve(node: Any) -> Any:
        name = _ref(node, "get_param")
        if name is not None:
            return copy.deepcopy(member_props.get(name))
        if isinstance(node, dict):
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resources = member_template.get("resources") or {}
    servers = [r for r in resources.values() if (r or {}).get("type") == "OS::Nova::Server"]
    ports = {n: resolve(r) for n, r in resources.items() if (r or {}).get("type") == "OS::Neutron::Port"}
    result = []
    for server in servers:
        for net in (server.get("properties") or {}).get("networks") or []:
            port_name = _ref((net or {}).get("port"), "get_resource")
            result.append(ports.get(port_name) if port_name else {"__not_a_port__": net})
    return result


def _servers(template: dict, files: dict, parse) -> Iterable[tuple[str, str, list[dict]]]:
    """Yield (resource name, role, [port definitions]) for every server."""
    resources = template.get("resources") or {}
    for name, res in resources.items():
        res = res or {}
        props = res.get("properties") or {}
        if res.get("type") == "OS::Nova::Server":
            role = (props.get("metadata") or {}).get("group", f"<no group on {name}>")
            ports = []
            for net in props.get("networks") or []:
                port_name = _ref((net or {}).get("port"), "get_resource")
                ports.append(resources.get(port_name) if port_name else {"__not_a_port__": net})
            yield name, role, ports
        elif res.get("type") == "OS::Heat::ResourceGroup":
            member = props.get("resource_def") or {}
            member_props = member.get("properties") or {}
            role = (member_props.get("metadata") or {}).get("group", f"<no group on {name}>")
            member_type = member.get("type", "")
            if member_type not in files:
                yield name, role, [{"__not_a_port__": f"unknown member type {member_type}"}]
                continue
            yield name, role, _member_ports(parse(files[member_type]), member_props)


def security_rules(template: dict) -> Iterable[tuple[str | None, str, dict]]:
    """Yield (group resource name, where, rule as an inline rule) for every rule.

    A separate ``OS::Neutron::SecurityGroupRule`` is translated to the inline
    shape (its ``remote_group`` becomes ``remote_group_id``); the group name
    is None when the rule does not point at a group of this template.
    """
    resources = template.get("resources") or {}
    for name, res in resources.items():
        res = res or {}
        props = res.get("properties") or {}
        if res.get("type") == SECURITY_GROUP:
            for i, rule in enumerate(props.get("rules") or []):
                yield name, f"{name}.rules[{i}]", rule or {}
        elif res.get("type") == SECURITY_GROUP_RULE:
            group = _ref(props.get("security_group"), "get_resource")
            if group is not None and (resources.get(group) or {}).get("type") != SECURITY_GROUP:
                group = None
            rule = {k: v for k, v in props.items() if k not in ("security_group", "remote_group")}
            if props.get("remote_group") is not None:
                rule.update(remote_mode="remote_group_id", remote_group_id=props["remote_group"])
            else:
                rule["remote_mode"] = "remote_ip_prefix"
            yield group, name, rule


def build_model(template: dict, files: dict, parse) -> Model:
    """Read every server, port, security group and rule of ``template``."""
    resources = template.get("resources") or {}
    violations: list[str] = []
    sg_roles: dict[str, set[str]] = {}
    role_sgs: dict[str, set[str]] = {}

    for server, role, ports in _servers(template, files, parse):
        if not ports:
            violations.append(f"{server}: no network port (would get the default security group)")
        for port in ports:
            if port is None or "__not_a_port__" in port:
                violations.append(f"{server}: attached without an explicit OS::Neutron::Port "
                                  f"(it would get the project's default security group)")
                continue
            if port.get("type") != "OS::Neutron::Port":
                violations.append(f"{server}: network entry is not an OS::Neutron::Port of this template")
                continue
            pprops = port.get("properties") or {}
            if pprops.get("port_security_enabled") is False:
                violations.append(f"{server}: port security disabled (every port open)")
            groups = pprops.get("security_groups")
            if not groups:
                violations.append(f"{server}: port has no security_groups (default group applies)")
                continue
            for sg in groups:
                sg_name = _ref(sg, "get_resource")
                if sg_name is None or (resources.get(sg_name) or {}).get("type") != "OS::Neutron::SecurityGroup":
                    violations.append(f"{server}: security group {sg!r} is not a group of this template")
                    continue
                sg_roles.setdefault(sg_name, set()).add(role)
                role_sgs.setdefault(role, set()).add(sg_name)

    for sg_name, roles in sg_roles.items():
        if len(roles) > 1:
            violations.append(f"{sg_name}: shared by roles {sorted(roles)}; use one group per role")

    # Security groups and rules belong in the top-level template, where this
    # model reads them; one inside a member template would go unseen.
    for member_type, text in sorted(files.items()):
        nested = parse(text) if member_type.endswith((".yaml", ".yml")) else {}
        for name, res in ((nested or {}).get("resources") or {}).items():
            if (res or {}).get("type") in (SECURITY_GROUP, SECURITY_GROUP_RULE):
                violations.append(f"{member_type}: {name} is a security group or rule inside a member template")

    openings: list[Opening] = []
    port_values: dict[str, list[tuple[int, int]]] = {VRRP: []}
    with_rules = set()
    for sg_name, where, rule in security_rules(template):
        if sg_name is None:
            violations.append(f"{where}: belongs to no security group of this template")
            continue
        with_rules.add(sg_name)
        targets = sorted(sg_roles.get(sg_name, set()))
        if rule.get("direction", "ingress") != "ingress":
            continue
        protocol = rule.get("protocol")
        lo, hi = rule.get("port_range_min"), rule.get("port_range_max")
        if protocol in VRRP_PROTOCOLS:
            # VRRP has no ports; a port range on it means a mistake.
            if lo is not None or hi is not None:
                violations.append(f"{where}: a port range on a VRRP rule")
            label = VRRP
        else:
            if protocol != "tcp":
                violations.append(f"{where}: protocol {protocol!r}; only explicit tcp (and vrrp) rules "
                                  f"are expected")
            if lo is None or hi is None:
                violations.append(f"{where}: no port range (opens every port)")
            elif lo != hi:
                violations.append(f"{where}: a port range ({lo}-{hi}); open single ports only")
            if lo == hi and lo is not None:
                label, values = _port_label(lo, hi), possible_values(template, lo)
            else:
                # Widest interval the two ends can span.
                low = min(v[0] for v in possible_values(template, lo))
                high = max(v[1] for v in possible_values(template, hi))
                label, values = f"range:{low}-{high}", [(low, high)]
            port_values[label] = values

        mode = rule.get("remote_mode", "remote_ip_prefix")
        if mode == "remote_group_id":
            peer = rule.get("remote_group_id")
            peer_name = sg_name if peer is None else _ref(peer, "get_resource")
            if peer_name is None:
                violations.append(f"{where}: remote group {peer!r} is not a group of this template")
                source = f"group:?{peer!r}"
            else:
                peer_roles = sorted(sg_roles.get(peer_name, set()))
                if len(peer_roles) != 1:
                    violations.append(f"{where}: remote group {peer_name} has roles {peer_roles}")
                source = "group:" + ",".join(peer_roles)
        else:
            prefix = rule.get("remote_ip_prefix")
            param = _ref(prefix, "get_param")
            if prefix is None or prefix in ("0.0.0.0/0", "::/0"):
                source = ANYWHERE
            elif param is not None:
                source = f"param:{param}"
            else:
                source = f"cidr:{prefix}"
        for role in targets:
            openings.append(Opening(role, label, source, where))
    for sg_name in sorted(with_rules):
        if not sg_roles.get(sg_name):
            violations.append(f"{sg_name}: has rules but protects no server")
    return Model(openings, violations, port_values)


def concrete_port(template: dict, label: str) -> list[tuple[int, int]]:
    """The port(s) a label means with the parameters' default values."""
    if label == VRRP:
        return []  # a protocol without ports: no TCP port is ever this
    if label.startswith("param:"):
        value = _param_defaults(template).get(label[len("param:"):])
        return [(int(value), int(value))] if value is not None else [ALL_PORTS]
    if label.startswith("range:"):
        lo, hi = label[len("range:"):].split("-")
        return [(int(lo), int(hi))]
    return [(int(label), int(label))]


def who_can_reach(template: dict, model: Model, role: str, port: int) -> set[str]:
    """Sources that reach ``port`` on ``role`` with default parameter values."""
    return {
        o.source
        for o in model.openings
        if o.role == role and any(lo <= port <= hi for lo, hi in concrete_port(template, o.port))
    }


def who_speaks_vrrp(model: Model) -> set[tuple[str, str]]:
    """(role, source) of every VRRP opening."""
    return {(o.role, o.source) for o in model.openings if o.port == VRRP}


def could_ever_open(model: Model, role: str, values: list[tuple[int, int]]) -> list[Opening]:
    """Openings on ``role`` that cover any of ``values`` for *some* parameters."""
    hits = []
    for o in model.openings:
        if o.role != role:
            continue
        for lo, hi in model.port_values.get(o.port, [ALL_PORTS]):
            if any(lo <= v_hi and v_lo <= hi for v_lo, v_hi in values):
                hits.append(o)
                break
    return hits
