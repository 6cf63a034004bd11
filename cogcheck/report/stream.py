"""Write a large JSON document piece by piece: the same bytes as ``json.dumps(document, indent=2)``, but its big
arrays are encoded one item at a time, as they are made, so no report holds all its text (or all its items) at once.

A big array is given as a :class:`Lazy` placeholder in the document; :func:`dump` encodes the rest of the document
once, then writes each item of each placeholder's array, indented where the array sits.
"""

from __future__ import annotations

import json
import json.encoder
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass(frozen=True)
class Lazy:
    """Stands for a JSON array whose items are made while it is written (each placeholder is written once)."""

    items: Iterable[Any]


def dump(document: Any, out: TextIO) -> None:
    """Write ``json.dumps(document, indent=2)`` to ``out``, each :class:`Lazy` written as the array of its items."""
    arrays: dict[str, Iterable[Any]] = {}
    token = os.urandom(8).hex()  # no input text can spell a marker: it never reaches the output

    def mark(node: Any) -> Any:
        if isinstance(node, Lazy):
            marker = f"\x00cogcheck-array-{token}-{len(arrays)}\x00"
            arrays[marker] = node.items
            return marker
        if isinstance(node, dict):
            return {key: mark(value) for key, value in node.items()}
        if isinstance(node, list):
            return [mark(value) for value in node]
        return node

    text = _dumps(mark(document), "\n")
    position = 0
    for marker, items in arrays.items():
        encoded = json.dumps(marker)
        found = text.index(encoded, position)
        line_start = text.rfind("\n", 0, found) + 1
        indent = _indent_of(text, line_start)
        out.write(text[position:found])
        _array(items, indent, out)
        position = found + len(encoded)
    out.write(text[position:])


def _indent_of(text: str, line_start: int) -> int:
    end = line_start
    while end < len(text) and text[end] == " ":
        end += 1
    return end - line_start


def _array(items: Iterable[Any], indent: int, out: TextIO) -> None:
    inner = "\n" + " " * (indent + 2)
    opener = "[" + inner
    between = "," + inner
    for item in items:
        out.write(opener)
        out.write(_dumps(item, inner))
        opener = between
    out.write("[]" if opener is not between else "\n" + " " * indent + "]")


def _dumps(value: Any, newline: str) -> str:
    """``json.dumps(value, indent=2)`` as if written where ``newline`` (a line break and the indentation) is."""
    parts: list[str] = []
    try:
        _encode(value, newline, parts)
    except _Unusual:
        return json.dumps(value, indent=2).replace("\n", newline)
    return "".join(parts)


class _Unusual(Exception):
    """A value :func:`_encode` leaves to :func:`json.dumps` (non-string keys, floats, other types)."""


_string = json.encoder.encode_basestring_ascii  # the C function json.dumps uses for strings
_CONSTANTS = {True: "true", False: "false", None: "null"}


def _encode(value: Any, newline: str, parts: list[str]) -> None:
    """Append ``json.dumps(value, indent=2)`` as if written at ``newline``'s indentation.

    A call per container, not per value: a container's strings, integers, booleans and nulls are written in its own
    loop (each string by the C function ``json.dumps`` uses). About twice as fast as the pure-Python encoder that
    ``indent`` otherwise means, and faster than the C encoder (``indent=None``) run on each flat container and
    indented after: in Python 3.11 that encoder costs more per item than this loop does."""
    kind = type(value)
    if kind is dict:
        if not value:
            parts.append("{}")
            return
        deeper = newline + "  "
        separator = "{" + deeper
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            kind = type(item)
            if kind is str:
                parts += (separator, _string(key), ": ", _string(item))
            elif kind is int:
                parts += (separator, _string(key), ": ", int.__repr__(item))
            elif kind is bool or item is None:
                parts += (separator, _string(key), ": ", _CONSTANTS[item])
            else:
                parts += (separator, _string(key), ": ")
                _encode(item, deeper, parts)
            separator = "," + deeper
        parts.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            parts.append("[]")
            return
        deeper = newline + "  "
        separator = "[" + deeper
        for item in value:
            kind = type(item)
            if kind is str:
                parts += (separator, _string(item))
            elif kind is int:
                parts += (separator, int.__repr__(item))
            elif kind is bool or item is None:
                parts += (separator, _CONSTANTS[item])
            else:
                parts.append(separator)
                _encode(item, deeper, parts)
            separator = "," + deeper
        parts.append(newline + "]")
    elif kind is str:
        parts.append(_string(value))
    elif kind is int:
        parts.append(int.__repr__(value))
    elif kind is bool or value is None:
        parts.append(_CONSTANTS[value])
    else:
        raise _Unusual
