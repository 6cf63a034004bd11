"""The parsed-rules cache: the same rules as parsing the YAML, read only when safe, rebuilt when anything changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import cogcheck.engine.rules as rules_module
from cogcheck.engine import rulecache
from cogcheck.engine.rules import load_rules


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("COGCHECK_CACHE_DIR", str(directory))
    monkeypatch.setattr(rules_module, "_CACHE", {})
    return directory


def _fresh() -> tuple[rules_module.Rule, ...]:
    rules_module._CACHE.clear()
    return load_rules()


def test_the_cached_rules_are_the_parsed_rules(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _fresh()
    files = list(cache.glob("rules-*.pickle"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o077 == 0
    monkeypatch.setattr(rules_module, "parse_rule", lambda *_a: pytest.fail("the YAML was parsed again"))
    assert _fresh() == parsed


def test_a_file_others_may_write_or_a_corrupt_one_is_not_read(cache: Path) -> None:
    parsed = _fresh()
    (path,) = cache.glob("rules-*.pickle")
    path.write_bytes(b"not a pickle")
    assert _fresh() == parsed  # parsed again, and the cache rewritten
    if hasattr(os, "getuid"):
        path.chmod(0o666)
        key = path.name
        assert rulecache.load(key[len(rulecache.PREFIX) : -len(".pickle")]) is None


def test_any_change_of_a_rule_file_changes_the_key(tmp_path: Path) -> None:
    first, second = tmp_path / "COG-E001.yaml", tmp_path / "COG-E002.yaml"
    first.write_text("a", encoding="utf-8")
    second.write_text("b", encoding="utf-8")
    before = rulecache.cache_key([first, second])
    second.write_text("c", encoding="utf-8")
    assert rulecache.cache_key([first, second]) != before


def test_an_empty_setting_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGCHECK_CACHE_DIR", "")
    monkeypatch.setattr(rules_module, "_CACHE", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert load_rules()
    assert not list(tmp_path.rglob("*.pickle"))
