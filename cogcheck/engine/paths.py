"""JSONPath selection over a client view that knows when it walked into an unknown value.

Paths are parsed by jsonpath-ng. Plain paths (``$.A.B``, ``$.A[*]``, ``$.A[0]``, ``@``, ``@.A``) are
compiled by a small parser that yields the same steps, so scanning does not pay jsonpath-ng's import; a test pins
both parsers to the same result for every path of the shipped rules. Any other JSONPath is evaluated by jsonpath-ng.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Final, NamedTuple

from cogcheck.cfn.values import Unknown
from cogcheck.record import Record

Step = tuple[str, Any]  # ("field", name) | ("index", n) | ("wildcard", None)

_SIMPLE = re.compile(r"^[$@](?:\.[A-Za-z_][\w-]*|\[\d+\]|\[\*\]|\.\*)*$")
_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|(\[\*\]|\.\*)")


class Match(NamedTuple):
    """One selected value and its path from the root (a tuple: made many times per client, cheaply)."""

    value: Any
    path: tuple[str | int, ...]


class Selection:
    """What a path selected: its matches, and the unknown value it walked into (if any). A plain class with slots,
    not a dataclass: nothing to compile when the module is imported."""

    __slots__ = ("_values", "matches", "unknown")

    def __init__(self, matches: list[Match] | None = None, unknown: Unknown | None = None) -> None:
        self.matches: list[Match] = [] if matches is None else matches
        self.unknown = unknown
        self._values: list[Any] | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Selection):
            return NotImplemented
        return (self.matches, self.unknown) == (other.matches, other.unknown)

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass that compares

    def __repr__(self) -> str:
        return f"Selection(matches={self.matches!r}, unknown={self.unknown!r})"

    def values(self) -> list[Any]:
        """The selected values (computed once: a selection of an absolute path serves every check of a view)."""
        if self._values is None:
            self._values = [m.value for m in self.matches]
        return self._values


class CompiledPath(Record):
    """A compiled JSONPath: its text, whether it starts at ``@``, its steps (None: evaluated by jsonpath-ng, the
    ``generic`` expression) and, for a path made only of ``.name`` steps (the common case, walked without a
    frontier), the names (``fields``; None otherwise)."""

    __slots__ = ("fields", "generic", "relative", "steps", "text")

    def __init__(self, text: str, relative: bool, steps: tuple[Step, ...] | None, generic: Any = None) -> None:
        self.text: Final = text
        self.relative: Final = relative
        self.steps: Final = steps
        self.generic: Final = generic
        self.fields: Final = None if steps is None or any(kind != "field" for kind, _arg in steps) else tuple(
            arg for _kind, arg in steps)

    def select(self, root: Any, current: Match | None = None) -> Selection:
        start = current if self.relative and current is not None else Match(root, ())
        if self.steps is None:
            return _generic(self.generic, start)
        if self.fields is not None:
            return _fields(start, self.fields)
        return _walk(start, self.steps)


def _fields(start: Match, names: tuple[str, ...]) -> Selection:
    """:func:`_walk` for a path of names only: one value followed down, or nothing, or the unknown met."""
    value = start.value
    for name in names:
        if isinstance(value, Unknown):
            return Selection([], value)
        if not isinstance(value, dict) or name not in value:
            return Selection()
        value = value[name]
    return Selection([Match(value, start.path + names)])


def _walk(start: Match, steps: tuple[Step, ...]) -> Selection:
    selection = Selection()
    frontier = [start]
    for kind, arg in steps:
        following: list[Match] = []
        for match in frontier:
            value = match.value
            if isinstance(value, Unknown):
                selection.unknown = selection.unknown or value
                continue
            if (kind == "field" and isinstance(value, dict) and arg in value) or (
                kind == "index" and isinstance(value, list) and arg < len(value)
            ):
                following.append(Match(value[arg], match.path + (arg,)))
            elif kind == "wildcard":
                if isinstance(value, list):
                    following.extend(Match(item, match.path + (i,)) for i, item in enumerate(value))
                elif isinstance(value, dict):
                    following.extend(Match(item, match.path + (key,)) for key, item in value.items())
        frontier = following
    selection.matches = frontier
    return selection


def _generic(expression: Any, start: Match) -> Selection:
    matches = [
        Match(datum.value, start.path + expression_parts(datum.full_path)) for datum in expression.find(start.value)
    ]
    return Selection(matches)


def _indices(node: Any) -> tuple[int, ...]:
    """An ``Index`` node's indices: ``indices`` since jsonpath-ng 1.7, a single ``index`` before."""
    indices = getattr(node, "indices", None)
    return tuple(indices) if indices is not None else (node.index,)


