"""The token-lifetime predicate of COG-E001 to COG-E003: a validity outside its range once its unit is applied, and
the unit that would put the written number in range (the rule's fix), when exactly one does.

It registers in :data:`cogcheck.engine.predicates.base.PREDICATES` on import (``load_rules`` imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cogcheck.cfn.values import Unknown
from cogcheck.engine.expr import EvalContext, Verdict
from cogcheck.engine.fixspec import NO_FIX
from cogcheck.engine.predicates.base import World, predicate
from cogcheck.engine.signatures import COUNT, Param, one_of
from cogcheck.model.client import TOKENS, UNIT_SECONDS

_ARGS = {
    "token": Param(one_of("token", "a token name", tuple(TOKENS)), required=True,
                   doc="the token whose effective lifetime is judged ($.effective.<token>)"),
    "low": Param(COUNT, required=True, doc="the shortest lifetime Cognito accepts, in seconds"),
    "high": Param(COUNT, required=True, doc="the longest lifetime Cognito accepts, in seconds"),
}


def fitting_units(number: int | float, low: int, high: int) -> list[str]:
    """The units in which ``number`` is a lifetime from ``low`` to ``high`` seconds."""
    return [unit for unit, size in UNIT_SECONDS.items() if low <= number * size <= high]


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@predicate("token_validity_outside", details=("meant", NO_FIX), args=_ARGS)
def token_validity_outside(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The token's effective lifetime (``$.effective.<token>.seconds``) is outside ``low`` to ``high`` seconds.
    Leaves ``meant``: the one unit in which the number written is in range; else ``no_fix``: why there is none."""
    effective = ctx.root.get("effective", {}).get(str(args["token"]), {})
    seconds = effective.get("seconds")
    if isinstance(seconds, Unknown) or not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return None
    low, high = int(args["low"]), int(args["high"])
    if low <= seconds <= high:
        return False
    number = effective.get("value")
    if not isinstance(number, int | float) or isinstance(number, bool):
        ctx.details[NO_FIX] = "no number is written for the validity"
        return True
    if not float(number).is_integer():
        ctx.details[NO_FIX] = f"{_number(number)} is not a whole number, and no unit takes a fraction"
        return True
    units = fitting_units(number, low, high)
    if len(units) == 1:
        ctx.details["meant"] = units[0]
    elif not units:
        ctx.details[NO_FIX] = f"{_number(number)} is out of range in every unit: change the number"
    else:
        ctx.details[NO_FIX] = (f"{_number(number)} is in range as {' or '.join(units)}: which one was meant is the "
                               "author's choice")
    return True
