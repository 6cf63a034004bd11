"""Where the values of a JSON text are written: the one map of it that positions (findings' lines) and fixes (the
splices of :mod:`cogcheck.fix`) share.

A container's members are found when first asked for, in one pass over its own text: a regular expression steps
from key to key and the C scanner of :mod:`json` skips each value (so only the containers on the paths asked for are
read, each once, and an object's text is never read again for another of its keys). A text has one map, made by the
parser (:class:`~cogcheck.cfn.parse.Template` keeps it), whatever number of findings and fixes look into it.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

PathT = tuple[str | int, ...]
Position = tuple[int, int]
#: (key, key start, key end, value start, value end, the value if it is a scalar, else None); offsets in code points
Member = tuple[str, int, int, int, int, Any]
#: (value start, value end, the value if it is a scalar, else None)
Item = tuple[int, int, Any]

#: Integer literals longer than this are kept as their text (the parser's bound: :data:`cogcheck.cfn.parse`)
_MAX_INT_DIGITS = 4000
_WS = re.compile(r"[ \t\n\r]*")
#: the separator before a member (none before the first), its key and the colon after it
_MEMBER = re.compile(r'[ \t\n\r]*,?[ \t\n\r]*"([^"\\]*(?:\\.[^"\\]*)*)"[ \t\n\r]*:[ \t\n\r]*')
_ITEM = re.compile(r"[ \t\n\r]*,?[ \t\n\r]*")
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the C scanner json.loads uses
_CONTAINERS = "{["


def _keep_long(text: str) -> int | str:
    return int(text) if len(text) <= _MAX_INT_DIGITS else text


_scan_long = json.JSONDecoder(parse_int=_keep_long).scan_once  # type: ignore[attr-defined]


def _value(text: str, pos: int) -> tuple[Any, int]:
    """The value starting at ``pos`` and where it ends; a container's value is None (it is read for its end only)."""
    try:
        value, end = _scan(text, pos)
    except ValueError:  # an integer past Python's conversion limit: kept as text, as the parser keeps it
        value, end = _scan_long(text, pos)
    except StopIteration:
        raise ValueError(f"no JSON value at offset {pos}") from None
    return (None if text[pos] in _CONTAINERS else value), end


class JsonText:
    """The members of the objects and the items of the arrays of one JSON text, read when first asked for.

    The text is valid JSON (a document :func:`json.loads` accepted): nothing here reports syntax errors."""

    __slots__ = ("_items", "_keys", "_lines", "_members", "root", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.root: int = _WS.match(text).end()  # type: ignore[union-attr]  # where the document's value starts
        self._members: dict[int, list[Member]] = {}
        self._items: dict[int, list[Item]] = {}
        self._keys: dict[int, dict[str, Member]] = {}
        self._lines: list[int] = []

    def root_end(self) -> int:
        """Where the document's value ends (only white space follows it)."""
        return len(self.text.rstrip(" \t\n\r"))

    def members(self, start: int) -> list[Member]:
        """The members of the object starting at ``start``, as written (a key written twice: both)."""
        found = self._members.get(start)
        if found is None:
            found = self._members[start] = self._read_members(start)
        return found

    def _read_members(self, start: int) -> list[Member]:
        from json.decoder import scanstring  # type: ignore[attr-defined]

        text, match = self.text, _MEMBER.match
        members: list[Member] = []
        at = start + 1
        while (found := match(text, at)) is not None:
            key = found.group(1)
            key_start = found.start(1) - 1
            if "\\" in key:
                key = scanstring(text, key_start + 1)[0]
            value_start = found.end()
            value, at = _value(text, value_start)
            members.append((key, key_start, found.end(1) + 1, value_start, at, value))
        return members

    def items(self, start: int) -> list[Item]:
        """The items of the array starting at ``start``."""
        found = self._items.get(start)
        if found is None:
            found = self._items[start] = self._read_items(start)
        return found

    def _read_items(self, start: int) -> list[Item]:
        text, match = self.text, _ITEM.match
        items: list[Item] = []
        at = match(text, start + 1).end()  # type: ignore[union-attr]
        while text[at] != "]":
            value, end = _value(text, at)
            items.append((at, end, value))
            at = match(text, end).end()  # type: ignore[union-attr]
        return items

    def keyed(self, start: int) -> dict[str, Member]:
        """The members of the object at ``start`` by key; of a key written twice, the last (the value kept)."""
        found = self._keys.get(start)
        if found is None:
            found = self._keys[start] = {member[0]: member for member in self.members(start)}
        return found

    def locate(self, path: PathT) -> Position:
        """(line, column), both 1-based, of the deepest part of ``path`` that is written: a member's key, an item."""
        text = self.text
        pos = found = self.root
        try:
            for part in path:
                opener = text[pos]
                if opener == "{" and isinstance(part, str):
                    member = self.keyed(pos).get(part)
                    if member is None:
                        break
                    found, pos = member[1], member[3]
                elif opener == "[" and isinstance(part, int):
                    items = self.items(pos)
                    if not 0 <= part < len(items):
                        break
                    pos = found = items[part][0]
                else:
                    break
        except (IndexError, ValueError, RecursionError):
            pass
        return self.position(found)

    def position(self, offset: int) -> Position:
        """(line, column) of a code point offset, both 1-based."""
        if not self._lines:
            self._lines = [0, *(m.end() for m in re.finditer("\n", self.text))]
        line = bisect.bisect_right(self._lines, offset)
        return line, offset - self._lines[line - 1] + 1
