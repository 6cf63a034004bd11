"""What CloudFormation would deploy: parameters, conditions, intrinsics, scenarios and how findings report them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cogcheck.cfn.parse import parse_template
from cogcheck.cfn.resolve import ResolveOptions, Resolver
from cogcheck.cfn.scenarios import plan_scenarios
from cogcheck.cfn.values import NO_VALUE, ResourceRef, Unknown
from tests.helpers import scan_text

HEAD = "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n"


def resolver(text: str, **options: Any) -> Resolver:
    template = parse_template("t.yaml", text.encode(), suffix=".yaml")
    assert template is not None
    return Resolver(template, ResolveOptions(**options))


def client(body: str, params: str = "", extra: str = "") -> str:
    return (
        (f"Parameters:\n{params}" if params else "")
        + extra
        + HEAD
        + "  Client:\n    Type: AWS::Cognito::UserPoolClient\n    Properties:\n      UserPoolId: !Ref Pool\n"
        + body
    )


def rules(result: Any, rule_id: str) -> list[Any]:
    return [f for f in result.findings if f.rule_id == rule_id]


# ------------------------------------------------------------------------------------------------ intrinsics


def test_intrinsics_with_known_parts() -> None:
    r = resolver(
        """
Parameters:
  Env: {Type: String, Default: prod}
  Hosts: {Type: CommaDelimitedList, Default: "a.example.org,b.example.org"}
  Days: {Type: Number, Default: "7"}
Mappings:
  Settings: {prod: {Unit: days}}
Resources:
  Api: {Type: AWS::Cognito::UserPoolResourceServer, Properties: {Identifier: api}}
  Idp: {Type: AWS::Cognito::UserPoolIdentityProvider, Properties: {ProviderName: Okta}}
  Pool: {Type: AWS::Cognito::UserPool}
"""
    )
    assert r.value({"Fn::Sub": "https://${Env}.example.org/${!Literal}"}) == "https://prod.example.org/${Literal}"
    assert r.value({"Fn::Sub": ["${Scheme}://x", {"Scheme": "https"}]}) == "https://x"
    assert r.value({"Fn::Join": [",", [{"Ref": "Env"}, "x"]]}) == "prod,x"
    assert r.value({"Fn::Select": [1, {"Ref": "Hosts"}]}) == "b.example.org"
    assert r.value({"Fn::Split": [".", "a.b"]}) == ["a", "b"]
    assert r.value({"Fn::Length": {"Ref": "Hosts"}}) == 2
    assert r.value({"Fn::ToJsonString": {"a": [1]}}) == '{"a":[1]}'
    assert r.value({"Fn::FindInMap": ["Settings", {"Ref": "Env"}, "Unit"]}) == "days"
    assert r.value({"Fn::FindInMap": ["Settings", "dev", "Unit", {"DefaultValue": "hours"}]}) == "hours"
    assert r.value({"Ref": "Days"}) == 7
    assert r.value({"Fn::Join": ["", [{"Ref": "Api"}, "/read"]]}) == "api/read"
    assert r.value({"Ref": "Idp"}) == "Okta"
    assert r.value({"Ref": "Pool"}) == ResourceRef("Ref to resource Pool", "Pool")
    assert r.value([1, {"Ref": "AWS::NoValue"}, 2]) == [1, 2]
    assert r.value({"a": {"Ref": "AWS::NoValue"}, "b": 1}) == {"b": 1}
    assert r.value({"Ref": "AWS::NoValue"}) is NO_VALUE


@pytest.mark.parametrize(
    "node",
    [
        {"Fn::GetAtt": ["Pool", "Arn"]},
        {"Fn::ImportValue": "x"},
        {"Ref": "AWS::Region"},
        {"Fn::Sub": "${AWS::AccountId}"},
        {"Fn::Sub": "${Pool.Arn}"},
        {"Fn::Join": ["", [{"Fn::GetAtt": ["Pool", "Arn"]}, "x"]]},
        {"Fn::GetAZs": ""},
        {"Ref": "Nowhere"},
        {"Fn::FindInMap": ["Settings", "missing", "Unit"]},
    ],
)
def test_unknowable_values_are_unknown(node: dict[str, Any]) -> None:
    r = resolver("Mappings: {Settings: {prod: {Unit: days}}}\nResources:\n  Pool: {Type: AWS::Cognito::UserPool}\n")
    assert isinstance(r.value(node), Unknown)


def test_pseudo_parameters_when_given() -> None:
    r = resolver("Resources: {}\n", pseudo={"AWS::Region": "eu-west-1", "AWS::AccountId": "123"})
    assert r.value({"Fn::Sub": "${AWS::Region}:${AWS::AccountId}"}) == "eu-west-1:123"


def test_ssm_parameters_and_serverless_variables_are_unknown(tmp_path: Path) -> None:
    r = resolver("Parameters:\n  P: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /x}\nResources: {}\n")
    assert isinstance(r.value({"Ref": "P"}), Unknown)
    serverless = (
        "service: x\nresources:\n  Resources:\n    Pool: {Type: AWS::Cognito::UserPool}\n"
        "    C:\n      Type: AWS::Cognito::UserPoolClient\n"
        "      Properties: {UserPoolId: !Ref Pool, AccessTokenValidity: '${self:custom.validity}'}\n"
    )
    result = scan_text(tmp_path, serverless, "serverless.yml")
    assert result.clients == 1 and not rules(result, "COG-E001")


def test_conditions_three_valued() -> None:
    r = resolver(
        """