def expression_parts(node: Any) -> tuple[str | int, ...]:
    """Keys and indexes of a concrete jsonpath-ng path (a datum's ``full_path``), read off the expression objects.

    Never from ``str(node)``: its spelling differs between jsonpath-ng versions (``[0]`` or ``.[0]``) and is
    ambiguous for keys that hold dots, quotes or brackets.
    """
    from jsonpath_ng import jsonpath as jp

    if isinstance(node, jp.Child):
        return expression_parts(node.left) + expression_parts(node.right)
    if isinstance(node, jp.Fields):
        return tuple(node.fields)
    if isinstance(node, jp.Index):
        return _indices(node)
    return ()  # Root, This, or a node that stands for no key (an extension's computed value)


def simple_steps(text: str) -> tuple[Step, ...] | None:
    """Steps of a plain path, or None when the path needs the full JSONPath grammar."""
    if not _SIMPLE.match(text):
        return None
    steps: list[Step] = []
    for name, index, wildcard in _TOKEN.findall(text[1:]):
        if name:
            steps.append(("field", name))
        elif index:
            steps.append(("index", int(index)))
        elif wildcard:
            steps.append(("wildcard", None))
    return tuple(steps)


def jsonpath_ng_steps(expression: Any) -> tuple[Step, ...] | None:
    """The same steps read off a jsonpath-ng AST; None when it uses anything beyond plain steps."""
    from jsonpath_ng import jsonpath as jp

    if isinstance(expression, jp.Root):
        return ()
    if isinstance(expression, jp.Child):
        left, right = jsonpath_ng_steps(expression.left), jsonpath_ng_steps(expression.right)
        return None if left is None or right is None else left + right
    if isinstance(expression, jp.Fields) and len(expression.fields) == 1:
        name = expression.fields[0]
        return (("wildcard", None),) if name == "*" else (("field", name),)
    if isinstance(expression, jp.Index) and len(_indices(expression)) == 1:
        return (("index", _indices(expression)[0]),)
    if isinstance(expression, getattr(jp, "Wildcard", ())):
        return (("wildcard", None),)
    if isinstance(expression, jp.Slice) and expression.start is None and expression.end is None:
        return (("wildcard", None),) if expression.step is None else None
    return None


@cache
def compile_path(text: str) -> CompiledPath:
    text = text.strip()
    relative = text.startswith("@")
    steps = simple_steps(text)
    if steps is not None:
        return CompiledPath(text, relative, steps)
    from jsonpath_ng.ext import parser

    source = "$" + text[1:] if relative else text
    try:
        expression = parser.parse(source)
    except Exception as exc:  # jsonpath-ng raises bare Exceptions for syntax errors
        raise ValueError(f"invalid JSONPath {text!r}: {exc}") from None
    return CompiledPath(text, relative, jsonpath_ng_steps(expression), expression)


def format_property(path: tuple[str | int, ...]) -> str:
    """``("CallbackURLs", 2)`` → ``CallbackURLs[2]``; ``("TokenValidityUnits", "AccessToken")`` → dotted."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parse_property(text: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for name, index, _ in _TOKEN.findall("." + text if text else ""):
        parts.append(int(index) if index else name)
    return tuple(parts)
