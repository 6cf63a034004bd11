"""A cheap frozen record: what ``@dataclass(frozen=True)`` gives the classes created at every start.

A dataclass costs about 0.5 ms of CPU when its module is imported (it compiles its ``__init__``, ``__eq__``,
``__hash__``, ``__repr__``, ``__setattr__`` and ``__delattr__`` from generated source), a plain class with slots
almost nothing: its methods are byte-compiled with the module. A :class:`Record` subclass lists its fields in
``__slots__`` and sets them in its ``__init__``, each annotated ``Final`` (mypy refuses an assignment after).
Two records are equal when they are of the same class with equal fields, and hash by their fields (a record with a
field that cannot be hashed cannot be hashed, as a frozen dataclass). Not a dataclass: use it for records that
nothing passes to :func:`dataclasses.replace` or walks with :func:`dataclasses.fields` (the findings, which
:mod:`cogcheck.report.neutralise` walks, stay dataclasses).
"""

from __future__ import annotations

from typing import Any


class Record:
    """The base of a frozen record (see the module's documentation)."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{self.__class__.__qualname__}({fields})"
