"""The rule files: schema, docs, examples that prove themselves, the generated reference, JSONPath parsing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cogcheck.engine.expr import OPERATORS
from cogcheck.engine.paths import compile_path, jsonpath_ng_steps, simple_steps
from cogcheck.engine.predicates.base import PREDICATES
from cogcheck.engine.rules import Rule, RuleError, load_rules, parse_rule, rule_id_of
from cogcheck.report.ruledocs import render_rule
from tests.helpers import ROOT, RULE_FIXTURES, scan_text

RULES = load_rules()
VALID = {
    "id": "COG-E999",
    "name": "a-bad-thing",
    "severity": "error",
    "summary": "s",
    "docs": {"what": "w", "why": "y", "example": "e", "use_instead": "u", "references": []},
    "when": {"present": "$.X"},
    "message": "X is {$.X}",
}


def test_rule_ids_are_unique_and_sorted() -> None:
    ids = [rule.id for rule in RULES]
    assert ids == sorted(set(ids))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_docs_example_triggers_and_use_instead_does_not(rule: Rule, tmp_path: Path) -> None:
    for key in ("what", "why", "example", "use_instead"):
        assert str(rule.docs[key]).strip(), f"{rule.id}: docs.{key} is empty"
    assert rule.docs["references"], f"{rule.id}: cite AWS's documentation (the cfn-lint plugin's source_url)"
    assert all(str(ref).startswith("https://") for ref in rule.docs["references"])
    example = scan_text(tmp_path, rule.docs["example"], "example.yaml")
    assert not example.errors
    assert rule.id in {f.rule_id for f in example.findings}, f"{rule.id}: its docs example does not trigger it"
    use_instead = scan_text(tmp_path, rule.docs["use_instead"], "use_instead.yaml")
    assert not use_instead.errors
    assert rule.id not in {f.rule_id for f in use_instead.findings}, f"{rule.id}: use_instead triggers it"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_fixtures(rule: Rule) -> None:
    assert (RULE_FIXTURES / rule.id).is_dir(), f"no fixtures for {rule.id}"


def test_cfn_lint_ids_are_stable_and_unique_and_their_letter_is_the_severity() -> None:
    ids = [rule.cfn_lint_id_for(level) for rule in RULES for level in ("error", "warning", "note")]
    assert len(set(ids)) == len(ids) == 3 * len(RULES)
    by_id = {rule.id: rule for rule in RULES}
    assert by_id["COG-E001"].cfn_lint_id == "E9101"
    for rule in RULES:
        number = rule.id[-2:]
        group = "91" if rule.id.startswith("COG-E") else "92"
        assert rule.cfn_lint_id == {"error": "E", "warning": "W", "note": "I"}[rule.severity] + group + number
        levels = {rule.severity, *(check.severity for check in rule.checks if check.severity)}
        assert {i[0] for i in rule.cfn_lint_ids} == {{"error": "E", "warning": "W", "note": "I"}[lv] for lv in levels}
        assert rule_id_of(rule.cfn_lint_id) == rule.id
    warnings = [rule for rule in RULES if rule.id.startswith("COG-E") and rule.severity == "warning"]
    assert warnings, "some deploy rules are warnings"
    assert all(rule.cfn_lint_id.startswith("W91") for rule in warnings)


def test_rule_docs_render_like_ruff() -> None:
    text = render_rule(RULES[0])
    assert text.index("## What it does") < text.index("## Why is this bad?") < text.index("## Example")
    assert text.index("## Example") < text.index("## Use instead")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"id": "E001"}, "not COG-E### or COG-S###"),
        ({"name": "Not Kebab"}, "kebab-case"),
        ({"severity": "fatal"}, "severity"),
        ({"docs": {"what": "w"}}, "docs must have exactly"),
        ({"when": {"frobnicate": "$.X"}}, "unknown operator"),
        ({"when": {"present": "X"}}, "expects a JSONPath"),
        ({"when": {"matches": ["$.X", "("]}}, "bad regular expression"),
        ({"when": {"predicate": "no_such_predicate"}}, "unknown predicate"),
        ({"when": {"present": "$.[["}}, "invalid JSONPath"),
        ({"message": "X is {X}"}, "placeholder"),
        ({"extra_key": 1}, "unknown keys"),
    ],
)
def test_schema_rejects_malformed_rules(change: dict[str, Any], words: str) -> None:
    with pytest.raises(RuleError, match=words):
        parse_rule({**VALID, **change}, "bad.yaml", PREDICATES)


def test_schema_accepts_the_minimal_rule() -> None:
    rule = parse_rule(VALID, "ok.yaml", PREDICATES)
    assert rule.checks[0].message == "X is {$.X}"


def _paths(expr: Any) -> list[str]:
    found: list[str] = []
    if isinstance(expr, dict):
        for value in expr.values():
            found += _paths(value)
    elif isinstance(expr, list):
        for value in expr:
            found += _paths(value)
    elif isinstance(expr, str) and expr.startswith("$"):
        found.append(expr)
    return found


def _rule_paths() -> list[str]:
    paths: set[str] = set()
    for rule_file in sorted((ROOT / "rules").glob("*.yaml")):
        data = yaml.safe_load(rule_file.read_text(encoding="utf-8"))
        for check in data.get("checks", [data]):
            paths.update(_paths(check.get("when")))
            for_each = check.get("for_each", [])
            paths.update([for_each] if isinstance(for_each, str) else for_each)
    return sorted(p for p in paths if p.startswith("$"))


@pytest.mark.parametrize("path", _rule_paths())
def test_plain_paths_parse_as_jsonpath_ng_does(path: str) -> None:
    """The fast parser for plain paths must agree with jsonpath-ng, which handles everything else."""
    import jsonpath_ng.ext

    steps = simple_steps(path)
    if steps is not None:
        assert steps == jsonpath_ng_steps(jsonpath_ng.ext.parse(path))
    compile_path(path)  # every path of every rule compiles


def test_generic_jsonpath_falls_back_to_jsonpath_ng() -> None:
    selection = compile_path("$.Items[?(@.Enabled == true)].Name").select(
        {"Items": [{"Name": "a", "Enabled": True}, {"Name": "b", "Enabled": False}]}
    )
    assert [(m.value, m.path) for m in selection.matches] == [("a", ("Items", 0, "Name"))]


def test_operators_are_a_closed_documented_set() -> None:
    assert {"present", "absent", "equals", "in", "contains", "outside", "matches", "all", "any", "not",
            "predicate"} <= set(OPERATORS)
