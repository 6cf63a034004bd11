"""The benchmark's rule floor (bench/floor_rules.py) finds what ``cogcheck scan --select`` of its seven rules finds."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.engine.rules import load_rules
from tests.helpers import yaml_to_json

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


@pytest.fixture(scope="module")
def floor_rules() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # floor_rules imports floor, as when run as a script
    try:
        spec = importlib.util.spec_from_file_location("floor_rules", BENCH / "floor_rules.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def fixtures(rules: tuple[str, ...]) -> list[Path]:
    return sorted(p for rule in rules for p in (ROOT / "tests" / "fixtures" / "rules" / rule).glob("*.yaml"))


def cogcheck_findings(paths: list[Path], rules: tuple[str, ...]) -> dict[str, set[tuple[str, int]]]:
    """What ``cogcheck scan --select RULES --format json`` finds: (rule, line) per file."""
    args = ["scan", "--select", ",".join(rules), "--format", "json", "--isolated", "--jobs", "1", *map(str, paths)]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 1, done.output
    found: dict[str, set[tuple[str, int]]] = {str(p): set() for p in paths}
    for finding in json.loads(done.stdout)["findings"]:
        found[finding["file"]].add((finding["rule_id"], finding["line"]))
    return found


def test_the_seven_rules_are_shipped_rules(floor_rules: ModuleType) -> None:
    shipped = {rule.id for rule in load_rules()}
    assert len(floor_rules.RULES) == 7 and set(floor_rules.RULES) <= shipped


def test_the_floor_agrees_with_cogcheck_on_the_rules_fixtures(floor_rules: ModuleType) -> None:
    paths = fixtures(floor_rules.RULES)
    expected = cogcheck_findings(paths, floor_rules.RULES)
    assert sum(map(len, expected.values())) >= 30  # the fixtures fail as they should: the comparison means something
    assert {str(p): floor_rules.check_file(str(p)) or set() for p in paths} == expected


def test_the_floor_agrees_in_json_too(floor_rules: ModuleType, tmp_path: Path) -> None:
    paths = []
    for path in fixtures(floor_rules.RULES):
        target = tmp_path / f"{path.parent.name}-{path.stem}.json"
        target.write_text(yaml_to_json(path), encoding="utf-8")
        paths.append(target)
    expected = cogcheck_findings(paths, floor_rules.RULES)
    assert sum(map(len, expected.values())) >= 30
    assert {str(p): floor_rules.check_file(str(p)) or set() for p in paths} == expected
