"""Malformed values anywhere in a client (wrong types, broken intrinsics) never crash the engine."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cogcheck.cfn.parse import as_template
from cogcheck.engine.rules import load_rules
from cogcheck.scan.check import check_template
from cogcheck.scan.options import ScanOptions
from tests.helpers import examples

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


@settings(max_examples=examples(200))
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


KEYS = st.sampled_from(["AccessToken", "IdToken", "Feature", "a", "Name", "Ref", "Fn::If", "Fn::Sub", "0", "true"])
TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12
)
HOSTILE_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.one_of(SCALARS, TEXTS, st.integers(-(10**30), 10**30)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(KEYS, inner, max_size=3),
        st.builds(lambda k, v: {k: v}, st.sampled_from(INTRINSICS), inner),
    ),
    max_leaves=16,
)


class _FaithfulDumper(yaml.SafeDumper):
    """``yaml.safe_dump`` with raw Unicode, except that a string holding U+0085 (NEL) is written double-quoted.

    With ``allow_unicode`` PyYAML may write NEL raw in a plain or single-quoted scalar, where YAML reads it as a line
    break and folds it to a space: the dump, not the parser, would change the value. Double-quoted, it is ``\\N``.
    """


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if "\x85" in value else None)


_FaithfulDumper.add_representer(str, _represent_str)


@settings(max_examples=examples(150))
@example(props={"ClientName": "a\x85b"}, extra="x")  # PyYAML's safe_dump wrote NEL raw: YAML read a space
@given(props=st.dictionaries(st.sampled_from(PROPERTIES), HOSTILE_VALUES, max_size=8), extra=HOSTILE_VALUES)
def test_any_client_in_yaml_and_json_gives_the_same_findings_every_time(props: Any, extra: Any) -> None:
    """Arbitrary properties and intrinsics, written as JSON and as YAML: no exception, same findings twice, and the
    two forms agree on everything but positions."""
    import json

    from cogcheck.cfn.parse import parse_template
    from tests.helpers import identity

    doc = {
        "Parameters": {"P": {"Type": "String", "Default": extra if isinstance(extra, str) else "x"}},
        "Conditions": {"C": {"Fn::Equals": [{"Ref": "P"}, "x"]}},
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"Name": extra}},
            "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "Pool"}, **props}},
        },
    }
    outcomes = []
    as_yaml = yaml.dump(doc, Dumper=_FaithfulDumper, allow_unicode=True, sort_keys=False)
    assert yaml.safe_load(as_yaml) == doc  # the test's own YAML says what the JSON says
    for name, text in (("t.json", json.dumps(doc)), ("t.yaml", as_yaml)):
        runs = []
        for _ in range(2):
            template = parse_template(name, text.encode(), suffix=name[1:])
            assert template is not None
            findings, notices, clients = check_template(template, RULES, ScanOptions())
            assert clients == 1
            runs.append((sorted(map(repr, map(identity, findings))), sorted(n.message for n in notices)))
        assert runs[0] == runs[1]  # deterministic
        outcomes.append(runs[0])
    assert outcomes[0] == outcomes[1]  # YAML and JSON forms agree


def test_property_tests_are_derandomised_and_keep_no_database_by_default() -> None:
    """CI runs a fixed sequence of examples and reads no `.hypothesis/` state (tests/conftest.py)."""
    from tests.helpers import hypothesis_profile

    if hypothesis_profile() != "ci":
        import pytest

        pytest.skip("COGCHECK_HYPOTHESIS selects the exploring profile")
    assert settings.default.derandomize is True and settings.default.database is None
    assert examples(150) == 150
