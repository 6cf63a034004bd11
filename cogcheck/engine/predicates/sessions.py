"""Predicates of the 2026 surface: the session configuration rules (COG-E039, E040, E041) and COG-E042's
caller-chosen ``ClientSecret``.

``AWS::Cognito::UserPoolClientSessionConfigurationAttachment`` configures one app client's SSO session reuse;
``AWS::Cognito::UserPoolSessionConfigurationAttachment`` turns session tracking on or off for a pool. Both are
checked while checking a client of the template: the client attachments that name the client (``ClientId: !Ref
Client`` or ``!GetAtt Client.ClientId``), and the pool attachments on the client's pool. A finding is the
attachment's own (a :class:`~cogcheck.engine.predicates.base.Subject`): it points at the attachment's property, and
a pool attachment found through several clients is reported once (:mod:`cogcheck.scan.check`). An attachment that
names no client of the template (a literal or imported client id) is not checked: nothing says which client it is.

The facts (bounds, values, tiers) are :mod:`cogcheck.model.sessions`'s, read from the API model. Whatever cannot be
known — a resource whose ``Condition`` cannot be decided, an unresolvable value, a pool outside the template or one a
nested stack or custom resource is handed — makes the predicate abstain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cogcheck.cfn.names import Name, Phrase
from cogcheck.cfn.types import CLIENT_SESSION_TYPE, POOL_SESSION_TYPE, POOL_TYPE
from cogcheck.cfn.values import Unknown, to_number, to_text
from cogcheck.engine.expr import EvalContext, Verdict
from cogcheck.engine.predicates.base import (
    SUBJECT,
    PoolKey,
    Subject,
    World,
    client_pool,
    pool_is_opaque,
    pool_key,
    pool_key_of_client,
    predicate,
    quote,
    resource_exists,
    resource_value,
    same_pool,
)
from cogcheck.engine.predicates.resources import dependencies
from cogcheck.model.sessions import (
    API_MODEL,
    CLIENT_SECRET_LENGTH,
    CLIENT_SECRET_PATTERN,
    SESSION_TRACKING,
    SSO_SESSION_DEFAULT_MINUTES,
    SSO_SESSION_MINUTES,
    TOKEN_SESSIONS_DEFAULT,
    TOKEN_SESSIONS_PER_USER,
)

_SECRET = re.compile(CLIENT_SECRET_PATTERN, re.ASCII)


def _named_client(raw: Any) -> str | None:
    """The client a ``ClientId`` written as ``!Ref Client`` or ``!GetAtt Client.ClientId`` names."""
    if not isinstance(raw, dict) or len(raw) != 1:
        return None
    if isinstance(raw.get("Ref"), str):
        return str(raw["Ref"])
    target = raw.get("Fn::GetAtt")
    if isinstance(target, str):
        target = target.split(".", 1)
    if isinstance(target, list) and len(target) == 2 and target[1] == "ClientId" and isinstance(target[0], str):
        return target[0]
    return None


def _raw(world: World, logical_id: str, key: str) -> Any:
    resource = world.template.resources.get(logical_id)
    props = resource.get("Properties") if isinstance(resource, dict) else None
    return props.get(key) if isinstance(props, dict) else None


def _by_client(world: World) -> dict[str, list[str]]:
    """Client logical id → the client attachments that name it, in template order (once per template: each client
    then looks at its own attachments only, so the work grows with the template, not with clients × attachments)."""
    key = ("session_attachments_by_client",)
    if key not in world.template.cache:
        index: dict[str, list[str]] = {}
        for logical_id in world.resources_of_type(CLIENT_SESSION_TYPE):
            client = _named_client(_raw(world, logical_id, "ClientId"))
            if client is not None:
                index.setdefault(client, []).append(logical_id)
        world.template.cache[key] = index
    return world.template.cache[key]  # type: ignore[no-any-return]


def client_attachments(world: World) -> list[str] | None:
    """The client attachments of this template that name the world's client and exist in its scenario (in template
    order); None when one that names it may or may not exist."""
    found: list[str] = []
    for logical_id in _by_client(world).get(world.logical_id, []):
        exists = resource_exists(world, logical_id)
        if exists is None:
            return None
        if exists:
            found.append(logical_id)
    return found


def _written_pool(world: World, raw: Any) -> PoolKey | None:
    """The pool a ``UserPoolId`` names as written, when that does not depend on the scenario: ``!Ref Pool`` or
    ``!GetAtt Pool.UserPoolId`` of a pool of the template, or a literal id."""
    if isinstance(raw, str):
        return ("literal", raw)
    if not isinstance(raw, dict) or len(raw) != 1:
        return None
    target = raw.get("Ref")
    if target is None:
        getatt = raw.get("Fn::GetAtt")
        getatt = getatt.split(".", 1) if isinstance(getatt, str) else getatt
        if isinstance(getatt, list) and len(getatt) == 2 and getatt[1] == "UserPoolId":
            target = getatt[0]
    resource = world.template.resources.get(target) if isinstance(target, str) else None
    if isinstance(resource, dict) and resource.get("Type") == POOL_TYPE:
        return ("pool", str(target))
    return None


def _pool_index(world: World) -> tuple[dict[PoolKey, list[str]], dict[str, list[str]], list[str]]:
    """The pool attachments by the pool they name as written; by the kind of that key; and the others (written
    with parameters or functions: compared client by client). Once per template."""
    key = ("pool_session_attachments",)
    if key not in world.template.cache:
        by_pool: dict[PoolKey, list[str]] = {}
        by_kind: dict[str, list[str]] = {}
        others: list[str] = []
        for logical_id in world.resources_of_type(POOL_SESSION_TYPE):
            written = _written_pool(world, _raw(world, logical_id, "UserPoolId"))
            if written is None:
                others.append(logical_id)
            else:
                by_pool.setdefault(written, []).append(logical_id)
                by_kind.setdefault(written[0], []).append(logical_id)
        world.template.cache[key] = (by_pool, by_kind, others)
    return world.template.cache[key]  # type: ignore[no-any-return]


def pool_attachments(world: World) -> list[str] | None:
    """The pool attachments on the client's pool that exist in the scenario; None when that cannot be known."""
    client_key = pool_key_of_client(world)
    by_pool, by_kind, others = _pool_index(world)
    if client_key is None or client_key[0] not in ("pool", "literal"):
        undecided = [*by_kind.get("pool", []), *by_kind.get("literal", []), *others]
        return None if any(resource_exists(world, a) is not False for a in undecided) else []
    other_kind = "literal" if client_key[0] == "pool" else "pool"
    if any(resource_exists(world, a) is not False for a in by_kind.get(other_kind, [])):
        return None  # a literal id may be the pool of the template, and the other way round
    found: list[str] = []
    written = by_pool.get(client_key, [])
    for index, logical_id in enumerate([*written, *others]):
        same = True if index < len(written) else same_pool(pool_key(world, logical_id), client_key)
        if same is False:
            continue
        exists = resource_exists(world, logical_id)
        if exists is None or (same is None and exists):
            return None
        if exists:
            found.append(logical_id)
    return found


