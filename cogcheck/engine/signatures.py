"""The argument shapes of the rule language: one table that both the load-time check and the JSON Schema read.

Each operator of :data:`cogcheck.engine.expr.OPERATORS` declares its arguments with a :class:`Signature` of
:class:`Kind` values; each predicate declares its ``args`` with :class:`Param` values
(``@predicate("name", args={"if_unknown": IF_UNKNOWN})``), kept in :data:`PREDICATE_SIGNATURES`. A kind says how a
message names it, its JSON Schema (``cogcheck/data/rule.schema.json``, written by :mod:`cogcheck.engine.ruleschema`)
and why a value is not of it (:meth:`Kind.problem`, run when rules load). So the schema an editor checks a rule file
with and the check the engine runs are made from the same declarations; the engine adds what a JSON Schema cannot
say (a regular expression that does not compile, a detail no predicate of the check sets, ...).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final

from cogcheck.engine.paths import compile_path
from cogcheck.record import Record

Schema = dict[str, Any]


def is_path(operand: Any) -> bool:
    """Operands that are strings starting with ``$`` or ``@`` are JSONPaths; anything else is a literal."""
    return isinstance(operand, str) and operand[:1] in ("$", "@")


def describe(value: Any) -> str:
    """A value as a message names it: ``the string 'ENABLED'``, ``the number 3``, ``a mapping``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {value[:60]!r}" + ("..." if len(value) > 60 else "")
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


class Kind(Record):
    """One shape an argument may have: ``name``, its entry under ``definitions`` in the JSON Schema; ``text``, how a
    message names it ("a JSONPath"); ``schema``; ``check``, why a value is not of this kind (None when it is; a
    nested expression or predicate call is checked by :func:`cogcheck.engine.expr.validate` itself);
    ``reads_paths``: the kind may be given as a JSONPath (its paths are checked against the client view's keys);
    ``setting_types``: the types (:data:`cogcheck.model.policy.RULE_SETTING_TYPES`) a ``$.policy`` setting read here
    may have, None: any. ``{gt: [$.X, $.policy.allowed_scopes]}`` with a list of strings is a load error, not a rule
    never firing. Two kinds are equal when their name, text, ``reads_paths`` and ``setting_types`` are."""

    __slots__ = ("check", "name", "reads_paths", "schema", "setting_types", "text")

    def __init__(self, name: str, text: str, schema: Schema, check: Callable[[Any], str | None] | None = None,
                 reads_paths: bool = False, setting_types: tuple[str, ...] | None = None) -> None:
        self.name: Final = name
        self.text: Final = text
        self.schema: Final = schema
        self.check: Final = check
        self.reads_paths: Final = reads_paths
        self.setting_types: Final = setting_types

    def _fields(self) -> tuple[Any, ...]:
        return self.name, self.text, self.reads_paths, self.setting_types

    def problem(self, value: Any) -> str | None:
        if self.check is None:
            return None
        return self.check(value)


def _expects(kind_text: str, value: Any) -> str:
    return f"expects {kind_text}, got {describe(value)}"


def _path_problem(value: Any) -> str | None:
    if not is_path(value):
        return _expects("a JSONPath ($... or @...)", value)
    try:
        compile_path(value)
    except ValueError as exc:
        return str(exc)
    return None


def _is_literal(value: Any) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, str | int | float) and not is_path(value)


def _literal_problem(value: Any) -> str | None:
    if is_path(value):
        return f"expects a literal, got the JSONPath {value!r} (this operator compares with a literal only)"
    return None if _is_literal(value) else _expects("a literal (string, number or boolean)", value)


