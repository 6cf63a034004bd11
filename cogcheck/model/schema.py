"""The CloudFormation resource schema of AWS::Cognito::UserPoolClient, pinned as data, and what it says of a client.

The schema is a copy of the one cfn-lint ships (``cogcheck/data/aws-cognito-userpoolclient.json``, refreshed by
``scripts/refresh_cognito_data.py``); cogcheck never imports cfn-lint to read it. Pinned, not read from the
installed cfn-lint at run time: the scan gives the same answer whichever cfn-lint is installed (or none), and the
drift test (``tests/test_drift.py``) says when the installed one knows more.

Unknown is not wrong here either: a property the schema does not list is an error only when it is a slip of a
known one (``LogoutUrls`` for ``LogoutURLs``); a well-formed property cogcheck does not know is a warning naming
the schema's date, since AWS adds properties (the API's ``PublishSecretsInAWSSecretsManager`` is not in the
schema yet).

Validation covers what CloudFormation checks before Cognito sees the client — JSON types (with CloudFormation's
scalar conversions), ``required``, lengths, item counts, patterns (with the service's ASCII ``\\w``), unknown keys
of closed objects — except the constraints a dedicated rule already reports with a better message
(:data:`COVERED`), the enumerations (which follow "unknown is not wrong", :mod:`cogcheck.model.known`) and the
read-only properties (COG-E032).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from cogcheck.cfn.shapes import describe, length_relation, pattern_relation
from cogcheck.cfn.values import Shape, Unknown, to_bool, to_number
from cogcheck.model.known import near_miss_name

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "data" / "aws-cognito-userpoolclient.json"

#: Properties the Cognito API (botocore) accepts that the pinned CloudFormation schema does not list.
API_ONLY_PROPERTIES = ("PublishSecretsInAWSSecretsManager",)

#: (schema path, keyword) → the rule that reports it instead of the generic schema rules.
COVERED: dict[tuple[str, str], str] = {
    **{(p, k): r for p, r in (("AccessTokenValidity", "COG-E001"), ("IdTokenValidity", "COG-E002"),
                              ("RefreshTokenValidity", "COG-E003"), ("AuthSessionValidity", "COG-E007"),
                              ("RefreshTokenRotation.RetryGracePeriodSeconds", "COG-E022"))
       for k in ("minimum", "maximum", "type")},
    ("AllowedOAuthFlows", "maxItems"): "COG-E008",
    ("AllowedOAuthScopes", "maxItems"): "COG-E018",
    ("AllowedOAuthScopes[]", "pattern"): "COG-E018",
    ("AllowedOAuthScopes[]", "minLength"): "COG-E018",
    ("AllowedOAuthScopes[]", "maxLength"): "COG-E018",
    **{(f"{p}", "maxItems"): "COG-E017" for p in ("CallbackURLs", "LogoutURLs")},
    **{(p, k): "COG-E016" for p in ("CallbackURLs[]", "LogoutURLs[]", "DefaultRedirectURI")
       for k in ("pattern", "minLength", "maxLength")},
    **{("ClientName", k): "COG-E025" for k in ("pattern", "minLength", "maxLength")},
    **{("SupportedIdentityProviders[]", k): "COG-E026" for k in ("pattern", "minLength", "maxLength")},
    **{(f"AnalyticsConfiguration.{p}", k): "COG-E030" for p in ("ApplicationArn", "RoleArn", "ApplicationId")
       for k in ("pattern", "minLength", "maxLength")},
    ("TokenValidityUnits", "additionalProperties"): "COG-E005",
}


@cache
def client_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def schema_date() -> str:
    return str(client_schema().get("x-schema-date", "unknown"))


@cache
def read_only() -> frozenset[str]:
    return frozenset(p.rsplit("/", 1)[-1] for p in client_schema().get("readOnlyProperties", []))


@cache
def known_properties() -> tuple[str, ...]:
    return (*client_schema()["properties"], *API_ONLY_PROPERTIES)


_PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*", re.ASCII)


def classify_property(name: str, known: tuple[str, ...]) -> tuple[str, str | None]:
    """(kind, meant) of a key of a closed object: ``known``, ``near-miss`` (a slip of ``meant``), ``malformed``
    (not the PascalCase every CloudFormation property has) or ``unrecognised`` (well formed, maybe newer)."""
    if name in known:
        return "known", None
    meant = near_miss_name(name, known)
    if meant is not None:
        return "near-miss", meant
    if not _PASCAL.fullmatch(name):
        return "malformed", None
    return "unrecognised", None


# ------------------------------------------------------------------------------------------------ validation

_CATEGORY_CLASS = re.compile(r"^\^?\[((?:\\p\{[A-Z]\})+)\]\+\$?$")


@cache
def _matcher(pattern: str) -> Callable[[str], bool]:
    """A full-match test for a schema pattern: ``\\p{X}`` classes by Unicode category, otherwise ``re.ASCII``."""
    categories = _CATEGORY_CLASS.match(pattern)
    if categories:
        wanted = tuple(re.findall(r"\\p\{([A-Z])\}", categories.group(1)))
        return lambda text: bool(text) and all(unicodedata.category(ch)[0] in wanted for ch in text)
    compiled = re.compile(pattern, re.ASCII)
    return lambda text: compiled.search(text) is not None


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        resolved: dict[str, Any] = client_schema()["definitions"][ref.rsplit("/", 1)[-1]]
        return resolved
    return node


def _type_problem(kind: str, value: Any) -> str | None:
    """CloudFormation's conversions: scalars become strings, "true"/"false" booleans, numeric strings numbers."""
    if kind == "string":
        return None if not isinstance(value, list | dict) else f"is {_describe(value)}, not a string"
    if kind == "boolean":
        return None if to_bool(value) is not None else f"is {_describe(value)}, not a boolean (true or false)"
    if kind in ("integer", "number"):
        number = to_number(value) if not isinstance(value, bool) else None
        return None if number is not None else f"is {_describe(value)}, not a number"
    if kind == "array":
        return None if isinstance(value, list) else f"is {_describe(value)}, not a list"
    if kind == "object":
        return None if isinstance(value, dict) else f"is {_describe(value)}, not a mapping"
    return None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, int | float):
        return f"the number {value}"
    return json.dumps(str(value), ensure_ascii=False)


