"""The cross-resource predicates of the deploy-time rules (and COG-S018): scopes, identity providers, attributes.

They register in :data:`cogcheck.engine.predicates.base.PREDICATES` on import;
:func:`cogcheck.engine.rules.load_rules` imports this module.
Shared helpers (the pool a client belongs to, providers by name, dependencies) live in
:mod:`cogcheck.engine.predicates.base`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from cogcheck.cfn.names import Name, Phrase
from cogcheck.cfn.types import IDP_TYPE, POOL_TYPE, SERVER_TYPE
from cogcheck.cfn.values import ResourceRef, Unknown, to_text
from cogcheck.engine.expr import EvalContext, Verdict
from cogcheck.engine.fixspec import NO_FIX
from cogcheck.engine.predicates.base import (
    SCOPE_CHARS,
    STANDARD_ATTRIBUTES,
    STANDARD_SCOPES,
    World,
    client_pool,
    depends_on,
    item_value,
    pool_is_opaque,
    predicate,
    quote,
    resource_names,
    resource_value,
)
from cogcheck.engine.predicates.named import named_on_pool, providers_named
from cogcheck.engine.signatures import LITERAL, STRING, Param

#: How many provider names a COG-E026 message lists (then "and N more"): one message per unknown name, each listing
#: every provider, would grow with the square of the providers.
MAX_PROVIDERS_LISTED = 20

# -------------------------------------------------------------------------------------------------- COG-E018


@predicate("oauth_scope_unknown", details=("reason",))
def oauth_scope_unknown(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The scope (``@``) is well formed but neither a standard scope nor one of a resource server on the pool.

    Malformed scopes are left to the rule's syntactic checks. With the pool outside the template only "has no
    ``/``" can be known.
    """
    scope = item_value(ctx)
    if isinstance(scope, Unknown):
        return None
    if not isinstance(scope, str) or not SCOPE_CHARS.match(scope) or scope in STANDARD_SCOPES:
        return False
    if "/" not in scope:
        ctx.details["reason"] = "it is not a standard scope and has no resource-server prefix"
        return True
    identifier, _, scope_name = scope.rpartition("/")
    pool = client_pool(world)
    if pool is None or pool_is_opaque(world, pool):
        return None
    index = named_on_pool(world, SERVER_TYPE)
    unsure = bool(index.unknown_names)
    servers: list[str] = []
    for candidate in index.by_name.get(identifier, []):
        names = _scope_names(resource_value(world, candidate.logical_id, "Scopes", []))
        if names is None:
            unsure = True
        elif scope_name in names:
            if candidate.certain:
                return False
            unsure = True
        else:
            declared = ", ".join(sorted(n for n in names if isinstance(n, str))) or "no scopes"
            servers.append(f"{candidate.logical_id} declares {declared}")
            unsure = unsure or any(isinstance(n, Unknown) for n in names)
    if unsure:
        return None
    if servers:
        ctx.details["reason"] = (
            f"resource server {quote(identifier)} on pool {pool} has no scope {quote(scope_name)} "
            f"({'; '.join(servers)})"
        )
    else:
        ctx.details["reason"] = Phrase(
            "no ", Name("UserPoolResourceServer", kind="type"), " with ", Name("Identifier", SERVER_TYPE),
            f" {quote(identifier)} is defined on pool {pool}",
        )
    return True


def _scope_names(scopes: Any) -> list[Any] | None:
    """ScopeName of each scope of a resource server; None when the list cannot be known."""
    if isinstance(scopes, Unknown) or not isinstance(scopes, list):
        return None
    names: list[Any] = []
    for scope in scopes:
        if isinstance(scope, Unknown):
            return None
        name = scope.get("ScopeName") if isinstance(scope, dict) else None
        names.append(name if isinstance(name, str | Unknown) else Unknown("ScopeName"))
    return names


# -------------------------------------------------------------------------------------------------- COG-E026


def _name_problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    if len(name) > 32:
        return f"it is {len(name)} characters long (at most 32)"
    bad = sorted({ch for ch in name if unicodedata.category(ch)[0] not in "LMSNPZ"})
    if bad:
        return "it contains the control or unassigned character(s) " + ", ".join(f"U+{ord(ch):04X}" for ch in bad)
    return None


