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

#: Work bound per expression: nodes visited (locals may refer to locals; each visit counts).
MAX_STEPS = 100_000


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
class Scope:
    """What names mean in one module instance (and one resource instance: ``each``, ``count``)."""

    variables: dict[str, Any] = field(default_factory=dict)
    local_exprs: Mapping[str, Expr] = field(default_factory=dict)
    each: tuple[Any, Any] | Unknown | None = None  # (key, value)
    count_index: int | Unknown | None = None
    iterators: dict[str, Any] = field(default_factory=dict)  # dynamic-block iterators: name → {key, value}
    resources: ResourceLookup | None = None  # resolves TYPE.NAME… references
    _locals: dict[str, Any] = field(default_factory=dict)
    _evaluating: set[str] = field(default_factory=set)
    _steps: list[int] = field(default_factory=lambda: [0])

    def child(self, **changes: Any) -> Scope:
        """The same module instance for another resource instance (shares locals and the step budget)."""
        scope = Scope(
            self.variables, self.local_exprs, self.each, self.count_index, dict(self.iterators), self.resources
        )
        scope._locals, scope._evaluating, scope._steps = self._locals, self._evaluating, self._steps
        for key, value in changes.items():
            setattr(scope, key, value)
        return scope

    # ------------------------------------------------------------------------------------------------ entry

    def eval(self, expr: Expr) -> Any:
        """The value of ``expr``; an error Terraform would raise reads as unknown."""
        try:
            return self._eval(expr)
        except EvalError as exc:
            return Unknown(f"evaluation fails: {exc}")
        except RecursionError:
            return Unknown("an expression nested too deeply")

    def strict(self, expr: Expr) -> Any:
        """The value of ``expr``, raising :class:`EvalError` where Terraform reports an error (as ``try()`` sees it)."""
        return self._eval(expr)

    def _eval(self, expr: Expr) -> Any:
        self._steps[0] += 1
        if self._steps[0] > MAX_STEPS:
            return Unknown(f"more than {MAX_STEPS:,} evaluation steps")
        if isinstance(expr, Lit):
            if isinstance(expr.value, str):
                return nfc(expr.value)
            if isinstance(expr.value, float) and not math.isfinite(expr.value):
                return Unknown("a number beyond what cogcheck represents")
            return expr.value
        if isinstance(expr, Template):
            return self._template(expr)
        if isinstance(expr, Tuple):
            return [self._eval(item) for item in expr.items]
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
            return result
        if isinstance(expr, Ref):
            return self._ref(expr)
        if isinstance(expr, Call):
            return self._call(expr)
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
        if name in self._locals:
            return self._locals[name]
        if name not in self.local_exprs:
            return Unknown(f"local.{name} is not declared")
        if name in self._evaluating:
            return Unknown(f"local.{name} refers to itself")
        self._evaluating.add(name)
        try:
            value = self.eval(self.local_exprs[name])
        finally:
            self._evaluating.discard(name)
        self._locals[name] = value
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
                return value if isinstance(value, Unknown) else Unknown("a template with a resource attribute")
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
            if not contains_opaque(then) and not contains_opaque(other) and same(then, other):
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
        if contains_opaque(left) or contains_opaque(right):
            return Unknown("an operation on an unknown value")
        if op in ("==", "!="):
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
            return Unknown("can() of an unknown value") if contains_opaque(value) else True
        args = [self._eval(arg) for arg in call.args]
        if call.expand and args:
            last = args.pop()
            if not isinstance(last, list):
                return Unknown("an expanded argument that is not known")
            args += last
        return call_function(name, args)
