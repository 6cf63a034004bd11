"""Predicates of the resource-schema rules (COG-E036 unknown properties, COG-E037 schema conformance).

They read ``@``, a top-level property of the client (``for_each: ['$.*']``), and the pinned CloudFormation schema
(:mod:`cogcheck.model.schema`). They register in :data:`cogcheck.engine.predicates.base.PREDICATES` on import
(``load_rules`` imports this module).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from cogcheck.cfn.names import Name, Phrase
from cogcheck.cfn.shapes import TERRAFORM
from cogcheck.cfn.values import Unknown
from cogcheck.engine.expr import EvalContext, Verdict
from cogcheck.engine.predicates.base import World, predicate
from cogcheck.model.schema import (
    API_ONLY_PROPERTIES,
    classify_property,
    client_schema,
    known_properties,
    problem,
    property_node,
    read_only,
    schema_date,
    unknown_keys,
)

_T = TypeVar("_T")

#: keys of the client view that are not template properties
_VIEW_KEYS = ("effective", "policy")


def _property(ctx: EvalContext) -> tuple[str, Any] | None:
    """(name, value) of the top-level property ``@`` stands for."""
    item = ctx.item
    if item is None or len(item.path) != 1 or str(item.path[0]) in _VIEW_KEYS:
        return None
    return str(item.path[0]), item.value


class _Unfrozen(Exception):
    """A value :func:`_frozen` leaves alone (an unknown value, a name, anything but plain JSON data)."""


def _frozen(value: Any, budget: list[int]) -> Hashable:
    """A key equal for values the schema judges alike: plain values of the same types and shape (mapping keys in
    order, as written), unknown values of the same :class:`~cogcheck.cfn.values.Shape`. ``budget``: the characters
    and items a key may hold (a bigger value is not memoised, so the memo stays small whatever the inputs)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        budget[0] -= 1 + len(value) if kind is str else 1
        if budget[0] < 0:
            raise _Unfrozen
        return kind, value
    if kind is list:
        if set(map(type, value)) == {str}:  # the common list of names or URLs, keyed without a call per item
            budget[0] -= len(value) + sum(map(len, value))
            if budget[0] < 0:
                raise _Unfrozen
            return list, str, tuple(value)
        return list, tuple(_frozen(item, budget) for item in value)
    if kind is dict:
        return dict, tuple((_frozen(key, budget), _frozen(item, budget)) for key, item in value.items())
    if isinstance(value, Unknown):  # the schema judges an unknown value by its shape alone (origin included)
        return Unknown, value.shape
    raise _Unfrozen


#: (what, property, frozen value) → the answer: the schema's answers are functions of the name and the value alone,
#: and the clients of a scan repeat their values, so each distinct property value is judged once. Bounded: at most
#: this many answers, each for a value of at most ``_KEY_BUDGET`` characters and items
_MEMO: dict[Hashable, Any] = {}
_MEMO_SIZE = 4096
_KEY_BUDGET = 2048


def _memoised(what: str, name: str, value: Any, compute: Callable[[], _T]) -> _T:
    try:
        key = (what, name, _frozen(value, [_KEY_BUDGET]))
    except (_Unfrozen, RecursionError):
        return compute()
    if key in _MEMO:
        return _MEMO[key]  # type: ignore[no-any-return]
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.clear()
    found = _MEMO[key] = compute()
    return found


def _unknown_names(name: str, value: Any) -> list[tuple[str, str, str, str | None]]:
    """(where, key, kind, meant) for the property itself and the keys of closed objects under it (once per value)."""
    return _memoised("names", name, value, lambda: _unknown_names_of(name, value))


#: what the schema says of one property value: its unknown names, and its problem when the schema judges it (None
#: for a property the schema has no node for or that is read-only)
Judged = tuple[list[tuple[str, str, str, str | None]], tuple[str, str] | None]


def _judged(world: World, name: str, value: Any) -> Judged:
    """What the schema says of the client's property ``name`` (worked out once per client and scenario: the three
    schema checks each ask about every property)."""
    key = ("schema", name)
    found = world.memo.get(key)
    if found is None or found[0] is not value:
        found = world.memo[key] = (value, _memoised("judged", name, value, lambda: _judge(name, value)))
    return found[1]


