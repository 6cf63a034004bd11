"""Predicates for enumerated values: an error for a value that cannot be right, a warning for one not yet known.

``enum_value_wrong`` fires on a malformed value, a near miss of a known one ("did you mean") or a value outside a
closed vocabulary (an error); ``enum_value_unrecognised`` on a well-formed value of an open vocabulary that cogcheck
does not know (a warning naming the date of its data). The policy is :mod:`cogcheck.model.known`'s.
Both read ``@`` (the item of ``for_each``) or ``args.path``, and the enumeration named by ``args.set`` (see
:mod:`cogcheck.model.known`); the configuration's ``known-values`` adds values to a set.

They register in :data:`cogcheck.engine.predicates.base.PREDICATES` on import (``load_rules`` imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cogcheck.cfn.names import Phrase
from cogcheck.cfn.values import Unknown
from cogcheck.engine.expr import EvalContext, Verdict, select
from cogcheck.engine.predicates.base import World, predicate
from cogcheck.engine.signatures import PATH, Param, one_of
from cogcheck.model.known import ENUMERATIONS, KNOWN_VALUES_DATE, classify, known_values_text

_DETAILS = ("reason", "known", "date", "hint", "setting", "meant")
_ARGS = {
    "set": Param(one_of("enumeration", "an enumeration name", tuple(ENUMERATIONS)), required=True,
                 doc="the enumeration the value belongs to (cogcheck.model.known)"),
    "path": Param(PATH, doc="the value to judge (default: @, the for_each item)"),
}


def extra_known(world: World, name: str) -> tuple[str, ...]:
    """Values the configuration adds to enumeration ``name`` (``known-values``)."""
    return world.policy.known(name)


def _subject(args: Mapping[str, Any], ctx: EvalContext) -> tuple[bool, Any]:
    """(present, value) of the value the predicate looks at."""
    if "path" not in args:
        return (ctx.item is not None), (ctx.item.value if ctx.item is not None else None)
    selection = select(str(args["path"]), ctx)
    if selection.matches:
        return True, selection.matches[0].value
    return False, selection.unknown


def _classify(world: World, args: Mapping[str, Any], ctx: EvalContext, wanted: tuple[str, ...]) -> Verdict:
    present, value = _subject(args, ctx)
    if not present:
        return None if isinstance(value, Unknown) else False
    if isinstance(value, Unknown):
        return None
    enum = ENUMERATIONS[str(args["set"])]
    extra = extra_known(world, enum.name)
    verdict = classify(enum, value, extra)
    if verdict.kind not in wanted:
        return False
    ctx.details["reason"] = verdict.reason
    ctx.details["known"] = known_values_text(enum, extra)
    ctx.details["date"] = KNOWN_VALUES_DATE
    ctx.details["hint"] = Phrase(" (", verdict.reason, ")") if verdict.reason else ""
    ctx.details["setting"] = enum.name
    if verdict.kind == "near-miss" and verdict.suggestion:
        ctx.details["meant"] = verdict.suggestion  # the known value meant: what a fix writes instead
    return True


@predicate("enum_value_wrong", details=_DETAILS, args=_ARGS)
def enum_value_wrong(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The value is malformed for its enumeration, a near miss of a known value, or outside a closed vocabulary."""
    return _classify(world, args, ctx, ("malformed", "near-miss", "outside"))


@predicate("enum_value_unrecognised", details=_DETAILS, args=_ARGS)
def enum_value_unrecognised(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The value is well formed but not among the known ones of an open vocabulary (it may be newer than
    cogcheck's data)."""
    return _classify(world, args, ctx, ("unrecognised",))
