"""A rule's fix as data: ``fix:`` on a check (or on a rule with one check) says which edit removes the finding.

```yaml
fix:
  action: replace            # replace | rename | remove | append | set
  value: '{detail.meant}'    # a literal, or text with {detail.NAME} / {@} placeholders
  applicability: safe        # safe | unsafe
  description: write {detail.meant}
```

* ``replace``: the value at the finding's property becomes ``value``;
* ``rename``: the key of the finding's property becomes ``value`` (a misspelt property name);
* ``remove``: the finding's property (a property, or an item of a list) is deleted; with a ``value``, the item equal
  to it is deleted from the list at ``target``;
* ``append``: ``value`` is added at the end of the list at ``target``;
* ``set``: the property ``target`` is written as ``value`` (added when absent, with the mappings that enclose it).

``target`` (a property path such as ``ExplicitAuthFlows``, or ``{detail.NAME}`` naming one; default: the finding's
property) says where ``append``, ``set`` and ``rename`` edit. ``pattern`` (a regular expression; only in a check
with ``for_each``) makes ``replace`` rewrite the item ``@`` by substituting ``value`` for the pattern's first match
(``pattern: '(?i)^http://'``, ``value: 'https://'``). A value whose placeholders name a detail the predicate did not
leave gives no fix: the finding says why when the predicate left a ``no_fix`` detail (its ``fix_declined``), else it
stays without one. The edits themselves are computed by :mod:`cogcheck.fix`.
"""

from __future__ import annotations

import re
from typing import Any, Final

from cogcheck.findings import APPLICABILITIES
from cogcheck.record import Record

#: what a fix may do, and whether it needs a ``value`` (None: it may have one)
FIX_ACTIONS: dict[str, bool | None] = {"replace": True, "rename": True, "remove": None, "append": True, "set": True}
_FIX_KEYS = {"action", "value", "target", "pattern", "applicability", "description"}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_TARGET = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$")


class FixSpec(Record):
    """A declared fix (see the module's documentation)."""

    __slots__ = ("action", "applicability", "description", "pattern", "target", "value")

    def __init__(self, action: str, applicability: str, description: str, value: Any = None,
                 target: str | None = None, pattern: str | None = None) -> None:
        self.action: Final = action
        self.applicability: Final = applicability
        self.description: Final = description
        self.value: Final = value
        self.target: Final = target
        self.pattern: Final = pattern

    def placeholders(self) -> list[str]:
        texts = [self.description] + ([self.value] if isinstance(self.value, str) else []) + (
            [self.target] if self.target else [])
        return [name for text in texts for name in _PLACEHOLDER.findall(text)]


