"""Evaluate rules on client views: each check, each ``for_each`` item, three-valued; only ``True`` fires."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, Final

from cogcheck.cfn.names import CLOUDFORMATION, Dialect
from cogcheck.cfn.values import Unknown, to_text
from cogcheck.engine.expr import Compiled, EvalContext, Verdict, compile_expr, selector
from cogcheck.engine.fixspec import NO_FIX, FixRequest, fill
from cogcheck.engine.needs import check_needs
from cogcheck.engine.paths import Match, Selection, format_property, parse_property
from cogcheck.engine.plan import PlanFn, build_plan
from cogcheck.engine.predicates.base import PREDICATES, SUBJECT, Subject, World
from cogcheck.engine.rules import Check, Rule
from cogcheck.model.client import ClientView, human_duration
from cogcheck.record import Record

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class Hit(Record):
    """A rule that fired on one client view."""

    __slots__ = ("fix", "fix_declined", "message", "property", "resource", "rule", "severity")

    def __init__(
        self, rule: Rule, severity: str, property: tuple[str | int, ...], message: str, resource: str | None = None,
        fix: FixRequest | None = None, fix_declined: str | None = None,
    ) -> None:
        self.rule: Final = rule
        self.severity: Final = severity
        self.property: Final = property
        self.message: Final = message
        #: another resource the finding belongs to (``property`` is then a path under its ``Properties``), else None
        self.resource: Final = resource
        self.fix: Final = fix  # the rule's fix filled in for this finding (cogcheck.engine.fixspec)
        self.fix_declined: Final = fix_declined  # why the rule's fix has no edit for this finding (``no_fix``)


def _render_value(value: Any, style: str, dialect: Dialect = CLOUDFORMATION) -> str:
    if style == "human" and isinstance(value, int | float) and not isinstance(value, bool):
        return human_duration(value)
    if style == "count" and isinstance(value, list | str):
        return str(len(value))
    if isinstance(value, Unknown):  # a reference with a known shape reads as what it is: "Ref Role (an IAM role name)"
        return "unknown" if value.shape is None or not value.shape.origin else (
            f"{value.shape.origin} ({value.shape.label})")
    if isinstance(value, list):
        return ", ".join(_render_value(item, "", dialect) for item in value) or "(empty)"
    if isinstance(value, str):
        return dialect.text(value)  # a Name or a Phrase (cogcheck.cfn.names) in the dialect's words
    text = to_text(value)
    return text if text is not None else str(value)


#: text; or (kind, spec, style, selector): kind "path" (selector set), "property", "detail", "prop", "type", "cdk"
Part = str | tuple[str, Any, str, Callable[[EvalContext], Selection] | None]


@cache
def _template(message: str) -> tuple[Part, ...]:
    """A message split once into text and placeholders (``property``, ``detail.NAME``, a name or a path; a style)."""
    from cogcheck.engine.rules import parse_name

    parts: list[Part] = []
    for index, piece in enumerate(_PLACEHOLDER.split(message)):
        if index % 2 == 0:
            parts.append(piece)
            continue
        spec, _, style = piece.partition("|")
        spec, style = spec.strip(), style.strip()
        kind, colon, name = spec.partition(":")
        if spec == "property":
            parts.append(("property", spec, style, None))
        elif spec.startswith("detail."):
            parts.append(("detail", spec[7:], style, None))
        elif colon and kind in ("prop", "type", "cdk"):
            parts.append((kind, parse_name(kind, name), style, None))
        else:
            parts.append(("path", spec, style, selector(spec)))
    return tuple(parts)


def render(
    message: str, ctx: EvalContext, details: Mapping[str, Any], prop: str, dialect: Dialect = CLOUDFORMATION
) -> str:
    """A check's message for one hit, its names spelt the way ``dialect`` writes them."""
    text: list[str] = []
    for piece in _pieces(message, dialect):
        text.append(piece if piece.__class__ is str else piece(ctx, details, prop, text))  # type: ignore[operator]
    return " ".join("".join(text).split())


#: one piece of a rendered message: its text, or a function of (context, details, property, the text so far)
Piece = str | Callable[[EvalContext, Mapping[str, Any], str, list[str]], str]
#: (message, id(dialect)) → (the dialect, its pieces): the dialect is kept so that its id is never reused while cached
_PIECES: dict[tuple[str, int], tuple[Dialect, tuple[Piece, ...]]] = {}


