"""scripts/fix_corpus.py on a corpus of two rule fixtures (one template, one Terraform module): its table counts
what --fix and --unsafe-fixes fix, and its checks pass."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, RULE_FIXTURES


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fix_corpus", ROOT / "scripts" / "fix_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_table_counts_fixes_and_every_check_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "files" / "owner__repo").mkdir(parents=True)
    shutil.copy(RULE_FIXTURES / "COG-E036" / "fail_misspelt.yaml", corpus / "files" / "owner__repo" / "t.yaml")
    module = corpus / "terraform" / "files" / "owner__repo"
    module.mkdir(parents=True)
    shutil.copy(RULE_FIXTURES.parent / "terraform" / "rules" / "COG-E005" / "fail_units.tf", module / "main.tf")
    assert _script().main(["--corpus", str(corpus), "--no-multitool"]) == 0
    out = capsys.readouterr().out
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ")
            for line in out.splitlines() if line.startswith("| COG-")}
    assert rows["COG-E036"][1] == "safe" and int(rows["COG-E036"][4]) > 0  # fixed by --fix
    assert int(rows["COG-E005"][4]) > 0 and rows["COG-S004"][1] == "unsafe" and int(rows["COG-S004"][5]) > 0
    assert "FAIL" not in out and out.count("every check passed") == 2
    assert "* changed: files/owner__repo/t.yaml" in out and "* changed: terraform/owner__repo/main.tf" in out
    assert "rdjson:" in out and "valid under the OASIS SARIF 2.1.0 schema" in out and str(tmp_path) not in out