def parse_fix(raw: Any, where: str, details: set[str], for_each: bool, problems: list[str]) -> FixSpec | None:
    """The fix declared at ``where`` (problems appended); ``details``: what the check's predicates may leave."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: a fix is a mapping with action, applicability and description")
        return None
    if set(raw) - _FIX_KEYS:
        problems.append(f"{where}: unknown keys {sorted(set(raw) - _FIX_KEYS)}")
    action = raw.get("action")
    if action not in FIX_ACTIONS:
        problems.append(f"{where}.action: {action!r} is not one of {', '.join(FIX_ACTIONS)}")
        return None
    if raw.get("applicability") not in APPLICABILITIES:
        problems.append(f"{where}.applicability: {raw.get('applicability')!r} is not safe or unsafe")
    if not isinstance(raw.get("description"), str) or not raw["description"].strip():
        problems.append(f"{where}.description: a fix says what it does")
    value = raw.get("value")
    if FIX_ACTIONS[action] and (value is None or isinstance(value, dict | list)):
        problems.append(f"{where}.value: {action} needs a value (a string, number or boolean)")
    if FIX_ACTIONS[action] is False and value is not None:
        problems.append(f"{where}.value: {action} takes no value")
    target = raw.get("target")
    if target is not None and (not isinstance(target, str) or not (
            _TARGET.match(target) or _PLACEHOLDER.fullmatch(target))):
        problems.append(f"{where}.target: {target!r} is not a property path such as ExplicitAuthFlows")
    if (action in ("append", "set") or (action == "remove" and value is not None)) and target is None:
        problems.append(f"{where}.target: {action} needs the property it edits")
    pattern = raw.get("pattern")
    if pattern is not None:
        problems += _pattern_problems(pattern, action, for_each, where)
    spec = fix_spec(raw)
    for name in spec.placeholders():
        if name == "@":
            if not for_each:
                problems.append(f"{where}: {{@}} outside a check with for_each")
        elif not name.startswith("detail.") or name[7:] not in details:
            problems.append(f"{where}: placeholder {{{name}}} is not a detail a predicate of the check leaves")
    return spec


def fix_spec(raw: dict[str, Any]) -> FixSpec:
    """The fix ``raw`` declares, checked by :func:`parse_fix` (or when the shipped catalogue was generated)."""
    pattern = raw.get("pattern")
    return FixSpec(raw["action"], str(raw.get("applicability")), str(raw.get("description", "")), raw.get("value"),
                   raw.get("target"), pattern if isinstance(pattern, str) else None)


def _pattern_problems(pattern: Any, action: str, for_each: bool, where: str) -> list[str]:
    if not isinstance(pattern, str) or not pattern:
        return [f"{where}.pattern: a regular expression (a non-empty string)"]
    problems = []
    if action != "replace" or not for_each:
        problems.append(f"{where}.pattern: rewrites the item @ of a replace (a check with for_each)")
    try:
        re.compile(pattern)
    except re.error as exc:
        problems.append(f"{where}.pattern: not a regular expression: {exc}")
    return problems


#: the detail a predicate leaves to say why a finding has no fix when its fix's placeholders have no value
NO_FIX = "no_fix"


class FixRequest(Record):
    """A declared fix filled in for one finding: what to edit, where (a property path; None: the finding's own) and
    to what. :mod:`cogcheck.fix` turns it into edits of the file, or says why it cannot."""

    __slots__ = ("action", "applicability", "description", "target", "value")

    def __init__(self, action: str, applicability: str, description: str, value: Any = None,
                 target: tuple[str | int, ...] | None = None) -> None:
        self.action: Final = action
        self.applicability: Final = applicability
        self.description: Final = description
        self.value: Final = value
        self.target: Final = target


def fill(spec: FixSpec, details: dict[str, Any], item: Any, has_item: bool) -> FixRequest | None:
    """``spec`` with its placeholders filled from the finding's details and ``@`` (None when one is missing, or the
    ``pattern`` does not match ``@``: no fix is evident for this finding)."""
    missing = False

    def text_of(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        value = (item if has_item else None) if name == "@" else details.get(name[7:])
        if not isinstance(value, str | int | float) or isinstance(value, bool) or value == "":
            missing = True
            return ""
        return str(value)

    value = spec.value
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        value = _PLACEHOLDER.sub(text_of, value) if whole is None or whole.group(1) != "@" else (
            item if has_item and isinstance(item, str | int | float) else None)
        if value is None:
            missing = True
    if spec.pattern is not None:
        if not has_item or not isinstance(item, str) or re.search(spec.pattern, item) is None:
            return None
        value = re.sub(spec.pattern, str(value).replace("\\", "\\\\"), item, count=1)
    description = _PLACEHOLDER.sub(text_of, spec.description)
    target_text = _PLACEHOLDER.sub(text_of, spec.target) if spec.target else None
    if missing or (target_text is not None and not _TARGET.match(target_text)):
        return None
    target = tuple(target_text.split(".")) if target_text else None
    return FixRequest(spec.action, spec.applicability, description, value, target)


def fix_schema() -> dict[str, Any]:
    """The JSON Schema of ``fix:`` (cogcheck.engine.ruleschema), from the same tables :func:`parse_fix` checks."""
    needs = [action for action, value in FIX_ACTIONS.items() if value]
    refuses = [action for action, value in FIX_ACTIONS.items() if value is False]
    targeted = [action for action in ("append", "set") if action in FIX_ACTIONS]
    return {
        "description": "how to fix what the check finds (docs/fixes.md): an edit of the client's properties",
        "type": "object",
        "required": ["action", "applicability", "description"],
        "additionalProperties": False,
        "properties": {
            "action": {"enum": list(FIX_ACTIONS), "description": "replace or rename the finding's value or key, "
                       "remove it, append an item to the list at target, set the property target"},
            "value": {"type": ["string", "number", "boolean"],
                      "description": "what to write; may hold {detail.NAME} and {@}"},
            "target": {"type": "string", "pattern": f"{_TARGET.pattern}|^\\{{detail\\.[A-Za-z_]+\\}}$",
                       "description": "the property path edited (default: the finding's), or {detail.NAME}"},
            "pattern": {"type": "string", "minLength": 1, "description": "with replace under for_each: the "
                        "regular expression in @ whose first match value replaces"},
            "applicability": {"enum": list(APPLICABILITIES)},
            "description": {"type": "string", "minLength": 1, "description": "what the fix does, for the user"},
        },
        "allOf": [
            {"if": {"properties": {"action": {"enum": needs}}}, "then": {"required": ["value"]}},
            {"if": {"properties": {"action": {"enum": refuses or ["-"]}}}, "then": {"not": {"required": ["value"]}}},
            {"if": {"properties": {"action": {"enum": targeted}}}, "then": {"required": ["target"]}},
        ],
    }
