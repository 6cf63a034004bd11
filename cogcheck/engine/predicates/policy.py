"""Predicates of the security / best-practice rules (COG-S0xx) that a JSONPath over one client cannot express.

They register in :data:`cogcheck.engine.predicates.base.PREDICATES` on import (``load_rules`` imports this module).
Each answers ``True`` (the bad pattern holds), ``False`` (it does not) or ``None`` (it cannot be known).

Convention for predicates that only *raise a severity* (a rule has a lower-severity check for the same finding):
``args.if_unknown`` (a boolean) is answered instead of ``None``, so the lower-severity check can still fire when
the raising condition cannot be decided — the two checks stay mutually exclusive and the finding is not lost.

Settings come from :attr:`cogcheck.engine.predicates.base.World.policy` (a :class:`cogcheck.model.policy.Policy`):
``production`` and ``production_stacks`` (globs matched with ``fnmatch``, case-insensitive, against the stack name
and the file path; COG-S009), ``placeholder_hosts`` (COG-S010; None means :data:`DEFAULT_PLACEHOLDER_HOSTS`, a name
also covers its subdomains), ``previous`` and ``scan_roots`` (COG-S020: the previous version of the scanned
template, or a directory that mirrors the scanned directory).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from cogcheck.cfn.parse import Template, TemplateError, parse_template
from cogcheck.cfn.resolve import Resolver
from cogcheck.cfn.types import CLIENT_TYPE, SERVERLESS_FUNCTION
from cogcheck.cfn.values import ResourceRef, Unknown, to_bool
from cogcheck.engine.expr import EvalContext, Verdict
from cogcheck.engine.predicates.base import World, client_pool, pool_is_opaque, predicate, resource_value
from cogcheck.engine.signatures import IF_UNKNOWN
from cogcheck.model.policy import Policy

#: Reserved example names (RFC 2606 / RFC 6761) and the usual "your domain here" hosts. ``example.org`` and
#: ``example.net`` are left out on purpose: they are commonly used as stand-ins for a real domain in documentation
#: and tests, whether they count as placeholders is a policy choice (add them with the ``placeholder_hosts`` setting).
DEFAULT_PLACEHOLDER_HOSTS: tuple[str, ...] = (
    "example.com",
    "example",
    "invalid",
    "test",
    "yourdomain.com",
    "your-domain.com",
    "mydomain.com",
    "my-domain.com",
)

CUSTOM_AUTH_TRIGGERS = ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")
IDENTIFIER_ATTRIBUTES = ("email", "phone_number")

_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "127.0.0.0/8",  # loopback
        "10.0.0.0/8",  # RFC 1918
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",  # link-local
        "::1/128",
        "fe80::/10",
        "fc00::/7",  # unique local (the IPv6 counterpart of RFC 1918)
    )
)


def _or_default(verdict: Verdict, args: Mapping[str, Any]) -> Verdict:
    """``args.if_unknown`` in place of an undecidable answer (see the module docstring)."""
    if verdict is None and isinstance(args.get("if_unknown"), bool):
        return bool(args["if_unknown"])
    return verdict


def item_value(ctx: EvalContext) -> Any:
    return ctx.item.value if ctx.item is not None else None


# ------------------------------------------------------------------------------------------------- redirect URLs


@lru_cache(maxsize=4096)  # a pure function of the text; a scan's clients repeat their URLs
def url_host(url: str) -> str | None:
    """The lower-case host of an absolute URL (IPv6 without brackets, no trailing dot); None when there is none."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.rstrip(".") or None


@lru_cache(maxsize=4096)
def is_local_host(host: str) -> bool:
    """``localhost``, ``*.localhost``, ``*.local``, or a loopback / RFC 1918 / link-local / unique-local address."""
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return any(address in network for network in _LOCAL_NETWORKS)


def host_in(host: str, names: Sequence[str]) -> str | None:
    """The entry of ``names`` that ``host`` is or is a subdomain of."""
    for name in names:
        entry = name.strip().lower().strip(".")
        if entry and (host == entry or host.endswith("." + entry)):
            return name
    return None


def _item_host(ctx: EvalContext) -> str | Verdict:
    """The host of the current ``for_each`` URL; ``None`` when it cannot be known, ``False`` when it has none."""
    url = item_value(ctx)
    if not isinstance(url, str):
        return None
    host = url_host(url)
    if host is None:
        return None if "://" in url else False
    return host


