"""Where every mapping, list and scalar of a YAML or JSON text is written, as character offsets: the positions an
edit splices at. YAML is composed (not constructed) with PyYAML's pure-Python composer, whose marks count code points;
JSON is walked with :mod:`json`'s own scanner."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Node:
    """One value as written. ``end`` of a block collection is where its last value's text ends (not where the next
    token starts); ``shared``: the same YAML node is reached more than once (an anchor and its aliases)."""

    kind: str  # "map" | "seq" | "scalar"
    start: int
    end: int
    flow: bool = True
    tag: str | None = None  # a YAML tag such as "!Ref" (an intrinsic function)
    style: str | None = None  # a scalar's quoting: None (plain), "'", '"', "|", ">"; JSON strings: '"'
    value: Any = None  # a scalar's text (YAML) or value (JSON)
    entries: list[tuple[Node, Node]] = field(default_factory=list)  # (key, value) of a mapping, as written
    items: list[Node] = field(default_factory=list)
    shared: bool = False
    #: key text → its last (key, value), built on the first look-up and for as many entries as it covers (a big
    #: mapping such as ``Resources`` is looked up once per fix offered: a scan of it each time was quadratic)
    _index: tuple[int, dict[str, tuple[Node, Node]]] | None = field(default=None, repr=False)

    def entry(self, key: str) -> tuple[Node, Node] | None:
        """The last (key, value) written for ``key`` (the one a parser keeps)."""
        index = self._index
        if index is None or index[0] != len(self.entries):
            index = self._index = (len(self.entries), {
                str(key_node.value): (key_node, value_node)
                for key_node, value_node in self.entries if key_node.kind == "scalar"
            })
        return index[1].get(key)


class NodeError(Exception):
    """The text cannot be read (the fix then declines)."""


# ---------------------------------------------------------------------------------------------------------- YAML

_TRAILING = re.compile(r"[ \t\r\n]*\Z")


def yaml_nodes(text: str) -> Node:
    import yaml

    root = None
    if getattr(yaml, "__with_libyaml__", False) and "\ufeff" not in text:
        # libyaml's composer: the same nodes and marks (code points) as the pure-Python one, ten times faster; it
        # does not count a byte order mark, and its errors are worded otherwise, so those take the Python composer
        with contextlib.suppress(yaml.YAMLError, RecursionError):
            root = yaml.compose(text, Loader=yaml.CSafeLoader)
    try:
        root = root if root is not None else yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError) as exc:
        raise NodeError(f"the file cannot be read again: {exc}") from None
    if root is None:
        raise NodeError("the file is empty")
    seen: dict[int, Node] = {}
    return _convert(text, root, seen)


def _convert(text: str, node: Any, seen: dict[int, Node]) -> Node:
    import yaml

    done = seen.get(id(node))
    if done is not None:
        done.shared = True
        return done
    tag = node.tag if isinstance(node.tag, str) and node.tag.startswith("!") else None
    start = node.start_mark.index
    if isinstance(node, yaml.ScalarNode):
        end = node.end_mark.index
        if node.style in ("|", ">"):
            end = start + len(_TRAILING.sub("", text[start:end]))
        out = Node("scalar", start, end, tag=tag, style=node.style or None, value=node.value)  # libyaml: plain is ""
    elif isinstance(node, yaml.MappingNode):
        out = Node("map", start, node.end_mark.index, flow=bool(node.flow_style), tag=tag)
        seen[id(node)] = out
        out.entries = [(_convert(text, k, seen), _convert(text, v, seen)) for k, v in node.value]
    else:
        out = Node("seq", start, node.end_mark.index, flow=bool(node.flow_style), tag=tag)
        seen[id(node)] = out
        out.items = [_convert(text, item, seen) for item in node.value]
    seen[id(node)] = out
    if out.kind != "scalar" and not out.flow:
        last = out.entries[-1][1] if out.entries else (out.items[-1] if out.items else None)
        out.end = last.end if last is not None else start
    return out


# ---------------------------------------------------------------------------------------------------------- JSON

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def json_nodes(text: str) -> Node:
    try:
        node, _end = _json_value(text, _WS.match(text, 0).end(), 0)  # type: ignore[union-attr]
    except (ValueError, IndexError, RecursionError) as exc:
        raise NodeError(f"the file cannot be read again: {exc}") from None
    return node


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def _json_value(text: str, pos: int, depth: int) -> tuple[Node, int]:
    from json.decoder import scanstring  # type: ignore[attr-defined]

    if depth > 200:
        raise ValueError("nested too deeply")
    opener = text[pos]
    if opener == "{":
        node = Node("map", pos, pos)
        pos = _skip(text, pos + 1)
        while text[pos] == '"':
            key_text, after = scanstring(text, pos + 1)
            key = Node("scalar", pos, after, style='"', value=key_text)
            pos = _skip(text, _skip(text, after) + 1)
            value, pos = _json_value(text, pos, depth + 1)
            node.entries.append((key, value))
            pos = _skip(text, pos)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
        if text[pos] != "}":
            raise ValueError(f"unexpected {text[pos]!r}")
        node.end = pos + 1
        return node, pos + 1
    if opener == "[":
        node = Node("seq", pos, pos)
        pos = _skip(text, pos + 1)
        while text[pos] != "]":
            item, pos = _json_value(text, pos, depth + 1)
            node.items.append(item)
            pos = _skip(text, pos)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
        node.end = pos + 1
        return node, pos + 1
    value, end = _DECODER.raw_decode(text, pos)
    return Node("scalar", pos, end, style='"' if opener == '"' else None, value=value), end
