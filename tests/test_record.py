"""``cogcheck.record.Record``: the frozen-dataclass behaviour the records made at every start rely on."""

from __future__ import annotations

import pickle
from typing import Any, Final

import pytest

from cogcheck.engine.rules import load_rules
from cogcheck.record import Record


class Point(Record):
    __slots__ = ("x", "y")

    def __init__(self, x: Any, y: Any = 0) -> None:
        self.x: Final = x
        self.y: Final = y


class Other(Record):
    __slots__ = ("x", "y")

    def __init__(self, x: Any, y: Any = 0) -> None:
        self.x: Final = x
        self.y: Final = y


def test_records_are_equal_and_hash_alike_by_their_fields_and_class() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2) != Other(1, 2)  # another class is never equal, as with dataclasses
    assert len({Point(1, 2), Point(1, 2), Point(1, 3)}) == 2
    assert repr(Point("a", None)) == "Point(x='a', y=None)"


def test_a_record_with_a_field_that_cannot_be_hashed_cannot_be_hashed() -> None:
    with pytest.raises(TypeError):
        hash(Point({"a": 1}))


def test_a_record_has_no_other_attributes() -> None:
    with pytest.raises(AttributeError):
        Point(1).z = 3  # type: ignore[attr-defined]


def test_the_shipped_rules_survive_pickling_for_worker_processes() -> None:
    rules = load_rules()
    assert pickle.loads(pickle.dumps(rules)) == rules
