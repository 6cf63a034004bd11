"""Where every mapping, list and scalar of a YAML or JSON text is written, as character offsets: the positions an
edit splices at. YAML is composed (not constructed) by libyaml, or PyYAML's pure-Python composer, whose marks count
code points, and its nodes are made only where a fix looks; JSON nodes are made from the map of the text that
positions come from too (:mod:`cogcheck.cfn.jsontext`), its containers read when a fix first looks into them."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cogcheck.cfn.jsontext import JsonText

if TYPE_CHECKING:
    import yaml


class Node:
    """One value as written. ``end`` of a block collection is where its last value's text ends (not where the next
    token starts); ``shared``: the same YAML node is reached more than once (an anchor and its aliases). ``kind``:
    "map", "seq" or "scalar"; ``tag``: a YAML tag such as "!Ref" (an intrinsic function); ``style``: a scalar's
    quoting, None (plain), "'", '"', "|", ">" (JSON strings: '"'); ``value``: a scalar's text (YAML) or value (JSON).
    A plain class with slots, not a dataclass: nothing to compile when the module is imported."""

    __slots__ = ("_entries", "_index", "_items", "_pending", "end", "flow", "kind", "shared", "start", "style",
                 "tag", "value")

    def __init__(
        self, kind: str, start: int, end: int, flow: bool = True, tag: str | None = None, style: str | None = None,
        value: Any = None, shared: bool = False, _pending: Callable[[Node], None] | None = None,
    ) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.flow = flow
        self.tag = tag
        self.style = style
        self.value = value
        self.shared = shared
        #: (key, value) of a mapping and items of a list, as written (:attr:`entries`, :attr:`items`)
        self._entries: list[tuple[Node, Node]] = []
        self._items: list[Node] = []
        #: makes the children when first asked for (a YAML document is converted only where fixes look)
        self._pending = _pending
        #: key text → its last (key, value), built on the first look-up and for as many entries as it covers (a big
        #: mapping such as ``Resources`` is looked up once per fix offered: a scan of it each time was quadratic)
        self._index: tuple[int, dict[str, tuple[Node, Node]]] | None = None

    def __repr__(self) -> str:
        return (f"Node(kind={self.kind!r}, start={self.start!r}, end={self.end!r}, flow={self.flow!r}, "
                f"tag={self.tag!r}, style={self.style!r}, value={self.value!r}, shared={self.shared!r})")

    @property
    def entries(self) -> list[tuple[Node, Node]]:
        if self._pending is not None:
            self._expand()
        return self._entries

    @property
    def items(self) -> list[Node]:
        if self._pending is not None:
            self._expand()
        return self._items

    def _expand(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending(self)

    def entry(self, key: str) -> tuple[Node, Node] | None:
        """The last (key, value) written for ``key`` (the one a parser keeps)."""
        entries = self.entries
        index = self._index
        if index is None or index[0] != len(entries):
            index = self._index = (len(entries), {
                str(key_node.value): (key_node, value_node)
                for key_node, value_node in entries if key_node.kind == "scalar"
            })
        return index[1].get(key)


class NodeError(Exception):
    """The text cannot be read (the fix then declines)."""


# ---------------------------------------------------------------------------------------------------------- YAML

_TRAILING = re.compile(r"[ \t\r\n]*\Z")


def yaml_nodes(text: str, composed: yaml.Node | None = None) -> Node:
    """The root of a YAML text; ``composed``: its node graph as the parser composed it (the text is then not composed
    again; :attr:`cogcheck.cfn.parse.Template.composed`)."""
    import yaml

    if composed is not None:
        return _YamlNodes(text, composed).node(composed)
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
    return _YamlNodes(text, root).node(root)


class _YamlNodes:
    """The :class:`Node` of each composed YAML node, made when first reached; a node's children when first asked
    for. What is shared (reached more than once, through an anchor and its aliases) is found in one pass first, so
    each node says so whichever part of the document is converted."""

    def __init__(self, text: str, root: Any) -> None:
        import yaml

        self.text = text
        self.made: dict[int, Node] = {}
        self.mapping, self.scalar = yaml.MappingNode, yaml.ScalarNode
        seen: set[int] = set()
        self.shared: set[int] = set()
        # a node is reached twice only through an alias (``*name``) of an anchor (``&name``): without both
        # characters in the text, nothing is shared and the graph need not be walked
        stack = [root] if "&" in text and "*" in text else []
        while stack:
            node = stack.pop()
            if id(node) in seen:
                self.shared.add(id(node))
                continue
            seen.add(id(node))
            if isinstance(node, self.mapping):
                for key, value in reversed(node.value):
                    stack += (value, key)
            elif not isinstance(node, self.scalar):
                stack.extend(reversed(node.value))

    def node(self, node: Any) -> Node:
        done = self.made.get(id(node))
        if done is not None:
            return done
        tag = node.tag if isinstance(node.tag, str) and node.tag.startswith("!") else None
        start = node.start_mark.index
        if isinstance(node, self.scalar):
            out = Node("scalar", start, self._end(node), tag=tag, style=node.style or None,  # libyaml: plain is ""
                       value=node.value)
        else:
            kind = "map" if isinstance(node, self.mapping) else "seq"
            out = Node(kind, start, self._end(node), flow=bool(node.flow_style), tag=tag,
                       _pending=lambda made: self._children(made, node))
        out.shared = id(node) in self.shared
        self.made[id(node)] = out
        return out

    def _children(self, out: Node, node: Any) -> None:
        if out.kind == "map":
            out._entries = [(self.node(key), self.node(value)) for key, value in node.value]
        else:
            out._items = [self.node(item) for item in node.value]

    def _end(self, node: Any) -> int:
        """Where a node's text ends: a block collection's is its last value's (nothing after it); a collection that
        ends in itself (a recursive alias) ends where its own text does."""
        chain: set[int] = set()
        while True:
            if id(node) in chain:
                return node.end_mark.index  # type: ignore[no-any-return]
            chain.add(id(node))
            if isinstance(node, self.scalar):
                end: int = node.end_mark.index
                if node.style in ("|", ">"):
                    end = node.start_mark.index + len(_TRAILING.sub("", self.text[node.start_mark.index:end]))
                return end
            if node.flow_style:
                return node.end_mark.index  # type: ignore[no-any-return]
            if not node.value:
                return node.start_mark.index  # type: ignore[no-any-return]
            last = node.value[-1]
            node = last[1] if isinstance(node, self.mapping) else last


# ---------------------------------------------------------------------------------------------------------- JSON

_DECODER = json.JSONDecoder()


def json_nodes(text: str, written: JsonText | None = None) -> Node:
    """The root of a JSON text, its containers' children made when first asked for from ``written``, the map of the
    text the parser made (:attr:`cogcheck.cfn.parse.Template.written`: the containers findings were located in are
    not read again). Without it, the text is read whole once, by the C decoder, to know it is JSON."""
    if written is None:
        written = JsonText(text)
        try:
            _value, end = _DECODER.raw_decode(text, written.root)
        except (ValueError, IndexError, RecursionError) as exc:
            raise NodeError(f"the file cannot be read again: {exc}") from None
    else:
        end = written.root_end()
    return _JsonNodes(written).node(written.root, end, None)


class _JsonNodes:
    """The :class:`Node` of each value of a JSON text, a container's children made when first asked for."""

    __slots__ = ("text", "written")

    def __init__(self, written: JsonText) -> None:
        self.written, self.text = written, written.text

    def node(self, start: int, end: int, value: Any) -> Node:
        opener = self.text[start]
        if opener == "{":
            return Node("map", start, end, _pending=self.children)
        if opener == "[":
            return Node("seq", start, end, _pending=self.children)
        return Node("scalar", start, end, style='"' if opener == '"' else None, value=value)

    def children(self, node: Node) -> None:
        """The entries or items of the container ``node`` (a key written twice: both, as written)."""
        make = self.node
        if node.kind == "map":
            node._entries = [
                (Node("scalar", key_start, key_end, style='"', value=key), make(start, end, value))
                for key, key_start, key_end, start, end, value in self.written.members(node.start)
            ]
        else:
            node._items = [make(start, end, value) for start, end, value in self.written.items(node.start)]
