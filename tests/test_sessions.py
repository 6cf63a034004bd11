"""Session configuration attachments (COG-E039/E040/E041): their findings are theirs, found through the clients they
concern; and a ClientSecret of the caller's choosing is a secret everywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.model.client import build_view
from tests.helpers import scan_text

TEMPLATE = """Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties: {UserPoolTier: LITE}
  Tracking:
    Type: AWS::Cognito::UserPoolSessionConfigurationAttachment
%(metadata)s    Properties:
      UserPoolId: !Ref Pool
      UserSessionTracking: ENABLED
      TokenSession: {MaxPerUser: 20}
  Web:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool}
  Mobile:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool}
  WebSessions:
    Type: AWS::Cognito::UserPoolClientSessionConfigurationAttachment
    DependsOn: Tracking
    Properties:
      UserPoolId: !Ref Pool
      ClientId: !Ref Web
      SSOSession:
        MaxValidityMinutes: 200000
"""


def _ours(findings: list) -> list:  # type: ignore[type-arg]
    return sorted(
        (f.rule_id, f.resource, f.resource_type, f.property, f.line, f.extra.get("client"))
        for f in findings if f.rule_id in ("COG-E039", "COG-E040", "COG-E041")
    )


def test_an_attachments_finding_is_its_own_at_its_property_and_names_the_client(tmp_path: Path) -> None:
    result = scan_text(tmp_path, TEMPLATE % {"metadata": ""})
    client_type = "AWS::Cognito::UserPoolClientSessionConfigurationAttachment"
    pool_type = "AWS::Cognito::UserPoolSessionConfigurationAttachment"
    assert _ours(result.findings) == [
        ("COG-E039", "WebSessions", client_type, "SSOSession.MaxValidityMinutes", 24, "Web"),
        ("COG-E039", "WebSessions", client_type, "UserPoolId", 21, "Web"),
        # the pool's attachment is found through both clients of the pool, and reported once
        ("COG-E041", "Tracking", pool_type, "UserPoolId", 8, "Web"),
    ]
    assert result.clients == 2
    finding = next(f for f in result.findings if f.rule_id == "COG-E041")
    assert "client_role" not in finding.as_json() and finding.as_json()["client"] == "Web"


def test_an_attachments_metadata_suppresses_its_findings(tmp_path: Path) -> None:
    metadata = (
        "    Metadata:\n      cogcheck:\n        ignore:\n          - {id: COG-E041, reason: upgrading the tier}\n"
    )
    result = scan_text(tmp_path, TEMPLATE % {"metadata": metadata})
    assert "COG-E041" not in {f.rule_id for f in result.findings}
    assert [(f.rule_id, f.resource) for f, _why in result.suppressed] == [("COG-E041", "Tracking")]


def test_the_json_report_and_the_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE % {"metadata": ""}, encoding="utf-8")
    done = CliRunner().invoke(app, ["scan", str(path), "-f", "json"])
    assert done.exit_code == 1, done.output
    report = json.loads(done.output)
    ours = [f for f in report["findings"] if f["rule_id"] == "COG-E041"]
    assert [(f["resource"], f["resource_type"], f["client"]) for f in ours] == [
        ("Tracking", "AWS::Cognito::UserPoolSessionConfigurationAttachment", "Web")
    ]


def test_a_given_client_secret_is_a_secret() -> None:
    for props, expected in (
        ({"ClientSecret": "Abcdefghijklmnopqrstuvwx0123"}, True),
        ({"GenerateSecret": True}, True),
        ({"GenerateSecret": False}, False),
        ({}, False),
    ):
        view = build_view("Client", {"UserPoolId": "us-east-1_Abc", **props}, {})
        assert view.data["effective"]["has_secret"] is expected, props


def test_the_admin_flow_on_a_client_with_a_given_secret_is_a_note(tmp_path: Path) -> None:
    text = """Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Given:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ClientSecret: Abcdefghijklmnopqrstuvwx0123
      ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  Public:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
"""
    result = scan_text(tmp_path, text)
    levels = {f.resource: f.severity for f in result.findings if f.rule_id == "COG-S003"}
    assert levels == {"Given": "note", "Public": "warning"}


def test_a_secret_is_never_repeated_in_a_message(tmp_path: Path) -> None:
    secret = "has-a-dash-so-it-is-refused-0123"
    text = f"""Resources:
  Pool: {{Type: AWS::Cognito::UserPool}}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {{UserPoolId: !Ref Pool, GenerateSecret: true, ClientSecret: {secret}}}
"""
    result = scan_text(tmp_path, text)
    assert sorted(f.rule_id for f in result.findings if f.rule_id == "COG-E042") == ["COG-E042", "COG-E042"]
    assert not [f for f in result.findings if secret in f.message]


def _many(n: int) -> str:
    parts = ["Resources:\n"]
    for i in range(n):
        parts.append(
            f"  Pool{i}: {{Type: AWS::Cognito::UserPool}}\n"
            f"  Tracking{i}:\n    Type: AWS::Cognito::UserPoolSessionConfigurationAttachment\n"
            f"    Properties: {{UserPoolId: !Ref Pool{i}, UserSessionTracking: ENABLED,"
            f" TokenSession: {{MaxPerUser: 0}}}}\n"
            f"  Client{i}:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {{UserPoolId: !Ref Pool{i}}}\n"
            f"  Sessions{i}:\n    Type: AWS::Cognito::UserPoolClientSessionConfigurationAttachment\n"
            f"    Properties: {{UserPoolId: !Ref Pool{i}, ClientId: !Ref Client{i},"
            f" SSOSession: {{MaxValidityMinutes: -5}}}}\n"
        )
    return "".join(parts)


def test_the_attachments_a_client_looks_at_grow_with_the_template_not_its_square(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each client looks at its own attachments: the look-ups grow linearly (a step counter, not a timer)."""
    import cogcheck.engine.predicates.sessions as sessions

    calls = {"n": 0}
    raw, exists = sessions._raw, sessions.resource_exists

    def read(world: Any, logical_id: str, key: str) -> Any:
        calls["n"] += 1
        return raw(world, logical_id, key)

    def counting(world: Any, logical_id: str) -> bool | None:
        calls["n"] += 1
        return exists(world, logical_id)

    monkeypatch.setattr(sessions, "_raw", read)
    monkeypatch.setattr(sessions, "resource_exists", counting)
    steps = []
    for n in (20, 200):
        calls["n"] = 0
        result = scan_text(tmp_path, _many(n), name=f"many{n}.yaml")
        assert len([f for f in result.findings if f.rule_id == "COG-E039"]) == n
        assert len([f for f in result.findings if f.rule_id == "COG-E041"]) == n
        steps.append(calls["n"])
    assert 0 < steps[1] <= 12 * steps[0], steps
