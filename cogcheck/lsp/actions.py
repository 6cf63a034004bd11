"""Code actions: a finding's fix (exactly the edits ``scan --fix`` makes), "suppress with reason", fix all.

A suppression is written where cogcheck reads it (:mod:`cogcheck.scan.suppress`): an entry
``{id: RULE, reason: "…"}`` in the resource's ``Metadata: {cogcheck: {ignore: [...]}}`` of a YAML or JSON template,
placed by the parser's positions (:mod:`cogcheck.fix.nodes`) where that path stops being written: a new ``Metadata``
(a nested block in a block-style resource, a flow mapping in a flow one, an object in JSON), or merged into the
``Metadata`` or ``cogcheck`` mapping, or the ``ignore`` list, the resource already has, in the style it is written
in; and a ``# cogcheck:ignore RULE reason: …`` comment line above the resource block in Terraform. The reason is a
placeholder for the user to write: an entry without one suppresses nothing. Where ``Metadata`` is not a mapping
(an intrinsic function, an alias), no action is offered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from cogcheck.findings import Finding
from cogcheck.fix.nodes import Node
from cogcheck.lsp.convert import Lines, text_edit

#: The code action kind of "apply every safe fix of this file".
FIX_ALL = "source.fixAll.cogcheck"
#: The reason written in a new suppression, for the user to replace.
REASON = "why this is acceptable"


def fix_edits(finding: Finding, lines: Lines) -> list[types.TextEdit] | None:
    """The fix's edits as LSP text edits, or None when the finding has no fix in this file."""
    if finding.fix is None or any(edit.file != finding.file for edit in finding.fix.edits):
        return None
    return [text_edit(edit, lines) for edit in finding.fix.edits]


def fix_all_edits(findings: Sequence[Finding], lines: Lines) -> list[types.TextEdit]:
    """The edits of every safe fix, each finding's fix once, none overlapping an earlier one."""
    chosen: list[types.TextEdit] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    seen: set[object] = set()
    for finding in findings:
        if finding.fix is None or finding.fix.applicability != "safe" or finding.fix in seen:
            continue
        seen.add(finding.fix)
        spans = [((e.start_line, e.start_column), (e.end_line, e.end_column)) for e in finding.fix.edits]
        if any(e.file != finding.file for e in finding.fix.edits) or any(
            (a[0] < b[1] and b[0] < a[1]) or a == b for a in spans for b in taken
        ):
            continue
        taken += spans
        chosen += [text_edit(edit, lines) for edit in finding.fix.edits]
    return chosen


def suppression_edit(finding: Finding, lines: Lines, kind: str) -> types.TextEdit | None:
    """The edit that suppresses ``finding`` on its resource, with a reason to write, or None."""
    if kind == "terraform":
        return _terraform(finding, lines)
    return _template_suppression(finding, "\n".join(lines.lines), lines)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _terraform(finding: Finding, lines: Lines) -> types.TextEdit | None:
    address = re.sub(r"\[[^\]]*\]$", "", finding.resource)
    parts = address.split(".")
    if len(parts) < 2:
        return None
    rtype, name = parts[-2], parts[-1]
    pattern = re.compile(rf'^(\s*)resource\s+"{re.escape(rtype)}"\s+"{re.escape(name)}"')
    for number in range(1, len(lines.lines) + 1):
        match = pattern.match(lines.line(number))
        if match:
            where = lines.position(number, 1)
            comment = f"{match.group(1)}# cogcheck:ignore {finding.rule_id} reason: {REASON}\n"
            return types.TextEdit(range=types.Range(start=where, end=where), new_text=comment)
    return None


def _syntax(finding: Finding, text: str) -> str:
    return "json" if finding.file.lower().endswith(".json") or text.lstrip().startswith("{") else "yaml"


def _written(node: Node | None, key: str) -> Node | None:
    """The value of ``key`` in a mapping node (None when the node is not a mapping or has no such key)."""
    if node is None or node.kind != "map":
        return None
    found = node.entry(key)
    return found[1] if found is not None else None


