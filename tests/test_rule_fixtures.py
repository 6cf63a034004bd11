"""Every rule's fixtures: the annotated findings and no others at error level; YAML and JSON agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from cogcheck.engine.rules import load_rules
from tests.helpers import (
    RULE_FIXTURES,
    Expected,
    annotations,
    header_settings,
    identity,
    scan_paths,
    yaml_to_json,
)

FIXTURE_FILES = sorted(p for p in RULE_FIXTURES.glob("*/*") if p.suffix in (".yaml", ".yml", ".json"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_id)
def test_fixture_findings_match_annotations(path: Path, tmp_path: Path) -> None:
    rule_id = path.parent.name
    expected = annotations(path)
    result = scan_paths(path, settings=header_settings(path.read_text(encoding="utf-8"), tmp_path))
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
    others = {Expected(f.rule_id, f.line) for f in result.findings if f.rule_id in annotated}
    assert set(expected) <= others


@pytest.mark.parametrize("path", [p for p in FIXTURE_FILES if p.suffix != ".json"], ids=_id)
def test_yaml_and_json_give_the_same_findings(path: Path, tmp_path: Path) -> None:
    as_json = tmp_path / (path.stem + ".json")
    as_json.write_text(yaml_to_json(path), encoding="utf-8")
    settings = header_settings(path.read_text(encoding="utf-8"), tmp_path)
    from_yaml = sorted(map(identity, scan_paths(path, settings=settings).findings), key=repr)
    from_json = sorted(map(identity, scan_paths(as_json, settings=settings).findings), key=repr)
    if path.parent.name == "COG-E038":  # keys written twice do not survive the conversion (tests/test_duplicates.py
        from_yaml = [f for f in from_yaml if f[0] != "COG-E038"]  # has the JSON form)
    assert from_yaml == from_json


def test_every_rule_has_two_failing_and_two_passing_fixtures() -> None:
    for rule in load_rules():
        directory = RULE_FIXTURES / rule.id
        failing = list(directory.glob("fail*"))
        passing = list(directory.glob("pass*"))
        assert len(failing) >= 2 and len(passing) >= 2, f"{rule.id}: {len(failing)} failing, {len(passing)} passing"
