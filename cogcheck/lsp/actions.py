"""Code actions: a finding's fix (exactly the edits ``scan --fix`` makes), "suppress with reason", fix all.

A suppression is written where cogcheck reads it (:mod:`cogcheck.scan.suppress`): an entry
``{id: RULE, reason: "…"}`` under the resource's ``Metadata: {cogcheck: {ignore: [...]}}`` in a YAML template (a
``Metadata`` block added when the resource has none), ``"Metadata": {"cogcheck": {"ignore": [...]}}`` in a JSON
template whose resource has no ``Metadata`` yet, and a ``# cogcheck:ignore RULE reason: …`` comment line above the
resource block in Terraform. The reason is a placeholder for the user to write: an entry without one suppresses
nothing. Where the text is laid out otherwise (flow style, an existing JSON ``Metadata``), no action is offered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from lsprotocol import types

from cogcheck.findings import Finding
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
    if finding.file.lower().endswith(".json"):
        return _json(finding, lines)
    return _yaml(finding, lines)


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


def _resource_line(finding: Finding, lines: Lines, json_key: bool) -> int | None:
    key = json.dumps(finding.resource) if json_key else rf"(?:{re.escape(finding.resource)}|" \
        rf"\"{re.escape(finding.resource)}\"|'{re.escape(finding.resource)}')"
    pattern = re.compile(rf"^\s*{re.escape(key) if json_key else key}\s*:")
    best: tuple[int, int] | None = None  # the least indented match: a resource, not a property of the same name
    for number in range(1, len(lines.lines) + 1):
        text = lines.line(number)
        if pattern.match(text) and (best is None or _indent(text) < best[1]):
            best = (number, _indent(text))
    return best[0] if best is not None else None


def _yaml(finding: Finding, lines: Lines) -> types.TextEdit | None:
    start = _resource_line(finding, lines, json_key=False)
    if start is None or not lines.line(start).rstrip().endswith(":"):
        return None  # flow style, or not found
    base = _indent(lines.line(start))
    body: list[tuple[int, str]] = []
    number = start + 1
    while number <= len(lines.lines):
        text = lines.line(number)
        if text.strip() and not text.lstrip().startswith("#"):
            if _indent(text) <= base:
                break
            body.append((number, text))
        number += 1
    if not body:
        return None
    child = _indent(body[0][1])
    step = child - base
    entry = f'{{id: {finding.rule_id}, reason: "{REASON}"}}'
    metadata = [(n, t) for n, t in body if _indent(t) == child and re.match(r"\s*Metadata\s*:", t)]
    if not metadata:
        pad = " " * child
        block = f"{pad}Metadata:\n{pad}{' ' * step}cogcheck:\n{pad}{' ' * 2 * step}ignore:\n" \
                f"{pad}{' ' * 3 * step}- {entry}\n"
        where = lines.position(start + 1, 1)
        return types.TextEdit(range=types.Range(start=where, end=where), new_text=block)
    meta_line, meta_text = metadata[0]
    if not meta_text.rstrip().endswith(":"):
        return None
    inner = [(n, t) for n, t in body if n > meta_line]
    inner_block: list[tuple[int, str]] = []
    for n, t in inner:
        if _indent(t) <= child:
            break
        inner_block.append((n, t))
    if any(re.match(r"\s*cogcheck\s*:", t) for _, t in inner_block):
        return None  # an existing cogcheck entry: its layout varies; the user adds to it
    pad = " " * (child + step)
    block = f"{pad}cogcheck:\n{pad}{' ' * step}ignore:\n{pad}{' ' * 2 * step}- {entry}\n"
    where = lines.position(meta_line + 1, 1)
    return types.TextEdit(range=types.Range(start=where, end=where), new_text=block)


def _json(finding: Finding, lines: Lines) -> types.TextEdit | None:
    start = _resource_line(finding, lines, json_key=True)
    if start is None or not lines.line(start).rstrip().endswith("{"):
        return None
    following = lines.line(start + 1)
    if not following.strip() or '"Metadata"' in "".join(lines.lines[start - 1:start + 40]):
        return None
    pad = " " * _indent(following)
    entry = json.dumps({"cogcheck": {"ignore": [{"id": finding.rule_id, "reason": REASON}]}})
    where = lines.position(start + 1, 1)
    return types.TextEdit(range=types.Range(start=where, end=where), new_text=f'{pad}"Metadata": {entry},\n')
