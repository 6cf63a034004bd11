"""Where the value a finding points at ends: a diagnostic spans the key (or list item) and its whole value, as the
parsers read them, over as many lines as the value takes.

A finding starts where its property's key (or its list item) is written, as the template parser located it. The end
comes from a parser too: in YAML, libyaml's node marks (the same composition fixes splice at, :mod:`cogcheck.fix.nodes`:
a block collection ends where its last value ends); in JSON, :mod:`json`'s own decoder from the value's first
character; in Terraform, the scanner fixes edit with (:func:`cogcheck.fix.hcl.expression_end`: an argument's
expression, a nested block's closing brace, a list item). Where no end can be found (text the parser refuses, a
heredoc), the range ends where the value's first line does (:meth:`cogcheck.lsp.convert.Lines.value_range`).
"""

from __future__ import annotations

import bisect
import json
import re
from itertools import accumulate
from typing import Any

#: The YAML composition is skipped for a buffer larger than this (characters): ranges then end on their first line.
MAX_COMPOSED = 2_000_000

_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()
_TRAILING = re.compile(r"[ \t\r\n]*\Z")


class Ends:
    """The end offsets of the values written at given offsets of one buffer (``syntax``: ``yaml``, ``json`` or
    ``terraform``); the YAML buffer is composed once, on the first question, unless ``nodes`` is the node graph the
    template parser composed from this same text (:attr:`cogcheck.cfn.parse.Template.composed`: None where
    constructing the document reshaped it)."""

    def __init__(self, text: str, syntax: str, nodes: Any = None) -> None:
        self.text = text
        self.syntax = syntax
        # each line's first offset: the lengths of the lines before it, each with its line break
        self.starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))[:-1]
        self._root: Any = None
        self._composed = False
        if nodes is not None and syntax == "yaml" and self._composable():
            self._root, self._composed = nodes, True
        self._keys: dict[int, list[int]] = {}

    def offset(self, line: int, column: int) -> int | None:
        """The offset of 1-based (line, code-point column), or None past the buffer."""
        if not 1 <= line <= len(self.starts):
            return None
        return self.starts[line - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, code-point column) of an offset."""
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def end(self, line: int, column: int) -> tuple[int, int] | None:
        """Where the key or item written at (line, column) ends with its value; None when that cannot be said."""
        start = self.offset(line, column)
        if start is None or start >= len(self.text):
            return None
        try:
            if self.syntax == "terraform":
                from cogcheck.fix.edits import Declined
                from cogcheck.fix.hcl import expression_end

                try:
                    end: int | None = expression_end(self.text, start)
                except Declined:
                    end = None
            elif self.syntax == "json" and self.text[start] in '"{[-0123456789tfn':
                end = _json_end(self.text, start)
            else:
                end = self._yaml_end(start)
        except (ValueError, IndexError, RecursionError):
            end = None
        if end is None or end <= start:
            return None
        return self.position(end)

    def _yaml_end(self, target: int) -> int | None:
        root = self.composed()
        if root is None:
            return None
        import yaml

        node = root
        for _ in range(1_000):  # deeper than any template the parser accepts
            if isinstance(node, yaml.MappingNode):
                starts = self._keys.get(id(node))
                if starts is None:
                    starts = self._keys[id(node)] = [key.start_mark.index for key, _value in node.value]
                index = bisect.bisect_right(starts, target) - 1
                if index < 0:
                    return None
                key, value = node.value[index]
                if key.start_mark.index == target:
                    return _yaml_node_end(self.text, value)
                node = value
            elif isinstance(node, yaml.SequenceNode):
                items = [item.start_mark.index for item in node.value]
                index = bisect.bisect_right(items, target) - 1
                if index < 0:
                    return None
                node = node.value[index]
                if node.start_mark.index == target:
                    return _yaml_node_end(self.text, node)
            else:
                return None
        return None

    def composed(self) -> Any:
        """The buffer's YAML node graph (libyaml; JSON is read as YAML), or None when it cannot be composed."""
        if not self._composed:
            self._composed = True
            if self._composable():
                import yaml

                try:  # libyaml's marks count code points (cogcheck.fix.nodes); its composition is bounded by the
                    # template parser's, which already read this text (aliases are followed only here, not expanded)
                    self._root = yaml.compose(self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
                except (yaml.YAMLError, RecursionError):
                    self._root = None
        return self._root

    def _composable(self) -> bool:
        return len(self.text) <= MAX_COMPOSED and not self.text.startswith("\ufeff")


def _yaml_node_end(text: str, node: Any) -> int:
    """Where a node's text ends: a block scalar without its trailing line breaks, a block collection where its
    last value ends (libyaml's mark is where the next token starts)."""
    import yaml

    for _ in range(1_000):
        if isinstance(node, yaml.ScalarNode):
            end: int = node.end_mark.index
            if node.style in ("|", ">"):
                end = node.start_mark.index + len(_TRAILING.sub("", text[node.start_mark.index:end]))
            return end
        if node.flow_style or not node.value:
            return int(node.end_mark.index) if node.flow_style else int(node.start_mark.index)
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return int(node.end_mark.index)


def _json_end(text: str, start: int) -> int | None:
    """``start`` at a key: the end of its value; at a value (a list item): its end. By :mod:`json`'s decoder."""
    if text[start] == '"':
        from json.decoder import scanstring  # type: ignore[attr-defined]

        _key, after = scanstring(text, start + 1)
        colon = _WS.match(text, after).end()  # type: ignore[union-attr]
        if text.startswith(":", colon):
            start = _WS.match(text, colon + 1).end()  # type: ignore[union-attr]
        else:
            return int(after)  # a string item
    _value, end = _DECODER.raw_decode(text, start)
    return int(end)
