"""apply_fixes: which of a file's fixes one pass applies (none overlapping another), and that choosing them takes
one sort and one sweep, not a comparison of every pair."""

from __future__ import annotations

import random

import pytest

import cogcheck.fix.apply as apply_module
from cogcheck.findings import Edit, Fix
from cogcheck.fix.apply import Lines, _overlaps, apply_fixes


def _fix(lines: Lines, start: int, end: int, text: str) -> Fix:
    return Fix("safe", "d", (Edit("t", *lines.position(start), *lines.position(end), text),))


def _reference(text: str, fixes: list[tuple[int, int, str]]) -> tuple[str, set[int]]:
    """Every pair compared: fixes in order of (start, end, given order), each taken unless it touches one taken."""
    taken: list[tuple[int, int, str]] = []
    chosen = set()
    for index in sorted(range(len(fixes)), key=lambda i: (fixes[i][0], fixes[i][1], i)):
        if not any(_overlaps(fixes[index], other) for other in taken):
            taken.append(fixes[index])
            chosen.add(index)
    for start, end, new in sorted(taken, reverse=True):
        text = text[:start] + new + text[end:]
    return text, chosen


@pytest.mark.parametrize("seed", range(40))
def test_same_choice_as_comparing_every_pair(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice("ab \n") for _ in range(60))
    lines = Lines(text)
    raw = []
    for _ in range(rng.randint(1, 25)):
        start = rng.randint(0, len(text))
        end = min(len(text), start + rng.choice([0, 0, 1, 2, 5]))
        raw.append((start, end, rng.choice(["", "X", "YZ"])))
    fixes = [_fix(lines, *r) for r in raw]
    fixed, applied, left = apply_fixes(text, fixes)
    expected_text, expected = _reference(text, raw)
    assert {fixes.index(f) for f in applied} == expected
    assert fixed == expected_text
    assert len(applied) + len(left) == len(fixes)


def test_a_fix_whose_own_edits_overlap_is_left() -> None:
    text = "abcdef\n"
    lines = Lines(text)
    both = Fix("safe", "d", (Edit("t", *lines.position(1), *lines.position(3), "x"),
                             Edit("t", *lines.position(2), *lines.position(4), "y")))
    apart = Fix("safe", "d", (Edit("t", *lines.position(0), *lines.position(1), "A"),
                              Edit("t", *lines.position(5), *lines.position(6), "F")))
    fixed, applied, left = apply_fixes(text, [both, apart])
    assert applied == [apart] and left == [both] and fixed == "AbcdeF\n"


def test_a_multi_edit_fix_keeps_the_text_between_its_edits() -> None:
    text = "abcdef\n"
    lines = Lines(text)
    wide = Fix("safe", "d", (Edit("t", *lines.position(0), *lines.position(1), "A"),
                             Edit("t", *lines.position(5), *lines.position(6), "F")))
    inside = _fix(lines, 2, 3, "C")
    fixed, applied, left = apply_fixes(text, [inside, wide])
    assert applied == [wide] and left == [inside] and fixed == "AbcdeF\n"


def test_choosing_is_linear_after_sorting(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step counter: the overlap test runs a bounded number of times per fix (comparing every pair ran it n²/2
    times: 2·10⁶ for these 2,000 fixes), and the count grows with n, not n²."""
    calls = 0

    def counted(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
        nonlocal calls
        calls += 1
        return _overlaps(a, b)

    monkeypatch.setattr(apply_module, "_overlaps", counted)
    counts = {}
    for n in (200, 2000):
        text = "".join(f"key{i}: value{i}\n" for i in range(n))
        lines = Lines(text)
        # every line's value replaced, plus an insertion at every line's start, in shuffled order
        fixes = [_fix(lines, lines.starts[i] + len(f"key{i}: "), lines.starts[i + 1] - 1, f"new{i}") for i in range(n)]
        fixes += [_fix(lines, lines.starts[i], lines.starts[i], "# ") for i in range(n)]
        random.Random(n).shuffle(fixes)
        calls = 0
        fixed, applied, left = apply_fixes(text, fixes)
        counts[n] = calls
        assert len(applied) == 2 * n and not left
        assert fixed.splitlines()[n - 1] == f"# key{n - 1}: new{n - 1}"
    assert counts[2000] <= 3 * 2 * 2000
    assert counts[2000] <= 12 * counts[200]
