"""Values that know what they do not know.

A property's value after resolution is one of:

* a plain Python value (``str``, ``int``, ``float``, ``bool``, ``list``, ``dict``): *known*;
* :data:`NO_VALUE` (``AWS::NoValue``): the property or list item is removed;
* an :class:`Unknown`: an intrinsic that cannot be resolved. Every rule that needs it abstains, unless it carries a
  :class:`Shape`: the form every value of the attribute it stands for has (``Fn::GetAtt Pool.Arn`` is an ARN),
  which a rule that checks a pattern or a length can still judge (:mod:`cogcheck.cfn.shapes`).

:class:`ResourceRef` is an unknown that still identifies the resource it points at (``Ref`` to a resource),
so cross-resource predicates can follow it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Final


@dataclass(frozen=True)
class Shape:
    """What every value of a resource attribute looks like, though the value itself is unknown until deploy time.

    ``pattern`` is a full-match regular expression with the service's ASCII ``\\w``; ``origin`` is the reference
    the value came from (``Fn::GetAtt Pool.Arn``), for messages.
    """

    label: str  # what the value is, for messages: "a user pool ARN"
    pattern: str
    min_length: int
    max_length: int
    origin: str = ""


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known statically, with the reason why (and its :class:`Shape` when that is known)."""

    reason: str
    #: keyword-only (subclasses keep their positional fields) and not part of equality: it follows from the reference
    shape: Shape | None = field(default=None, kw_only=True, compare=False)

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


@dataclass(frozen=True)
class ResourceRef(Unknown):
    """``Ref`` to a resource of the same template: its physical id is unknown, its identity is not."""

    logical_id: str = ""


class _NoValue:
    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Final = _NoValue()

_INT_RE = re.compile(r"^[+-]?\d+$")
#: Integers beyond this many digits are read as floats (infinite when past ~10**308): Python refuses to convert
#: more than 4,300 digits, and no CloudFormation value needs more than a few.
MAX_EXACT = 2**53
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def to_number(value: Any) -> int | float | None:
    """CloudFormation's reading of a number: ints, floats and numeric strings. ``None`` when not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -MAX_EXACT <= value <= MAX_EXACT else _big(value)
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _INT_RE.match(text):
            return int(text) if len(text) <= 16 else _big(text)
        if _NUM_RE.match(text):
            number = float(text)
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    return None


def _big(value: int | str) -> float:
    """A number too large to be exact: its float, or an infinity (never an exception)."""
    negative = value.startswith("-") if isinstance(value, str) else value < 0
    try:
        return float(value)
    except OverflowError:
        return -math.inf if negative else math.inf


def is_integer(value: Any) -> bool:
    """True when CloudFormation would accept ``value`` for an integer property."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, str):
        return bool(_INT_RE.match(value.strip()))
    return False


def to_bool(value: Any) -> bool | None:
    """CloudFormation's reading of a boolean: ``true``/``false`` in any case. ``None`` when not a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def to_text(value: Any) -> str | None:
    """The string CloudFormation would pass for a scalar; ``None`` for containers and unknowns."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return None
