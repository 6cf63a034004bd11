"""Loading: JSON and YAML with short-form tags, positions, errors, and the safety bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cogcheck.cfn.parse import MAX_EXPANDED_NODES, TemplateError, parse_template
from tests.helpers import scan_text

SHORT_FORMS = """
Resources:
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      A: !Ref Pool
      B: !GetAtt Pool.Arn
      C: !GetAtt [Pool, ProviderName]
      D: !Sub "${AWS::Region}-x"
      E: !If [Cond, 1, 2]
      F: !Join ["", [a, b]]
      G: !Select [0, !Split [",", "a,b"]]
      H: !FindInMap [M, k, v]
      I: !Equals [a, b]
      J: !And [!Condition X, !Or [!Not [!Condition Y], !Condition Z]]
      K: !ImportValue exported
      L: !Base64 text
      M: !Cidr [10.0.0.0/16, 4, 8]
      N: !GetAZs ""
      O: !Transform {Name: AWS::Include, Parameters: {Location: s3://x}}
      P: 2010-09-09
"""


def test_short_form_tags_become_long_forms() -> None:
    template = parse_template("t.yaml", SHORT_FORMS.encode(), suffix=".yaml")
    assert template is not None
    props = template.resources["Client"]["Properties"]
    assert props["A"] == {"Ref": "Pool"}
    assert props["B"] == {"Fn::GetAtt": ["Pool", "Arn"]}
    assert props["C"] == {"Fn::GetAtt": ["Pool", "ProviderName"]}
    assert props["D"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert props["E"] == {"Fn::If": ["Cond", 1, 2]}
    assert props["F"] == {"Fn::Join": ["", ["a", "b"]]}
    assert props["G"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert props["H"] == {"Fn::FindInMap": ["M", "k", "v"]}
    assert props["I"] == {"Fn::Equals": ["a", "b"]}
    assert props["J"] == {
        "Fn::And": [{"Condition": "X"}, {"Fn::Or": [{"Fn::Not": [{"Condition": "Y"}]}, {"Condition": "Z"}]}]
    }
    assert props["K"] == {"Fn::ImportValue": "exported"}
    assert props["L"] == {"Fn::Base64": "text"}
    assert props["M"] == {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}
    assert props["N"] == {"Fn::GetAZs": ""}
    assert props["O"] == {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://x"}}}
    assert props["P"] == "2010-09-09"  # dates stay strings, as CloudFormation reads them


def test_yaml_positions_follow_paths_through_short_forms() -> None:
    template = parse_template("t.yaml", SHORT_FORMS.encode(), suffix=".yaml")
    assert template is not None
    assert template.locate(("Resources", "Client", "Properties", "E")) == (10, 7)
    assert template.locate(("Resources", "Client", "Properties", "E", "Fn::If", 2)) == (10, 24)
    # a path that is not written stops at the deepest part that is
    assert template.locate(("Resources", "Client", "Properties", "Missing")) == (5, 5)


def test_json_positions() -> None:
    doc = {"Resources": {"Pool": {"Type": "P"}, "Client": {"Type": "C", "Properties": {"L": ["x", "y"], "K": 1}}}}
    text = json.dumps(doc, indent=2)
    template = parse_template("t.json", text.encode(), suffix=".json")
    assert template is not None
    lines = text.splitlines()
    line, column = template.locate(("Resources", "Client", "Properties", "L", 1))
    assert lines[line - 1][column - 1 :].startswith('"y"')
    line, column = template.locate(("Resources", "Client", "Properties", "K"))
    assert lines[line - 1][column - 1 :].startswith('"K"')
    assert template.locate(("Resources", "Client", "Properties", "Nope")) == template.locate(
        ("Resources", "Client", "Properties")
    )


def test_not_a_template_is_none() -> None:
    assert parse_template("x.yaml", b"just: a mapping\n", suffix=".yaml") is None
    assert parse_template("x.json", b"[1, 2]", suffix=".json") is None


def test_serverless_resources_are_found() -> None:
    text = b"service: x\nresources:\n  Resources:\n    C: {Type: AWS::Cognito::UserPoolClient}\n"
    template = parse_template("serverless.yml", text, suffix=".yml")
    assert template is not None and template.serverless
    assert list(template.resources) == ["C"]


@pytest.mark.parametrize(
    ("name", "data", "line", "words"),
    [
        ("bad.yaml", b"Resources:\n  A: [1, 2\n  B: 3\n", 3, "invalid YAML"),
        ("bad.json", b'{\n "Resources": {\n  "A": ,\n }\n}', 3, "invalid JSON"),
        ("bad.yaml", b"\xff\xfe\x00garbag", None, "not UTF-16"),  # a UTF-16 byte order mark: decoded as such
        ("bad.yaml", b"\xc3\x28garbage", None, "not UTF-8"),
    ],
)
def test_errors_name_the_line(name: str, data: bytes, line: int | None, words: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(name, data, suffix=Path(name).suffix)
    assert caught.value.line == line
    assert words in caught.value.message
    assert str(caught.value).startswith(name)


def test_alias_expansion_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    lines.append("Resources: {C: {Type: AWS::Cognito::UserPoolClient, Properties: {X: *a8}}}")
    with pytest.raises(TemplateError) as caught:
        parse_template("bomb.yaml", "\n".join(lines).encode(), suffix=".yaml")
    assert f"{MAX_EXPANDED_NODES:,}" in caught.value.message


def test_python_tags_are_not_constructed(tmp_path: Path) -> None:
    """Safe loading: a python/object tag is just another unknown short form, never executed."""
    text = """
Resources:
  C:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      X: !!python/object/apply:os.system ["echo pwned > pwned.txt"]
"""
    result = scan_text(tmp_path, text)
    assert not (tmp_path / "pwned.txt").exists()
    assert len(result.errors) == 1 and "invalid YAML" in result.errors[0].message


def test_unparsable_input_does_not_stop_the_scan(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("Resources: {C: {Type: AWS::Cognito::UserPoolClient\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "Resources:\n  C:\n    Type: AWS::Cognito::UserPoolClient\n"
        "    Properties: {UserPoolId: us-east-1_AbC123, AuthSessionValidity: 99}\n",
        encoding="utf-8",
    )
    from tests.helpers import scan_paths

    result = scan_paths(tmp_path)
    assert [e.file for e in result.errors] == [str(tmp_path / "a.yaml")]
    assert [f.rule_id for f in result.findings if f.severity == "error"] == ["COG-E007"]
