"""Evaluate Terraform expressions as far as a static reading allows; the rest is :class:`Unknown`.

Values are plain Python values (``str``, ``int``, ``float``, ``bool``, ``None``, ``list``, ``dict``), an
:class:`~cogcheck.cfn.values.Unknown`, or a :class:`Link` to an attribute of a resource of the configuration (a
``Ref``/``Fn::GetAtt`` once the resource is written CloudFormation-shaped). Errors Terraform would raise (a missing
key, a bad index) are :class:`EvalError`, which ``try()`` and ``can()`` catch and everything else reads as unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cogcheck.cfn.values import Unknown, to_number, to_text
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

#: Work bound per expression: nodes visited (locals may refer to locals; each visit counts).
MAX_STEPS = 100_000


@dataclass(frozen=True)
class Link:
    """An attribute of a resource of the configuration: its value is known only after apply, its identity is not."""

    address: str
    attribute: str


class EvalError(Exception):
    """What Terraform would report as an error while evaluating."""


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

    def _eval(self, expr: Expr) -> Any:
        self._steps[0] += 1
        if self._steps[0] > MAX_STEPS:
            return Unknown(f"more than {MAX_STEPS:,} evaluation steps")
        if isinstance(expr, Lit):
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
                result[to_text(key) or ""] = self._eval(value_expr)
            return result
        if isinstance(expr, Ref):
            return self._ref(expr)
        if isinstance(expr, Call):
            return self._call(expr)
        if isinstance(expr, Cond):
            test = self._eval(expr.test)
            flag = _as_bool(test)
            if flag is None:
                then, other = self.eval(expr.then), self.eval(expr.other)
                if not contains_opaque(then) and then == other:
                    return then
                return test if opaque(test) else Unknown("a condition that is not known")
            return self._eval(expr.then if flag else expr.other)
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

    def _walk(self, value: Any, steps: tuple[str | Expr, ...]) -> Any:
        for step in steps:
            if opaque(value):
                return value if isinstance(value, Unknown) else Unknown("an attribute of a resource")
            key: Any = step if isinstance(step, str) else self._eval(step)
            if opaque(key):
                return Unknown("an index that is not known")
            if isinstance(value, dict):
                text = to_text(key)
                if text is None or text not in value:
                    raise EvalError(f"no key {text!r}")
                value = value[text]
            elif isinstance(value, list):
                number = to_number(key)
                if not isinstance(number, int) or not 0 <= number < len(value):
                    raise EvalError(f"no index {key!r}")
                value = value[number]
            elif value is None:
                raise EvalError("attribute of null")
            else:
                raise EvalError("attribute of a scalar")
        return value

    # -------------------------------------------------------------------------------------------- templates

    def _template(self, expr: Template) -> Any:
        out = []
        for part in expr.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = self._eval(part)
            if opaque(value):
                return value if isinstance(value, Unknown) else Unknown("a template with a resource attribute")
            text = to_text(value)
            if text is None:
                raise EvalError("a template interpolates a non-string")
            out.append(text)
        return "".join(out)

    # -------------------------------------------------------------------------------------------- operators

    def _unary(self, expr: Unary) -> Any:
        value = self._eval(expr.operand)
        if opaque(value):
            return Unknown("an operation on an unknown value")
        if expr.op == "!":
            flag = _as_bool(value)
            if flag is None:
                raise EvalError("! of a non-bool")
            return not flag
        number = to_number(value)
        if number is None:
            raise EvalError("- of a non-number")
        return -number

    def _binary(self, expr: Binary) -> Any:
        op = expr.op
        left = self._eval(expr.left)
        if op in ("&&", "||"):
            flag = _as_bool(left)
            if flag is not None and flag is (op == "||"):
                return flag
        right = self._eval(expr.right)
        if op in ("&&", "||"):
            left_flag, right_flag = _as_bool(left), _as_bool(right)
            if right_flag is not None and right_flag is (op == "||"):
                return right_flag
            if left_flag is None or right_flag is None:
                return Unknown("a condition that is not known")
            return left_flag and right_flag if op == "&&" else left_flag or right_flag
        if contains_opaque(left) or contains_opaque(right):
            return Unknown("an operation on an unknown value")
        if op in ("==", "!="):
            equal = _normal(left) == _normal(right)
            return equal if op == "==" else not equal
        a, b = to_number(left), to_number(right)
        if a is None or b is None:
            raise EvalError(f"{op} of non-numbers")
        if op == "<":
            return a < b
        if op == ">":
            return a > b
        if op == "<=":
            return a <= b
        if op == ">=":
            return a >= b
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op in ("/", "%"):
            if b == 0:
                raise EvalError("division by zero")
            result = a / b if op == "/" else a % b
            return int(result) if isinstance(result, float) and result.is_integer() else result
        return Unknown(f"operator {op}")

    # -------------------------------------------------------------------------------------------- functions

    def _call(self, call: Call) -> Any:
        name = call.name.removeprefix("provider::terraform::")
        if name == "try":
            for arg in call.args:
                try:
                    value = self._eval(arg)
                except EvalError:
                    continue
                return value
            raise EvalError("no argument of try() succeeds")
        if name == "can":
            try:
                value = self._eval(call.args[0]) if call.args else None
            except EvalError:
                return False
            return Unknown("can() of an unknown value") if contains_opaque(value) else True
        args = [self._eval(arg) for arg in call.args]
        if call.expand and args:
            last = args.pop()
            if not isinstance(last, list):
                return Unknown("an expanded argument that is not known")
            args += last
        function = _FUNCTIONS.get(name)
        if function is None:
            return Unknown(f"function {name}() is not evaluated")
        return function(args)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return None


def _normal(value: Any) -> Any:
    number = to_number(value) if isinstance(value, int | float) else None
    return number if number is not None else value


# ---------------------------------------------------------------------------------------------- the functions


def _lists(args: list[Any]) -> list[Any] | Unknown:
    out: list[Any] = []
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
        if not isinstance(arg, list):
            raise EvalError("an argument is not a list")
        out += arg
    return out


def _concat(args: list[Any]) -> Any:
    return _lists(args)


def _tolist(args: list[Any]) -> Any:
    value = args[0] if args else None
    if isinstance(value, Unknown | list):
        return value
    raise EvalError("tolist() of a non-list")


def _toset(args: list[Any]) -> Any:
    value = _tolist(args)
    if not isinstance(value, list):
        return value
    if contains_opaque(value):
        return Unknown("a set with unknown members")
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    if all(isinstance(item, str) for item in out):
        out.sort()  # a set of strings iterates in lexical order
    return out


def _lookup(args: list[Any]) -> Any:
    if len(args) < 2:
        raise EvalError("lookup() needs a map and a key")
    mapping, key = args[0], args[1]
    if opaque(mapping) or opaque(key):
        return Unknown("lookup() in an unknown map")
    if not isinstance(mapping, dict):
        raise EvalError("lookup() of a non-map")
    text = to_text(key)
    if text in mapping:
        return mapping[text]
    if len(args) > 2:
        return args[2]
    raise EvalError(f"no key {text!r}")


def _coalesce(args: list[Any]) -> Any:
    for arg in args:
        if opaque(arg):
            return arg if isinstance(arg, Unknown) else Unknown("coalesce() of a resource attribute")
        if arg is not None and arg != "":
            return arg
    raise EvalError("coalesce() with no non-null argument")


def _compact(args: list[Any]) -> Any:
    value = _lists(args[:1])
    if isinstance(value, Unknown):
        return value
    return [item for item in value if item is not None and item != ""]


def _flatten(args: list[Any]) -> Any:
    value = args[0] if args else []
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, list):
        raise EvalError("flatten() of a non-list")
    out: list[Any] = []
    for item in value:
        inner = _flatten([item]) if isinstance(item, list) else [item]
        if isinstance(inner, Unknown):
            return inner
        out += inner
    return out


def _merge(args: list[Any]) -> Any:
    out: dict[str, Any] = {}
    for arg in args:
        if opaque(arg):
            return Unknown("merge() of an unknown map")
        if arg is None:
            continue
        if not isinstance(arg, dict):
            raise EvalError("merge() of a non-map")
        out.update(arg)
    return out


def _strict(function: Callable[..., Any]) -> Callable[[list[Any]], Any]:
    """A function of concrete values only: unknown in, unknown out."""

    def call(args: list[Any]) -> Any:
        if any(contains_opaque(arg) for arg in args):
            return Unknown("a function of an unknown value")
        try:
            return function(*args)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError) as exc:
            raise EvalError(str(exc)) from None

    return call


def _tostring(value: Any) -> Any:
    text = to_text(value) if value is not None else None
    if value is not None and text is None:
        raise EvalError("tostring() of a collection")
    return text


def _tonumber(value: Any) -> Any:
    number = to_number(value) if value is not None else None
    if value is not None and number is None:
        raise EvalError("tonumber() of a non-number")
    return number


def _tobool(value: Any) -> Any:
    flag = _as_bool(value)
    if value is not None and flag is None:
        raise EvalError("tobool() of a non-bool")
    return flag


def _number(value: Any) -> int | float:
    number = to_number(value)
    if number is None:
        raise EvalError("not a number")
    return number


def _element(items: list[Any], index: Any) -> Any:
    number = to_number(index)
    if not items or not isinstance(number, int):
        raise EvalError("element() of an empty list")
    return items[number % len(items)]


def _join(separator: str, *lists: list[Any]) -> str:
    items = [item for value in lists for item in value]
    texts = [to_text(item) for item in items]
    if any(text is None for text in texts):
        raise EvalError("join() of non-strings")
    return str(separator).join(t for t in texts if t is not None)


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "concat": _concat,
    "tolist": _tolist,
    "toset": _toset,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "compact": _compact,
    "flatten": _flatten,
    "merge": _merge,
    "coalescelist": _strict(lambda *lists: next((v for v in lists if v), [])),
    "distinct": _strict(_distinct),
    "length": _strict(len),
    "keys": _strict(lambda m: sorted(m)),
    "values": _strict(lambda m: [m[k] for k in sorted(m)]),
    "contains": _strict(lambda items, value: value in items),
    "element": _strict(_element),
    "join": _strict(_join),
    "split": _strict(lambda sep, text: str(text).split(str(sep))),
    "lower": _strict(lambda text: str(text).lower()),
    "upper": _strict(lambda text: str(text).upper()),
    "trimspace": _strict(lambda text: str(text).strip()),
    "tostring": _strict(_tostring),
    "tonumber": _strict(_tonumber),
    "tobool": _strict(_tobool),
    "min": _strict(lambda *n: min(_number(x) for x in n)),
    "max": _strict(lambda *n: max(_number(x) for x in n)),
}
