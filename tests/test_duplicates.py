"""Keys written twice in one mapping: an input error in plain CloudFormation; in a template with a ``Transform``
(SAM), the last value kept as SAM CLI keeps it, COG-E038 on a client, a notice elsewhere (cogcheck.cfn.duplicates)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cogcheck.cfn.duplicates import MAX_RECORDED, has_transform
from cogcheck.cfn.parse import TemplateError, parse_template, parse_yaml_document
from cogcheck.scan.check import MAX_DUPLICATE_NOTICES
from tests.helpers import scan_text

CLIENT = "AWS::Cognito::UserPoolClient"

#: a client whose access token is written twice: 25 hours (COG-E001), then 1 hour (valid)
YAML = """{transform}Resources:
  Pool: {{Type: AWS::Cognito::UserPool}}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      TokenValidityUnits: {{AccessToken: hours}}
      AccessTokenValidity: {first}
      AccessTokenValidity: {last}
"""


def _last_line(text: str, key: str) -> int:
    return max(number for number, line in enumerate(text.splitlines(), start=1) if key in line)


def _yaml(transform: str, first: int = 25, last: int = 1) -> str:
    return YAML.format(transform=transform, first=first, last=last)


def _json(transform: object, first: int = 25, last: int = 1) -> str:
    head = f'"Transform": {json.dumps(transform)},\n' if transform is not None else ""
    return (
        "{\n" + head + '"Resources": {\n"Pool": {"Type": "AWS::Cognito::UserPool"},\n"Client": {\n'
        f'"Type": "{CLIENT}",\n"Properties": {{\n"UserPoolId": {{"Ref": "Pool"}},\n'
        '"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],\n'
        '"TokenValidityUnits": {"AccessToken": "hours"},\n'
        f'"AccessTokenValidity": {first},\n"AccessTokenValidity": {last}\n}}}}}}}}\n'
    )


@pytest.mark.parametrize("name", ["t.yaml", "t.json"])
def test_plain_cloudformation_keeps_the_input_error(tmp_path: Path, name: str) -> None:
    text = _yaml("") if name.endswith("yaml") else _json(None)
    result = scan_text(tmp_path, text, name)
    (error,) = result.errors
    assert error.line == _last_line(text, "AccessTokenValidity")
    assert "duplicate key 'AccessTokenValidity'" in error.message
    assert result.findings == []


@pytest.mark.parametrize(
    ("name", "transform"),
    [
        ("t.yaml", "Transform: AWS::Serverless-2016-10-31\n"),
        ("t.yaml", "Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]\n"),
        ("t.json", "AWS::Serverless-2016-10-31"),
        ("t.json", ["AWS::Serverless-2016-10-31"]),
    ],
)
def test_with_a_transform_the_last_value_is_checked_and_the_duplicate_warned(
    tmp_path: Path, name: str, transform: object
) -> None:
    is_yaml = name.endswith("yaml")
    text = _yaml(str(transform)) if is_yaml else _json(transform)
    result = scan_text(tmp_path, text, name)
    assert result.errors == [] and result.clients == 1
    (warning,) = [f for f in result.findings if f.rule_id == "COG-E038"]
    assert warning.severity == "warning" and warning.resource == "Client"
    assert warning.property == "AccessTokenValidity" and warning.message.startswith("AccessTokenValidity is written")
    assert warning.line == _last_line(text, "AccessTokenValidity")  # the repeated key: the value kept
    assert "COG-E001" not in {f.rule_id for f in result.findings}  # 1 hour, the last value, is valid
    # the other way round, the kept value is the bad one and is reported
    text = _yaml(str(transform), first=1, last=25) if is_yaml else _json(transform, first=1, last=25)
    again = scan_text(tmp_path, text, name)
    (error,) = [f for f in again.findings if f.rule_id == "COG-E001"]
    assert error.line == warning.line


def test_yaml_and_json_give_the_same_duplicate_finding(tmp_path: Path) -> None:
    from tests.helpers import identity

    from_yaml = scan_text(tmp_path, _yaml("Transform: AWS::Serverless-2016-10-31\n"), "t.yaml")
    from_json = scan_text(tmp_path, _json("AWS::Serverless-2016-10-31"), "t.json")
    assert sorted(map(identity, from_yaml.findings), key=repr) == sorted(map(identity, from_json.findings), key=repr)


@pytest.mark.parametrize("transform", ["''", "[]", "null", "{}"])
def test_an_empty_transform_is_not_a_transform(tmp_path: Path, transform: str) -> None:
    result = scan_text(tmp_path, _yaml(f"Transform: {transform}\n"))
    assert len(result.errors) == 1 and "duplicate key" in result.errors[0].message


def test_has_transform() -> None:
    assert has_transform({"Transform": "AWS::Serverless-2016-10-31"})
    assert has_transform({"Transform": ["AWS::Include", "AWS::Serverless-2016-10-31"]})
    assert not has_transform({"Transform": ""}) and not has_transform({"Transform": [None]})
    assert not has_transform({"Resources": {}}) and not has_transform(["Transform"])


def test_keys_repeated_outside_clients_are_notices(tmp_path: Path) -> None:
    text = (
        "Transform: AWS::Serverless-2016-10-31\nDescription: a\nDescription: b\nResources:\n"
        "  Pool:\n    Type: AWS::Cognito::UserPool\n    Properties:\n      MfaConfiguration: 'ON'\n"
        "      MfaConfiguration: OPTIONAL\n"
        "  Client:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {UserPoolId: !Ref Pool}\n"
    )
    result = scan_text(tmp_path, text)
    assert result.errors == [] and result.clients == 1
    assert "COG-E038" not in {f.rule_id for f in result.findings}
    notices = sorted((n.resource or "", n.message.split(":")[0]) for n in result.notices)
    assert notices == [("", "line 3"), ("Pool", "line 9")]
    assert all("keeps the last value" in n.message for n in result.notices)
    # the pool's kept value is the last one
    template = parse_template("t.yaml", text.encode(), suffix=".yaml")
    assert template is not None and template.resources["Pool"]["Properties"]["MfaConfiguration"] == "OPTIONAL"


def test_notices_are_capped_and_the_rest_counted(tmp_path: Path) -> None:
    repeats = "".join(f"      K{i}: a\n      K{i}: b\n" for i in range(MAX_DUPLICATE_NOTICES + 5))
    text = (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n"
        + repeats + "  Client:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {UserPoolId: x}\n"
    )
    result = scan_text(tmp_path, text)
    assert len(result.notices) == MAX_DUPLICATE_NOTICES + 1
    assert any(n.message.startswith("5 more keys") for n in result.notices)


def test_duplicates_are_recorded_up_to_a_bound_and_all_counted() -> None:
    count = MAX_RECORDED * 3
    text = "Transform: X\nResources:\n  T:\n    Properties:\n" + "".join(f"      K: {i}\n" for i in range(count))
    template = parse_template("t.yaml", text.encode(), suffix=".yaml")
    assert template is not None
    assert len(template.duplicates.found) == MAX_RECORDED and template.duplicates.total == count - 1
    assert template.resources["T"]["Properties"]["K"] == count - 1


def test_paths_through_lists_short_forms_and_json_arrays() -> None:
    text = "Transform: X\nResources:\n  C:\n    Properties:\n      L:\n        - !If [c, {a: 1, a: 2}, x]\n"
    template = parse_template("t.yaml", text.encode(), suffix=".yaml")
    assert template is not None
    (dup,) = template.duplicates.found
    assert dup.path == ("Resources", "C", "Properties", "L", 0, "Fn::If", 1, "a") and dup.line == 6
    doc = '{"Transform": "X", "Resources": {"C": {"Properties": {"L": [0, "a,b", {"k": [1, {"a": 1, "a": 2}]}]}}}}'
    template = parse_template("t.json", doc.encode(), suffix=".json")
    assert template is not None
    (dup,) = template.duplicates.found
    assert dup.path == ("Resources", "C", "Properties", "L", 2, "k", 1, "a")


def test_merge_keys_are_still_not_duplicates() -> None:
    text = "Transform: X\nBase: &b {A: 1}\nResources:\n  C:\n    Properties:\n      <<: *b\n      A: 2\n"
    template = parse_template("t.yaml", text.encode(), suffix=".yaml")
    assert template is not None and not template.duplicates
    assert template.resources["C"]["Properties"]["A"] == 2


def test_other_yaml_documents_still_refuse_duplicates() -> None:
    with pytest.raises(TemplateError) as caught:
        parse_yaml_document("config.yaml", b"Transform: X\nselect: [a]\nselect: [b]\n")
    assert caught.value.line == 3 and "duplicate key 'select'" in caught.value.message
