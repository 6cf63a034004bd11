"""Evaluate rules on client views: each check, each ``for_each`` item, three-valued; only ``True`` fires."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cogcheck.cfn.values import Unknown, to_text
from cogcheck.engine.expr import EvalContext, Verdict, evaluate, select
from cogcheck.engine.paths import Match, Selection, format_property, parse_property
from cogcheck.engine.predicates.base import PREDICATES, World
from cogcheck.engine.rules import Check, Rule
from cogcheck.model.client import ClientView, human_duration

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Hit:
    """A rule that fired on one client view."""

    rule: Rule
    severity: str
    property: tuple[str | int, ...]
    message: str


def _render_value(value: Any, style: str) -> str:
    if style == "human" and isinstance(value, int | float) and not isinstance(value, bool):
        return human_duration(value)
    if style == "count" and isinstance(value, list | str):
        return str(len(value))
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, list):
        return ", ".join(_render_value(item, "") for item in value) or "(empty)"
    text = to_text(value)
    return text if text is not None else str(value)


def render(message: str, ctx: EvalContext, details: Mapping[str, Any], prop: str) -> str:
    def replace(match: re.Match[str]) -> str:
        spec, _, style = match.group(1).partition("|")
        spec, style = spec.strip(), style.strip()
        if spec == "property":
            return prop
        if spec.startswith("detail."):
            return _render_value(details.get(spec[7:], "?"), style)
        selection = select(spec, ctx)
        if not selection.matches:
            return "unknown" if selection.unknown else "(absent)"
        return _render_value(selection.matches[0].value, style)

    return " ".join(_PLACEHOLDER.sub(replace, message).split())


def evaluate_rules(
    rules: Sequence[Rule], view: ClientView, world: World, severity: Mapping[str, str] | None = None
) -> list[Hit]:
    hits: list[Hit] = []
    cache: dict[str, Selection] = {}  # every check reads the same view: select each absolute path once

    def call_predicate(name: str, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
        return PREDICATES[name](world, args, ctx)

    for rule in rules:
        for check in rule.checks:
            override = (severity or {}).get(rule.id)
            hits.extend(_evaluate_check(rule, check, view, call_predicate, cache, override))
    return hits


def _evaluate_check(
    rule: Rule,
    check: Check,
    view: ClientView,
    call_predicate: Callable[[str, Mapping[str, Any], EvalContext], Verdict],
    cache: dict[str, Selection],
    override: str | None,
) -> list[Hit]:
    details: dict[str, Any] = {}
    items: list[Match | None]
    if check.for_each:
        items = []
        for path in check.for_each:
            items.extend(select(path, EvalContext(view.data, None, call_predicate, cache=cache)).matches)
    else:
        items = [None]
    hits = []
    for item in items:
        details.clear()
        ctx = EvalContext(view.data, item, call_predicate, details, cache)
        if evaluate(check.when, ctx) is not True:
            continue
        if item is not None:
            prop_path = item.path
        else:
            prop_path = parse_property(render(check.property, ctx, details, "")) if check.property else ()
        prop = format_property(prop_path)
        level = override or check.severity or rule.severity
        hits.append(Hit(rule, level, prop_path, render(check.message, ctx, details, prop)))
    return hits
