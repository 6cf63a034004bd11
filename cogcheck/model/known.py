"""The values cogcheck knows for each enumerated property, and how certain it is that another value is wrong.

This is the one place the policy lives (docs/vocabularies.md explains it for users). Unknown is not wrong: AWS adds
auth flows, OAuth flows and properties every few months, faster than any hard-coded list. But some vocabularies
never grow, and there an unknown value is as wrong as a typo. So each enumeration declares its ``vocabulary``:

* ``open``   — AWS extends it (explicit auth flows: ``ALLOW_USER_AUTH`` in 2024, token exchange in 2026; OAuth
  flows): a well-formed value cogcheck does not know may be newer than its data;
* ``closed`` — it will not grow (token validity units ``seconds``…``days``; the switches ``ENABLED``/``LEGACY`` of
  ``PreventUserExistenceErrors`` and ``ENABLED``/``DISABLED`` of ``RefreshTokenRotation.Feature``).

A value is classified as

* ``known``      — listed here (or added by the user: ``known-values`` in the configuration);
* ``malformed``  — it cannot be a value of this enumeration at all (not a string, or outside the shape every value
  of the enumeration has, e.g. upper-case snake case for auth flows): an error;
* ``near-miss``  — a known value with different case or separators, with a prefix or suffix the enumeration uses
  dropped, added or doubled (``USER_SRP_AUTH``, ``ALLOW_USER_SRP``, ``ALLOW_ALLOW_USER_SRP_AUTH``,
  ``ALLOW_USER_SRP_AUTH_AUTH`` for ``ALLOW_USER_SRP_AUTH``), a known alias (``authorization_code`` for ``code``), or
  at most one edit away from a known value (a typo): an error that says "did you mean";
* ``outside``    — well formed, not close to a known value, in a *closed* vocabulary: an error (``weeks``,
  ``DISABLED`` for ``PreventUserExistenceErrors``);
* ``unrecognised`` — well formed, not close to a known value, in an *open* vocabulary: a *warning* naming
  :data:`KNOWN_VALUES_DATE`, since AWS may have added it after that date.

Properties and keys of closed objects follow the same rule with the CloudFormation schema as the vocabulary
(:mod:`cogcheck.model.schema`): CloudFormation rejects what its schema does not list, so in a CloudFormation
template a name absent from both the schema and the API model, or listed by the API only, is an error naming the
schema's date; in Terraform the provider decides which arguments exist, and such a name is a warning.

The lists come from the Cognito API model (botocore ``cognito-idp`` ``CreateUserPoolClient``) and the CloudFormation
resource schema (``cogcheck/data/aws-cognito-userpoolclient.json``), plus values AWS documents that neither lists
yet (``ALLOW_CLIENT_TOKEN_AUTH``, API reference of ``GetClientToken``). ``tests/test_drift.py`` fails when the
newest model or schema lists a value this module would call an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

from cogcheck.cfn.names import Name, Phrase
from cogcheck.record import Record

#: What AWS does with an enumeration's values (see the module docstring).
Vocabulary = Literal["open", "closed"]

#: The day these lists were last compared with the Cognito API model (botocore 1.44.8) and the CloudFormation
#: resource schema (cfn-lint 1.58.0). Warnings about unrecognised values name it.
KNOWN_VALUES_DATE = "2026-12-01"

_SEPARATORS = re.compile(r"[\s_\-.]+")


class Enumeration(Record):
    """One enumerated property: its known values, the shape every value has, and hints for near misses. ``name``:
    the configuration key under ``known-values``; ``label``: what the value is called in messages (a Phrase when it
    names a property); ``vocabulary``: open (AWS adds values) or closed (it does not), ``why``: the evidence for it;
    ``prefixes``/``suffixes``: a known value with one of these dropped, added or doubled (at its start/end) is a
    near miss; ``aliases``: common wrong names → the known value meant."""

    __slots__ = ("aliases", "label", "name", "prefixes", "shape", "shape_text", "suffixes", "values", "vocabulary",
                 "why")

    def __init__(
        self, name: str, label: str, values: tuple[str, ...], shape: re.Pattern[str], shape_text: str,
        vocabulary: Vocabulary, why: str, prefixes: tuple[str, ...] = (), suffixes: tuple[str, ...] = (),
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.name: Final = name
        self.label: Final = label
        self.values: Final = values
        self.shape: Final = shape
        self.shape_text: Final = shape_text
        self.vocabulary: Final = vocabulary
        self.why: Final = why
        self.prefixes: Final = prefixes
        self.suffixes: Final = suffixes
        self.aliases: Final[Mapping[str, str]] = {} if aliases is None else aliases

    def all_values(self, extra: Iterable[str] = ()) -> tuple[str, ...]:
        return self.values + tuple(value for value in extra if value not in self.values)


ENUMERATIONS: dict[str, Enumeration] = {
    enum.name: enum
    for enum in (
        Enumeration(
            "explicit-auth-flows",
            "auth flow",
            (
                # the API model's ExplicitAuthFlowsType (botocore 1.44.8)
                "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
                "ALLOW_USER_AUTH", "ALLOW_TOKEN_EXCHANGE_DELEGATION", "ALLOW_TOKEN_EXCHANGE_IMPERSONATION",
                # the API reference of GetClientToken (and AWS's CloudFormation example for it)
                "ALLOW_CLIENT_TOKEN_AUTH",
            ),
            re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", re.ASCII),
            "upper-case words joined by underscores",
            "open",
            "AWS added ALLOW_USER_AUTH (2024) and the token exchange flows (2026) to ExplicitAuthFlowsType",
            prefixes=("ALLOW_",),
            suffixes=("_AUTH",),
        ),
        Enumeration(
            "oauth-flows",
            "OAuth flow",
            ("code", "implicit", "client_credentials"),
            re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", re.ASCII),
            "lower-case words joined by underscores",
            "open",
            "OAuth 2.0 defines more grant types than Cognito supports today (device code, token exchange)",
            aliases={"authorization_code": "code", "token": "implicit"},
        ),
        Enumeration(
            "token-validity-units",
            "token validity unit",
            ("seconds", "minutes", "hours", "days"),
            re.compile(r"[a-z]+", re.ASCII),
            "a lower-case word",
            "closed",
            "units of time from seconds to days, the API's TimeUnitsType",
        ),
        Enumeration(
            "prevent-user-existence-errors",
            Phrase(Name("PreventUserExistenceErrors"), " value"),
            ("ENABLED", "LEGACY"),
            re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", re.ASCII),
            "upper-case words joined by underscores",
            "closed",
            "a switch, ENABLED or LEGACY, the API's PreventUserExistenceErrorTypes",
        ),
        Enumeration(
            "refresh-token-rotation",
            Phrase(Name("RefreshTokenRotation.Feature"), " value"),
            ("ENABLED", "DISABLED"),
            re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", re.ASCII),
            "upper-case words joined by underscores",
            "closed",
            "a switch, ENABLED or DISABLED, the API's FeatureType",
        ),
    )
}


class Verdict(Record):
    """How a value relates to an enumeration (see the module docstring): ``kind`` is known, malformed, near-miss,
    outside or unrecognised."""

    __slots__ = ("kind", "reason", "suggestion")

    def __init__(self, kind: str, reason: str = "", suggestion: str | None = None) -> None:
        self.kind: Final = kind
        self.reason: Final = reason
        self.suggestion: Final = suggestion


def _normal(text: str) -> str:
    return _SEPARATORS.sub("_", text.strip()).upper()


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _affix_variants(enum: Enumeration, normal: str) -> set[str]:
    """``normal`` with each of the enumeration's prefixes and suffixes dropped, added, or un-doubled (in turn)."""
    variants = {normal}
    for prefix in map(_normal, enum.prefixes):
        for text in list(variants):
            variants.add(text.removeprefix(prefix) if text.startswith(prefix) else prefix + text)
    for suffix in map(_normal, enum.suffixes):
        for text in list(variants):
            variants.add(text.removesuffix(suffix) if text.endswith(suffix) else text + suffix)
    return variants - {normal}


