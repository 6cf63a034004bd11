"""A check skipped because a client lacks a property it needs would have reported nothing
(:mod:`cogcheck.engine.needs`): the same findings with and without the skip, over every rule fixture; and the
schema predicates' memo answers as they do without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cogcheck.engine import evaluate
from cogcheck.engine.expr import EvalContext, compile_expr
from cogcheck.engine.needs import check_needs, needs
from cogcheck.engine.predicates import schema
from cogcheck.engine.rules import load_rules
from tests.helpers import RULE_FIXTURES, header_settings, scan_paths

FIXTURE_FILES = sorted(p for p in RULE_FIXTURES.glob("*/*") if p.suffix in (".yaml", ".yml", ".json"))


def _findings(path: Path, tmp_path: Path) -> list[dict[str, Any]]:
    result = scan_paths(path, settings=header_settings(path.read_text(encoding="utf-8"), tmp_path))
    return [finding.as_json() for finding in result.findings]


def test_skipping_checks_for_absent_properties_changes_no_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    skipped = [_findings(path, tmp_path) for path in FIXTURE_FILES]
    monkeypatch.setattr(evaluate, "_COMPILED", {})
    monkeypatch.setattr(evaluate, "_PLANS", {})
    monkeypatch.setattr(evaluate, "check_needs", lambda when, for_each: ())  # every check runs on every client
    monkeypatch.setattr(schema, "_MEMO_SIZE", 0)  # and the schema is asked afresh each time
    assert [_findings(path, tmp_path) for path in FIXTURE_FILES] == skipped


def test_shipped_checks_need_properties() -> None:
    found = {check_needs(check.when, check.for_each) for rule in load_rules() for check in rule.checks}
    assert ("ExplicitAuthFlows",) in found and () in found


@pytest.mark.parametrize(("expr", "expected"), [
    ({"present": "$.A"}, {"A"}),
    ({"absent": "$.A"}, set()),
    ({"equals": ["$.A.B", 1]}, {"A"}),
    ({"equals": ["$.effective.oauth_enabled", True]}, set()),
    ({"equals": ["@", 1]}, set()),
    ({"not_integer": "$.A[0]"}, {"A"}),
    ({"lacks": ["$.A", "x"]}, set()),
    ({"gt": ["$.A", "$.B"]}, {"A", "B"}),
    ({"outside": ["$.A", 1, "$.B"]}, {"A"}),
    ({"all": [{"present": "$.A"}, {"equals": ["$.B", 1]}]}, {"A", "B"}),
    ({"any": [{"present": "$.A"}, {"equals": ["$.B", 1]}]}, set()),
    ({"any": [{"present": "$.A"}, {"all": [{"present": "$.A"}, {"present": "$.B"}]}]}, {"A"}),
    ({"not": {"present": "$.A"}}, set()),
    ({"predicate": "public_client"}, set()),
])
def test_needs_follows_the_operators(expr: dict[str, Any], expected: set[str]) -> None:
    assert needs(expr) == expected


@pytest.mark.parametrize("expr", [
    {"present": "$.A"}, {"equals": ["$.A.B", 1]}, {"in": ["$.A", [1]]}, {"not_in": ["$.A", [1]]},
    {"contains": ["$.A", "x"]}, {"not_subset": ["$.A", ["x"]]}, {"outside": ["$.A", 1, 2]},
    {"gt": ["$.B", "$.A"]}, {"lte": ["$.A", 3]}, {"matches": ["$.A", "x"]}, {"longer_than": ["$.A", 0]},
    {"shorter_than": ["$.A", 9]}, {"not_integer": "$.A"}, {"key_not_in": ["$.A.*", ["x"]]},
    {"is_type": ["$.A", "string"]}, {"all": [{"absent": "$.C"}, {"present": "$.A"}]},
    {"any": [{"present": "$.A"}, {"equals": ["$.A", 1]}]},
])
def test_an_expression_needing_an_absent_property_is_false(expr: dict[str, Any]) -> None:
    assert "A" in needs(expr)
    root = {"B": 5, "C": [1]}
    assert compile_expr(expr)(EvalContext(root, None, lambda *_: None)) is False


@pytest.mark.parametrize("value", [
    ["ALLOW_USER_SRP_AUTH", 1, True, None, 1.5], ["ALLOW_USER_SRP_AUTH", "NOPE"], [], {"B": [{"C": "x"}], "D": False},
    "x" * 300, 7, True,
])
def test_memoised_schema_answers_are_the_schema_s(value: Any) -> None:
    for name in ("ExplicitAuthFlows", "AnalyticsConfiguration", "ClientName", "AccessTokenValidity", "Nope"):
        computed = schema._unknown_names_of(name, value)
        assert schema._unknown_names(name, value) == computed
        assert schema._unknown_names(name, value) == computed  # from the memo
    def frozen(value: Any) -> Any:
        return schema._frozen(value, [schema._KEY_BUDGET])

    assert frozen(1) != frozen(True) and frozen([1]) != frozen([1.0])
    assert frozen(["a"]) == frozen(["a"]) != frozen([["a"]])


@pytest.mark.parametrize("value", ["x" * 5000, ["x" * 100] * 50, [{"A": "x" * 1000}] * 3])
def test_big_values_are_judged_but_not_remembered(value: Any) -> None:
    schema._MEMO.clear()
    assert schema._unknown_names("ClientName", value) == schema._unknown_names_of("ClientName", value)
    assert not schema._MEMO
