"""Resources of the template on the client's pool, by name: identity providers by ``ProviderName``, resource servers
by ``Identifier``.

A client may name thousands of providers and a template may define thousands; looking each name up by walking every
provider is quadratic. :func:`named_on_pool` builds the index once per scenario and pool and keeps it in the
template's cache, so a lookup is a dictionary access.

The cache key is exact: a resource's name, pool and existence depend only on the template and on the parameters,
pseudo parameters and conditions their nodes reach (through ``Ref`` to parameters, to providers and resource
servers, whose ``Ref`` is their name, and through named conditions). The key holds what the scenario says about
exactly those, so clients that share a pool and a scenario share one index.
"""

from __future__ import annotations

import json
from typing import Any, Final

from cogcheck.cfn.resolve import references
from cogcheck.cfn.types import IDP_TYPE, SERVER_TYPE
from cogcheck.cfn.values import ResourceRef, Unknown
from cogcheck.engine.predicates.base import (
    PoolKey,
    World,
    pool_key,
    pool_key_of_client,
    resource_exists,
    resource_value,
    same_pool,
)
from cogcheck.record import Record

#: The property a resource's name is (and, for ``Ref``, its value) per type.
NAME_PROPERTY = {IDP_TYPE: "ProviderName", SERVER_TYPE: "Identifier"}


class Candidate(Record):
    """A resource of the template that may be the one a client names: ``certain`` when it surely is."""

    __slots__ = ("certain", "logical_id")

    def __init__(self, logical_id: str, certain: bool) -> None:
        self.logical_id: Final = logical_id
        self.certain: Final = certain


class NamedIndex:
    """The resources of one type that may be on the client's pool, in logical-id order: ``by_name``, the known
    names; ``by_id``, every resource that may be on the pool; ``unknown_names``, the logical ids whose name cannot be
    known; ``known_names``, logical id → name for those surely on the pool."""

    __slots__ = ("_listing", "by_id", "by_name", "known_names", "unknown_names")

    def __init__(self) -> None:
        self.by_name: dict[str, list[Candidate]] = {}
        self.by_id: dict[str, Candidate] = {}
        self.unknown_names: list[str] = []
        self.known_names: dict[str, str] = {}
        self._listing: dict[int, str] = {}

    def listing(self, limit: int) -> str:
        """The sorted names surely on the pool, at most ``limit`` of them and how many more (worked out once)."""
        if limit not in self._listing:
            names = sorted(self.known_names.values())
            text = ", ".join(names[:limit])
            if len(names) > limit:
                text += f" and {len(names) - limit} more"
            self._listing[limit] = text
        return self._listing[limit]


class _Fact(Record):
    """A resource's existence, pool and name under one scenario."""

    __slots__ = ("exists", "logical_id", "name", "pool")

    def __init__(self, logical_id: str, exists: bool | None, pool: PoolKey | None, name: Any) -> None:
        self.logical_id: Final = logical_id
        self.exists: Final = exists
        self.pool: Final = pool
        self.name: Final = name


def named_on_pool(world: World, resource_type: str) -> NamedIndex:
    """The index of ``resource_type`` resources (a key of :data:`NAME_PROPERTY`) for the world's client."""
    client_key = pool_key_of_client(world)
    cache_key = ("named_on_pool", resource_type, _scenario_signature(world), client_key)
    cache = world.template.cache
    if cache_key not in cache:
        cache[cache_key] = _build_index(_facts(world, resource_type), client_key)
    return cache[cache_key]  # type: ignore[no-any-return]


def providers_named(world: World, name: Any) -> tuple[list[Candidate], bool]:
    """Identity providers of the template on the client's pool that may carry ``name`` (a string or a ``Ref``).

    Returns the candidates and whether some other provider's name (or pool) cannot be known.
    """
    index = named_on_pool(world, IDP_TYPE)
    if isinstance(name, ResourceRef):
        candidate = index.by_id.get(name.logical_id)
        others_unknown = len(index.unknown_names) - (name.logical_id in index.unknown_names)
        return ([candidate] if candidate is not None else []), others_unknown > 0
    found = list(index.by_name.get(name, [])) if isinstance(name, str) else []
    return found, bool(index.unknown_names)


