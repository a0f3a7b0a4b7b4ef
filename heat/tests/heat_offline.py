"""Validate HOT templates offline with OpenStack Heat's own engine.

The checks are the ones ``openstack stack create --dry-run`` would run on a
real Heat, minus the calls to a cloud:

* the template is parsed by ``heat.common.template_format`` and validated by
  ``heat.engine.stack.Stack(strict_validate=True).validate(
  validate_res_tmpl_only=True)`` after ``heat.engine.resources.initialise()``.
  Without strict validation an undefined ``get_param`` passes silently.
* two things would talk to a cloud and are neutralised for the run only: the
  per-resource service-availability check (Keystone catalogue) and the
  custom constraints that look a value up through an API client (image,
  flavor, key pair, network ...). Local custom constraints such as
  ``net_cidr`` and ``ip_addr`` override ``validate`` themselves and stay
  active, and an unknown constraint name still fails.
* Heat validates a ResourceGroup's ``resource_def`` only inside the nested
  stack it creates at run time, so each member definition is also validated
  here as a top-level resource of a copy of the template.
* ``get_attr`` on a ResourceGroup accepts any name until run time; names are
  checked here against the member template's outputs.
* a member property that reads an attribute (``get_attr``) has no value
  before the resource exists (Heat itself validates a nested stack without
  strict value checks for that reason). When the nested parameter declares
  an address constraint (``ip_addr``, ``ip_or_cidr``, ``net_cidr``,
  ``mac_addr``) it gets a documentation-range stand-in of that shape here,
  so the nested template is still validated strictly; every other value
  is passed on as Heat resolves it.
* resource types that Heat marks HIDDEN, DEPRECATED or UNSUPPORTED are
  refused (Heat itself accepts some of them).

* outputs are resolved, which Heat's validate() does not do: an output
  that reads an undefined parameter is reported.

Dependency cycles are found by the strict validation itself (it walks the
dependency graph); :func:`dependency_order` exposes the graph for tests.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

# Heat logs a line per hidden or deprecated resource type while loading its
# plugins; the tests only care about exceptions.
logging.getLogger("heat").setLevel(logging.ERROR)

from heat.common import context as heat_context  # noqa: E402
from heat.common import environment_format, template_format  # noqa: E402
from heat.engine import (  # noqa: E402
    constraints,
    environment,
    resource,
    resources,
    support,
)
from heat.engine import stack as heat_stack  # noqa: E402
from heat.engine import template as heat_template  # noqa: E402
from heat.engine.resources import template_resource  # noqa: E402
from oslo_config import cfg  # noqa: E402

RESOURCE_GROUP = "OS::Heat::ResourceGroup"
# Stand-ins for nested parameters fed by a get_attr (known only at run
# time), by the custom constraint the parameter declares. RFC 5737 values.
RUNTIME_STAND_INS = {
    "ip_addr": "192.0.2.1",
    "ip_or_cidr": "192.0.2.1",
    "net_cidr": "192.0.2.0/24",
    "mac_addr": "fa:16:3e:00:00:01",
}
NESTED_SUFFIXES = (".yaml", ".yml", ".template")

_initialised = False


def initialise() -> None:
    """Load Heat's configuration defaults and resource plugins (once)."""
    global _initialised
    if _initialised:
        return
    cfg.CONF([], project="heat", default_config_files=[])
    resources.initialise()
    _initialised = True


class OfflineRecorder:
    """What the offline patches skipped, so tests can show it was little."""

    def __init__(self) -> None:
        self.services_skipped: set[str] = set()
        self.constraints_skipped: set[str] = set()


@contextlib.contextmanager
def offline() -> Iterator[OfflineRecorder]:
    """Neutralise the two cloud look-ups for the duration of a validation."""
    rec = OfflineRecorder()

    def no_service_check(cls, context, resource_type):
        rec.services_skipped.add(resource_type)

    def no_client_lookup(self, value, context, *args, **kwargs):
        # Only constraints that call an API client come here; CIDR, IP and
        # other local constraints override validate() and are unaffected.
        rec.constraints_skipped.add(type(self).__name__)
        return True

    with mock.patch.object(
        resource.Resource,
        "_validate_service_availability",
        classmethod(no_service_check),
    ), mock.patch.object(constraints.BaseCustomConstraint, "validate", no_client_lookup):
        yield rec


