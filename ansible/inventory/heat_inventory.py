#!/usr/bin/env python3
"""Turn the outputs of the Morse Heat stack into an Ansible inventory.

Input is what the OpenStack client prints for

    openstack stack output show STACK --all -f json

(a file path, or standard input when the path is "-" or omitted). Output is
a static inventory, YAML by default or INI with --format ini, with the
groups the playbooks use:

    bastion    the SSH entry point, reached on its floating IP
    internal   parent of the groups below; its ansible_ssh_common_args sends
               every connection through the bastion (ssh -W), because these
               hosts have no SSH path from outside
      proxy    the proxies (a pair sharing a virtual IP), each reached on its
               own *private* address through the bastion
      workers
      database

Hosts are named like the servers without the stack prefix: bastion-1,
proxy-1 ... proxy-N, web-1 ... web-N, db-1 (never the same as a group name).

Variables for every host (all:vars), besides the login settings:

    heat_proxy_vip          the proxies' virtual IP (private address that
                            keepalived moves to the VRRP master)
    heat_proxy_public_ip    the floating IP, which sits on the VIP
    heat_<service>_port     the ports the security groups were built for
    heat_private_network_cidr

Host keys: with --console-logs DIR (DIR/<host>.log from `openstack console
log show <openstack_name>`, for every host), each host's SSH keys are read
from its console log, where cloud-init printed them at first boot
(host_keys.py), set as its ssh_host_keys and written to a known_hosts file
(--known-hosts), and every connection, the bastion hop included, checks
against it with StrictHostKeyChecking=yes: no first connection trusts an
unknown key. Without it, keys are accepted on first use (accept-new).

A stack made from an older heat/cluster.yaml (one proxy, outputs
proxy_private_ip/proxy_name, no proxy_vip) is still accepted: it gives one
host proxy-1 and no heat_proxy_vip, and the tool says so on standard error.

Only the Python 3 standard library is used, so the tool runs anywhere the
OpenStack client does. Exit status: 0 on success, 2 on bad input or usage.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any, NoReturn, TextIO

from host_keys import HostKeyError, keys_from_console, known_hosts_lines

GROUPS = ("bastion", "proxy", "workers", "database")
INTERNAL = "internal"
REQUIRED = ("bastion_public_ip", "worker_private_ips", "database_private_ip")
# The proxies: the current template's lists (with the VIP), or the single
# proxy of a stack made from an older template.
PROXY_LISTS = ("proxy_private_ips", "proxy_names", "proxy_vip")
LEGACY_PROXY = "proxy_private_ip"
# Users and key paths end up inside a ProxyCommand that ssh runs through a
# shell, inside a quoted Ansible variable: allow only characters that need
# no quoting at any of those levels.
SAFE_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
SAFE_PATH = re.compile(r"^[A-Za-z0-9_./~+-]+$")


class InputError(Exception):
    """The stack outputs cannot be turned into an inventory."""


def fail(message: str) -> NoReturn:
    print(f"heat_inventory: error: {message}", file=sys.stderr)
    sys.exit(2)


# ----------------------------------------------------------------- input

def parse_outputs(text: str, source: str) -> dict[str, Any]:
    """Return {output_key: output_value} from any of the client's shapes.

    Accepted:
    * ``stack output show STACK --all -f json``: {key: "<JSON text of
      {output_key, output_value, description}>"} (the client formats each
      output as a JSON string inside the JSON object);
    * the same with the inner objects already decoded;
    * ``stack show STACK -f json``: {"outputs": [{output_key, output_value}]};
    * a bare list of {output_key, output_value} objects.
    """
    if not text.strip():
        raise InputError(f"{source} is empty; expected the JSON printed by "
                         f"'openstack stack output show STACK --all -f json'")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source} is not JSON ({exc}); expected the output of "
                         f"'openstack stack output show STACK --all -f json'") from None

    if isinstance(data, dict) and isinstance(data.get("outputs"), list):
        data = data["outputs"]
    if isinstance(data, list):
        data = {item.get("output_key"): item for item in data if isinstance(item, dict)}
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a JSON object of stack outputs, got {type(data).__name__}")

    outputs: dict[str, Any] = {}
    for key, raw in data.items():
        entry = raw
        if isinstance(raw, str):
            try:
                entry = json.loads(raw)
            except json.JSONDecodeError:
                entry = raw
        if isinstance(entry, dict) and "output_key" in entry:
            if entry.get("output_error"):
                raise InputError(f"output {key!r} failed in Heat: {entry['output_error']}")
            outputs[key] = entry.get("output_value")
        else:
            outputs[key] = entry
    return outputs


def _ip(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{what}: expected an IP address, got {value!r}"
                         f" (is the stack CREATE_COMPLETE?)")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise InputError(f"{what}: {value!r} is not an IP address") from None


def _name(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InputError(f"{what}: expected a server name, got {value!r}")
    return value


# ----------------------------------------------------------------- model

def _addresses_and_names(outputs: dict[str, Any], ips_key: str, names_key: str) -> tuple[list[Any], list[Any] | None]:
    """The list output `ips_key` and, when the stack has it, the list `names_key` of the same length."""
    ips = outputs[ips_key]
    if not isinstance(ips, list):
        raise InputError(f"{ips_key}: expected a list, got {ips!r}")
    names = outputs.get(names_key)
    if names is not None and (not isinstance(names, list) or len(names) != len(ips)):
        raise InputError(f"{names_key} has {len(names) if isinstance(names, list) else '?'} "
                         f"entries but {ips_key} has {len(ips)}")
    return ips, names


def _proxies(outputs: dict[str, Any], notes: list[str]) -> tuple[list[tuple[str, Any]], str | None]:
    """Return ([(private address, Nova name or None)], VIP or None) of the proxies."""
    if LEGACY_PROXY in outputs and "proxy_private_ips" not in outputs:
        # Template before the proxy pair: one proxy, its floating IP on its
        # own port, no virtual IP.
        notes.append("the stack has the outputs of an older heat/cluster.yaml (proxy_private_ip, no "
                     "proxy_private_ips/proxy_vip): one proxy without a virtual IP, so heat_proxy_vip is not "
                     "set; update the stack with the current template to get the VRRP pair")
        return [(_ip(outputs[LEGACY_PROXY], LEGACY_PROXY), outputs.get("proxy_name"))], None

    ips, names = _addresses_and_names(outputs, "proxy_private_ips", "proxy_names")
    if outputs.get("proxy_vip") in (None, ""):
        raise InputError("missing stack output(s): proxy_vip (the proxies' virtual IP), which the template "
                         "that has proxy_private_ips always outputs; is the stack CREATE_COMPLETE?")
    proxies = [(_ip(ip, f"proxy_private_ips[{i}]"), names[i] if names else None) for i, ip in enumerate(ips)]
    return proxies, _ip(outputs["proxy_vip"], "proxy_vip")


def build_inventory(outputs: dict[str, Any], user: str | None = None, ssh_key: str | None = None,
                    host_key_checking: str = "accept-new", notes: list[str] | None = None,
                    known_hosts: str | None = None) -> dict[str, Any]:
    """Return the inventory as a nested dict (the YAML inventory layout).

    Remarks the caller should show the user (e.g. an older stack's shape)
    are appended to ``notes``. With ``known_hosts`` (a path), every
    connection checks host keys against that file strictly; without it,
    keys are accepted on first use.
    """
    notes = [] if notes is None else notes
    missing = [k for k in REQUIRED if outputs.get(k) in (None, "", [])]
    if outputs.get("proxy_private_ips") in (None, "", []) and outputs.get(LEGACY_PROXY) in (None, ""):
        missing.insert(1, "proxy_private_ips")
    if missing:
        raise InputError("missing stack output(s): " + ", ".join(missing)
                         + "; is this the Morse cluster stack, and is it CREATE_COMPLETE?")

    user = user or outputs.get("ssh_user") or "debian"
    if not isinstance(user, str) or not SAFE_USER.match(user):
        raise InputError(f"SSH user {user!r} is not a plain POSIX user name")
    if ssh_key is not None and not SAFE_PATH.match(ssh_key):
        raise InputError(f"key path {ssh_key!r} has characters that would need quoting; "
                         f"use a path of letters, digits and ./_~+-")
    if known_hosts is not None and not SAFE_PATH.match(known_hosts):
        raise InputError(f"known_hosts path {known_hosts!r} has characters that would need quoting; "
                         f"use a path of letters, digits and ./_~+-")

    bastion_ip = _ip(outputs["bastion_public_ip"], "bastion_public_ip")
    worker_ips, worker_names = _addresses_and_names(outputs, "worker_private_ips", "worker_names")

    def host(address: str, server: Any, what: str, **extra: Any) -> dict[str, Any]:
        hv: dict[str, Any] = {"ansible_host": address}
        if _name(server, what):
            hv["openstack_name"] = server  # the Nova name, for "openstack server show"
        hv.update({k: v for k, v in extra.items() if v is not None})
        return hv

    def optional_ip(key: str) -> str | None:
        return _ip(outputs[key], key) if outputs.get(key) else None

    proxies, vip = _proxies(outputs, notes)
    database_ip = _ip(outputs["database_private_ip"], "database_private_ip")
    groups: dict[str, dict[str, dict[str, Any]]] = {
        "bastion": {"bastion-1": host(bastion_ip, outputs.get("bastion_name"), "bastion_name",
                                      private_ip=optional_ip("bastion_private_ip"))},
        # Each proxy on its own private address through the bastion, like
        # every internal host. The floating IP is the VIP's (heat_proxy_*),
        # no proxy's own.
        "proxy": {},
        "workers": {},
        "database": {"db-1": host(database_ip, outputs.get("database_name"), "database_name",
                                  private_ip=database_ip)},
    }
    for i, (ip, server) in enumerate(proxies):
        # Heat names member i "<stack>-proxy-<i+1>"; the host name follows it.
        name_key = f"proxy_names[{i}]" if vip is not None else "proxy_name"
        groups["proxy"][f"proxy-{i + 1}"] = host(ip, server, name_key, private_ip=ip)
    for i, address in enumerate(worker_ips):
        ip = _ip(address, f"worker_private_ips[{i}]")
        # Heat names member i "<stack>-web-<i+1>"; the host name follows it.
        groups["workers"][f"web-{i + 1}"] = host(ip, worker_names[i] if worker_names else None,
                                                 f"worker_names[{i}]", private_ip=ip)

    seen: dict[str, str] = {}
    for hosts in groups.values():
        for name, hv in hosts.items():
            if name in GROUPS or name in (INTERNAL, "all", "ungrouped"):
                raise InputError(f"host name {name!r} would clash with a group name")
            if hv["ansible_host"] in seen:
                raise InputError(f"{name} and {seen[hv['ansible_host']]} share the address {hv['ansible_host']}")
            seen[hv["ansible_host"]] = name
            if hv.get("private_ip") not in (None, hv["ansible_host"]):
                seen.setdefault(hv["private_ip"], name)

    cidr = outputs.get("private_network_cidr")
    network = None
    if isinstance(cidr, str):
        try:
            network = ipaddress.ip_network(cidr)
        except ValueError:
            raise InputError(f"private_network_cidr: {cidr!r} is not a network") from None
    if vip is not None:
        if network is None:
            raise InputError("missing stack output(s): private_network_cidr, needed to check proxy_vip")
        if ipaddress.ip_address(vip) not in network:
            raise InputError(f"proxy_vip {vip} is outside the private network {network}; the virtual IP must be "
                             f"an address of the proxies' subnet")
        if vip in seen:
            raise InputError(f"proxy_vip {vip} is also the address of {seen[vip]}; the virtual IP must be an "
                             f"address of its own")
    public_ip = optional_ip("proxy_public_ip")
    if public_ip is not None and public_ip in seen:
        raise InputError(f"proxy_public_ip {public_ip} is also the address of {seen[public_ip]}")

    # Host key checking, on the bastion, on each internal host and on the hop to it: pinned (the keys are known
    # beforehand: a changed or unknown key is refused) or trust on first use.
    if known_hosts is not None:
        checking = ["-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes"]
        hop_checking = checking
    else:
        checking = ["-o", "StrictHostKeyChecking=accept-new"]
        hop_checking = ["-o", f"StrictHostKeyChecking={host_key_checking}"]
    hop = ["ssh", "-W", "%h:%p", "-q", *hop_checking]
    if ssh_key:
        hop += ["-i", ssh_key]
    hop.append(f"{user}@{bastion_ip}")

    all_vars: dict[str, Any] = {"ansible_user": user}
    if ssh_key:
        all_vars["ansible_ssh_private_key_file"] = ssh_key
    ports = outputs.get("service_ports")
    if isinstance(ports, dict):
        # The ports Heat opened, so roles can default to the same values.
        for key in sorted(ports):
            if isinstance(ports[key], int) and re.match(r"^[a-z0-9_]+$", key):
                all_vars[f"heat_{key}_port"] = ports[key]
    if network is not None:
        all_vars["heat_private_network_cidr"] = str(network)
    # The front door, for the keepalived role: the VIP it moves between the
    # proxies, and the floating IP in front of it.
    if vip is not None:
        all_vars["heat_proxy_vip"] = vip
    if public_ip is not None:
        all_vars["heat_proxy_public_ip"] = public_ip

    return {
        "all": {
            "vars": all_vars,
            "children": {
                "bastion": {"vars": {"ansible_ssh_common_args": " ".join(checking)}, "hosts": groups["bastion"]},
                INTERNAL: {
                    # Only the internal hosts go through the bastion; the
                    # bastion itself is reached directly.
                    "vars": {"ansible_ssh_common_args": " ".join(checking) + f' -o ProxyCommand="{" ".join(hop)}"'},
                    "children": {g: {"hosts": groups[g]} for g in ("proxy", "workers", "database")},
                },
            },
        }
    }


def pin_host_keys(inventory: dict[str, Any], console_logs: dict[str, str]) -> list[str]:
    """Set each host's ssh_host_keys from its console log; return the known_hosts lines.

    ``console_logs`` maps every inventory host name to its console log's
    text. Each host's keys are pinned to its name and to each of its
    addresses (ssh looks a host up by the address it connects to).
    """
    lines: list[str] = []
    problems: list[str] = []
    for group in _leaf_groups(inventory).values():
        for name, hv in group["hosts"].items():
            if name not in console_logs:
                problems.append(f"{name}: no console log")
                continue
            try:
                keys = keys_from_console(console_logs[name])
            except HostKeyError as exc:
                problems.append(f"{name}: {exc}")
                continue
            hv["ssh_host_keys"] = keys
            names = [name] + [hv[k] for k in ("ansible_host", "private_ip", "public_ip") if k in hv]
            lines += known_hosts_lines(list(dict.fromkeys(names)), keys)
    if problems:
        raise InputError("no pinned host keys for: " + "; ".join(problems))
    return lines


# ---------------------------------------------------------------- output

HEADER = ("Generated by ansible/inventory/heat_inventory.py from the Heat stack outputs.\n"
          "Do not edit: run the tool again after every 'openstack stack update'.")


def _header(notes: list[str] | None) -> list[str]:
    """The comment lines on top of a generated file, notes included."""
    lines = HEADER.splitlines()
    for note in notes or []:
        lines += textwrap.wrap(f"Note: {note}", width=96, break_long_words=False, break_on_hyphens=False)
    return [f"# {line}" for line in lines]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(str(value))


def _foldable(text: str) -> bool:
    """True if a folded block scalar (>-) reproduces ``text`` exactly."""
    return (bool(text) and text == text.strip() and "  " not in text and "\n" not in text
            and "\t" not in text and text.isprintable() and " " in text)


def to_yaml(inventory: dict[str, Any], width: int = 100, notes: list[str] | None = None) -> str:
    lines = _header(notes) + ["---"]

    def emit(node: dict[str, Any], indent: int) -> None:
        for key, value in node.items():
            pad = "  " * indent
            if isinstance(value, dict):
                if value:
                    lines.append(f"{pad}{key}:")
                    emit(value, indent + 1)
                else:
                    lines.append(f"{pad}{key}: {{}}")
            elif isinstance(value, list):
                lines.append(f"{pad}{key}:")
                lines.extend(f"{pad}  - {_scalar(item)}" for item in value)
            elif isinstance(value, str) and len(pad + key + value) > width and _foldable(value):
                # Keep lines short (yamllint): in a folded scalar each line
                # break between two words reads back as one space.
                lines.append(f"{pad}{key}: >-")
                lines.extend(f"{pad}  {part}" for part in textwrap.wrap(
                    value, width=max(40, width - len(pad) - 2), break_long_words=False, break_on_hyphens=False))
            else:
                lines.append(f"{pad}{key}: {_scalar(value)}")

    emit(inventory, 0)
    return "\n".join(lines) + "\n"


def _ini_value(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    # Ansible reads INI values with Python literal syntax: quote strings
    # that contain spaces or quotes, with the quote they do not contain.
    if re.match(r"^[A-Za-z0-9_.:/@%~+-]+$", text):
        return text
    if "'" not in text:
        return f"'{text}'"
    return json.dumps(text)


def _leaf_groups(inventory: dict[str, Any]) -> dict[str, Any]:
    children = inventory["all"]["children"]
    return {"bastion": children["bastion"], **children[INTERNAL]["children"]}


def to_ini(inventory: dict[str, Any], notes: list[str] | None = None) -> str:
    root = inventory["all"]
    out = _header(notes)

    def section(title: str, rows: list[str]) -> None:
        out.append("")
        out.append(f"[{title}]")
        out.extend(rows)

    section("all:vars", [f"{k}={_ini_value(v)}" for k, v in root["vars"].items()])
    internal = root["children"][INTERNAL]
    for group, body in _leaf_groups(inventory).items():
        section(group, [name + "".join(f" {k}={_ini_value(v)}" for k, v in hv.items())
                        for name, hv in body["hosts"].items()])
        if body.get("vars"):
            section(f"{group}:vars", [f"{k}={_ini_value(v)}" for k, v in body["vars"].items()])
    section(f"{INTERNAL}:children", list(internal["children"]))
    section(f"{INTERNAL}:vars", [f"{k}={_ini_value(v)}" for k, v in internal["vars"].items()])
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="heat_inventory.py",
        description="Turn 'openstack stack output show STACK --all -f json' into an Ansible "
                    "inventory with the groups bastion, proxy, workers and database (the last "
                    "three under 'internal', reached through the bastion), and the proxies' "
                    "virtual IP and floating IP as heat_proxy_vip and heat_proxy_public_ip.",
        epilog="Example: openstack stack output show morse --all -f json "
               "| ansible/inventory/heat_inventory.py -o ansible/inventory/heat.yml",
    )
    parser.add_argument("input", nargs="?", default="-",
                        help="JSON file with the stack outputs; '-' or nothing reads standard input")
    parser.add_argument("-o", "--output", default="-",
                        help="file to write; '-' or nothing writes standard output")
    parser.add_argument("-f", "--format", choices=("yaml", "ini"), default="yaml",
                        help="inventory format (default: yaml)")
    parser.add_argument("-u", "--user",
                        help="SSH user on every host (default: the stack's ssh_user output, else debian)")
    parser.add_argument("-i", "--ssh-key", metavar="PATH",
                        help="private key for every host and for the bastion hop")
    parser.add_argument("--bastion-host-key-checking", choices=("accept-new", "yes"), default="accept-new",
                        help="StrictHostKeyChecking for the bastion hop inside the ProxyCommand "
                             "(default: accept-new, so a new bastion does not stop a run at a prompt); "
                             "--console-logs makes it yes")
    parser.add_argument("--console-logs", metavar="DIR",
                        help="directory with each host's console log as <host>.log (openstack console log show "
                             "<openstack_name>): pin every host's SSH keys, as cloud-init printed them, and "
                             "check them strictly on every connection (needs --format yaml)")
    parser.add_argument("--known-hosts", metavar="PATH",
                        help="with --console-logs: the known_hosts file to write and to check against "
                             "(default: the output's path with the suffix .known_hosts)")
    parser.add_argument("--list-servers", action="store_true",
                        help="print 'HOST OPENSTACK_NAME' per host and exit (for fetching console logs)")
    args = parser.parse_args(argv)
    known_hosts: str | None = None
    if args.console_logs:
        if args.format != "yaml":
            parser.error("--console-logs needs --format yaml (each host's keys are a list)")
        if args.known_hosts:
            known_hosts = args.known_hosts
        elif args.output != "-":
            known_hosts = str(Path(args.output).with_suffix(".known_hosts"))
        else:
            parser.error("--console-logs writing to standard output needs --known-hosts PATH")
        # ssh reads the file from wherever ansible runs: an absolute path.
        known_hosts = str(Path(known_hosts).expanduser().resolve())
    elif args.known_hosts:
        parser.error("--known-hosts goes with --console-logs (the keys are read from the console logs)")

    stdin = stdin if stdin is not None else sys.stdin
    try:
        if args.input == "-":
            if stdin.isatty():
                parser.error("no input: pipe the JSON in, or give a file path")
            text, source = stdin.read(), "standard input"
        else:
            try:
                with open(args.input, encoding="utf-8") as handle:
                    text, source = handle.read(), args.input
            except OSError as exc:
                raise InputError(f"cannot read {args.input}: {exc.strerror}") from None
        notes: list[str] = []
        inventory = build_inventory(parse_outputs(text, source), user=args.user, ssh_key=args.ssh_key,
                                    host_key_checking=args.bastion_host_key_checking, notes=notes,
                                    known_hosts=known_hosts)
        pinned: list[str] = []
        if args.console_logs:
            logs: dict[str, str] = {}
            missing: list[str] = []
            for group in _leaf_groups(inventory).values():
                for name, hv in group["hosts"].items():
                    path = Path(args.console_logs) / f"{name}.log"
                    try:
                        logs[name] = path.read_text(encoding="utf-8", errors="replace")
                    except OSError:
                        missing.append(f"openstack console log show {hv.get('openstack_name', name)} > {path}")
            if missing:
                raise InputError("console logs missing; fetch them (ansible/inventory/heat-inventory.sh does it "
                                 "all) with: " + "; ".join(missing))
            pinned = pin_host_keys(inventory, logs)
        elif not args.list_servers:
            print("heat_inventory: note: host keys are accepted on first use (no --console-logs): the first "
                  "connection to each host trusts whatever key answers; see docs/operations.md, 'Host keys'",
                  file=sys.stderr)
    except InputError as exc:
        fail(str(exc))

    if args.list_servers:
        for group in _leaf_groups(inventory).values():
            for name, hv in group["hosts"].items():
                if "openstack_name" not in hv:
                    fail(f"the stack outputs give no server name for {name} (an older template?): fetch its "
                         f"console log by hand")
                print(name, hv["openstack_name"])
        return 0
    for note in notes:
        print(f"heat_inventory: note: {note}", file=sys.stderr)
    rendered = to_yaml(inventory, notes=notes) if args.format == "yaml" else to_ini(inventory, notes=notes)
    if args.output == "-":
        sys.stdout.write(rendered)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(rendered)
        except OSError as exc:
            fail(f"cannot write {args.output}: {exc.strerror}")
        hosts = sum(len(group["hosts"]) for group in _leaf_groups(inventory).values())
        print(f"heat_inventory: wrote {args.output} ({hosts} hosts)", file=sys.stderr)
    if known_hosts is not None:
        try:
            with open(known_hosts, "w", encoding="utf-8") as handle:
                handle.write("".join(f"{line}\n" for line in pinned))
        except OSError as exc:
            fail(f"cannot write {known_hosts}: {exc.strerror}")
        print(f"heat_inventory: wrote {known_hosts} ({len(pinned)} keys, checked strictly)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
