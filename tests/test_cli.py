"""The command line: formats, options and exit codes (0 clean, 1 findings, 2 usage or unreadable input)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cogcheck import __version__
from cogcheck.cli import app
from tests.helpers import BAD_CLIENT, GOOD_CLIENT, ROOT

runner = CliRunner()

BAD, GOOD = BAD_CLIENT, GOOD_CLIENT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bad.yaml").write_text(BAD, encoding="utf-8")
    (tmp_path / "templates" / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "templates" / "notes.yaml").write_text("just: text\n", encoding="utf-8")
    (tmp_path / "templates" / "README.md").write_text("AWS::Cognito::UserPoolClient\n", encoding="utf-8")
    return tmp_path


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    if cwd:
        os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def test_text_output_and_exit_1(project: Path) -> None:
    code, out, _ = run("scan", "templates", "--select", "COG-E001", cwd=project)
    assert code == 1
    assert "templates/bad.yaml:7:7: COG-E001 error AccessTokenValidity is 25 hours" in out
    assert "[Client]" in out
    assert "\033[" not in out  # plain when not a terminal
    # 25 hours is 25 minutes meant: the one unit in range, an unsafe fix
    assert out.rstrip().endswith("1 finding (1 error) in 2 clients of 2 templates; 1 fixable with --fix --unsafe-fixes")


def test_json_contract(project: Path) -> None:
    code, out, _ = run("scan", "templates", "--format", "json", "--select", "COG-E", cwd=project)
    assert code == 1
    document = json.loads(out)
    assert document["version"] == 1
    assert set(document) >= {"version", "findings", "errors", "summary"}
    (finding,) = document["findings"]
    assert finding == {
        "rule_id": "COG-E001",
        "severity": "error",
        "message": finding["message"],
        "file": "templates/bad.yaml",
        "line": 7,
        "column": 7,
        "resource": "Client",
        "resource_type": "AWS::Cognito::UserPoolClient",
        "property": "AccessTokenValidity",
        "stack": None,
        "construct_path": None,
        "source": None,
        "scenario": None,
        "fingerprint": finding["fingerprint"],
    } | {k: v for k, v in finding.items() if k not in {
        "rule_id", "severity", "message", "file", "line", "column", "resource", "resource_type", "property",
        "stack", "construct_path", "source", "scenario", "fingerprint"}}
    assert len(finding["fingerprint"]) == 32
    assert document["summary"]["by_severity"] == {"error": 1, "warning": 0, "note": 0}
    assert document["summary"]["clients"] == 2 and document["summary"]["templates"] == 2
    assert document["errors"] == []


def test_same_input_same_bytes(project: Path) -> None:
    first = run("scan", "templates", "--format", "json", cwd=project)[1]
    second = run("scan", "templates", "--format", "json", cwd=project)[1]
    assert first == second


def test_output_file(project: Path) -> None:
    code, out, _ = run("scan", "templates", "--format", "json", "--output", "report.json", cwd=project)
    assert code == 1 and out == ""
    assert json.loads((project / "report.json").read_text(encoding="utf-8"))["version"] == 1


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("error", 1), ("warning", 1), ("note", 1), ("never", 0)],
)
def test_fail_on_thresholds_with_an_error(project: Path, fail_on: str, expected: int) -> None:
    assert run("scan", "templates/bad.yaml", "--select", "COG-E001", "--fail-on", fail_on, cwd=project)[0] == expected


def test_fail_on_counts_severity_overrides(project: Path) -> None:
    args = ("scan", "templates/bad.yaml", "--select", "COG-E001", "--severity", "COG-E001=note")
    assert run(*args, cwd=project)[0] == 0
    assert run(*args, "--fail-on", "warning", cwd=project)[0] == 0
    assert run(*args, "--fail-on", "note", cwd=project)[0] == 1


def test_clean_scan_exits_0(project: Path) -> None:
    code, out, _ = run("scan", "templates/good.yaml", "--select", "COG-E", cwd=project)
    assert code == 0
    assert "0 findings in 1 client of 1 template" in out


def test_default_path_is_the_current_directory(project: Path) -> None:
    code, out, _ = run("scan", "--select", "COG-E001", cwd=project / "templates")
    assert code == 1 and "bad.yaml:7:7" in out


def test_ignore_and_prefix_selection(project: Path) -> None:
    assert run("scan", "templates", "--select", "COG-E", "--ignore", "COG-E001", cwd=project)[0] == 0


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--select", "COG-X999"),
        ("scan", "--ignore", "NOPE"),
        ("scan", "--severity", "COG-E001=fatal"),
        ("scan", "--severity", "COG-E999=error"),
        ("scan", "--parameter", "novalue"),
        ("scan", "--format", "yaml"),
        ("scan", "--fail-on", "sometimes"),
        ("scan", "--jobs", "0"),
        ("rule", "COG-E999"),
        ("frobnicate",),
    ],
)
def test_usage_errors_exit_2(project: Path, args: tuple[str, ...]) -> None:
    code, _, err = run(*args, cwd=project)
    assert code == 2
    assert "Traceback" not in err


def test_unreadable_input_exits_2_and_the_rest_is_scanned(project: Path) -> None:
    (project / "templates" / "broken.yaml").write_text(
        "Resources:\n  C: {Type: AWS::Cognito::UserPoolClient\n", encoding="utf-8"
    )
    code, out, err = run("scan", "templates", "missing.yaml", "--select", "COG-E001", "--format", "json", cwd=project)
    assert code == 2
    document = json.loads(out)
    assert [e["file"] for e in document["errors"]] == ["missing.yaml", "templates/broken.yaml"]
    assert document["errors"][1]["line"] == 3
    assert [f["rule_id"] for f in document["findings"]] == ["COG-E001"]
    lines = [line for line in err.splitlines() if line]
    assert lines == [
        "cogcheck: error: missing.yaml: no such file or directory",
        f"cogcheck: error: templates/broken.yaml:3: {document['errors'][1]['message']}",
    ]


def test_parameters_from_the_command_line_and_file(project: Path) -> None:
    template = BAD.replace("AccessTokenValidity: 25", "AccessTokenValidity: !Ref Validity")
    (project / "p.yaml").write_text("Parameters:\n  Validity: {Type: Number}\n" + template, encoding="utf-8")
    assert run("scan", "p.yaml", "--select", "COG-E001", cwd=project)[0] == 0  # unknown: abstain
    assert run("scan", "p.yaml", "--select", "COG-E001", "-p", "Validity=30", cwd=project)[0] == 1
    (project / "params.json").write_text('[{"ParameterKey": "Validity", "ParameterValue": "48"}]', encoding="utf-8")
    code, out, _ = run("scan", "p.yaml", "--select", "COG-E001", "--parameters-file", "params.json", cwd=project)
    assert code == 1 and "48 hours" in out


def test_pseudo_parameters(project: Path) -> None:
    template = BAD.replace(
        "AccessTokenValidity: 25", "AccessTokenValidity: !FindInMap [ByRegion, !Ref 'AWS::Region', Hours]"
    )
    text = "Mappings:\n  ByRegion:\n    eu-west-1: {Hours: 48}\n    us-east-1: {Hours: 1}\n" + template
    (project / "r.yaml").write_text(text, encoding="utf-8")
    assert run("scan", "r.yaml", "--select", "COG-E001", cwd=project)[0] == 0
    assert run("scan", "r.yaml", "--select", "COG-E001", "--region", "eu-west-1", cwd=project)[0] == 1
    assert run("scan", "r.yaml", "--select", "COG-E001", "--region", "us-east-1", cwd=project)[0] == 0


def test_config_file_select_and_fail_on(project: Path) -> None:
    (project / ".cogcheck.yaml").write_text("select: [COG-E001]\nfail-on: never\n", encoding="utf-8")
    code, out, _ = run("scan", "templates", cwd=project)
    assert code == 0 and "COG-E001" in out
    assert run("scan", "templates", "--fail-on", "error", cwd=project)[0] == 1  # the command line wins


def test_config_in_pyproject_and_per_path_ignores(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.cogcheck]\nselect = ["COG-E"]\n'
        'per-path-ignores = {"templates/bad*" = {ignore = ["COG-E001"], reason = "r"}}\n',
        encoding="utf-8",
    )
    assert run("scan", "templates", cwd=project)[0] == 0
    assert run("scan", "templates", "--config", str(project / "none.yaml"), cwd=project)[0] == 2


def test_config_errors_are_usage_errors(project: Path) -> None:
    (project / ".cogcheck.yaml").write_text("selct: [COG-E001]\n", encoding="utf-8")
    code, _, err = run("scan", "templates", cwd=project)
    assert code == 2 and "unknown key 'selct'" in err
    (project / ".cogcheck.yaml").write_text("severity: {COG-E001: loud}\n", encoding="utf-8")
    assert run("scan", "templates", cwd=project)[0] == 2


def test_rules_listing() -> None:
    code, out, _ = run("rules")
    assert code == 0 and "COG-E001  access-token-validity-out-of-range" in out
    code, out, _ = run("rules", "--format", "json")
    listing = json.loads(out)
    assert {"id", "name", "severity", "summary", "cfn_lint_id"} <= set(listing[0])
    assert [r["id"] for r in listing] == sorted(r["id"] for r in listing)
    assert listing[0]["docs"] == f"cogcheck rule {listing[0]['id']}"  # a rule pack's adds --rules PACK


def test_rule_docs() -> None:
    code, out, _ = run("rule", "COG-E001")
    assert code == 0
    for heading in ("# access-token-validity-out-of-range (COG-E001)", "## What it does", "## Why is this bad?",
                    "## Example", "## Use instead", "## References"):
        assert heading in out
    assert run("rule", "access-token-validity-out-of-range")[1] == out
    assert run("rule", "e9101")[1] == out


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"cogcheck {__version__}"


def test_console_script_and_module_entry_points(project: Path) -> None:
    executable = Path(sys.executable).with_name("cogcheck")
    for command in ([str(executable)], [sys.executable, "-m", "cogcheck"]):
        done = subprocess.run(
            [*command, "scan", "templates", "--select", "COG-E001"],
            cwd=project, capture_output=True, text=True, check=False,
        )
        assert done.returncode == 1, done.stderr
        assert "COG-E001" in done.stdout and "Traceback" not in done.stderr


def test_colour_on_a_terminal_only(project: Path) -> None:
    from cogcheck.report.text import render
    from cogcheck.scan.options import ScanOptions
    from cogcheck.scan.pipeline import scan

    result = scan([str(project / "templates" / "bad.yaml")], ScanOptions())
    assert "\033[31merror" in render(result, colour=True)
    assert "\033[" not in render(result, colour=False)


def test_start_up_loads_no_rule_when_there_is_no_client(tmp_path: Path) -> None:
    """Rule files are parsed only when a template with a client is met; option checks use their names."""
    (tmp_path / "other.yaml").write_text("Resources: {B: {Type: AWS::S3::Bucket}}\n", encoding="utf-8")
    code = (
        "import sys; from cogcheck.engine import rules; from cogcheck.cli import main\n"
        "sys.argv = ['cogcheck', 'scan', sys.argv[1], '--select', 'COG-E', '--ignore', 'W92']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    print(exit.code, len(rules._CACHE),"
        " sorted(m for m in ('cfnlint', 'jsonpath_ng', 'pydantic', 'rich') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "0 0 []"


def test_text_summary_counts_suppressed_and_baselined(project: Path) -> None:
    suppressed = BAD.replace(
        "    Type: AWS::Cognito::UserPoolClient\n",
        "    Type: AWS::Cognito::UserPoolClient\n"
        "    Metadata: {cogcheck: {ignore: [{id: COG-E001, reason: accepted until the v2 client ships}]}}\n",
    )
    (project / "templates" / "bad.yaml").write_text(suppressed, encoding="utf-8")
    code, out, _ = run("scan", "templates", "--select", "COG-E001", cwd=project)
    assert code == 0 and out.rstrip().endswith("; 1 suppressed in the template")
    (project / "templates" / "bad.yaml").write_text(BAD, encoding="utf-8")
    assert run("scan", "templates", "--select", "COG-E001", "--write-baseline", "base.json", cwd=project)[0] == 0
    code, out, _ = run("scan", "templates", "--select", "COG-E001", "--baseline", "base.json", cwd=project)
    assert code == 0 and out.rstrip().endswith("; 1 in the baseline")


def test_cogcheck_never_imports_click_by_name() -> None:
    """typer 0.28 vendors click and does not install it: `import click` works here (import-linter brings it) but
    breaks `pip install cogcheck` on a fresh machine."""
    import ast

    for path in (ROOT / "cogcheck").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n == "click" or n.startswith("click.")], path
