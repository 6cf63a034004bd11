"""apply_fixes: which of a file's fixes one pass applies (in order, none overlapping one taken before), and that
choosing them takes O(log n) steps per edit, not a comparison with every edit taken."""

from __future__ import annotations

import random

import pytest

import cogcheck.fix.apply as apply_module
from cogcheck.findings import Edit, Fix
from cogcheck.fix.apply import Lines, _overlaps, apply_fixes


def _fix(lines: Lines, start: int, end: int, text: str) -> Fix:
    return Fix("safe", "d", (Edit("t", *lines.position(start), *lines.position(end), text),))


def _reference(text: str, fixes: list[tuple[int, int, str]]) -> tuple[str, set[int]]:
    """Every pair compared: fixes in order, each taken unless it touches one taken."""
    taken: list[tuple[int, int, str]] = []
    chosen = set()
    for index in range(len(fixes)):
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
    assert {i for i, f in enumerate(fixes) if any(f is a for a in applied)} == expected
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


def test_the_first_of_two_overlapping_fixes_wins() -> None:
    text = "abcdef\n"
    lines = Lines(text)
    wide = Fix("safe", "d", (Edit("t", *lines.position(0), *lines.position(1), "A"),
                             Edit("t", *lines.position(5), *lines.position(6), "F")))
    inside, on_f = _fix(lines, 2, 3, "C"), _fix(lines, 6, 6, "!")
    fixed, applied, left = apply_fixes(text, [on_f, wide, inside])
    assert applied == [on_f, inside] and left == [wide] and fixed == "abCdef!\n"


def test_choosing_takes_log_n_steps_per_edit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step counter: the structure of taken edits counts its steps; per edit they grow with log n (comparing each
    fix with every one taken, as before, took n²/2 comparisons: 8·10⁶ for these 4,000 fixes)."""
    made: list[apply_module._Taken] = []

    class Counted(apply_module._Taken):
        def __init__(self, starts: list[int]) -> None:
            super().__init__(starts)
            made.append(self)

    monkeypatch.setattr(apply_module, "_Taken", Counted)
    steps = {}
    for n in (200, 2000):
        text = "".join(f"key{i}: value{i}\n" for i in range(n))
        lines = Lines(text)
        # every line's value replaced, an insertion at every line's start, and a fix overlapping each value
        fixes = [_fix(lines, lines.starts[i] + len(f"key{i}: "), lines.starts[i + 1] - 1, f"new{i}") for i in range(n)]
        fixes += [_fix(lines, lines.starts[i], lines.starts[i], "# ") for i in range(n)]
        fixes += [_fix(lines, lines.starts[i + 1] - 2, lines.starts[i + 1] - 1, "?") for i in range(n)]
        made.clear()
        fixed, applied, left = apply_fixes(text, fixes)
        steps[n] = made[0].steps
        assert len(applied) == 2 * n and len(left) == n
        assert fixed.splitlines()[n - 1] == f"# key{n - 1}: new{n - 1}"
        assert steps[n] <= 3 * n * 2 * (n * 3).bit_length()  # an add and a question per edit, each ≤ log₂ steps
    assert steps[2000] <= 15 * steps[200]
