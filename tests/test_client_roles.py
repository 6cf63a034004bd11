"""Client roles (docs/client-roles.md): inferred from settings, reported as client_role, used by user-facing rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cogcheck.cfn.values import Unknown
from cogcheck.model.client import build_view, role_name
from cogcheck.report import json as json_report
from tests.helpers import scan_paths

OAUTH = {"AllowedOAuthFlowsUserPoolClient": True}


@pytest.mark.parametrize(
    ("props", "role"),
    [
        ({**OAUTH, "AllowedOAuthFlows": ["client_credentials"], "GenerateSecret": True}, "machine"),
        ({**OAUTH, "AllowedOAuthFlows": ["client_credentials"], "GenerateSecret": True,
          "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"]}, "machine"),
        ({"ExplicitAuthFlows": ["ALLOW_CLIENT_TOKEN_AUTH"], "GenerateSecret": True}, "machine"),
        ({**OAUTH, "AllowedOAuthFlows": ["client_credentials"], "GenerateSecret": True,
          "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}, "server"),
        ({"GenerateSecret": True}, "server"),
        ({"ClientSecret": "a" * 32}, "server"),
        ({}, "public"),
        ({**OAUTH, "AllowedOAuthFlows": ["code"], "CallbackURLs": ["https://app.example.org/cb"]}, "public"),
        ({**OAUTH, "AllowedOAuthFlows": ["code"], "CallbackURLs": ["myapp://cb"]}, "native"),
        ({"ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"]}, "none"),
        ({"ExplicitAuthFlows": ["ALLOW_TOKEN_EXCHANGE_IMPERSONATION", "ALLOW_REFRESH_TOKEN_AUTH"]}, "none"),
        ({"GenerateSecret": Unknown("p")}, "unknown"),
        ({"ExplicitAuthFlows": Unknown("p")}, "unknown"),
    ],
)
def test_role_inference(props: dict[str, Any], role: str) -> None:
    assert role_name(build_view("C", props, {}).data["effective"]["role"]) == role


def test_json_findings_carry_the_client_role(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n"
        "  Web:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {UserPoolId: !Ref Pool}\n"
        "  M2M:\n    Type: AWS::Cognito::UserPoolClient\n    Properties:\n      UserPoolId: !Ref Pool\n"
        "      GenerateSecret: true\n      ExplicitAuthFlows: [ALLOW_CLIENT_TOKEN_AUTH]\n",
        encoding="utf-8",
    )
    findings = json.loads(json_report.render(scan_paths(path)))["findings"]
    roles = {f["resource"]: f["client_role"] for f in findings}
    assert roles["Web"] == "public"
    # user-facing rules stay quiet on the machine client
    assert not {"COG-S004", "COG-S017", "COG-S019"} & {f["rule_id"] for f in findings if f["resource"] == "M2M"}
    assert {"COG-S004", "COG-S017"} <= {f["rule_id"] for f in findings if f["resource"] == "Web"}
