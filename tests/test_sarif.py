"""``--format sarif``: valid against the OASIS schema, what GitHub code scanning reads, stable identities."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cogcheck import __version__
from cogcheck.cfn.scenarios import Scenario
from cogcheck.cli import app
from cogcheck.engine.rules import load_rules
from cogcheck.findings import Finding, InputError, Notice, Source
from cogcheck.report import sarif
from cogcheck.report.ruledocs import render_rule
from cogcheck.scan.result import ScanResult
from cogcheck.scan.suppress import Suppression
from tests.helpers import FIXTURES, ROOT, make_finding, scan_paths
from tests.sarif_schema import assert_valid_sarif

BAD = """Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Web:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 25
  Other:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      IdTokenValidity: 30
      TokenValidityUnits: {IdToken: days}
"""


def render(result: ScanResult, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("root", ROOT)
    kwargs.setdefault("cwd", ROOT)
    return assert_valid_sarif(sarif.render(result, load_rules(), **kwargs))


def finding(**changes: Any) -> Finding:
    return make_finding(**changes)


@pytest.fixture(scope="module")
def corpus() -> tuple[ScanResult, dict[str, Any]]:
    """Every fixture of the suite (loose templates and CDK assemblies), scanned from the repository root."""
    old = Path.cwd()
    os.chdir(ROOT)
    try:
        result = scan_paths(FIXTURES.relative_to(ROOT))
    finally:
        os.chdir(old)
    return result, render(result)


def test_fixture_corpus_is_valid_sarif_with_one_result_per_finding(corpus: tuple[ScanResult, dict[str, Any]]) -> None:
    result, log = corpus
    assert log["version"] == "2.1.0" and log["$schema"] == sarif.SCHEMA
    (run,) = log["runs"]
    assert len(run["results"]) == len(result.findings) > 100  # suppressed findings are left out by default
    rules = run["tool"]["driver"]["rules"]
    for entry in run["results"]:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
        assert entry["level"] in ("error", "warning", "note")
        location = entry["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert uri and "\\" not in uri and not uri.startswith("/")
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert (ROOT / uri).is_file(), uri
        assert location["region"]["startLine"] >= 1
        assert entry["partialFingerprints"]["cogcheck/v1"]
        assert entry["message"]["text"].endswith(".")
    assert run["invocations"][0]["executionSuccessful"] is (not result.errors)


def test_cdk_findings_point_at_the_source_line_and_keep_the_template_as_related(
    corpus: tuple[ScanResult, dict[str, Any]],
) -> None:
    result, log = corpus
    traced = [f for f in result.findings if f.source is not None]
    if not traced:
        pytest.skip("no CDK fixture with stack traces in this checkout")
    assert not result.suppressed  # so results are the findings, in the same order
    for f, entry in zip(result.findings, log["runs"][0]["results"], strict=True):
        assert entry["partialFingerprints"]["cogcheck/v1"] == f.fingerprint
        if f.source is None:
            continue
        primary = entry["locations"][0]["physicalLocation"]
        assert primary["artifactLocation"]["uri"] == f.source.file
        assert primary["region"]["startLine"] == f.source.line
        (related,) = entry["relatedLocations"]
        assert related["id"] == 1
        assert related["physicalLocation"]["artifactLocation"]["uri"] == Path(f.file).as_posix()
        assert f"]({related['id']})" in entry["message"]["text"]


def test_driver_lists_every_enabled_rule_with_what_github_reads() -> None:
    rules = load_rules()
    log = render(ScanResult())
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "cogcheck" and driver["semanticVersion"] == __version__
    assert "informationUri" not in driver  # cogcheck has no published site: no URL that leads nowhere
    assert [r["id"] for r in driver["rules"]] == [rule.id for rule in rules]
    for rule, entry in zip(rules, driver["rules"], strict=True):
        assert entry["shortDescription"]["text"].startswith(rule.summary.rstrip("."))
        assert entry["fullDescription"]["text"]
        assert entry["help"]["markdown"] == render_rule(rule)
        assert rule.summary.rstrip(".") in entry["help"]["text"] and "```" not in entry["help"]["text"]
        assert entry["defaultConfiguration"]["level"] == rule.severity
        properties = entry["properties"]
        assert len(properties["tags"]) <= 20 and len(set(properties["tags"])) == len(properties["tags"])
        assert properties["precision"] in ("very-high", "high", "medium", "low")
        if rule.id.startswith("COG-S"):
            assert "security" in properties["tags"]
            score = float(properties["security-severity"])
            assert 0.0 <= score <= 10.0
            if rule.security_severity is not None:
                assert score == pytest.approx(rule.security_severity)
        else:
            assert "deploy-error" in properties["tags"]
            assert "security" not in properties["tags"]


def test_severity_overrides_show_as_configured_levels() -> None:
    log = render(ScanResult(), severity={"COG-E001": "warning"})
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert levels["COG-E001"] == "warning"


def test_same_input_same_bytes_and_no_timestamps(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(BAD, encoding="utf-8")
    first = sarif.render(scan_paths(tmp_path / "t.yaml"), load_rules(), root=tmp_path, cwd=tmp_path)
    second = sarif.render(scan_paths(tmp_path / "t.yaml"), load_rules(), root=tmp_path, cwd=tmp_path)
    assert first == second
    assert "Utc" not in first and str(tmp_path) not in first  # no times, no machine paths
    assert_valid_sarif(first)


def test_fingerprints_survive_moved_lines_and_reordered_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web, other = BAD.split("  Web:\n")[1].split("  Other:\n")
    moved = BAD.split("  Web:\n")[0] + "  # a comment that moves every line\n\n  Other:\n" + other + "  Web:\n" + web
    for name, text in (("before", BAD), ("after", moved)):  # the same file, edited
        (tmp_path / name).mkdir()
        (tmp_path / name / "template.yaml").write_text(text, encoding="utf-8")

    def identities(directory: Path) -> tuple[dict[str, tuple[str, str]], set[int]]:
        monkeypatch.chdir(directory)
        result = scan_paths("template.yaml")
        log = render(result, root=directory, cwd=directory)
        results = log["runs"][0]["results"]
        keys = {
            r["partialFingerprints"]["primaryLocationLineHash"]: (r["ruleId"], r["properties"]["resource"])
            for r in results
        }
        assert len(keys) == len(results)
        return keys, {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}

    keys_before, lines_before = identities(tmp_path / "before")
    keys_after, lines_after = identities(tmp_path / "after")
    assert keys_before == keys_after and keys_before
    assert lines_before != lines_after


def test_uris_are_relative_to_the_git_root_above_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    work = tmp_path / "infra" / "app"
    work.mkdir(parents=True)
    (work / "my stack.yaml").write_text(BAD, encoding="utf-8")
    assert sarif.repository_root(work) == tmp_path
    result = ScanResult(findings=[finding(file="my stack.yaml"), finding(file=str(work / "my stack.yaml"))])
    log = render(result, root=sarif.repository_root(work), cwd=work)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"infra/app/my%20stack.yaml"}
    assert "%SRCROOT%" in log["runs"][0]["originalUriBaseIds"]


def test_without_git_the_working_directory_is_the_root(tmp_path: Path) -> None:
    if any((parent / ".git").exists() for parent in (tmp_path, *tmp_path.parents)):
        pytest.skip("the temporary directory is inside a git work tree")
    assert sarif.repository_root(tmp_path) == tmp_path
    log = render(ScanResult(findings=[finding(file="./a/../t.yaml")]), root=None, cwd=tmp_path)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "t.yaml"


def test_a_file_outside_the_repository_gets_an_absolute_file_uri(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "t.yaml"
    log = render(ScanResult(findings=[finding(file=str(outside))]), root=tmp_path / "repo", cwd=tmp_path / "repo")
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": outside.as_uri()}


def test_message_names_resource_construct_stack_and_scenario() -> None:
    scenario = Scenario(parameters=(("Stage", "prod"),), conditions=(("IsProd", True),))
    f = finding(stack="Auth", construct_path="Auth/Users/Web", scenario=scenario, file="cdk.out/Auth.template.json")
    text = sarif.message_text(f)
    assert "Resource Web, construct Auth/Users/Web" in text
    assert "stack Auth" not in text  # the construct path already starts with it
    assert "when Stage=prod, IsProd is true" in text
    other = sarif.message_text(finding(stack="Prod-Api", construct_path="Api/Users/Web"))
    assert "stack Prod-Api" in other
    log = render(ScanResult(findings=[f]))
    logical = log["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]
    assert logical == {"name": "Web", "fullyQualifiedName": "Auth/Users/Web", "kind": "resource"}
    assert log["runs"][0]["results"][0]["properties"]["scenario"] == scenario.as_json()


def test_a_source_line_outside_the_repository_leaves_the_template_primary(tmp_path: Path) -> None:
    inside = finding(source=Source("app/stack.py", 12))
    outside = finding(source=Source("/opt/elsewhere/stack.py", 3), resource="Other")
    log = render(ScanResult(findings=[inside, outside]), root=tmp_path, cwd=tmp_path)
    by_resource = {r["properties"]["resource"]: r for r in log["runs"][0]["results"]}
    first, second = by_resource["Web"], by_resource["Other"]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "app/stack.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12},
    }
    assert first["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 7}
    assert "Template: [templates/auth.yaml:7](1)." in first["message"]["text"]
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "templates/auth.yaml"
    assert "relatedLocations" not in second


def test_source_lines_are_relative_to_the_source_root(tmp_path: Path) -> None:
    f = finding(source=Source("stack.py", 4))
    log = render(ScanResult(findings=[f]), root=tmp_path, cwd=tmp_path / "deep", source_root=tmp_path / "cdk")
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "cdk/stack.py"


def test_embedded_link_lookalikes_in_messages_are_escaped() -> None:
    text = sarif.message_text(finding(message="value [a](b) is odd"))
    assert "\\[a\\](b)" in text


def test_unreadable_inputs_and_notices_are_tool_notifications(tmp_path: Path) -> None:
    result = ScanResult(
        errors=[InputError("missing.yaml", None, "no such file or directory"), InputError("bad.json", 3, "not JSON")],
        notices=[Notice("t.yaml", "Web", "Properties cannot be resolved; rules abstain")],
    )
    log = render(result, root=tmp_path, cwd=tmp_path)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    levels = [(n["level"], n["message"]["text"]) for n in invocation["toolExecutionNotifications"]]
    assert levels == [
        ("error", "missing.yaml: no such file or directory."),
        ("error", "bad.json: not JSON."),
        ("note", "t.yaml: Web: Properties cannot be resolved; rules abstain."),
    ]
    bad = invocation["toolExecutionNotifications"][1]["locations"][0]["physicalLocation"]
    assert bad == {"artifactLocation": {"uri": "bad.json", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 3}}


def test_suppressed_findings_carry_in_source_suppressions() -> None:
    why = Suppression("cogcheck", "resource", "COG-E001", "legacy client, replaced in Q3")
    result = ScanResult(findings=[finding(resource="A")], suppressed=[(finding(resource="B"), why)])
    assert [r["locations"][0]["logicalLocations"][0]["name"] for r in render(result)["runs"][0]["results"]] == ["A"]
    results = render(result, include_suppressed=True)["runs"][0]["results"]
    assert "suppressions" not in results[0]
    assert results[1]["suppressions"] == [{"kind": "inSource", "justification": "legacy client, replaced in Q3"}]


def test_automation_details_and_fingerprint_occurrences() -> None:
    twice = [finding(message="first"), finding(message="second")]  # same identity, two messages
    log = render(ScanResult(findings=twice))
    run = log["runs"][0]
    assert run["automationDetails"] == {"id": "cogcheck/"}
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert hashes == [f"{twice[0].fingerprint}:1", f"{twice[0].fingerprint}:2"]


def test_cli_writes_sarif(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(BAD, encoding="utf-8")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        outcome = CliRunner().invoke(app, ["scan", "t.yaml", "missing.yaml", "--format", "sarif", "-o", "out.sarif"])
    finally:
        os.chdir(old)
    assert outcome.exit_code == 2  # an unreadable input
    log = assert_valid_sarif((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    run = log["runs"][0]
    assert "COG-E001" in {r["ruleId"] for r in run["results"]}
    assert run["invocations"][0]["executionSuccessful"] is False
    assert json.dumps(log).count("missing.yaml") == 2  # message and location of the notification


def test_pascal_case_rule_names() -> None:
    assert sarif.pascal_case("access-token-validity-out-of-range") == "AccessTokenValidityOutOfRange"
    names = [r["name"] for r in render(ScanResult())["runs"][0]["tool"]["driver"]["rules"]]
    assert all(name[:1].isupper() and "-" not in name for name in names)


def test_fixes_are_replacements_in_code_points_safe_and_unsafe_marked() -> None:
    from cogcheck.findings import Edit, Fix

    safe = Fix("safe", "write minutes", (Edit("templates/auth.yaml", 8, 22, 8, 29, "minutes"),))
    unsafe = Fix("unsafe", "turn revocation on", (
        Edit("templates/auth.yaml", 9, 7, 9, 7, "EnableTokenRevocation: true\n      "),
        Edit("templates/auth.yaml", 12, 1, 13, 1, ""),
    ))
    results = render(ScanResult(findings=[
        finding(resource="A", fix=safe), finding(resource="B", fix=unsafe),
        finding(resource="C", fix_declined="a parameter"),
    ]))["runs"]
    (run,) = results
    assert run["columnKind"] == "unicodeCodePoints"  # the columns below are the findings' own
    first, second, third = run["results"]
    assert first["fixes"] == [{
        "description": {"text": "Fix: write minutes."},
        "artifactChanges": [{
            "artifactLocation": first["locations"][0]["physicalLocation"]["artifactLocation"],
            "replacements": [{
                "deletedRegion": {"startLine": 8, "startColumn": 22, "endLine": 8, "endColumn": 29},
                "insertedContent": {"text": "minutes"},
            }],
        }],
        "properties": {"applicability": "safe"},
    }]
    (fix,) = second["fixes"]
    assert fix["description"]["text"].startswith("Unsafe fix")
    assert fix["properties"] == {"applicability": "unsafe"}
    insertion, deletion = fix["artifactChanges"][0]["replacements"]
    assert insertion["deletedRegion"]["startColumn"] == insertion["deletedRegion"]["endColumn"]  # an insertion point
    assert "insertedContent" not in deletion  # the region is removed
    assert "fixes" not in third and third["properties"]["fixDeclined"] == "a parameter"
