"""Proof by property: every rule fixture with a fix, as YAML and as JSON (indented with spaces or tabs, CRLF line
ends), is fixed on a copy and checked (tests/fix_properties.py); so is the corpus, when present."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cogcheck.cfn.parse import parse_template
from cogcheck.engine.rules import load_rules
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan
from tests.fix_properties import check_fix_run
from tests.tf_json import tf_to_json

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
TF_FIXTURES = Path(__file__).parent / "fixtures" / "terraform" / "rules"
FIXED_RULES = sorted(rule.id for rule in load_rules() if rule.fix_applicability != "none")
CORPUS = Path(os.environ.get("COGCHECK_CORPUS", "/work/shared/corpus"))


def _fixtures(rule_id: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / rule_id).glob("fail_*") if p.suffix in (".yaml", ".yml", ".json"))


def _as_json(path: Path, indent: str | int) -> str:
    template = parse_template(str(path), path.read_bytes(), suffix=path.suffix)
    assert template is not None
    return json.dumps(template.doc, indent=indent) + "\n"


def test_rules_with_a_fix_have_fixtures_it_fixes() -> None:
    assert FIXED_RULES, "no rule declares a fix"
    options = ScanOptions()
    for rule_id in FIXED_RULES:
        findings = scan([str(p) for p in _fixtures(rule_id)], options).findings
        assert any(f.rule_id == rule_id and f.fix is not None for f in findings), f"{rule_id}: no fixture offers a fix"


def _terraform_copies(rule_id: str, dialect: str, tmp_path: Path) -> list[Path]:
    """Each Terraform fixture of the rule in a module directory of its own (a fixture is a configuration): as
    written, or in Terraform's JSON syntax (tests/tf_json.py; the hand-written ``fail_*.tf.json`` as they are)."""
    fixtures = sorted((TF_FIXTURES / rule_id).glob("fail_*.tf"))
    texts: list[tuple[str, str | None]] = [(f.name, f.read_text(encoding="utf-8")) for f in fixtures]
    if dialect == "terraform-json":
        texts = [(name + ".json", tf_to_json(text) if text else None) for name, text in texts]
        written = sorted(TF_FIXTURES.glob(f"{rule_id}/fail_*.tf.json"))
        texts += [(f.name, f.read_text(encoding="utf-8")) for f in written]
    copies = []
    for number, (name, text) in enumerate(texts):
        if text is None:
            continue
        (tmp_path / str(number)).mkdir()
        (tmp_path / str(number) / name).write_text(text, encoding="utf-8")
        copies.append(tmp_path / str(number) / name)
    if not copies:
        pytest.skip(f"{rule_id} has no Terraform fixture in this syntax")
    return copies


@pytest.mark.parametrize("rule_id", FIXED_RULES)
@pytest.mark.parametrize("dialect", ["yaml", "yaml-crlf", "json", "json-tabs", "terraform", "terraform-json"])
def test_fixes_keep_their_properties(rule_id: str, dialect: str, tmp_path: Path) -> None:
    terraform = dialect.startswith("terraform")
    copies = _terraform_copies(rule_id, dialect, tmp_path) if terraform else []
    for fixture in _fixtures(rule_id) if not terraform else []:
        if dialect.startswith("json"):
            target = tmp_path / (fixture.stem + ".json")
            target.write_text(_as_json(fixture, "\t" if dialect == "json-tabs" else 2), encoding="utf-8")
        else:
            target = tmp_path / fixture.name
            text = fixture.read_text(encoding="utf-8")
            target.write_bytes((text.replace("\n", "\r\n") if dialect == "yaml-crlf" else text).encode())
        copies.append(target)
    checked = check_fix_run(copies)
    # the rule's own fixes apply (a fix the re-scan refuses, e.g. a flow name that would mix legacy and ALLOW_*
    # names, is rolled back: the properties above hold either way)
    applied_or_refused = checked.fixed_by_rule[rule_id] + sum(f" {rule_id} " in p for p in checked.rolled_back)
    assert applied_or_refused > 0 or terraform, (rule_id, dialect, checked.declined)


def test_values_from_parameters_and_anchors_are_not_edited(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n  Unit: {Type: String, Default: Minutes}\n"
        "Resources:\n  Client:\n    Type: AWS::Cognito::UserPoolClient\n    Properties:\n"
        "      UserPoolId: us-east-1_AbCdEf123\n      AccessTokenValidity: 30\n"
        "      TokenValidityUnits: {AccessToken: !Ref Unit}\n      EnableTokenRevocation: false\n",
        encoding="utf-8",
    )
    findings = scan([str(template)]).findings
    unit = next(f for f in findings if f.rule_id == "COG-E005")
    assert unit.fix is None and unit.fix_declined is not None and "parameter Unit" in unit.fix_declined


def test_diff_changes_nothing_and_fix_writes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cogcheck.cli import app

    target = tmp_path / "t.yaml"
    shutil.copy(FIXTURES / "COG-E036" / "fail_misspelt.yaml", target)
    before = target.read_bytes()
    runner = CliRunner()
    shown = runner.invoke(app, ["scan", "--diff", str(target)])
    assert shown.exit_code == 1 and "+      LogoutURLs:" in shown.stdout
    assert target.read_bytes() == before
    fixed = runner.invoke(app, ["scan", "--fix", "--format", "json", str(target)])
    assert "LogoutURLs:" in target.read_text() and "LogoutUrls" not in target.read_text()
    assert "COG-E036" not in {f["rule_id"] for f in json.loads(fixed.stdout)["findings"]
                              if f["property"] in ("LogoutUrls", "LogoutURLs")}


def test_fix_with_stdin_prints_the_fixed_text() -> None:
    from typer.testing import CliRunner

    from cogcheck.cli import app

    text = (FIXTURES / "COG-E036" / "fail_misspelt.yaml").read_text()
    run = CliRunner().invoke(app, ["scan", "--fix", "-"], input=text)
    assert "LogoutURLs:" in run.stdout and "LogoutUrls" not in run.stdout


def test_fix_never_writes_through_a_symlink(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cogcheck.cli import app

    real = tmp_path / "real.yaml"
    shutil.copy(FIXTURES / "COG-E036" / "fail_misspelt.yaml", real)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    before = real.read_bytes()
    run = CliRunner().invoke(app, ["scan", "--fix", str(link)])
    assert real.read_bytes() == before and link.is_symlink()
    assert "not written" in run.stderr or "symbolic link" in run.stderr


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not present")
def test_corpus_fix_properties(tmp_path: Path) -> None:
    copies = []
    for source in sorted((CORPUS / "files").rglob("*")):
        if source.is_file() and source.suffix in (".yaml", ".yml", ".json", ".template"):
            target = tmp_path / str(source.relative_to(CORPUS)).replace(os.sep, "__")
            shutil.copy(source, target)
            copies.append(target)
    checked = check_fix_run(copies, unsafe=False)
    assert checked.offered > 0
