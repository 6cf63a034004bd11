"""Terraform's value semantics on plain Python values: conversions, number text, equality, element types, sets.

The semantics followed are Terraform 1.11.4's (go-cty 1.16, HCL 2.23), pinned by the table of
``tests/terraform_function_table.py``, which is checked against ``terraform console`` where a ``terraform`` binary is
on PATH. cogcheck's values carry no Terraform types (a tuple and a list are both a ``list``, an object and a map
both a ``dict``); where Terraform's answer depends on a type the value does not show, or on a precision cogcheck does
not keep, :class:`Abstain` is raised and the value reads as unknown, never as a guess:

* numbers are exact ``int`` values or ``float`` values that stand for the decimal of their ``repr`` (negative zero,
  which Terraform keeps and writes ``-0``, is ``-0.0``); Terraform keeps 512-bit binary floats, so arithmetic is
  vouched for only when its operands are exact in binary and its result is a short decimal (``7/2``, ``1/5``,
  ``1.5 * 2``, not ``0.1 * 3`` nor ``1/3``);
* a collection compared to a collection is unknown when the values are equal (``[] == []`` is true for two tuples,
  false for a list and a tuple) and false when they differ;
* converting a tuple of collections whose element types differ (``tolist([[1], ["a"]])``) is unknown.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from cogcheck.cfn.values import Unknown

#: Terraform keeps numbers as binary floats of this many bits (cty's arbitrary-precision numbers).
MANTISSA_BITS = 512

#: The largest decimal exponent cogcheck reads; a number beyond it (``1e400``) is unknown.
MAX_EXPONENT = 300

#: The longest string cogcheck reads as a number (a longer one is unknown).
MAX_NUMBER_TEXT = 1_000

#: Terraform's reading of a string as a number (cty's conversion): no spaces, no hex, no ``inf``, no ``_``.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

#: What Go's ``unicode.IsSpace`` (Terraform's ``trimspace``) treats as white space.
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


@dataclass(frozen=True)
class Link:
    """An attribute of a resource of the configuration: its value is known only after apply, its identity is not."""

    address: str
    attribute: str


class EvalError(Exception):
    """What Terraform would report as an error while evaluating."""


class Abstain(Exception):
    """Terraform's result is not one cogcheck can vouch for: the value reads as unknown (``str(exc)`` says why)."""


class SetValue(list[Any]):
    """The value of ``toset()``: a list in Terraform's iteration order that element() and an index refuse."""


def opaque(value: Any) -> bool:
    """Whether ``value`` is not a concrete value (unknown, or a link to a resource's attribute)."""
    return isinstance(value, Unknown | Link)


def contains_opaque(value: Any) -> bool:
    if opaque(value):
        return True
    if isinstance(value, list):
        return any(contains_opaque(v) for v in value)
    if isinstance(value, dict):
        return any(contains_opaque(v) for v in value.values())
    return False


def kind(value: Any) -> str:
    """``null``, ``bool``, ``number``, ``string``, ``list``, ``map`` or ``opaque``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "opaque"


def nfc(text: str) -> str:
    """Terraform keeps every string in Unicode normal form C (``"e\\u0301" == "é"``)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


# ------------------------------------------------------------------------------------------------------ numbers


def from_decimal(number: Decimal) -> int | float:
    """A decimal as cogcheck's number: an ``int`` when whole, a ``float`` when its ``repr`` is that decimal."""
    if number.is_zero():
        return -0.0 if number.is_signed() else 0
    if abs(number.adjusted()) > MAX_EXPONENT:
        raise Abstain("a number beyond 1e300 or below 1e-300")
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    if Decimal(repr(as_float)) != number:
        raise Abstain("a number with more digits than cogcheck keeps")
    return as_float


def exact(number: int | float) -> Fraction:
    """The decimal a number stands for, exactly (a float stands for the decimal of its ``repr``)."""
    return Fraction(number) if isinstance(number, int) else Fraction(repr(number))


