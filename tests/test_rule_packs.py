"""User rule packs: loading (every mistake a configuration error with file and line), ids, the policy table, every
channel (scan text/JSON/SARIF, rules/rule, suppressions, baselines, cfn-lint, CDK settings) and test-rules."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.engine.packs import MAX_PACK_RULES, MAX_RULE_FILE_SIZE, PackError, load_packs, pack
from cogcheck.engine.rules import USER_ID, cfn_lint_aliases, id_matches, load_rules, rule_id_of, rules_dir
from cogcheck.scan.ruletest import read_annotations, run_rule_tests
from tests.helpers import FIXTURES, ROOT

runner = CliRunner()
PACK = ROOT / "examples" / "policies"
PACK_FIXTURES = FIXTURES / "policies"
SPA = PACK_FIXTURES / "ORG-002" / "fail_spa.yaml"
SCOPES = PACK_FIXTURES / "ORG-003" / "fail_admin_scope.yaml"
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")

RULE = """\
id: ACME-101
name: no-long-access-tokens
severity: warning
summary: Access tokens live longer than the team allows
policy:
  max_access_seconds: {type: integer, default: 1800, doc: the ceiling}
property: AccessTokenValidity
when:
  gt: [$.effective.access_token.seconds, $.policy.max_access_seconds]
