"""Drift alarm: the newest Cognito API model (botocore) and the CloudFormation schema cfn-lint ships must not list a
value cogcheck would not accept, nor a property cogcheck does not know. The day AWS adds a flow, CI says so:
add the value to cogcheck/model/known.py (or refresh the pinned schema: scripts/refresh_cognito_data.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from cogcheck.model.known import ENUMERATIONS, classify
from cogcheck.model.schema import client_schema, known_properties
from tests.cognito_sources import api_request_shapes, cfn_lint_schema

#: where an enumeration sits (API member path, or CloudFormation schema path) → cogcheck's enumeration
ENUM_PLACES = {
    "ExplicitAuthFlows[]": "explicit-auth-flows",
    "AllowedOAuthFlows[]": "oauth-flows",
    "TokenValidityUnits.AccessToken": "token-validity-units",
    "TokenValidityUnits.IdToken": "token-validity-units",
    "TokenValidityUnits.RefreshToken": "token-validity-units",
    "PreventUserExistenceErrors": "prevent-user-existence-errors",
    "RefreshTokenRotation.Feature": "refresh-token-rotation",
}


def _unaccepted(enums: dict[str, list[str]], source: str) -> list[str]:
    problems = []
    for place, values in sorted(enums.items()):
        name = ENUM_PLACES.get(place)
        if name is None:
            problems.append(f"{source} has an enumeration at {place} that cogcheck does not know: {values}")
            continue
        for value in values:
            verdict = classify(ENUMERATIONS[name], value)
            if verdict.kind != "known":
                level = "an error" if verdict.kind in ("malformed", "near-miss", "outside") else "a warning"
                problems.append(f"{source} lists {value!r} for {place}; cogcheck would report {level} ({name})")
    return problems


def schema_enums(schema: dict[str, Any]) -> dict[str, list[str]]:
    """CloudFormation schema path → enum values (``$ref`` to definitions followed)."""
    found: dict[str, list[str]] = {}

    def walk(node: Any, path: str, depth: int = 0) -> None:
        if not isinstance(node, dict) or depth > 6:
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            node = schema["definitions"].get(ref.rsplit("/", 1)[-1], {})
        if "enum" in node:
            found[path] = [str(v) for v in node["enum"]]
        if isinstance(node.get("items"), dict):
            walk(node["items"], path + "[]", depth + 1)
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, f"{path}.{key}" if path else key, depth + 1)

    walk({"properties": schema.get("properties", {})}, "")
    return found


def _definition_keys(schema: dict[str, Any]) -> set[str]:
    definitions = schema.get("definitions", {})
    return {f"{name}.{key}" for name, node in definitions.items() for key in node.get("properties", {})}


def test_the_api_model_lists_nothing_cogcheck_would_not_accept() -> None:
    members, enums = api_request_shapes()
    if not members:
        pytest.skip("botocore is not installed (pip install -e '.[test]')")
    problems = _unaccepted(enums, "the Cognito API model")
    known = set(known_properties())
    problems += [f"the Cognito API model has CreateUserPoolClient.{m}, a property cogcheck does not know"
                 for m in members if m not in known]
    assert not problems, "\n".join(problems)


def test_the_cloudformation_schema_lists_nothing_cogcheck_would_not_accept() -> None:
    schema, date = cfn_lint_schema()
    if schema is None:
        pytest.skip("cfn-lint's schema for AWS::Cognito::UserPoolClient was not found")
    problems = _unaccepted(schema_enums(schema), f"cfn-lint's CloudFormation schema ({date})")
    known = set(known_properties())
    problems += [f"cfn-lint's CloudFormation schema ({date}) has {p}, a property cogcheck does not know"
                 for p in schema.get("properties", {}) if p not in known]
    pinned = _definition_keys(client_schema())
    problems += [f"cfn-lint's CloudFormation schema ({date}) has {k}, a key cogcheck does not know"
                 for k in sorted(_definition_keys(schema) - pinned)]
    assert not problems, "\n".join(problems)


def test_the_alarm_names_the_value() -> None:
    """The check the alarm relies on fails, naming the value, for a value cogcheck does not know."""
    problems = _unaccepted({"ExplicitAuthFlows[]": ["ALLOW_PASSKEY_AUTH", "ALLOW_USER_SRP_AUTH"]}, "a model")
    assert problems == ["a model lists 'ALLOW_PASSKEY_AUTH' for ExplicitAuthFlows[]; cogcheck would report a "
                        "warning (explicit-auth-flows)"]
    slip = _unaccepted({"ExplicitAuthFlows[]": ["allow_user_srp_auth"]}, "m")
    assert slip[0].endswith("an error (explicit-auth-flows)")
    assert "does not know" in _unaccepted({"ClientType": ["REGULAR"]}, "m")[0]


def test_the_pinned_schema_lists_every_enum_value_cogcheck_knows_about() -> None:
    """Every enumeration of the pinned schema is one cogcheck classifies, and all its values are known."""
    assert not _unaccepted(schema_enums(client_schema()), "the pinned schema")


# ------------------------------------------------------------------------------------------ attribute shapes


def _schema_of(resource_type: str) -> dict[str, Any] | None:
    from tests.cognito_sources import cfn_lint_schema_of

    return cfn_lint_schema_of(resource_type)


def test_attribute_shapes_are_the_sources_they_name() -> None:
    """Each shape taken from the API model or a CloudFormation schema still has that source's pattern and lengths
    (refresh with scripts/refresh_cognito_data.py); shapes from the documentation cite a page."""
    from cogcheck.cfn.shapes import shape_data
    from tests.cognito_sources import api_model, shape_from_source

    if api_model() is None or _schema_of("AWS::Cognito::UserPoolClient") is None:
        pytest.skip("botocore or cfn-lint is not installed")
    drifted = []
    for name, entry in shape_data()["shapes"].items():
        source = entry["from"]
        if "docs" in source:
            assert str(source["docs"]).startswith("https://"), name
            continue
        fresh = shape_from_source(source)
        pinned = {key: entry[key] for key in ("pattern", "min", "max")}
        if fresh != pinned:
            drifted.append(f"{name}: pinned {pinned}, {source} says {fresh}")
    assert not drifted, drifted


def test_every_attribute_names_a_shape_and_cites_its_return_values() -> None:
    from cogcheck.cfn.shapes import shape_data

    data = shape_data()
    for dialect in ("cloudformation", "terraform"):
        for resource_type, attributes in data[dialect].items():
            assert str(attributes.get("x-source", "")).startswith("https://"), resource_type
            for attribute, shape in attributes.items():
                assert attribute.startswith("x-") or shape in data["shapes"], (resource_type, attribute)


# ---------------------------------------------------------------------------------------- aws-cdk-lib's generated types

#: Cognito resource types cogcheck does not read, each with why: none changes what a rule checks of a client. A type
#: CDK generates that is neither read nor listed here fails the test below, the day CDK ships it.
NOT_READ = {
    "AWS::Cognito::IdentityPool": "federates identities into IAM roles; it names clients but configures none",
    "AWS::Cognito::IdentityPoolPrincipalTag": "maps claims to IAM principal tags of an identity pool",
    "AWS::Cognito::IdentityPoolRoleAttachment": "attaches IAM roles to an identity pool",
    "AWS::Cognito::LogDeliveryConfiguration": "where a pool's logs go",
    "AWS::Cognito::ManagedLoginBranding": "the look of a client's managed login pages",
    "AWS::Cognito::Terms": "terms of use and privacy links of a client's sign-up page",
    "AWS::Cognito::UserPoolGroup": "a group of users and its IAM role",
    "AWS::Cognito::UserPoolRegionalConfigurationAttachment": "a pool's replication settings",
    "AWS::Cognito::UserPoolReplica": "a replica of a pool in another Region",
    "AWS::Cognito::UserPoolRiskConfigurationAttachment": "threat protection settings, per pool or client",
    "AWS::Cognito::UserPoolUICustomizationAttachment": "the classic hosted UI's CSS and logo",
    "AWS::Cognito::UserPoolUser": "a user",
    "AWS::Cognito::UserPoolUserToGroupAttachment": "a user's group membership",
}


def _read_types() -> set[str]:
    from cogcheck.cfn.types import REPORTED_TYPES
    from cogcheck.inputs.terraform.mapping import TYPES

    return {*REPORTED_TYPES, *TYPES.values()}


def _client_paths() -> set[str]:
    """Every property and nested key of the client cogcheck knows, as CDK's anchors write them."""
    keys = {key.replace(".", "-") for key in _definition_keys(client_schema())}
    return {name.lower() for name in (*known_properties(), *keys)}


