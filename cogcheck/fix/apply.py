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


def _ranges(lines: Lines, fix: Fix) -> list[tuple[int, int, str]]:
    return [(lines.offset(e.start_line, e.start_column), lines.offset(e.end_line, e.end_column), e.text)
            for e in fix.edits]


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    """Two edits touch: they share characters, or insert at the same place, or one inserts inside the other."""
    if a[0] == a[1] or b[0] == b[1]:
        return a[0] == b[0] or a[0] < b[0] < a[1] or b[0] < a[0] < b[1] or (a[0] == a[1] == b[1]) or (
            b[0] == b[1] == a[1])
    return a[0] < b[1] and b[0] < a[1]


def apply_fixes(text: str, fixes: Sequence[Fix]) -> tuple[str, list[Fix], list[Fix]]:
    """(new text, fixes applied, fixes left because they overlap one applied). Fixes are taken in order; a fix whose
    edits fall outside the text is left too."""
    lines = Lines(text)
    chosen: list[tuple[int, int, str]] = []
    applied: list[Fix] = []
    left: list[Fix] = []
    for fix in fixes:
        try:
            ranges = _ranges(lines, fix)
        except ValueError:
            left.append(fix)
            continue
        if any(_overlaps(a, b) for a in ranges for b in chosen) or any(
                _overlaps(a, b) for i, a in enumerate(ranges) for b in ranges[i + 1:]):
            left.append(fix)
            continue
        chosen.extend(ranges)
        applied.append(fix)
    for start, end, new in sorted(chosen, key=lambda r: (r[0], r[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text, applied, left