def _facts(world: World, resource_type: str) -> list[_Fact]:
    """Existence, pool and name of each resource of the type under the world's scenario."""
    key = ("named_facts", resource_type, _scenario_signature(world))
    cache = world.template.cache
    if key not in cache:
        prop = NAME_PROPERTY[resource_type]
        cache[key] = [
            _Fact(
                logical_id,
                resource_exists(world, logical_id),
                pool_key(world, logical_id),
                resource_value(world, logical_id, prop),
            )
            for logical_id in sorted(world.resources_of_type(resource_type))
        ]
    return cache[key]  # type: ignore[no-any-return]


def _build_index(facts: list[_Fact], client_key: PoolKey | None) -> NamedIndex:
    index = NamedIndex()
    for fact in facts:
        if fact.exists is False:
            continue
        on_pool = same_pool(client_key, fact.pool)
        if on_pool is False:
            continue
        candidate = Candidate(fact.logical_id, bool(fact.exists and on_pool))
        index.by_id[fact.logical_id] = candidate
        if isinstance(fact.name, Unknown):
            index.unknown_names.append(fact.logical_id)
        elif isinstance(fact.name, str):
            index.by_name.setdefault(fact.name, []).append(candidate)
            if candidate.certain:
                index.known_names[fact.logical_id] = fact.name
    return index


def _scenario_signature(world: World) -> tuple[Any, ...]:
    """What the world's scenario and options say about the parameters and conditions named resources reach."""
    if "named_signature" not in world.memo:
        refs, conditions = _reach(world)
        resolver = world.resolver
        fixed, forced, options = resolver.fixed_parameters, resolver.forced_conditions, resolver.options
        world.memo["named_signature"] = (
            tuple(
                (name, _canonical(fixed[name]) if name in fixed else None, options.parameters.get(name),
                 options.pseudo.get(name))
                for name in sorted(refs)
                if name in fixed or name in options.parameters or name in options.pseudo
            ),
            tuple((name, forced[name]) for name in sorted(conditions) if name in forced),
        )
    return world.memo["named_signature"]  # type: ignore[no-any-return]


def _reach(world: World) -> tuple[frozenset[str], frozenset[str]]:
    """Names (parameters, pseudo parameters) and conditions the nodes of named resources reach; once per template."""
    key = ("named_reach",)
    cache = world.template.cache
    if key not in cache:
        resources = world.template.resources
        conditions_of = world.resolver.conditions
        pending: list[Any] = []
        for resource_type, prop in NAME_PROPERTY.items():
            for resource in world.resources_of_type(resource_type).values():
                props = resource.get("Properties")
                if isinstance(props, dict):
                    pending.extend(props.get(name) for name in (prop, "UserPoolId"))
                pending.append({"Condition": resource.get("Condition")})
        names: set[str] = set()
        conditions: set[str] = set()
        seen_resources: set[str] = set()
        while pending:
            refs, conds = references(pending.pop())
            for name in refs - names - seen_resources:
                target = resources.get(name)
                name_prop = NAME_PROPERTY.get(target.get("Type", "")) if isinstance(target, dict) else None
                if name_prop is not None:  # its Ref is its name
                    seen_resources.add(name)
                    props = target.get("Properties") if isinstance(target, dict) else None
                    if isinstance(props, dict):
                        pending.append(props.get(name_prop))
                elif name not in resources:
                    names.add(name)
            for name in conds - conditions:
                conditions.add(name)
                pending.append(conditions_of.get(name))
        cache[key] = (frozenset(names), frozenset(conditions))
    return cache[key]  # type: ignore[no-any-return]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)