def problem(path: str, node: dict[str, Any], value: Any) -> tuple[str, str] | None:
    """The first way ``value`` breaks the schema ``node`` at ``path`` (where, what); None when it conforms or
    when only unknown parts could break it. Keys of closed objects are checked by :func:`unknown_keys`."""
    node = _resolve(node)

    def covered(keyword: str) -> bool:
        return (path, keyword) in COVERED

    if isinstance(value, Unknown):
        return _shape_problem(path, node, value.shape, covered) if value.shape is not None else None

    kind = node.get("type")
    if isinstance(kind, str) and not covered("type"):
        issue = _type_problem(kind, value)
        if issue:
            return path, issue
    if isinstance(value, str):
        size = len(value)
        if "minLength" in node and size < node["minLength"] and not covered("minLength"):
            return path, f"is {size} characters long, shorter than {node['minLength']}"
        if "maxLength" in node and size > node["maxLength"] and not covered("maxLength"):
            return path, f"is {size} characters long, longer than {node['maxLength']}"
        if "pattern" in node and not covered("pattern") and not _matcher(node["pattern"])(value):
            return path, f"is {_describe(value)}, which does not match the pattern {node['pattern']}"
    if isinstance(value, list):
        if "minItems" in node and len(value) < node["minItems"] and not covered("minItems"):
            return path, f"has {len(value)} items, fewer than {node['minItems']}"
        if "maxItems" in node and len(value) > node["maxItems"] and not covered("maxItems"):
            return path, f"has {len(value)} items, more than {node['maxItems']}"
        items = node.get("items")
        if isinstance(items, dict):
            for item in value:
                found = problem(path + "[]", items, item)
                if found:
                    return found
    if isinstance(value, dict):
        for key, sub in (node.get("properties") or {}).items():
            if key in value:
                found = problem(f"{path}.{key}", sub, value[key])
                if found:
                    return found
    return None


def _shape_problem(
    path: str, node: dict[str, Any], shape: Shape, covered: Callable[[str], bool]
) -> tuple[str, str] | None:
    """The way every value of ``shape`` (a reference known only at deploy time) breaks ``node``; None when some
    value might conform."""
    what = describe(shape)
    kind = node.get("type")
    if kind in ("array", "object") and not covered("type"):
        return path, f"is {what}, a string, not {'a list' if kind == 'array' else 'a mapping'}"
    if kind not in (None, "string"):
        return None  # a string CloudFormation might convert: not this rule's to judge
    low, high = node.get("minLength"), node.get("maxLength")
    if (low is not None or high is not None) and length_relation(shape, low, high) is False and not (
        covered("minLength") or covered("maxLength")
    ):
        return path, f"is {what}, {shape.min_length} to {shape.max_length} characters long, never {low or 0} to {high}"
    if "pattern" in node and not covered("pattern") and pattern_relation(shape, node["pattern"]) is False:
        return path, f"is {what}, which never matches the pattern {node['pattern']}"
    return None


def unknown_keys(path: str, node: dict[str, Any], value: Any) -> list[tuple[str, str]]:
    """Keys of closed objects (``additionalProperties: false``) under ``path`` that the schema does not list:
    (dotted path of the key, key)."""
    if isinstance(value, Unknown):
        return []
    node = _resolve(node)
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        properties = node.get("properties") or {}
        closed = node.get("additionalProperties") is False and (path, "additionalProperties") not in COVERED
        for key, sub in value.items():
            if str(key) in properties:
                found += unknown_keys(f"{path}.{key}", properties[str(key)], sub)
            elif closed:
                found.append((f"{path}.{key}", str(key)))
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            found += unknown_keys(path + "[]", node["items"], item)
    return found


def property_node(name: str) -> dict[str, Any] | None:
    node = client_schema()["properties"].get(name)
    return node if isinstance(node, dict) else None