def near_miss(enum: Enumeration, value: str, known: tuple[str, ...]) -> str | None:
    """The known value ``value`` is a slip for, if it surely is one."""
    if value in enum.aliases and enum.aliases[value] in known:
        return enum.aliases[value]
    normal = _normal(value)
    for candidate in known:
        if _normal(candidate) == normal:
            return candidate  # case or separators
    by_normal = {_normal(candidate): candidate for candidate in known}
    for variant in _affix_variants(enum, normal):
        if variant in by_normal:
            return by_normal[variant]
    if len(normal) >= 6:
        close = [candidate for candidate in known if _one_edit(_normal(candidate), normal)]
        if len(close) == 1:
            return close[0]
    return None


def near_miss_name(name: str, known: tuple[str, ...]) -> str | None:
    """The known name ``name`` is a slip for: same letters in other case or separators, or one edit away."""
    squeezed = re.sub(r"[\s_\-.]", "", name).lower()
    for candidate in known:
        if candidate.lower() == squeezed:
            return candidate
    if len(squeezed) >= 6:
        close = [candidate for candidate in known if _one_edit(candidate.lower(), squeezed)]
        if len(close) == 1:
            return close[0]
    return None


def closest(value: str, known: tuple[str, ...]) -> str | None:
    """The known value most like ``value`` (a hint in a warning, never a verdict)."""
    import difflib  # only for a value that is not known (most templates have none)

    matches = difflib.get_close_matches(_normal(value), [_normal(k) for k in known], n=1, cutoff=0.75)
    if not matches:
        return None
    return next(k for k in known if _normal(k) == matches[0])


def classify(enum: Enumeration, value: Any, extra: Iterable[str] = ()) -> Verdict:
    """Classify one value (already resolved: no intrinsics, not Unknown) against ``enum``."""
    known = enum.all_values(extra)
    if isinstance(value, bool) or not isinstance(value, str):
        kind = "a boolean" if isinstance(value, bool) else "a number" if isinstance(value, int | float) else (
            "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "not a string")
        return Verdict("malformed", f"it is {kind}, not a string.")
    if value in known:
        return Verdict("known")
    meant = near_miss(enum, value, known)
    if meant is not None:
        return Verdict("near-miss", f"did you mean {meant}?", meant)
    if not enum.shape.fullmatch(value):
        return Verdict("malformed", Phrase("every ", enum.label, f" is {enum.shape_text}."))
    hint = closest(value, known)
    if enum.vocabulary == "closed":
        closest_text = f"; the closest is {hint}." if hint else "."
        return Verdict(
            "outside",
            Phrase("the ", enum.label, f"s are a closed set that AWS does not extend ({enum.why}){closest_text}"),
            hint,
        )
    return Verdict("unrecognised", f"the closest known value is {hint}" if hint else "", hint)


def known_values_text(enum: Enumeration, extra: Iterable[str] = ()) -> str:
    return ", ".join(enum.all_values(extra))