def _context() -> heat_context.RequestContext:
    return heat_context.RequestContext(
        user_id="offline",
        project_id="offline",
        is_admin=False,
        auth_token_info={},
        request_id="req-offline-validation",
    )


# --------------------------------------------------------------- loading

def load_template(path: Path) -> dict:
    """Parse a HOT file exactly as the Heat API does."""
    return template_format.parse(Path(path).read_text())


def load_environment(path: Path) -> dict:
    """Parse an environment file exactly as the Heat API does."""
    return environment_format.parse(Path(path).read_text())


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair of a parsed template, depth first (tests look for types, attributes, params)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def collect_files(template: dict, base_dir: Path, files: dict | None = None) -> dict:
    """Return the ``files`` map the client would upload with ``template``.

    Like python-heatclient, it follows ``type: something.yaml`` (also inside
    a ResourceGroup's resource_def) and ``get_file``, recursively. Keys stay
    relative, which is how Heat looks them up for an offline stack.
    """
    files = {} if files is None else files
    for key, value in walk(template):
        if not isinstance(value, str) or value in files:
            continue
        if key == "type" and value.endswith(NESTED_SUFFIXES):
            text = (base_dir / value).read_text()
            files[value] = text
            collect_files(template_format.parse(text), base_dir, files)
        elif key == "get_file":
            files[value] = (base_dir / value).read_text()
    return files


# ------------------------------------------------------------ validation

def build_stack(template: dict, files: dict, env: dict | None, name: str = "morse") -> heat_stack.Stack:
    """Build (not create) a Heat stack with strict validation switched on."""
    initialise()
    tmpl = heat_template.Template(
        copy.deepcopy(template), files=files, env=environment.Environment(env or {})
    )
    return heat_stack.Stack(_context(), name, tmpl, strict_validate=True)


def validate(template: dict, files: dict, env: dict | None = None) -> OfflineRecorder:
    """Validate ``template``, its ResourceGroup members and their templates.

    ``env`` is an environment dict, e.g. ``{"parameters": {...}}``.
    Raises Heat's own exception (StackValidationFailed,
    CircularDependencyException, ...) or :class:`PolicyError` on failure.
    """
    check_support_status(template, files)
    with offline() as rec:
        _validate(template, files, env, path="template")
    return rec


def _validate(template: dict, files: dict, env: dict | None, path: str) -> None:
    check_resource_group_attributes(template, files)
    stack = build_stack(template, files, env)
    stack.validate(validate_res_tmpl_only=True)
    # Heat checks an output's functions but resolves them only on request;
    # resolving them here catches e.g. a get_param of an undefined parameter
    # (get_attr on resources not created yet resolves to None).
    for name, output in stack.outputs.items():
        try:
            output.get_value()
        except Exception as exc:
            exc.add_note(f"in {path}: outputs.{name}")
            raise
    for name, member in resource_group_members(template):
        # 1. The member definition as a top-level resource of a copy of the
        #    template: its properties are checked against the member type
        #    (for a nested template: against that template's parameters).
        probe = copy.deepcopy(template)
        probe.setdefault("resources", {})[f"{name}__member"] = member
        probe_stack = build_stack(probe, files, env)
        probe_stack.validate(validate_res_tmpl_only=True)
        # 2. A nested member template with the parameter values that member
        #    would pass it, as Heat does when it creates the nested stack.
        res = probe_stack[f"{name}__member"]
        if isinstance(res, template_resource.TemplateResource):
            where = f"{path} > {name}[0] ({member['type']})"
            child = res.child_template()
            params = runtime_stand_ins(member, child, res.child_params())
            try:
                _validate(child, files, {"parameters": params}, path=where)
            except Exception as exc:
                exc.add_note(f"while validating the nested template of {where}")
                raise


