"""``rules/rules.compiled``: the same rules as parsing the YAML, data only, used only when its hashes match."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import cogcheck.engine.rules as rules_module
from cogcheck.engine import rulecache
from cogcheck.engine.rules import load_rules, rule_documents, rules_dir


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped rules and their rules.compiled, nothing loaded yet."""
    monkeypatch.setattr(rules_module, "_CACHE", {})
    directory = tmp_path / "rules"
    directory.mkdir()
    for path in rules_dir().glob("*.yaml"):
        shutil.copy2(path, directory / path.name)
    shutil.copy2(rules_dir() / rulecache.NAME, directory / rulecache.NAME)
    return directory


def _parsed(directory: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[rules_module.Rule, ...]:
    """The rules of ``directory`` parsed from the YAML (rules.compiled out of the way)."""
    monkeypatch.setattr(rulecache, "load", lambda *_a: None)
    rules_module._CACHE.clear()
    rules = load_rules(directory)
    monkeypatch.undo()
    rules_module._CACHE.clear()
    return rules


def test_the_shipped_rules_json_is_current_and_read_without_yaml(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(copy.glob("*.yaml"))
    assert rulecache.load(copy, files) == rule_documents(files)
    parsed = _parsed(copy, monkeypatch)
    monkeypatch.setattr(rules_module, "_CACHE", {})
    monkeypatch.setattr(rules_module, "rule_documents", lambda *_a: pytest.fail("the YAML was parsed"))
    assert load_rules(copy) == parsed


@pytest.mark.parametrize("damage", ["payload", "header", "truncated", "rule file", "not utf-8", "missing"])
def test_a_rules_json_that_does_not_match_its_hashes_is_not_used(
    copy: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """An altered rule list (e.g. one that drops a rule) with a valid-looking header is refused: the YAML wins."""
    index = copy / rulecache.NAME
    header, _, payload = index.read_text(encoding="utf-8").partition("\n")
    if damage == "payload":  # a rule's check switched off, header kept
        index.write_text(header + "\n" + payload.replace('"severity":"error"', '"severity":"note"', 1), "utf-8")
    elif damage == "header":  # a consistent file made from other sources
        other = rulecache.render([copy / "COG-E001.yaml"], rule_documents([copy / "COG-E001.yaml"]))
        index.write_text(other, encoding="utf-8")
    elif damage == "truncated":
        index.write_text(header + "\n" + payload[: len(payload) // 2], encoding="utf-8")
    elif damage == "rule file":  # a source checkout edited since regenerate.py
        path = copy / "COG-E001.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    elif damage == "not utf-8":
        index.write_bytes(b"\xff\xfe" + index.read_bytes())
    else:
        index.unlink()
    assert rulecache.load(copy, sorted(copy.glob("*.yaml"))) is None
    assert load_rules(copy) == _parsed(copy, monkeypatch)


def test_render_refuses_values_json_cannot_carry(tmp_path: Path) -> None:
    import datetime

    path = tmp_path / "COG-E999.yaml"
    path.write_text("x", encoding="utf-8")
    with pytest.raises((ValueError, TypeError)):
        rulecache.render([path], [{"date": datetime.date(2024, 1, 1)}])


def test_the_compiled_catalogue_is_built_without_checking_each_rule_again(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start-up builds the shipped rules from rules.compiled as they are (regenerate.py checked them): no rule is
    checked again, and the rules are the ones the checked YAML gives."""
    parsed = _parsed(copy, monkeypatch)
    monkeypatch.setattr(rules_module, "parse_rule", lambda *_a, **_k: pytest.fail("a shipped rule was checked again"))
    assert load_rules(copy) == parsed


def test_rules_compiled_is_written_only_from_rules_that_pass_the_checks(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """regenerate.py (and its --check) checks every rule before it writes rules.compiled: a rule the engine refuses
    (here a predicate nobody registered) stops it, so the file start-up trusts never holds one."""
    from tests.test_generated import _regenerate

    path = copy / "COG-E001.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: token_validity_outside", "name: no_such_predicate", 1), encoding="utf-8")
    regenerate = _regenerate()
    monkeypatch.setattr(regenerate, "ROOT", copy.parent)
    with pytest.raises(rules_module.RuleError, match="no_such_predicate"):
        regenerate._rules_json()
    with pytest.raises(rules_module.RuleError, match="no_such_predicate"):
        load_rules(copy)  # the file no longer matches rules.compiled: the YAML is parsed and checked
