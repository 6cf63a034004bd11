"""``--format github`` (workflow commands) and ``--format markdown`` (job summary / PR comment)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cogcheck.cfn.scenarios import Scenario
from cogcheck.cli import app
from cogcheck.findings import Finding, InputError, Notice, Source
from cogcheck.report import github, markdown
from cogcheck.scan.result import ScanResult
from cogcheck.scan.suppress import Suppression
from tests.helpers import make_finding


def finding(**changes: Any) -> Finding:
    return make_finding(**changes)


# ---------------------------------------------------------------------------------------------------------- github


def test_escaping_follows_the_actions_toolkit() -> None:
    assert github.escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert github.command("notice", "m", file="x", line=None, col=3) == "::notice file=x,col=3::m"


def test_annotations_per_level_with_file_line_column_and_title(tmp_path: Path) -> None:
    result = ScanResult(
        findings=[
            finding(),
            finding(rule_id="COG-S001", severity="warning", rule_name="implicit-grant-enabled", resource="B"),
            finding(rule_id="COG-S017", severity="note", rule_name="unrestricted-attribute-writes", resource="C"),
        ],
        templates=1,
        clients=3,
    )
    lines = github.render(result, root=tmp_path, cwd=tmp_path).splitlines()
    assert lines[0] == (
        "::error file=templates/auth.yaml,line=7,col=7,title=COG-E001 access-token-validity-out-of-range"
        "::AccessTokenValidity is 25 hours; Cognito accepts 5 minutes to 1 day. Resource Web."
    )
    assert lines[1].startswith(
        "::warning file=templates/auth.yaml,line=7,col=7,title=COG-S001 implicit-grant-enabled::"
    )
    assert lines[2].startswith("::notice file=templates/auth.yaml,")
    assert lines[-1] == "cogcheck: 3 findings (1 error, 1 warning, 1 note) in 3 clients of 1 template"


def test_annotation_paths_are_relative_to_the_repository(tmp_path: Path) -> None:
    result = ScanResult(findings=[finding(file="auth.yaml")])
    (line, _summary) = github.render(result, root=tmp_path, cwd=tmp_path / "infra").splitlines()
    assert line.startswith("::error file=infra/auth.yaml,line=7,col=7,")


def test_template_text_cannot_inject_workflow_commands(tmp_path: Path) -> None:
    sneaky = "x\n::add-mask::secret\r\n%0A"
    result = ScanResult(
        findings=[finding(message=sneaky, resource="A,b:c")],
        notices=[Notice("t.yaml", "A", "line one\n::stop-commands::token")],
    )
    out = github.render(result, root=tmp_path, cwd=tmp_path)
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert len(commands) == 1 and commands[0].startswith("::error ")
    assert "x\\n::add-mask::secret\\r\\n%250A" in out  # input text is one line (cogcheck.report.neutralise)
    assert "cogcheck: note: t.yaml: A: line one\\n::stop-commands::token" in out


def test_cdk_findings_are_annotated_on_the_source_line(tmp_path: Path) -> None:
    f = finding(source=Source("app/stack.py", 31), file="cdk.out/Auth.template.json", construct_path="Auth/Web")
    line = github.render(ScanResult(findings=[f]), root=tmp_path, cwd=tmp_path).splitlines()[0]
    assert line.startswith("::error file=app/stack.py,line=31,title=")
    assert line.endswith("Template: cdk.out/Auth.template.json:7.")


def test_unreadable_inputs_are_error_annotations(tmp_path: Path) -> None:
    result = ScanResult(errors=[InputError("bad.json", 3, "not valid JSON: Expecting value")])
    lines = github.render(result, root=tmp_path, cwd=tmp_path).splitlines()
    assert lines[0] == "::error file=bad.json,line=3,title=cogcheck%3A input error::not valid JSON: Expecting value"
    assert lines[-1].endswith("; 1 input could not be read")


# -------------------------------------------------------------------------------------------------------- markdown


def test_markdown_summary_table_then_findings(tmp_path: Path) -> None:
    scenario = Scenario(parameters=(("Stage", "prod"),))
    result = ScanResult(
        findings=[
            finding(resource="A"),
            finding(resource="B", scenario=scenario),
            finding(rule_id="COG-S001", severity="warning", rule_name="implicit-grant-enabled", line=20),
            finding(rule_id="COG-S017", severity="note", rule_name="unrestricted-attribute-writes", line=2),
        ],
        templates=2,
        clients=5,
        baselined=[finding(resource="Old")],
    )
    text = markdown.render(result, root=tmp_path, cwd=tmp_path)
    lines = text.splitlines()
    assert lines[0] == "## cogcheck"
    assert lines[2] == (
        "**4 findings** (2 errors, 1 warning, 1 note) in 5 clients of 2 templates. 1 in the baseline."
    )
    assert "| COG-E001 | access-token-validity-out-of-range | 2 | 0 | 0 | 2 |" in lines
    assert "| COG-S001 | implicit-grant-enabled | 0 | 1 | 0 | 1 |" in lines
    assert "| **Total** | | **2** | **1** | **1** | **4** |" in lines
    rows = [line for line in lines if line.startswith(("| error", "| warning", "| note"))]
    assert [row.split(" | ")[0] for row in rows] == ["| error", "| error", "| warning", "| note"]  # errors first
    assert "`templates/auth.yaml:7`" in rows[0]
    assert "when Stage=prod" in text


def test_markdown_escapes_template_text_and_links_locations(tmp_path: Path) -> None:
    f = finding(message="a | b <script>*x*</script> [link](http://evil)", file="we`ird.yaml")
    text = markdown.render(
        ScanResult(findings=[f]), root=tmp_path, cwd=tmp_path, link_base="https://github.com/o/r/blob/abc/"
    )
    row = next(line for line in text.splitlines() if line.startswith("| error"))
    assert "a \\| b \\<script\\>\\*x\\*\\</script\\> \\[link\\](http://evil)" in row
    assert row.count(" | ") == 3  # four cells: nothing in the message split the row
    assert "[``we`ird.yaml:7``](https://github.com/o/r/blob/abc/we%60ird.yaml#L7)" in row


def test_markdown_with_nothing_found_errors_notices_and_suppressed(tmp_path: Path) -> None:
    why = Suppression("cfn-lint", "template", "E9101", "")
    result = ScanResult(
        errors=[InputError("bad.json", 3, "not JSON")],
        notices=[Notice("t.yaml", None, "2 parameters have no value")],
        suppressed=[(finding(), why)],
        templates=1,
        clients=1,
    )
    text = markdown.render(result, root=tmp_path, cwd=tmp_path, show_suppressed=True)
    assert "**No findings** in 1 client of 1 template. 1 suppressed in templates; 1 input could not be read." in text
    assert "### Suppressed in templates (1)" in text and "cfn-lint ignore\\_checks E9101" in text
    assert "- `bad.json:3: not JSON`" in text
    assert "### Notices" in text
    assert "Suppressed" not in markdown.render(result, root=tmp_path, cwd=tmp_path)


def test_markdown_caps_the_findings_table(tmp_path: Path) -> None:
    many = ScanResult(findings=[finding(resource=f"C{i:03d}") for i in range(12)])
    text = markdown.render(many, root=tmp_path, cwd=tmp_path, max_rows=10)
    assert sum(1 for line in text.splitlines() if line.startswith("| error")) == 10
    assert "… and 2 more findings not shown, to stay within GitHub's comment size (see the SARIF or JSON" in text


def test_markdown_stays_under_githubs_comment_limit_most_severe_first(tmp_path: Path) -> None:
    levels = ["note", "warning", "error"] * 200
    long = "x" * 5000  # a long value echoed from a template
    many = ScanResult(findings=[
        finding(resource=f"C{i:03d}", severity=level, message=f"m{i} {long}") for i, level in enumerate(levels)
    ])
    text = markdown.render(many, root=tmp_path, cwd=tmp_path)
    assert len(text) < 65_536 and len(text.encode()) <= markdown.MAX_CHARS
    shown = [line.split(" | ")[0] for line in text.splitlines() if line.startswith(("| error", "| warning", "| note"))]
    assert shown and shown == sorted(shown, key=["| error", "| warning", "| note"].index)  # most severe first
    assert shown[0] == "| error" and len(shown) < 600
    assert f"… and {600 - len(shown)} more findings not shown" in text
    assert "not shown" not in markdown.render(ScanResult(findings=many.findings[:3]), root=tmp_path, cwd=tmp_path)


def test_github_annotations_are_capped_per_level_most_severe_first(tmp_path: Path) -> None:
    many = ScanResult(
        findings=[finding(resource=f"C{i:02d}", severity=level) for i in range(15) for level in ("note", "error")]
        + [finding(resource="W", severity="warning")],
        errors=[InputError("bad.json", 3, "not JSON")],
    )
    lines = github.render(many, root=tmp_path, cwd=tmp_path).splitlines()
    commands = [line.split(" ", 1)[0] for line in lines if line.startswith("::")]
    assert commands == ["::error"] * 10 + ["::warning"] + ["::notice"] * 10
    assert "title=cogcheck%3A input error" in lines[0]  # an unreadable input first
    assert lines[-1].startswith("cogcheck: 6 errors, 5 notes more not annotated (GitHub shows 10 annotations")
    assert "--format markdown" in lines[-1] and "--format sarif" in lines[-1]

@pytest.mark.parametrize("fmt", ["github", "markdown"])
def test_cli_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    (tmp_path / "t.yaml").write_text(
        "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  C:\n    Type: AWS::Cognito::UserPoolClient\n"
        "    Properties:\n      UserPoolId: !Ref Pool\n      AccessTokenValidity: 25\n",
        encoding="utf-8",
    )
    outcome = CliRunner().invoke(app, ["scan", "t.yaml", "--select", "COG-E001", "--format", fmt])
    assert outcome.exit_code == 1
    if fmt == "github":
        assert outcome.stdout.startswith("::error file=t.yaml,line=7,col=7,title=COG-E001 ")
    else:
        assert outcome.stdout.startswith("## cogcheck\n\n**1 finding** (1 error) in 1 client of 1 template.")
