"""The Terraform functions cogcheck evaluates, with Terraform 1.11.4's semantics (see :mod:`.values`).

Each function takes its evaluated arguments and returns a value, raises :class:`EvalError` where Terraform reports
an error, or :class:`Abstain` where the result is not one cogcheck can vouch for (it then reads as unknown). An
unknown argument gives an unknown result unless the result does not depend on it (``length([var.x])`` is 1).
``try`` and ``can`` are evaluated by the scope (they catch errors of their unevaluated arguments). Every function and
argument case here is a row of ``tests/terraform_function_table.py``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from cogcheck.cfn.values import Unknown
from cogcheck.inputs.terraform.values import (
    GO_SPACE,
    Abstain,
    EvalError,
    Link,
    SetValue,
    contains_opaque,
    distinct,
    exact,
    kind,
    nfc,
    opaque,
    same,
    to_bool,
    to_number,
    to_set,
    to_text,
    unify,
)


def _arity(name: str, args: list[Any], least: int, most: int | None = None) -> None:
    if len(args) < least or (most is not None and len(args) > most):
        raise EvalError(f"wrong number of arguments to {name}()")


def _known(value: Any) -> None:
    if opaque(value):
        raise Abstain(str(value.reason) if isinstance(value, Unknown) else "an attribute of a resource")


def _list(name: str, value: Any, *, sets: bool = True) -> list[Any]:
    """A list (or tuple, or set where ``sets``) argument."""
    _known(value)
    if not isinstance(value, list) or (isinstance(value, SetValue) and not sets):
        raise EvalError(f"{name}() needs a list, not a {'set' if isinstance(value, SetValue) else kind(value)}")
    return value


def _map(name: str, value: Any) -> dict[str, Any]:
    _known(value)
    if not isinstance(value, dict):
        raise EvalError(f"{name}() needs a map, not a {kind(value)}")
    return value


def _string(value: Any) -> str:
    _known(value)
    return to_text(value)


# ---------------------------------------------------------------------------------------------- collections


def _concat(args: list[Any]) -> Any:
    _arity("concat", args, 1)
    out: list[Any] = []
    for arg in args:
        out += _list("concat", arg, sets=False)
    kinds = {kind(item) for item in out} - {"null", "opaque"}
    if len(kinds) > 1:
        raise Abstain("concat() of elements whose common type depends on the arguments' types")
    return out


def _tolist(args: list[Any]) -> Any:
    _arity("tolist", args, 1, 1)
    if args[0] is None:
        return None
    return list(unify(_list("tolist", args[0])))


def _toset(args: list[Any]) -> Any:
    _arity("toset", args, 1, 1)
    if args[0] is None:
        return None
    return to_set(_list("toset", args[0]))


def _distinct(args: list[Any]) -> Any:
    _arity("distinct", args, 1, 1)
    return distinct(_list("distinct", args[0]))


def _compact(args: list[Any]) -> Any:
    _arity("compact", args, 1, 1)
    out: list[Any] = []
    for item in _list("compact", args[0]):
        if isinstance(item, Link):
            out.append(item)  # a resource's attribute: an id or a name, never empty
            continue
        _known(item)
        text = None if item is None else to_text(item)
        if text:
            out.append(text)
    return out


def _flatten(args: list[Any]) -> Any:
    _arity("flatten", args, 1, 1)
    out: list[Any] = []
    stack = [iter(_list("flatten", args[0]))]
    while stack:
        item = next(stack[-1], stack)
        if item is stack:
            stack.pop()
        elif isinstance(item, list):
            stack.append(iter(item))
        else:
            if isinstance(item, Unknown):
                raise Abstain(item.reason)
            out.append(item)  # a resource's attribute (a Link) is kept as one element
    return out


def _coalescelist(args: list[Any]) -> Any:
    _arity("coalescelist", args, 1)
    for arg in args:
        value = _list("coalescelist", arg, sets=False)
        if value:
            return value
    raise EvalError("coalescelist() of empty lists only")


def _length(args: list[Any]) -> Any:
    _arity("length", args, 1, 1)
    value = args[0]
    _known(value)
    if isinstance(value, str):
        return graphemes(value)
    if isinstance(value, list | dict):
        return len(value)
    raise EvalError(f"length() of a {kind(value)}")


def _element(args: list[Any]) -> Any:
    _arity("element", args, 2, 2)
    items = _list("element", args[0], sets=False)
    _known(args[1])
    index = to_number(args[1])
    if not isinstance(index, int) and not float(index).is_integer():
        raise EvalError("element() needs a whole index")
    index = int(index)
    if index < 0 or index > 2**53:
        raise Abstain("element() with a negative or huge index (Terraform versions differ)")
    if not items:
        raise EvalError("element() of an empty list")
    return items[index % len(items)]


def _contains(args: list[Any]) -> Any:
    _arity("contains", args, 2, 2)
    items = _list("contains", args[0])
    if args[1] is None:
        raise EvalError("contains() of null")
    if contains_opaque(args[1]) or any(contains_opaque(item) for item in items):
        raise Abstain("contains() with an unknown value")
    return any(same(item, args[1]) for item in items)


def _lookup(args: list[Any]) -> Any:
    _arity("lookup", args, 2, 3)
    mapping = _map("lookup", args[0])
    if args[1] is None:
        raise EvalError("lookup() of a null key")
    name = _string(args[1])
    if name in mapping:
        return mapping[name]
    if len(args) > 2:
        return args[2]
    raise EvalError(f"lookup() finds no key {name[:40]!r}")


def _merge(args: list[Any]) -> Any:
    out: dict[str, Any] = {}
    for arg in args:
        if arg is not None:
            out.update(_map("merge", arg))
    return out


def _keys(args: list[Any]) -> Any:
    _arity("keys", args, 1, 1)
    return sorted(_map("keys", args[0]))


def _values(args: list[Any]) -> Any:
    _arity("values", args, 1, 1)
    mapping = _map("values", args[0])
    return [mapping[name] for name in sorted(mapping)]


def _coalesce(args: list[Any]) -> Any:
    _arity("coalesce", args, 1)
    for value in unify(list(args)):
        _known(value)
        if value is not None and value != "":
            return value
    raise EvalError("coalesce() of null and empty strings only")


# -------------------------------------------------------------------------------------------------- strings


def _join(args: list[Any]) -> Any:
    _arity("join", args, 2)
    if args[0] is None:
        raise EvalError("join() with a null separator")
    separator = _string(args[0])
    texts = []
    for arg in args[1:]:
        for item in _list("join", arg):
            if item is None:
                raise EvalError("join() of a null element")
            texts.append(_string(item))
    return nfc(separator.join(texts))


def _split(args: list[Any]) -> Any:
    _arity("split", args, 2, 2)
    if args[0] is None or args[1] is None:
        raise EvalError("split() of null")
    separator, text = _string(args[0]), _string(args[1])
    parts = list(text) if separator == "" else text.split(separator)
    return [nfc(part) for part in parts]


def _text_argument(name: str, args: list[Any]) -> str:
    _arity(name, args, 1, 1)
    if args[0] is None:
        raise EvalError(f"{name}() of null")
    return _string(args[0])


def _case(name: str, change: Callable[[str], str]) -> Callable[[list[Any]], Any]:
    """Go's per-character case mapping; a character whose mapping Python spells as several is unknown."""

    def call(args: list[Any]) -> Any:
        text = _text_argument(name, args)
        out = []
        for char in text:
            mapped = change(char)
            if len(mapped) != 1:
                raise Abstain(f"{name}() of {unicodedata.name(char, 'a character')}, which Go maps its own way")
            out.append(mapped)
        return nfc("".join(out))

    return call