def _pool_text(key: PoolKey | None) -> str:
    if key is None:
        return "unknown"
    return key[1] if key[0] == "pool" else quote(key[1]) if key[0] == "literal" else "an expression"


def _mark(ctx: EvalContext, attachment: str, *path: str | int) -> None:
    ctx.details["attachment"] = attachment
    ctx.details[SUBJECT] = Subject(attachment, tuple(path))


def _mark_client(world: World, ctx: EvalContext, attachment: str, *path: str | int) -> None:
    """:func:`_mark` for a client attachment: the message may name the client it configures."""
    _mark(ctx, attachment, *path)
    ctx.details["client"] = world.logical_id


def _integer_problem(value: Any, bounds: tuple[int, int]) -> str | None:
    """Why ``value`` is not a whole number within ``bounds`` (None when it is, or cannot be known)."""
    if isinstance(value, Unknown):
        return None
    number = to_number(value) if not isinstance(value, bool) else None
    low, high = bounds
    if number is None:
        return f"is {quote(value)}, not a number"
    if not float(number).is_integer():
        return f"is {number:g}, not a whole number"
    if not low <= number <= high:
        return f"is {number:g}"
    return None


def _pool_is_lite(world: World) -> tuple[str, str] | None:
    """(pool, tier) when the client's pool is defined here with ``UserPoolTier`` LITE (absent is ESSENTIALS)."""
    pool = client_pool(world)
    if pool is None:
        return None
    tier = resource_value(world, pool, "UserPoolTier")
    if tier is None or isinstance(tier, Unknown):
        return None
    text = to_text(tier)
    return (pool, str(text)) if text == "LITE" else None


