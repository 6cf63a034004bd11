"""Every configuration key through `cogcheck scan` itself: the key is read from `.cogcheck.yaml` and changes the report
the way docs/configuration.md says. The table must name every key the configuration reader accepts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.config.files import _KEYS

TEMPLATE = """\
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Web:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ExplicitAuthFlows: [ALLOW_NEW_FLOW, ALLOW_REFRESH_TOKEN_AUTH]
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthFlows: [code]
      AllowedOAuthScopes: [openid]
      SupportedIdentityProviders: [COGNITO]
      CallbackURLs: [https://login.example.net/cb, http://localhost:3000/cb]
      RefreshTokenValidity: 10
      AccessTokenValidity: 30
      TokenValidityUnits: {AccessToken: minutes}
"""
BROKEN = "Resources:\n  C:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {AccessTokenValidity: [\n"

Report = dict[str, Any]


def _rules(report: Report, severity: str | None = None) -> set[str]:
    return {f["rule_id"] for f in report["findings"] if severity is None or f["severity"] == severity}


@dataclass(frozen=True)
class Case:
    config: str  # the .cogcheck.yaml text
    holds: Callable[[Report, int, Report, int], bool]  # (with the key, its exit code, without, its exit code)
    files: tuple[tuple[str, str], ...] = ()  # more files in the project


TERRAFORM = """\
resource "aws_cognito_user_pool" "pool" {
  name = "app"
}

resource "aws_cognito_user_pool_client" "web" {
  name                  = "web"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = 100
}
"""


#: a client whose access token lives 1 hour with the default, 25 hours with the other allowed value (COG-E001)
PARAMETERS = """\
Parameters:
  Hours: {Type: Number, AllowedValues: [1, 25], Default: 1}
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Api:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: !Ref Hours
      TokenValidityUnits: {AccessToken: hours}
"""


PACK_RULE = """\
id: ORG-900
name: access-token-ceiling
severity: warning
summary: s
policy:
  max_access_seconds: {type: integer, default: DEFAULT}
property: AccessTokenValidity
when: {gt: [$.effective.access_token.seconds, $.policy.max_access_seconds]}
message: over {$.policy.max_access_seconds|human}
docs: {what: w, why: y, example: e, use_instead: u, references: []}
"""


def _files(report: Report) -> set[str]:
    return {Path(f["file"]).name for f in report["findings"]}


CASES: dict[str, Case] = {
    "select": Case("select: [COG-E]", lambda w, _c, o, _d: _rules(w) == {"COG-E019"} and "COG-S004" in _rules(o)),
    "ignore": Case("ignore: [COG-S004]", lambda w, _c, o, _d: _rules(o) - _rules(w) == {"COG-S004"}),
    "exclude": Case("exclude: [broken/**]", lambda w, c, o, d: w["errors"] == [] and c == 0 and d == 2),
    "severity": Case("severity: {COG-S004: error}", lambda w, c, o, d: "COG-S004" in _rules(w, "error")
                     and c == 1 and d == 0),
    "fail-on": Case("fail-on: warning", lambda _w, c, _o, d: c == 1 and d == 0),
    "per-path-ignores": Case(
        'per-path-ignores: {"web*": {ignore: [COG-S004], reason: "a legacy client"}}',
        lambda w, _c, o, _d: "COG-S004" not in _rules(w) and "COG-S004" in _rules(o),
    ),
    "production": Case("production: true", lambda w, _c, o, _d: "COG-S009" in _rules(w) - _rules(o)),
    "production-stacks": Case("production-stacks: ['web*']", lambda w, _c, o, _d: "COG-S009" in _rules(w) - _rules(o)),
    "placeholder-hosts": Case("placeholder-hosts: [example.net]",
                              lambda w, _c, o, _d: "COG-S010" in _rules(w) - _rules(o)),
    "refresh-token-note-days": Case("refresh-token-note-days: 5",
                                    lambda w, _c, o, _d: "COG-S006" in _rules(w, "note") - _rules(o)),
    "refresh-token-warning-days": Case("refresh-token-warning-days: 7",
                                       lambda w, _c, o, _d: "COG-S006" in _rules(w, "warning") - _rules(o)),
    "token-note-minutes": Case("token-note-minutes: 10",
                               lambda w, _c, o, _d: "COG-S007" in _rules(w, "note") - _rules(o, "note")),
    "opentofu": Case(
        "opentofu: true",
        lambda w, _c, o, _d: "main.tf" in _files(o) and "main.tf" not in _files(w) and "main.tofu" in _files(w),
        files=(("main.tf", TERRAFORM), ("main.tofu", TERRAFORM.replace("= 100", "= 1"))),
    ),
    "scenarios": Case(
        "scenarios: defaults",
        lambda w, _c, o, _d: "COG-E001" in _rules(o) - _rules(w) and w["summary"]["scenarios"] == "defaults",
        files=(("api.yaml", PARAMETERS),),
    ),
    "rules": Case("rules: [policies]", lambda w, _c, o, _d: "ORG-900" in _rules(w) - _rules(o),
                  files=(("policies/ORG-900.yaml", PACK_RULE.replace("DEFAULT", "900")),)),  # 30 minutes > 15
    "policy": Case("rules: [policies]\npolicy: {max_access_seconds: 600}",
                   lambda w, _c, o, _d: "ORG-900" in _rules(w) - _rules(o),
                   files=(("policies/ORG-900.yaml", PACK_RULE.replace("DEFAULT", "7200")),)),  # 2 hours: only 600
    "known-values": Case("known-values: {explicit-auth-flows: [ALLOW_NEW_FLOW]}",
                         lambda w, _c, o, _d: "COG-E019" in _rules(o) - _rules(w)),
}


def test_the_table_names_every_configuration_key() -> None:
    assert set(CASES) == _KEYS


def _scan(project: Path, *args: str) -> tuple[Report, int]:
    done = CliRunner().invoke(app, ["scan", str(project), "--format", "json", *args])
    assert done.exit_code in (0, 1, 2), done.output
    report = json.loads(done.stdout)
    assert not any("internal error" in e["message"] for e in report["errors"]), report["errors"]
    return report, done.exit_code


@pytest.mark.parametrize("key", sorted(CASES))
def test_each_key_changes_the_scan_as_documented(key: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "broken").mkdir(parents=True)
    (project / "web.yaml").write_text(TEMPLATE, encoding="utf-8")
    for name, text in CASES[key].files:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    if key in ("exclude", "fail-on", "severity"):
        fail_on = [] if key == "fail-on" else ["--fail-on", "error"]
        if key == "exclude":
            (project / "broken" / "bad.yaml").write_text(BROKEN, encoding="utf-8")
    else:
        fail_on = ["--fail-on", "never"]
    without, code_without = _scan(project, *fail_on)
    (project / ".cogcheck.yaml").write_text(CASES[key].config + "\n", encoding="utf-8")
    with_key, code_with = _scan(project, *fail_on)
    assert with_key["config"] and with_key["config"].endswith(".cogcheck.yaml")
    templates = [name for name, _text in CASES[key].files if not name.startswith("policies/")]  # not rule packs
    assert with_key["summary"]["clients"] == 1 + bool(templates)
    assert CASES[key].holds(with_key, code_with, without, code_without), (key, with_key["findings"])
