"""Every rule in Terraform form: the annotated findings at .tf lines, and no other error-level finding.

Most fixtures are generated from the CloudFormation ones by tests/fixtures/terraform/convert.py (kept in sync by a
test here); hand-written ones sit beside them. Each file is scanned as a module directory of its own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cogcheck.engine.rules import load_rules
from tests.helpers import FIXTURES, ROOT, Expected, annotations, header_settings, scan_paths

TF_FIXTURES = FIXTURES / "terraform" / "rules"
FILES = sorted(TF_FIXTURES.glob("*/*.tf"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_terraform_fixture_findings_match_annotations(path: Path, tmp_path: Path) -> None:
    rule_id = path.parent.name
    module = tmp_path / "module"
    module.mkdir()
    shutil.copy(path, module / "main.tf")
    expected = annotations(path)
    result = scan_paths(module, settings=header_settings(path.read_text(encoding="utf-8"), tmp_path))
    assert not result.errors, result.errors
    actual = {Expected(f.rule_id, f.line) for f in result.findings if f.rule_id == rule_id}
    if path.name.startswith("pass"):
        assert not {e for e in expected if e.rule_id == rule_id}, "a passing fixture must not expect its rule"
    else:
        assert any(e.rule_id == rule_id for e in expected), "a failing fixture must annotate its rule"
    assert actual == {e for e in expected if e.rule_id == rule_id}
    annotated = {e.rule_id for e in expected}
    unexpected = [f for f in result.findings if f.severity == "error" and f.rule_id not in annotated]
    assert not unexpected, [f"{f.rule_id}:{f.line} {f.message}" for f in unexpected]


#: Rules about what Terraform has no way to write, and why.
NOT_IN_TERRAFORM = {
    "COG-E032": "the provider has no client_id argument and computes client_secret: Terraform itself refuses them",
    "COG-S020": "--previous takes the previous CloudFormation template; a previous Terraform plan is not read yet",
}


def test_every_rule_has_a_failing_and_a_passing_terraform_fixture() -> None:
    missing = []
    for rule in load_rules():
        if rule.id in NOT_IN_TERRAFORM:
            continue
        directory = TF_FIXTURES / rule.id
        if not list(directory.glob("fail*.tf")) or not list(directory.glob("pass*.tf")):
            missing.append(rule.id)
    assert not missing, missing


def test_generated_fixtures_are_up_to_date() -> None:
    script = ROOT / "tests" / "fixtures" / "terraform" / "convert.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
