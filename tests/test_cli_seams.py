"""The CLI's wiring (one table of report formats, shared constants) and what its options promise, at the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cogcheck.cli import Format, app
from cogcheck.report.formats import RENDERERS
from tests.helpers import BAD_CLIENT

runner = CliRunner()


def run(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def test_every_format_choice_has_a_renderer_and_every_renderer_a_choice() -> None:
    assert [choice.value for choice in Format] == list(RENDERERS)


def test_the_cli_choices_and_defaults_are_the_shared_constants() -> None:
    """The CLI spells some constants itself (start-up imports only typer): they must stay the shared ones."""
    from cogcheck.cli import MAX_FILE_SIZE_MB, FailOn
    from cogcheck.config.options import MIB
    from cogcheck.findings import FAIL_ON
    from cogcheck.inputs.files import MAX_FILE_SIZE

    assert [choice.value for choice in FailOn] == list(FAIL_ON)
    assert MAX_FILE_SIZE_MB * MIB == MAX_FILE_SIZE


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    (tmp_path / "bad.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    return tmp_path


SUMMARY = "1 finding (1 error) in 1 client of 1 template"
FIXABLE = "1 fixable with --fix --unsafe-fixes"  # AccessTokenValidity: 25 (hours) is 25 minutes meant


def test_quiet_lists_only_the_findings_and_promises_nothing_else(bad: Path) -> None:
    code, out, err = run("scan", "bad.yaml", "--select", "COG-E001", "-q", cwd=bad)
    assert code == 1 and err == ""
    assert out.splitlines() == ["bad.yaml", out.splitlines()[1]] and "COG-E001" in out.splitlines()[1]
    help_text = " ".join(run("scan", "--help", cwd=bad)[1].split())
    assert "progress" not in help_text


def test_output_to_a_file_says_the_summary_on_stderr_unless_quiet(bad: Path) -> None:
    code, out, err = run("scan", "bad.yaml", "--select", "COG-E001", "-f", "json", "-o", "report.json", cwd=bad)
    assert code == 1 and out == ""
    assert err.splitlines() == [f"cogcheck: wrote report.json: {SUMMARY}; {FIXABLE}"]
    assert json.loads((bad / "report.json").read_text(encoding="utf-8"))["summary"]["findings"] == 1
    code, out, err = run("scan", "bad.yaml", "--select", "COG-E001", "-o", "report.txt", "-q", cwd=bad)
    assert (code, out, err) == (1, "", "")
    assert (bad / "report.txt").read_text(encoding="utf-8").startswith("bad.yaml\n")


def test_show_suppressed_lists_suppressed_findings_in_text_marked(tmp_path: Path) -> None:
    suppressed = BAD_CLIENT.replace(
        "    Type: AWS::Cognito::UserPoolClient\n",
        "    Type: AWS::Cognito::UserPoolClient\n"
        "    Metadata: {cogcheck: {ignore: [{id: COG-E001, reason: legacy client until Q3}]}}\n",
    )
    (tmp_path / "t.yaml").write_text(suppressed, encoding="utf-8")
    plain = run("scan", "t.yaml", "--select", "COG-E001", cwd=tmp_path)
    code, out, _ = run("scan", "t.yaml", "--select", "COG-E001", "--show-suppressed", cwd=tmp_path)
    assert plain[0] == code == 0 and "COG-E001" not in plain[1]
    (line,) = [line for line in out.splitlines() if "COG-E001" in line]
    assert line.startswith("suppressed: t.yaml:8:7: COG-E001 error ")  # never read as an active finding
    assert line.endswith("(COG-E001 ignored in the resource: legacy client until Q3)")
    assert out.splitlines()[-1] == plain[1].splitlines()[-1]  # the same counts


def test_an_unreadable_var_file_is_said_once(bad: Path) -> None:
    code, out, err = run("scan", "bad.yaml", "--var-file", "missing.tfvars", cwd=bad)
    assert code == 2 and out == ""
    assert err.startswith("cogcheck: error: --var-file missing.tfvars: cannot read: ")
    assert err.count("cannot read") == 1


PARAMETERS = """Parameters:
  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool, ClientName: !Ref Env, AccessTokenValidity: 25}
"""


def test_a_parameter_outside_allowed_values_is_counted_as_such_not_as_an_unreadable_input(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(PARAMETERS, encoding="utf-8")
    args = ("scan", "t.yaml", "--select", "COG-E001", "-p", "Env=qa")
    code, out, err = run(*args, cwd=tmp_path)
    assert code == 2  # still a usage error
    assert "parameter Env: 'qa' is not one of its AllowedValues" in err
    # the template was read
    assert out.splitlines()[-1] == f"{SUMMARY}; 1 parameter value outside AllowedValues; {FIXABLE}"
    assert "could not be read" not in out
    (error,) = json.loads(run(*args, "-f", "json", cwd=tmp_path)[1])["errors"]
    assert error["kind"] == "parameter"
    github = run(*args, "-f", "github", cwd=tmp_path)[1]
    assert "title=cogcheck%3A parameter error" in github and "could not be read" not in github
    markdown = run(*args, "-f", "markdown", cwd=tmp_path)[1]
    assert "### Parameter values outside AllowedValues" in markdown and "could not be read" not in markdown
    assert 'type="parameter-error"' in run(*args, "-f", "junit", cwd=tmp_path)[1]


TERRAFORM = """variable "name" {
  type    = string
  default = "web"
}