def _trimspace(args: list[Any]) -> Any:
    return nfc(_text_argument("trimspace", args).strip(GO_SPACE))


#: Characters that may join the next or previous one into a grapheme cluster beyond what NFC composes.
_CLUSTERING = frozenset({"Mn", "Mc", "Me", "Cf", "Cs", "Co", "Cn"})
_CLUSTER_RANGES = (
    (0x1100, 0x11FF), (0xA960, 0xA97F), (0xD7B0, 0xD7FF),  # Hangul jamo
    (0x1F1E6, 0x1F1FF), (0x1F3FB, 0x1F3FF),  # regional indicators, emoji modifiers
    (0x0E33, 0x0E33), (0x0EB3, 0x0EB3), (0x0D4E, 0x0D4E),  # Thai and Lao sara am, Malayalam dot reph
    (0x111C2, 0x111C3), (0x1193F, 0x1193F), (0x11941, 0x11941), (0x11A3A, 0x11A3A), (0x11A84, 0x11A89),
    (0x11D46, 0x11D46), (0x11F02, 0x11F02),  # prepended letters
)


def graphemes(text: str) -> int:
    """Terraform's ``length`` of a string: user-perceived characters; unknown where cogcheck cannot segment."""
    count = 0
    for index, char in enumerate(text):
        code = ord(char)
        if code >= 0x300 and (
            unicodedata.category(char) in _CLUSTERING or any(low <= code <= high for low, high in _CLUSTER_RANGES)
        ):
            raise Abstain("length() of a string with combining characters")
        if not (char == "\n" and index and text[index - 1] == "\r"):
            count += 1
    return count


# ---------------------------------------------------------------------------------------------- conversions


def _tostring(args: list[Any]) -> Any:
    _arity("tostring", args, 1, 1)
    return None if args[0] is None else _string(args[0])


def _tonumber(args: list[Any]) -> Any:
    _arity("tonumber", args, 1, 1)
    _known(args[0])
    return None if args[0] is None else to_number(args[0])


def _tobool(args: list[Any]) -> Any:
    _arity("tobool", args, 1, 1)
    _known(args[0])
    return None if args[0] is None else to_bool(args[0])


def _extreme(name: str, pick: Callable[..., Any]) -> Callable[[list[Any]], Any]:
    def call(args: list[Any]) -> Any:
        _arity(name, args, 1)
        numbers = []
        for arg in args:
            _known(arg)
            numbers.append(to_number(arg))
        return pick(numbers, key=exact)

    return call


FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "concat": _concat,
    "tolist": _tolist,
    "toset": _toset,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "compact": _compact,
    "flatten": _flatten,
    "merge": _merge,
    "coalescelist": _coalescelist,
    "distinct": _distinct,
    "length": _length,
    "keys": _keys,
    "values": _values,
    "contains": _contains,
    "element": _element,
    "join": _join,
    "split": _split,
    "lower": _case("lower", str.lower),
    "upper": _case("upper", str.upper),
    "trimspace": _trimspace,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "min": _extreme("min", min),
    "max": _extreme("max", max),
}


def call_function(name: str, args: list[Any]) -> Any:
    """``name(args…)``: its value, an :class:`EvalError`, or an unknown (for a function not listed or not vouched)."""
    function = FUNCTIONS.get(name)
    if function is None:
        return Unknown(f"function {name}() is not evaluated")
    try:
        return function(args)
    except Abstain as exc:
        return Unknown(str(exc))
