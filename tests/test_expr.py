"""Operators of the rule language: three-valued answers, unknowns abstain."""

from __future__ import annotations

from typing import Any

import pytest

from cogcheck.cfn.values import Unknown
from cogcheck.engine.expr import EvalContext, Verdict, evaluate, validate
from cogcheck.engine.paths import Match


def _no_predicate(name: str, args: Any, ctx: EvalContext) -> Verdict:
    raise AssertionError(f"no predicate expected, got {name}")


def _eval(expr: dict[str, Any], root: dict[str, Any], item: Match | None = None) -> Verdict:
    return evaluate(expr, EvalContext(root, item, _no_predicate))


# contains / lacks with a JSONPath as the item looked for


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ({"L": ["a", "b"], "X": "b"}, True),
        ({"L": ["a", "b"], "X": "c"}, False),
        ({"L": [], "X": "c"}, False),
        ({"L": ["a", Unknown("import")], "X": "a"}, True),  # a known match is enough
        ({"L": ["a", Unknown("import")], "X": "c"}, None),  # the unknown item might be "c"
        ({"L": Unknown("param"), "X": "a"}, None),
        ({"L": ["a"], "X": Unknown("sub")}, None),
        ({"L": ["a"]}, None),  # nothing to look for: cannot say
        ({"X": "a"}, False),  # an absent list holds nothing
        ({"L": ["a", "b"], "X": ["z", "b"]}, True),  # a list operand: any of its items
    ],
)
def test_contains_with_a_path_operand(root: dict[str, Any], expected: Verdict) -> None:
    assert _eval({"contains": ["$.L", "$.X"]}, root) is expected
    lacks = None if expected is None else not expected
    assert _eval({"lacks": ["$.L", "$.X"]}, root) is lacks


def test_contains_with_literals_is_unchanged() -> None:
    root = {"L": ["code", "implicit"]}
    assert _eval({"contains": ["$.L", "code"]}, root) is True
    assert _eval({"contains": ["$.L", ["client_credentials", "implicit"]]}, root) is True
    assert _eval({"contains": ["$.L", "client_credentials"]}, root) is False


# key_not_in: the key an item sits under


def _items(root: dict[str, Any], key: str) -> list[Match]:
    return [Match(value, (key, name)) for name, value in root[key].items()]


def test_key_not_in_judges_the_key_of_each_item() -> None:
    root = {"Units": {"AccessToken": "minutes", "AccesToken": "hours", "Other": Unknown("import")}}
    expr = {"key_not_in": ["@", ["AccessToken", "IdToken"]]}
    verdicts = {m.path[-1]: _eval(expr, root, m) for m in _items(root, "Units")}
    assert verdicts == {"AccessToken": False, "AccesToken": True, "Other": True}  # the key is known, the value not


def test_key_not_in_on_a_path() -> None:
    allowed = ["AccessToken", "IdToken"]
    assert _eval({"key_not_in": ["$.Units.*", allowed]}, {"Units": {"IdToken": "days", "Bad": "days"}}) is True
    assert _eval({"key_not_in": ["$.Units.*", allowed]}, {"Units": {"IdToken": "days"}}) is False
    assert _eval({"key_not_in": ["$.Units.*", allowed]}, {"Units": Unknown("import")}) is None
    assert _eval({"key_not_in": ["$.Units.*", allowed]}, {}) is False
    assert _eval({"key_not_in": ["$.List[*]", allowed]}, {"List": ["a"]}) is False  # list indexes are not keys


def test_key_not_in_is_validated() -> None:
    assert validate({"key_not_in": ["@", ["AccessToken"]]}, "when", set()) == []
    assert validate({"key_not_in": ["@", "AccessToken"]}, "when", set())
    assert validate({"key_not_in": ["AccessToken", ["AccessToken"]]}, "when", set())
