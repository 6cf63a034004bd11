"""Attribute shapes: a reference's value is unknown, its shape is not (cogcheck.cfn.shapes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cogcheck.cfn.parse import parse_template
from cogcheck.cfn.resolve import Resolver
from cogcheck.cfn.shapes import (
    cloudformation_shape,
    length_relation,
    pattern_relation,
    terraform_shape,
    terraform_type,
)
from cogcheck.cfn.values import ResourceRef, Shape, Unknown
from tests.helpers import scan_paths

POOL_ID = "^[\\w-]+_[0-9a-zA-Z]+$"
ARN = cloudformation_shape("AWS::Cognito::UserPool", "Arn", "Fn::GetAtt Pool.Arn")
ID = cloudformation_shape("AWS::Cognito::UserPool", "Ref", "Ref Pool")
CLIENT_ID = cloudformation_shape("AWS::Cognito::UserPoolClient", "Ref", "Ref Client")


def _shape(shape: Shape | None) -> Shape:
    assert shape is not None
    return shape


@pytest.mark.parametrize(
    ("shape", "pattern", "relation"),
    [
        (ARN, POOL_ID, False),  # an ARN never is a pool id
        (ID, POOL_ID, True),  # a pool id always is
        (CLIENT_ID, POOL_ID, None),  # [\w+]+ may or may not be
        (ID, "^[0-9a-fA-F]+$", False),  # a pool id has an underscore
        (ARN, "^arn:", True),  # search semantics: a prefix is enough
        (ARN, "[^0-9a-fA-F]", True),  # every ARN has a character that is not hexadecimal
        (ID, "^$|[^0-9a-fA-F]", None),  # anchors inside an alternative: not compared
        (ID, "(?i)^US", None),  # inline flags: not compared
        (ARN, "^[\\p{L}]+$", None),  # Unicode classes: not compared
    ],
)
def test_pattern_relation(shape: Shape | None, pattern: str, relation: bool | None) -> None:
    assert pattern_relation(_shape(shape), pattern) is relation


def test_length_relation() -> None:
    arn = _shape(ARN)  # 20 to 2048 characters
    assert length_relation(arn, 1, 55) is None
    assert length_relation(arn, 1, 19) is False
    assert length_relation(arn, 20, None) is True
    assert length_relation(_shape(ID), None, 55) is True


def test_terraform_attributes() -> None:
    assert terraform_type("module.a.aws_cognito_user_pool.p[0]") == "aws_cognito_user_pool"
    arn = terraform_shape("aws_cognito_user_pool", "Arn", "aws_cognito_user_pool.p.arn")
    assert arn is not None and arn.label == "an ARN" and arn.origin == "aws_cognito_user_pool.p.arn"
    assert terraform_shape("aws_cognito_user_pool", "creation_date", "x") is None
    assert terraform_shape("aws_s3_bucket", "arn", "x") is None


def test_the_resolver_gives_references_their_shapes(tmp_path: Path) -> None:
    text = (
        "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  Bucket: {Type: AWS::S3::Bucket}\n"
        "  C:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {UserPoolId: !Ref Pool}\n"
    )
    template = parse_template("t.yaml", text.encode(), suffix=".yaml")
    assert template is not None
    resolver = Resolver(template)
    ref = resolver.value({"Ref": "Pool"})
    assert isinstance(ref, ResourceRef) and ref.logical_id == "Pool" and ref.shape is not None
    assert ref.shape.label == "a user pool id" and ref.shape.origin == "Ref Pool"
    arn = resolver.value({"Fn::GetAtt": "Pool.Arn"})
    assert isinstance(arn, Unknown) and arn.shape is not None and arn.shape.origin == "Fn::GetAtt Pool.Arn"
    assert resolver.value({"Fn::GetAtt": ["Pool", "CreationDate"]}).shape is None  # no data: a plain unknown
    assert resolver.value({"Fn::GetAtt": ["Bucket", "Arn"]}).shape is None
    assert resolver.value({"Fn::GetAtt": ["Nowhere", "Arn"]}).shape is None
    # a value computed from a reference is no longer the reference: its shape is gone
    assert resolver.value({"Fn::Sub": "${Pool.Arn}/x"}).shape is None
    assert resolver.value({"Fn::Join": ["", [{"Fn::GetAtt": "Pool.Arn"}, "/x"]]}).shape is None
    assert resolver.value({"Fn::Split": ["/", {"Fn::GetAtt": "Pool.Arn"}]}).shape is None
    assert resolver.value({"Fn::Base64": {"Ref": "Pool"}}).shape is None
    # picking the reference itself out of a list keeps it
    assert resolver.value({"Fn::Select": [1, ["a", {"Fn::GetAtt": "Pool.Arn"}]]}).shape is not None
    # "${Pool.Arn}" alone is the attribute itself (and "${Pool}" the pool's id, though not the pool's identity)
    whole = resolver.value({"Fn::Sub": "${Pool.Arn}"})
    assert whole.shape is not None and whole.shape.origin == "Fn::GetAtt Pool.Arn"
    ref = resolver.value({"Fn::Sub": "${Pool}"})
    assert type(ref) is Unknown and ref.shape is not None and ref.shape.label == "a user pool id"


def test_a_shaped_reference_reads_as_what_it_is_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  C:\n    Type: AWS::Cognito::UserPoolClient\n"
        "    Properties: {UserPoolId: !GetAtt Pool.Arn}\n",
        encoding="utf-8",
    )
    found = [f for f in scan_paths(path).findings if f.rule_id == "COG-E037"]
    assert [f.severity for f in found] == ["error"]
    assert "Fn::GetAtt Pool.Arn (an ARN)" in found[0].message and "never matches" in found[0].message


def test_terraform_references_have_the_providers_shapes(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_cognito_user_pool" "p" {\n  name = "p"\n}\n'
        'resource "aws_cognito_user_pool_client" "c" {\n  name = "c"\n'
        "  user_pool_id = aws_cognito_user_pool.p.arn\n}\n"
        'resource "aws_cognito_user_pool_client" "ok" {\n  name = "ok"\n'
        "  user_pool_id = aws_cognito_user_pool.p.id\n}\n",
        encoding="utf-8",
    )
    found = [f for f in scan_paths(tmp_path).findings if f.rule_id == "COG-E037"]
    assert [(f.severity, f.line) for f in found] == [("error", 6)]
    assert "aws_cognito_user_pool.p.arn (an ARN)" in found[0].message


def test_terraform_text_around_a_reference_drops_its_shape(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_cognito_user_pool" "p" {\n  name = "p"\n}\n'
        'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_cognito_user_pool_client" "built" {\n  name = "built"\n'
        "  user_pool_id = aws_cognito_user_pool.p.id\n  analytics_configuration {\n"
        '    application_id = "abc"\n    external_id = "x"\n'
        '    role_arn = "arn:aws:iam::123456789012:role/${aws_iam_role.r.name}"\n  }\n}\n'
        'resource "aws_cognito_user_pool_client" "name" {\n  name = "name"\n'
        "  user_pool_id = aws_cognito_user_pool.p.id\n  analytics_configuration {\n"
        '    application_id = "abc"\n    external_id = "x"\n    role_arn = "${aws_iam_role.r.name}"\n  }\n}\n',
        encoding="utf-8",
    )
    found = [f for f in scan_paths(tmp_path).findings if f.rule_id == "COG-E030"]
    assert [f.resource for f in found] == ["aws_cognito_user_pool_client.name"]
