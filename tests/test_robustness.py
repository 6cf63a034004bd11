"""Malformed values anywhere in a client (wrong types, broken intrinsics) never crash the engine."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogcheck.cfn.parse import as_template
from cogcheck.engine.rules import load_rules
from cogcheck.scan.pipeline import ScanOptions, check_template

RULES = load_rules()
PROPERTIES = [
    "AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity", "TokenValidityUnits", "AuthSessionValidity",
    "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient", "CallbackURLs", "LogoutURLs",
    "DefaultRedirectURI", "ExplicitAuthFlows", "GenerateSecret", "SupportedIdentityProviders", "ReadAttributes",
    "WriteAttributes", "UserPoolId", "RefreshTokenRotation", "AnalyticsConfiguration", "ClientName",
    "PreventUserExistenceErrors", "EnableTokenRevocation", "EnablePropagateAdditionalUserContextData", "ClientSecret",
]
INTRINSICS = ["Ref", "Fn::If", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::FindInMap", "Fn::GetAtt",
              "Fn::ImportValue", "Fn::Length", "Fn::ToJsonString", "Fn::Base64", "Condition", "Fn::Equals", "Fn::Nope"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "Pool", "Idp", "C", "code", "implicit", "https://a.example.org/cb", "http://x", "%%",
                     "ALLOW_USER_SRP_AUTH", "minutes", "hours", "${Pool}", "${Pool.Arn}", "AWS::NoValue"]),
    st.text(max_size=8),
)
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["AccessToken", "IdToken", "Feature", "a", "Name"]), inner, max_size=3),
        st.builds(lambda k, v: {k: v}, st.sampled_from(INTRINSICS), inner),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    props=st.one_of(st.dictionaries(st.sampled_from(PROPERTIES), VALUES, max_size=8), VALUES),
    parameters=st.one_of(st.none(), st.dictionaries(st.sampled_from(["P", "C"]), VALUES, max_size=2)),
    conditions=st.one_of(st.none(), st.dictionaries(st.sampled_from(["C", "D"]), VALUES, max_size=2)),
    condition=st.one_of(st.none(), VALUES),
    depends_on=st.one_of(st.none(), VALUES),
)
def test_malformed_clients_never_crash(
    props: Any, parameters: Any, conditions: Any, condition: Any, depends_on: Any
) -> None:
    client: dict[str, Any] = {"Type": "AWS::Cognito::UserPoolClient", "Properties": props}
    if condition is not None:
        client["Condition"] = condition
    if depends_on is not None:
        client["DependsOn"] = depends_on
    doc: dict[str, Any] = {
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"Schema": props}},
            "Idp": {"Type": "AWS::Cognito::UserPoolIdentityProvider", "Properties": {"UserPoolId": {"Ref": "Pool"}}},
            "Client": client,
        }
    }
    if parameters is not None:
        doc["Parameters"] = parameters
    if conditions is not None:
        doc["Conditions"] = conditions
    template = as_template("fuzz.json", doc)
    assert template is not None
    findings, _notices, clients = check_template(template, RULES, ScanOptions())
    assert clients == 1
    assert all(f.resource == "Client" and f.line >= 1 for f in findings)
