"""Named, typed predicates for what a JSONPath over one client cannot say: the other resources of the template.

Each predicate answers ``True`` (the bad pattern holds), ``False`` or ``None`` (cannot be known: an imported pool,
a provider from another stack, an unresolvable value). Predicates may leave words for the message in
``ctx.details`` (``{detail.NAME}`` in a rule's message).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from cogcheck.cfn.parse import Template
from cogcheck.cfn.resolve import Resolver, parameter_candidates, references
from cogcheck.cfn.types import MAY_ADD_TO_POOL, POOL_TYPE
from cogcheck.cfn.values import NO_VALUE, ResourceRef, Unknown, to_text
from cogcheck.engine.expr import EvalContext, Verdict
from cogcheck.engine.signatures import PREDICATE_SIGNATURES, Param, PredicateSignature
from cogcheck.model.client import ClientView
from cogcheck.model.policy import Policy
from cogcheck.record import Record


class World:
    """What a predicate may look at: the client, its template, and the scenario's resolver; ``policy``:
    ScanOptions.policy, thresholds and production settings; ``stack``: the input's stack name (CDK assemblies), for
    per-stack policy; ``memo``: facts of this client and scenario. A plain class with slots, not a dataclass:
    nothing to compile when the module is imported."""

    __slots__ = ("logical_id", "memo", "policy", "resolver", "stack", "template", "view")

    def __init__(self, template: Template, resolver: Resolver, logical_id: str, view: ClientView,
                 policy: Policy | None = None, stack: str | None = None) -> None:
        self.template = template
        self.resolver = resolver
        self.logical_id = logical_id
        self.view = view
        self.policy = Policy() if policy is None else policy
        self.stack = stack
        self.memo: dict[Any, Any] = {}

    @property
    def resource(self) -> dict[str, Any]:
        return self.template.resources[self.logical_id]  # type: ignore[no-any-return]

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        key = ("resources_of_type", resource_type)
        if key not in self.template.cache:
            self.template.cache[key] = {
                logical_id: resource
                for logical_id, resource in self.template.resources.items()
                if isinstance(resource, dict) and resource.get("Type") == resource_type
            }
        return self.template.cache[key]  # type: ignore[no-any-return]

    def pool(self) -> tuple[str, dict[str, Any]] | None:
        """The client's user pool when it is defined in this template (``UserPoolId: !Ref Pool``)."""
        return self.pool_of(self.view.data.get("UserPoolId"))

    def pool_of(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        if isinstance(value, ResourceRef):
            resource = self.template.resources.get(value.logical_id)
            if isinstance(resource, dict) and resource.get("Type") == POOL_TYPE:
                return value.logical_id, resource
        return None

    def properties(self, logical_id: str) -> dict[str, Any] | Unknown:
        """A resource's properties resolved under the client's scenario."""
        resource = self.template.resources.get(logical_id, {})
        value = self.resolver.value(resource.get("Properties", {})) if isinstance(resource, dict) else {}
        return value if isinstance(value, dict | Unknown) else Unknown("Properties is not a mapping")


class Subject(Record):
    """Another resource of the template a finding belongs to (a session configuration attachment the client's check
    found wrong): its logical id and the property path under its ``Properties`` the finding points at. A predicate
    leaves it in ``ctx.details[SUBJECT]``; the finding is then that resource's, at that property."""

    __slots__ = ("path", "resource")

    def __init__(self, resource: str, path: tuple[str | int, ...] = ()) -> None:
        self.resource: Final = resource
        self.path: Final = path


#: The ``ctx.details`` key of a :class:`Subject` (declare it in the predicate's ``details``).
SUBJECT = "subject"

PredicateFn = Callable[[World, Mapping[str, Any], EvalContext], Verdict]
PREDICATES: dict[str, PredicateFn] = {}
#: predicate name → the ``ctx.details`` keys it may set (``{detail.NAME}`` in messages, checked when rules load)
PREDICATE_DETAILS: dict[str, frozenset[str]] = {}


def predicate(
    name: str, details: tuple[str, ...] = (), args: Mapping[str, Param] | None = None
) -> Callable[[PredicateFn], PredicateFn]:
    """Register a predicate under ``name``; ``details`` names every key it may leave in ``ctx.details``, ``args``
    every argument a rule may give it (``{predicate: {name: NAME, args: {...}}}``) with its kind: an argument not
    declared, missing when required, or of another kind is a load error (:mod:`cogcheck.engine.signatures`)."""

    def register(function: PredicateFn) -> PredicateFn:
        PREDICATES[name] = function
        PREDICATE_DETAILS[name] = frozenset(details)
        doc = (function.__doc__ or "").strip().split("\n\n")[0]
        PREDICATE_SIGNATURES[name] = PredicateSignature(dict(args or {}), frozenset(details), " ".join(doc.split()))
        return function

    return register


# ---------------------------------------------------------------------------------------------------------------
# Cross-resource predicates of the deploy-time rules (COG-E018, E026, E027, E028, E031) and COG-S018.
#
# "The pool" is the client's user pool when it is defined in this template. A resource server or identity provider
# is "on the pool" when its own UserPoolId is the same pool. Whatever cannot be known — an imported pool, a name
# from a parameter without a default, a resource whose Condition cannot be decided, a nested stack or custom
# resource that is handed the pool and may add providers or scopes to it — makes the predicate abstain (None).

STANDARD_SCOPES = ("phone", "email", "openid", "profile", "aws.cognito.signin.user.admin")
SCOPE_CHARS = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")

#: Attributes every user pool has (CATALOGUE COG-E028); ``sub`` is not among the ones a client may list.
STANDARD_ATTRIBUTES = frozenset(
    {
        "address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name", "locale",
        "middle_name", "name", "nickname", "phone_number", "phone_number_verified", "picture", "preferred_username",
        "profile", "updated_at", "website", "zoneinfo",
    }
)

PoolKey = tuple[str, str]  # ("pool", logical id) | ("literal", pool id) | ("expr", canonical JSON of the intrinsic)


def resource_names(node: Any) -> set[str]:
    """Logical ids (and parameter names) a raw node points at with ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub``."""
    return references(node)[0]




def depends_on(resource: Any) -> list[str]:
    value = resource.get("DependsOn") if isinstance(resource, dict) else None
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _world_raw_properties(world: World, logical_id: str) -> dict[str, Any]:
    resource = world.template.resources.get(logical_id)
    props = resource.get("Properties") if isinstance(resource, dict) else None
    return props if isinstance(props, dict) else {}


def _pinned(world: World, name: str) -> bool:
    """The scenario fixes this parameter, or it can take only one value."""
    if name in world.resolver.fixed_parameters:
        return True
    return len(parameter_candidates(world.resolver.parameters.get(name), name, world.resolver.options)) <= 1


def _ambiguous(world: World, node: Any) -> str | None:
    """A parameter the node depends on (also through conditions) that the scenario leaves open, if any.

    The resolver reads such a parameter as its first allowed value; for another resource than the client that is a
    guess, and a predicate must not build a finding on a guess.
    """
    refs, conditions = references(node)
    seen: set[str] = set()
    while conditions:
        name = conditions.pop()
        if name in seen or name in world.resolver.forced_conditions:  # decided by the scenario itself
            continue
        seen.add(name)
        more_refs, more_conditions = references(world.resolver.conditions.get(name))
        refs |= more_refs
        conditions |= more_conditions - seen
    for name in sorted(refs):
        if name in world.resolver.parameters and not _pinned(world, name):
            return name
    return None


def resource_value(world: World, logical_id: str, key: str, default: Any = None) -> Any:
    """A property of another resource resolved under the client's scenario; ``default`` when absent."""
    props = _world_raw_properties(world, logical_id)
    if key not in props:
        return default
    node = props[key]
    open_parameter = _ambiguous(world, node)
    if open_parameter is not None:
        return Unknown(f"parameter {open_parameter} takes several values")
    value = world.resolver.value(node)
    return default if value is NO_VALUE else value


def resource_exists(world: World, logical_id: str) -> bool | None:
    """Whether a resource is created in the client's scenario (its ``Condition``)."""
    resource = world.template.resources.get(logical_id)
    if not isinstance(resource, dict):
        return False
    condition = resource.get("Condition")
    if condition is None:
        return True
    if _ambiguous(world, {"Condition": condition}) is not None:
        return None
    return world.resolver.evaluate_condition({"Condition": condition})


def pool_key(world: World, logical_id: str) -> PoolKey | None:
    """What a resource's ``UserPoolId`` says about its pool; None when nothing can be said."""
    raw = _world_raw_properties(world, logical_id).get("UserPoolId")
    if raw is None:
        return None
    getatt = raw.get("Fn::GetAtt") if isinstance(raw, dict) and len(raw) == 1 else None
    if isinstance(getatt, str):
        getatt = getatt.split(".", 1)
    if isinstance(getatt, list) and len(getatt) == 2 and getatt[1] == "UserPoolId":
        target = world.template.resources.get(getatt[0])
        if isinstance(target, dict) and target.get("Type") == POOL_TYPE:
            return ("pool", str(getatt[0]))
    value = world.view.data.get("UserPoolId") if logical_id == world.logical_id else resource_value(
        world, logical_id, "UserPoolId"
    )
    if isinstance(value, ResourceRef):
        return ("pool", value.logical_id) if world.pool_of(value) else None
    if isinstance(value, str):
        return ("literal", value)
    if isinstance(value, Unknown) and isinstance(raw, dict) and _ambiguous(world, raw) is None:
        try:
            return ("expr", json.dumps(raw, sort_keys=True, default=str))
        except TypeError:  # mapping keys of mixed types cannot be sorted
            return None
    return None


def same_pool(a: PoolKey | None, b: PoolKey | None) -> bool | None:
    """Whether two pool keys name the same pool (None: cannot be known)."""
    if a is None or b is None:
        return None
    if a == b:
        return True
    if a[0] == b[0] and a[0] in ("pool", "literal"):
        return False
    return None


def pool_key_of_client(world: World) -> PoolKey | None:
    """:func:`pool_key` of the world's client, worked out once."""
    if "pool_key" not in world.memo:
        world.memo["pool_key"] = pool_key(world, world.logical_id)
    return world.memo["pool_key"]  # type: ignore[no-any-return]


def client_pool(world: World) -> str | None:
    """Logical id of the client's user pool when the pool is defined in this template."""
    key = pool_key_of_client(world)
    return key[1] if key is not None and key[0] == "pool" else None


def pool_is_opaque(world: World, pool: str) -> str | None:
    """A nested stack or custom resource that is handed the pool and may add to it (its logical id), if any."""
    key = ("pool_is_opaque", pool)
    if key not in world.template.cache:
        world.template.cache[key] = _opaque_holder(world, pool)
    return world.template.cache[key]  # type: ignore[no-any-return]


def _opaque_holder(world: World, pool: str) -> str | None:
    for logical_id, resource in world.template.resources.items():
        if not isinstance(resource, dict):
            continue
        kind = str(resource.get("Type", ""))
        props = resource.get("Properties")
        if (
            (kind in MAY_ADD_TO_POOL or kind.startswith("Custom::"))
            and pool in resource_names(props)
            and not _reads_only(props)
        ):
            return logical_id
    return None


_SDK_ACTION = re.compile(r'"action"\s*:\s*"(\w+)"')


def _reads_only(props: Any) -> bool:
    """A CDK ``AwsCustomResource`` whose SDK calls only read (``describe…``, ``get…``, ``list…``)."""
    texts: list[str] = []
    stack = [props]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    actions = _SDK_ACTION.findall("".join(texts))
    return bool(actions) and all(action.startswith(("describe", "get", "list")) for action in actions)


def item_value(ctx: EvalContext) -> Any:
    return ctx.item.value if ctx.item is not None else None


def quote(value: Any) -> str:
    text = to_text(value)
    return json.dumps(text, ensure_ascii=False) if text is not None else "unknown"
