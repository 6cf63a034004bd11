"""The rules' fixes as declared: every shipped rule says whether it has a fix and why (docs.fix), the unit fix of
COG-E001–E003, the https fix of COG-E015, nested renames of COG-E036, and the edits that create what a fix sets (a
mapping, a JSON object, a Terraform block) in the style around them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cogcheck.engine.predicates.tokens import fitting_units
from cogcheck.engine.rules import RuleError, load_rules, parse_rule
from cogcheck.findings import Finding
from cogcheck.fix.apply import apply_fixes
from cogcheck.report.ruledocs import fix_line
from cogcheck.scan.pipeline import scan
from tests.fix_properties import check_fix_run

RULES = load_rules()


def test_every_shipped_rule_says_why_it_has_its_fix_or_none() -> None:
    for rule in RULES:
        why = rule.docs.get("fix")
        assert isinstance(why, str) and why.strip(), f"{rule.id}: docs.fix says why the fix is safe, unsafe or none"
        levels = rule.fix_applicability.split(" / ")
        if rule.fix_applicability == "none":
            assert not why.startswith(("Safe", "Unsafe")), rule.id
            assert fix_line(rule).startswith("Fix: none — "), rule.id
        else:
            assert why.split(":")[0].lower() in levels, (rule.id, why)


def test_docs_fix_is_optional_for_a_rule_pack_and_must_be_text() -> None:
    raw = {"id": "ORG-001", "name": "n", "severity": "note", "summary": "s", "when": {"present": "$.A"},
           "message": "m", "docs": {"what": "w", "why": "y", "example": "e", "use_instead": "u", "references": []}}
    assert parse_rule(raw, "ORG-001.yaml", [], pack="p").docs.get("fix") is None
    with pytest.raises(RuleError, match=r"docs\.fix must be a string"):
        parse_rule({**raw, "docs": {**raw["docs"], "fix": ["no"]}}, "ORG-001.yaml", [], pack="p")


@pytest.mark.parametrize(("number", "low", "high", "units"), [
    (60, 300, 86400, ["minutes"]),  # 60 hours is too long; 60 minutes fits, 60 seconds is too short
    (10, 300, 86400, ["minutes", "hours"]),
    (0, 300, 86400, []),
    (1, 300, 86400, ["hours", "days"]),
    (3651, 3600, 315360000, ["seconds", "minutes", "hours"]),
    (5256001, 3600, 315360000, ["seconds"]),
])
def test_the_units_that_put_a_number_in_range(number: int, low: int, high: int, units: list[str]) -> None:
    assert fitting_units(number, low, high) == units


def _client(tmp_path: Path, name: str, text: str) -> list[Finding]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return scan([str(path)]).findings


def _one(findings: list[Finding], rule_id: str) -> Finding:
    found = [f for f in findings if f.rule_id == rule_id]
    assert len(found) == 1, found
    return found[0]


def _fixed(path: Path, finding: Finding) -> str:
    assert finding.fix is not None, finding.fix_declined
    text, applied, _left = apply_fixes(path.read_text(encoding="utf-8"), [finding.fix])
    assert applied
    return text


YAML_4 = """Resources:
    Pool: {Type: AWS::Cognito::UserPool}
    Client:
        Type: AWS::Cognito::UserPoolClient
        Properties:
            UserPoolId: !Ref Pool
            AccessTokenValidity: 60   # minutes meant
