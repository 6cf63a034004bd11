"""check_template keeps what was alive before it out of the collector's young generations while it runs, and
leaves the heap's frozen state as it found it (the editor's server and forked workers freeze their own)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from cogcheck.scan import check
from tests.helpers import RULE_FIXTURES, scan_paths

FIXTURE = RULE_FIXTURES / "COG-E001" / "fail_units.yaml"


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def _watch(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    inner = check._check_template

    def watched(*args: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return inner(*args)

    monkeypatch.setattr(check, "_check_template", watched)
    return seen


def test_the_heap_is_frozen_while_a_template_is_checked_and_thawed_after(
    unfrozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _watch(monkeypatch)
    result = scan_paths(FIXTURE)
    assert result.findings and seen and all(count > 0 for count in seen)
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_by_its_owner_stays_frozen(unfrozen: None, monkeypatch: pytest.MonkeyPatch) -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    seen = _watch(monkeypatch)
    scan_paths(FIXTURE)
    assert seen and seen[0] > 0 and gc.get_freeze_count() > frozen // 2  # not thawed (objects it held may be freed)


def test_findings_are_the_same_with_the_heap_frozen_by_its_owner(unfrozen: None) -> None:
    plain = [f.as_json() for f in scan_paths(FIXTURE).findings]
    gc.freeze()
    assert [f.as_json() for f in scan_paths(FIXTURE).findings] == plain