# -------------------------------------------------------------------------------------------------- COG-E039


@predicate("client_session_other_pool", details=("attachment", "client", "pool", "client_pool", SUBJECT))
def client_session_other_pool(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A client attachment names this client but another user pool than the client's."""
    attachments = client_attachments(world)
    if attachments is None:
        return None
    client_key = pool_key_of_client(world)
    unsure = False
    for attachment in attachments:
        key = pool_key(world, attachment)
        same = same_pool(key, client_key)
        if same is False:
            _mark_client(world, ctx, attachment, "UserPoolId")
            ctx.details["pool"] = _pool_text(key)
            ctx.details["client_pool"] = _pool_text(client_key)
            return True
        unsure = unsure or same is None
    return None if unsure else False


@predicate("client_session_minutes_invalid", details=("attachment", "client", "reason", SUBJECT))
def client_session_minutes_invalid(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A client attachment of this client has no ``SSOSession.MaxValidityMinutes``, or one that is not a whole
    number of minutes within the API's bounds."""
    attachments = client_attachments(world)
    if attachments is None:
        return None
    unsure = False
    for attachment in attachments:
        session = resource_value(world, attachment, "SSOSession")
        if isinstance(session, Unknown):
            unsure = True
            continue
        if not isinstance(session, dict) or "MaxValidityMinutes" not in session:
            _mark_client(world, ctx, attachment, "SSOSession")
            ctx.details["reason"] = Phrase(
                Name("SSOSession.MaxValidityMinutes", CLIENT_SESSION_TYPE), " is missing (required)",
            )
            return True
        value = session["MaxValidityMinutes"]
        problem = _integer_problem(value, SSO_SESSION_MINUTES)
        if problem is not None:
            _mark_client(world, ctx, attachment, "SSOSession", "MaxValidityMinutes")
            ctx.details["reason"] = Phrase(
                Name("SSOSession.MaxValidityMinutes", CLIENT_SESSION_TYPE), f" {problem}; {API_MODEL} takes "
                f"{SSO_SESSION_MINUTES[0]} to {SSO_SESSION_MINUTES[1]} minutes (90 days)",
            )
            return True
        unsure = unsure or isinstance(value, Unknown)
    return None if unsure else False


@predicate("client_session_pool_lite", details=("attachment", "client", "pool", SUBJECT))
def client_session_pool_lite(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A client attachment of this client, and the client's pool (defined here) is in the Lite tier."""
    attachments = client_attachments(world)
    if not attachments:
        return None if attachments is None else False
    lite = _pool_is_lite(world)
    if lite is None:
        return None if client_pool(world) is None else False
    _mark_client(world, ctx, attachments[0], "UserPoolId")
    ctx.details["pool"] = lite[0]
    return True


@predicate("client_session_declares_default", details=("attachment", "client", SUBJECT))
def client_session_declares_default(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A client attachment of this client declares the service default (``MaxValidityMinutes`` 60), which the
    resource type's description says cannot be declared."""
    attachments = client_attachments(world)
    if attachments is None:
        return None
    unsure = False
    for attachment in attachments:
        session = resource_value(world, attachment, "SSOSession")
        value = session.get("MaxValidityMinutes") if isinstance(session, dict) else session
        if isinstance(value, Unknown):
            unsure = True
        elif _integer_problem(value, SSO_SESSION_MINUTES) is None and to_number(value) == SSO_SESSION_DEFAULT_MINUTES:
            _mark_client(world, ctx, attachment, "SSOSession", "MaxValidityMinutes")
            return True
    return None if unsure else False


# -------------------------------------------------------------------------------------------------- COG-E040


def _tracking(world: World, attachment: str) -> Any:
    return resource_value(world, attachment, "UserSessionTracking")


@predicate("sso_session_without_tracking", details=("attachment", "client", "pool", "reason", SUBJECT))
def sso_session_without_tracking(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A client attachment of this client, and nothing in the template turns session tracking on for the client's
    pool (defined here): no pool attachment on it, or each one sets ``UserSessionTracking`` to something else than
    ``ENABLED``."""
    attachments = client_attachments(world)
    if not attachments:
        return None if attachments is None else False
    pool = client_pool(world)
    if pool is None or pool_is_opaque(world, pool):
        return None  # the pool's session configuration may be made elsewhere
    pools = pool_attachments(world)
    if pools is None:
        return None
    settings = [_tracking(world, attachment) for attachment in pools]
    if any(isinstance(value, Unknown) for value in settings):
        return None
    if any(to_text(value) == "ENABLED" for value in settings):
        return False
    _mark_client(world, ctx, attachments[0], "SSOSession")
    ctx.details["pool"] = pool
    if not pools:
        ctx.details["reason"] = Phrase(
            "no ", Name(POOL_SESSION_TYPE, kind="type"), " on the pool turns it on (the service default is DISABLED)"
        )
    else:
        ctx.details["reason"] = Phrase(
            pools[0], " sets ", Name("UserSessionTracking", POOL_SESSION_TYPE), f" to {quote(settings[0])}"
        )
    return True


@predicate("sso_session_tracking_not_awaited", details=("attachment", "client", "pool_attachment", SUBJECT))
def sso_session_tracking_not_awaited(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A client attachment of this client does not depend (``DependsOn`` or a reference, transitively) on the pool
    attachment that turns session tracking on, so CloudFormation may create it first."""
    attachments = client_attachments(world)
    if not attachments:
        return None if attachments is None else False
    pools = pool_attachments(world)
    if pools is None:
        return None
    enabling = [attachment for attachment in pools if to_text(_tracking(world, attachment)) == "ENABLED"]
    for attachment in attachments:
        waits_for = dependencies(world, attachment)
        if enabling and not any(pool_attachment in waits_for for pool_attachment in enabling):
            _mark_client(world, ctx, attachment)
            ctx.details["pool_attachment"] = enabling[0]
            return True
    return False


# -------------------------------------------------------------------------------------------------- COG-E041


@predicate("pool_session_pool_lite", details=("attachment", "pool", SUBJECT))
def pool_session_pool_lite(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A pool attachment on the client's pool, which is defined here in the Lite tier."""
    pools = pool_attachments(world)
    if not pools:
        return None if pools is None else False
    lite = _pool_is_lite(world)
    if lite is None:
        return None if client_pool(world) is None else False
    _mark(ctx, pools[0], "UserPoolId")
    ctx.details["pool"] = lite[0]
    return True


@predicate("pool_session_value_invalid", details=("attachment", "pool", "reason", SUBJECT))
def pool_session_value_invalid(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A pool attachment on the client's pool lacks ``UserSessionTracking`` or ``TokenSession.MaxPerUser``, or has a
    value the API does not take (tracking is ENABLED or DISABLED; 1–100 token sessions per user)."""
    pools = pool_attachments(world)
    if pools is None:
        return None
    ctx.details["pool"] = _pool_text(pool_key_of_client(world))
    unsure = False
    for attachment in pools:
        tracking = _tracking(world, attachment)
        tracking_name = Name("UserSessionTracking", POOL_SESSION_TYPE)
        if tracking is None:
            _mark(ctx, attachment)
            ctx.details["reason"] = Phrase(tracking_name, " is missing (required)")
            return True
        if not isinstance(tracking, Unknown) and to_text(tracking) not in SESSION_TRACKING:
            _mark(ctx, attachment, "UserSessionTracking")
            ctx.details["reason"] = Phrase(
                tracking_name, f" is {quote(tracking)}; {API_MODEL} takes only {' or '.join(SESSION_TRACKING)}"
            )
            return True
        session = resource_value(world, attachment, "TokenSession")
        per_user = Name("TokenSession.MaxPerUser", POOL_SESSION_TYPE)
        if isinstance(session, Unknown):
            unsure = True
            continue
        if not isinstance(session, dict) or "MaxPerUser" not in session:
            _mark(ctx, attachment, "TokenSession")
            ctx.details["reason"] = Phrase(per_user, " is missing (required)")
            return True
        problem = _integer_problem(session["MaxPerUser"], TOKEN_SESSIONS_PER_USER)
        if problem is not None:
            _mark(ctx, attachment, "TokenSession", "MaxPerUser")
            low, high = TOKEN_SESSIONS_PER_USER
            ctx.details["reason"] = Phrase(per_user, f" {problem}; {API_MODEL} takes {low} to {high} sessions per user")
            return True
        unsure = unsure or isinstance(tracking, Unknown) or isinstance(session["MaxPerUser"], Unknown)
    return None if unsure else False



@predicate("pool_session_declares_default", details=("attachment", "pool", SUBJECT))
def pool_session_declares_default(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """A pool attachment on the client's pool declares the service default (tracking DISABLED with 20 token
    sessions per user), which the resource type's description says cannot be declared."""
    pools = pool_attachments(world)
    if pools is None:
        return None
    unsure = False
    for attachment in pools:
        tracking = _tracking(world, attachment)
        session = resource_value(world, attachment, "TokenSession")
        per_user = session.get("MaxPerUser") if isinstance(session, dict) else session
        if isinstance(tracking, Unknown) or isinstance(per_user, Unknown):
            unsure = True
        elif to_text(tracking) == "DISABLED" and per_user is not None and not isinstance(per_user, bool) and (
            to_number(per_user) == TOKEN_SESSIONS_DEFAULT
        ):
            _mark(ctx, attachment, "UserSessionTracking")
            ctx.details["pool"] = _pool_text(pool_key_of_client(world))
            return True
    return None if unsure else False


# -------------------------------------------------------------------------------------------------- COG-E042


@predicate("client_secret_malformed", details=("reason",))
def client_secret_malformed(world: World, args: Mapping[str, Any], ctx: EvalContext) -> Verdict:
    """``ClientSecret`` (``@``) is not 24–64 characters of ``[\\w+]`` (the API's ``ClientSecretType``, ASCII ``\\w``).
    The reason names its length, never its text: a secret is not repeated in a report."""
    value = ctx.item.value if ctx.item is not None else None
    if isinstance(value, Unknown) or value is None or isinstance(value, dict | list):
        return None if isinstance(value, Unknown) else False
    text = str(to_text(value))
    if "{{resolve:" in text:
        return None  # a dynamic reference: CloudFormation puts the secret in at deploy time
    low, high = CLIENT_SECRET_LENGTH
    if not low <= len(text) <= high:
        ctx.details["reason"] = f"is {len(text)} characters long; {API_MODEL} takes {low} to {high}"
        return True
    if not _SECRET.fullmatch(text):
        ctx.details["reason"] = f"holds a character other than ASCII letters, digits, _ and +, all {API_MODEL} takes"
        return True
    return False
