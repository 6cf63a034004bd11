"""The Terraform JSON form (``.tf.json``) of a Terraform fixture, for the fix properties in that syntax.

Only the shape tests/fixtures/terraform/convert.py writes is translated: top-level ``resource`` and ``variable``
blocks, one argument a line, nested blocks one level deep, and values that are literals, references or lists and
maps of them (a reference becomes ``"${...}"``, as Terraform's JSON syntax writes an expression). Anything else —
a function call, an operator, a heredoc, a ``for`` — gives None: the fixture has no JSON form here.
"""

from __future__ import annotations

import json
import re
from typing import Any

_TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])|'
                    r"(?P<ref>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)|(?P<punct>[\[\]{},=]))")
_OPEN = re.compile(r'^(resource|variable)((?:\s+"[^"]*")+)\s*\{\s*$')
_NESTED = re.compile(r"^\s+([a-z_][a-z0-9_]*)\s*\{\s*$")
_ARGUMENT = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*=\s*(.+?)\s*$")


class _NoJson(Exception):
    pass


def _value(text: str, depends_on: bool = False) -> Any:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            if text[pos:].strip():
                raise _NoJson(text)
            break
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    value, rest = _parse(tokens, depends_on)
    if rest:
        raise _NoJson(text)
    return value


def _parse(tokens: list[tuple[str, str]], depends_on: bool) -> tuple[Any, list[tuple[str, str]]]:
    if not tokens:
        raise _NoJson("no value")
    (kind, text), rest = tokens[0], tokens[1:]
    if kind == "string":
        return json.loads(text), rest
    if kind == "number":
        return json.loads(text), rest
    if kind == "ref":
        if text in ("true", "false"):
            return text == "true", rest
        if text == "null":
            raise _NoJson("null")
        return (text if depends_on else "${" + text + "}"), rest
    if text == "[":
        items = []
        while rest and rest[0][1] != "]":
            item, rest = _parse(rest, depends_on)
            items.append(item)
            if rest and rest[0][1] == ",":
                rest = rest[1:]
        return items, rest[1:]
    if text == "{":
        mapping = {}
        while rest and rest[0][1] != "}":
            key, rest = _parse(rest, False)
            if not rest or rest[0][1] != "=" or not isinstance(key, str):
                raise _NoJson("a map entry")
            mapping[key], rest = _parse(rest[1:], False)
            if rest and rest[0][1] == ",":
                rest = rest[1:]
        return mapping, rest[1:]
    raise _NoJson(text)


def tf_to_json(text: str) -> str | None:
    """The ``.tf.json`` text of ``text`` (a fixture's ``.tf``), or None when it has a construct translated here."""
    doc: dict[str, Any] = {}
    body: dict[str, Any] | None = None
    nested: dict[str, Any] | None = None
    try:
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            opened, block, argument = _OPEN.match(line), _NESTED.match(line), _ARGUMENT.match(line)
            if body is None:
                if opened is None:
                    raise _NoJson(line)
                labels = re.findall(r'"([^"]*)"', opened.group(2))
                body = {}
                if opened.group(1) == "resource" and len(labels) == 2:
                    doc.setdefault("resource", {}).setdefault(labels[0], {})[labels[1]] = body
                elif opened.group(1) == "variable" and len(labels) == 1:
                    doc.setdefault("variable", {})[labels[0]] = body
                else:
                    raise _NoJson(line)
            elif line.strip() == "}":
                if nested is not None:
                    nested = None
                else:
                    body = None
            elif block is not None and nested is None:
                nested = {}
                if block.group(1) in body:
                    raise _NoJson("a block written twice")
                body[block.group(1)] = nested
            elif argument is not None:
                name = argument.group(1)
                (nested if nested is not None else body)[name] = _value(argument.group(2), name == "depends_on")
            else:
                raise _NoJson(line)
    except _NoJson:
        return None
    if body is not None or not doc:
        return None
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