Parameters:
  Env: {Type: String, Default: prod}
  Unknown: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Maybe: !Equals [!Ref Unknown, x]
  ProdOrMaybe: !Or [!Condition IsProd, !Condition Maybe]
  ProdAndMaybe: !And [!Condition IsProd, !Condition Maybe]
  DevAndMaybe: !And [!Condition IsDev, !Condition Maybe]
  Loop: !Condition Loop
Resources: {}
"""
    )
    assert r.condition("IsProd") is True
    assert r.condition("IsDev") is False
    assert r.condition("Maybe") is None
    assert r.condition("ProdOrMaybe") is True
    assert r.condition("ProdAndMaybe") is None
    assert r.condition("DevAndMaybe") is False
    assert r.condition("Loop") is None
    assert r.value({"Fn::If": ["IsProd", "a", "b"]}) == "a"
    assert isinstance(r.value({"Fn::If": ["Maybe", "a", "b"]}), Unknown)


# --------------------------------------------------------------------------------------------------- scenarios


def test_parameter_default_is_used(tmp_path: Path) -> None:
    result = scan_text(tmp_path, client("      AccessTokenValidity: !Ref V\n", "  V: {Type: Number, Default: 60}\n"))
    (finding,) = rules(result, "COG-E001")
    assert finding.scenario is None and "60 hours" in finding.message


def test_parameter_without_default_abstains(tmp_path: Path) -> None:
    result = scan_text(tmp_path, client("      AccessTokenValidity: !Ref V\n", "  V: {Type: Number}\n"))
    assert not rules(result, "COG-E001")


def test_override_wins_over_default(tmp_path: Path) -> None:
    text = client("      AccessTokenValidity: !Ref V\n", "  V: {Type: Number, Default: 60}\n")
    assert not rules(scan_text(tmp_path, text, resolve=ResolveOptions({"V": "12"})), "COG-E001")
    text = client("      AccessTokenValidity: !Ref V\n", "  V: {Type: Number}\n")
    assert rules(scan_text(tmp_path, text, resolve=ResolveOptions({"V": "30"})), "COG-E001")


def test_allowed_values_are_each_a_deployment(tmp_path: Path) -> None:
    text = client(
        "      IdTokenValidity: 2\n      TokenValidityUnits: {IdToken: !Ref IdUnit}\n",
        "  IdUnit: {Type: String, AllowedValues: [minutes, hours, days], Default: hours}\n",
    )
    result = scan_text(tmp_path, text)
    findings = rules(result, "COG-E002")  # 2 minutes and 2 days are out of range, 2 hours is not
    assert [f.scenario_text for f in findings] == ["when IdUnit=days", "when IdUnit=minutes"]
    assert findings[1].scenario is not None
    assert findings[1].scenario.as_json() == {"parameters": {"IdUnit": "minutes"}, "conditions": {}}
    assert "2 minutes" in findings[1].message and "2 days" in findings[0].message


def test_same_finding_everywhere_is_reported_once_without_scenario(tmp_path: Path) -> None:
    text = client(
        "      AccessTokenValidity: 25\n      TokenValidityUnits: {IdToken: !Ref IdUnit}\n",
        "  IdUnit: {Type: String, AllowedValues: [minutes, hours]}\n",
    )
    (finding,) = rules(scan_text(tmp_path, text), "COG-E001")
    assert finding.scenario is None


def test_undecidable_condition_is_taken_both_ways(tmp_path: Path) -> None:
    text = client(
        "      AllowedOAuthFlowsUserPoolClient: true\n"
        "      AllowedOAuthScopes: [openid]\n"
        "      AllowedOAuthFlows: [code]\n"
        "      CallbackURLs: [https://a.example.org/cb]\n"
        "      AuthSessionValidity: !If [IsProd, 10, 30]\n",
        "  Env: {Type: String}\n",
        "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n",
    )
    (finding,) = rules(scan_text(tmp_path, text), "COG-E007")
    assert finding.scenario is not None
    assert finding.scenario.as_json() == {"parameters": {}, "conditions": {"IsProd": False}}
    assert finding.scenario_text == "when IsProd is false"
    assert "30 minutes" in finding.message


def test_if_in_a_list_with_no_value(tmp_path: Path) -> None:
    text = client(
        "      AllowedOAuthFlows:\n        - code\n        - !If [IsDev, implicit, !Ref AWS::NoValue]\n"
        "      AllowedOAuthScopes: [openid]\n      CallbackURLs: [https://a.example.org/cb]\n",
        "  Stage: {Type: String, AllowedValues: [dev, prod]}\n",
        "Conditions:\n  IsDev: !Equals [!Ref Stage, dev]\n",
    )
    result = scan_text(tmp_path, text)
    (finding,) = rules(result, "COG-E013")  # AllowedOAuthFlowsUserPoolClient absent: in both deployments
    assert finding.scenario is None


def test_if_around_whole_properties(tmp_path: Path) -> None:
    text = (
        "Parameters:\n  Stage: {Type: String, AllowedValues: [dev, prod], Default: dev}\n"
        "Conditions:\n  IsProd: !Equals [!Ref Stage, prod]\n" + HEAD + "  Client:\n"
        "    Type: AWS::Cognito::UserPoolClient\n"
        "    Properties: !If\n"
        "      - IsProd\n"
        "      - {UserPoolId: !Ref Pool, AuthSessionValidity: 10}\n"
        "      - {UserPoolId: !Ref Pool, AuthSessionValidity: 20}\n"
    )
    (finding,) = rules(scan_text(tmp_path, text), "COG-E007")
    assert finding.scenario_text == "when Stage=dev"
    assert finding.line == 12  # the AuthSessionValidity of the dev branch, not the Properties key


def test_conditional_generate_secret(tmp_path: Path) -> None:
    text = client(
        "      GenerateSecret: !If [HasSecret, true, !Ref AWS::NoValue]\n"
        "      EnablePropagateAdditionalUserContextData: true\n",
        "  Secret: {Type: String, AllowedValues: ['yes', 'no']}\n",
        "Conditions:\n  HasSecret: !Equals [!Ref Secret, 'yes']\n",
    )
    (finding,) = rules(scan_text(tmp_path, text), "COG-E023")
    assert finding.scenario_text == "when Secret=no"


def test_resource_condition_removes_the_client(tmp_path: Path) -> None:
    text = client(
        "      AuthSessionValidity: 30\n",
        "  Create: {Type: String, AllowedValues: ['yes', 'no']}\n",
        "Conditions:\n  ShouldCreate: !Equals [!Ref Create, 'yes']\n",
    )
    marker = "    Type: AWS::Cognito::UserPoolClient\n"
    text = text.replace(marker, marker + "    Condition: ShouldCreate\n")
    (finding,) = rules(scan_text(tmp_path, text), "COG-E007")
    assert finding.scenario is None  # it exists in one deployment and is wrong in every one it exists in
    never = text.replace("AllowedValues: ['yes', 'no']", "AllowedValues: ['no']")
    assert not rules(scan_text(tmp_path, never), "COG-E007")


def test_scenario_bound_gives_a_notice(tmp_path: Path) -> None:
    params = "".join(f"  P{i}: {{Type: String, AllowedValues: [a, b, c]}}\n" for i in range(5))
    body = "      ClientName: !Join ['-', [" + ", ".join(f"!Ref P{i}" for i in range(5)) + "]]\n"
    text = client(body + "      AuthSessionValidity: 30\n", params)
    result = scan_text(tmp_path, text, resolve=ResolveOptions(max_scenarios=9))
    assert any("more than 9 deployments" in n.message for n in result.notices)
    assert rules(result, "COG-E007")
    template = parse_template("t.yaml", text.encode(), suffix=".yaml")
    assert template is not None
    assert len(plan_scenarios(template, "Client", ResolveOptions(max_scenarios=9)).scenarios) <= 9


def test_fingerprints_include_the_scenario(tmp_path: Path) -> None:
    text = client(
        "      IdTokenValidity: 2\n      TokenValidityUnits: {IdToken: !Ref IdUnit}\n",
        "  IdUnit: {Type: String, AllowedValues: [days, seconds]}\n",
    )
    findings = rules(scan_text(tmp_path, text), "COG-E002")
    assert len(findings) == 2
    assert len({f.fingerprint for f in findings}) == 2


def test_parameters_file_forms(tmp_path: Path) -> None:
    from cogcheck.config.options import OptionError, read_parameters_file

    cli_form = tmp_path / "a.json"
    cli_form.write_text(json.dumps([{"ParameterKey": "V", "ParameterValue": "60"}]), encoding="utf-8")
    mapping = tmp_path / "b.json"
    mapping.write_text(json.dumps({"V": 60, "L": ["a", "b"]}), encoding="utf-8")
    assert read_parameters_file(cli_form) == {"V": "60"}
    assert read_parameters_file(mapping) == {"V": "60", "L": "a,b"}
    bad = tmp_path / "c.json"
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(OptionError, match="not JSON"):
        read_parameters_file(bad)


def test_values_computed_from_a_resource_ref_are_not_the_resource() -> None:
    r = resolver("Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n")
    assert isinstance(r.value({"Ref": "Pool"}), ResourceRef)
    for node in (
        {"Fn::Sub": "${Pool}-suffix"},
        {"Fn::Join": ["", [{"Ref": "Pool"}, "/x"]]},
        {"Fn::Split": [",", {"Ref": "Pool"}]},
    ):
        value = r.value(node)
        assert isinstance(value, Unknown) and not isinstance(value, ResourceRef), node
    assert isinstance(r.value({"Fn::Select": [0, [{"Ref": "Pool"}]]}), ResourceRef)  # the item itself


def test_a_parameter_outside_the_scenario_with_several_values_is_unknown() -> None:
    r = resolver("Parameters:\n  Tier: {Type: String, AllowedValues: [LITE, PLUS], Default: PLUS}\nResources: {}\n")
    assert isinstance(r.value({"Ref": "Tier"}), Unknown)
    fixed = Resolver(r.template, ResolveOptions(), {"Tier": "LITE"})
    assert fixed.value({"Ref": "Tier"}) == "LITE"
    assert Resolver(r.template, ResolveOptions({"Tier": "PLUS"})).value({"Ref": "Tier"}) == "PLUS"


def test_to_json_string_of_no_value_is_unknown() -> None:
    """Found by bench/fuzz.py: it was an internal error (NO_VALUE is not JSON)."""
    from cogcheck.cfn.parse import as_template
    from cogcheck.cfn.resolve import Resolver
    from cogcheck.cfn.values import Unknown

    template = as_template("t.json", {"Resources": {}})
    assert template is not None
    assert isinstance(Resolver(template).value({"Fn::ToJsonString": {"Ref": "AWS::NoValue"}}), Unknown)