@predicate("identity_provider_name_malformed", details=("reason",))
def identity_provider_name_malformed(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The provider name (``@``) is empty, longer than 32 characters or holds a control/unassigned character."""
    name = item_value(ctx)
    if isinstance(name, Unknown):
        return None
    text = to_text(name)
    if text is None:
        return False
    problem = _name_problem(text)
    if problem is None:
        return False
    ctx.details["reason"] = problem
    return True


@predicate("identity_provider_unknown", details=("pool", "known"))
def identity_provider_unknown(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """No identity provider of this name (``@``) exists on the client's pool, which is defined in this template."""
    name = item_value(ctx)
    if name == "COGNITO":
        return False
    if isinstance(name, Unknown) and not isinstance(name, ResourceRef):
        return None
    if isinstance(name, str) and _name_problem(name) is not None:
        return False  # reported as malformed
    if not isinstance(name, str | ResourceRef):
        return False
    pool = client_pool(world)
    if pool is None or pool_is_opaque(world, pool):
        return None
    found, unsure = providers_named(world, name)
    if any(candidate.certain for candidate in found):
        return False
    if found or unsure or isinstance(name, ResourceRef):
        return None
    others = named_on_pool(world, IDP_TYPE).listing(MAX_PROVIDERS_LISTED)
    ctx.details["pool"] = pool
    ctx.details["known"] = "COGNITO" + (f", {others}" if others else "")
    return True


# -------------------------------------------------------------------------------------------------- COG-E027


def dependencies(world: World, logical_id: str) -> frozenset[str]:
    """Every resource ``logical_id`` waits for: ``DependsOn`` and references, followed transitively (once per
    template and resource: a client naming many providers asks for each)."""
    key = ("dependencies", logical_id)
    if key not in world.template.cache:
        world.template.cache[key] = frozenset(_dependencies(world, logical_id))
    return world.template.cache[key]  # type: ignore[no-any-return]


def _dependencies(world: World, logical_id: str) -> set[str]:
    resources = world.template.resources
    seen: set[str] = set()
    pending = [logical_id]
    while pending:
        current = pending.pop()
        resource = resources.get(current)
        if not isinstance(resource, dict):
            continue
        direct = set(depends_on(resource)) | resource_names(resource.get("Properties"))
        for name in direct:
            if name in resources and name not in seen and name != logical_id:
                seen.add(name)
                pending.append(name)
    return seen


@predicate("identity_provider_without_dependency", details=("provider",))
def identity_provider_without_dependency(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The name (``@``) is that of a provider defined in this template on the client's pool, and the client does
    not depend on that provider resource (neither ``Ref``/``GetAtt``/``Sub`` nor ``DependsOn``, transitively)."""
    name = item_value(ctx)
    if isinstance(name, Unknown) and not isinstance(name, ResourceRef):
        return None  # a name from a parameter may be a provider's name
    if not isinstance(name, str) or name == "COGNITO":
        return False  # a Ref to the provider is a dependency
    found, _unsure = providers_named(world, name)
    if not found:
        return False
    waits_for = dependencies(world, world.logical_id)
    missing = [candidate for candidate in found if candidate.logical_id not in waits_for]
    if not missing:
        return False
    if not all(candidate.certain for candidate in missing):
        return None
    ctx.details["provider"] = missing[0].logical_id
    return True


# -------------------------------------------------------------------------------------------------- COG-E028


@predicate("attribute_not_in_pool", details=("pool", "reason"))
def attribute_not_in_pool(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The attribute (``@``) is neither standard nor a custom attribute of the pool's ``Schema``."""
    name = item_value(ctx)
    if isinstance(name, Unknown):
        return None
    if not isinstance(name, str) or name in STANDARD_ATTRIBUTES:
        return False
    pool = client_pool(world)
    if pool is None or pool_is_opaque(world, pool):
        return None
    ctx.details["pool"] = pool
    custom = name.removeprefix("dev:").removeprefix("custom:") if name.startswith(("custom:", "dev:custom:")) else None
    if custom is None:
        ctx.details["reason"] = "it is not a standard attribute and has no custom: prefix"
        return True
    schema = resource_value(world, pool, "Schema", [])
    if not isinstance(schema, list):
        return None
    names: list[str] = []
    for entry in schema:
        attribute = entry.get("Name") if isinstance(entry, dict) else None
        if not isinstance(attribute, str):
            return None  # an entry whose name cannot be known may be this one
        if attribute.startswith("custom:") or attribute not in STANDARD_ATTRIBUTES | {"sub"}:
            names.append(attribute.removeprefix("custom:"))  # a standard name in Schema is the standard one
    if custom in names:
        return False
    declared = sorted(names)
    ctx.details["reason"] = Phrase(
        "the pool's ", Name("Schema", POOL_TYPE), f" declares no custom attribute {quote(custom)}",
        f" (it declares {', '.join(declared)})" if declared else " (it declares no custom attributes)",
    )
    return True


# -------------------------------------------------------------------------------------------------- COG-E031


@predicate(
    "pool_property_equals",
    details=("pool",),
    args={
        "property": Param(STRING, required=True, doc="a property of the user pool (AWS::Cognito::UserPool)"),
        "value": Param(LITERAL, required=True, doc="the value it is compared with, as text"),
    },
)
def pool_property_equals(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The pool (defined in this template) has ``args.property`` equal to ``args.value``; absent is not equal."""
    pool = client_pool(world)
    if pool is None:
        return None
    value = resource_value(world, pool, str(args["property"]))
    if value is None:
        return False
    if isinstance(value, Unknown):
        return None
    ctx.details["pool"] = pool
    return to_text(value) == to_text(args["value"])


# -------------------------------------------------------------------------------------------------- COG-S018


#: Attributes no app client may list in WriteAttributes (COG-E029: an error for the first two, a warning for sub):
#: COG-S018 never advises adding them (tests/test_advice.py checks the two lists agree).
CLIENT_UNWRITABLE_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified", "sub"})


@predicate("idp_mapped_attributes_not_writable", details=("provider", "missing"))
def idp_mapped_attributes_not_writable(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The provider (``@``), defined in this template, maps attributes the client's ``WriteAttributes`` lacks."""
    writable = world.view.data.get("WriteAttributes")
    if writable is None:
        return False  # absent: every standard attribute is writable (COG-S017's concern)
    if isinstance(writable, Unknown):
        return None
    writable = writable if isinstance(writable, list) else [writable]
    name = item_value(ctx)
    if isinstance(name, Unknown) and not isinstance(name, ResourceRef):
        return None
    if name == "COGNITO" or not isinstance(name, str | ResourceRef):
        return False
    found, unsure = providers_named(world, name)
    certain = [candidate for candidate in found if candidate.certain]
    if not certain:
        return None if found or (unsure and isinstance(name, str)) else False
    provider = certain[0].logical_id
    mapping = resource_value(world, provider, "AttributeMapping", {})
    if isinstance(mapping, Unknown):
        return None
    if not isinstance(mapping, dict):
        return False
    mapped = [
        key for key, value in mapping.items()
        if key != "username" and key not in CLIENT_UNWRITABLE_ATTRIBUTES and isinstance(value, str | Unknown)
    ]
    missing = [key for key in mapped if key not in writable]
    if not missing:
        return False
    if any(isinstance(item, Unknown) for item in writable):
        return None
    ctx.details["provider"] = provider
    ctx.details["missing"] = ", ".join(missing)
    return True


# -------------------------------------------------------------------------------------------------- COG-E035


def required_attributes(world: World, pool: str) -> list[str] | None:
    """Names of the attributes the pool's ``Schema`` marks ``Required``; None when that cannot be known."""
    schema = resource_value(world, pool, "Schema", [])
    if not isinstance(schema, list):
        return None
    names: list[str] = []
    for entry in schema:
        if not isinstance(entry, dict):
            return None
        name, required = entry.get("Name"), entry.get("Required", False)
        if isinstance(required, Unknown) or (isinstance(name, Unknown) and required is not False):
            return None
        if to_text(required) in ("true", "True") or required is True:
            if not isinstance(name, str):
                return None
            names.append(name)
    return names


@predicate("required_attribute_not_writable", details=("pool", "missing", "meant", NO_FIX))
def required_attribute_not_writable(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """``WriteAttributes`` is set and leaves out an attribute the client's pool (defined here) marks ``Required``.
    Leaves ``meant`` when one attribute is missing (the fix adds it), else ``no_fix``."""
    writable = world.view.data.get("WriteAttributes")
    if writable is None:
        return False  # absent: the client may write every standard attribute (required ones are standard)
    if isinstance(writable, Unknown):
        return None
    writable = writable if isinstance(writable, list) else [writable]
    pool = client_pool(world)
    if pool is None or pool_is_opaque(world, pool):
        return None
    required = required_attributes(world, pool)
    if required is None:
        return None
    missing = [name for name in required if name not in writable]
    if not missing:
        return False
    if any(isinstance(item, Unknown) for item in writable):
        return None
    ctx.details["pool"] = pool
    ctx.details["missing"] = ", ".join(missing)
    if len(missing) == 1:
        ctx.details["meant"] = missing[0]
    else:
        ctx.details[NO_FIX] = f"{len(missing)} required attributes are missing: add each of them"
    return True