def to_number(value: Any) -> int | float:
    """Terraform's conversion to a number (``"1"`` is 1; ``" 1"``, ``true`` and ``null`` are errors)."""
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise EvalError(f"a number is required, not a {kind(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Abstain("a number cogcheck cannot represent")
        return value
    if isinstance(value, str):
        if len(value) > MAX_NUMBER_TEXT:
            raise Abstain("a number written with more characters than cogcheck reads")
        if _NUMBER.fullmatch(value) is None:
            raise EvalError(f"{value[:40]!r} is not a number")
        return from_decimal(Decimal(value))
    raise Abstain("an unknown value")


def _dyadic(number: Fraction) -> bool:
    """Whether Terraform holds ``number`` exactly (a binary fraction within its mantissa)."""
    denominator = number.denominator
    return denominator & (denominator - 1) == 0 and number.numerator.bit_length() <= MANTISSA_BITS


def arithmetic(op: str, left: int | float, right: int | float) -> int | float:
    """``left op right`` as Terraform computes it, where cogcheck can vouch for the result."""
    a, b = exact(left), exact(right)
    if not (_dyadic(a) and _dyadic(b)):
        raise Abstain("arithmetic on a decimal Terraform holds in binary")
    if op == "%":
        if b == 0:
            return left  # Terraform's x % 0 is x
        result = a - b * math.trunc(a / b)
    elif op == "/":
        if b == 0:
            raise EvalError("division by zero")
        result = a / b
    else:
        result = a + b if op == "+" else a - b if op == "-" else a * b
    if result == 0:  # the sign of a zero, as binary floats have it (x - x is +0, 0 * -1 is -0)
        negative = {
            "+": negative_zero(left) and negative_zero(right),
            "-": negative_zero(left) and not _negative(right),
            "*": _negative(left) != _negative(right),
            "/": _negative(left) != _negative(right),
        }.get(op, False)
        return -0.0 if negative else 0
    return _short(result)


def _negative(number: int | float) -> bool:
    return math.copysign(1, number) < 0


def negative_zero(number: Any) -> bool:
    return isinstance(number, float) and number == 0 and _negative(number)


def _short(number: Fraction) -> int | float:
    """A result Terraform rounds once to 512 bits and prints as this decimal: only short decimals are vouched for."""
    if number.denominator == 1:
        if number.numerator.bit_length() > MANTISSA_BITS:
            raise Abstain("a number larger than Terraform holds exactly")
        return number.numerator
    denominator = number.denominator
    twos = (denominator & -denominator).bit_length() - 1
    rest = denominator >> twos
    while rest % 5 == 0:
        rest //= 5
    if rest != 1 or denominator.bit_length() > 128:
        raise Abstain("a quotient Terraform rounds to 512 bits")
    with localcontext() as context:
        context.prec = 400  # exact: at most 155 digits of integer part and 128 of fraction
        return from_decimal(Decimal(number.numerator) / Decimal(denominator))


def number_text(number: int | float) -> str:
    """Terraform's text of a number: never an exponent (``2e-7`` is ``0.0000002``, ``1.0`` is ``1``)."""
    if isinstance(number, int):
        return str(number)
    if not math.isfinite(number):
        raise Abstain("a number cogcheck cannot write as Terraform does")
    if negative_zero(number):
        return "-0"
    decimal = Decimal(repr(number))
    if decimal == decimal.to_integral_value():
        return str(int(decimal))
    return format(decimal, "f")


# -------------------------------------------------------------------------------------------- other conversions


def to_text(value: Any) -> str:
    """Terraform's conversion to a string (numbers and bools convert; ``null`` and collections are errors)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if opaque(value):
        raise Abstain("an unknown value")
    raise EvalError(f"a string is required, not a {kind(value)}")


def to_bool(value: Any) -> bool:
    """Terraform's conversion to a bool (``"true"``, ``"false"``, ``"1"``, ``"0"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    if opaque(value):
        raise Abstain("an unknown value")
    raise EvalError(f"a bool is required, not a {kind(value)}")


# ------------------------------------------------------------------------------------------- equality and keys


def key(value: Any) -> Any:
    """A hashable key for ``value``: equal keys for values Terraform finds equal (1 and 1.0; not 1 and "1")."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (kind(value), value)
    if isinstance(value, int | float):
        return ("number", exact(value))
    if isinstance(value, list):
        return ("list", tuple(key(item) for item in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((k, key(v)) for k, v in value.items())))
    raise Abstain("an unknown value")


def same(left: Any, right: Any) -> bool:
    """Whether two known values are equal in kind and value (no conversion)."""
    return bool(key(left) == key(right))


def equal(left: Any, right: Any) -> bool:
    """Terraform's ``==``: values of different kinds differ; equal collections are unknown (their types decide)."""
    if not same(left, right):
        return False
    if isinstance(left, list | dict):
        raise Abstain("whether two equal collections have the same type")
    return True


# ----------------------------------------------------------------------------------------- element types, sets


def _shape(value: Any) -> Any:
    """What a collection's type would be: equal shapes need no conversion to share one element type."""
    if isinstance(value, list):
        return ("list", frozenset(_shape(item) for item in value))
    if isinstance(value, dict):
        return ("map", frozenset((k, _shape(v)) for k, v in value.items()))
    return kind(value)


def unify(values: list[Any]) -> list[Any]:
    """The values converted to one element type, as Terraform converts a tuple to a list (``[1, "a"]`` → strings)."""
    kinds = {kind(value) for value in values} - {"null"}
    known = kinds - {"opaque"}
    if len(known) <= 1 and known <= {"string", "number", "bool"}:
        if "opaque" in kinds and known - {"string"}:
            raise Abstain("an element type an unknown value decides")
        return values
    if "opaque" in kinds:
        raise Abstain("an element type an unknown value decides")
    if known <= {"string", "number", "bool"}:
        if "string" not in known:
            raise EvalError("a number and a bool have no common type")
        return [None if value is None else to_text(value) for value in values]
    if known & {"string", "number", "bool"}:
        raise EvalError("a collection and a primitive value have no common type")
    shapes = {_shape(value) for value in values if value is not None}
    if len(shapes) > 1 and _merged(shapes) is None:
        raise Abstain("collections of different types, which cogcheck does not convert")
    return values


def _merged(shapes: set[Any]) -> Any:
    """The one shape lists of ``shapes`` share without converting an element, or None.

    Tuples of one element type, of any lengths, empty ones included, are lists of that type (``c ? ["code"] : []``);
    whatever needs an element converted (``[1]`` beside ``["a"]``) or concerns objects is left to :func:`unify`'s
    caller as unknown."""
    if any(shape[0] != "list" for shape in shapes if isinstance(shape, tuple)) or not all(
        isinstance(shape, tuple) for shape in shapes
    ):
        return None
    elements: set[Any] = set().union(*(shape[1] for shape in shapes))
    if len(elements) <= 1:
        return ("list", frozenset(elements))
    merged = _merged(elements)
    return None if merged is None else ("list", frozenset({merged}))


def to_set(values: list[Any]) -> SetValue:
    """Terraform's set of ``values``: converted to one type, duplicates dropped, in Terraform's iteration order."""
    items = unify(values)
    seen: dict[Any, Any] = {}
    for item in items:
        seen.setdefault(key(item), item)
    members = list(seen.values())
    kinds = {kind(item) for item in members} - {"null"}
    if kinds - {"string", "number", "bool"}:
        raise Abstain("the order of a set of collections")
    nulls = [item for item in members if item is None]
    rest = [item for item in members if item is not None]
    rest.sort(key=lambda item: exact(item) if kind(item) == "number" else item)  # one kind: strings, numbers, bools
    return SetValue(rest + nulls)


def distinct(values: list[Any]) -> list[Any]:
    """The values converted to one type, duplicates dropped, first occurrences in order."""
    seen: dict[Any, Any] = {}
    for item in unify(values):
        seen.setdefault(key(item), item)
    return list(seen.values())
