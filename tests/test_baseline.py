"""Baselines: --write-baseline records findings by fingerprint, --baseline reports only new ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.scan.baseline import BaselineError, apply_baseline, from_findings, parse_baseline, render_baseline
from tests.helpers import scan_paths

TEMPLATE = """Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Web:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 25
  Mobile:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      IdTokenValidity: 2
      TokenValidityUnits: {IdToken: days}
"""
# The same clients, reordered, with lines moved by a new resource and comments.
MOVED = """# moved around
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Topic: {Type: AWS::SNS::Topic}

  Mobile:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      TokenValidityUnits: {IdToken: days}
      IdTokenValidity: 2
  Web:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 25
"""
NEW = MOVED.replace("      AccessTokenValidity: 25\n", "      AccessTokenValidity: 25\n      RefreshTokenValidity: 0\n")

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    outcome = runner.invoke(app, ["scan", *args])
    return outcome.exit_code, outcome.stdout, outcome.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    return tmp_path


def test_write_then_baseline_reports_nothing_new(project: Path) -> None:
    code, _, err = cli("template.yaml", "--select", "COG-E", "--write-baseline", "baseline.json", "--format", "json")
    assert code == 0, err
    assert "wrote baseline.json (2 findings)" in err
    document = json.loads((project / "baseline.json").read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert [(e["rule_id"], e["resource"], e["property"], e["where"]) for e in document["fingerprints"]] == [
        ("COG-E002", "Mobile", "IdTokenValidity", "template.yaml"),
        ("COG-E001", "Web", "AccessTokenValidity", "template.yaml"),
    ]
    code, out, _ = cli("template.yaml", "--select", "COG-E", "--baseline", "baseline.json", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["findings"] == []
    assert report["summary"]["baselined"] == 2


def test_moved_lines_and_reordered_resources_stay_baselined(project: Path) -> None:
    assert cli("template.yaml", "--select", "COG-E", "--write-baseline", "b.json")[0] == 0
    (project / "template.yaml").write_text(MOVED, encoding="utf-8")
    code, out, _ = cli("template.yaml", "--select", "COG-E", "--baseline", "b.json", "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["baselined"] == 2


def test_a_new_finding_is_reported_and_sets_the_exit_code(project: Path) -> None:
    assert cli("template.yaml", "--select", "COG-E", "--write-baseline", "b.json")[0] == 0
    (project / "template.yaml").write_text(NEW, encoding="utf-8")
    code, out, _ = cli("template.yaml", "--select", "COG-E", "--baseline", "b.json", "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert [(f["rule_id"], f["property"]) for f in report["findings"]] == [("COG-E003", "RefreshTokenValidity")]
    assert report["summary"]["baselined"] == 2
    code, out, _ = cli("template.yaml", "--select", "COG-E", "--baseline", "b.json", "--format", "markdown")
    assert "2 in the baseline" in out and "COG-E003" in out


def test_a_fixed_finding_is_simply_gone(project: Path) -> None:
    assert cli("template.yaml", "--select", "COG-E", "--write-baseline", "b.json")[0] == 0
    (project / "template.yaml").write_text(TEMPLATE.replace("25", "1"), encoding="utf-8")
    code, out, _ = cli("template.yaml", "--select", "COG-E", "--baseline", "b.json", "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["baselined"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read baseline"),
        ("{not json", "is not JSON"),
        ('{"findings": []}', "is not a cogcheck baseline"),
        ('{"version": 9, "fingerprints": []}', "has version 9"),
        ('{"version": 1, "fingerprints": [{"rule_id": "COG-E001"}]}', "fingerprints[0] has no fingerprint"),
        ('{"version": 1, "fingerprints": {}}', "'fingerprints' must be a list"),
    ],
)
def test_a_bad_baseline_is_a_usage_error(project: Path, content: str | None, message: str) -> None:
    if content is not None:
        (project / "b.json").write_text(content, encoding="utf-8")
    code, out, err = cli("template.yaml", "--baseline", "b.json")
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("cogcheck: error: ") and "b.json" in line and message in line


def test_baselines_are_deterministic_and_count_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    findings = scan_paths(path).findings
    assert render_baseline(findings) == render_baseline(list(reversed(findings)))
    baseline = parse_baseline(render_baseline(findings[:1] * 2))
    assert len(baseline) == 2
    doubled = scan_paths(path)
    doubled.findings = doubled.findings[:1] * 3
    applied = apply_baseline(doubled, baseline)
    assert len(applied.findings) == 1 and len(applied.baselined) == 2
    assert apply_baseline(scan_paths(path), from_findings(findings)).findings == []
    with pytest.raises(BaselineError):
        parse_baseline("[]")
