"""Edits of a Terraform ``.tf`` / ``.tofu`` file's text: the arguments and nested blocks of one resource block, found
by a small scanner (strings with interpolations, comments and brackets; a heredoc makes it decline). Only literal
values are edited (a string, number or boolean, or a list of them); an expression — a variable, a local, a module
input, a function call — is not, and the scanner says so."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cogcheck.fix.edits import Declined, Splice

PathT = tuple[str | int, ...]
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_LITERAL = re.compile(r'^(?:"(?:[^"\\$%]|\\.)*"|-?\d+(?:\.\d+)?|true|false)$')
_INDENT = re.compile(r"[ \t]*")
_BARE = re.compile(r"[^\s,\]\)}#]+")  # a bare word: a number, a name, a reference


@dataclass
class Arg:
    name: str
    line: int  # offset where its line starts
    value_start: int
    value_end: int
    end: int  # offset after its line's newline


@dataclass
class Body:
    open: int  # offset after "{"
    close: int  # offset of "}"
    args: dict[str, Arg] = field(default_factory=dict)
    blocks: dict[str, list[Body]] = field(default_factory=dict)
    first: int | None = None  # offset where the first entry starts (its indentation comes before)
    line: int = 0  # offset where the block's line starts
    end: int = 0  # offset after the block's closing line


def _string_end(text: str, pos: int) -> int:
    """``pos`` at an opening quote: the offset after the closing one (interpolations may hold strings)."""
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == '"':
            return pos + 1
        if char == "\n":
            raise Declined("a string is not closed on its line")
        if text.startswith(("${", "%{"), pos):
            pos = _bracket_end(text, pos + 1, "}")
            continue
        pos += 1
    raise Declined("a string is not closed")


def _skip_comment(text: str, pos: int) -> int | None:
    if text.startswith(("#", "//"), pos):
        end = text.find("\n", pos)
        return len(text) if end < 0 else end
    if text.startswith("/*", pos):
        end = text.find("*/", pos + 2)
        if end < 0:
            raise Declined("a comment is not closed")
        return end + 2
    return None


def _bracket_end(text: str, pos: int, closer: str) -> int:
    """``pos`` at an opening bracket: the offset after its closer."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [closer]
    pos += 1
    while pos < len(text):
        char = text[pos]
        skipped = _skip_comment(text, pos)
        if skipped is not None:
            pos = skipped
        elif char == '"':
            pos = _string_end(text, pos)
        elif text.startswith("<<", pos) and _IDENT.match(text, pos + 2 + (text[pos + 2:pos + 3] == "-")):
            raise Declined("the block has a heredoc; not edited")
        elif char in pairs:
            stack.append(pairs[char])
            pos += 1
        elif char in ")]}":
            if char != stack.pop():
                raise Declined("brackets do not match")
            pos += 1
            if not stack:
                return pos
        else:
            pos += 1
    raise Declined("a bracket is not closed")


