"""A rule set's plan (:mod:`cogcheck.engine.plan`: its checks written out as one generated function) answers as the
checks' closures do: the same findings over every rule fixture, and the same hits, items and details for every
operator on values of every kind (unknown ones, shaped ones, booleans beside numbers, absent ones)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cogcheck.cfn.shapes import cloudformation_shape
from cogcheck.cfn.values import ResourceRef, Unknown
from cogcheck.engine import evaluate
from cogcheck.engine.expr import EvalContext, compile_expr, selector
from cogcheck.engine.needs import check_needs
from cogcheck.engine.paths import Match
from cogcheck.engine.plan import INLINE_DEPTH, build_plan
from tests.helpers import RULE_FIXTURES, header_settings, scan_paths

FIXTURE_FILES = sorted(p for p in RULE_FIXTURES.glob("*/*") if p.suffix in (".yaml", ".yml", ".json"))


def _findings(paths: list[Path], tmp_path: Path) -> list[list[dict[str, Any]]]:
    found = []
    for path in paths:
        result = scan_paths(path, settings=header_settings(path.read_text(encoding="utf-8"), tmp_path))
        found.append([finding.as_json() for finding in result.findings])
    return found


def test_the_plan_finds_what_the_closures_find_on_every_rule_fixture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate, "_PLANS", {})
    monkeypatch.setattr(evaluate, "PLAN_AFTER", 10**9)  # closures only
    closures = _findings(FIXTURE_FILES, tmp_path)
    monkeypatch.setattr(evaluate, "_PLANS", {})
    monkeypatch.setattr(evaluate, "PLAN_AFTER", 0)  # the plan from the first client on
    planned = _findings(FIXTURE_FILES, tmp_path)
    assert planned == closures
    assert any(plan.function is not None for plan in evaluate._PLANS.values())


def test_a_rule_set_switches_to_its_plan_after_its_first_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluate, "_PLANS", {})
    monkeypatch.setattr(evaluate, "PLAN_AFTER", 1)
    path = RULE_FIXTURES / "COG-E001" / "fail_units.yaml"
    first = scan_paths(path, rules=None)
    plans = list(evaluate._PLANS.values())
    assert plans and all(plan.function is not None for plan in plans if plan.clients > 1)
    assert [f.as_json() for f in scan_paths(path).findings] == [f.as_json() for f in first.findings]


_SHAPED = Unknown("Fn::GetAtt Pool.Arn", shape=cloudformation_shape("AWS::Cognito::UserPool", "Arn", "Pool.Arn"))
_VALUES: list[Any] = [
    "x", "http://localhost/cb", "", "ALLOW_USER_SRP_AUTH", 0, 1, 3, 7.5, True, False, None, [], ["code", "x"],
    ["code", Unknown("u")], [True, 1], {"k": "v"}, {"AccessToken": "days"}, Unknown("u"), _SHAPED,
    ResourceRef("Ref Pool", "Pool"), "a" * 300,
]
_ROOTS: list[dict[str, Any]] = [{}] + [
    {"A": value, "B": other, "C": [value, other], "effective": {"n": other}} for value in _VALUES
    for other in (3, "x", Unknown("b"), [1, "x"])
]
_EXPRESSIONS: list[Any] = [
    {"present": "$.A"}, {"absent": "$.A.k"}, {"present": "@"}, {"absent": "@"},
    {"equals": ["$.A", True]}, {"equals": ["$.A", 1]}, {"equals": ["@", "x"]}, {"equals": ["$.C[*]", "x"]},
    {"in": ["$.A", ["x", 1, False]]}, {"not_in": ["@", ["x", True]]}, {"not_in": ["$.A.k", ["v"]]},
    {"contains": ["$.A", "code"]}, {"contains": ["$.A", ["x", True, 1]]}, {"contains": ["$.C", "$.B"]},
    {"lacks": ["$.A", "code"]}, {"lacks": ["@", 1]}, {"not_subset": ["$.A", ["code"]]},
    {"not_subset": ["$.C", ["x", 1]]}, {"outside": ["$.A", 1, 5]}, {"outside": ["$.A", 1, "$.B"]},
    {"gt": ["$.A", "$.B"]}, {"gt": ["$.A", 2]}, {"lte": ["$.effective.n", "$.A"]}, {"lte": ["@", 3]},
    {"matches": ["$.A", "^http://"]}, {"matches": ["@", "(?i)^arn:"]}, {"matches": ["$.C[*]", "x"]},
    {"longer_than": ["$.A", 1]}, {"shorter_than": ["$.A", 2]}, {"longer_than": ["@", 256]},
    {"not_integer": "$.A"}, {"key_not_in": ["$.A.*", ["k"]]}, {"is_type": ["$.A", "string"]},
    {"is_type": ["@", "number"]},
    {"all": [{"present": "$.A"}, {"equals": ["$.B", 3]}]},
    {"any": [{"absent": "$.A"}, {"gt": ["$.B", 2]}, {"matches": ["$.B", "x"]}]},
    {"not": {"any": [{"equals": ["$.A", "x"]}, {"not": {"present": "$.B"}}]}},
    {"all": [{"predicate": "probe"}, {"equals": ["$.A", 1]}, {"predicate": {"name": "probe", "args": {"n": 2}}}]},
    {"any": [{"predicate": "probe"}, {"predicate": {"name": "probe", "args": {"n": 2}}}]},
    {"not": {"predicate": "probe"}},
]


def _deep(levels: int) -> Any:
    expr: Any = {"any": [{"equals": ["$.A", "x"]}, {"present": "$.B"}]}
    for level in range(levels):
        expr = {"not": expr} if level % 2 else {"all": [expr, {"absent": "$.Z"}]}
    return expr


def _probe(world: Any, args: Any, ctx: EvalContext) -> Any:
    """A predicate that leaves details and answers from the values it reads (True, False or None)."""
    value = ctx.item.value if ctx.item is not None else ctx.root.get("A")
    ctx.details[f"seen{args.get('n', 1)}"] = repr(value)
    if isinstance(value, Unknown):
        return None
    return bool(value) if args.get("n", 1) == 1 else not value


def _check(when: Any, for_each: tuple[str, ...]) -> Any:
    check = SimpleNamespace(when=when, for_each=for_each)
    return SimpleNamespace(
        check=check, when=compile_expr(when), for_each=tuple(selector(path) for path in for_each),
        needs=check_needs(when, for_each),
    )


def _hits(checks: list[Any], root: dict[str, Any], planned: bool, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []

    def hit(compiled_check: Any, ctx: EvalContext, severity: Any, dialect: Any) -> Any:
        item = (ctx.item.value, ctx.item.path) if isinstance(ctx.item, Match) else None
        seen.append((checks.index(compiled_check), repr(item), sorted(ctx.details.items())))
        return None

    def predicate(name: str, args: Any, ctx: EvalContext) -> Any:
        return _probe(None, args, ctx)

    ctx = EvalContext(root, None, predicate, {}, {})
    if planned:
        build_plan(checks)(root, ctx, None, [], hit, None, None)  # type: ignore[arg-type]
    else:
        monkeypatch.setattr(evaluate, "_hit", hit)
        evaluate._interpret(checks, ctx, [], None, None)  # type: ignore[arg-type]
        monkeypatch.undo()
    return seen


@pytest.mark.parametrize("for_each", [(), ("$.C[*]",), ("$.A", "$.C[*]"), ("$.*",), ("$.A.*",)])
def test_every_operator_answers_in_the_plan_as_its_closure_does(
    for_each: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cogcheck.engine.predicates import base

    monkeypatch.setitem(base.PREDICATES, "probe", _probe)
    checks = [_check(expr, for_each) for expr in [*_EXPRESSIONS, _deep(INLINE_DEPTH + 4)]]
    for root in _ROOTS:
        closures = _hits(checks, root, False, monkeypatch)
        monkeypatch.setitem(base.PREDICATES, "probe", _probe)
        assert _hits(checks, root, True, monkeypatch) == closures, root
