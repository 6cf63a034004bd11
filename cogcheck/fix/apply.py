"""Edits as line/column ranges, and applying them to a text: non-overlapping ones at once, the rest left for the
next pass (the caller re-scans between passes)."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence

from cogcheck.findings import Edit, Fix
from cogcheck.fix.edits import Splice


class Lines:
    """Offsets ↔ (line, column), 1-based, columns in code points; lines end at ``\\n``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        position = text.find("\n")
        while position >= 0:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        if not 1 <= line <= len(self.starts):
            raise ValueError(f"line {line} is outside the file")
        offset = self.starts[line - 1] + column - 1
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        if not self.starts[line - 1] <= offset <= end:
            raise ValueError(f"column {column} is outside line {line}")
        return offset


#: The line index of the last text indexed: a template offers a fix per finding, each asking for the same text, so
#: indexing it once per template (not once per fix) keeps fixes linear in the template's size.
_LAST: list[Lines] = []


def lines_of(text: str) -> Lines:
    if _LAST and _LAST[0].text is text:
        return _LAST[0]
    lines = Lines(text)
    _LAST[:] = [lines]
    return lines


def as_edits(file: str, text: str, splices: Iterable[Splice]) -> tuple[Edit, ...]:
    lines = lines_of(text)
    return tuple(
        Edit(file, *lines.position(splice.start), *lines.position(splice.end), splice.text)
        for splice in sorted(splices, key=lambda s: (s.start, s.end))
    )


Range = tuple[int, int, str]


def _ranges(lines: Lines, fix: Fix) -> list[Range]:
    return sorted(((lines.offset(e.start_line, e.start_column), lines.offset(e.end_line, e.end_column), e.text)
                   for e in fix.edits), key=lambda r: (r[0], r[1]))


def _overlaps(a: Range, b: Range) -> bool:
    """Two edits touch: they share characters, or insert at the same place, or one inserts inside the other."""
    if a[0] == a[1] or b[0] == b[1]:
        return a[0] == b[0] or a[0] < b[0] < a[1] or b[0] < a[0] < b[1] or (a[0] == a[1] == b[1]) or (
            b[0] == b[1] == a[1])
    return a[0] < b[1] and b[0] < a[1]


def _cells(edit: Range) -> tuple[tuple[int, int], tuple[int, int]]:
    """(cells it takes, cells it must find free) on a doubled line: offset ``p`` is cell ``2p`` (the place between
    two characters), character ``i`` is cell ``2i + 1``. A replacement takes its characters and the places between
    them, an insertion its place; so two edits touch (:func:`_overlaps`) exactly when one's free cells meet the
    other's taken cells."""
    start, end = edit[0], edit[1]
    if start == end:
        return (2 * start, 2 * start), (2 * start - 1, 2 * start + 1)
    return (2 * start + 1, 2 * end - 1), (2 * start, 2 * end)


#: an end before every cell (the first free cell is -1: an insertion at offset 0)
_NOTHING = -2


class _Taken:
    """Disjoint cell intervals taken so far (a Fenwick tree of the furthest end by start, over every start that may
    be taken): adding one and asking whether an interval meets one are O(log n). ``steps`` counts the tree's steps."""

    def __init__(self, starts: Sequence[int]) -> None:
        self.starts = sorted(set(starts))
        self.tree = [_NOTHING] * (len(self.starts) + 1)
        self.steps = 0

    def add(self, start: int, end: int) -> None:
        index = bisect.bisect_left(self.starts, start) + 1
        while index < len(self.tree):
            self.steps += 1
            self.tree[index] = max(self.tree[index], end)
            index += index & -index

    def meets(self, low: int, high: int) -> bool:
        """Some taken interval meets ``[low, high]``: the furthest end among those starting at ``high`` or before
        reaches ``low`` (the taken intervals are disjoint, so the last of them is the one to ask)."""
        index, furthest = bisect.bisect_right(self.starts, high), _NOTHING
        while index > 0:
            self.steps += 1
            furthest = max(furthest, self.tree[index])
            index -= index & -index
        return furthest >= low


def apply_fixes(text: str, fixes: Sequence[Fix]) -> tuple[str, list[Fix], list[Fix]]:
    """(new text, fixes applied, fixes left because they overlap one applied). Fixes are taken in order (the first
    of two overlapping ones wins); a fix whose edits fall outside the text, or overlap each other, is left too.

    O(n log n) in the number of edits: they are sorted once (their cells, :func:`_cells`), and each fix asks
    :class:`_Taken` whether its edits are free instead of comparing them with every edit taken."""
    lines = Lines(text)
    todo: list[tuple[Fix, list[Range]]] = []
    left: list[Fix] = []
    for fix in fixes:
        try:
            ranges = _ranges(lines, fix)
        except ValueError:
            left.append(fix)
            continue
        if not ranges or any(_overlaps(a, b) for a, b in itertools.pairwise(ranges)):
            left.append(fix)
            continue
        todo.append((fix, ranges))
    taken = _Taken([_cells(edit)[0][0] for _fix, ranges in todo for edit in ranges])
    chosen: list[Range] = []
    applied: list[Fix] = []
    for fix, ranges in todo:
        cells = [_cells(edit) for edit in ranges]
        if any(taken.meets(*free) for _taken, free in cells):
            left.append(fix)
            continue
        for taken_cells, _free in cells:
            taken.add(*taken_cells)
        chosen.extend(ranges)
        applied.append(fix)
    chosen.sort(key=lambda r: (r[0], r[1]))
    pieces, at = [], 0
    for start, end, new in chosen:
        pieces += [text[at:start], new]
        at = end
    pieces.append(text[at:])
    return "".join(pieces), applied, left