def _value_end(text: str, pos: int) -> int:
    """The end of the expression starting at ``pos`` (its line's end at bracket depth 0), before a trailing comment."""
    end = pos
    while pos < len(text) and text[pos] != "\n":
        char = text[pos]
        skipped = _skip_comment(text, pos)
        if skipped is not None:
            if text.startswith("/*", pos):
                pos = skipped
                continue
            break
        if char == '"':
            pos = end = _string_end(text, pos)
        elif char in "([{":
            pos = end = _bracket_end(text, pos, {"(": ")", "[": "]", "{": "}"}[char])
        elif text.startswith("<<", pos):
            raise Declined("the value is a heredoc; not edited")
        elif char in " \t\r":
            pos += 1
        else:
            pos = end = pos + 1
    return end


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _after_line(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end + 1


def _body(text: str, open_brace: int) -> Body:
    body = Body(open_brace + 1, -1)
    pos = open_brace + 1
    while pos < len(text):
        char = text[pos]
        skipped = _skip_comment(text, pos)
        if skipped is not None:
            pos = skipped
            continue
        if char in " \t\r\n;,":
            pos += 1
            continue
        if char == "}":
            body.close = pos
            return body
        match = _IDENT.match(text, pos)
        if match is None:
            raise Declined(f"unexpected {char!r} in a block")
        if body.first is None:
            body.first = pos
        name, pos = match.group(), match.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if text.startswith("=", pos) and not text.startswith("==", pos):
            start = pos + 1
            while start < len(text) and text[start] in " \t":
                start += 1
            end = _value_end(text, start)
            body.args[name] = Arg(name, _line_start(text, match.start()), start, end, _after_line(text, end))
            pos = end
            continue
        while pos < len(text) and text[pos] != "{":  # labels
            if text[pos] == '"':
                pos = _string_end(text, pos)
            elif text[pos] == "\n":
                raise Declined("a block's opening brace is not on its line")
            else:
                pos += 1
        nested = _body(text, pos)
        nested.line = _line_start(text, match.start())
        nested.end = _after_line(text, nested.close)
        body.blocks.setdefault(name, []).append(nested)
        pos = nested.close + 1
    raise Declined("a block is not closed")


_RESOURCE = re.compile(r'^[ \t]*resource[ \t]+"([^"\n]*)"[ \t]+"([^"\n]*)"[ \t]*\{', re.M)


@lru_cache(maxsize=4)
def _resource_headers(text: str) -> dict[tuple[str, str], list[re.Match[str]]]:
    """Every ``resource "TYPE" "NAME" {`` header of ``text``, found in one pass (fixes to one file ask for many
    resources: one search of the whole file per fix was quadratic in its clients)."""
    headers: dict[tuple[str, str], list[re.Match[str]]] = {}
    for match in _RESOURCE.finditer(text):
        headers.setdefault((match.group(1), match.group(2)), []).append(match)
    return headers


def resource_body(text: str, tf_type: str, name: str) -> Body:
    found = _resource_headers(text).get((tf_type, name), [])
    if len(found) != 1:
        raise Declined("the resource block is not written once in this file")
    body = _body(text, found[0].end() - 1)
    body.line = found[0].start()
    return body


def hcl_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def _list_items(text: str, arg: Arg) -> list[tuple[int, int]]:
    """(start, end) of each item of a literal list value; Declined when the value is not one."""
    value = text[arg.value_start:arg.value_end]
    if not value.startswith("[") or not value.endswith("]"):
        raise Declined("the value is an expression, not a literal list: change it where it is defined")
    items: list[tuple[int, int]] = []
    pos = arg.value_start + 1
    while True:
        while text[pos] in " \t\r\n,":
            pos += 1
        skipped = _skip_comment(text, pos)
        if skipped is not None:
            pos = skipped
            continue
        if text[pos] == "]":
            return items
        if text[pos] != '"' and not re.match(r"-?\d|true|false", text[pos:pos + 5]):
            raise Declined("the list holds an expression: change it where it is defined")
        end = _string_end(text, pos) if text[pos] == '"' else _value_end(text, pos)
        item = text[pos:end].split(",")[0].strip() if text[pos] != '"' else text[pos:end]
        if not _LITERAL.match(item):
            raise Declined("the list holds an expression: change it where it is defined")
        items.append((pos, pos + len(item)))
        pos += len(item)


def _literal(text: str, arg: Arg) -> None:
    if not _LITERAL.match(text[arg.value_start:arg.value_end]):
        raise Declined("the value is an expression (a variable, local, module input or function): change it "
                       "where it is defined")


def _find(body: Body, path: PathT) -> tuple[Body, PathT]:
    """The innermost block along ``path`` and the rest of the path (an argument name and maybe an index)."""
    while len(path) > 1 and isinstance(path[0], str) and path[0] in body.blocks:
        found = body.blocks[path[0]]
        if len(found) != 1:
            raise Declined(f"{path[0]} is written more than once")
        body, path = found[0], path[1:]
        if path and isinstance(path[0], int):
            path = path[1:]
    return body, path


def _blocks(names: tuple[str, ...], value: Any, indent: str, step: str, newline: str) -> str:
    """The argument ``names[-1] = value`` inside nested blocks ``names[:-1]`` (none: the argument alone), at
    ``indent``, each block ``step`` further in; its lines end with ``newline``."""
    if len(names) == 1:
        return f"{indent}{names[0]} = {hcl_value(value)}{newline}"
    inner = _blocks(names[1:], value, indent + step, step, newline)
    return f"{indent}{names[0]} {{{newline}{inner}{indent}}}{newline}"


def tf_check_written(text: str, tf_type: str, name: str, path: PathT) -> None:
    """:class:`Declined` when the argument at ``path`` of resource ``tf_type.name`` (if written) is an expression."""
    body, rest = _find(resource_body(text, tf_type, name), path)
    arg = body.args.get(str(rest[0])) if rest else None
    if arg is None:
        return
    try:
        _literal(text, arg)
    except Declined:
        _list_items(text, arg)


def tf_splices(text: str, tf_type: str, name: str, path: PathT, action: str, value: Any) -> list[Splice]:
    """The splices doing ``action`` at the Terraform argument ``path`` of resource ``tf_type.name``."""
    body, rest = _find(resource_body(text, tf_type, name), path)
    if not rest or not isinstance(rest[0], str):
        raise Declined("the value is not a plain argument")
    arg = body.args.get(rest[0])
    index = rest[1] if len(rest) > 1 and isinstance(rest[1], int) else None
    if action == "remove" and arg is None and index is None and rest[0] in body.blocks:
        block = body.blocks[rest[0]][0]
        return [Splice(block.line, block.end, "")]
    if action == "set" and arg is None and all(isinstance(part, str) for part in rest) and (
            len(rest) == 1 or rest[0] not in body.blocks):
        if body.first is None:
            raise Declined("the block has no argument to follow")
        indent = text[_line_start(text, body.first):body.first]
        if indent.strip():
            raise Declined("the block's first argument shares its line")
        last = max([a.end for a in body.args.values()] + [b.end for bs in body.blocks.values() for b in bs])
        newline = "\r\n" if "\r\n" in text else "\n"
        outer = _INDENT.match(text, body.line).group()  # type: ignore[union-attr]
        step = indent[len(outer):] if indent.startswith(outer) and len(indent) > len(outer) else "  "
        prefix = "" if text[last - 1:last] == "\n" else newline
        return [Splice(last, last, prefix + _blocks(tuple(map(str, rest)), value, indent, step, newline))]
    if arg is None:
        raise Declined("the argument is not written in this block")
    if action == "remove" and value is not None:
        items = _list_items(text, arg)
        matching = [i for i, (s, e) in enumerate(items) if text[s:e] == hcl_value(value)]
        if len(matching) != 1:
            raise Declined(f"{value} is not written once in the list")
        index = matching[0]
    if index is not None:
        items = _list_items(text, arg)
        if index >= len(items):
            raise Declined("the list item is not written here")
        start, end = items[index]
        if action == "replace":
            return [Splice(start, end, hcl_value(value))]
        if action == "remove":
            if index + 1 < len(items):
                return [Splice(start, items[index + 1][0], "")]
            if index > 0:
                return [Splice(items[index - 1][1], end, "")]
            return [Splice(start, end, "")]
        raise Declined(f"{action} of a list item is not supported")
    if action == "append":
        items = _list_items(text, arg)
        if not items:
            return [Splice(arg.value_start + 1, arg.value_start + 1, hcl_value(value))]
        between = text[items[-2][1]:items[-1][0]] if len(items) > 1 else ", "
        separator = between if between.strip() == "," else ", "
        return [Splice(items[-1][1], items[-1][1], separator + hcl_value(value))]
    if action in ("replace", "set"):
        _literal(text, arg)
        return [Splice(arg.value_start, arg.value_end, hcl_value(value))]
    if action == "remove":
        return [Splice(arg.line, arg.end, "")]
    raise Declined(f"{action} is not supported in Terraform")


def expression_end(text: str, pos: int) -> int:
    """Where what is written at ``pos`` ends (for an editor's range): an argument ``name = expression`` where its
    expression ends, a nested block ``name {`` at its closing brace, a list item at its end; :class:`Declined`
    where the scanner cannot tell (a heredoc, an unclosed bracket)."""
    match = _IDENT.match(text, pos)
    if match is not None:
        after = match.end()
        while after < len(text) and text[after] in " \t":
            after += 1
        if text.startswith("=", after) and not text.startswith("==", after):
            after += 1
            while after < len(text) and text[after] in " \t":
                after += 1
            return _value_end(text, after)
        if text.startswith("{", after):
            return _bracket_end(text, after, "}")
    if text.startswith('"', pos):
        return _string_end(text, pos)
    if text[pos:pos + 1] in ("[", "{", "("):
        return _bracket_end(text, pos, {"(": ")", "[": "]", "{": "}"}[text[pos]])
    item = _BARE.match(text, pos)  # matched in place: a slice to the end of the file per fix was quadratic
    if item is None:
        raise Declined("nothing is written here")
    return item.end()