message: '{prop:AccessTokenValidity} is {$.effective.access_token.text}, over {$.policy.max_access_seconds|human}'
docs:
  what: w
  why: y
  example: |
    Resources:
      Pool: {Type: AWS::Cognito::UserPool}
      Client:
        Type: AWS::Cognito::UserPoolClient
        Properties: {UserPoolId: !Ref Pool, AccessTokenValidity: 2}
  use_instead: |
    Resources:
      Pool: {Type: AWS::Cognito::UserPool}
      Client:
        Type: AWS::Cognito::UserPoolClient
        Properties: {UserPoolId: !Ref Pool}
  references: [https://example.org/acme-101]
"""

CLIENT = """\
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 2
"""


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    if cwd:
        os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def write_pack(tmp_path: Path, text: str = RULE, name: str = "ACME-101.yaml") -> Path:
    directory = tmp_path / "policies"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(CLIENT, encoding="utf-8")
    return directory


# ------------------------------------------------------------------------------------------------ ids


@pytest.mark.parametrize("good", ["ORG-001", "ACME-S014", "PLATFORM2-999", "AB-001"])
def test_user_ids(good: str) -> None:
    assert USER_ID.match(good)
    aliases = cfn_lint_aliases(good)
    assert aliases == (f"E9{good}", f"W9{good}", f"I9{good}")
    assert all(rule_id_of(alias) == good for alias in aliases)
    assert not any(id_matches(shipped.id, alias) for alias in aliases for shipped in load_rules())


@pytest.mark.parametrize("bad", ["COG-E001", "COG-001", "E9-001", "W3-001", "org-001", "ORG-1", "O-001", "ORG001"])
def test_reserved_or_malformed_ids(bad: str) -> None:
    assert not USER_ID.match(bad)


def test_no_shipped_id_pattern_selects_a_user_rule() -> None:
    for shipped in load_rules():
        for pattern in (shipped.id, *shipped.cfn_lint_ids, "COG", "E91", "W92"):
            assert not id_matches("ORG-001", pattern), (pattern, shipped.id)
    assert rule_id_of("W9104") == "COG-E004"  # the shipped scheme is unchanged


# ------------------------------------------------------------------------------------------------ load errors


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("id: ACME-101", "id: COG-S101"), 1, "COG- is cogcheck's own"),
        (("  gt: [", "  gtt: ["), 8, "unknown operator 'gtt'"),
        (("$.policy.max_access_seconds]", "$.policy.max_seconds]"), 9, "$.policy has no key 'max_seconds'"),
        (("{type: integer, default: 1800", "{type: integer, default: '1800'"), 6, "must be a whole number"),
        (("{type: integer,", "{type: int,"), 6, "'int' is not one of"),
        (("severity: warning", "severity: warn"), 3, "severity 'warn'"),
        (("property: AccessTokenValidity", "property: AccessTokenValidity\nfor_eech: x"), 1, "unknown keys"),
        (("when:\n", "when:\n  [\n"), 11, "invalid YAML"),
    ],
)
def test_a_broken_rule_is_one_configuration_error_naming_file_and_line(
    tmp_path: Path, change: tuple[str, str], line: int, words: str
) -> None:
    assert change[0] in RULE
    write_pack(tmp_path, RULE.replace(*change, 1))
    code, out, err = run("scan", "--rules", "policies", "template.yaml", cwd=tmp_path)
    assert code == 2 and not out
    assert f"policies/ACME-101.yaml:{line}:" in err, err
    assert words in err
    assert "internal error" not in err and "Traceback" not in err


def test_file_name_must_be_the_id_and_ids_are_unique(tmp_path: Path) -> None:
    write_pack(tmp_path, name="acme.yaml")
    code, _out, err = run("scan", "--rules", "policies", "template.yaml", cwd=tmp_path)
    assert code == 2 and "policies/acme.yaml:1: rule ACME-101: the file name must be the rule id" in err
    other = tmp_path / "other"
    other.mkdir()
    (other / "ACME-101.yaml").write_text(RULE, encoding="utf-8")
    (tmp_path / "policies" / "acme.yaml").rename(tmp_path / "policies" / "ACME-101.yaml")
    code, _out, err = run("scan", "--rules", "policies", "--rules", "other", "template.yaml", cwd=tmp_path)
    assert code == 2 and "other/ACME-101.yaml:1: rule ACME-101 is also defined in policies/ACME-101.yaml:1" in err


def test_missing_empty_and_oversized_packs_are_errors(tmp_path: Path) -> None:
    code, _out, err = run("scan", "--rules", "nowhere", ".", cwd=tmp_path)
    assert code == 2 and "nowhere: rule pack: not a directory" in err
    (tmp_path / "empty").mkdir()
    code, _out, err = run("scan", "--rules", "empty", ".", cwd=tmp_path)
    assert code == 2 and "holds no rule file" in err
    directory = write_pack(tmp_path, RULE + "#" * MAX_RULE_FILE_SIZE)
    with pytest.raises(PackError, match=r"larger than|refus"):
        load_packs([pack(directory)])


def test_the_number_of_rule_files_is_bounded(tmp_path: Path) -> None:
    directory = tmp_path / "many"
    directory.mkdir()
    for index in range(MAX_PACK_RULES + 1):
        (directory / f"X{index}.yaml").write_text("", encoding="utf-8")
    with pytest.raises(PackError, match=f"more than {MAX_PACK_RULES} rule files"):
        load_packs([pack(directory)])


def test_aliases_that_expand_too_far_are_refused(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcd", "bcde", strict=True)
    )
    directory = write_pack(tmp_path, bomb)
    with pytest.raises(PackError, match="values once YAML aliases are followed"):
        load_packs([pack(directory)])


# ------------------------------------------------------------------------------------------------ policy


def test_policy_table_sets_what_rules_read(tmp_path: Path) -> None:
    write_pack(tmp_path)
    code, out, _err = run("scan", "--rules", "policies", "template.yaml", "--fail-on", "warning", cwd=tmp_path)
    assert code == 1 and "ACME-101 warning AccessTokenValidity is 2 hours, over 30 minutes" in out
    (tmp_path / ".cogcheck.yaml").write_text("rules: [policies]\npolicy: {max_access_seconds: 7200}\n")
    code, out, err = run("scan", "template.yaml", "--fail-on", "warning", "--select", "ACME", cwd=tmp_path)
    assert code == 0 and "ACME-101" not in out, (out, err)


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ("rules: [policies]\npolicy: {max_access_seconds: '2h'}\n", "policy.max_access_seconds must be a whole number"),
        ("rules: [policies]\npolicy: {max_acess_seconds: 60}\n", "policy.max_acess_seconds: no rule declares"),
        ("policy: {max_access_seconds: 60}\n", "no rule declares this key"),
    ],
)
def test_policy_table_mistakes_are_configuration_errors(tmp_path: Path, config: str, words: str) -> None:
    write_pack(tmp_path)
    (tmp_path / ".cogcheck.yaml").write_text(config, encoding="utf-8")
    code, _out, err = run("scan", "template.yaml", cwd=tmp_path)
    assert code == 2 and words in err, err


def test_a_key_without_default_must_be_set(tmp_path: Path) -> None:
    write_pack(tmp_path, RULE.replace(", default: 1800", ""))
    code, _out, err = run("scan", "--rules", "policies", "template.yaml", cwd=tmp_path)
    assert code == 2 and "policies/ACME-101.yaml:6: rule ACME-101 declares $.policy.max_access_seconds" in err
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cogcheck]\nrules = ["policies"]\n\n[tool.cogcheck.policy]\nmax_access_seconds = 600\n', encoding="utf-8"
    )
    code, out, err = run("scan", "template.yaml", "--fail-on", "warning", cwd=tmp_path)
    assert code == 1 and "over 10 minutes" in out, err


def test_rules_in_the_configuration_are_relative_to_it(tmp_path: Path) -> None:
    write_pack(tmp_path)
    (tmp_path / ".cogcheck.yaml").write_text("rules: [policies]\n", encoding="utf-8")
    elsewhere = tmp_path / "sub"
    elsewhere.mkdir()
    code, out, _err = run("scan", "--config", str(tmp_path / ".cogcheck.yaml"), str(tmp_path / "template.yaml"),
                          "--fail-on", "warning", cwd=elsewhere)
    assert code == 1 and "ACME-101" in out


# ------------------------------------------------------------------------------------------------ channels


def test_user_ids_in_select_ignore_severity(tmp_path: Path) -> None:
    write_pack(tmp_path)
    base = ("scan", "--rules", "policies", "template.yaml", "--fail-on", "warning")
    code, out, _ = run(*base, "--select", "ACME", cwd=tmp_path)
    assert code == 1 and "ACME-101" in out and "COG-" not in out.split("\n\n")[0].split("\n", 1)[-1]
    code, out, _ = run(*base, "--ignore", "W9ACME-101", cwd=tmp_path)
    assert "ACME-101" not in out
    code, out, _ = run(*base, "--severity", "ACME-101=error", cwd=tmp_path)
    assert "ACME-101 error" in out
    code, _out, err = run(*base, "--select", "ACME-999", cwd=tmp_path)
    assert code == 2 and "unknown rule id" in err


def test_suppressions_and_baselines_hold_for_user_rules(tmp_path: Path) -> None:
    write_pack(tmp_path)
    suppressed = CLIENT.replace(
        "    Type: AWS::Cognito::UserPoolClient\n",
        "    Type: AWS::Cognito::UserPoolClient\n    Metadata:\n      cogcheck:\n"
        "        ignore: [{id: ACME-101, reason: legacy app}]\n",
    )
    (tmp_path / "suppressed.yaml").write_text(suppressed, encoding="utf-8")
    code, out, err = run("scan", "--rules", "policies", "suppressed.yaml", "--fail-on", "warning", cwd=tmp_path)
    assert "ACME-101" not in out and "no cogcheck rule id" not in err
    code, _out, _err = run("scan", "--rules", "policies", "template.yaml", "--write-baseline", "base.json",
                           "--fail-on", "warning", cwd=tmp_path)
    assert "ACME-101" in (tmp_path / "base.json").read_text()
    code, out, _err = run("scan", "--rules", "policies", "template.yaml", "--baseline", "base.json",
                          "--fail-on", "warning", cwd=tmp_path)
    assert code == 0 and "ACME-101" not in out


def test_json_and_sarif_carry_user_rules(tmp_path: Path) -> None:
    write_pack(tmp_path)
    _code, out, _ = run("scan", "--rules", "policies", "template.yaml", "-f", "json", cwd=tmp_path)
    findings = json.loads(out)["findings"]
    assert any(f["rule_id"] == "ACME-101" and f["severity"] == "warning" for f in findings)
    _code, out, _ = run("scan", "--rules", "policies", "template.yaml", "-f", "sarif", cwd=tmp_path)
    run_ = json.loads(out)["runs"][0]
    descriptor = next(r for r in run_["tool"]["driver"]["rules"] if r["id"] == "ACME-101")
    assert "helpUri" not in descriptor and "https://example.org/acme-101" in descriptor["help"]["markdown"]
    assert descriptor["properties"]["cfn-lint-ids"] == ["W9ACME-101"]
    assert descriptor["properties"]["rule-pack"] == "policies"
    assert any(r["ruleId"] == "ACME-101" for r in run_["results"])


def test_rules_and_rule_list_and_document_user_rules(tmp_path: Path) -> None:
    write_pack(tmp_path)
    code, out, _ = run("rules", "--rules", "policies", cwd=tmp_path)
    assert code == 0 and out.splitlines()[-1].startswith("ACME-101  no-long-access-tokens")
    code, out, _ = run("rules", "--rules", "policies", "-f", "json", cwd=tmp_path)
    assert json.loads(out)[-1]["cfn_lint_id"] == "W9ACME-101"
    assert json.loads(out)[-1]["docs"] == "cogcheck rule ACME-101 --rules policies"  # the command that shows it
    for wanted in ("ACME-101", "W9ACME-101", "no-long-access-tokens"):
        code, out, _ = run("rule", wanted, "--rules", "policies", cwd=tmp_path)
        assert code == 0 and "# no-long-access-tokens (ACME-101)" in out
        assert "`$.policy.max_access_seconds` (integer, default 1800): the ceiling" in out
    code, _out, err = run("rule", "ACME-101", cwd=tmp_path)
    assert code == 2 and "unknown rule" in err


# ------------------------------------------------------------------------------------------------ test-rules


def test_the_example_pack_and_the_shipped_rules_pass_test_rules() -> None:
    code, out, err = run("test-rules", str(PACK), "--fixtures", str(PACK_FIXTURES))
    assert code == 0, out + err
    assert out.strip().endswith("3 rules, 12 fixture files, 20 expectations: all hold")
    outcome = run_rule_tests(rules_dir(), FIXTURES / "rules")
    assert not outcome.failures and outcome.rules == len(load_rules())


def test_test_rules_reports_each_failed_expectation(tmp_path: Path) -> None:
    pack_dir = tmp_path / "policies"
    shutil.copytree(PACK, pack_dir)
    shutil.copytree(PACK_FIXTURES, pack_dir / "fixtures")
    (pack_dir / "fixtures" / "ORG-002" / "pass_rotation.yaml").write_text(SPA.read_text().replace(
        "  # ruleid: ORG-002\n", ""), encoding="utf-8")
    scopes = pack_dir / "fixtures" / "ORG-003" / "fail_admin_scope.yaml"
    scopes.write_text(scopes.read_text().replace("        - openid\n", "        # ruleid: ORG-003\n        - openid\n"))
    rule = pack_dir / "ORG-001.yaml"
    rule.write_text(rule.read_text().replace("    # cogcheck scan --production\n", "", 1))  # the example
    code, out, _err = run("test-rules", str(pack_dir))
    assert code == 1
    lines = out.splitlines()
    assert any("pass_rotation.yaml:4: ORG-002 reported here, not expected" in line for line in lines), out
    assert any("fail_admin_scope.yaml:12: ORG-003 expected here, not reported" in line for line in lines), out
    assert any("ORG-001 docs.example: ORG-001 does not fire" in line for line in lines), out
    assert lines[-1].endswith("3 failed")


def test_test_rules_needs_fixtures_for_every_rule(tmp_path: Path) -> None:
    directory = write_pack(tmp_path)
    code, out, _ = run("test-rules", str(directory))
    assert code == 1 and "no fixtures directory" in out and "ACME-101: no fixture expects it" in out
    (tmp_path / "b").mkdir()
    broken = write_pack(tmp_path / "b", RULE.replace("gt:", "gtt:"))
    code, _out, err = run("test-rules", str(broken))
    assert code == 2 and "ACME-101.yaml:8:" in err


def test_annotations_follow_the_shipped_convention() -> None:
    found = read_annotations("a: 1\n# ruleid: ORG-001, ORG-002\n\n# a comment\nb: 2\n# ok: ORG-003\nc: 3\n")
    assert found.expected == {"ORG-001": {5}, "ORG-002": {5}}
    assert found.named == {"ORG-001", "ORG-002", "ORG-003"}


# ------------------------------------------------------------------------------------------------ plugins


@pytest.mark.slow
def test_cfn_lint_plugin_reports_user_rules_with_their_ids(tmp_path: Path) -> None:
    pytest.importorskip("cfnlint")
    shutil.copy(SPA, tmp_path / "spa.yaml")
    shutil.copy(SCOPES, tmp_path / "scopes.yaml")
    env = {**os.environ, "COGCHECK_RULES": str(PACK), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [CFN_LINT, "-a", "cogcheck.cfnlint_rules", "--format", "parseable", "--", "spa.yaml", "scopes.yaml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert ":E9ORG-002:" in done.stdout and ":W9ORG-003:" in done.stdout, done.stdout + done.stderr
    (tmp_path / ".cogcheck.yaml").write_text(f"rules: [{PACK}]\nseverity: {{ORG-003: note}}\n", encoding="utf-8")
    env.pop("COGCHECK_RULES")
    done = subprocess.run(
        [CFN_LINT, "-a", "cogcheck.cfnlint_rules", "--include-checks", "I", "--format", "parseable", "--",
         "scopes.yaml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert ":I9ORG-003:" in done.stdout and "W9ORG-003" not in done.stdout, done.stdout + done.stderr


def test_cdk_settings_take_rule_packs(tmp_path: Path) -> None:
    from cogcheck.cdk.validation import Settings, validate

    shutil.copy(SPA, tmp_path / "spa.yaml")
    outcome = validate([str(tmp_path / "spa.yaml")], Settings(rules=(PACK,)))
    violation = next(v for v in outcome.violations if v.rule_name == "ORG-002")
    assert violation.severity == "error" and not outcome.success
    assert violation.metadata["docs"] == f"cogcheck rule ORG-002 --rules {pack(PACK).shown}"


@pytest.mark.slow
def test_cdk_plugin_options_may_name_a_configured_packs_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("aws_cdk", reason="needs the cdk extra (aws-cdk-lib) and Node.js")
    from cogcheck.cdk import CogcheckValidation

    write_pack(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="unknown rule id or prefix 'ACME'"):
        CogcheckValidation(select=["ACME"])
    (tmp_path / ".cogcheck.yaml").write_text("rules: [policies]\n", encoding="utf-8")
    plugin = CogcheckValidation(select=["ACME"], severity={"ACME-101": "error"})
    assert plugin.rule_ids[-1] == "ACME-101" and "COG-E001" in plugin.rule_ids


def test_every_spelling_of_a_yaml_suffix_is_a_rule_file(tmp_path: Path) -> None:
    directory = write_pack(tmp_path, name="ACME-101.YML")
    (directory / "README.md").write_text("not a rule\n", encoding="utf-8")
    (directory / ".cogcheck.yaml").write_text("select: [COG]\n", encoding="utf-8")  # hidden: a configuration
    assert [rule.id for rule in load_packs([pack(directory)])] == ["ACME-101"]