"""


def test_a_unit_is_added_as_a_block_mapping_indented_like_the_file(tmp_path: Path) -> None:
    finding = _one(_client(tmp_path, "t.yaml", YAML_4), "COG-E001")
    assert finding.fix is not None and finding.fix.applicability == "unsafe"
    fixed = _fixed(tmp_path / "t.yaml", finding)
    assert fixed.endswith("            AccessTokenValidity: 60   # minutes meant\n"
                          "            TokenValidityUnits:\n                AccessToken: minutes\n")


def test_a_unit_is_added_in_flow_style_inside_a_flow_mapping(tmp_path: Path) -> None:
    text = ("Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  Client:\n    Type: AWS::Cognito::UserPoolClient\n"
            "    Properties: {UserPoolId: !Ref Pool, IdTokenValidity: 2, TokenValidityUnits: {IdToken: days}}\n")
    finding = _one(_client(tmp_path, "t.yaml", text), "COG-E002")
    assert "TokenValidityUnits: {IdToken: hours}}" in _fixed(tmp_path / "t.yaml", finding)
    text = text.replace(", TokenValidityUnits: {IdToken: days}", "").replace("Validity: 2", "Validity: 90")
    finding = _one(_client(tmp_path, "u.yaml", text), "COG-E002")
    assert "IdTokenValidity: 90, TokenValidityUnits: {IdToken: minutes}}" in _fixed(tmp_path / "u.yaml", finding)


def test_a_unit_is_added_as_an_indented_json_object(tmp_path: Path) -> None:
    doc = {"Resources": {"Pool": {"Type": "AWS::Cognito::UserPool"}, "Client": {
        "Type": "AWS::Cognito::UserPoolClient",
        "Properties": {"UserPoolId": {"Ref": "Pool"}, "RefreshTokenValidity": 5256001}}}}
    finding = _one(_client(tmp_path, "t.json", json.dumps(doc, indent="\t")), "COG-E003")
    fixed = _fixed(tmp_path / "t.json", finding)
    assert '"RefreshTokenValidity": 5256001,\n\t\t\t\t"TokenValidityUnits": {\n\t\t\t\t\t"RefreshToken": "seconds"\n' \
           '\t\t\t\t}\n' in fixed
    assert json.loads(fixed)["Resources"]["Client"]["Properties"]["TokenValidityUnits"] == {"RefreshToken": "seconds"}


def test_one_unit_fits_or_no_fix_says_why(tmp_path: Path) -> None:
    text = YAML_4.replace("AccessTokenValidity: 60   # minutes meant", "AccessTokenValidity: 3000")
    finding = _one(_client(tmp_path, "t.yaml", text), "COG-E001")  # 3000 seconds is the one unit that fits
    assert "AccessToken: seconds" in _fixed(tmp_path / "t.yaml", finding)
    text = YAML_4.replace("AccessTokenValidity: 60   # minutes meant", "AccessTokenValidity: 500")
    finding = _one(_client(tmp_path, "u.yaml", text), "COG-E001")
    assert finding.fix is None
    assert finding.fix_declined == "500 is in range as seconds or minutes: which one was meant is the author's choice"


def test_a_terraform_unit_block_is_added_inside_the_resource(tmp_path: Path) -> None:
    module = tmp_path / "m"
    module.mkdir()
    (module / "main.tf").write_text(
        'resource "aws_cognito_user_pool" "pool" {\n    name = "p"\n}\n\n'
        'resource "aws_cognito_user_pool_client" "web" {\n    name         = "web"\n'
        '    user_pool_id = aws_cognito_user_pool.pool.id\n    id_token_validity = 120 # minutes\n}\n',
        encoding="utf-8")
    finding = _one(scan([str(module)]).findings, "COG-E002")
    fixed = _fixed(module / "main.tf", finding)
    assert fixed.endswith('    id_token_validity = 120 # minutes\n    token_validity_units {\n'
                          '        id_token = "minutes"\n    }\n}\n')


def test_https_replaces_the_scheme_only(tmp_path: Path) -> None:
    text = ("Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  Client:\n    Type: AWS::Cognito::UserPoolClient\n"
            "    Properties:\n      UserPoolId: !Ref Pool\n      AllowedOAuthFlowsUserPoolClient: true\n"
            "      AllowedOAuthFlows: [code]\n      AllowedOAuthScopes: [openid]\n"
            "      CallbackURLs: ['HTTP://app.example.org/cb?next=http://x', \"http://localhost:3000/cb\"]\n")
    finding = _one(_client(tmp_path, "t.yaml", text), "COG-E015")
    assert finding.fix is not None and finding.fix.applicability == "unsafe"
    assert "CallbackURLs: ['https://app.example.org/cb?next=http://x', \"http://localhost:3000/cb\"]" in _fixed(
        tmp_path / "t.yaml", finding)


def test_a_fix_pattern_is_checked_when_the_rule_loads() -> None:
    raw = {"id": "ORG-001", "name": "n", "severity": "note", "summary": "s", "message": "m",
           "docs": {"what": "w", "why": "y", "example": "e", "use_instead": "u", "references": []}}
    fix = {"action": "replace", "value": "https://", "applicability": "unsafe", "description": "d"}
    with pytest.raises(RuleError, match=r"pattern: rewrites the item @"):
        parse_rule({**raw, "when": {"present": "$.A"}, "fix": {**fix, "pattern": "^http://"}}, "x.yaml", [], "p")
    with pytest.raises(RuleError, match=r"pattern: not a regular expression"):
        parse_rule({**raw, "for_each": "$.A[*]", "when": {"present": "@"}, "fix": {**fix, "pattern": "("}},
                   "x.yaml", [], "p")
    with pytest.raises(RuleError, match=r"target: 'A\.\{B\}'"):
        parse_rule({**raw, "when": {"present": "$.A"}, "fix": {**fix, "action": "set", "target": "A.{B}"}},
                   "x.yaml", [], "p")
    parse_rule({**raw, "for_each": "$.A[*]", "when": {"present": "@"}, "fix": {**fix, "pattern": "^http://"}},
               "x.yaml", [], "p")


def test_a_nested_key_is_renamed(tmp_path: Path) -> None:
    text = ("Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  Client:\n    Type: AWS::Cognito::UserPoolClient\n"
            "    Properties:\n      UserPoolId: !Ref Pool\n      AnalyticsConfiguration:\n"
            "        ApplicationArn: arn:aws:mobiletargeting:us-east-1:123456789012:apps/"
            "0123456789abcdef0123456789abcdef\n"
            "        UserDataShard: true\n")
    finding = _one(_client(tmp_path, "t.yaml", text), "COG-E036")
    assert finding.fix is not None and finding.fix.applicability == "safe"
    assert "        UserDataShared: true\n" in _fixed(tmp_path / "t.yaml", finding)


def test_a_tf_json_value_is_written_with_its_template_escapes(tmp_path: Path) -> None:
    module = tmp_path / "m"
    module.mkdir()
    doc = {"resource": {"aws_cognito_user_pool": {"pool": {"name": "p"}}, "aws_cognito_user_pool_client": {"web": {
        "name": "web", "user_pool_id": "${aws_cognito_user_pool.pool.id}", "allowed_oauth_flows_user_pool_client": True,
        "allowed_oauth_flows": ["code"], "allowed_oauth_scopes": ["openid"],
        "callback_urls": ["http://app.example.org/$${literal}"]}}}}
    (module / "main.tf.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    finding = _one(scan([str(module)]).findings, "COG-E015")
    assert '"https://app.example.org/$${literal}"' in _fixed(module / "main.tf.json", finding)


def test_the_tf_json_fixtures_keep_the_fix_properties(tmp_path: Path) -> None:
    fixtures = sorted((Path(__file__).parent / "fixtures" / "terraform" / "rules").glob("*/fail_*.tf.json"))
    assert fixtures
    copies = []
    for number, fixture in enumerate(fixtures):
        (tmp_path / str(number)).mkdir()
        copies.append(Path(shutil.copy(fixture, tmp_path / str(number) / fixture.name)))
    checked = check_fix_run(copies)
    assert checked.fixed_by_rule["COG-E001"] == 2 and checked.fixed_by_rule["COG-E015"] == 2
    assert any("interpolation" in why or "expression" in why for why in checked.declined)