def cdk_problems(version: str, text: str) -> list[str]:
    """What aws-cdk-lib's generated Cognito types declare that cogcheck does not know."""
    from cogcheck.model.sessions import ATTACHMENT_PROPERTIES
    from tests.cognito_sources import cdk_properties, cdk_resource_types

    source = f"aws-cdk-lib {version}"
    types = cdk_resource_types(text)
    problems = [f"{source} generates {t}, a Cognito resource type cogcheck neither reads nor lists in NOT_READ"
                for t in types if t not in _read_types() and t not in NOT_READ]
    known = {"AWS::Cognito::UserPoolClient": _client_paths()} | {
        kind: {path.lower().replace(".", "-") for path in paths} for kind, paths in ATTACHMENT_PROPERTIES.items()
    }
    for kind, paths in known.items():
        problems += [f"{source} generates {kind} property {p}, which cogcheck does not know"
                     for p in cdk_properties(text, kind) if p not in paths]
    problems += [f"{source}'s {kind} no longer says {said!r} (COG-E039/E041 warn on declaring the default)"
                 for kind, said in DEFAULTS_UNDECLARABLE.items() if kind in types and said not in text]
    return problems


#: What the attachment types' descriptions say of their service defaults (cogcheck.model.sessions), as CDK copies them.
DEFAULTS_UNDECLARABLE = {
    "AWS::Cognito::UserPoolClientSessionConfigurationAttachment":
        "The service default (SSOSession MaxValidityMinutes 60) cannot be declared",
    "AWS::Cognito::UserPoolSessionConfigurationAttachment":
        "The service default (UserSessionTracking DISABLED with TokenSession MaxPerUser 20) cannot be declared",
}


