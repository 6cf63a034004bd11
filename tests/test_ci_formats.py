"""``--format junit`` and ``--format gitlab``, and what SARIF leaves out for GitHub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.engine.rules import load_rules
from cogcheck.findings import Finding, InputError
from cogcheck.report import gitlab, junit
from cogcheck.scan.result import ScanResult
from tests.helpers import BAD_CLIENT, make_finding

runner = CliRunner()
RULES = load_rules()


def finding(**changes: Any) -> Finding:
    return make_finding(**changes)


RESULT = ScanResult(
    findings=[
        finding(),
        finding(resource="Other", line=20),
        finding(rule_id="COG-S004", severity="warning", rule_name="user-existence-errors-not-prevented",
                property="PreventUserExistenceErrors", message="not set\x1b[31m <b>&amp;</b>\x00 ]]>"),
    ],
    errors=[InputError("broken.json", 3, "not JSON")],
    templates=1,
    clients=2,
)


# ----------------------------------------------------------------------------------------------------------- junit


def test_junit_is_read_by_junitparser_with_failures_per_finding() -> None:
    import junitparser
    text = junit.render(RESULT, RULES, fail_on="warning")
    xml = junitparser.JUnitXml.fromstring(text)
    suites = {suite.name: suite for suite in xml}
    assert len(suites) == len(RULES) + 1  # one per rule and one for the inputs
    e001 = suites["COG-E001 access-token-validity-out-of-range"]
    cases = list(e001)
    assert e001.tests == 2 and e001.failures == 2
    assert [case.name for case in cases] == ["templates/auth.yaml:7 Web AccessTokenValidity",
                                             "templates/auth.yaml:20 Other AccessTokenValidity"]
    (failure,) = cases[0].result
    assert failure.type == "error" and failure.message.startswith("error: AccessTokenValidity is 25 hours")
    assert failure.text.startswith("templates/auth.yaml:7:7: error: ")
    s004 = suites["COG-S004 user-existence-errors-not-prevented"]
    assert s004.failures == 1 and "\ufffd" in next(iter(s004)).result[0].message  # control characters made XML-safe
    inputs = suites["cogcheck: inputs"]
    assert inputs.errors == 1 and next(iter(inputs)).result[0].message == "not JSON"
    quiet_rule = suites["COG-E002 id-token-validity-out-of-range"]
    assert quiet_rule.tests == 1 and quiet_rule.failures == 0 and next(iter(quiet_rule)).is_passed
    assert xml.tests == len(RULES) - 2 + 3 + 1 and xml.failures == 3 and xml.errors == 1


def test_junit_follows_fail_on_and_is_well_formed() -> None:
    root = ET.fromstring(junit.render(RESULT, RULES, fail_on="error"))
    assert root.tag == "testsuites" and root.get("failures") == "2"
    for suite in root:
        assert suite.tag == "testsuite"
        assert {"name", "tests", "failures", "errors", "skipped", "time"} <= set(suite.attrib)
        assert int(suite.get("tests", "0")) == len(suite.findall("testcase"))
        assert int(suite.get("failures", "0")) == len(suite.findall("testcase/failure"))
        for case in suite:
            assert case.tag == "testcase" and {"name", "classname", "time"} == set(case.attrib)
            assert {child.tag for child in case} <= {"failure", "error", "system-out"}
    warning = root.find("testsuite[@name='COG-S004 user-existence-errors-not-prevented']/testcase")
    assert warning is not None and warning.find("failure") is None and warning.find("system-out") is not None
    never = ET.fromstring(junit.render(RESULT, RULES, fail_on="never"))
    assert never.get("failures") == "0"
    assert junit.render(RESULT, RULES) == junit.render(RESULT, RULES)  # deterministic: no timestamps


# ---------------------------------------------------------------------------------------------------------- gitlab


def test_gitlab_code_quality_fields(tmp_path: Path) -> None:
    issues = json.loads(gitlab.render(RESULT, root=tmp_path, cwd=tmp_path))
    assert len(issues) == 4
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["path"], str) and not issue["location"]["path"].startswith("/")
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    assert len({issue["fingerprint"] for issue in issues}) == 4  # GitLab shows one issue per fingerprint
    first, _, warning, error = issues
    assert first == {
        "type": "issue",
        "description": first["description"],
        "check_name": "COG-E001",
        "categories": ["Bug Risk"],
        "fingerprint": RESULT.findings[0].fingerprint,
        "severity": "blocker",  # a deploy error
        "location": {"path": "templates/auth.yaml", "lines": {"begin": 7}},
    }
    assert first["description"].startswith("COG-E001 AccessTokenValidity is 25 hours")
    assert warning["severity"] == "major" and warning["categories"] == ["Security"]
    assert error["check_name"] == "cogcheck/input-error" and error["location"]["path"] == "broken.json"
    security_error = finding(rule_id="COG-S001", severity="error")
    assert gitlab.severity(security_error) == "critical" and gitlab.severity(finding(severity="note")) == "info"


def test_gitlab_fingerprints_stay_unique_for_twin_findings(tmp_path: Path) -> None:
    twins = ScanResult(findings=[finding(), finding(line=9)])
    issues = json.loads(gitlab.render(twins, root=tmp_path, cwd=tmp_path))
    assert issues[0]["fingerprint"] == twins.findings[0].fingerprint
    assert issues[1]["fingerprint"] != issues[0]["fingerprint"]


# ------------------------------------------------------------------------------------------------------ from the CLI

SUPPRESSED = BAD_CLIENT.replace(
    "    Type: AWS::Cognito::UserPoolClient\n",
    "    Type: AWS::Cognito::UserPoolClient\n    Metadata:\n      cogcheck:\n        ignore:\n"
    "          - {id: COG-E001, reason: legacy client}\n",
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.yaml").write_text(SUPPRESSED, encoding="utf-8")
    return tmp_path


def test_sarif_leaves_suppressed_findings_out_unless_asked(project: Path) -> None:
    def results(*args: str) -> list[dict[str, Any]]:
        out = runner.invoke(app, ["scan", "t.yaml", "--select", "COG-E001", "--format", "sarif", *args]).stdout
        run = json.loads(out)["runs"][0]
        assert run["properties"]["suppressed"] == 1
        return run["results"]  # type: ignore[no-any-return]

    assert results() == []
    (kept,) = results("--sarif-include-suppressed")
    assert kept["suppressions"] == [{"kind": "inSource", "justification": "legacy client"}]
    shown = json.loads(runner.invoke(app, ["scan", "t.yaml", "--format", "json", "--show-suppressed"]).stdout)
    assert [f["suppression"]["reason"] for f in shown["findings"] if f["suppressed"]] == ["legacy client"]


@pytest.mark.parametrize("fmt", ["junit", "gitlab"])
def test_cli_writes_junit_and_gitlab(project: Path, fmt: str) -> None:
    (project / "bad.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    outcome = runner.invoke(app, ["scan", "bad.yaml", "--select", "COG-E", "--format", fmt, "-o", f"out.{fmt}"])
    assert outcome.exit_code == 1
    text = (project / f"out.{fmt}").read_text(encoding="utf-8")
    if fmt == "junit":
        root = ET.fromstring(text)
        assert root.get("failures") == "1" and "bad.yaml:7" in text
    else:
        (issue,) = json.loads(text)
        assert issue["location"] == {"path": "bad.yaml", "lines": {"begin": 7}} and issue["check_name"] == "COG-E001"