def _literals_problem(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        hint = f" (write [{value}])" if _is_literal(value) else ""
        return _expects("a non-empty list of literals", value) + hint
    for index, item in enumerate(value):
        problem = _literal_problem(item)
        if problem:
            return f"item {index}: {problem}"
    return None


def _names_problem(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        hint = f" (write [{value}])" if isinstance(value, str) else ""
        return _expects("a non-empty list of names", value) + hint
    for index, item in enumerate(value):
        if not isinstance(item, str):
            return f"item {index}: {_expects('a name (a string)', item)}"
    return None


def _items_problem(value: Any) -> str | None:
    if is_path(value):
        return _path_problem(value)
    if isinstance(value, list):
        return _literals_problem(value)
    return None if _is_literal(value) else _expects("a literal, a list of literals or a JSONPath", value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number_problem(value: Any) -> str | None:
    if is_path(value):
        return _path_problem(value)
    return None if _is_number(value) else _expects("a number or a JSONPath", value)


def _count_problem(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return None
    return _expects("a whole number of 0 or more", value)


def _regex_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return _expects("a regular expression (a string)", value)
    try:
        re.compile(value, re.ASCII)  # as the operator compiles it (:func:`cogcheck.engine.expr._regex`)
    except (re.error, ValueError, OverflowError, RecursionError) as exc:  # ValueError: (?u) and (?L) with ASCII
        return f"bad regular expression: {exc}"
    return None


def _boolean_problem(value: Any) -> str | None:
    return None if isinstance(value, bool) else _expects("true or false", value)


def _string_problem(value: Any) -> str | None:
    return None if isinstance(value, str) else _expects("a string", value)


_LITERAL_SCHEMA: Schema = {
    "type": ["string", "number", "boolean"],
    "not": {"type": "string", "pattern": "^[$@]"},
}

PATH = Kind(
    "path", "a JSONPath",
    {"type": "string", "pattern": "^[$@]",
     "description": "a JSONPath into the client view: $... or @ (the for_each item)"},
    _path_problem, reads_paths=True,
)
LITERAL = Kind("literal", "a literal", {**_LITERAL_SCHEMA, "description": "a string, number or boolean"},
               _literal_problem)
LITERALS = Kind(
    "literals", "a list of literals",
    {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/literal"}}, _literals_problem,
)
NAMES = Kind("names", "a list of names", {"type": "array", "minItems": 1, "items": {"type": "string"}}, _names_problem)
ITEMS = Kind(
    "items", "a literal, a list of literals or a JSONPath",
    {"anyOf": [{"$ref": "#/definitions/literal"}, {"$ref": "#/definitions/literals"}, {"$ref": "#/definitions/path"}]},
    _items_problem, reads_paths=True,
)
NUMBER = Kind(
    "number", "a number or a JSONPath",
    {"anyOf": [{"type": "number"}, {"$ref": "#/definitions/path"}]}, _number_problem, reads_paths=True,
    setting_types=("integer", "number"),
)
#: the value compared in ``gt``, ``lte`` and ``outside``: a path, whose ``$.policy`` setting must be a number
NUMBER_PATH = Kind("number_path", "a JSONPath", {"$ref": "#/definitions/path"}, _path_problem, reads_paths=True,
                   setting_types=("integer", "number"))
COUNT = Kind("count", "a whole number of 0 or more", {"type": "integer", "minimum": 0}, _count_problem)
REGEX = Kind("regex", "a regular expression", {"type": "string", "format": "regex"}, _regex_problem)
BOOLEAN = Kind("boolean", "true or false", {"type": "boolean"}, _boolean_problem)
STRING = Kind("string", "a string", {"type": "string"}, _string_problem)
#: a nested expression, a non-empty list of them, a predicate call: :func:`cogcheck.engine.expr.validate` checks them
EXPR = Kind("expression", "an expression", {"$ref": "#/definitions/expression"})
EXPRS = Kind(
    "expressions", "a list of expressions",
    {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/expression"}},
)
PREDICATE_CALL = Kind("predicate_call", "a predicate call", {"$ref": "#/definitions/predicate_call"})


def one_of(name: str, what: str, values: tuple[str, ...]) -> Kind:
    """A kind whose values are a closed set of names (``is_type``'s type, ``enum_value_wrong``'s ``set``)."""

    def check(value: Any) -> str | None:
        if isinstance(value, str) and value in values:
            return None
        shown = repr(value) if isinstance(value, str) else describe(value)
        return f"{shown} is not {what} (one of: {', '.join(values)})"

    return Kind(name, what, {"enum": list(values), "description": what}, check)


class Signature(Record):
    """An operator's arguments: a list of exactly ``len(args)`` values (``listed``), or the single value itself."""

    __slots__ = ("args", "doc", "listed")

    def __init__(self, args: tuple[Kind, ...], listed: bool, doc: str = "") -> None:
        self.args: Final = args
        self.listed: Final = listed
        self.doc: Final = doc

    @property
    def text(self) -> str:
        inner = ", ".join(kind.text for kind in self.args)
        return f"[{inner}]" if self.listed else inner


def takes(*args: Kind, doc: str = "") -> Signature:
    """A list of arguments: ``{in: [$.X, [a, b]]}``."""
    return Signature(args, True, doc)


def single(kind: Kind, doc: str = "") -> Signature:
    """One argument, not in a list: ``{present: $.X}``."""
    return Signature((kind,), False, doc)


class Param(Record):
    """One argument a predicate takes under ``args``."""

    __slots__ = ("doc", "kind", "required")

    def __init__(self, kind: Kind, required: bool = False, doc: str = "") -> None:
        self.kind: Final = kind
        self.required: Final = required
        self.doc: Final = doc


class PredicateSignature(Record):
    """A predicate's declared arguments, the details it may leave and its description."""

    __slots__ = ("details", "doc", "params")

    def __init__(self, params: Mapping[str, Param], details: frozenset[str], doc: str = "") -> None:
        self.params: Final = params
        self.details: Final = details
        self.doc: Final = doc


#: predicate name → its declared arguments, the details it may leave and its description (filled by
#: :func:`cogcheck.engine.predicates.base.predicate`)
PREDICATE_SIGNATURES: dict[str, PredicateSignature] = {}

#: the convention of predicates that only raise a severity (see :mod:`cogcheck.engine.predicates.policy`)
IF_UNKNOWN = Param(BOOLEAN, doc="answered instead of unknown when the predicate cannot decide")


def call_problems(arg: Any, here: str, known: Collection[str]) -> list[str]:
    """Problems with ``{predicate: ARG}``: a known name, and arguments its declaration names, of their kinds."""
    name: Any
    args: Any
    if isinstance(arg, str):
        name, args = arg, {}
    elif isinstance(arg, dict):
        if set(arg) - {"name", "args"}:
            return [f"{here}: unknown keys {sorted(map(str, set(arg) - {'name', 'args'}))} (a predicate call has "
                    "name and args)"]
        name, args = arg.get("name"), arg.get("args", {})
    else:
        return [f"{here}: {_expects('a predicate name or {name: NAME, args: {...}}', arg)}"]
    if not isinstance(name, str) or name not in known:
        return [f"{here}: unknown predicate {name!r} (known: {', '.join(sorted(known))})"]
    declared = PREDICATE_SIGNATURES.get(name)
    params = declared.params if declared is not None else {}
    if not isinstance(args, dict):
        return [f"{here}: {name} args {_expects('a mapping', args)}"]
    taken = ", ".join(sorted(params)) or "no arguments"
    problems = [f"{here}: {name} has no argument {str(key)!r} (it takes: {taken})" for key in args if key not in params]
    for key, param in params.items():
        if key not in args:
            if param.required:
                problems.append(f"{here}: {name} needs argument {key!r} ({param.kind.text})")
            continue
        problem = param.kind.problem(args[key])
        if problem:
            problems.append(f"{here}: {name} args.{key}: {problem}")
    return problems


def call_paths(arg: Any) -> list[tuple[str, Kind]]:
    """The JSONPaths a predicate call's arguments read (those of kinds that take paths), with their kinds."""
    if not isinstance(arg, dict) or not isinstance(arg.get("args"), dict):
        return []
    signature = PREDICATE_SIGNATURES.get(str(arg.get("name")))
    if signature is None:
        return []
    params = signature.params
    return [(value, params[key].kind) for key, value in arg["args"].items()
            if key in params and params[key].kind.reads_paths and is_path(value)]