def test_aws_cdk_libs_generated_cognito_types_hold_nothing_cogcheck_does_not_know() -> None:
    from tests.cognito_sources import cdk_cognito_types

    found = cdk_cognito_types()
    if found is None:
        pytest.skip("aws-cdk-lib is not installed (pip install -e '.[test]'): its generated Cognito types are not read")
    version, text = found
    assert "@cloudformationResource AWS::Cognito::UserPoolClient" in text, "the generated types were not read"
    problems = cdk_problems(version, text)
    assert not problems, "\n".join(problems)


def test_the_cdk_alarm_names_a_new_type_and_property() -> None:
    """The check fails, naming them, for a type and a client property cogcheck does not know."""
    text = (
        "@cloudformationResource AWS::Cognito::UserPoolClient\n"
        "@see http://x/aws-resource-cognito-userpoolclient.html#cfn-cognito-userpoolclient-generatesecret\n"
        "@see http://x/aws-resource-cognito-userpoolclient.html#cfn-cognito-userpoolclient-clienttype\n"
        "@cloudformationResource AWS::Cognito::UserPoolClientSessionConfigurationAttachment\n"
        "@see http://x#cfn-cognito-userpoolclientsessionconfigurationattachment-ssosession-maxvalidityminutes\n"
        "@cloudformationResource AWS::Cognito::UserPoolPasskeyAttachment\n"
    )
    assert cdk_problems("9.9.9", text) == [
        "aws-cdk-lib 9.9.9 generates AWS::Cognito::UserPoolPasskeyAttachment, a Cognito resource type cogcheck "
        "neither reads nor lists in NOT_READ",
        "aws-cdk-lib 9.9.9 generates AWS::Cognito::UserPoolClient property clienttype, which cogcheck does not know",
        "aws-cdk-lib 9.9.9's AWS::Cognito::UserPoolClientSessionConfigurationAttachment no longer says 'The service "
        "default (SSOSession MaxValidityMinutes 60) cannot be declared' (COG-E039/E041 warn on declaring the default)",
    ]


# ------------------------------------------------------------------------------ the API model's session facts


def test_the_session_and_secret_facts_are_the_api_models() -> None:
    """The bounds, values and tiers of :mod:`cogcheck.model.sessions` are those of the installed botocore's model."""
    from cogcheck.model import sessions
    from tests.cognito_sources import api_model

    model = api_model()
    if model is None:
        pytest.skip("botocore is not installed (pip install -e '.[test]')")
    shapes, operations = model["shapes"], model["operations"]

    def bounds(shape: str) -> tuple[int, int]:
        return shapes[shape]["min"], shapes[shape]["max"]

    def said(node: dict[str, Any]) -> str:
        return re.sub(r"<[^>]+>", "", str(node.get("documentation", "")))

    assert bounds("SSOSessionMaxValidityMinutesType") == sessions.SSO_SESSION_MINUTES
    assert bounds("MaxSessionsPerUserType") == sessions.TOKEN_SESSIONS_PER_USER
    assert sorted(shapes["UserSessionTrackingType"]["enum"]) == sorted(sessions.SESSION_TRACKING)
    assert bounds("ClientSecretType") == sessions.CLIENT_SECRET_LENGTH
    assert shapes["ClientSecretType"]["pattern"] == sessions.CLIENT_SECRET_PATTERN
    assert set(sessions.TIERS_WITH_SESSIONS) < set(shapes["UserPoolTierType"]["enum"])
    for operation in ("SetUserPoolClientSessionConfiguration", "SetUserPoolSessionConfiguration"):
        assert "must be in the Essentials or Plus tier" in said(operations[operation]), operation
    assert "session tracking must be enabled" in said(operations["SetUserPoolClientSessionConfiguration"])
    assert f"Defaults to {sessions.DEFAULT_TIER}" in said(shapes["CreateUserPoolRequest"]["members"]["UserPoolTier"])
    client = shapes["CreateUserPoolClientRequest"]["members"]
    assert "cannot specify both GenerateSecret as true and provide a ClientSecret" in said(client["ClientSecret"])
    assert "Applies only when GenerateSecret is true" in said(client["PublishSecretsInAWSSecretsManager"])
