"""Evaluate Terraform expressions as far as a static reading allows; the rest is :class:`Unknown`.

Values are plain Python values (``str``, ``int``, ``float``, ``bool``, ``None``, ``list``, ``dict``), an
:class:`~cogcheck.cfn.values.Unknown`, or a :class:`Link` to an attribute of a resource of the configuration (a
``Ref``/``Fn::GetAtt`` once the resource is written CloudFormation-shaped). Errors Terraform would raise (a missing
key, a bad index) are :class:`EvalError`, which ``try()`` and ``can()`` catch and everything else reads as unknown.

The semantics followed are Terraform 1.11.4's: the functions and operators are rows of
``tests/terraform_function_table.py``, checked against ``terraform console`` where a ``terraform`` binary is on PATH.
Where Terraform's result depends on something a plain value does not show (a type, a 512-bit float, a Terraform
version), the value is unknown (:class:`~cogcheck.inputs.terraform.values.Abstain`), never a guess.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cogcheck.cfn.values import Unknown
from cogcheck.inputs.terraform.ast import (
    Binary,
    Call,
    Cond,
    Expr,
    Lit,
    Object,
    Opaque,
    Ref,
    Template,
    Tuple,
    Unary,
)
from cogcheck.inputs.terraform.budget import (
    MAX_STEPS,
    MAX_TOTAL_STEPS,
    MAX_VALUE_DEPTH,
    MAX_VALUE_SIZE,
    STRING_UNIT,
    Meter,
    Work,
)
from cogcheck.inputs.terraform.functions import call_function
from cogcheck.inputs.terraform.values import (
    Abstain,
    SetValue,
    arithmetic,
    equal,
    exact,
    nfc,
    same,
    to_bool,
    to_number,
    to_text,
    unify,
)
from cogcheck.inputs.terraform.values import EvalError as EvalError
from cogcheck.inputs.terraform.values import Link as Link
from cogcheck.inputs.terraform.values import contains_opaque as contains_opaque
from cogcheck.inputs.terraform.values import opaque as opaque

_TOO_LARGE = (f"a value larger than {MAX_VALUE_SIZE:,} units (elements, keys, {STRING_UNIT} characters of text) or "
              f"nested more than {MAX_VALUE_DEPTH} levels")

#: Functions whose work grows with their arguments' size as trees (compared, converted or walked element by
#: element): the sizes are spent before the call.
_WALKING = {"flatten", "contains", "distinct", "toset", "tolist", "concat", "coalesce", "coalescelist"}


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _vouched(method: _Method) -> _Method:
    """A step whose :class:`Abstain` (a result cogcheck cannot vouch for) reads as unknown."""

    @functools.wraps(method)
    def call(*args: Any) -> Any:
        try:
            return method(*args)
        except Abstain as exc:
            return Unknown(str(exc))

    return call  # type: ignore[return-value]


def literal_value(expr: Expr) -> Any:
    """The value of an expression that must be a literal (a variable default, a ``.tfvars`` value)."""
    return Scope().eval(expr)


ResourceLookup = Callable[[str, str, tuple[str | Expr, ...], "Scope"], Any]


@dataclass
class _Shared:
    """What the scopes of one module instance share: its locals, each evaluated once on the instance's meter."""

    meter: Meter
    local_exprs: Mapping[str, Expr]
    cut_variables: dict[str, str]  # variable → why its value was cut (in the caller's module call)
    locals: dict[str, tuple[Any, str | None]] = field(default_factory=dict)  # name → (value, why it was cut)
    evaluating: set[str] = field(default_factory=set)


