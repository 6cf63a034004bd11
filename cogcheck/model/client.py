"""One normalized view of a user pool client: resolved properties plus effective values (CATALOGUE §1.2–1.3).

Rules read the view, never the template: units and service defaults are applied here and only here. Defaults
apply to *absent* properties, never to unknown ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cogcheck.cfn.names import Name, Phrase
from cogcheck.cfn.parse import PathT
from cogcheck.cfn.values import Unknown, to_bool, to_number, to_text
from cogcheck.model.policy import Policy

UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}

#: token → (value property, unit key, default unit, default value in seconds)
TOKENS = {
    "access_token": ("AccessTokenValidity", "AccessToken", "hours", 3600),
    "id_token": ("IdTokenValidity", "IdToken", "hours", 3600),
    "refresh_token": ("RefreshTokenValidity", "RefreshToken", "days", 30 * 86400),
}

DEFAULT_AUTH_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]


@dataclass
class ClientView:
    """A client under one scenario. ``data`` is what rules select from with JSONPath."""

    logical_id: str
    data: dict[str, Any]
    origins: dict[PathT, PathT]

    @property
    def properties(self) -> dict[str, Any]:
        return self.data


def human_duration(seconds: int | float) -> str:
    """``90000`` → ``1 day 1 hour``; ``240`` → ``4 minutes``."""
    if seconds < 0 or not float(seconds).is_integer():
        return f"{seconds:g} seconds"
    remaining = int(seconds)
    if remaining == 0:
        return "0 seconds"
    parts = []
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    return " ".join(parts)


def _amount(value: int | float, unit: str) -> str:
    singular = unit[:-1] if unit.endswith("s") else unit
    return f"{value:g} {singular if value == 1 else unit}"


def token_validity(props: dict[str, Any], token: str) -> dict[str, Any]:
    """Effective lifetime of one token: ``seconds`` (or Unknown), ``text`` and how it was derived."""
    value_key, unit_key, default_unit, default_seconds = TOKENS[token]
    units = props.get("TokenValidityUnits")
    unit_given = isinstance(units, dict) and unit_key in units
    if value_key not in props:
        return dict(_DEFAULT_VALIDITY[token])
    raw = props[value_key]
    number = to_number(raw)
    if isinstance(units, Unknown):
        unit: Any = units
    else:
        unit = units[unit_key] if unit_given else default_unit  # type: ignore[index]
    if isinstance(raw, Unknown) or isinstance(unit, Unknown):
        reason = raw.reason if isinstance(raw, Unknown) else unit.reason
        return {"seconds": Unknown(reason), "text": "unknown", "derivation": reason, "explicit": True}
    if number is None or not isinstance(unit, str) or unit not in UNIT_SECONDS:
        why = "not a number" if number is None else f"unit {to_text(unit)!r} is not valid"
        return {"seconds": Unknown(why), "text": "invalid", "derivation": why, "explicit": True}
    derivation = (
        Phrase(Name(f"TokenValidityUnits.{unit_key}"), f" is {unit}") if unit_given
        else f"{default_unit} is the default unit"
    )
    if number == 0 and token == "refresh_token":  # noqa: S105 - a token name, not a secret
        # The API reads 0 as "use the default" (CloudFormation's schema rejects it: COG-E003 says so).
        return {
            "seconds": default_seconds,
            "value": 0,
            "text": "0 (read by Cognito as the 30-day default)",
            "derivation": derivation,
            "explicit": True,
        }
    return {
        "seconds": number * UNIT_SECONDS[unit],
        "value": number,
        "text": _amount(number, unit),
        "derivation": derivation,
        "explicit": True,
    }


#: token → its entry when its validity is not set (copied per view)
_DEFAULT_VALIDITY = {
    token: {
        "seconds": default_seconds,
        "text": human_duration(default_seconds),
        "derivation": Phrase("the default, as ", Name(value_key), " is not set"),
        "explicit": False,
    }
    for token, (value_key, _unit_key, _default_unit, default_seconds) in TOKENS.items()
}


def _list(props: dict[str, Any], key: str, default: list[Any] | None = None) -> Any:
    if key not in props:
        return list(default or [])
    value = props[key]
    if isinstance(value, Unknown | list):
        return value
    return [value]  # a scalar where a list belongs: CloudFormation rejects it, but do not crash


def _flag(props: dict[str, Any], key: str, default: bool) -> Any:
    if key not in props:
        return default
    value = props[key]
    if isinstance(value, Unknown):
        return value
    flag = to_bool(value)
    return flag if flag is not None else Unknown(Phrase(Name(key), " is not a boolean"))


def _text(props: dict[str, Any], key: str, default: str) -> Any:
    if key not in props:
        return default
    value = props[key]
    return value if isinstance(value, Unknown) else to_text(value)


OAUTH_SETTINGS = ("AllowedOAuthFlows", "AllowedOAuthScopes", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI")


def _oauth_settings(props: dict[str, Any]) -> Any:
    """Names of the OAuth settings that are set (non-empty); Unknown when only unknown ones could be."""
    known = [Name(key) for key in OAUTH_SETTINGS if key in props and not isinstance(props[key], Unknown) and props[key]]
    unknown = [props[key] for key in OAUTH_SETTINGS if isinstance(props.get(key), Unknown)]
    if not known and unknown:
        return unknown[0]
    return known


#: ExplicitAuthFlows through which no user signs in to this client (refreshing, M2M tokens, token exchange).
NON_SIGN_IN_FLOWS = frozenset(
    {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CLIENT_TOKEN_AUTH", "ALLOW_TOKEN_EXCHANGE_DELEGATION",
     "ALLOW_TOKEN_EXCHANGE_IMPERSONATION"}
)
USER_OAUTH_FLOWS = ("code", "implicit")


def _has_secret(props: dict[str, Any]) -> Any:
    """A client secret: generated (``GenerateSecret``) or given (``ClientSecret``, which the API accepts)."""
    generate = _flag(props, "GenerateSecret", False)
    if generate is True:
        return True
    given = props.get("ClientSecret")
    if given is not None and not isinstance(given, Unknown):
        return True
    if isinstance(given, Unknown):
        return given
    return generate


def client_role(effective: Mapping[str, Any], explicit_flows_set: bool) -> Any:
    """What kind of client this is, from its settings (an :class:`Unknown` when a setting it needs is unknown).

    * ``machine``: machine-to-machine — ``client_credentials`` is its only OAuth flow and it chose no flow a user
      signs in with (``ExplicitAuthFlows`` absent, or only refresh/client-token/token-exchange flows), or
      ``ALLOW_CLIENT_TOKEN_AUTH`` is its only flow and it has no code/implicit grant.
    * ``server``: users sign in (a code/implicit grant or a sign-in flow such as SRP) and it has a secret:
      a confidential server-side app.
    * ``native``: users sign in, no secret, and a callback URL with a custom scheme (``myapp://``): a mobile or
      desktop app.
    * ``public``: users sign in, no secret: a browser app (SPA) or a mobile app using the SDK.
    * ``none``: no flow signs a user in and it is not a client-credentials client (e.g. only
      ``ALLOW_REFRESH_TOKEN_AUTH`` and OAuth off).
    """
    oauth_on, oauth_flows = effective["oauth_enabled"], effective["oauth_flows"]
    flows = effective["explicit_auth_flows"]
    for value in (oauth_on, oauth_flows, flows):
        if isinstance(value, Unknown):
            return value
    oauth_flows = [f for f in oauth_flows if f is not None] if oauth_on is True else []
    if any(isinstance(f, Unknown) for f in [*oauth_flows, *flows]):
        return Unknown("an OAuth or auth flow is unknown")
    user_oauth = any(f in USER_OAUTH_FLOWS for f in oauth_flows)
    sign_in_flows = [f for f in flows if isinstance(f, str) and f not in NON_SIGN_IN_FLOWS]
    machine_oauth = "client_credentials" in oauth_flows and not user_oauth
    if machine_oauth and (not explicit_flows_set or not sign_in_flows):
        return "machine"
    if flows == ["ALLOW_CLIENT_TOKEN_AUTH"] and not user_oauth:
        return "machine"
    if not user_oauth and not sign_in_flows:
        return "none"
    secret = effective["has_secret"]
    if isinstance(secret, Unknown):
        return secret
    if secret:
        return "server"
    callbacks = effective["callback_urls"]
    if isinstance(callbacks, Unknown):
        return callbacks if user_oauth else "public"
    schemes = {url.split(":", 1)[0].lower() for url in callbacks if isinstance(url, str) and ":" in url}
    return "native" if user_oauth and schemes - {"http", "https"} else "public"


def role_name(role: Any) -> str:
    """The role as reported (``client_role`` in JSON): ``unknown`` when a setting it depends on is unknown."""
    return role if isinstance(role, str) else "unknown"


def effective_values(props: dict[str, Any]) -> dict[str, Any]:
    rotation = props.get("RefreshTokenRotation")
    if isinstance(rotation, dict):
        feature = _text(rotation, "Feature", "DISABLED")
    elif isinstance(rotation, Unknown):
        feature = rotation
    else:
        feature = "DISABLED"
    session = props.get("AuthSessionValidity", 3)
    callback_urls = _list(props, "CallbackURLs")
    logout_urls = _list(props, "LogoutURLs")
    return {
        **{token: token_validity(props, token) for token in TOKENS},
        "auth_session_minutes": session if isinstance(session, Unknown) else to_number(session),
        "generate_secret": _flag(props, "GenerateSecret", False),
        "oauth_enabled": _flag(props, "AllowedOAuthFlowsUserPoolClient", False),
        "oauth_flows": _list(props, "AllowedOAuthFlows"),
        "oauth_scopes": _list(props, "AllowedOAuthScopes"),
        "callback_urls": callback_urls,
        "logout_urls": logout_urls,
        "explicit_auth_flows": _list(props, "ExplicitAuthFlows", DEFAULT_AUTH_FLOWS),
        "prevent_user_existence_errors": _text(props, "PreventUserExistenceErrors", "LEGACY"),
        "enable_token_revocation": _flag(props, "EnableTokenRevocation", True),
        "propagate_user_context_data": _flag(props, "EnablePropagateAdditionalUserContextData", False),
        "refresh_token_rotation": feature,
        "supported_identity_providers": _list(props, "SupportedIdentityProviders"),
        "oauth_settings": _oauth_settings(props),
        "has_secret": _has_secret(props),
    }


#: keys of a token's entry in ``$.effective`` (``value`` only when the property is set)
TOKEN_VALIDITY_KEYS = ("seconds", "value", "text", "derivation", "explicit")

#: every key of ``$.effective`` → the keys under it when it is a mapping (rules are checked against this at load)
EFFECTIVE_KEYS: dict[str, tuple[str, ...]] = {
    key: TOKEN_VALIDITY_KEYS if key in TOKENS else () for key in [*effective_values({}), "role"]
}


#: the last policy views were built for, and its ``$.policy``: a policy is frozen, and rules only read the view
_RULES_POLICY: list[tuple[Policy, dict[str, Any]]] = []


def _for_rules(policy: Policy | None) -> dict[str, Any]:
    """``$.policy`` of ``policy``, made once for the views of a scan (they share it)."""
    if policy is None:
        policy = _DEFAULT_POLICY
    if not _RULES_POLICY or _RULES_POLICY[0][0] is not policy:
        _RULES_POLICY[:] = [(policy, policy.for_rules())]
    return _RULES_POLICY[0][1]


_DEFAULT_POLICY = Policy()


def build_view(
    logical_id: str, props: dict[str, Any], origins: dict[PathT, PathT], policy: Policy | None = None
) -> ClientView:
    data = dict(props)
    effective = effective_values(props)
    effective["role"] = client_role(effective, "ExplicitAuthFlows" in props)
    data["effective"] = effective
    data["policy"] = _for_rules(policy)
    return ClientView(logical_id, data, origins)
