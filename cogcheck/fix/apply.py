"""Edits as line/column ranges, and applying them to a text: non-overlapping ones at once, the rest left for the
next pass (the caller re-scans between passes)."""

from __future__ import annotations

import bisect
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


def apply_fixes(text: str, fixes: Sequence[Fix]) -> tuple[str, list[Fix], list[Fix]]:
    """(new text, fixes applied, fixes left because they overlap one applied). Fixes are taken in the order of
    where they start (then of the given order); a fix whose edits fall outside the text, or overlap each other, is
    left too. A fix is one span from its first edit's start to its last edit's end: one with edits in several places
    keeps the text between them for itself in this pass.

    One sort and one sweep: O(n log n) in the number of fixes. Sorted by start, a span can only touch a span taken
    already if it touches the frontier: the taken span(s) reaching furthest (at most two: a range and an insertion
    at its end)."""
    lines = Lines(text)
    spans: list[tuple[int, int, int, list[Range], Fix]] = []
    left: list[Fix] = []
    for order, fix in enumerate(fixes):
        try:
            ranges = _ranges(lines, fix)
        except ValueError:
            left.append(fix)
            continue
        if not ranges or any(_overlaps(a, b) for a, b in zip(ranges, ranges[1:], strict=False)):
            left.append(fix)
            continue
        spans.append((ranges[0][0], max(r[1] for r in ranges), order, ranges, fix))
    spans.sort(key=lambda span: (span[0], span[1], span[2]))
    chosen: list[Range] = []
    applied: list[tuple[int, Fix]] = []
    frontier: list[Range] = []
    for start, end, order, ranges, fix in spans:
        span = (start, end, "")
        if any(_overlaps(span, taken) for taken in frontier):
            left.append(fix)
            continue
        reach = frontier[0][1] if frontier else -1
        frontier = [span] if end > reach else [*frontier, span]
        chosen.extend(ranges)
        applied.append((order, fix))
    pieces, at = [], 0
    for start, end, new in sorted(chosen, key=lambda r: (r[0], r[1])):
        pieces += [text[at:start], new]
        at = end
    pieces.append(text[at:])
    return "".join(pieces), [fix for _order, fix in sorted(applied, key=lambda a: a[0])], left