def runtime_stand_ins(member: dict, child: dict, params: dict) -> dict:
    """``params`` with stand-ins for attribute values unknown before run time.

    Only a parameter whose member property contains a ``get_attr``, whose
    value is still empty, and whose nested declaration has one of the
    address constraints of :data:`RUNTIME_STAND_INS` is replaced.
    """
    params = dict(params)
    declared = child.get("parameters") or {}
    for pname, definition in ((member or {}).get("properties") or {}).items():
        if params.get(pname) not in (None, ""):
            continue
        if not any(key == "get_attr" for key, _ in walk({"value": definition})):
            continue
        for constraint in (declared.get(pname) or {}).get("constraints") or []:
            stand_in = RUNTIME_STAND_INS.get(constraint.get("custom_constraint"))
            if stand_in is not None:
                params[pname] = stand_in
                break
    return params


def dependency_order(template: dict, files: dict, env: dict | None = None) -> list[str]:
    """Resource names in creation order (raises on a dependency cycle)."""
    with offline():
        stack = build_stack(template, files, env)
        return [res.name for res in stack.dependencies]


class PolicyError(Exception):
    """A check Heat itself does not make offline failed."""


def resource_group_members(template: dict) -> Iterator[tuple[str, dict]]:
    """Yield (group name, member definition with the index substituted)."""
    for name, res in (template.get("resources") or {}).items():
        if not isinstance(res, dict) or res.get("type") != RESOURCE_GROUP:
            continue
        props = res.get("properties") or {}
        member = copy.deepcopy(props.get("resource_def"))
        if not isinstance(member, dict):
            continue  # Heat's own validation reports the missing property.
        index_var = props.get("index_var", "%index%")
        # The engine substitutes the index in every string of resource_def.
        member = json.loads(json.dumps(member).replace(index_var, "0"))
        yield name, member


def check_support_status(template: dict, files: dict) -> None:
    """Refuse HIDDEN, DEPRECATED and UNSUPPORTED resource types."""
    initialise()
    env = resources.global_env()
    seen: list[dict] = [template] + [
        template_format.parse(text) for key, text in files.items() if key.endswith(NESTED_SUFFIXES)
    ]
    for tmpl in seen:
        for key, value in walk(tmpl.get("resources") or {}):
            if key != "type" or not isinstance(value, str) or value.endswith(NESTED_SUFFIXES):
                continue
            try:
                cls = env.get_class(value)
            except Exception:
                continue  # unknown type: Heat's validation reports it.
            status = cls.support_status.status
            if status != support.SUPPORTED:
                raise PolicyError(f"resource type {value} is {status}: {cls.support_status.message}")


def check_resource_group_attributes(template: dict, files: dict) -> None:
    """``get_attr`` on a ResourceGroup must name a member output."""
    initialise()
    rg_cls = resources.global_env().get_class(RESOURCE_GROUP)
    builtin = set(rg_cls.attributes_schema) | {"show"}
    groups = {}
    for name, res in (template.get("resources") or {}).items():
        if isinstance(res, dict) and res.get("type") == RESOURCE_GROUP:
            member_type = ((res.get("properties") or {}).get("resource_def") or {}).get("type", "")
            if member_type in files:
                groups[name] = set(template_format.parse(files[member_type]).get("outputs") or {})
    for key, value in walk({k: v for k, v in template.items() if k in ("resources", "outputs")}):
        if key != "get_attr" or not isinstance(value, list) or len(value) < 2:
            continue
        target, attr = value[0], value[1]
        if target not in groups or not isinstance(attr, str):
            continue
        if attr in builtin or attr.startswith("resource.") or attr in groups[target]:
            continue
        raise PolicyError(
            f"get_attr [{target}, {attr}]: {attr!r} is neither a ResourceGroup attribute "
            f"nor an output of the member template (outputs: {sorted(groups[target])})"
        )
