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

_INDEX = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]')
#: Stored as 0 by the provider when the configuration leaves them out: Cognito's default, not zero.
_ZERO_IS_DEFAULT = {"access_token_validity", "id_token_validity", "refresh_token_validity", "auth_session_validity"}


def may_be_plan(data: bytes) -> bool:
    """Whether ``data`` may be plan JSON with a client (a widened byte check; :func:`read_plan` decides)."""
    from cogcheck.cfn.parse import mentions

    return mentions(data, "aws_cognito_user_pool_client")


def read_plan(data: bytes) -> dict[str, Any] | None:
    """The plan document, or None when ``data`` is not plan JSON (then it is read as a template)."""
    from cogcheck.cfn.parse import decode_text

    try:
        doc = json.loads(decode_text(data))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if isinstance(doc, dict) and "format_version" in doc and ("resource_changes" in doc or "planned_values" in doc):
        return doc
    return None


def load_plan(
    file: str, path: Path, data: bytes, doc: dict[str, Any], tf_root: Path | None, tf_display: str = ""
) -> Configuration:
    config = Configuration()
    version = str(doc.get("format_version", ""))
    if version.split(".")[0] != "1":
        config.notices.append((file, None, f"plan format_version {version!r} is not 1.x: not read"))
        return config
    text = data.decode("utf-8-sig", "replace")  # for the line of an address (a plan's own bytes are UTF-8)
    source = _source_configuration(tf_root, tf_display or str(tf_root), config)
    found = doc.get("configuration")
    configuration: dict[str, Any] = found if isinstance(found, dict) else {}
    for entry in _entries(doc):
        rtype = entry.get("type")
        if rtype not in mapping.TYPES or entry.get("mode", "managed") != "managed":
            continue
        address = str(entry.get("address", ""))
        values, unknown = entry["values"], entry["unknown"]
        expressions = _expressions(configuration, entry)
        block = _block(rtype, address, values, unknown, expressions, configuration, entry, file)
        resource = build_resource(rtype, block, Scope(), "", config)
        resource.address = address
        located = _locate(source, address)
        if located is not None:
            resource.file, resource.path, resource.line = located.file, located.path, located.line
            resource.lines = dict(located.lines)
            resource.construct_path = located.construct_path
        else:
            resource.file, resource.path = file, path
            resource.line = _line_of(text, address)
            resource.lines = {}
        config.resources[address] = resource
    return config


def _source_configuration(tf_root: Path | None, display: str, config: Configuration) -> Configuration | None:
    if tf_root is None:
        return None
    source = load_configuration(tf_root, display, tf_root)
    config.errors += source.errors
    return source


def _entries(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """(type, address, values, unknown) of every planned resource instance that will exist after apply."""
    out: list[dict[str, Any]] = []
    changes = doc.get("resource_changes")
    if isinstance(changes, list):
        for change in changes:
            if not isinstance(change, dict) or change.get("deposed"):
                continue
            inner = change.get("change")
            body: dict[str, Any] = inner if isinstance(inner, dict) else {}
            actions = body.get("actions") or []
            after = body.get("after")
            if not isinstance(after, dict) or actions in (["delete"], ["forget"], ["read"]):
                continue
            out.append({**change, "values": after, "unknown": body.get("after_unknown") or {}})
        return out
    planned = doc.get("planned_values")
    stack = [planned.get("root_module") if isinstance(planned, dict) else None]
    while stack:
        module = stack.pop()
        if not isinstance(module, dict):
            continue
        for resource in module.get("resources") or []:
            if isinstance(resource, dict) and isinstance(resource.get("values"), dict):
                out.append({**resource, "unknown": {}})
        stack += list(reversed(module.get("child_modules") or []))
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


def _module_config(configuration: dict[str, Any], names: list[str]) -> dict[str, Any] | None:
    module = configuration.get("root_module")
    for name in names:
        calls = module.get("module_calls") if isinstance(module, dict) else None
        call = calls.get(name) if isinstance(calls, dict) else None
        module = call.get("module") if isinstance(call, dict) else None
    return module if isinstance(module, dict) else None


def _expressions(configuration: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any] | None:
    """The resource's ``expressions`` in ``configuration``; None when the plan has no configuration for it."""
    module = _module_config(configuration, _module_path(entry))
    if module is None:
        return None
    local = f"{entry.get('type')}.{entry.get('name')}"
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and resource.get("address") == local:
            expressions = resource.get("expressions")
            return expressions if isinstance(expressions, dict) else {}
    return None


def _reference(configuration: dict[str, Any], names: list[str], expression: Any, depth: int = 0) -> Link | None:
    """The resource attribute an expression refers to, following module variables up to their callers."""
    refs = expression.get("references") if isinstance(expression, dict) else None
    if not isinstance(refs, list) or not refs or depth > 32:
        return None
    first = str(refs[0])
    parts = first.split(".")
    if parts[0] == "var" and len(parts) >= 2 and names:
        parent = _module_config(configuration, names[:-1])
        calls = parent.get("module_calls") if isinstance(parent, dict) else None
        call = calls.get(names[-1]) if isinstance(calls, dict) else None
        given = call.get("expressions", {}).get(parts[1]) if isinstance(call, dict) else None
        return _reference(configuration, names[:-1], given, depth + 1)
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
    configuration: dict[str, Any], entry: dict[str, Any], file: str,
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
            link = _reference(configuration, module_names, expressions.get(name))
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


def _locate(source: Configuration | None, address: str) -> TfResource | None:
    if source is None:
        return None
    if address in source.resources:
        return source.resources[address]
    bare = _INDEX.sub("", address)
    for candidate, resource in source.resources.items():
        if _INDEX.sub("", candidate) == bare:
            return resource
    return None


def _line_of(text: str, address: str) -> int:
    """The line of the resource's entry in the plan (its ``"address"``), 1 when not found."""
    needle = '"address":' + json.dumps(address)
    compact = text.replace('": ', '":')
    offset = compact.find(needle)
    if offset < 0:
        return 1
    # map the offset in the compacted text back: count newlines before it (compaction keeps newlines)
    return compact.count("\n", 0, offset) + 1
