"""The policy options of `cogcheck scan` end to end: --production, --production-stacks, --previous, the
configuration keys that feed the same settings, and the severities of the rules that raise or lower themselves."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from tests.helpers import scan_text

runner = CliRunner()

LOCAL = """Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthFlows: [code]
      AllowedOAuthScopes: [openid]
      CallbackURLs: ['https://app.example.org/callback', 'https://10.1.2.3/callback']
"""

SECRET = """Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
"""


def scan_json(*args: str, cwd: Path) -> tuple[int, list[dict[str, Any]], str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(app, ["scan", "--format", "json", "--fail-on", "never", *args])
    finally:
        os.chdir(old)
    findings = json.loads(result.stdout)["findings"] if result.exit_code == 0 else []
    return result.exit_code, findings, result.stderr


def rule(findings: list[dict[str, Any]], rule_id: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["rule_id"] == rule_id]


# ---------------------------------------------------------------------------------------------------- COG-S009


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    (tmp_path / "prod").mkdir()
    (tmp_path / "dev").mkdir()
    (tmp_path / "prod" / "auth.yaml").write_text(LOCAL, encoding="utf-8")
    (tmp_path / "dev" / "auth.yaml").write_text(LOCAL, encoding="utf-8")
    return tmp_path


def test_local_hosts_are_not_reported_without_production(stacks: Path) -> None:
    code, findings, _ = scan_json(".", cwd=stacks)
    assert code == 0
    assert rule(findings, "COG-S009") == []


def test_production_flag_marks_every_input(stacks: Path) -> None:
    code, findings, _ = scan_json(".", "--production", cwd=stacks)
    assert code == 0
    hits = rule(findings, "COG-S009")
    assert sorted(f["file"] for f in hits) == ["dev/auth.yaml", "prod/auth.yaml"]
    assert all(f["property"] == "CallbackURLs[1]" and "10.1.2.3" in f["message"] for f in hits)


def test_production_stacks_pattern_selects_inputs(stacks: Path) -> None:
    code, findings, _ = scan_json(".", "--production-stacks", "prod/*", "--production-stacks", "live-*", cwd=stacks)
    assert code == 0
    assert [f["file"] for f in rule(findings, "COG-S009")] == ["prod/auth.yaml"]


def test_production_from_the_configuration(stacks: Path) -> None:
    (stacks / ".cogcheck.yaml").write_text("production-stacks: ['dev/*']\n", encoding="utf-8")
    code, findings, _ = scan_json(".", cwd=stacks)
    assert code == 0
    assert [f["file"] for f in rule(findings, "COG-S009")] == ["dev/auth.yaml"]
    (stacks / ".cogcheck.yaml").write_text("production: true\n", encoding="utf-8")
    code, findings, _ = scan_json(".", cwd=stacks)
    assert len(rule(findings, "COG-S009")) == 2


def test_placeholder_hosts_from_the_configuration(stacks: Path) -> None:
    (stacks / ".cogcheck.yaml").write_text("placeholder-hosts: [example.org]\n", encoding="utf-8")
    code, findings, _ = scan_json("prod", cwd=stacks)
    assert code == 0
    (hit,) = rule(findings, "COG-S010")
    assert hit["property"] == "CallbackURLs[0]" and "example.org" in hit["message"]


# ---------------------------------------------------------------------------------------------------- COG-S020


def test_previous_file(tmp_path: Path) -> None:
    (tmp_path / "before.yaml").write_text(SECRET, encoding="utf-8")
    (tmp_path / "after.yaml").write_text(SECRET + "      GenerateSecret: true\n", encoding="utf-8")
    code, findings, _ = scan_json("after.yaml", "--previous", "before.yaml", cwd=tmp_path)
    assert code == 0
    (hit,) = rule(findings, "COG-S020")
    assert (hit["resource"], hit["property"], hit["line"]) == ("Client", "GenerateSecret", 7)
    assert hit["severity"] == "warning"
    assert "from false to true" in hit["message"]
    code, findings, _ = scan_json("after.yaml", cwd=tmp_path)
    assert code == 0 and rule(findings, "COG-S020") == []
    code, findings, _ = scan_json("before.yaml", "--previous", "before.yaml", cwd=tmp_path)
    assert code == 0 and rule(findings, "COG-S020") == []


def test_previous_directory(tmp_path: Path) -> None:
    for version, secret in (("v1", ""), ("v2", "      GenerateSecret: true\n")):
        (tmp_path / version / "auth").mkdir(parents=True)
        (tmp_path / version / "auth" / "clients.yaml").write_text(SECRET + secret, encoding="utf-8")
        (tmp_path / version / "same.yaml").write_text(SECRET, encoding="utf-8")
    (tmp_path / "v2" / "new.yaml").write_text(SECRET + "      GenerateSecret: true\n", encoding="utf-8")
    code, findings, _ = scan_json("v2", "--previous", "v1", cwd=tmp_path)
    assert code == 0
    assert [f["file"] for f in rule(findings, "COG-S020")] == [os.path.join("v2", "auth", "clients.yaml")]


def test_previous_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(SECRET, encoding="utf-8")
    code, _, err = scan_json("t.yaml", "--previous", "missing.yaml", cwd=tmp_path)
    assert code == 2 and "--previous" in err
    code, _, err = scan_json(".", "--previous", "t.yaml", cwd=tmp_path)
    assert code == 2 and "--previous" in err


# ------------------------------------------------------------------------------------------ raised severities


def severities(tmp_path: Path, text: str, rule_id: str) -> list[str]:
    return sorted(f.severity for f in scan_text(tmp_path, text).findings if f.rule_id == rule_id)


def test_s003_is_a_warning_without_a_secret_and_a_note_with_one(tmp_path: Path) -> None:
    flows = "      ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]\n"
    assert severities(tmp_path, SECRET + flows, "COG-S003") == ["warning"]
    assert severities(tmp_path, SECRET + flows + "      GenerateSecret: true\n", "COG-S003") == ["note"]
    assert severities(tmp_path, SECRET + flows + "      GenerateSecret: !ImportValue s\n", "COG-S003") == ["note"]


def test_s006_note_above_30_days_warning_above_365(tmp_path: Path) -> None:
    def refresh(days: int) -> list[str]:
        return severities(tmp_path, SECRET + f"      RefreshTokenValidity: {days}\n", "COG-S006")

    assert refresh(30) == []
    assert refresh(31) == ["note"]
    assert refresh(365) == ["note"]
    assert refresh(366) == ["warning"]


def test_s015_warning_only_on_machine_clients(tmp_path: Path) -> None:
    """A user-facing client gets a note (whatever the pool's triggers); a machine client a warning."""
    assert severities(tmp_path, SECRET, "COG-S015") == ["note"]
    machine = SECRET + (
        "      AllowedOAuthFlowsUserPoolClient: true\n      AllowedOAuthFlows: [client_credentials]\n"
        "      AllowedOAuthScopes: [api/read]\n"
    )
    assert severities(tmp_path, machine, "COG-S015") == ["warning"]
    triggers = SECRET.replace(
        "  Pool: {Type: AWS::Cognito::UserPool}",
        "  Pool: {Type: AWS::Cognito::UserPool, Properties: {LambdaConfig: {CreateAuthChallenge: arn:x}}}",
    )
    assert severities(tmp_path, triggers, "COG-S015") == ["note"]
    imported = SECRET.replace("!Ref Pool", "!ImportValue pool")
    assert severities(tmp_path, imported, "COG-S015") == ["note"]


def test_s017_warning_depends_on_the_pools_sign_in_attributes(tmp_path: Path) -> None:
    assert severities(tmp_path, SECRET, "COG-S017") == ["note"]
    email = SECRET.replace(
        "  Pool: {Type: AWS::Cognito::UserPool}",
        "  Pool: {Type: AWS::Cognito::UserPool, Properties: {UsernameAttributes: [email]}}",
    )
    assert severities(tmp_path, email, "COG-S017") == ["warning"]
    assert severities(tmp_path, email + "      WriteAttributes: [name]\n", "COG-S017") == []


def test_lifetime_thresholds_are_configurable(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n  Client:\n    Type: AWS::Cognito::UserPoolClient\n"
        "    Properties:\n      RefreshTokenValidity: 90\n      AccessTokenValidity: 90\n"
        "      TokenValidityUnits: {AccessToken: minutes}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["scan", str(template), "--select", "COG-S006", "--select", "COG-S007", "--format", "json"]

    def levels() -> dict[str, str]:
        findings = json.loads(runner.invoke(app, args).stdout)["findings"]
        return {f["rule_id"]: f["severity"] for f in findings}

    assert levels() == {"COG-S006": "note", "COG-S007": "note"}  # 90 days > 30 days; 90 minutes > 1 hour
    (tmp_path / ".cogcheck.yaml").write_text(
        "refresh-token-note-days: 7\nrefresh-token-warning-days: 60\ntoken-note-minutes: 120\n", encoding="utf-8"
    )
    assert levels() == {"COG-S006": "warning"}  # 90 days > 60; 90 minutes < 2 hours
    message = json.loads(runner.invoke(app, args).stdout)["findings"][0]["message"]
    assert "more than 60 days" in message
    (tmp_path / ".cogcheck.yaml").write_text("token-note-minutes: 0\n", encoding="utf-8")
    assert runner.invoke(app, args).exit_code == 2