@predicate("local_redirect_host", details=("host",))
def local_redirect_host(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The current ``for_each`` URL points at a local, loopback or private-network host (any scheme)."""
    host = _item_host(ctx)
    if not isinstance(host, str):
        return host
    ctx.details["host"] = host
    return is_local_host(host)


@predicate("placeholder_host", details=("host", "placeholder"))
def placeholder_host(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The current ``for_each`` URL's host is a placeholder domain (setting ``placeholder_hosts``)."""
    host = _item_host(ctx)
    if not isinstance(host, str):
        return host
    names = world.policy.placeholder_hosts
    if names is None:
        names = tuple(DEFAULT_PLACEHOLDER_HOSTS)
    entry = host_in(host, [str(name) for name in names])
    if entry is None:
        return False
    ctx.details["host"] = host
    ctx.details["placeholder"] = entry
    return True


# ---------------------------------------------------------------------------------------------------- production


def input_names(world: World) -> list[str]:
    """What ``production_stacks`` globs are matched against: the stack name, the file path and the file name."""
    names = []
    if world.stack:
        names.append(world.stack)
    file = PurePosixPath(world.template.file.replace(os.sep, "/"))
    names += [file.as_posix(), file.name]
    return names


def is_production(world: World) -> tuple[bool, str]:
    """(whether the input is production, why) from the ``production`` / ``production_stacks`` settings."""
    if world.policy.production:
        return True, "every input is marked production"
    for pattern in world.policy.production_stacks:
        for name in input_names(world):
            if fnmatch.fnmatchcase(name.lower(), pattern.lower()):
                return True, f"it matches the production pattern {pattern!r}"
    return False, ""


@predicate("production_input", details=("production",))
def production_input(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The template or stack is marked production (settings ``production`` / ``production_stacks``)."""
    production, why = is_production(world)
    if production:
        ctx.details["production"] = why
    return production


# ------------------------------------------------------------------------------------------------------- the pool


def _visible_pool(world: World) -> str | None:
    """The client's pool when it is defined in this template and nothing else (a nested stack, a custom resource
    handed the pool) may change it behind the template's back."""
    pool = client_pool(world)
    if pool is None or pool_is_opaque(world, pool) is not None:
        return None
    return pool


@predicate("pool_lacks_custom_auth_triggers", args={"if_unknown": IF_UNKNOWN})
def pool_lacks_custom_auth_triggers(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The client's pool (defined in this template) has none of the custom-authentication Lambda triggers.

    ``None`` (or ``args.if_unknown``) when the pool is not in this template or its triggers cannot be known.
    """
    pool = _visible_pool(world)
    if pool is None:
        return _or_default(None, args)
    config = resource_value(world, pool, "LambdaConfig", {})
    if not isinstance(config, dict):
        return _or_default(None, args)
    if any(trigger in config for trigger in CUSTOM_AUTH_TRIGGERS):
        return False
    attached = _triggers_attached_elsewhere(world, pool)
    if attached is None:
        return _or_default(None, args)
    return not attached


def _trigger_names(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _triggers_attached_elsewhere(world: World, pool: str) -> bool | None:
    """Whether a custom-auth trigger reaches the pool other than by its ``LambdaConfig``: a SAM function's
    ``Cognito`` event, or a Serverless Framework ``cognitoUserPool`` event (which names pools in a way that cannot
    be matched: any such custom-auth event makes the answer unknown)."""
    for function in world.resources_of_type(SERVERLESS_FUNCTION):
        events = resource_value(world, function, "Events")
        if isinstance(events, Unknown):
            return None
        for event in events.values() if isinstance(events, dict) else ():
            if not isinstance(event, dict) or event.get("Type") != "Cognito":
                continue
            details = event.get("Properties")
            target = details.get("UserPool") if isinstance(details, dict) else None
            if not isinstance(target, ResourceRef):
                return None  # SAM wants a Ref to a pool of the same template; anything else cannot be matched
            if target.logical_id != pool:
                continue
            names = _trigger_names(details.get("Trigger")) if isinstance(details, dict) else None
            if names is None:
                return None
            if any(name in CUSTOM_AUTH_TRIGGERS for name in names):
                return True
    if world.template.serverless:
        functions = world.template.doc.get("functions")
        for definition in functions.values() if isinstance(functions, dict) else ():
            events = definition.get("events") if isinstance(definition, dict) else None
            for event in events if isinstance(events, list) else ():
                cognito = event.get("cognitoUserPool") if isinstance(event, dict) else None
                if isinstance(cognito, dict) and str(cognito.get("trigger")) in CUSTOM_AUTH_TRIGGERS:
                    return None
    return False


def _string_list(value: Any) -> list[str] | None:
    """A list of known strings ([] when absent); None when it (or an item) is unknown or not a list."""
    if value is None:
        return []
    if not isinstance(value, list) or any(not isinstance(item, str) for item in value):
        return None
    return list(value)


@predicate("pool_identifier_updatable_unverified", details=("identifiers",), args={"if_unknown": IF_UNKNOWN})
def pool_identifier_updatable_unverified(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The pool signs users in with ``email`` / ``phone_number`` (username or alias) and does not keep the old
    value until a new one is verified (no ``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate``).
    """
    pool = _visible_pool(world)
    if pool is None:
        return _or_default(None, args)
    username = _string_list(resource_value(world, pool, "UsernameAttributes"))
    alias = _string_list(resource_value(world, pool, "AliasAttributes"))
    settings = resource_value(world, pool, "UserAttributeUpdateSettings")
    if isinstance(settings, dict):
        verified = _string_list(settings.get("AttributesRequireVerificationBeforeUpdate"))
    else:
        verified = [] if settings is None else None
    identifiers = [a for a in IDENTIFIER_ATTRIBUTES if a in (username or []) + (alias or [])]
    if identifiers and verified == []:
        ctx.details["identifiers"] = identifiers
        return True
    if verified or (username is not None and alias is not None and not identifiers):
        return False
    return _or_default(None, args)


# --------------------------------------------------------------------------------------------------------- secret


@predicate("public_client", args={"if_unknown": IF_UNKNOWN})
def public_client(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """The client has no secret: ``GenerateSecret`` absent or false and no ``ClientSecret`` of the caller's choosing
    (``has_secret``)."""
    secret = world.view.data["effective"]["has_secret"]
    if isinstance(secret, bool):
        return not secret
    return _or_default(None, args)


# ---------------------------------------------------------------------------------------------- previous version

_PREVIOUS_CACHE: dict[tuple[str, int, int], Template | None] = {}


def previous_file(policy: Policy, file: str) -> Path | None:
    """The previous version of the scanned ``file``: the ``previous`` file itself (when ``file`` was named in the
    scan, or nothing tells), or the file at the same relative path under a ``previous`` directory (relative to the
    scanned root it was found under)."""
    previous = policy.previous
    if not previous:
        return None
    base = Path(str(previous))
    roots = policy.scan_roots
    if base.is_file():
        named = not roots or any(os.path.normpath(root) == os.path.normpath(file) for root in roots)
        return base if named else None
    if not base.is_dir():
        return None
    current = Path(file)
    candidates: list[Path] = []
    for root in roots:
        root_path = Path(root)
        if root_path.is_dir():
            try:
                relative = current.resolve().relative_to(root_path.resolve())
            except (ValueError, OSError):
                continue
            candidates.append(base / relative)
        elif os.path.normpath(root) == os.path.normpath(file):
            candidates.append(base / current.name)
    if not roots and not current.is_absolute():
        candidates.append(base / current)
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def load_previous(path: Path) -> Template | None:
    """The parsed previous template (cached per file version); None when it cannot be read or is not a template."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PREVIOUS_CACHE:
        try:
            template = parse_template(str(path), path.read_bytes(), suffix=path.suffix.lower())
        except (OSError, TemplateError, RecursionError):
            template = None
        _PREVIOUS_CACHE[key] = template
    return _PREVIOUS_CACHE[key]


def previous_generate_secret(template: Template, logical_id: str) -> bool | Unknown | None:
    """``GenerateSecret`` of the client in the previous template (default scenario): a boolean (absent = false),
    Unknown, or None when the previous template has no such client."""
    resource = template.resources.get(logical_id)
    if not isinstance(resource, dict) or resource.get("Type") != CLIENT_TYPE:
        return None
    props = Resolver(template).value(resource.get("Properties", {}))
    if not isinstance(props, dict):
        return Unknown("previous Properties cannot be resolved")
    if "GenerateSecret" not in props:
        return False
    value = props["GenerateSecret"]
    if isinstance(value, Unknown):
        return value
    flag = to_bool(value)
    return flag if flag is not None else Unknown("previous GenerateSecret is not a boolean")


@predicate("generate_secret_changed", details=("before", "after", "previous"))
def generate_secret_changed(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """``GenerateSecret`` differs from the previous version of the template (setting ``previous``).

    ``None`` without a previous version, for a client that is new, or when either value is unknown.
    """
    path = previous_file(world.policy, world.template.file)
    if path is None:
        return None
    template = load_previous(path)
    if template is None:
        return None
    before = previous_generate_secret(template, world.logical_id)
    after = world.view.data["effective"]["generate_secret"]
    if not isinstance(before, bool) or not isinstance(after, bool):
        return None
    ctx.details.update(before=before, after=after, previous=str(path))
    return before != after
