"""The closed set of operators a rule's condition is written in, evaluated in three-valued logic.

Every operator answers ``True`` (the bad pattern holds), ``False`` (it does not) or ``None`` (it cannot be known:
an unknown value was needed). A rule fires only on ``True``. Operands that are strings starting with ``$`` or ``@``
are JSONPaths into the client view (``@`` is the current item of ``for_each``); anything else is a literal.

A comparison on an *absent* value is ``False``: absent values are replaced by their effective defaults under
``$.effective``, and rules that care about absence say so with ``present`` / ``absent``.

Conditions are compiled once per rule set: each operator is a *compiler* that turns its arguments into a function
of the context (:func:`compile_expr`), so checking a client costs a few calls per check, not a walk of the
expression tree. A new operator is one compiler and its signature (argument shapes) in :data:`OPERATORS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from functools import cache
from typing import Any

from cogcheck.cfn.shapes import length_relation, pattern_relation
from cogcheck.cfn.values import Shape, Unknown, is_integer, to_number
from cogcheck.engine.paths import Match, Selection, compile_path
from cogcheck.engine.signatures import (
    COUNT,
    EXPR,
    EXPRS,
    ITEMS,
    LITERAL,
    LITERALS,
    NAMES,
    NUMBER,
    NUMBER_PATH,
    PATH,
    PREDICATE_CALL,
    REGEX,
    Kind,
    Signature,
    call_paths,
    call_problems,
    describe,
    is_path,
    one_of,
    single,
    takes,
)

Verdict = bool | None
Expr = Mapping[str, Any]


class EvalContext:
    """What a compiled condition reads: the client's view (``root``), the item a ``for_each`` check is at, the
    predicates, the details a predicate leaves for the message. A plain class with slots, not a dataclass: nothing
    to compile when the module is imported."""

    __slots__ = ("cache", "details", "item", "predicate", "root")

    def __init__(
        self, root: dict[str, Any], item: Match | None,
        predicate: Callable[[str, Mapping[str, Any], EvalContext], Verdict], details: dict[str, Any] | None = None,
        cache: dict[str, Any] | None = None,
    ) -> None:
        self.root = root
        self.item = item
        self.predicate = predicate
        self.details: dict[str, Any] = {} if details is None else details
        #: selections (and values) of absolute paths, shared by every check on the same view (it does not change)
        self.cache = cache


Compiled = Callable[[EvalContext], Verdict]


def selector(text: str) -> Callable[[EvalContext], Selection]:
    """What the JSONPath ``text`` selects in a context; an absolute path is selected once per view (``ctx.cache``)."""
    path = compile_path(text)
    if path.relative:

        def relative(ctx: EvalContext) -> Selection:
            return path.select(ctx.root, ctx.item)

        return relative

    def absolute(ctx: EvalContext) -> Selection:
        cache = ctx.cache
        if cache is None:
            return path.select(ctx.root, None)
        selection: Selection | None = cache.get(text)
        if selection is None:
            selection = cache[text] = path.select(ctx.root, None)
        return selection

    return absolute


def select(operand: str, ctx: EvalContext) -> Selection:
    return selector(operand)(ctx)


Values = tuple[list[Any], Unknown | None]


_NOTHING: Values = ([], None)


def _follow(value: Any, names: tuple[str, ...]) -> Values:
    """The values a path of names selects from ``value`` (what :func:`cogcheck.engine.paths._fields` selects)."""
    for name in names:
        if isinstance(value, Unknown):
            return [], value
        if not isinstance(value, dict) or name not in value:
            return _NOTHING
        value = value[name]
    return [value], None


def _operand(operand: Any) -> Callable[[EvalContext], Values]:
    """The values an operand stands for (and whether some cannot be known); a literal stands for itself.

    The lists returned are shared (a view's values are selected once): callers never change them.
    """
    if not is_path(operand):
        constant: Values = ([operand], None)
        return lambda _ctx: constant
    path = compile_path(operand)
    names = path.fields
    if names is not None and path.relative:

        def relative_values(ctx: EvalContext) -> Values:
            return _follow(ctx.item.value if ctx.item is not None else ctx.root, names)

        return relative_values
    if names is not None:
        key = "=" + operand  # beside the selections in the view's cache: no JSONPath starts with "="

        def absolute_values(ctx: EvalContext) -> Values:
            cache = ctx.cache
            if cache is None:
                return _follow(ctx.root, names)
            found: Values | None = cache.get(key)
            if found is None:
                found = cache[key] = _follow(ctx.root, names)
            return found

        return absolute_values
    select_in = selector(operand)

    def values(ctx: EvalContext) -> Values:
        selection = select_in(ctx)
        return selection.values(), selection.unknown

    return values


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
    """Patterns are the service's: ``\\w``, ``\\s``, ``\\d`` are ASCII, as in Cognito's (Java) regex dialect."""
    return re.compile(pattern, re.ASCII)


# Each operator is a compiler: its arguments, as written in the rule → a function of the context that answers.


def _compare_each(
    operand: Any, test: Callable[[Any], Verdict], shaped: Callable[[Shape], Verdict] | None = None
) -> Compiled:
    """True when the test holds for some value; unknown values (or an unknown path) make a False answer None.

    ``shaped`` answers for an unknown value whose shape is known (``Fn::GetAtt Pool.Arn`` is an ARN): operators on
    strings (patterns, lengths, types) can still tell (:mod:`cogcheck.cfn.shapes`).
    """
    values_of = _operand(operand)

    def judge(value: Any) -> Verdict:
        if not isinstance(value, Unknown):
            return test(value)
        return shaped(value.shape) if shaped is not None and value.shape is not None else None

    def run(ctx: EvalContext) -> Verdict:
        values, unknown = values_of(ctx)
        answer: Verdict = False
        for value in values:
            result = judge(value)
            if result is True:
                return True
            if result is None:
                answer = None
        return None if unknown is not None else answer

    return run


def _negate(compiled: Compiled) -> Compiled:
    def run(ctx: EvalContext) -> Verdict:
        result = compiled(ctx)
        return None if result is None else not result

    return run


def op_present(arg: Any) -> Compiled:
    values_of = _operand(arg)

    def run(ctx: EvalContext) -> Verdict:
        values, unknown = values_of(ctx)
        return True if values else (None if unknown else False)

    return run


def op_absent(arg: Any) -> Compiled:
    return _negate(op_present(arg))


def _equal_to(target: Any) -> Callable[[Any], bool]:
    if isinstance(target, bool):
        return lambda value: value is target
    return lambda value: not isinstance(value, bool) and bool(value == target)


def op_equals(args: list[Any]) -> Compiled:
    return _compare_each(args[0], _equal_to(args[1]))


def op_in(args: list[Any]) -> Compiled:
    choices = [_equal_to(c) for c in args[1]]
    return _compare_each(args[0], lambda v: any(same(v) for same in choices))


def op_not_in(args: list[Any]) -> Compiled:
    """The value is present, known, and none of the choices."""
    choices = [_equal_to(c) for c in args[1]]
    return _compare_each(args[0], lambda v: not any(same(v) for same in choices))


def _list_operand(operand: Any) -> Callable[[EvalContext], list[Any] | Unknown | None]:
    values_of = _operand(operand)

    def run(ctx: EvalContext) -> list[Any] | Unknown | None:
        values, unknown = values_of(ctx)
        if unknown:
            return unknown
        if not values:
            return None
        value = values[0]
        return value if isinstance(value, list | Unknown) else [value]

    return run


def _wanted(operand: Any) -> Callable[[EvalContext], tuple[list[Any], bool]]:
    """Items looked for: a literal (or list of literals), or the values a JSONPath selects (lists flattened).

    The flag says some of them cannot be known (an unknown value, or nothing at the path).
    """
    if not is_path(operand):
        constant = (operand if isinstance(operand, list) else [operand]), False
        return lambda _ctx: constant
    values_of = _operand(operand)

    def run(ctx: EvalContext) -> tuple[list[Any], bool]:
        values, unknown = values_of(ctx)
        flat = [item for value in values for item in (value if isinstance(value, list) else [value])]
        known = [item for item in flat if not isinstance(item, Unknown)]
        return known, unknown is not None or not values or len(known) != len(flat)

    return run


def op_contains(args: list[Any]) -> Compiled:
    """The list holds the item (or, given a list of items or a JSONPath, any of them)."""
    items_of, wanted_of = _list_operand(args[0]), _wanted(args[1])

    def run(ctx: EvalContext) -> Verdict:
        items = items_of(ctx)
        if items is None:
            return False
        if isinstance(items, Unknown):
            return None
        wanted, wanted_unknown = wanted_of(ctx)
        if any(_same(item, w) for item in items for w in wanted):
            return True
        return None if wanted_unknown or any(isinstance(item, Unknown) for item in items) else False

    return run


def op_lacks(args: list[Any]) -> Compiled:
    """The list is known not to hold the item (absent lists hold nothing)."""
    return _negate(op_contains(args))


def op_not_subset(args: list[Any]) -> Compiled:
    """Some item of the list is outside the allowed set."""
    items_of = _list_operand(args[0])
    allowed = [_equal_to(a) for a in args[1]]

    def run(ctx: EvalContext) -> Verdict:
        items = items_of(ctx)
        if items is None:
            return False
        if isinstance(items, Unknown):
            return None
        if any(not isinstance(i, Unknown) and not any(same(i) for same in allowed) for i in items):
            return True
        return None if any(isinstance(item, Unknown) for item in items) else False

    return run


def number_of(values: list[Any], unknown: Unknown | None) -> int | float | Unknown | None:
    """An operand's number: its first value as a number, an unknown, or None when absent (also called by the
    generated plan, :mod:`cogcheck.engine.plan`)."""
    if unknown:
        return unknown
    if not values:
        return None
    value = values[0]
    if isinstance(value, Unknown):
        return value
    number = to_number(value)
    return number if number is not None else Unknown("not a number")


def _number(operand: Any) -> Callable[[EvalContext], int | float | Unknown | None]:
    values_of = _operand(operand)

    def run(ctx: EvalContext) -> int | float | Unknown | None:
        return number_of(*values_of(ctx))

    return run


def op_outside(args: list[Any]) -> Compiled:
    value_of, low_of, high_of = _number(args[0]), _number(args[1]), _number(args[2])

    def run(ctx: EvalContext) -> Verdict:
        value, low, high = value_of(ctx), low_of(ctx), high_of(ctx)
        if value is None:
            return False
        if isinstance(value, Unknown) or not isinstance(low, int | float) or not isinstance(high, int | float):
            return None
        return not low <= value <= high

    return run


def _comparison(test: Callable[[float, float], bool]) -> Callable[[list[Any]], Compiled]:
    def op(args: list[Any]) -> Compiled:
        left_of, right_of = _number(args[0]), _number(args[1])

        def run(ctx: EvalContext) -> Verdict:
            left, right = left_of(ctx), right_of(ctx)
            if left is None or right is None:
                return False
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return None
            return test(left, right)

        return run

    return op


def op_matches(args: list[Any]) -> Compiled:
    pattern = str(args[1])
    search = _regex(pattern).search
    return _compare_each(
        args[0], lambda v: isinstance(v, str) and search(v) is not None, lambda s: pattern_relation(s, pattern)
    )


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, list | str) else None


def op_longer_than(args: list[Any]) -> Compiled:
    limit = args[1]
    return _compare_each(
        args[0], lambda v: (n := _length(v)) is not None and n > limit, lambda s: length_relation(s, limit + 1, None)
    )


def op_shorter_than(args: list[Any]) -> Compiled:
    limit = args[1]
    return _compare_each(
        args[0], lambda v: (n := _length(v)) is not None and n < limit, lambda s: length_relation(s, None, limit - 1)
    )


def op_key_not_in(args: list[Any]) -> Compiled:
    """The selected value sits under a mapping key outside the allowed names (``@`` of ``for_each: [$.M.*]``).

    The key is known even when the value under it is not.
    """
    select_in, allowed = selector(args[0]), args[1]

    def run(ctx: EvalContext) -> Verdict:
        selection = select_in(ctx)
        results: list[Verdict] = [
            bool(m.path) and isinstance(m.path[-1], str) and m.path[-1] not in allowed for m in selection.matches
        ]
        return _any(results, selection.unknown is not None)

    return run


def op_not_integer(arg: Any) -> Compiled:
    return _compare_each(arg, lambda v: not is_integer(v))


_KINDS: dict[str, Any] = {"string": str, "list": list, "mapping": dict, "number": int | float, "boolean": bool}
TYPE_NAME = one_of("type_name", "a type name", tuple(_KINDS))


def op_is_type(args: list[Any]) -> Compiled:
    kind, number = _KINDS[args[1]], args[1] == "number"

    def test(value: Any) -> bool:
        return isinstance(value, kind) and not (number and isinstance(value, bool))

    return _compare_each(args[0], test, lambda _shape: kind is str)  # every shaped value is a string


def op_all(args: list[Expr]) -> Compiled:
    parts = [compile_expr(a) for a in args]
    if not any(predicates_in(a) for a in args):  # no side effects: stop at the first False

        def pure(ctx: EvalContext) -> Verdict:
            answer: Verdict = True
            for part in parts:
                result = part(ctx)
                if result is False:
                    return False
                if result is None:
                    answer = None
            return answer

        return pure

    def run(ctx: EvalContext) -> Verdict:  # every predicate runs: the details it leaves may be in the message
        results = [part(ctx) for part in parts]
        if False in results:
            return False
        return None if None in results else True

    return run


def op_any(args: list[Expr]) -> Compiled:
    parts = [compile_expr(a) for a in args]
    if not any(predicates_in(a) for a in args):

        def pure(ctx: EvalContext) -> Verdict:
            answer: Verdict = False
            for part in parts:
                result = part(ctx)
                if result is True:
                    return True
                if result is None:
                    answer = None
            return answer

        return pure

    return lambda ctx: _any([part(ctx) for part in parts])


def op_not(arg: Expr) -> Compiled:
    return _negate(compile_expr(arg))


def op_predicate(arg: Any) -> Compiled:
    name, args = (arg, {}) if isinstance(arg, str) else (arg["name"], arg.get("args", {}))
    return lambda ctx: ctx.predicate(name, args, ctx)


#: operator name → (compiler, signature). A compiler turns the operator's arguments into a function of the context; it
#: runs once per rule set. The signature (:mod:`cogcheck.engine.signatures`) is what rules are checked against when
#: they load and what the JSON Schema of rule files (``cogcheck/data/rule.schema.json``) is generated from.
OPERATORS: dict[str, tuple[Callable[[Any], Compiled], Signature]] = {
    "present": (op_present, single(PATH, doc="the path selects something")),
    "absent": (op_absent, single(PATH, doc="the path selects nothing (known)")),
    "equals": (op_equals, takes(PATH, LITERAL, doc="a value equals the literal (booleans only equal booleans)")),
    "in": (op_in, takes(PATH, LITERALS, doc="a value is one of the choices")),
    "not_in": (op_not_in, takes(PATH, LITERALS, doc="a value is known and none of the choices")),
    "contains": (op_contains, takes(PATH, ITEMS, doc="the list holds the item (or any of a list of items, or of the "
                                                     "values a path selects); an absent list holds nothing")),
    "lacks": (op_lacks, takes(PATH, ITEMS, doc="the list is known not to hold the item (an absent list holds "
                                               "nothing)")),
    "not_subset": (op_not_subset, takes(PATH, LITERALS, doc="some item of the list is outside the allowed set")),
    "outside": (op_outside, takes(NUMBER_PATH, NUMBER, NUMBER,
                                  doc="the number is outside [low, high] (bounds may be paths)")),
    "gt": (_comparison(lambda a, b: a > b), takes(NUMBER_PATH, NUMBER, doc="left > right (numbers)")),
    "lte": (_comparison(lambda a, b: a <= b), takes(NUMBER_PATH, NUMBER, doc="left <= right (numbers)")),
    "matches": (op_matches, takes(PATH, REGEX, doc="a string value matches the regular expression (re.search)")),
    "longer_than": (op_longer_than, takes(PATH, COUNT, doc="a list or string is longer than N")),
    "shorter_than": (op_shorter_than, takes(PATH, COUNT, doc="a list or string is shorter than N")),
    "not_integer": (op_not_integer, single(PATH, doc="a value is not a whole number")),
    "key_not_in": (op_key_not_in, takes(PATH, NAMES, doc="the item sits under a mapping key outside the allowed "
                                                         "names")),
    "is_type": (op_is_type, takes(PATH, TYPE_NAME, doc="a value is of the type")),
    "all": (op_all, single(EXPRS, doc="every part is true")),
    "any": (op_any, single(EXPRS, doc="some part is true")),
    "not": (op_not, single(EXPR, doc="the part is false")),
    "predicate": (op_predicate, single(PREDICATE_CALL, doc="a named predicate says so")),
}


def compile_expr(expr: Expr) -> Compiled:
    """A function of the context that answers ``expr`` (validated by :func:`validate`)."""
    ((name, args),) = expr.items()
    compiler, _shape = OPERATORS[name]
    return compiler(args)


def evaluate(expr: Expr, ctx: EvalContext) -> Verdict:
    """Compile and answer ``expr`` once (rules compile their conditions once: :mod:`cogcheck.engine.evaluate`)."""
    return compile_expr(expr)(ctx)


#: how deep ``all`` / ``any`` / ``not`` may nest in a condition (the shipped rules nest 3 levels; docs/limits.md):
#: conditions are compiled and evaluated recursively, and a rule pack is an input like any other
MAX_DEPTH = 32


def validate(expr: Any, where: str, predicates: Collection[str], depth: int = 1) -> list[str]:
    """Problems with an expression (empty when it is well formed): every operator's arguments against its
    signature, position by position, nested expressions and predicate calls included."""
    if depth > MAX_DEPTH:
        return [f"{where}: expressions nested deeper than {MAX_DEPTH} levels"]
    if not isinstance(expr, dict) or len(expr) != 1:
        return [f"{where}: an expression is a mapping with exactly one operator"]
    ((name, args),) = expr.items()
    if name not in OPERATORS:
        return [f"{where}: unknown operator {name!r} (known: {', '.join(sorted(OPERATORS))})"]
    signature = OPERATORS[name][1]
    here = f"{where}.{name}"
    if not signature.listed:
        return _argument_problems(signature.args[0], args, here, predicates, depth)
    if not isinstance(args, list) or len(args) != len(signature.args):
        got = f"{len(args)} argument{'' if len(args) == 1 else 's'}" if isinstance(args, list) else describe(args)
        return [f"{here}: expects {signature.text}, got {got}"]
    problems: list[str] = []
    for index, (kind, arg) in enumerate(zip(signature.args, args, strict=True)):
        problems += _argument_problems(kind, arg, f"{here}[{index}]", predicates, depth)
    return problems


def _argument_problems(kind: Kind, arg: Any, here: str, predicates: Collection[str], depth: int) -> list[str]:
    if kind is EXPR:
        return validate(arg, here, predicates, depth + 1)
    if kind is EXPRS:
        if not isinstance(arg, list) or not arg:
            return [f"{here}: expects a non-empty list of expressions, got {describe(arg)}"]
        return [problem for index, sub in enumerate(arg)
                for problem in validate(sub, f"{here}[{index}]", predicates, depth + 1)]
    if kind is PREDICATE_CALL:
        return call_problems(arg, here, predicates)
    problem = kind.problem(arg)
    return [f"{here}: {problem}"] if problem else []


def paths_in(expr: Any) -> list[str]:
    """Every JSONPath operand of a (validated) expression, nested expressions and predicate arguments included."""
    return [path for path, _kind in operands_in(expr)]


def operands_in(expr: Any, depth: int = 1) -> list[tuple[str, Kind]]:
    """Every JSONPath operand of a (validated) expression with the kind of argument it is given as."""
    if not isinstance(expr, dict) or len(expr) != 1 or depth > MAX_DEPTH:
        return []
    ((name, args),) = expr.items()
    if name not in OPERATORS:
        return []
    signature = OPERATORS[name][1]
    given = args if signature.listed and isinstance(args, list) else [args]
    found: list[tuple[str, Kind]] = []
    for kind, arg in zip(signature.args, given, strict=False):
        if kind is EXPR:
            found += operands_in(arg, depth + 1)
        elif kind is EXPRS and isinstance(arg, list):
            found += [operand for sub in arg for operand in operands_in(sub, depth + 1)]
        elif kind is PREDICATE_CALL:
            found += call_paths(arg)
        elif kind.reads_paths and is_path(arg):
            found.append((arg, kind))
    return found


def predicates_in(expr: Any, depth: int = 1) -> list[str]:
    """Names of the predicates an expression calls."""
    if not isinstance(expr, dict) or len(expr) != 1 or depth > MAX_DEPTH:
        return []
    ((name, args),) = expr.items()
    if name == "predicate":
        found = args if isinstance(args, str) else args.get("name") if isinstance(args, dict) else None
        return [found] if isinstance(found, str) else []
    if name in ("all", "any") and isinstance(args, list):
        return [found for sub in args for found in predicates_in(sub, depth + 1)]
    return predicates_in(args, depth + 1) if name == "not" else []
