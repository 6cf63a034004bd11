"""Hostile text cannot reach an output raw; outputs cannot be aimed; configuration cannot be flipped unnoticed."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from cogcheck.findings import InputError, Notice, Source
from cogcheck.report import github, markdown, neutralise, text
from cogcheck.scan.result import ScanResult
from tests.helpers import BAD_CLIENT, make_finding
from tests.hostile import assert_held, run, sentinel

EVIL = "a\nb\r::error::x\x1b[31mred\x1b]8;;http://e\x07\u202egnp.exe\x85##[group]\u2028z\x00"
#: What no text, GitHub or Markdown output line may contain (bar the GitHub format's own commands).
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def assert_clean(output: str, commands_allowed: int = 0) -> None:
    assert not RAW.search(output), repr(output)
    assert "##[" not in output
    starts = [line for line in output.splitlines() if line.lstrip().startswith("::")]
    assert len(starts) == commands_allowed, starts


def test_neutralise_text() -> None:
    out = neutralise.text(EVIL)
    assert "\n" not in out and "\r" not in out and "\x1b" not in out and "\u202e" not in out and "\x85" not in out
    assert "##[" not in out and "\\x1b" in out and "\\n" in out and "\\u202e" in out
    assert neutralise.text("::warning::x") == "./::warning::x"
    assert neutralise.text("  ::x") == "./  ::x"
    assert neutralise.text("plain text: a::b") == "plain text: a::b"


def hostile_result() -> ScanResult:
    finding = make_finding(
        message=f"value {EVIL}", file=f"::error::{EVIL}.yaml", resource=f"Id{EVIL}", property=f"P{EVIL}",
        stack=f"Stack{EVIL}", construct_path=f"Stack/{EVIL}", source=Source(f"app/{EVIL}.py", 3),
    )
    return ScanResult(
        findings=[finding],
        errors=[InputError(f"::add-mask::{EVIL}", 3, f"bad {EVIL}")],
        notices=[Notice(f"{EVIL}.yaml", f"R{EVIL}", f"note {EVIL}")],
        templates=1, clients=1,
    )


def test_text_report_is_clean(tmp_path: Path) -> None:
    assert_clean(text.render(hostile_result()))


def test_github_report_is_clean(tmp_path: Path) -> None:
    out = github.render(hostile_result(), root=tmp_path, cwd=tmp_path)
    assert_clean(out, commands_allowed=2)  # the finding's and the error's own annotations
    for line in out.splitlines():
        if line.startswith("::"):
            assert re.match(r"^::(error|warning|notice) [^:]*::", line), line


def test_markdown_report_is_clean(tmp_path: Path) -> None:
    assert_clean(markdown.render(hostile_result(), root=tmp_path, cwd=tmp_path))


@pytest.mark.parametrize("fmt", ["text", "github", "markdown", "json", "sarif"])
def test_hostile_names_and_values_end_to_end(tmp_path: Path, fmt: str) -> None:
    """A file name, logical id, parameter name and value that carry line breaks, escapes and runner commands."""
    if os.name == "nt":
        pytest.skip("file names with control characters")
    name = "::error::x\x1b[2Jy##[z].yaml"
    evil_id = "Web"  # logical ids are alphanumeric in CloudFormation; values and names of others are not checked
    doc = {
        "Parameters": {"P": {"Type": "String", "Default": "https://\u202eevil\n::error::p/##[cb]\x1b[0m"}},
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool"},
            evil_id: {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
                "UserPoolId": {"Ref": "Pool"}, "AccessTokenValidity": 25, "AllowedOAuthFlows": ["code"],
                "AllowedOAuthFlowsUserPoolClient": True, "CallbackURLs": [{"Ref": "P"}],
                "ClientName": "x\n::add-mask::y", "AllowedOAuthScopes": ["openid"],
            }},
        },
    }
    (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "dup.yaml").write_text("Resources:\n  A: 1\n  A: 2\n  \"B\\x1b[31m\\n::error::q\": 3\n",
                                       encoding="utf-8")
    sentinel(tmp_path)
    result = run(".", "-f", fmt, "--parameter", "Q=\n::error::v", cwd=tmp_path)
    assert result.code == 2
    assert_clean(result.stderr)
    if fmt in ("json", "sarif"):
        json.loads(result.stdout)  # exact, escaped by the format
        assert name in json.loads(result.stdout).__repr__() or "\\u001b" in result.stdout
    else:
        assert_clean(result.stdout, commands_allowed=result.stdout.count("\n::") + result.stdout.startswith("::")
                     if fmt == "github" else 0)
        if fmt == "github":
            for line in result.stdout.splitlines():
                if line.startswith("::"):
                    assert re.match(r"^::(error|warning|notice) [^:]*::", line), line


# --------------------------------------------------------------------------------------------------------- writes


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_outputs_are_never_written_through_a_symlink(tmp_path: Path, option: str) -> None:
    sentinel(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (tmp_path / "out.txt").symlink_to(victim)
    result = run(str(tmp_path / "sentinel.yaml"), option, str(tmp_path / "out.txt"))
    assert result.code == 2 and "symbolic link" in result.stderr
    assert victim.read_text(encoding="utf-8") == "keep me" and (tmp_path / "out.txt").is_symlink()


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_outputs_never_replace_a_scanned_input(tmp_path: Path, option: str) -> None:
    path = sentinel(tmp_path)
    result = run(str(tmp_path), option, str(path))
    assert result.code == 2 and "scanned inputs" in result.stderr
    assert path.read_text(encoding="utf-8") == BAD_CLIENT


def test_outputs_are_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half-way leaves the old file whole and no temporary file behind."""
    sentinel(tmp_path)
    report = tmp_path / "report.json"
    report.write_text("old", encoding="utf-8")
    real_replace = os.replace

    def failing(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing)
    result = run(str(tmp_path / "sentinel.yaml"), "-f", "json", "-o", str(report))
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.code == 2 and "No space left" in result.stderr
    assert report.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "sentinel.yaml"]
    result = run(str(tmp_path / "sentinel.yaml"), "-f", "json", "-o", str(report))
    assert result.code == 1 and json.loads(report.read_text(encoding="utf-8"))["findings"]