resource "aws_cognito_user_pool" "pool" {
  name = "pool"
}

# cogcheck:ignore COG-S004
resource "aws_cognito_user_pool_client" "web" {
  name                   = var.name
  user_pool_id           = aws_cognito_user_pool.pool.id
  access_token_validity  = 25
}
"""


def _notices(cwd: Path, *args: str) -> list[str]:
    code, out, _ = run("scan", ".", "-f", "json", *args, cwd=cwd)
    assert code == 1, out
    return [f"{n['file']}: {n['message']}" for n in json.loads(out)["notices"]]


def test_a_terraform_var_no_root_module_declares_gets_a_notice_as_a_parameter_does(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    (tmp_path / "extra.tfvars").write_text('region = "eu-west-1"\n', encoding="utf-8")
    notices = _notices(tmp_path, "--var", "name=app", "--var", "nmae=typo", "--var-file", "extra.tfvars")
    unused = sorted(n for n in notices if n.startswith("--var:"))
    assert unused == [
        f"--var: no scanned Terraform root module with a user pool client declares a variable {name!r}; "
        "its value is unused"
        for name in ("nmae", "region")
    ]


def test_a_terraform_suppression_without_a_reason_is_explained_in_terraform_spelling(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    (notice,) = [n for n in _notices(tmp_path) if "suppression" in n]
    assert notice == (
        "main.tf: suppression of COG-S004 has no reason, so it does not suppress: "
        "write # cogcheck:ignore COG-S004 reason: why this is acceptable"
    )
    assert "Metadata" not in notice and "{id:" not in notice


def _paths(output: str) -> set[str]:
    """Every file path a report gives for the template ``x.yaml``."""
    import re

    return set(re.findall(r"[\w./:%-]*x\.yaml", output))


def test_a_path_outside_the_git_root_is_named_the_same_way_in_every_format(tmp_path: Path) -> None:
    repo, other = tmp_path / "repo", tmp_path / "other"
    (repo / ".git").mkdir(parents=True)
    other.mkdir()
    (other / "x.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    for output_format in RENDERERS:
        code, out, _ = run("scan", "../other/x.yaml", "--select", "COG-E001", "-f", output_format, cwd=repo)
        assert code == 1
        assert str(tmp_path) not in out, output_format  # never the machine's path for a path given relative
        assert _paths(out) == {"../other/x.yaml"}, output_format
    code, out, _ = run("scan", str(other / "x.yaml"), "--select", "COG-E001", "-f", "sarif", cwd=repo)
    assert json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": (other / "x.yaml").as_uri()  # a path given absolute stays absolute, as in JSON
    }


def test_fingerprints_do_not_depend_on_the_working_directory_or_the_spelling_of_the_path(tmp_path: Path) -> None:
    repo, other = tmp_path / "repo", tmp_path / "other"
    (repo / ".git").mkdir(parents=True)
    other.mkdir()
    (other / "x.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    ways = [(repo, "../other/x.yaml"), (other, "x.yaml"), (other, "./x.yaml"), (tmp_path, str(other / "x.yaml")),
            (repo, "../other/../other")]
    seen = set()
    for cwd, path in ways:
        args = ("scan", path, "--select", "COG-E001")
        (finding,) = json.loads(run(*args, "-f", "json", cwd=cwd)[1])["findings"]
        (issue,) = json.loads(run(*args, "-f", "gitlab", cwd=cwd)[1])
        (result,) = json.loads(run(*args, "-f", "sarif", cwd=cwd)[1])["runs"][0]["results"]
        seen.add((finding["fingerprint"], issue["fingerprint"], result["partialFingerprints"]["cogcheck/v1"]))
    assert len(seen) == 1


def test_a_reader_that_goes_away_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """``cogcheck scan … | head -1``: the report cannot be written whole; one line, exit 2, no internal error."""
    import subprocess
    import sys

    for index in range(40):  # a report larger than a pipe's buffer
        (tmp_path / f"t{index}.yaml").write_text(
            "Resources:\n  Client:\n    Type: AWS::Cognito::UserPoolClient\n    Properties:\n"
            "      UserPoolId: pool\n      AccessTokenValidity: 60\n      CallbackURLs: [http://a.example]\n",
            encoding="utf-8",
        )
    proc = subprocess.Popen([sys.executable, "-m", "cogcheck", "scan", "-f", "json", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(1)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 2
    assert stderr.splitlines() == ["cogcheck: error: standard output was closed before the whole report was written"]