def _template_suppression(finding: Finding, text: str, lines: Lines) -> types.TextEdit | None:
    """The suppression entry added where the resource's ``Metadata.cogcheck.ignore`` stops being written: a new
    ``Metadata`` (a YAML block resource gets it as a block), or merged into the ``Metadata`` / ``cogcheck`` mapping
    or the ``ignore`` list it has, in the style (block, flow, JSON) it is written in."""
    from cogcheck.fix.edits import Declined, read_nodes

    syntax = _syntax(finding, text)
    try:
        root = read_nodes(text, syntax)
    except Declined:
        return None
    resources = _written(root, "Resources")
    if resources is None:
        resources = _written(_written(root, "resources"), "Resources")  # Serverless Framework
    entry = resources.entry(finding.resource) if resources is not None and resources.kind == "map" else None
    resource = entry[1] if entry is not None else None
    if entry is None or resource is None or resource.kind != "map" or resource.shared:
        return None
    step = 2
    if resource.entries and not resource.flow:  # the file's indentation step: resource key → its first key
        step = len(_line_indent(text, resource.entries[0][0].start)) - len(_line_indent(text, entry[0].start))
    item = {"id": finding.rule_id, "reason": REASON}
    wanted: list[tuple[str, Any]] = [("Metadata", {"cogcheck": {"ignore": [item]}}), ("cogcheck", {"ignore": [item]}),
                                     ("ignore", [item])]
    container = resource
    splice = None
    for key, value in wanted:
        inner = _written(container, key)
        if inner is None:
            splice = _add_entry(text, container, key, value, syntax, " " * max(1, step))
            break
        if inner.shared or inner.tag is not None:
            return None  # an alias or an intrinsic function: not edited
        if key == "ignore":
            if inner.kind != "seq":
                return None
            splice = _add_item(text, inner, item, syntax)
            break
        if inner.kind != "map":
            return None
        container = inner
    if splice is None:
        return None
    start, end, new_text = splice
    at = types.Range(start=lines.position(*_position(text, start)), end=lines.position(*_position(text, end)))
    return types.TextEdit(range=at, new_text=new_text)


def _position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _flow(value: Any, syntax: str) -> str:
    """``value`` in flow style: JSON, or YAML's own flow style (plain words, a quoted reason)."""
    if syntax == "json":
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v, syntax)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v, syntax) for v in value) + "]"
    text = str(value)
    return text if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", text) else json.dumps(text, ensure_ascii=False)


def _line_indent(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    return text[line_start:offset]


def _after_line(text: str, offset: int) -> int:
    """The offset where the line after ``offset``'s starts (the text's end when it is the last)."""
    end = text.find("\n", offset)
    return len(text) if end < 0 else end + 1


def _block(key: str, value: Any, indent: str, step: str) -> str:
    """``key: value`` as YAML block lines (mappings nested, a list of flow items)."""
    if isinstance(value, dict):
        inner = "".join(_block(k, v, indent + step, step) for k, v in value.items())
        return f"{indent}{key}:\n{inner}"
    if isinstance(value, list):
        return f"{indent}{key}:\n" + "".join(f"{indent}{step}- {_flow(v, 'yaml')}\n" for v in value)
    return f"{indent}{key}: {_flow(value, 'yaml')}\n"


def _add_entry(
    text: str, mapping: Node, key: str, value: Any, syntax: str, step: str
) -> tuple[int, int, str] | None:
    """Add ``key: value`` to a mapping, after its last entry (``step``: the indentation of a nested block)."""
    quoted = json.dumps(key) if syntax == "json" else key
    if not mapping.entries:
        if not mapping.flow:
            return None
        return mapping.start + 1, mapping.start + 1, f"{quoted}: {_flow(value, syntax)}"
    last_key, last_value = mapping.entries[-1]
    first_key = mapping.entries[0][0]
    if mapping.flow:
        multiline = "\n" in text[mapping.start:first_key.start]
        separator = ",\n" + _line_indent(text, last_key.start) if multiline else ", "
        return last_value.end, last_value.end, f"{separator}{quoted}: {_flow(value, syntax)}"
    indent = _line_indent(text, first_key.start)
    if indent.strip():
        return None  # the mapping's first key shares its line with other text (a block mapping in a list item)
    at = _after_line(text, last_value.end)
    lead = "" if text[:at].endswith("\n") else "\n"
    return at, at, lead + _block(key, value, indent, step)


def _add_item(text: str, seq: Node, item: Any, syntax: str) -> tuple[int, int, str] | None:
    """Add ``item`` at the end of a list."""
    if not seq.items:
        return (seq.start + 1, seq.start + 1, _flow(item, syntax)) if seq.flow else None
    last = seq.items[-1]
    if seq.flow:
        multiline = "\n" in text[seq.start:seq.items[0].start]
        separator = ",\n" + _line_indent(text, last.start) if multiline else ", "
        return last.end, last.end, separator + _flow(item, syntax)
    prefix = _line_indent(text, last.start)
    if not re.fullmatch(r"[ \t]*-[ \t]+", prefix):
        return None
    at = _after_line(text, last.end)
    lead = "" if text[:at].endswith("\n") else "\n"
    return at, at, lead + prefix + _flow(item, "yaml") + "\n"
