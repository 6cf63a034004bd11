"""The client properties a check needs: when one of them is absent from the client, the check cannot fire.

Read off a (validated) condition from the operators' semantics in :mod:`cogcheck.engine.expr`: an operator whose
path selects nothing, and nothing unknown, answers ``False`` (``present``, the comparisons, ``contains``,
``not_subset``, ``outside``, ``gt``, ``lte``, ``key_not_in``); ``all`` is ``False`` when any part is, ``any`` when
every part is; ``absent``, ``lacks``, ``not`` and predicates need nothing. A path that starts at a property of the
client (``$.CallbackURLs[*]``, not ``$.effective`` nor ``$.policy``, which every view has) selects nothing, and
nothing unknown, when that property is absent. A check with ``for_each`` has no item to check when every path it
iterates over starts at an absent property. So a client without the property skips the check, and nothing changes
but the time: the check would have answered ``False`` (or had nothing to answer for).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cogcheck.engine.paths import simple_steps

#: keys of every client view that are not template properties
_VIEW_KEYS = frozenset({"effective", "policy"})
#: operators that answer False when the path of their first argument selects nothing, and nothing unknown
_FIRST = frozenset({
    "present", "equals", "in", "not_in", "contains", "not_subset", "outside", "matches", "longer_than",
    "shorter_than", "not_integer", "key_not_in", "is_type",
})
#: operators that answer False when either argument's path selects nothing
_BOTH = frozenset({"gt", "lte"})


def path_needs(path: Any) -> frozenset[str]:
    """The client property an absolute plain path starts at (empty for anything else)."""
    if not isinstance(path, str) or not path.startswith("$"):
        return frozenset()
    steps = simple_steps(path.strip())
    if not steps or steps[0][0] != "field" or steps[0][1] in _VIEW_KEYS:
        return frozenset()
    return frozenset({str(steps[0][1])})


def needs(expr: Any) -> frozenset[str]:
    """Properties any one of which, absent, makes ``expr`` answer ``False``."""
    if not isinstance(expr, dict) or len(expr) != 1:
        return frozenset()
    ((name, args),) = expr.items()
    if name in _FIRST:
        return path_needs(args[0] if isinstance(args, list) and args else args)
    if name in _BOTH and isinstance(args, list):
        return frozenset().union(*(path_needs(arg) for arg in args))
    if name == "all" and isinstance(args, list):
        return frozenset().union(*(needs(part) for part in args))
    if name == "any" and isinstance(args, list) and args:
        found = needs(args[0])
        for part in args[1:]:
            found &= needs(part)
        return found
    return frozenset()


def check_needs(when: Any, for_each: Sequence[str]) -> tuple[str, ...]:
    """Properties any one of which, absent, leaves a check nothing to report (sorted: a fixed order)."""
    found = needs(when)
    if for_each:
        iterated = path_needs(for_each[0])
        for path in for_each[1:]:
            iterated &= path_needs(path)
        found |= iterated
    return tuple(sorted(found))