# -------------------------------------------------------------------------------------------------- configuration


def test_isolated_ignores_a_configuration_the_pull_request_adds(tmp_path: Path) -> None:
    sentinel(tmp_path)
    (tmp_path / ".cogcheck.yaml").write_text("ignore: [COG-E]\nfail-on: never\n", encoding="utf-8")
    silenced = run(".", "-f", "json", cwd=tmp_path)
    assert silenced.code == 0 and silenced.report["config"] == ".cogcheck.yaml"
    held = run(".", "-f", "json", "--isolated", cwd=tmp_path)
    assert_held(held, errors=False)
    assert held.code == 1 and held.report["config"] is None
    named = tmp_path / "gate.yaml"
    named.write_text("fail-on: warning\n", encoding="utf-8")
    chosen = run(".", "-f", "sarif", "--isolated", "--config", str(named), cwd=tmp_path)
    assert chosen.code == 1
    assert json.loads(chosen.stdout)["runs"][0]["properties"]["config"] == str(named)
    text_out = run(".", "--isolated", "--config", str(named), cwd=tmp_path).stdout
    assert f"; configuration {named}" in text_out.splitlines()[-1]


def test_per_path_ignores_need_a_reason(tmp_path: Path) -> None:
    sentinel(tmp_path)
    config = tmp_path / ".cogcheck.yaml"
    config.write_text('per-path-ignores: {"sentinel*": [COG-E001]}\n', encoding="utf-8")
    old = run(".", cwd=tmp_path)
    assert old.code == 2 and "needs a reason" in old.stderr and len(old.stderr.splitlines()) == 1
    config.write_text('per-path-ignores: {"sentinel*": {ignore: [COG-E001], reason: ""}}\n', encoding="utf-8")
    assert run(".", cwd=tmp_path).code == 2
    config.write_text('per-path-ignores: {"sentinel*": {ignore: [COG-E001], reason: "legacy"}}\n', encoding="utf-8")
    result = run(".", "-f", "json", cwd=tmp_path)
    assert result.code == 0 and not any(f["rule_id"] == "COG-E001" for f in result.report["findings"])