def _judge(name: str, value: Any) -> Judged:
    node = property_node(name)
    judged = node is not None and name not in read_only()
    return _unknown_names_of(name, value), problem(name, node, value) if node is not None and judged else None


def _unknown_names_of(name: str, value: Any) -> list[tuple[str, str, str, str | None]]:
    known = known_properties()
    kind, meant = classify_property(name, known)
    if kind != "known":
        return [(name, name, kind, meant)]
    if name in API_ONLY_PROPERTIES:
        return [(name, name, "api-only", None)]
    node = property_node(name)
    found = []
    for where, key in unknown_keys(name, node, value) if node else []:
        parent = where.rsplit(".", 1)[0].replace("[]", "")
        sub = client_schema()["definitions"].get(parent.rsplit(".", 1)[-1], {}).get("properties", {})
        sub_kind, sub_meant = classify_property(key, tuple(sub))
        found.append((where, key, sub_kind, sub_meant))
    return found


def _report(ctx: EvalContext, found: tuple[str, str, str, str | None]) -> None:
    where, _key, kind, meant = found
    ctx.details["name"] = Name(where)
    if kind == "near-miss" and meant and "[" not in where:  # a property, or a key of an object: a fix renames it
        ctx.details["meant"] = meant
        ctx.details["key"] = where
    ctx.details["date"] = schema_date()
    if kind == "near-miss":
        ctx.details["reason"] = Phrase(
            "did you mean ", Name(meant or ""), "? CloudFormation rejects the template, and the setting meant is lost"
        )
    elif kind == "malformed":
        ctx.details["reason"] = "CloudFormation properties are PascalCase names, and no property is spelt like this"
    elif kind == "api-only":
        ctx.details["reason"] = (
            f"the Cognito API accepts it, but CloudFormation's resource schema (dated {schema_date()}) does not list "
            "it, and CloudFormation rejects what its schema does not list"
        )
    else:
        ctx.details["reason"] = (
            f"neither CloudFormation's resource schema nor the Cognito API lists it (cogcheck's data, dated "
            f"{schema_date()}), and CloudFormation rejects what its schema does not list"
        )


#: Kinds of unknown names that are wrong whoever reads the template; the others are wrong where the schema decides.
_SLIPS = ("near-miss", "malformed")
_UNLISTED = ("unrecognised", "api-only")


def _schema_decides(world: World) -> bool:
    """CloudFormation rejects what its resource schema does not list; in Terraform the provider decides which
    arguments exist (see :mod:`cogcheck.model.known`)."""
    return world.template.dialect != TERRAFORM


@predicate("property_unknown_wrong", details=("name", "reason", "date", "meant", "key"))
def property_unknown_wrong(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The property (``@``), or a key of a closed object under it, is a slip of a known name or cannot be one; or,
    in a CloudFormation template, is not in the schema (listed by the API only, or by neither). For a slip, leaves
    ``meant`` (the name meant) and ``key`` (the misspelt name's property path, for the fix's target)."""
    prop = _property(ctx)
    if prop is None:
        return False
    wrong = _SLIPS + (_UNLISTED if _schema_decides(world) else ())
    for found in _judged(world, *prop)[0]:
        if found[2] in wrong:
            _report(ctx, found)
            return True
    return False


@predicate("property_unrecognised", details=("name", "reason", "date"))
def property_unrecognised(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """Outside CloudFormation: the property (``@``), or a key of a closed object under it, is well formed but not in
    the pinned schema."""
    prop = _property(ctx)
    if prop is None or _schema_decides(world):
        return False
    for found in _judged(world, *prop)[0]:
        if found[2] in _UNLISTED:
            _report(ctx, found)
            return True
    return False


@predicate("schema_violation", details=("where", "reason"))
def schema_violation(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The property (``@``) breaks the schema's type, length, item-count or pattern constraints (not the ones a
    dedicated rule reports, not enumerations, not read-only properties)."""
    prop = _property(ctx)
    if prop is None:
        return False
    name, value = prop
    node = property_node(name)
    if node is None or name in read_only():
        return False
    found = _judged(world, name, value)[1]
    if found is None:
        return None if isinstance(value, Unknown) else False
    ctx.details["where"], ctx.details["reason"] = Name(found[0].replace("[]", "[…]")), found[1]
    return True
