"""An ordinary ``cogcheck scan`` is parsed without typer, from the same declarations the typer command is made of."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cogcheck.cli import commands, run
from cogcheck.cli.params import SCAN_PARAMS, parse_scan
from tests.helpers import BAD_CLIENT

ROOT = Path(__file__).resolve().parent.parent

ORDINARY = [
    [],
    ["t.yaml"],
    ["t.yaml", "other", "-"],
    ["--format", "json", "t.yaml"],
    ["t.yaml", "-f", "sarif", "--output", "out.sarif", "--quiet"],
    ["--format=github", "--fail-on", "warning", "--min-severity=note", "--color", "never", "t.yaml"],
    ["--select", "COG-E", "--select=COG-S001,COG-S002", "--ignore", "W92", "--severity", "COG-S=error", "t.yaml"],
    ["-p", "Env=prod", "--parameter", "Other=1", "--parameters-file", "p.json", "--scenarios", "defaults", "d"],
    ["--var", "a=1", "--var-file", "x.tfvars", "--var-file", "y.tfvars", "--tf-root", "tf", "--opentofu", "plan"],
    ["--region", "eu-west-1", "--account-id", "123456789012", "--partition", "aws-cn", "--production", "t.yaml"],
    ["--production-stacks", "prod-*", "--previous", "old.yaml", "--source-root", "src", "cdk.out"],
    ["--trust-cdk-acknowledgements", "--baseline", "b.json", "--write-baseline", "w.json", "--show-suppressed"],
    ["-j", "3", "--rules", "pack", "--rules=pack2", "--fix", "--unsafe-fixes", "--diff", "t.yaml"],
    ["--config", "c.yaml", "--isolated", "--max-file-size", "5", "--exclude", "**/x", "--stdin-filename", "a", "-"],
    ["--show-notes", "--sarif-include-suppressed", "--jobs=0", "t.yaml"],
]

UNUSUAL = [
    ["--help"], ["-h"], ["t.yaml", "--help"], ["--bogus"], ["-fjson", "t.yaml"], ["--format", "nope"],
    ["--jobs", "x"], ["--jobs", "-1"], ["--jobs=+2"], ["--format"], ["--", "t.yaml"], ["--quiet=yes"],
    ["--format", "json", "--format", "text"], ["--output", ""], ["-qj", "2"], ["--select", "-x"],
]


def typer_values(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The values typer hands the scan command for ``cogcheck scan ARGS``."""
    seen: dict[str, Any] = {}

    def capture(values: dict[str, Any]) -> None:
        seen.update(values)
        raise SystemExit(0)

    monkeypatch.setattr(commands, "guarded_scan", capture)
    result = CliRunner().invoke(commands.app, ["scan", *args])
    assert result.exit_code == 0, result.output
    return seen


def test_the_scan_body_takes_exactly_the_declared_parameters() -> None:
    body = inspect.signature(run.scan).parameters
    assert list(body) == [param.name for param in SCAN_PARAMS]
    typer_side = inspect.signature(commands.app.registered_commands[0].callback).parameters  # type: ignore[arg-type]
    assert [(p.name, p.default) for p in typer_side.values()] == [(p.name, p.default) for p in SCAN_PARAMS]


@pytest.mark.parametrize("args", ORDINARY, ids=lambda a: " ".join(a) or "(none)")
def test_ordinary_arguments_parse_as_typer_parses_them(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    ours = parse_scan(args)
    assert ours is not None
    theirs = typer_values(args, monkeypatch)
    assert ours == theirs
    assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}


@pytest.mark.parametrize("args", UNUSUAL, ids=" ".join)
def test_anything_unusual_is_left_to_typer(args: list[str]) -> None:
    assert parse_scan(args) is None


def _main(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\nfrom cogcheck.cli import main\n"
        f"sys.argv = ['cogcheck', *{args!r}]\n"
        "try:\n    main()\nfinally:\n"
        "    loaded = (m for m in ('typer', 'click', 'interegular') if m in sys.modules)\n"
        "    sys.stderr.write('loaded: ' + ' '.join(loaded))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_a_scan_loads_neither_typer_nor_interegular_and_reports_as_typer_does(tmp_path: Path) -> None:
    # a reference whose shape meets a pattern (Fn::GetAtt Pool.Arn as a UserPoolId) is compared from the shipped table
    (tmp_path / "t.yaml").write_text(
        BAD_CLIENT + "  Other:\n    Type: AWS::Cognito::UserPoolClient\n"
        "    Properties: {UserPoolId: !GetAtt Pool.Arn}\n",
        encoding="utf-8",
    )
    args = ["scan", "t.yaml", "--format", "json", "--isolated"]
    done = _main(args, tmp_path)
    assert done.stderr.splitlines()[-1] == "loaded: "
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        reference = CliRunner().invoke(commands.app, args)
    finally:
        os.chdir(old)
    assert (done.returncode, done.stdout) == (reference.exit_code, reference.stdout)
    assert "never matches the pattern" in done.stdout


def test_help_and_mistakes_are_typer_s(tmp_path: Path) -> None:
    helped = _main(["scan", "--help"], tmp_path)
    assert helped.returncode == 0 and "--max-file-size MB" in helped.stdout
    assert helped.stderr.endswith("loaded: typer")
    wrong = _main(["scan", "--format", "nope", "t.yaml"], tmp_path)
    assert wrong.returncode == 2 and "Invalid value for '--format' / '-f'" in wrong.stderr
