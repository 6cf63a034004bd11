"""Terraform / OpenTofu plan JSON (``terraform show -json PLAN``, ``tofu show -json PLAN``).

Each client's planned values (``resource_changes[].change.after``, else ``planned_values``) are the client;
``after_unknown`` leaves are unknown. An argument the configuration does not set is read as absent even when the
plan shows it unknown (the provider's Optional+Computed arguments are unknown on create) or as ``0`` for a token
validity (how the provider stores "Cognito's default"). ``user_pool_id`` follows ``configuration`` references
(through module variables) to the pool, so cross-resource rules see it. When the configuration directory is known
(the plan's own directory holding ``.tf`` files, or ``--tf-root``), findings point at the ``.tf`` lines.
Format: ``hashicorp/terraform`` ``website/docs/internals/json-format.mdx`` (format_version 1.x).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cogcheck.cfn.values import Unknown
from cogcheck.inputs.terraform import mapping
from cogcheck.inputs.terraform.ast import Lit
from cogcheck.inputs.terraform.evaluate import Link, Scope
from cogcheck.inputs.terraform.hcl import JSON_BLOCKS, Attribute, Block
from cogcheck.inputs.terraform.module import Configuration, TfResource, build_resource, load_configuration
from cogcheck.inputs.terraform.names import MARKERS, may_be_plan  # noqa: F401 - re-exported

_INDEX = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]')
#: Stored as 0 by the provider when the configuration leaves them out: Cognito's default, not zero.
_ZERO_IS_DEFAULT = {"access_token_validity", "id_token_validity", "refresh_token_validity", "auth_session_validity"}
#: Top-level keys only ``terraform show -json`` output has (with ``format_version``): a plan, or a state.
PLAN_KEYS = ("terraform_version", "planned_values", "resource_changes", "prior_state", "configuration",
             "resource_drift", "output_changes")
#: JSON strings and the punctuation that gives structure (numbers and literals need no attention here).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


class PlanError(ValueError):
    """A plan (or a file that may be one) that cannot be read: one line, and its line when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def is_plan(doc: Any) -> bool:
    """Whether a parsed JSON document is ``terraform show -json`` output, by its structure."""
    return isinstance(doc, dict) and "format_version" in doc and any(key in doc for key in PLAN_KEYS)


def read_plan(data: bytes, strict: bool = True) -> dict[str, Any] | None:
    """The plan document; None when ``data`` is JSON that is not a plan (then it is read as a template).

    Read with the bounded JSON loader of templates (nesting, long integers, duplicate keys). Raises
    :class:`PlanError` for a plan of a format other than 1.x, a state instead of a plan, and, when ``strict`` (a
    ``.json`` file), for bytes that are not JSON the loader accepts.
    """
    from cogcheck.cfn.parse import JsonError, load_json

    try:
        doc = load_json(data)
    except JsonError as exc:
        if not strict:
            return None
        raise PlanError(exc.message, exc.line) from None
    if not is_plan(doc):
        return None
    version = doc.get("format_version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise PlanError(
            f"plan format_version {_show(version)} is not 1.x, the JSON format cogcheck reads (terraform show -json); "
            "not read"
        )
    if "resource_changes" not in doc and "planned_values" not in doc and "values" in doc:
        raise PlanError(
            "Terraform state JSON, not a plan: cogcheck reads plans (terraform show -json PLANFILE) and "
            "configurations; not read"
        )
    plan: dict[str, Any] = doc
    return plan


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(type(value), "a value")


def _object(value: Any, where: str) -> dict[str, Any]:
    """``value`` when it is an object; null or absent is an empty one; anything else is a :class:`PlanError`."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PlanError(f"{where}: expected an object, found {_kind(value)}; not a plan Terraform writes")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PlanError(f"{where}: expected a list, found {_kind(value)}; not a plan Terraform writes")
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise PlanError(f"{where}: expected a string, found {_kind(value)}; not a plan Terraform writes")
    return value


def load_plan(
    file: str, path: Path, data: bytes, doc: dict[str, Any], tf_root: Path | None, tf_display: str = ""
) -> Configuration:
    """The plan's Cognito resources; a part of the wrong shape is a :class:`PlanError`."""
    from cogcheck.cfn.parse import decode_text

    config = Configuration()
    lines = address_lines(decode_text(data))  # for the line of an address (one pass, whatever the number)
    source = _source_configuration(tf_root, tf_display or str(tf_root), config)
    configuration = _object(doc.get("configuration"), "configuration")
    modules = _ModuleConfigs(configuration)
    located = _Located(source)
    for entry in _entries(doc):
        where = entry["where"]
        rtype, address = _string(entry.get("type"), f"{where}.type"), _string(entry.get("address"), f"{where}.address")
        if rtype not in mapping.TYPES or entry.get("mode", "managed") != "managed":
            continue
        values = _object(entry["values"], f"{where} values")
        unknown = _object(entry["unknown"], f"{where} after_unknown")
        expressions = modules.expressions(entry, where)
        block = _block(rtype, address, values, unknown, expressions, modules, entry, file)
        resource = build_resource(rtype, block, Scope(), "", config)
        resource.address = address
        found = located.find(address)
        if found is not None:
            resource.file, resource.path, resource.line = found.file, found.path, found.line
            resource.lines = dict(found.lines)
            resource.construct_path = found.construct_path
        else:
            resource.file, resource.path = file, path
            resource.line = lines.get(address, 1)
            resource.lines = {}
        config.resources[address] = resource
    return config


