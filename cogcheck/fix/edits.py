"""A declared fix (:class:`cogcheck.engine.fixspec.FixRequest`) as splices of one YAML or JSON template's text.

Each edit replaces a range of characters; nothing else of the file is touched, so comments, quoting, anchors,
indentation and key order stay as written. A new entry or item copies the style around it: block or flow, the
indentation of its neighbours, their separator. A value written through an intrinsic function, a parameter, a
mapping or a YAML anchor is not edited: :func:`splices` says why instead.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Final

from cogcheck.fix.nodes import Node, NodeError, json_nodes, yaml_nodes
from cogcheck.record import Record

if TYPE_CHECKING:
    import yaml

    from cogcheck.cfn.jsontext import JsonText

PathT = tuple[str | int, ...]


class Splice(Record):
    """Replace ``text[start:end]`` with ``text``."""

    __slots__ = ("end", "start", "text")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start: Final = start
        self.end: Final = end
        self.text: Final = text


class Declined(Exception):
    """Why no edit is offered (the finding's ``fix_declined``)."""


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./:+-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _intrinsic(node: Node, parameters: frozenset[str]) -> str | None:
    """Why ``node``'s value comes from elsewhere: ``parameter Stage``, ``Fn::If``... (None: it is written here)."""
    if node.tag is not None:
        name, argument = node.tag[1:], node.value if node.kind == "scalar" else None
    elif node.kind == "map" and len(node.entries) == 1 and isinstance(node.entries[0][0].value, str) and (
        node.entries[0][0].value in ("Ref", "Condition") or node.entries[0][0].value.startswith("Fn::")
    ):
        key, value = node.entries[0]
        name, argument = str(key.value).removeprefix("Fn::"), value.value if value.kind == "scalar" else None
    else:
        return None
    if name == "Ref" and isinstance(argument, str):
        if argument in parameters:
            return f"the value comes from parameter {argument}: change its value or default instead"
        return f"the value comes from {argument} (a Ref): change it where it is defined"
    if name == "FindInMap":
        return "the value comes from a mapping (Fn::FindInMap): change it in Mappings"
    return f"the value is computed by {'Fn::' + name if name not in ('Ref', 'Condition') else name}"


#: an interpolation or directive of a Terraform template (``$${`` and ``%%{`` are escapes of the characters)
_TEMPLATE = re.compile(r"(?<![$])\$\{|(?<![%])%\{")


def _expression(node: Node) -> str | None:
    """Why ``node``, a value of a ``.tf.json`` file, is not edited: a string with an interpolation is an expression
    (Terraform's JSON syntax writes a reference, a variable or a function call that way)."""
    if node.kind == "scalar" and isinstance(node.value, str) and _TEMPLATE.search(node.value):
        return "the value is an expression (a reference, variable, local, module input or function): change it " \
               "where it is defined"
    return None


def _walk(root: Node, path: PathT, parameters: frozenset[str], terraform: bool = False,
          ) -> tuple[list[Node], Node | None]:
    """The nodes along ``path`` (the last one None when the path goes no further), declining on the way."""
    chain = [root]
    node: Node | None = root
    for part in path:
        assert node is not None
        why = _intrinsic(node, parameters)
        if why is not None:
            raise Declined(why)
        if node.shared:
            raise Declined("the value is shared through a YAML anchor: change it where the anchor is defined")
        if node.kind == "map" and isinstance(part, str):
            found = node.entry(part)
            if found is None:
                return chain, None
            node = found[1]
        elif node.kind == "seq" and isinstance(part, int) and 0 <= part < len(node.items):
            node = node.items[part]
        else:
            return chain, None
        chain.append(node)
    why = _intrinsic(node, parameters) if node is not None else None
    if why is None and terraform and node is not None:
        why = _expression(node)
    if why is not None:
        raise Declined(why)
    if node is not None and node.shared:
        raise Declined("the value is shared through a YAML anchor: change it where the anchor is defined")
    return chain, node


def scalar_text(value: Any, syntax: str, style: str | None = None) -> str:
    """``value`` written as a scalar of ``syntax``, in the quoting ``style`` of the value it replaces."""
    import json

    if syntax == "json":
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if style == '"':
        return json.dumps(text, ensure_ascii=False)
    if style is None and _PLAIN.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return "'" + text.replace("'", "''") + "'"


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


@functools.lru_cache(maxsize=4)
def _newline(text: str) -> str:
    """The text's line break; once per text (a scan offers many fixes in one file; a str caches its hash)."""
    return "\r\n" if "\r\n" in text else "\n"


def _own_lines(text: str, start: int, end: int, prefix: str) -> Splice:
    """Remove the lines from ``start``'s to ``end``'s (block style) when ``start`` begins its line after ``prefix``."""
    line = _line_start(text, start)
    if not re.fullmatch(prefix, text[line:start]):
        raise Declined("the entry shares its line with other text")
    stop = _line_end(text, end)
    return Splice(line, min(len(text), stop + 1), "")


def _remove(text: str, parent: Node, index: int) -> Splice:
    spans = [(k.start, v.end) for k, v in parent.entries] if parent.kind == "map" else [
        (item.start, item.end) for item in parent.items]
    start, end = spans[index]
    if not parent.flow:
        if len(spans) == 1:
            raise Declined("removing the only entry would leave the property empty")
        return _own_lines(text, start, end, r"[ \t]*" if parent.kind == "map" else r"[ \t]*-[ \t]+")
    if index + 1 < len(spans):
        return Splice(start, spans[index + 1][0], "")
    if index > 0:
        return Splice(spans[index - 1][1], end, "")
    return Splice(start, end, "")


def _separator(text: str, spans: list[tuple[int, int]], container_start: int) -> str:
    """What goes between the last item and a new one, copied from the items before."""
    if len(spans) >= 2:
        between = text[spans[-2][1]:spans[-1][0]]
        if "#" not in between and between.strip() == ",":
            return between
    if text.find("\n", container_start, spans[-1][0]) >= 0:
        line = _line_start(text, spans[-1][0])
        indent = text[line:spans[-1][0]]
        if not indent.strip():
            return "," + _newline(text) + indent
    return ", "


def _nested(keys: PathT, value: Any, syntax: str, flow: bool, indent: str, step: str, newline: str,
            colon: str) -> str:
    """``value`` under the mappings ``keys`` (none: the scalar itself), written as the value of an entry indented
    ``indent``: in flow style on one line, else one key a line, each ``step`` further in."""
    if not keys:
        return scalar_text(value, syntax)
    inner = _nested(keys[1:], value, syntax, flow, indent + step, step, newline, colon)
    key = scalar_text(keys[0], syntax)
    if flow:
        return "{" + key + colon + inner + "}"
    if syntax == "json":
        return "{" + newline + indent + step + key + colon + inner + newline + indent + "}"
    return newline + indent + step + key + ":" + ("" if inner.startswith(newline) else " ") + inner


def _step(indent: str, outer: str) -> str:
    """One level of indentation: what ``indent`` adds to ``outer`` (two spaces when that says nothing)."""
    return indent[len(outer):] if indent.startswith(outer) and len(indent) > len(outer) else "  "


def _insert_entry(text: str, mapping: Node, keys: PathT, value: Any, syntax: str, outer: str = "") -> Splice:
    """An entry ``keys[0]`` added to ``mapping``, holding ``value`` under the mappings ``keys[1:]``; ``outer``: the
    indentation of the line that opens the mapping (the nested mappings' indentation steps from it)."""
    key_text = scalar_text(keys[0], syntax)
    newline = _newline(text)
    colon = ": "
    if syntax == "json" and mapping.entries:
        first_key, first_value = mapping.entries[-1]
        colon = text[first_key.end:first_value.start]
    if not mapping.entries:
        if not mapping.flow:
            raise Declined("the mapping has no entries to follow")
        return Splice(mapping.start + 1, mapping.start + 1,
                      key_text + colon + _nested(keys[1:], value, syntax, True, "", "", newline, colon))
    spans = [(k.start, v.end) for k, v in mapping.entries]
    if mapping.flow:
        separator = _separator(text, spans, mapping.start)
        indent = separator.split("\n")[-1] if "\n" in separator else ""
        one_line = "\n" not in separator or syntax != "json"
        nested = _nested(keys[1:], value, syntax, one_line, indent, _step(indent, outer), newline, colon)
        return Splice(spans[-1][1], spans[-1][1], separator + key_text + colon + nested)
    first = mapping.entries[0][0].start
    indent = text[_line_start(text, first):first]
    if indent.strip():
        raise Declined("the mapping's first key shares its line with other text")
    nested = _nested(keys[1:], value, syntax, False, indent, _step(indent, outer), newline, colon)
    entry = key_text + ":" + ("" if nested.startswith(newline) else " ") + nested
    at = _line_end(text, spans[-1][1])
    if text.endswith("\r", 0, at):  # in place: a copy of the text before it per fix was quadratic
        at -= 1
    return Splice(at, at, newline + indent + entry)


_INDENT = re.compile(r"[ \t]*")


def _opening_indent(text: str, chain: list[Node], path: PathT) -> str:
    """The indentation of the line where the last mapping of ``chain`` is opened: its key's line (block style) or the
    line of its ``{``."""
    mapping = chain[-1]
    if len(chain) >= 2 and not mapping.flow:
        found = chain[-2].entry(str(path[len(chain) - 2])) if chain[-2].kind == "map" else None
        if found is not None:
            at = found[0].start
            return text[_line_start(text, at):at] if not text[_line_start(text, at):at].strip() else ""
    return _INDENT.match(text, _line_start(text, mapping.start)).group()  # type: ignore[union-attr]


def _append_item(text: str, seq: Node, value: Any, syntax: str) -> Splice:
    item = scalar_text(value, syntax)
    if not seq.items:
        if not seq.flow:
            raise Declined("the list has no items to follow")
        return Splice(seq.start + 1, seq.start + 1, item)
    spans = [(node.start, node.end) for node in seq.items]
    if seq.flow:
        return Splice(spans[-1][1], spans[-1][1], _separator(text, spans, seq.start) + item)
    last = seq.items[-1].start
    prefix = text[_line_start(text, last):last]
    if not re.fullmatch(r"[ \t]*-[ \t]+", prefix):
        raise Declined("the list's last item shares its line with other text")
    at = _line_end(text, spans[-1][1])
    if text.endswith("\r", 0, at):  # in place: a copy of the text before it per fix was quadratic
        at -= 1
    return Splice(at, at, _newline(text) + prefix + item)


def read_nodes(text: str, syntax: str, written: JsonText | None = None, composed: yaml.Node | None = None) -> Node:
    """The positions of ``text`` (``syntax`` ``yaml`` or ``json``); ``written`` / ``composed``: what the parser
    already made of it (:attr:`~cogcheck.cfn.parse.Template.written`, :attr:`~cogcheck.cfn.parse.Template.composed`),
    when it kept it; :class:`Declined` when it cannot be read."""
    try:
        return json_nodes(text, written) if syntax == "json" else yaml_nodes(text, composed)
    except NodeError as exc:
        raise Declined(str(exc)) from None


def check_written(root: Node, path: PathT, parameters: frozenset[str] = frozenset(), terraform: bool = False) -> None:
    """:class:`Declined` when the value at ``path`` (if there is one) is not written here as a plain value."""
    _walk(root, path, parameters, terraform)


def splices(
    text: str, syntax: str, path: PathT, action: str, value: Any, root: Node | None = None,
    parameters: frozenset[str] = frozenset(), terraform: bool = False,
) -> list[Splice]:
    """The splices doing ``action`` at ``path`` (from the document's root) of ``text`` (``syntax`` ``yaml`` or
    ``json``; ``root``: its nodes, when read already; ``parameters``: the template's parameter names; ``terraform``:
    the text is a ``.tf.json`` file, whose strings are templates: one with an interpolation is not edited, and a
    value written escapes ``${`` and ``%{``); :class:`Declined` when there is no edit to make here."""
    if terraform and isinstance(value, str):
        value = value.replace("${", "$${").replace("%{", "%%{")
    root = root if root is not None else read_nodes(text, syntax)
    chain, node = _walk(root, path, parameters, terraform)
    if action == "remove" and value is not None:
        if node is None or node.kind != "seq":
            raise Declined("the list is not written in this file")
        matching = [i for i, item in enumerate(node.items) if item.kind == "scalar" and item.tag is None
                    and str(item.value) == str(value)]
        if len(matching) != 1:
            raise Declined(f"{value} is not written once in the list")
        return [_remove(text, node, matching[0])]
    if action in ("append",):
        if node is None:
            raise Declined("the list is not written in this file")
        if node.kind != "seq":
            raise Declined("the value is not a list")
        return [_append_item(text, node, value, syntax)]
    if action == "set" and node is None:
        parent, missing = chain[-1], path[len(chain) - 1:]
        if parent.kind != "map" or not all(isinstance(part, str) for part in missing):
            raise Declined("the enclosing value is not a mapping")
        return [_insert_entry(text, parent, missing, value, syntax, _opening_indent(text, chain, path))]
    if node is None:
        raise Declined("the value is not written in this file")
    if action in ("replace", "set"):
        if node.kind != "scalar" or node.style in ("|", ">"):
            raise Declined("the value is not a single scalar")
        return [Splice(node.start, node.end, scalar_text(value, syntax, node.style))]
    parent = chain[-2]
    if action == "rename":
        found = parent.entry(str(path[-1])) if parent.kind == "map" else None
        if found is None:
            raise Declined("the property is not written in this file")
        key = found[0]
        if key.style in ("|", ">") or key.tag is not None:
            raise Declined("the key is not a plain name")
        if parent.entry(str(value)) is not None:
            raise Declined(f"{value} is written too: keep one of the two")
        return [Splice(key.start, key.end, scalar_text(value, syntax, key.style))]
    if action == "remove":
        if parent.kind == "map":
            index = max(i for i, (k, _v) in enumerate(parent.entries) if str(k.value) == str(path[-1]))
        else:
            index = int(path[-1])
        return [_remove(text, parent, index)]
    raise Declined(f"unknown action {action}")
