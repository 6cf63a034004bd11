"""Suppressions in template Metadata: cogcheck's (reason required) and cfn-lint's ignore_checks."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.engine.rules import load_rules
from cogcheck.findings import Finding
from cogcheck.report import json as json_report
from cogcheck.report.summary import summary
from cogcheck.scan.suppress import read_suppressions
from tests.helpers import scan_text
from tests.sarif_schema import assert_valid_sarif

CLIENT = """  {name}:
    Type: AWS::Cognito::UserPoolClient
{metadata}    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 25
"""


def template(clients: dict[str, str], top: str = "") -> str:
    body = "".join(CLIENT.format(name=name, metadata=metadata) for name, metadata in clients.items())
    return top + "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n" + body


def e001(findings: list[Finding]) -> list[str]:
    return sorted(f.resource for f in findings if f.rule_id == "COG-E001")


WITH_REASON = """    Metadata:
      cogcheck:
        ignore:
          - {id: COG-E001, reason: "migrated in ticket OPS-12; the stack is never deployed"}
"""
NO_REASON = """    Metadata:
      cogcheck:
        ignore:
          - {id: COG-E001}
"""
CFN_LINT = """    Metadata:
      cfn-lint:
        config:
          ignore_checks: [E9101]
"""


def test_resource_suppression_with_a_reason(tmp_path: Path) -> None:
    result = scan_text(tmp_path, template({"Quiet": WITH_REASON, "Loud": ""}))
    assert e001(result.findings) == ["Loud"]
    (suppressed, why), *_ = [pair for pair in result.suppressed if pair[0].rule_id == "COG-E001"]
    assert suppressed.resource == "Quiet"
    assert (why.source, why.scope, why.id) == ("cogcheck", "resource", "COG-E001")
    assert why.justification == "migrated in ticket OPS-12; the stack is never deployed"
    assert summary(result)["suppressed"] == len(result.suppressed) >= 1


def test_a_suppression_without_a_reason_suppresses_nothing_and_says_so(tmp_path: Path) -> None:
    result = scan_text(tmp_path, template({"Quiet": NO_REASON}))
    assert e001(result.findings) == ["Quiet"]
    assert not result.suppressed
    (notice,) = [n for n in result.notices if "no reason" in n.message]
    assert notice.resource == "Quiet" and "COG-E001" in notice.message


def test_template_level_suppression(tmp_path: Path) -> None:
    top = "Metadata:\n  cogcheck:\n    ignore:\n      - id: COG-E\n        reason: generated test data\n"
    result = scan_text(tmp_path, template({"A": "", "B": ""}, top=top))
    assert not [f for f in result.findings if f.rule_id.startswith("COG-E")]
    by_template = [f.resource for f, why in result.suppressed if why.scope == "template" and f.rule_id == "COG-E001"]
    assert sorted(by_template) == ["A", "B"]


def test_cfn_lint_ignore_checks_need_no_reason(tmp_path: Path) -> None:
    top = "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [W92]\n"
    result = scan_text(tmp_path, template({"Quiet": CFN_LINT, "Loud": ""}, top=top))
    assert e001(result.findings) == ["Loud"]
    sources = {(f.resource, f.rule_id): why for f, why in result.suppressed}
    assert sources[("Quiet", "COG-E001")].source == "cfn-lint"
    assert "E9101" in sources[("Quiet", "COG-E001")].justification
    rules = {rule.id: rule for rule in load_rules()}

    def w92(finding: Finding) -> bool:  # the finding's cfn-lint id, at its own level, is W92NN
        return rules[finding.rule_id].cfn_lint_id_for(finding.severity).startswith("W92")

    assert not [f for f in result.findings if w92(f)]  # a prefix, template-wide
    template_wide = [f for f, why in result.suppressed if why.scope == "template"]
    assert template_wide and all(w92(f) for f in template_wide)


def test_malformed_metadata_is_a_notice(tmp_path: Path) -> None:
    bad = "    Metadata:\n      cogcheck: {ignore: COG-E001}\n"
    result = scan_text(tmp_path, template({"Odd": bad}))
    assert e001(result.findings) == ["Odd"]
    assert any("must be a list" in n.message for n in result.notices)
    suppressions, problems = read_suppressions({"cogcheck": {"ignore": [{"id": "nonsense", "reason": "x"}]}}, "x")
    assert not suppressions and "no cogcheck rule id" in problems[0]


def test_json_shows_suppressed_only_when_asked(tmp_path: Path) -> None:
    result = scan_text(tmp_path, template({"Quiet": WITH_REASON, "Loud": ""}))
    plain = json.loads(json_report.render(result))
    assert all("suppressed" not in f for f in plain["findings"])
    assert "Quiet" not in {f["resource"] for f in plain["findings"] if f["rule_id"] == "COG-E001"}
    assert plain["summary"]["suppressed"] == len(result.suppressed)
    shown = json.loads(json_report.render(result, show_suppressed=True))
    quiet = [f for f in shown["findings"] if f["rule_id"] == "COG-E001" and f["resource"] == "Quiet"]
    assert quiet[0]["suppressed"] is True
    assert quiet[0]["suppression"]["reason"].startswith("migrated in ticket")
    assert all(f["suppressed"] is False for f in shown["findings"] if f["resource"] == "Loud")


def test_cli_exit_code_ignores_suppressed_and_sarif_shows_them_when_asked(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(template({"Quiet": WITH_REASON}), encoding="utf-8")
    runner = CliRunner()
    args = ["scan", str(tmp_path / "t.yaml"), "--select", "COG-E001"]
    assert runner.invoke(app, args).exit_code == 0
    default = assert_valid_sarif(runner.invoke(app, [*args, "--format", "sarif"]).stdout)
    assert default["runs"][0]["results"] == []  # GitHub ignores suppressions: left out by default
    outcome = runner.invoke(app, [*args, "--format", "sarif", "--sarif-include-suppressed"])
    log = assert_valid_sarif(outcome.stdout)
    (entry,) = log["runs"][0]["results"]
    assert entry["suppressions"][0]["kind"] == "inSource"
    assert entry["suppressions"][0]["justification"].startswith("migrated in ticket")
    shown = json.loads(runner.invoke(app, [*args, "--format", "json", "--show-suppressed"]).stdout)
    assert [f["suppressed"] for f in shown["findings"]] == [True]
