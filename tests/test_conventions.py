"""Command-line conventions: -h, --quiet, --color, comma lists, prefixes, every id form, --exclude, standard input,
--parameter checks, notices for inputs that give nothing, configuration errors that name the file and key."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.report.formats import use_colour
from tests.helpers import BAD_CLIENT, GOOD_CLIENT

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    outcome = runner.invoke(app, list(args), input=input)
    return outcome.exit_code, outcome.stdout, outcome.stderr


def report(*args: str, input: str | None = None) -> dict[str, object]:
    code, out, err = run("scan", *args, "--format", "json", "--fail-on", "never", input=input)
    assert code in (0, 2), err
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    return tmp_path


def test_short_help() -> None:
    for args in (["-h"], ["scan", "-h"], ["rule", "-h"]):
        code, out, _ = run(*args)
        assert code == 0 and "Usage" in out, args
    assert "--exclude" in run("scan", "-h")[1]


def test_quiet_prints_only_findings(here: Path) -> None:
    code, out, _ = run("scan", "bad.yaml", "--select", "COG-E001")
    assert code == 1 and "1 finding" in out
    code, out, _ = run("scan", "bad.yaml", "--select", "COG-E001", "--quiet")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2 and lines[0] == "bad.yaml" and lines[1].startswith("bad.yaml:7:7: COG-E001 ")
    code, out, err = run("scan", "bad.yaml", "--quiet", "--write-baseline", "b.json")
    assert code == 0 and out == "" and "wrote" not in err and (here / "b.json").is_file()
    code, out, _ = run("scan", "-q", str(here / "bad.yaml"), "--select", "COG-E002")  # nothing found: nothing said
    assert code == 0 and out == ""


@pytest.mark.parametrize(
    ("choice", "tty", "env", "want"),
    [
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),  # no-color.org: set *and not empty*
        ("auto", False, {"FORCE_COLOR": "1"}, True),
        ("auto", True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        ("auto", True, {"TERM": "dumb"}, False),
        ("always", False, {"NO_COLOR": "1"}, True),
        ("never", True, {"FORCE_COLOR": "1"}, False),
    ],
)
def test_colour_choice(choice: str, tty: bool, env: dict[str, str], want: bool) -> None:
    assert use_colour(choice, tty, env) is want


def test_color_flag_and_force_color_reach_the_text_report(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\033[" in run("scan", "bad.yaml", "--color", "always")[1]
    assert "\033[" not in run("scan", "bad.yaml")[1]  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\033[" in run("scan", "bad.yaml")[1]
    assert "\033[" not in run("scan", "bad.yaml", "--color", "never")[1]


def test_comma_lists_and_severity_prefixes(here: Path) -> None:
    selected = report("bad.yaml", "--select", "COG-E001,COG-S004", "--select", "COG-S007")["findings"]
    ids = {f["rule_id"] for f in selected}  # type: ignore[index,union-attr]
    assert ids == {"COG-E001", "COG-S004", "COG-S007"}
    ids = {f["rule_id"] for f in report("bad.yaml", "--ignore", "COG-S004, COG-S007", "--select", "COG-S")["findings"]}
    assert ids and not ids & {"COG-S004", "COG-S007"} and all(i.startswith("COG-S") for i in ids)
    found = report("bad.yaml", "--severity", "COG-S=error", "--severity", "W9204=note")["findings"]
    levels = {f["rule_id"]: f["severity"] for f in found}  # type: ignore[index]
    assert levels["COG-S004"] == "note" and levels["COG-S007"] == "error" and levels["COG-E001"] == "error"
    code, _, err = run("scan", "bad.yaml", "--severity", "COG-X=error")
    assert code == 2 and "--severity" in err and "COG-X" in err


@pytest.mark.parametrize("spelling", ["COG-E013", "cog-e013", "W9113", "w9113", "E9113", "I9113",
                                      "oauth-settings-while-oauth-off"])
def test_rule_takes_every_id_form(spelling: str) -> None:
    code, out, err = run("rule", spelling)
    assert code == 0, err
    assert out.startswith("# oauth-settings-while-oauth-off (COG-E013)")
    assert "cfn-lint id: W9113" in out


def test_rule_with_a_prefix_lists_what_select_would(here: Path) -> None:
    code, out, _ = run("rule", "W92")
    listed = [line.split()[0] for line in out.splitlines()]
    assert code == 0 and listed and all(rule.startswith("COG-S") for rule in listed)
    assert run("rule", "X99")[0] == 2


def test_exclude_is_never_read(here: Path) -> None:
    (here / "legacy").mkdir()
    broken = "Resources: [AWS::Cognito::UserPoolClient\n"  # would be an error if read
    (here / "legacy" / "old.yaml").write_text(broken, encoding="utf-8")
    (here / "skip.yaml").write_text(broken, encoding="utf-8")
    assert report(".")["errors"]  # read, it is an error
    found = report(".", "--exclude", "legacy", "--exclude", "skip.*")
    assert found["errors"] == [] and {f["file"] for f in found["findings"]} == {"bad.yaml"}  # type: ignore[union-attr]
    assert report(".", "--exclude", "legacy/**", "--exclude", "./skip.yaml")["errors"] == []
    (here / ".cogcheck.yaml").write_text("exclude: [legacy, skip.yaml]\n", encoding="utf-8")
    assert report(".")["errors"] == []
    named = report("skip.yaml")  # named explicitly but excluded: a notice says so
    assert named["errors"] == [] and "excluded" in json.dumps(named["notices"])


def test_standard_input_with_a_file_name(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (here / ".git").mkdir()
    (here / "infra").mkdir()
    (here / "infra" / "app.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    from_file = report("infra/app.yaml")["findings"]
    from_stdin = report("-", "--stdin-filename", "infra/app.yaml", input=BAD_CLIENT)["findings"]
    assert from_stdin == from_file and from_file
    monkeypatch.chdir(here / "infra")
    assert report("-", "--stdin-filename", "app.yaml", input=BAD_CLIENT)["findings"][0]["fingerprint"] == (  # type: ignore[index]
        from_file[0]["fingerprint"]  # type: ignore[index]
    )
    excluded = report("-", "--stdin-filename", "infra/app.yaml", "--exclude", "app.yaml", input=BAD_CLIENT)
    assert excluded["findings"] == [] and "excluded" in json.dumps(excluded["notices"])
    plain = report("-", input=BAD_CLIENT)["findings"]
    assert plain and plain[0]["file"] == "-"  # type: ignore[index]
    assert run("scan", "bad.yaml", "--stdin-filename", "x.yaml")[0] == 2


PARAMETERS = """Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
  Flows: {Type: CommaDelimitedList, AllowedValues: [code, implicit]}
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: !If [IsProd, 25, 24]
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
"""


def test_parameters_are_checked_against_the_templates(here: Path) -> None:
    (here / "p.yaml").write_text(PARAMETERS, encoding="utf-8")
    ok = report("p.yaml", "-p", "Stage=prod", "-p", "Flows=code,implicit")
    assert ok["errors"] == [] and ok["notices"] == []
    typo = report("p.yaml", "-p", "Stag=prod")
    assert [n["file"] for n in typo["notices"]] == ["--parameter"]  # type: ignore[index,union-attr]
    assert "'Stag'" in typo["notices"][0]["message"]  # type: ignore[index]
    code, _, err = run("scan", "p.yaml", "-p", "Stage=qa", "--format", "json")
    assert code == 2 and "p.yaml:2:" in err and "'qa'" in err and "AllowedValues" in err
    code, _, err = run("scan", "p.yaml", "-p", "Flows=code,token", "--format", "json")
    assert code == 2 and "'token'" in err and "'code'" not in err.split("AllowedValues")[0]


def test_inputs_that_give_nothing_are_explained(here: Path) -> None:
    (here / "notes.txt").write_text("hello", encoding="utf-8")
    (here / "config.json").write_text('{"a": 1}', encoding="utf-8")
    (here / "empty").mkdir()
    (here / "empty" / "readme.md").write_text("x", encoding="utf-8")
    found = report("notes.txt", "config.json", "empty")
    notices = {n["file"]: n["message"] for n in found["notices"]}  # type: ignore[union-attr]
    assert "not a CloudFormation template" in notices["notes.txt"]
    assert "not a CloudFormation template" in notices["config.json"]
    assert "nothing to scan found" in notices["empty"]
    assert all(kind in notices["empty"] for kind in ("CloudFormation", "cdk.out", "Terraform", ".tf"))
    assert found["errors"] == []
    assert report("bad.yaml")["notices"] == []


def test_configuration_errors_name_the_file_and_key(here: Path) -> None:
    (here / "pyproject.toml").write_text('[tool.cogcheck]\nseverity = {COG-E001 = "fatal"}\n', encoding="utf-8")
    code, _, err = run("scan", "bad.yaml")
    assert code == 2 and "pyproject.toml" in err and "severity.COG-E001" in err and "--severity" not in err
    (here / "pyproject.toml").write_text('[tool.cogcheck]\nselect = ["COG-X"]\n', encoding="utf-8")
    code, _, err = run("scan", "bad.yaml")
    assert code == 2 and f"{os.sep}pyproject.toml: select: unknown rule id" in err
    (here / "pyproject.toml").write_text('[tool.cogcheck]\nseverity = {COG-X = "error"}\n', encoding="utf-8")
    code, _, err = run("scan", "bad.yaml")
    assert code == 2 and "pyproject.toml: severity: unknown rule id or prefix 'COG-X'" in err


def test_good_client_still_passes(here: Path) -> None:
    (here / "good.yaml").write_text(GOOD_CLIENT, encoding="utf-8")
    assert run("scan", "good.yaml", "--select", "COG-E")[0] == 0