def _source_configuration(tf_root: Path | None, display: str, config: Configuration) -> Configuration | None:
    if tf_root is None:
        return None
    source = load_configuration(tf_root, display, tf_root, modules_required=False)  # the plan holds the clients
    config.errors += source.errors
    return source


def _entries(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every planned resource instance that will exist after apply: its entry with ``values`` (after),
    ``unknown`` (after_unknown) and ``where`` (its place in the plan, for errors)."""
    out: list[dict[str, Any]] = []
    if "resource_changes" in doc:
        for index, change in enumerate(_list(doc.get("resource_changes"), "resource_changes")):
            where = f"resource_changes[{index}]"
            change = _object(change, where)
            if change.get("deposed"):
                continue
            body = _object(change.get("change"), f"{where}.change")
            actions = body.get("actions") or []
            after = body.get("after")
            if after is None or actions in (["delete"], ["forget"], ["read"]):
                continue
            out.append({**change, "values": after, "unknown": body.get("after_unknown"), "where": where})
        return out
    planned = _object(doc.get("planned_values"), "planned_values")
    stack = [(planned.get("root_module"), "planned_values.root_module")]
    while stack:
        found, where = stack.pop()
        module = _object(found, where)
        for index, resource in enumerate(_list(module.get("resources"), f"{where}.resources")):
            here = f"{where}.resources[{index}]"
            resource = _object(resource, here)
            if "values" in resource:
                out.append({**resource, "unknown": None, "where": here})
        children = _list(module.get("child_modules"), f"{where}.child_modules")
        stack += [(child, f"{where}.child_modules[{i}]") for i, child in reversed(list(enumerate(children)))]
    return out


def _module_path(entry: dict[str, Any]) -> list[str]:
    """``module.a["x"].module.b`` → ``["a", "b"]`` (module call names, instance keys dropped)."""
    module = entry.get("module_address")
    if not isinstance(module, str):
        address = str(entry.get("address", ""))
        stripped = _INDEX.sub("", address)
        parts = stripped.split(".")
        names = [parts[i + 1] for i in range(0, len(parts) - 2, 2) if parts[i] == "module"]
        return names
    return [part for i, part in enumerate(_INDEX.sub("", module).split(".")) if i % 2 == 1]


class _ModuleConfigs:
    """The plan's ``configuration``: each module's resources indexed once by address (linear in the plan)."""

    def __init__(self, configuration: dict[str, Any]) -> None:
        self.configuration = configuration
        self._resources: dict[tuple[str, ...], dict[str, Any] | None] = {}

    def module(self, names: list[str]) -> tuple[dict[str, Any] | None, str]:
        """(the configuration of the module at ``names``, or None when the plan has none; where it is)."""
        where = "configuration.root_module"
        found: Any = self.configuration.get("root_module")
        for name in names:
            if found is None:
                break
            calls = _object(_object(found, where).get("module_calls"), f"{where}.module_calls")
            call = _object(calls.get(name), f"{where}.module_calls.{name}")
            where = f"{where}.module_calls.{name}.module"
            found = call.get("module")
        return (_object(found, where) if found is not None else None), where

    def expressions(self, entry: dict[str, Any], where: str) -> dict[str, Any] | None:
        """The resource's ``expressions``; None when the plan has no configuration for it."""
        key = tuple(_module_path(entry))
        if key not in self._resources:
            module, at = self.module(list(key))
            table: dict[str, Any] | None = None
            if module is not None:
                table = {}
                for resource in _list(module.get("resources"), f"{at}.resources"):
                    if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                        table.setdefault(resource["address"], resource)
            self._resources[key] = table
        resources = self._resources[key]
        resource = resources.get(f"{entry.get('type')}.{entry.get('name')}") if resources is not None else None
        if resource is None:
            return None
        return _object(resource.get("expressions"), f"the configuration of {where}: expressions")

    def reference(self, names: list[str], expression: Any, depth: int = 0) -> Link | None:
        """The resource attribute an expression refers to, following module variables up to their callers."""
        refs = expression.get("references") if isinstance(expression, dict) else None
        if not isinstance(refs, list) or not refs or depth > 32:
            return None
        first = str(refs[0])
        parts = first.split(".")
        if parts[0] == "var" and len(parts) >= 2 and names:
            parent, _where = self.module(names[:-1])
            calls = parent.get("module_calls") if isinstance(parent, dict) else None
            call = calls.get(names[-1]) if isinstance(calls, dict) else None
            given = call.get("expressions") if isinstance(call, dict) else None
            given = given.get(parts[1]) if isinstance(given, dict) else None
            return self.reference(names[:-1], given, depth + 1)
        if len(parts) >= 3 and parts[0] in mapping.TYPES:
            prefix = "".join(f"module.{n}." for n in names)
            return Link(f"{prefix}{parts[0]}.{_INDEX.sub('', parts[1])}", parts[2])
        return None


def _value(value: Any, unknown: Any) -> Any:
    """``after`` with ``after_unknown`` applied: unknown leaves become :class:`Unknown`."""
    if unknown is True:
        return Unknown("known after apply")
    if isinstance(value, list):
        marks = unknown if isinstance(unknown, list) else []
        return [_value(v, marks[i] if i < len(marks) else None) for i, v in enumerate(value)]
    if isinstance(value, dict):
        keyed: dict[str, Any] = unknown if isinstance(unknown, dict) else {}
        return {k: _value(v, keyed.get(k)) for k, v in value.items()}
    return value


def _block(
    rtype: str, address: str, values: dict[str, Any], unknown: dict[str, Any], expressions: dict[str, Any] | None,
    modules: _ModuleConfigs, entry: dict[str, Any], file: str,
) -> Block:
    block = Block("resource", (rtype, str(entry.get("name", ""))), file, 1, 1)
    names = set(values) | {k for k, v in unknown.items() if v is True}
    nested_names = set(mapping.CLIENT_BLOCKS) | JSON_BLOCKS
    module_names = _module_path(entry)
    for name in sorted(names):
        configured = expressions is None or name in expressions
        value = _value(values.get(name), unknown.get(name))
        if not configured and (isinstance(value, Unknown) or (name in _ZERO_IS_DEFAULT and value == 0)):
            continue  # not set in the configuration: the provider sends nothing, Cognito's default applies
        value = _written_order(value, expressions.get(name) if expressions is not None else None)
        if name == "user_pool_id" and expressions is not None:
            link = modules.reference(module_names, expressions.get(name))
            if link is not None:
                value = link
        if name in nested_names and isinstance(value, list):
            written = expressions.get(name) if expressions is not None else None
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                given = written[index] if isinstance(written, list) and index < len(written) else None
                nested = Block(name, (), file, 1, 1)
                nested.attributes = {
                    k: Attribute(k, Lit(v), 1) for k, v in item.items()
                    # a unit the block leaves out is the provider's schema default, the same as Cognito's
                    if not isinstance(given, dict) or k in given
                }
                block.blocks.append(nested)
            continue
        block.attributes[name] = Attribute(name, Lit(value), 1)
    return block


def _written_order(value: Any, expression: Any) -> Any:
    """A set in the configuration's order when the plan holds the same members (plans sort sets), so that
    ``callback_urls[1]`` names the same member in a plan as in the ``.tf`` file."""
    constant = expression.get("constant_value") if isinstance(expression, dict) else None
    if not isinstance(value, list) or not isinstance(constant, list) or len(value) != len(constant):
        return value
    try:
        if sorted(map(json.dumps, value)) == sorted(map(json.dumps, constant)):
            return list(constant)
    except TypeError:
        pass
    return value


class _Located:
    """Resources of the plan's own configuration (``--tf-root``) by address, and by address without instance keys."""

    def __init__(self, source: Configuration | None) -> None:
        self.resources = source.resources if source is not None else {}
        self._bare: dict[str, TfResource] | None = None

    def find(self, address: str) -> TfResource | None:
        if not self.resources:
            return None
        if address in self.resources:
            return self.resources[address]
        if self._bare is None:
            self._bare = {}
            for candidate, resource in self.resources.items():
                self._bare.setdefault(_INDEX.sub("", candidate), resource)
        return self._bare.get(_INDEX.sub("", address))


def address_lines(text: str) -> dict[str, int]:
    """Address → the line of its first ``"address"`` entry in the plan: one pass over the JSON text (strings and
    punctuation only), lines counted as it goes."""
    lines: dict[str, int] = {}
    line, counted = 1, 0
    tokens = _JSON_TOKEN.finditer(text)
    previous: list[str] = ["", "", ""]  # the last three tokens: "address", ":", then the value
    for match in tokens:
        token = match.group()
        previous = [previous[1], previous[2], token]
        if previous[0] != '"address"' or previous[1] != ":" or not token.startswith('"'):
            continue
        try:
            address = json.loads(token)
        except ValueError:
            continue
        if address not in lines:
            start = match.start()
            line += text.count("\n", counted, start)
            counted = start
            lines[address] = line
    return lines