class Scope:
    """What names mean in one module instance (and one resource instance: ``each``, ``count``).

    Every value is bounded (:mod:`cogcheck.inputs.terraform.budget`): the module instance's meter pays for its
    locals, ``count`` and ``for_each``; :meth:`instance` gives a resource or module call instance its own meter.
    """

    def __init__(
        self,
        variables: dict[str, Any] | None = None,
        local_exprs: Mapping[str, Expr] | None = None,
        *,
        work: Work | None = None,
        where: str = "an expression",
        cut_variables: Mapping[str, str] | None = None,
    ) -> None:
        self.variables: dict[str, Any] = variables if variables is not None else {}
        self.each: tuple[Any, Any] | Unknown | None = None  # (key, value)
        self.count_index: int | Unknown | None = None
        self.iterators: dict[str, Any] = {}  # dynamic-block iterators: name → {key, value}
        self.resources: ResourceLookup | None = None  # resolves TYPE.NAME… references
        self.meter = Meter(work if work is not None else Work(), where)
        self._shared = _Shared(self.meter, local_exprs if local_exprs is not None else {}, dict(cut_variables or {}))
        self._base = self

    def _copy(self, meter: Meter, changes: dict[str, Any]) -> Scope:
        scope = Scope.__new__(Scope)
        scope.variables, scope.each, scope.count_index = self.variables, self.each, self.count_index
        scope.iterators, scope.resources = dict(self.iterators), self.resources
        scope.meter, scope._shared, scope._base = meter, self._shared, self._base
        for key, value in changes.items():
            setattr(scope, key, value)
        return scope

    def child(self, **changes: Any) -> Scope:
        """The same instance with other names (a ``dynamic`` block's iterator): same locals, same meter."""
        return self._copy(self.meter, changes)

    def instance(self, where: str, cut: str | None = None, **changes: Any) -> Scope:
        """A resource or module call instance of this module instance: same locals, a meter of its own (tainted
        from the start with ``cut`` when its ``count`` / ``for_each`` was)."""
        meter = Meter(self.meter.work, where, parent=self._shared.meter)
        if cut is not None:
            meter.taint(cut)
        return self._copy(meter, changes)

    # ------------------------------------------------------------------------------------------------ entry

    def eval(self, expr: Expr) -> Any:
        """The value of ``expr``; an error Terraform would raise reads as unknown."""
        try:
            return self._eval(expr)
        except EvalError as exc:
            return Unknown(f"evaluation fails: {exc}")
        except RecursionError:
            return self._cut("an expression nested too deeply")

    def strict(self, expr: Expr) -> Any:
        """The value of ``expr``, raising :class:`EvalError` where Terraform reports an error (as ``try()`` sees it)."""
        return self._eval(expr)

    def tracked(self, expr: Expr) -> tuple[Any, str | None]:
        """The value of ``expr`` and why a part of it was cut by a bound (None when nothing was)."""
        saved, self.meter.tainted = self.meter.tainted, None
        value = self.eval(expr)
        why = self.meter.tainted
        self.meter.tainted = saved or why
        return value, why

    def value(self, expr: Expr) -> Any:
        """The value of an argument written into a resource: its size as a tree is spent from this meter."""
        value = self.eval(expr)
        size, _ = self.meter.measure(value)
        if size > MAX_VALUE_SIZE:
            return self._cut(_TOO_LARGE)
        if not self.meter.step(size):
            return Unknown(self.meter.tainted or _TOO_LARGE)
        return value

    def _cut(self, why: str) -> Unknown:
        self.meter.taint(why)
        return Unknown(why)

    def _sized(self, value: Any) -> Any:
        """A value just built: its new parts are spent from the meter; larger than the bound, it is unknown."""
        if isinstance(value, str):
            size = 1 + len(value) // STRING_UNIT
            within = self.meter.step(size - 1) if size > 1 else True
        elif isinstance(value, list | dict):
            size, _ = self.meter.measure(value)
            within = self.meter.steps <= MAX_STEPS
        else:
            return value
        if size > MAX_VALUE_SIZE:
            return self._cut(_TOO_LARGE)
        return value if within else Unknown(self.meter.tainted or _TOO_LARGE)

    def _opaque_inside(self, value: Any) -> bool:
        """:func:`contains_opaque`, from the measure of the value (each container walked once)."""
        return self.meter.measure(value)[1]

    def _walked(self, *values: Any) -> bool:
        """Spend the sizes of values an operation compares or converts element by element; False when spent."""
        return self.meter.step(sum(self.meter.measure(value)[0] for value in values))

    def _eval(self, expr: Expr) -> Any:
        meter = self.meter
        if meter.steps < MAX_STEPS and meter.work.steps < MAX_TOTAL_STEPS:  # Meter.step, inlined: the hot path
            meter.steps += 1
            meter.work.steps += 1
        elif not meter.step():
            return Unknown(meter.tainted or "the evaluation budget is spent")
        if isinstance(expr, Lit):
            if isinstance(expr.value, str):
                return nfc(expr.value)
            if isinstance(expr.value, float) and not math.isfinite(expr.value):
                return Unknown("a number beyond what cogcheck represents")
            return expr.value
        if isinstance(expr, Template):
            return self._sized(self._template(expr))
        if isinstance(expr, Tuple):
            return self._sized([self._eval(item) for item in expr.items])
        if isinstance(expr, Object):
            result: dict[str, Any] = {}
            for key_expr, value_expr in expr.items:
                key = self._eval(key_expr)
                if opaque(key) or not isinstance(key, str | int | float | bool):
                    return Unknown("an object key is not known")
                try:
                    result[to_text(key)] = self._eval(value_expr)
                except Abstain as exc:
                    return Unknown(str(exc))
            return self._sized(result)
        if isinstance(expr, Ref):
            return self._ref(expr)
        if isinstance(expr, Call):
            return self._sized(self._call(expr))
        if isinstance(expr, Cond):
            return self._conditional(expr)
        if isinstance(expr, Unary):
            return self._unary(expr)
        if isinstance(expr, Binary):
            return self._binary(expr)
        if isinstance(expr, Opaque):
            return Unknown(expr.what)
        return Unknown("an expression cogcheck does not read")

    # ------------------------------------------------------------------------------------------- references

    def _ref(self, ref: Ref) -> Any:
        root, steps = ref.root, ref.steps
        if root == "var" and steps and isinstance(steps[0], str):
            name = steps[0]
            if name in self._shared.cut_variables:
                self.meter.taint(self._shared.cut_variables[name])
            value = self.variables.get(name, Unknown(f"var.{name} is not declared"))
            return self._walk(value, steps[1:])
        if root == "local" and steps and isinstance(steps[0], str):
            return self._walk(self._local(steps[0]), steps[1:])
        if root == "each" and steps:
            if self.each is None:
                raise EvalError("each is used outside for_each")
            if isinstance(self.each, Unknown):
                return self.each
            key, value = self.each
            if steps[0] == "key":
                return self._walk(key, steps[1:])
            if steps[0] == "value":
                return self._walk(value, steps[1:])
            raise EvalError("each has only key and value")
        if root == "count" and steps == ("index",):
            if self.count_index is None:
                raise EvalError("count.index is used outside count")
            return self.count_index
        if root in self.iterators and steps:
            return self._walk(self.iterators[root], steps)
        if root == "data":
            return Unknown("a data source, read at plan time")
        if root == "module":
            return Unknown("a module output")
        if root in ("path", "terraform", "self"):
            return Unknown(f"{root}.*")
        if root in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[root]
        if self.resources is not None and steps and isinstance(steps[0], str):
            return self.resources(root, steps[0], steps[1:], self)
        return Unknown(f"{ref.text()} is not known")

    def _local(self, name: str) -> Any:
        """A local's value, evaluated once per module instance (on its meter) and shared: locals built from locals
        are a DAG, walked once, never a tree."""
        shared = self._shared
        entry = shared.locals.get(name)
        if entry is None:
            if name not in shared.local_exprs:
                return Unknown(f"local.{name} is not declared")
            if name in shared.evaluating:
                return Unknown(f"local.{name} refers to itself")
            shared.evaluating.add(name)
            try:
                entry = self._base.tracked(shared.local_exprs[name])
            finally:
                shared.evaluating.discard(name)
            shared.locals[name] = entry
        value, why = entry
        if why is not None:
            self.meter.taint(why)
        return value

    def walk(self, value: Any, steps: tuple[str | Expr, ...]) -> Any:
        return self._walk(value, steps)

    @_vouched
    def _walk(self, value: Any, steps: tuple[str | Expr, ...]) -> Any:
        for step in steps:
            if opaque(value):
                return value if isinstance(value, Unknown) else Unknown("an attribute of a resource")
            key: Any = step if isinstance(step, str) else self._eval(step)
            if opaque(key):
                return Unknown("an index that is not known")
            if isinstance(value, dict):
                text = to_text(key)
                if text not in value:
                    raise EvalError(f"no key {text[:40]!r}")
                value = value[text]
            elif isinstance(value, SetValue):
                raise EvalError("a set has no index")
            elif isinstance(value, list):
                number = exact(to_number(key))
                if number.denominator != 1 or not 0 <= number < len(value):
                    raise EvalError(f"no index {key!r}"[:60])
                value = value[int(number)]
            elif value is None:
                raise EvalError("attribute of null")
            else:
                raise EvalError("attribute of a scalar")
        return value

    # -------------------------------------------------------------------------------------------- templates

    @_vouched
    def _template(self, expr: Template) -> Any:
        out = []
        for part in expr.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = self._eval(part)
            if opaque(value):
                if not isinstance(value, Unknown):
                    return Unknown("a template with a resource attribute")
                # text around a reference makes another value: the attribute's shape no longer holds
                return value if value.shape is None or len(expr.parts) == 1 else Unknown(value.reason)
            if value is None:
                raise EvalError("a template interpolates null")
            out.append(to_text(value))
        return nfc("".join(out))

    # ----------------------------------------------------------------------------------------- conditionals

    @_vouched
    def _conditional(self, expr: Cond) -> Any:
        test = self._eval(expr.test)
        if opaque(test):
            then, other = self.eval(expr.then), self.eval(expr.other)
            if not self._opaque_inside(then) and not self._opaque_inside(other) and self._walked(then, other) \
                    and same(then, other):
                return then  # the same value (and type) whichever branch is taken
            return test if isinstance(test, Unknown) else Unknown("a condition that is not known")
        if test is None:
            raise EvalError("a null condition")
        chosen, other_expr = (expr.then, expr.other) if to_bool(test) else (expr.other, expr.then)
        value = self._eval(chosen)
        try:
            other = self._eval(other_expr)
        except EvalError:
            return value  # an error in the branch not taken is ignored, and so is its type
        if opaque(value) or opaque(other):
            return value  # the unknown branch is taken to have the chosen branch's type
        if not self._walked(value, other):
            return Unknown(self.meter.tainted or _TOO_LARGE)
        return unify([value, other])[0]  # true ? 1 : "b" is "1"

    # -------------------------------------------------------------------------------------------- operators

    @_vouched
    def _unary(self, expr: Unary) -> Any:
        value = self._eval(expr.operand)
        if opaque(value):
            return Unknown("an operation on an unknown value")
        if expr.op == "!":
            if value is None:
                raise EvalError("! of null")
            return not to_bool(value)
        number = to_number(value)
        return -float(number) if number == 0 else -number  # -0 is a number of its own in Terraform

    @_vouched
    def _binary(self, expr: Binary) -> Any:
        op = expr.op
        left = self._eval(expr.left)
        right = self._eval(expr.right)  # Terraform 1.11 evaluates both operands of && and || (no short circuit)
        if op in ("&&", "||"):
            if left is None or right is None:
                raise EvalError(f"{op} of null")
            flags = [None if opaque(side) else to_bool(side) for side in (left, right)]
            if None in flags:
                return Unknown("a condition that is not known")
            return all(flags) if op == "&&" else any(flags)
        if self._opaque_inside(left) or self._opaque_inside(right):
            return Unknown("an operation on an unknown value")
        if op in ("==", "!="):
            if not self._walked(left, right):
                return Unknown(self.meter.tainted or _TOO_LARGE)
            return equal(left, right) is (op == "==")
        a, b = to_number(left), to_number(right)
        if op in ("<", ">", "<=", ">="):
            x, y = exact(a), exact(b)
            return {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]
        if op in ("+", "-", "*", "/", "%"):
            return arithmetic(op, a, b)
        return Unknown(f"operator {op}")

    # -------------------------------------------------------------------------------------------- functions

    def _call(self, call: Call) -> Any:
        name = call.name  # a provider's function (provider::terraform::…) is not one of Terraform's own: unknown
        if name == "try":
            for arg in call.args:
                try:
                    value = self._eval(arg)
                except EvalError:
                    continue
                return value
            raise EvalError("no argument of try() succeeds")
        if name == "can":
            if len(call.args) != 1:
                raise EvalError("can() takes one argument")
            try:
                value = self._eval(call.args[0])
            except EvalError:
                return False
            return Unknown("can() of an unknown value") if self._opaque_inside(value) else True
        args = [self._eval(arg) for arg in call.args]
        if call.expand and args:
            last = args.pop()
            if not isinstance(last, list):
                return Unknown("an expanded argument that is not known")
            args += last
        if name in _WALKING and not self._walked(*args):
            return Unknown(self.meter.tainted or _TOO_LARGE)
        return call_function(name, args)
