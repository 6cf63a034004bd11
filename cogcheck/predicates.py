"""Named, typed predicates for what a JSONPath over one client cannot say: the other resources of the template.

Each predicate answers ``True`` (the bad pattern holds), ``False`` or ``None`` (cannot be known: an imported pool,
a provider from another stack, an unresolvable value). Predicates may leave words for the message in
``ctx.details`` (``{detail.NAME}`` in a rule's message).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cogcheck.client import ClientView
from cogcheck.expr import EvalContext, Verdict
from cogcheck.parse import Template
from cogcheck.resolve import Resolver, parameter_candidates, references
from cogcheck.values import NO_VALUE, ResourceRef, Unknown, to_text


@dataclass
class World:
    """What a predicate may look at: the client, its template, and the scenario's resolver."""

    template: Template
    resolver: Resolver
    logical_id: str
    view: ClientView
    settings: Mapping[str, Any] = field(default_factory=dict)  # ScanOptions.settings: policy knobs
    stack: str | None = None  # the input's stack name (CDK assemblies), for per-stack policy

    @property
    def resource(self) -> dict[str, Any]:
        return self.template.resources[self.logical_id]  # type: ignore[no-any-return]

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.template.resources.items()
            if isinstance(resource, dict) and resource.get("Type") == resource_type
        }

    def pool(self) -> tuple[str, dict[str, Any]] | None:
        """The client's user pool when it is defined in this template (``UserPoolId: !Ref Pool``)."""
        return self.pool_of(self.view.data.get("UserPoolId"))

    def pool_of(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        if isinstance(value, ResourceRef):
            resource = self.template.resources.get(value.logical_id)
            if isinstance(resource, dict) and resource.get("Type") == "AWS::Cognito::UserPool":
                return value.logical_id, resource
        return None

    def properties(self, logical_id: str) -> dict[str, Any] | Unknown:
        """A resource's properties resolved under the client's scenario."""
        resource = self.template.resources.get(logical_id, {})
        value = self.resolver.value(resource.get("Properties", {})) if isinstance(resource, dict) else {}
        return value if isinstance(value, dict | Unknown) else Unknown("Properties is not a mapping")


PredicateFn = Callable[[World, Mapping[str, Any], EvalContext], Verdict]
PREDICATES: dict[str, PredicateFn] = {}


def predicate(name: str) -> Callable[[PredicateFn], PredicateFn]:
    def register(function: PredicateFn) -> PredicateFn:
        PREDICATES[name] = function
        return function

    return register


# ---------------------------------------------------------------------------------------------------------------
# Cross-resource predicates of the deploy-time rules (COG-E018, E026, E027, E028, E031) and COG-S018.
#
# "The pool" is the client's user pool when it is defined in this template. A resource server or identity provider
# is "on the pool" when its own UserPoolId is the same pool. Whatever cannot be known — an imported pool, a name
# from a parameter without a default, a resource whose Condition cannot be decided, a nested stack or custom
# resource that is handed the pool and may add providers or scopes to it — makes the predicate abstain (None).

IDP_TYPE = "AWS::Cognito::UserPoolIdentityProvider"
SERVER_TYPE = "AWS::Cognito::UserPoolResourceServer"
POOL_TYPE = "AWS::Cognito::UserPool"

STANDARD_SCOPES = ("phone", "email", "openid", "profile", "aws.cognito.signin.user.admin")
_SCOPE_CHARS = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")

#: Attributes every user pool has (CATALOGUE COG-E028); ``sub`` is not among the ones a client may list.
STANDARD_ATTRIBUTES = frozenset(
    {
        "address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name", "locale",
        "middle_name", "name", "nickname", "phone_number", "phone_number_verified", "picture", "preferred_username",
        "profile", "updated_at", "website", "zoneinfo",
    }
)

#: Resource types that may add identity providers, resource servers or attributes to a pool they are handed.
_OPAQUE_TYPES = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application", "AWS::CloudFormation::CustomResource")

PoolKey = tuple[str, str]  # ("pool", logical id) | ("literal", pool id) | ("expr", canonical JSON of the intrinsic)


def _resource_names(node: Any) -> set[str]:
    """Logical ids (and parameter names) a raw node points at with ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub``."""
    names: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if len(item) == 1:
            ((key, arg),) = item.items()
            if key == "Ref" and isinstance(arg, str):
                names.add(arg)
            elif key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                target = parts[0] if isinstance(parts, list) and parts else None
                if isinstance(target, str):
                    names.add(target)
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg else None
                if isinstance(text, str):
                    for variable in _SUB_VARIABLE.findall(text):
                        if not variable.startswith("!"):
                            names.add(variable.strip().split(".", 1)[0])
        stack.extend(item.values())
    return names


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _depends_on(resource: Any) -> list[str]:
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


def client_pool(world: World) -> str | None:
    """Logical id of the client's user pool when the pool is defined in this template."""
    key = pool_key(world, world.logical_id)
    return key[1] if key is not None and key[0] == "pool" else None


def pool_is_opaque(world: World, pool: str) -> str | None:
    """A nested stack or custom resource that is handed the pool and may add to it (its logical id), if any."""
    for logical_id, resource in world.template.resources.items():
        if not isinstance(resource, dict):
            continue
        kind = str(resource.get("Type", ""))
        props = resource.get("Properties")
        if (
            (kind in _OPAQUE_TYPES or kind.startswith("Custom::"))
            and pool in _resource_names(props)
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


@dataclass(frozen=True)
class Candidate:
    """A resource of the template that may be the one a client names: ``certain`` when it surely is."""

    logical_id: str
    certain: bool


def _on_pool(world: World, logical_id: str, key: PoolKey | None) -> bool | None:
    exists = resource_exists(world, logical_id)
    if exists is False:
        return False
    on_pool = same_pool(key, pool_key(world, logical_id))
    if on_pool is False:
        return False
    return True if exists and on_pool else None


def providers_named(world: World, name: Any) -> tuple[list[Candidate], bool]:
    """Identity providers of the template on the client's pool that may carry ``name``.

    Returns the candidates and whether some provider's name (or pool) cannot be known.
    """
    key = pool_key(world, world.logical_id)
    found: list[Candidate] = []
    unsure = False
    for logical_id in sorted(world.resources_of_type(IDP_TYPE)):
        on_pool = _on_pool(world, logical_id, key)
        if on_pool is False:
            continue
        if isinstance(name, ResourceRef) and name.logical_id == logical_id:
            found.append(Candidate(logical_id, on_pool is True))
            continue
        provider_name = resource_value(world, logical_id, "ProviderName")
        if isinstance(provider_name, Unknown):
            unsure = True
        elif isinstance(name, str) and provider_name == name:
            found.append(Candidate(logical_id, on_pool is True))
    return found, unsure


def _item(ctx: EvalContext) -> Any:
    return ctx.item.value if ctx.item is not None else None


def _quote(value: Any) -> str:
    text = to_text(value)
    return json.dumps(text, ensure_ascii=False) if text is not None else "unknown"


# -------------------------------------------------------------------------------------------------- COG-E018


@predicate("oauth_scope_unknown")
def oauth_scope_unknown(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The scope (``@``) is well formed but neither a standard scope nor one of a resource server on the pool.

    Malformed scopes are left to the rule's syntactic checks. With the pool outside the template only "has no
    ``/``" can be known.
    """
    scope = _item(ctx)
    if isinstance(scope, Unknown):
        return None
    if not isinstance(scope, str) or not _SCOPE_CHARS.match(scope) or scope in STANDARD_SCOPES:
        return False
    if "/" not in scope:
        ctx.details["reason"] = "it is not a standard scope and has no resource-server prefix"
        return True
    identifier, _, scope_name = scope.rpartition("/")
    pool = client_pool(world)
    if pool is None or pool_is_opaque(world, pool):
        return None
    key = pool_key(world, world.logical_id)
    unsure = False
    servers: list[str] = []
    for logical_id in sorted(world.resources_of_type(SERVER_TYPE)):
        on_pool = _on_pool(world, logical_id, key)
        if on_pool is False:
            continue
        server_id = resource_value(world, logical_id, "Identifier")
        if isinstance(server_id, Unknown):
            unsure = True
            continue
        if server_id != identifier:
            continue
        names = _scope_names(resource_value(world, logical_id, "Scopes", []))
        if names is None:
            unsure = True
        elif scope_name in names:
            if on_pool is True:
                return False
            unsure = True
        else:
            declared = ", ".join(sorted(n for n in names if isinstance(n, str))) or "no scopes"
            servers.append(f"{logical_id} declares {declared}")
            unsure = unsure or any(isinstance(n, Unknown) for n in names)
    if unsure:
        return None
    if servers:
        ctx.details["reason"] = (
            f"resource server {_quote(identifier)} on pool {pool} has no scope {_quote(scope_name)} "
            f"({'; '.join(servers)})"
        )
    else:
        ctx.details["reason"] = (
            f"no UserPoolResourceServer with Identifier {_quote(identifier)} is defined on pool {pool}"
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


@predicate("identity_provider_name_malformed")
def identity_provider_name_malformed(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The provider name (``@``) is empty, longer than 32 characters or holds a control/unassigned character."""
    name = _item(ctx)
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


@predicate("identity_provider_unknown")
def identity_provider_unknown(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """No identity provider of this name (``@``) exists on the client's pool, which is defined in this template."""
    name = _item(ctx)
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
    others = sorted(
        str(value)
        for logical_id in world.resources_of_type(IDP_TYPE)
        if isinstance(value := resource_value(world, logical_id, "ProviderName"), str)
        and _on_pool(world, logical_id, pool_key(world, world.logical_id))
    )
    ctx.details["pool"] = pool
    ctx.details["known"] = "COGNITO" + "".join(f", {other}" for other in others)
    return True


# -------------------------------------------------------------------------------------------------- COG-E027


def dependencies(world: World, logical_id: str) -> set[str]:
    """Every resource ``logical_id`` waits for: ``DependsOn`` and references, followed transitively."""
    resources = world.template.resources
    seen: set[str] = set()
    pending = [logical_id]
    while pending:
        current = pending.pop()
        resource = resources.get(current)
        if not isinstance(resource, dict):
            continue
        direct = set(_depends_on(resource)) | _resource_names(resource.get("Properties"))
        for name in direct:
            if name in resources and name not in seen and name != logical_id:
                seen.add(name)
                pending.append(name)
    return seen


@predicate("identity_provider_without_dependency")
def identity_provider_without_dependency(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The name (``@``) is that of a provider defined in this template on the client's pool, and the client does
    not depend on that provider resource (neither ``Ref``/``GetAtt``/``Sub`` nor ``DependsOn``, transitively)."""
    name = _item(ctx)
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


@predicate("attribute_not_in_pool")
def attribute_not_in_pool(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The attribute (``@``) is neither standard nor a custom attribute of the pool's ``Schema``."""
    name = _item(ctx)
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
    ctx.details["reason"] = (
        f"the pool's Schema declares no custom attribute {_quote(custom)}"
        + (f" (it declares {', '.join(declared)})" if declared else " (it declares no custom attributes)")
    )
    return True


# -------------------------------------------------------------------------------------------------- COG-E031


@predicate("pool_property_equals")
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


@predicate("idp_mapped_attributes_not_writable")
def idp_mapped_attributes_not_writable(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The provider (``@``), defined in this template, maps attributes the client's ``WriteAttributes`` lacks."""
    writable = world.view.data.get("WriteAttributes")
    if writable is None:
        return False  # absent: every standard attribute is writable (COG-S017's concern)
    if isinstance(writable, Unknown):
        return None
    writable = writable if isinstance(writable, list) else [writable]
    name = _item(ctx)
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
    mapped = [key for key, value in mapping.items() if key != "username" and isinstance(value, str | Unknown)]
    missing = [key for key in mapped if key not in writable]
    if not missing:
        return False
    if any(isinstance(item, Unknown) for item in writable):
        return None
    ctx.details["provider"] = provider
    ctx.details["missing"] = ", ".join(missing)
    return True
