"""Predicates about how the client's template is written rather than what it says (COG-E038: a key written twice).

They register in :data:`cogcheck.engine.predicates.base.PREDICATES` on import (``load_rules`` imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cogcheck.cfn.duplicates import in_resource, property_path
from cogcheck.engine.expr import EvalContext, Verdict
from cogcheck.engine.paths import format_property
from cogcheck.engine.predicates.base import World, predicate


@predicate("duplicate_key", details=("key", "property", "more"))
def duplicate_key(world: World, _args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A key is written twice in one mapping inside this client's resource (only a template with a ``Transform``
    is read that way; a plain one is an input error). Points at the first such key in the file."""
    template = world.template
    found = in_resource(template.duplicates, template.resources_key, world.logical_id)
    if not found:
        return False
    first = found[0]
    start = len(template.resources_key) + 1
    inside = first.path[start:]
    if not inside:
        ctx.details["key"] = f"The logical id {world.logical_id}"
    elif inside[0] != "Properties" or len(inside) == 1:
        ctx.details["key"] = f"The resource's {inside[0]}"
    else:
        ctx.details["key"] = format_property(inside[1:])
    ctx.details["property"] = format_property(property_path(first, template.resources_key))
    others = len(found) - 1
    ctx.details["more"] = f" (and {others} more repeated key{'s' if others != 1 else ''} in this resource)" \
        if others else ""
    return True