def _pieces(message: str, dialect: Dialect) -> tuple[Piece, ...]:
    """``message`` as :func:`render` puts it together for ``dialect``, once per message and dialect: text and names
    as strings (a name is spelt once), each value a function chosen for its kind and style (nothing to decide per
    hit but what the hit holds)."""
    entry = _PIECES.get((message, id(dialect)))
    if entry is not None and entry[0] is dialect:
        return entry[1]
    pieces: list[Piece] = []
    for part in _template(message):
        if isinstance(part, str):
            pieces.append(str(part))
            continue
        kind, spec, style, select_in = part
        if kind == "property":
            pieces.append(lambda _ctx, _details, prop, _text: dialect.property_path(prop))
        elif kind == "detail":
            pieces.append(_detail(spec, style, dialect))
        elif kind in ("prop", "type"):
            name = str(dialect.spell(spec))  # a str, not a Name: render tells text from functions by its class
            pieces.append(name.rpartition(".")[2] if style == "key" else name)
        elif kind == "cdk":
            pieces.append(str(spec))
        elif select_in is not None:
            pieces.append(_value(select_in, style, dialect))
    if len(_PIECES) > 4096:
        _PIECES.clear()
    _PIECES[(message, id(dialect))] = (dialect, tuple(pieces))
    return tuple(pieces)


def _detail(name: str, style: str, dialect: Dialect) -> Piece:
    def piece(_ctx: EvalContext, details: Mapping[str, Any], _prop: str, _text: list[str]) -> str:
        return _render_value(details.get(name, "?"), style, dialect)

    return piece


def _value(select_in: Callable[[EvalContext], Selection], style: str, dialect: Dialect) -> Piece:
    def piece(ctx: EvalContext, _details: Mapping[str, Any], _prop: str, text: list[str]) -> str:
        selection = select_in(ctx)
        if not selection.matches:
            return "unknown" if selection.unknown else "(absent)"
        value = _render_value(selection.matches[0].value, style, dialect)
        if value:
            return value
        quoted = bool(text) and text[-1].endswith('"')  # the message quotes it: "{$.X}"
        return value if quoted else '""'  # an empty string is seen, never "is , which"

    return piece


class _CompiledCheck:
    """One check of a rule, its condition compiled to a function of the context when first asked for: a scan
    compiles only the checks its clients reach (a check whose needed property is absent never is), and the plan of
    :mod:`cogcheck.engine.plan` reads the check itself. A plain class with slots, not a dataclass: nothing to
    compile when the module is imported."""

    __slots__ = ("_when", "check", "for_each", "needs", "rule")

    def __init__(
        self, rule: Rule, check: Check, for_each: tuple[Callable[[EvalContext], Selection], ...],
        needs: tuple[str, ...] = (),
    ) -> None:
        self.rule, self.check, self.for_each = rule, check, for_each
        #: client properties any one of which, absent, leaves the check nothing to report (cogcheck.engine.needs)
        self.needs = needs
        self._when: Compiled | None = None

    @property
    def when(self) -> Compiled:
        """The condition as a function of the context (compiled the first time it is asked for)."""
        when = self._when
        if when is None:
            when = self._when = compile_expr(self.check.when)
        return when


#: id(rule) → (the rule, its compiled checks); the rule is kept so that its id is never reused while cached
_COMPILED: dict[int, tuple[Rule, tuple[_CompiledCheck, ...]]] = {}
class _RulePlan:
    """The checks of one rule set, compiled; and, once it has checked :data:`PLAN_AFTER` clients, its plan."""

    __slots__ = ("checks", "clients", "function", "items", "rules")

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules, self.items = rules, tuple(rules)
        self.checks = [c for rule in rules for c in compiled(rule)]
        self.function: PlanFn | None = None
        self.clients = 0


#: id(rule list) → the plan of the last few rule sets run
_PLANS: dict[int, _RulePlan] = {}
#: A rule set's checks run as closures for its first clients and as one generated function after: making the
#: function (:mod:`cogcheck.engine.plan`) costs about as much CPU as checking this many clients saves, so a small
#: scan never pays for it and a big one pays it once
PLAN_AFTER = 128


def compiled(rule: Rule) -> tuple[_CompiledCheck, ...]:
    """The checks of ``rule`` compiled to functions of the context, once per rule object."""
    entry = _COMPILED.get(id(rule))
    if entry is None or entry[0] is not rule:
        checks = tuple(
            _CompiledCheck(
                rule, check, tuple(selector(path) for path in check.for_each), check_needs(check.when, check.for_each),
            )
            for check in rule.checks
        )
        entry = _COMPILED[id(rule)] = (rule, checks)
    return entry[1]


