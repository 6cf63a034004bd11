"""The closed set of operators a rule's condition is written in, evaluated in three-valued logic.

Every operator answers ``True`` (the bad pattern holds), ``False`` (it does not) or ``None`` (it cannot be known:
an unknown value was needed). A rule fires only on ``True``. Operands that are strings starting with ``$`` or ``@``
are JSONPaths into the client view (``@`` is the current item of ``for_each``); anything else is a literal.

A comparison on an *absent* value is ``False``: absent values are replaced by their effective defaults under
``$.effective``, and rules that care about absence say so with ``present`` / ``absent``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cogcheck.cfn.values import Unknown, is_integer, to_number
from cogcheck.engine.paths import Match, Selection, compile_path

Verdict = bool | None
Expr = Mapping[str, Any]


@dataclass
class EvalContext:
    root: dict[str, Any]
    item: Match | None
    predicate: Callable[[str, Mapping[str, Any], EvalContext], Verdict]
    details: dict[str, Any] = field(default_factory=dict)
    #: selections of absolute paths, shared by every check on the same view (the view does not change)
    cache: dict[str, Selection] | None = None


def is_path(operand: Any) -> bool:
    return isinstance(operand, str) and operand[:1] in ("$", "@")


def select(operand: str, ctx: EvalContext) -> Selection:
    cache = ctx.cache
    if cache is None or operand[0] != "$":
        return compile_path(operand).select(ctx.root, ctx.item)
    selection = cache.get(operand)
    if selection is None:
        selection = cache[operand] = compile_path(operand).select(ctx.root, None)
    return selection


def _values(operand: Any, ctx: EvalContext) -> tuple[list[Any], Unknown | None]:
    """Values an operand stands for; a literal stands for itself."""
    if is_path(operand):
        selection = select(operand, ctx)
        return [m.value for m in selection.matches], selection.unknown
    return [operand], None


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    return bool(left == right)


def _any(results: list[Verdict], unknown: bool = False) -> Verdict:
    if True in results:
        return True
    return None if unknown or None in results else False


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# Each operator: (args, ctx) -> Verdict


def op_present(arg: Any, ctx: EvalContext) -> Verdict:
    values, unknown = _values(arg, ctx)
    return True if values else (None if unknown else False)


def op_absent(arg: Any, ctx: EvalContext) -> Verdict:
    result = op_present(arg, ctx)
    return None if result is None else not result


def _compare_each(arg: Any, ctx: EvalContext, test: Callable[[Any], Verdict]) -> Verdict:
    values, unknown = _values(arg, ctx)
    results = [None if isinstance(v, Unknown) else test(v) for v in values]
    return _any(results, unknown is not None)


def op_equals(args: list[Any], ctx: EvalContext) -> Verdict:
    target = args[1]
    return _compare_each(args[0], ctx, lambda v: _same(v, target))


def op_in(args: list[Any], ctx: EvalContext) -> Verdict:
    choices = args[1]
    return _compare_each(args[0], ctx, lambda v: any(_same(v, c) for c in choices))


def op_not_in(args: list[Any], ctx: EvalContext) -> Verdict:
    """The value is present, known, and none of the choices."""
    choices = args[1]
    return _compare_each(args[0], ctx, lambda v: not any(_same(v, c) for c in choices))


def _list_operand(arg: Any, ctx: EvalContext) -> list[Any] | Unknown | None:
    values, unknown = _values(arg, ctx)
    if unknown:
        return unknown
    if not values:
        return None
    value = values[0]
    return value if isinstance(value, list | Unknown) else [value]


def _wanted(operand: Any, ctx: EvalContext) -> tuple[list[Any], bool]:
    """Items looked for: a literal (or list of literals), or the values a JSONPath selects (lists flattened).

    The flag says some of them cannot be known (an unknown value, or nothing at the path).
    """
    if not is_path(operand):
        return (operand if isinstance(operand, list) else [operand]), False
    values, unknown = _values(operand, ctx)
    flat = [item for value in values for item in (value if isinstance(value, list) else [value])]
    known = [item for item in flat if not isinstance(item, Unknown)]
    return known, unknown is not None or not values or len(known) != len(flat)


def op_contains(args: list[Any], ctx: EvalContext) -> Verdict:
    """The list holds the item (or, given a list of items or a JSONPath, any of them)."""
    items = _list_operand(args[0], ctx)
    if items is None:
        return False
    if isinstance(items, Unknown):
        return None
    wanted, wanted_unknown = _wanted(args[1], ctx)
    if any(_same(item, w) for item in items for w in wanted):
        return True
    return None if wanted_unknown or any(isinstance(item, Unknown) for item in items) else False


def op_lacks(args: list[Any], ctx: EvalContext) -> Verdict:
    """The list is known not to hold the item (absent lists hold nothing)."""
    result = op_contains(args, ctx)
    return None if result is None else not result


def op_not_subset(args: list[Any], ctx: EvalContext) -> Verdict:
    """Some item of the list is outside the allowed set."""
    items = _list_operand(args[0], ctx)
    allowed = args[1]
    if items is None:
        return False
    if isinstance(items, Unknown):
        return None
    if any(not isinstance(i, Unknown) and not any(_same(i, a) for a in allowed) for i in items):
        return True
    return None if any(isinstance(item, Unknown) for item in items) else False


def _number(operand: Any, ctx: EvalContext) -> int | float | Unknown | None:
    values, unknown = _values(operand, ctx)
    if unknown:
        return unknown
    if not values:
        return None
    value = values[0]
    if isinstance(value, Unknown):
        return value
    number = to_number(value)
    return number if number is not None else Unknown("not a number")


def op_outside(args: list[Any], ctx: EvalContext) -> Verdict:
    value, low, high = _number(args[0], ctx), _number(args[1], ctx), _number(args[2], ctx)
    if value is None:
        return False
    if isinstance(value, Unknown) or not isinstance(low, int | float) or not isinstance(high, int | float):
        return None
    return not low <= value <= high


def _comparison(test: Callable[[float, float], bool]) -> Callable[[list[Any], EvalContext], Verdict]:
    def op(args: list[Any], ctx: EvalContext) -> Verdict:
        left, right = _number(args[0], ctx), _number(args[1], ctx)
        if left is None or right is None:
            return False
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return None
        return test(left, right)

    return op


def op_matches(args: list[Any], ctx: EvalContext) -> Verdict:
    pattern = _regex(args[1])
    return _compare_each(args[0], ctx, lambda v: isinstance(v, str) and pattern.search(v) is not None)


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, list | str) else None


def op_longer_than(args: list[Any], ctx: EvalContext) -> Verdict:
    limit = args[1]
    return _compare_each(args[0], ctx, lambda v: (n := _length(v)) is not None and n > limit)


def op_shorter_than(args: list[Any], ctx: EvalContext) -> Verdict:
    limit = args[1]
    return _compare_each(args[0], ctx, lambda v: (n := _length(v)) is not None and n < limit)


def op_key_not_in(args: list[Any], ctx: EvalContext) -> Verdict:
    """The selected value sits under a mapping key outside the allowed names (``@`` of ``for_each: [$.M.*]``).

    The key is known even when the value under it is not.
    """
    selection = select(args[0], ctx)
    allowed = args[1]
    results: list[Verdict] = [
        bool(m.path) and isinstance(m.path[-1], str) and m.path[-1] not in allowed for m in selection.matches
    ]
    return _any(results, selection.unknown is not None)


def op_not_integer(arg: Any, ctx: EvalContext) -> Verdict:
    return _compare_each(arg, ctx, lambda v: not is_integer(v))


def op_is_type(args: list[Any], ctx: EvalContext) -> Verdict:
    kinds = {"string": str, "list": list, "mapping": dict, "number": int | float, "boolean": bool}
    kind = kinds[args[1]]
    def test(value: Any) -> bool:
        return isinstance(value, kind) and not (args[1] == "number" and isinstance(value, bool))

    return _compare_each(args[0], ctx, test)


def op_all(args: list[Expr], ctx: EvalContext) -> Verdict:
    results = [evaluate(a, ctx) for a in args]
    if False in results:
        return False
    return None if None in results else True


def op_any(args: list[Expr], ctx: EvalContext) -> Verdict:
    return _any([evaluate(a, ctx) for a in args])


def op_not(arg: Expr, ctx: EvalContext) -> Verdict:
    result = evaluate(arg, ctx)
    return None if result is None else not result


def op_predicate(arg: Any, ctx: EvalContext) -> Verdict:
    if isinstance(arg, str):
        return ctx.predicate(arg, {}, ctx)
    return ctx.predicate(arg["name"], arg.get("args", {}), ctx)


#: operator name → (function, argument shape) where shape is "path", "pair", "triple", "exprs", "expr", "any"
OPERATORS: dict[str, tuple[Callable[[Any, EvalContext], Verdict], str]] = {
    "present": (op_present, "path"),
    "absent": (op_absent, "path"),
    "equals": (op_equals, "pair"),
    "in": (op_in, "pair"),
    "not_in": (op_not_in, "pair"),
    "contains": (op_contains, "pair"),
    "lacks": (op_lacks, "pair"),
    "not_subset": (op_not_subset, "pair"),
    "outside": (op_outside, "triple"),
    "gt": (_comparison(lambda a, b: a > b), "pair"),
    "lte": (_comparison(lambda a, b: a <= b), "pair"),
    "matches": (op_matches, "pair"),
    "longer_than": (op_longer_than, "pair"),
    "shorter_than": (op_shorter_than, "pair"),
    "not_integer": (op_not_integer, "path"),
    "key_not_in": (op_key_not_in, "pair"),
    "is_type": (op_is_type, "pair"),
    "all": (op_all, "exprs"),
    "any": (op_any, "exprs"),
    "not": (op_not, "expr"),
    "predicate": (op_predicate, "any"),
}


def evaluate(expr: Expr, ctx: EvalContext) -> Verdict:
    ((name, args),) = expr.items()
    function, _shape = OPERATORS[name]
    return function(args, ctx)


def validate(expr: Any, where: str, predicates: set[str]) -> list[str]:
    """Problems with an expression (empty when it is well formed)."""
    if not isinstance(expr, dict) or len(expr) != 1:
        return [f"{where}: an expression is a mapping with exactly one operator"]
    ((name, args),) = expr.items()
    if name not in OPERATORS:
        return [f"{where}: unknown operator {name!r} (known: {', '.join(sorted(OPERATORS))})"]
    shape = OPERATORS[name][1]
    here = f"{where}.{name}"
    problems: list[str] = []
    if shape == "path":
        if not is_path(args):
            problems.append(f"{here}: expects a JSONPath")
    elif shape in ("pair", "triple"):
        size = 2 if shape == "pair" else 3
        if not isinstance(args, list) or len(args) != size or not is_path(args[0]):
            problems.append(f"{here}: expects [JSONPath, {'value' if size == 2 else 'low, high'}]")
        elif name == "matches":
            try:
                re.compile(args[1])
            except (re.error, TypeError) as exc:
                problems.append(f"{here}: bad regular expression: {exc}")
        elif name == "key_not_in" and not isinstance(args[1], list):
            problems.append(f"{here}: expects [JSONPath, [allowed key, ...]]")
    elif shape == "exprs":
        if not isinstance(args, list) or not args:
            problems.append(f"{here}: expects a list of expressions")
        else:
            for index, sub in enumerate(args):
                problems += validate(sub, f"{here}[{index}]", predicates)
    elif shape == "expr":
        problems += validate(args, here, predicates)
    elif shape == "any":
        pname = args if isinstance(args, str) else args.get("name") if isinstance(args, dict) else None
        if pname not in predicates:
            problems.append(f"{here}: unknown predicate {pname!r} (known: {', '.join(sorted(predicates))})")
    for operand in _operands(args, shape):
        try:
            compile_path(operand)
        except ValueError as exc:
            problems.append(f"{here}: {exc}")
    return problems


def paths_in(expr: Any) -> list[str]:
    """Every JSONPath operand of a (validated) expression, nested expressions included."""
    if not isinstance(expr, dict) or len(expr) != 1:
        return []
    ((name, args),) = expr.items()
    shape = OPERATORS[name][1] if name in OPERATORS else ""
    if shape == "exprs" and isinstance(args, list):
        return [path for sub in args for path in paths_in(sub)]
    if shape == "expr":
        return paths_in(args)
    return _operands(args, shape)


def predicates_in(expr: Any) -> list[str]:
    """Names of the predicates an expression calls."""
    if not isinstance(expr, dict) or len(expr) != 1:
        return []
    ((name, args),) = expr.items()
    if name == "predicate":
        found = args if isinstance(args, str) else args.get("name") if isinstance(args, dict) else None
        return [found] if isinstance(found, str) else []
    if name in ("all", "any") and isinstance(args, list):
        return [found for sub in args for found in predicates_in(sub)]
    return predicates_in(args) if name == "not" else []


def _operands(args: Any, shape: str) -> list[str]:
    if shape == "path":
        return [args] if is_path(args) else []
    if shape in ("pair", "triple") and isinstance(args, list):
        return [a for a in args if is_path(a)]
    return []
