"""Property: wrapping values in intrinsics never produces a finding the hand-resolved template would not.

A random client is written twice: once with some values behind intrinsics (a parameter with a default, a
parameter with no default, an ``Fn::If`` on an undecidable condition), once with those values resolved by hand.
Every finding of the first, in the scenario it reports, must appear in every hand-resolved template consistent
with that scenario — in particular, an unknown value may never produce a finding that depends on it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogcheck.findings import Finding
from tests.helpers import examples, scan_paths

UNITS = ["seconds", "minutes", "hours", "days", "Minutes"]
FLOWS = ["code", "implicit", "client_credentials", "token"]
URLS = ["https://a.example.org/cb", "http://a.example.org/cb", "http://localhost:3000/cb", "https://example.com"]
AUTH = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"]

VALUES: dict[str, st.SearchStrategy[Any]] = {
    "AccessTokenValidity": st.integers(0, 2000),
    "IdTokenValidity": st.integers(0, 2000),
    "RefreshTokenValidity": st.integers(0, 4000),
    "AuthSessionValidity": st.integers(0, 20),
    "GenerateSecret": st.booleans(),
    "EnablePropagateAdditionalUserContextData": st.booleans(),
    "AllowedOAuthFlowsUserPoolClient": st.booleans(),
    "AllowedOAuthFlows": st.lists(st.sampled_from(FLOWS), min_size=1, max_size=3, unique=True),
    "AllowedOAuthScopes": st.lists(st.sampled_from(["openid", "email", "Cognito"]), min_size=1, unique=True),
    "CallbackURLs": st.lists(st.sampled_from(URLS), min_size=1, max_size=3, unique=True),
    "ExplicitAuthFlows": st.lists(st.sampled_from(AUTH), min_size=1, max_size=3, unique=True),
    "PreventUserExistenceErrors": st.sampled_from(["ENABLED", "LEGACY", "true"]),
}


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, tuple[str, Any]]]:
    keys = draw(st.lists(st.sampled_from(sorted(VALUES)), min_size=1, max_size=6, unique=True))
    props = {key: draw(VALUES[key]) for key in keys}
    alternatives = {key: draw(VALUES[key]) for key in keys}
    units = draw(st.dictionaries(st.sampled_from(["AccessToken", "IdToken", "RefreshToken"]), st.sampled_from(UNITS)))
    if units:
        props["TokenValidityUnits"] = units
    modes = {key: draw(st.sampled_from(["plain", "default", "unknown", "if"])) for key in keys}
    wrapped = {key: (mode, alternatives[key]) for key, mode in modes.items() if mode != "plain"}
    return props, alternatives, wrapped


def _param_text(value: Any) -> tuple[str, str]:
    if isinstance(value, list):
        return "CommaDelimitedList", ",".join(value)
    if isinstance(value, bool):
        return "String", "true" if value else "false"
    return ("Number" if isinstance(value, int) else "String"), str(value)


def _write(
    directory: Path, name: str, parameters: dict[str, Any], conditions: dict[str, Any], props: dict[str, Any]
) -> Path:
    template = {
        "Parameters": parameters,
        "Conditions": conditions,
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool"},
            "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "Pool"}, **props}},
        },
    }
    if not parameters:
        del template["Parameters"]
    if not conditions:
        del template["Conditions"]
    path = directory / name
    path.write_text(json.dumps(template), encoding="utf-8")
    return path


def _key(finding: Finding) -> tuple[str, str]:
    """A finding's claim: this rule, on this property. (A message may list fewer items when some are unknown.)"""
    return (finding.rule_id, finding.property)


@pytest.mark.slow
@settings(max_examples=examples(150))
@given(cases())
def test_intrinsics_never_add_findings(case: tuple[dict[str, Any], dict[str, Any], dict[str, tuple[str, Any]]]) -> None:
    props, _alternatives, wrapped = case
    parameters: dict[str, Any] = {}
    conditions: dict[str, Any] = {}
    with_intrinsics = dict(props)
    for key, (mode, alternative) in wrapped.items():
        kind, text = _param_text(props[key])
        if mode == "default":
            if isinstance(props[key], list) and not props[key]:
                continue
            parameters[f"P{key}"] = {"Type": kind, "Default": text}
            with_intrinsics[key] = {"Ref": f"P{key}"}
        elif mode == "unknown":
            parameters[f"P{key}"] = {"Type": kind}
            with_intrinsics[key] = {"Ref": f"P{key}"}
        else:
            parameters[f"U{key}"] = {"Type": "String"}
            conditions[f"C{key}"] = {"Fn::Equals": [{"Ref": f"U{key}"}, "x"]}
            with_intrinsics[key] = {"Fn::If": [f"C{key}", props[key], alternative]}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        findings = scan_paths(_write(directory, "intrinsic.json", parameters, conditions, with_intrinsics)).findings
        for finding in findings:
            outcomes = dict(finding.scenario.conditions) if finding.scenario else {}
            # every hand-resolved template consistent with the finding's scenario
            variants: list[dict[str, Any]] = [dict(props)]
            for key, (mode, alternative) in wrapped.items():
                if mode == "unknown" or (mode == "if" and f"C{key}" not in outcomes):
                    variants = [*variants, *[{**v, key: alternative} for v in variants]]
                elif mode == "if" and outcomes[f"C{key}"] is False:
                    variants = [{**v, key: alternative} for v in variants]
            for index, variant in enumerate(variants[:16]):
                resolved = scan_paths(_write(directory, f"hand{index}.json", {}, {}, variant)).findings
                assert _key(finding) in {_key(f) for f in resolved}, (finding, variant)