def _rule_plan(rules: Sequence[Rule]) -> _RulePlan:
    """The cached plan of ``rules`` (a rule list may be a list changed in place: compared by items)."""
    entry = _PLANS.get(id(rules))
    if entry is None or entry.rules is not rules or len(entry.items) != len(rules) or not all(
        map(operator.is_, entry.items, rules)
    ):
        if len(_PLANS) > 16:
            _PLANS.clear()
        entry = _PLANS[id(rules)] = _RulePlan(rules)
    return entry


def _plan(rules: Sequence[Rule]) -> list[_CompiledCheck]:
    """Every compiled check of ``rules`` in order."""
    return _rule_plan(rules).checks


def compile_rules(rules: Sequence[Rule]) -> None:
    """Compile every check of ``rules`` now (otherwise done when a client is first checked)."""
    _plan(rules)


def evaluate_rules(
    rules: Sequence[Rule],
    view: ClientView,
    world: World,
    severity: Mapping[str, str] | None = None,
    dialect: Dialect = CLOUDFORMATION,
) -> list[Hit]:
    """The hits of ``rules`` on one client view; messages in ``dialect``'s words."""
    hits: list[Hit] = []
    plan = _rule_plan(rules)

    def call_predicate(name: str, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
        return PREDICATES[name](world, args, ctx)

    data = view.data
    ctx = EvalContext(data, None, call_predicate, {}, {})  # one view: ``cache`` selects each absolute path once
    run = plan.function
    if run is None:
        plan.clients += 1
        if plan.clients <= PLAN_AFTER:
            _interpret(plan.checks, ctx, hits, severity, dialect)
            return hits
        run = plan.function = build_plan(plan.checks)
    run(data, ctx, world, hits, _hit, severity, dialect)
    return hits


def _interpret(
    checks: list[_CompiledCheck], ctx: EvalContext, hits: list[Hit], severity: Mapping[str, str] | None,
    dialect: Dialect,
) -> None:
    """Every check as a tree of closures (what the plan's generated function does in one call)."""
    data = ctx.root
    for compiled_check in checks:
        absent = False
        for name in compiled_check.needs:
            if name not in data:
                absent = True  # a property it needs is absent: it would answer False, or have no item to answer for
                break
        if absent:
            continue
        when = compiled_check.when
        if not compiled_check.for_each:
            if ctx.details:
                ctx.details = {}
            if when(ctx) is True:
                hits.append(_hit(compiled_check, ctx, severity, dialect))
            continue
        items: list[Match] = []
        for select_in in compiled_check.for_each:
            items.extend(select_in(ctx).matches)
        for item in items:
            ctx.item = item
            if ctx.details:
                ctx.details = {}
            if when(ctx) is True:
                hits.append(_hit(compiled_check, ctx, severity, dialect))
        ctx.item = None


def _hit(
    compiled_check: _CompiledCheck, ctx: EvalContext, severity: Mapping[str, str] | None, dialect: Dialect
) -> Hit:
    rule, check, details = compiled_check.rule, compiled_check.check, ctx.details
    subject = details.get(SUBJECT)
    if isinstance(subject, Subject):
        prop_path = subject.path
    elif ctx.item is not None:
        prop_path = ctx.item.path
    else:
        prop_path = _property(check.property, ctx, details) if check.property else ()
    prop = format_property(prop_path)
    level = (severity or {}).get(rule.id) or check.severity or rule.severity
    fix = declined = None
    if check.fix is not None:
        item = ctx.item
        fix = fill(check.fix, details, item.value if item is not None else None, item is not None)
        if fix is None and isinstance(details.get(NO_FIX), str):
            declined = str(details[NO_FIX])
    message = render(check.message_for(dialect.name), ctx, details, prop, dialect)
    return Hit(rule, level, prop_path, message, subject.resource if isinstance(subject, Subject) else None, fix,
               declined)


def _property(text: str, ctx: EvalContext, details: Mapping[str, Any]) -> tuple[str | int, ...]:
    """The path a check's ``property`` names for one hit (read once when it holds no placeholder)."""
    fixed = _fixed_property(text)
    return fixed if fixed is not None else parse_property(render(text, ctx, details, ""))


@cache
def _fixed_property(text: str) -> tuple[str | int, ...] | None:
    """What :func:`render` and ``parse_property`` make of ``text`` when it has no placeholder, else None."""
    parts = _template(text)
    if not all(isinstance(part, str) for part in parts):
        return None
    return parse_property(" ".join("".join(parts).split()))  # type: ignore[arg-type]
