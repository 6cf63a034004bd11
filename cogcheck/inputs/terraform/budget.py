"""The bounds of evaluating a Terraform configuration: steps per budget, the size of a value, the work of it all.

* A :class:`Meter` is one budget of :data:`MAX_STEPS` steps. A module instance has one for what it shares (locals,
  ``count`` / ``for_each``); each resource instance and each module call instance has one for its arguments. A step
  is an expression visited, an element of a collection a function builds or walks, :data:`STRING_UNIT` characters
  of a string it builds, a unit of a value written into a resource. A spent meter makes every further value
  unknown and remembers why (:attr:`Meter.tainted`), so the resource whose values it silenced gets a notice.
* A value's size is its size as a tree: a list shared twice counts twice, because writing it out and checking it
  costs that. A value larger than :data:`MAX_VALUE_SIZE` is unknown (and taints the meter the same way). Sizes are
  memoised per container, so measuring a value built from shared parts costs its parts once (a DAG, not a tree).
* :class:`Work` counts every step of every meter of one configuration: past :data:`MAX_TOTAL_STEPS` the
  configuration is an input error (:class:`TooMuchWork`), never a silently partial reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Steps of one budget: a module instance's shared values, or one resource or module call instance's arguments.
MAX_STEPS = 100_000
#: Size of one value as a tree (elements, map keys, and a unit per :data:`STRING_UNIT` characters of a string).
MAX_VALUE_SIZE = 100_000
#: Levels of lists and maps in one value (deeper counts as larger than :data:`MAX_VALUE_SIZE`).
MAX_VALUE_DEPTH = 64
#: Steps of all the budgets of one configuration.
MAX_TOTAL_STEPS = 2_000_000
#: Characters of a string that count as one step or one unit of size.
STRING_UNIT = 16

_PLAIN = (str, int, float, bool, type(None))


class TooMuchWork(Exception):
    """Evaluating one configuration needs more than :data:`MAX_TOTAL_STEPS` steps."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


@dataclass
class Work:
    """The steps spent evaluating one configuration."""

    steps: int = 0

    def charge(self, steps: int, where: str) -> None:
        self.steps += steps
        if self.steps > MAX_TOTAL_STEPS:
            raise TooMuchWork(where)


@dataclass
class Meter:
    """One budget of :data:`MAX_STEPS` steps; ``parent`` (the module instance's meter) shares its measured sizes."""

    work: Work
    where: str
    parent: Meter | None = None
    steps: int = 0
    tainted: str | None = None  # why a value evaluated on this meter was cut (the first reason)
    _sizes: dict[int, tuple[Any, int, bool, int]] = field(default_factory=dict)  # id → (value, size, opaque, depth)

    def step(self, steps: int = 1) -> bool:
        """Spend ``steps``; False (and the meter tainted) once the budget is spent. The whole configuration's work
        counts what the budget had left at most: a step refused is work not done."""
        if self.steps + steps <= MAX_STEPS:
            self.steps += steps
            self.work.charge(steps, self.where)
            return True
        self.work.charge(max(1, MAX_STEPS - self.steps), self.where)
        self.steps += steps
        self.taint(f"more than {MAX_STEPS:,} evaluation steps in {self.where}")
        return False

    def taint(self, why: str) -> None:
        if self.tainted is None:
            self.tainted = why

    def measure(self, value: Any) -> tuple[int, bool]:
        """(size as a tree, capped just past :data:`MAX_VALUE_SIZE` and past it when nested deeper than
        :data:`MAX_VALUE_DEPTH`; whether anything in it is not a plain value). Each container not measured before
        costs a step per element; the value is kept alive with its measure (its id stays its own)."""
        if not isinstance(value, list | dict):
            return _scalar(value)[:2]
        known = self._known(value)
        if known is not None:
            return known
        items = list(value.values()) if isinstance(value, dict) else value
        parts = []
        for item in items:  # most values are built from parts measured already: one level to add up
            part = self._entry(item) if isinstance(item, list | dict) else _scalar(item)
            if part is None:
                return self._measure_tree(value)
            parts.append(part)
        self.step(len(items) + 1)
        return self._add(value, parts)

    def _add(self, value: list[Any] | dict[str, Any], parts: list[tuple[int, bool, int]]) -> tuple[int, bool]:
        size = 1 + sum(part[0] for part in parts)
        if isinstance(value, dict):
            size += sum(1 + len(key) // STRING_UNIT for key in value)
        depth = 1 + max((part[2] for part in parts), default=0)
        if depth > MAX_VALUE_DEPTH:
            size = MAX_VALUE_SIZE + 1
        entry = (min(size, MAX_VALUE_SIZE + 1), any(part[1] for part in parts), depth)
        self._sizes[id(value)] = (value, *entry)
        return entry[0], entry[1]

    def _measure_tree(self, value: list[Any] | dict[str, Any]) -> tuple[int, bool]:
        pending: list[tuple[Any, bool]] = [(value, False)]
        cost = 0
        while pending:
            node, children_done = pending.pop()
            if self._known(node) is not None:
                continue
            items = list(node.values()) if isinstance(node, dict) else node
            if not children_done:
                pending.append((node, True))
                pending += [(item, False) for item in items
                            if isinstance(item, list | dict) and self._known(item) is None]
                continue
            cost += len(items) + 1
            self._add(node, [self._entry(item) or _scalar(item) for item in items])
        self.step(cost)
        found = self._known(value)
        assert found is not None
        return found

    def _known(self, value: Any) -> tuple[int, bool] | None:
        entry = self._entry(value)
        return None if entry is None else (entry[0], entry[1])

    def _entry(self, value: Any) -> tuple[int, bool, int] | None:
        meter: Meter | None = self
        while meter is not None:
            hit = meter._sizes.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1], hit[2], hit[3]
            meter = meter.parent
        return None


def _scalar(value: Any) -> tuple[int, bool, int]:
    if isinstance(value, str):
        return (1 + len(value) // STRING_UNIT, False, 0) if len(value) >= STRING_UNIT else _ONE
    return _ONE if isinstance(value, _PLAIN) else (1, True, 0)


_ONE = (1, False, 0)
