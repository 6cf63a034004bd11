"""One evaluation plan per rule set: every check of the set compiled into the body of one Python function.

:mod:`cogcheck.engine.expr` compiles each operator to a closure, so a check is a tree of calls per client. A plan
writes the same checks out as Python source, once per rule set, and compiles it with :func:`compile`: the checks of
a client run as straight-line code in one call. In that code

* each absolute plain path (``$.A.B``) is followed at most once per client, into a local variable;
* the items of each ``for_each`` are selected at most once per client, and shared by every check iterating them;
* a check that needs a property the client does not have (:mod:`cogcheck.engine.needs`) is skipped by one test;
* ``all`` / ``any`` / ``not`` and the common comparisons are inlined, each predicate is called as the function it
  names, with its arguments frozen when the plan is made (no lookup by name per call).

The generated code is the closures' semantics written out (a test compares both on every rule fixture); whatever
it does not inline — a rare operator, a condition nested deeper than :data:`INLINE_DEPTH` — it calls as the
closure :func:`cogcheck.engine.expr.compile_expr` makes. Nothing of the rules' text reaches the source: literals,
patterns and names are bound as constants, never written into it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from cogcheck.cfn.values import Unknown
from cogcheck.engine.expr import (
    EvalContext,
    _follow,
    _regex,
    compile_expr,
    number_of,
    predicates_in,
    selector,
)
from cogcheck.engine.paths import Match, compile_path
from cogcheck.engine.signatures import is_path

if TYPE_CHECKING:
    from cogcheck.engine.predicates.base import World


class _Check(Protocol):
    @property
    def when(self) -> Any: ...

    @property
    def for_each(self) -> Sequence[str]: ...


class PlannedCheck(Protocol):
    """What a plan needs of a compiled check (:class:`cogcheck.engine.evaluate._CompiledCheck`)."""

    @property
    def check(self) -> _Check: ...

    @property
    def needs(self) -> tuple[str, ...]: ...

#: ``all`` / ``any`` / ``not`` nest at most this deep in generated code (each level is a loop block, and Python
#: allows 20 nested blocks); deeper parts are called as closures
INLINE_DEPTH = 6

#: the plan's function: (view data, context, world, hits, make a hit, severity, dialect) → None (hits appended)
PlanFn = Callable[[dict[str, Any], EvalContext, "World", list[Any], Callable[..., Any], Any, Any], None]


class _Writer:
    """Source lines and the constants they name (``K<n>``), written for one rule set."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.paths: dict[tuple[str, ...], str] = {}  # absolute plain path → the local that holds its values
        self.items: dict[tuple[str, ...], str] = {}  # for_each paths → the local that holds their items
        self.temporaries = 0

    def constant(self, value: Any) -> str:
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    def temporary(self) -> str:
        self.temporaries += 1
        return f"r{self.temporaries}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    # ----------------------------------------------------------------------------------------------- operands

    def values(self, operand: Any, indent: int, single: bool = True) -> tuple[str, str] | None:
        """Lines that put the values an operand stands for into ``vals``/``unk``; None for ``@`` itself (one value,
        ``iv``, known to be there) when ``single``."""
        if not is_path(operand):
            self.emit(indent, f"vals, unk = {self.constant(([operand], None))}")
            return "vals", "unk"
        path = compile_path(operand)
        names = path.fields
        if names is not None and path.relative:
            if not names:
                if single:
                    return None
                self.emit(indent, "vals, unk = [iv], None")
                return "vals", "unk"
            self.emit(indent, f"vals, unk = _follow(iv, {self.constant(names)})")
        elif names is not None:
            local = self.paths.get(names)
            if local is None:
                local = self.paths[names] = f"p{len(self.paths)}"
            self.emit(indent, f"if {local} is None:")
            self.emit(indent + 1, f"{local} = _follow(data, {self.constant(names)})")
            self.emit(indent, f"vals, unk = {local}")
        else:
            self.emit(indent, f"s = {self.constant(selector(operand))}(ctx)")
            self.emit(indent, "vals, unk = s.values(), s.unknown")
        return "vals", "unk"

    # -------------------------------------------------------------------------------------------- expressions

    def expression(self, expr: Any, target: str, indent: int, depth: int, deciding: bool = False) -> None:
        """Lines that put the verdict of ``expr`` into the local ``target``.

        ``deciding``: only whether the verdict is True matters (the check's own condition, or a part of an ``all``
        that is): a check that does not fire leaves nothing, so an ``all`` stops at its first part that is not True
        even when a later part is a predicate (the details it would leave are reset before anything reads them)."""
        ((name, args),) = expr.items()
        inline = _INLINE.get(name)
        if inline is None or (name in ("all", "any", "not") and depth >= INLINE_DEPTH):
            self.emit(indent, f"{target} = {self.constant(compile_expr(expr))}(ctx)")
            return
        if deciding and name == "all":
            _deciding_all(self, args, target, indent, depth)
            return
        inline(self, args, target, indent, depth)

    def compare_each(self, operand: Any, test: str, shaped: Any, target: str, indent: int) -> None:
        """``_compare_each``: True when ``test`` (an expression of ``v``) holds for some value; unknown values (or
        an unknown path) make a False answer None; ``shaped`` answers for an unknown value with a known shape."""
        if self.values(operand, indent) is None:  # ``@``: the one value of the item
            self.emit(indent, "v = iv")
            self.emit(indent, "if isinstance(v, Unknown):")
            self._unknown_value(shaped, target, indent + 1)
            self.emit(indent, f"elif {test}:")
            self.emit(indent + 1, f"{target} = True")
            self.emit(indent, "else:")
            self.emit(indent + 1, f"{target} = False")
            return
        self.emit(indent, f"{target} = False")
        self.emit(indent, "for v in vals:")
        self.emit(indent + 1, "if isinstance(v, Unknown):")
        self._unknown_value(shaped, "x", indent + 2)
        self.emit(indent + 2, "if x is True:")
        self.emit(indent + 3, f"{target} = True")
        self.emit(indent + 3, "break")
        self.emit(indent + 2, "if x is None:")
        self.emit(indent + 3, f"{target} = None")
        self.emit(indent + 1, f"elif {test}:")
        self.emit(indent + 2, f"{target} = True")
        self.emit(indent + 2, "break")
        self.emit(indent, f"if {target} is not True and unk is not None:")
        self.emit(indent + 1, f"{target} = None")

    def _unknown_value(self, shaped: Any, target: str, indent: int) -> None:
        if shaped is None:
            self.emit(indent, f"{target} = None")
        else:
            self.emit(indent, f"{target} = {self.constant(shaped)}(v.shape) if v.shape is not None else None")


