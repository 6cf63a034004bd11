"""Keys written twice in one mapping, and templates whose tool keeps the last of them (a ``Transform``).

CloudFormation, the AWS CLI and cfn-lint reject a template that repeats a key in one mapping, so a plain template
with one is an input error. A template with a top-level ``Transform`` (SAM's ``AWS::Serverless-2016-10-31``, or a
macro) is deployed through a tool that loads it and writes it out again: SAM CLI's ``yaml_parse`` reads YAML with
PyYAML's safe loader and JSON with :func:`json.loads`, both keeping the *last* value of a repeated key, so such a
template deploys. cogcheck reads it the same way and reports each repeated key (:mod:`cogcheck.scan.check`: a
finding of COG-E038 on a user pool client, a notice elsewhere).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from cogcheck.record import Record

PathT = tuple[str | int, ...]

#: At most this many repeated keys are recorded per template (with their paths); the rest are only counted.
MAX_RECORDED = 1000


class DuplicateKey(Record):
    """A key written again in a mapping: ``path`` is the mapping's path and the key; ``line`` (1-based) is where
    the repeated key is written; ``column`` too."""

    __slots__ = ("column", "line", "path")

    def __init__(self, path: PathT, line: int, column: int) -> None:
        self.path: Final = path
        self.line: Final = line
        self.column: Final = column

    @property
    def key(self) -> str:
        return str(self.path[-1])


class Duplicates(Record):
    """The repeated keys of one template (the first :data:`MAX_RECORDED`) and how many there are in all."""

    __slots__ = ("found", "total")

    def __init__(self, found: tuple[DuplicateKey, ...] = (), total: int = 0) -> None:
        self.found: Final = found
        self.total: Final = total

    def __bool__(self) -> bool:
        return self.total > 0


def has_transform(doc: Any) -> bool:
    """Whether the template declares a top-level ``Transform``: a name, or a list of them (macros included)."""
    if not isinstance(doc, dict):
        return False
    transform = doc.get("Transform")
    if isinstance(transform, list):
        return any(isinstance(item, str | dict) and item for item in transform)
    return isinstance(transform, str | dict) and bool(transform)


def in_resource(duplicates: Duplicates, resources_key: PathT, logical_id: str) -> list[DuplicateKey]:
    """The recorded duplicates inside resource ``logical_id`` (its own key repeated in ``Resources`` included)."""
    prefix = (*resources_key, logical_id)
    return [d for d in duplicates.found if d.path[: len(prefix)] == prefix]


def property_path(duplicate: DuplicateKey, resources_key: PathT) -> PathT:
    """The client property path a duplicate inside a resource's ``Properties`` stands for: the raw path below
    ``Properties``, cut before the first intrinsic function (``Ref``, ``Fn::...``) or a key a property path
    cannot spell. Empty when the duplicate is not inside ``Properties`` (``Type`` written twice, or the resource)."""
    start = len(resources_key) + 1
    path = duplicate.path
    if len(path) <= start + 1 or path[start] != "Properties":
        return ()
    parts: list[str | int] = []
    for part in path[start + 1 :]:
        if isinstance(part, str) and (part == "Ref" or part.startswith("Fn::") or not _PLAIN_KEY.match(part)):
            break
        parts.append(part)
    return tuple(parts)


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_@:-]+$")


def describe(duplicate: DuplicateKey) -> str:
    """``'Name' in Resources.CachePolicy.Properties.CachePolicyConfig``."""
    where = ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in duplicate.path[:-1])
    return f"{duplicate.key!r}" + (f" in {where.replace('.[', '[')}" if where else " at the top level")


# ---------------------------------------------------------------------------------------------------------- YAML


def yaml_duplicates(root: Any, repeated: list[tuple[Any, Any]], total: int, tag_names: dict[str, str]) -> Duplicates:
    """Paths of the repeated keys ``(mapping node, key node)`` met while constructing the document ``root``.

    One walk over the node graph, each node once (aliases are not followed twice), from the root: a mapping's path
    is the first path it is met at. ``tag_names`` maps short-form tags to the key they stand for (``!If`` → ``Fn::If``).
    """
    import yaml

    wanted = {id(mapping) for mapping, _key in repeated}
    paths: dict[int, PathT] = {}
    seen: set[int] = set()
    stack: list[tuple[Any, PathT]] = [(root, ())]
    while stack and len(paths) < len(wanted):
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.tag, str) and node.tag.startswith("!") and not isinstance(node, yaml.ScalarNode):
            path = (*path, tag_names.get(node.tag, "Fn::" + node.tag[1:]))
        if isinstance(node, yaml.MappingNode):
            if id(node) in wanted:
                paths.setdefault(id(node), path)
            for key_node, value_node in reversed(node.value):
                if key_node.tag == "tag:yaml.org,2002:merge":
                    stack.append((value_node, path))  # merged mappings' keys land in this mapping
                elif isinstance(key_node, yaml.ScalarNode):
                    stack.append((value_node, (*path, key_node.value)))
        elif isinstance(node, yaml.SequenceNode):
            for index in range(len(node.value) - 1, -1, -1):
                stack.append((node.value[index], (*path, index)))
    found = []
    for mapping, key_node in repeated:
        base = paths.get(id(mapping))
        if base is not None:  # a merged mapping met only through `<<`: recorded at the mapping it merges into
            mark = key_node.start_mark
            found.append(DuplicateKey((*base, key_node.value), mark.line + 1, mark.column + 1))
    found.sort(key=lambda d: (d.line, d.column))
    return Duplicates(tuple(found), total)


# ---------------------------------------------------------------------------------------------------------- JSON

#: JSON strings and the punctuation that gives structure, commas included (array indexes).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


def json_duplicates(text: str) -> Duplicates:
    """Every key written again in an object of ``text`` (valid JSON), with its path: one pass over the tokens."""
    stack: list[list[Any]] = []  # per open container: [keys seen (None for an array), current key or index]
    last: re.Match[str] | None = None
    found: list[tuple[int, PathT]] = []
    total = 0
    for match in _JSON_TOKEN.finditer(text):
        mark = match.group()
        if mark == "{":
            stack.append([set(), None])
        elif mark == "[":
            stack.append([None, 0])
        elif mark in "}]":
            if stack:
                stack.pop()
        elif mark == ",":
            if stack and stack[-1][0] is None:
                stack[-1][1] += 1
        elif mark == ":" and last is not None and last.group().startswith('"') and stack and stack[-1][0] is not None:
            key = json.loads(last.group())
            if key in stack[-1][0]:
                total += 1
                if len(found) < MAX_RECORDED:
                    found.append((last.start(), (*(entry[1] for entry in stack[:-1]), key)))
            stack[-1][0].add(key)
            stack[-1][1] = key
        last = match
    starts = [0, *(m.end() for m in re.finditer("\n", text))] if found else []
    import bisect

    records = []
    for offset, path in found:
        line = bisect.bisect_right(starts, offset)
        records.append(DuplicateKey(path, line, offset - starts[line - 1] + 1))
    return Duplicates(tuple(records), total)