def _equal_test(writer: _Writer, target: Any) -> str:
    """``expr._equal_to``: booleans only equal booleans."""
    if isinstance(target, bool):
        return f"v is {target!r}"
    return f"(not isinstance(v, bool) and v == {writer.constant(target)})"


def _in_test(writer: _Writer, choices: list[Any]) -> str:
    return "(" + " or ".join(_equal_test(writer, choice) for choice in choices) + ")" if choices else "False"


def _equals(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    writer.compare_each(args[0], _equal_test(writer, args[1]), None, target, indent)


def _in(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    writer.compare_each(args[0], _in_test(writer, args[1]), None, target, indent)


def _not_in(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    writer.compare_each(args[0], f"not {_in_test(writer, args[1])}", None, target, indent)


def _matches(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    from cogcheck.cfn.shapes import pattern_relation

    pattern = str(args[1])
    search = writer.constant(_regex(pattern).search)
    writer.compare_each(
        args[0], f"(isinstance(v, str) and {search}(v) is not None)",
        lambda shape: pattern_relation(shape, pattern), target, indent,
    )


def _longer_than(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    from cogcheck.cfn.shapes import length_relation

    limit = args[1]
    writer.compare_each(
        args[0], f"(isinstance(v, (list, str)) and len(v) > {writer.constant(limit)})",
        lambda shape: length_relation(shape, limit + 1, None), target, indent,
    )


def _shorter_than(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    from cogcheck.cfn.shapes import length_relation

    limit = args[1]
    writer.compare_each(
        args[0], f"(isinstance(v, (list, str)) and len(v) < {writer.constant(limit)})",
        lambda shape: length_relation(shape, None, limit - 1), target, indent,
    )


def _list_items(writer: _Writer, operand: Any, target: str, indent: int) -> None:
    """``expr._list_operand``: lines that leave the list in ``its`` and go on only when it is a known list (an
    unknown one answers None, an absent one False). Returns with the indent of the code that reads ``its``."""
    writer.values(operand, indent, single=False)
    writer.emit(indent, "if unk:")
    writer.emit(indent + 1, f"{target} = None")
    writer.emit(indent, "elif not vals:")
    writer.emit(indent + 1, f"{target} = False")
    writer.emit(indent, "elif isinstance(vals[0], Unknown):")
    writer.emit(indent + 1, f"{target} = None")
    writer.emit(indent, "else:")
    writer.emit(indent + 1, "its = vals[0] if isinstance(vals[0], list) else [vals[0]]")


def _contains(writer: _Writer, args: Any, target: str, indent: int, depth: int, negate: bool = False) -> None:
    if is_path(args[1]):  # the items looked for are the values of a path: the closure
        closure = writer.constant(compile_expr({"lacks" if negate else "contains": args}))
        writer.emit(indent, f"{target} = {closure}(ctx)")
        return
    wanted = args[1] if isinstance(args[1], list) else [args[1]]
    _list_items(writer, args[0], target, indent)
    writer.emit(indent + 1, f"{target} = False")
    writer.emit(indent + 1, "for v in its:")
    writer.emit(indent + 2, "if isinstance(v, Unknown):")  # an unknown item equals no literal
    writer.emit(indent + 3, f"{target} = None")
    writer.emit(indent + 2, f"elif {_in_test(writer, wanted)}:")
    writer.emit(indent + 3, f"{target} = True")
    writer.emit(indent + 3, "break")
    if negate:
        writer.emit(indent, f"{target} = None if {target} is None else not {target}")


def _lacks(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    _contains(writer, args, target, indent, depth, negate=True)


def _not_subset(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    _list_items(writer, args[0], target, indent)
    writer.emit(indent + 1, f"{target} = False")
    writer.emit(indent + 1, "for v in its:")
    writer.emit(indent + 2, "if isinstance(v, Unknown):")
    writer.emit(indent + 3, f"{target} = None")
    writer.emit(indent + 2, f"elif not {_in_test(writer, args[1])}:")
    writer.emit(indent + 3, f"{target} = True")
    writer.emit(indent + 3, "break")


def _number(writer: _Writer, operand: Any, local: str, indent: int) -> None:
    if not is_path(operand):  # a literal: its number is known now
        writer.emit(indent, f"{local} = {writer.constant(number_of([operand], None))}")
        return
    writer.values(operand, indent, single=False)
    writer.emit(indent, f"{local} = number_of(vals, unk)")


def _comparison(symbol: str) -> Callable[[_Writer, Any, str, int, int], None]:
    def comparison(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
        _number(writer, args[0], "a", indent)
        _number(writer, args[1], "b", indent)
        writer.emit(indent, f"{target} = False if a is None or b is None else (None if isinstance(a, Unknown) or "
                            f"isinstance(b, Unknown) else a {symbol} b)")

    return comparison


def _outside(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    _number(writer, args[0], "a", indent)
    _number(writer, args[1], "lo", indent)
    _number(writer, args[2], "hi", indent)
    writer.emit(indent, f"{target} = False if a is None else (None if isinstance(a, Unknown) or not "
                        "isinstance(lo, (int, float)) or not isinstance(hi, (int, float)) else not lo <= a <= hi)")


def _present(writer: _Writer, args: Any, target: str, indent: int, depth: int, negate: bool = False) -> None:
    if writer.values(args, indent) is None:  # ``@`` always selects its item
        writer.emit(indent, f"{target} = {not negate}")
        return
    if negate:
        writer.emit(indent, f"{target} = False if vals else (None if unk else True)")
    else:
        writer.emit(indent, f"{target} = True if vals else (None if unk else False)")


def _absent(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    _present(writer, args, target, indent, depth, negate=True)


def _not(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    inner = writer.temporary()
    writer.expression(args, inner, indent, depth + 1)
    writer.emit(indent, f"{target} = None if {inner} is None else not {inner}")


def _junction(writer: _Writer, args: Any, target: str, indent: int, depth: int, decisive: bool) -> None:
    """``all`` (``decisive`` False: one False part decides) or ``any`` (True: one True part decides); None when no
    part decides and some part is unknown."""
    part = writer.temporary()
    if not any(predicates_in(a) for a in args):  # no side effects: stop at the first deciding part
        writer.emit(indent, f"{target} = {not decisive}")
        writer.emit(indent, "while True:")
        for sub in args:
            writer.expression(sub, part, indent + 1, depth + 1)
            writer.emit(indent + 1, f"if {part} is {decisive}:")
            writer.emit(indent + 2, f"{target} = {decisive}")
            writer.emit(indent + 2, "break")
            writer.emit(indent + 1, f"if {part} is None:")
            writer.emit(indent + 2, f"{target} = None")
        writer.emit(indent + 1, "break")
        return
    # every part runs: the details a predicate leaves may be in the message (``False in results`` compares by ==)
    seen, nones = writer.temporary(), writer.temporary()
    writer.emit(indent, f"{seen} = {nones} = False")
    for sub in args:
        writer.expression(sub, part, indent, depth + 1)
        writer.emit(indent, f"if {part} == {decisive}:")
        writer.emit(indent + 1, f"{seen} = True")
        writer.emit(indent, f"elif {part} is None:")
        writer.emit(indent + 1, f"{nones} = True")
    writer.emit(indent, f"{target} = {decisive} if {seen} else (None if {nones} else {not decisive})")


def _all(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    _junction(writer, args, target, indent, depth, False)


def _any(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    _junction(writer, args, target, indent, depth, True)


def _deciding_all(writer: _Writer, args: Any, target: str, indent: int, depth: int) -> None:
    """An ``all`` whose verdict matters only when True: True when every part is, else its first part that is not."""
    part = writer.temporary()
    writer.emit(indent, f"{target} = True")
    writer.emit(indent, "while True:")
    for sub in args:
        writer.expression(sub, part, indent + 1, depth + 1, deciding=True)
        writer.emit(indent + 1, f"if {part} is not True:")
        writer.emit(indent + 2, f"{target} = {part}")
        writer.emit(indent + 2, "break")
    writer.emit(indent + 1, "break")


def _predicate(writer: _Writer, arg: Any, target: str, indent: int, depth: int) -> None:
    from cogcheck.engine.predicates.base import PREDICATES

    name, args = (arg, {}) if isinstance(arg, str) else (arg["name"], arg.get("args", {}))
    function = PREDICATES.get(name)
    if function is None:  # registered later than the plan is made: looked up when called, as the closure does
        writer.emit(indent, f"{target} = ctx.predicate({writer.constant(name)}, {writer.constant(args)}, ctx)")
        return
    frozen = writer.constant(MappingProxyType(dict(args)))
    writer.emit(indent, f"{target} = {writer.constant(function)}(world, {frozen}, ctx)")


_INLINE: dict[str, Callable[[_Writer, Any, str, int, int], None]] = {
    "present": _present, "absent": _absent, "equals": _equals, "in": _in, "not_in": _not_in,
    "matches": _matches, "longer_than": _longer_than, "shorter_than": _shorter_than,
    "all": _all, "any": _any, "not": _not, "predicate": _predicate, "contains": _contains, "lacks": _lacks,
    "not_subset": _not_subset, "gt": _comparison(">"), "lte": _comparison("<="), "outside": _outside,
}


def _matches_of(text: str) -> Callable[[EvalContext], list[Match]]:
    """What one ``for_each`` path selects, as ``paths.CompiledPath.select`` does; a plain path of names, perhaps
    ending in ``[*]`` or ``.*``, is followed directly."""
    path = compile_path(text)
    steps = path.steps
    if path.relative or steps is None or any(kind == "index" for kind, _ in steps) or any(
        kind == "wildcard" for kind, _ in steps[:-1]
    ):
        select_in = selector(text)
        return lambda ctx: select_in(ctx).matches
    names = tuple(arg for kind, arg in steps if kind == "field")
    wildcard = bool(steps) and steps[-1][0] == "wildcard"

    def matches(ctx: EvalContext) -> list[Match]:
        value: Any = ctx.root
        for name in names:
            if not isinstance(value, dict) or name not in value:
                return []  # absent, or under an unknown value: nothing to iterate
            value = value[name]
        if not wildcard:
            return [Match(value, names)]
        if isinstance(value, list):
            return [Match(item, (*names, index)) for index, item in enumerate(value)]
        if isinstance(value, dict):
            return [Match(item, (*names, key)) for key, item in value.items()]
        return []

    return matches


def _for_each_items(paths: Sequence[str]) -> Callable[[EvalContext], list[Match]]:
    parts = [_matches_of(path) for path in paths]
    if len(parts) == 1:
        return parts[0]

    def items(ctx: EvalContext) -> list[Match]:
        found: list[Match] = []
        for part in parts:
            found.extend(part(ctx))
        return found

    return items


def build_plan(checks: Sequence[PlannedCheck]) -> PlanFn:
    """One function that runs every check of ``checks`` in order on a client and appends its hits."""
    writer = _Writer()
    for index, compiled_check in enumerate(checks):
        check = compiled_check.check
        this = writer.constant(compiled_check)
        writer.emit(1, f"# {index}")
        indent = 1
        if compiled_check.needs:
            tests = " and ".join(f"{writer.constant(name)} in data" for name in compiled_check.needs)
            writer.emit(1, f"if {tests}:")
            indent = 2
        result = writer.temporary()
        if not check.for_each:
            writer.emit(indent, "if ctx.details:")
            writer.emit(indent + 1, "ctx.details = {}")
            writer.emit(indent, "iv = data")
            writer.expression(check.when, result, indent, 0, deciding=True)
            writer.emit(indent, f"if {result} is True:")
            writer.emit(indent + 1, f"hits.append(hit({this}, ctx, severity, dialect))")
            continue
        key = tuple(check.for_each)
        local = writer.items.get(key)
        if local is None:
            local = writer.items[key] = f"f{len(writer.items)}"
        writer.emit(indent, f"if {local} is None:")
        writer.emit(indent + 1, f"{local} = {writer.constant(_for_each_items(check.for_each))}(ctx)")
        writer.emit(indent, f"for item in {local}:")
        writer.emit(indent + 1, "ctx.item = item")
        writer.emit(indent + 1, "if ctx.details:")
        writer.emit(indent + 2, "ctx.details = {}")
        writer.emit(indent + 1, "iv = item.value")
        writer.expression(check.when, result, indent + 1, 0, deciding=True)
        writer.emit(indent + 1, f"if {result} is True:")
        writer.emit(indent + 2, f"hits.append(hit({this}, ctx, severity, dialect))")
        writer.emit(indent, "ctx.item = None")
    locals_ = [*writer.paths.values(), *writer.items.values()]
    head = ["def run(data, ctx, world, hits, hit, severity, dialect):"]
    if locals_:
        head.append("    " + " = ".join(locals_) + " = None")
    source = "\n".join([*head, *writer.lines, "    return None", ""])
    namespace: dict[str, Any] = {"Unknown": Unknown, "_follow": _follow, "number_of": number_of, **writer.constants}
    exec(compile(source, "<cogcheck rule plan>", "exec"), namespace)  # noqa: S102 - our source, rules' text bound as constants
    function: PlanFn = namespace["run"]
    return function
