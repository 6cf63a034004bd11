"""The JSON Schema of rule files (cogcheck/data/rule.schema.json) accepts every shipped rule, rejects what the engine
rejects, and is what the engine's tables give today."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cogcheck.engine.expr import OPERATORS
from cogcheck.engine.predicates.base import PREDICATES
from cogcheck.engine.rules import PolicyDeclaration, RuleError, load_rules, parse_rule, view_key_problem
from cogcheck.engine.ruleschema import SCHEMA_PATH, message_pattern, render_schema, rule_schema, view_path_pattern
from cogcheck.engine.signatures import PREDICATE_SIGNATURES
from tests.helpers import ROOT
from tests.test_rule_signatures import _CASES, GOOD, RULE, WRONG, _args

load_rules()
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)

#: wrong arguments only the engine sees: a path jsonpath-ng cannot parse, a pattern Python's re takes without
#: re.ASCII but not with it, numbers JSON has no spelling for
ENGINE_ONLY = {"$.[[", "(?u)a"}


def _engine_only(value: Any) -> bool:
    return (isinstance(value, str) and value in ENGINE_ONLY) or (isinstance(value, float) and not math.isfinite(value))


def _schema_accepts(rule: dict[str, Any]) -> bool:
    return not list(VALIDATOR.iter_errors(rule))


def _engine_accepts(rule: dict[str, Any]) -> bool:
    try:
        parse_rule(rule, "COG-E999.yaml", PREDICATES)
    except RuleError:
        return False
    return True


def test_the_shipped_schema_is_what_the_tables_give() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema()
    assert SCHEMA_PATH.is_relative_to(ROOT / "cogcheck")  # inside the package: the wheel ships it


def test_the_schema_is_a_draft_7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(rule_schema())
    assert set(SCHEMA["definitions"]["expression"]["properties"]) == set(OPERATORS)


@pytest.mark.parametrize(
    "path", [*sorted((ROOT / "rules").glob("*.yaml")), *sorted((ROOT / "examples" / "policies").glob("*.yaml"))],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_every_shipped_rule_validates(path: Path) -> None:
    """The shipped rules and the example rule pack."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [error.message for error in VALIDATOR.iter_errors(data)] == []


@pytest.mark.parametrize(
    "when",
    [
        {"is_type": ["$.X", "lsit"]},
        {"in": ["$.X", "ENABLED"]},
        {"longer_than": ["$.X", "3"]},
        {"outside": ["$.X", "low", 86400]},
        {"predicate": {"name": "public_client", "args": {"if_unknwon": False}}},
    ],
)
def test_the_schema_rejects_the_holes_of_issue_22(when: Any) -> None:
    rule = {**RULE, "when": when}
    assert not _schema_accepts(rule)
    assert not _engine_accepts(rule)


@pytest.mark.parametrize(("name", "position", "value"), _CASES, ids=[f"{n}[{p}]={v!r}" for n, p, v in _CASES])
def test_the_schema_rejects_each_wrong_operator_argument(name: str, position: int, value: Any) -> None:
    rule = {**RULE, "when": {name: _args(name, position, value)}}
    assert not _engine_accepts(rule)
    assert _schema_accepts(rule) is _engine_only(value)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_what_the_engine_accepts_the_schema_accepts(name: str) -> None:
    rule = {**RULE, "when": {"all": [{name: _args(name)}, {"not": {name: _args(name)}}]}, "for_each": "$.L[*]"}
    assert _engine_accepts(rule)
    assert _schema_accepts(rule)


@pytest.mark.parametrize("name", sorted(PREDICATE_SIGNATURES))
def test_the_schema_checks_predicate_arguments(name: str) -> None:
    params = PREDICATE_SIGNATURES[name].params
    required = {key: GOOD[param.kind.name] for key, param in params.items() if param.required}
    call: Any = {"name": name, "args": required} if required else name
    assert _schema_accepts({**RULE, "when": {"predicate": call}})
    assert not _schema_accepts({**RULE, "when": {"predicate": {"name": name, "args": {**required, "nope": 1}}}})
    for key in required:
        missing = {k: v for k, v in required.items() if k != key}
        assert not _schema_accepts({**RULE, "when": {"predicate": {"name": name, "args": missing}}})
    for key, param in params.items():
        for value in WRONG[param.kind.name]:
            wrong = {**RULE, "when": {"predicate": {"name": name, "args": {**required, key: value}}}}
            assert not _engine_accepts(wrong)
            assert _schema_accepts(wrong) is _engine_only(value), (key, value)


@pytest.mark.parametrize(
    "change",
    [
        {"tags": "security"}, {"precision": "exact"}, {"security_severity": "high"}, {"security_severity": 11},
        {"summary": ["s"]}, {"docs": {**RULE["docs"], "example": {"Resources": {}}}},
        {"docs": {**RULE["docs"], "references": [1]}}, {"docs": {"what": "w"}}, {"for_each": 3},
        {"for_each": ["@"]}, {"severity": "fatal"}, {"id": "COG-X001"}, {"name": "Not Kebab"}, {"extra": 1},
        {"checks": [{"when": {"present": "$.X"}, "message": "m"}]},  # checks and a top-level check both
        {"message": None}, {"variants": {"fix": {"cloudformation": "x"}}},
    ],
)
def test_the_schema_rejects_rule_keys_of_a_wrong_shape(change: dict[str, Any]) -> None:
    rule = {**RULE, "when": {"present": "$.X"}, **change}
    if change.get("message", "") is None:
        del rule["message"]
    assert not _engine_accepts(rule)
    assert not _schema_accepts(rule)


PACK_RULE = {**RULE, "id": "ORG-001", "when": {"gt": ["$.effective.access_token.seconds", "$.policy.max_seconds"]}}


@pytest.mark.parametrize(
    ("policy", "valid"),
    [
        ({"max_seconds": {"type": "integer", "default": 900, "doc": "d"}}, True),
        ({"max_seconds": {"type": "integer"}}, True),
        ({"max_seconds": {"type": "integer", "default": "900"}}, False),
        ({"max_seconds": {"type": "strings", "default": ["a", 1]}}, False),
        ({"max_seconds": {"type": "int"}}, False),
        ({"max_seconds": {"default": 900}}, False),
        ({"max_seconds": {"type": "integer", "dflt": 900}}, False),
        ({"max_seconds": {"type": "integer", "doc": 3}}, False),
        ({"Max-Seconds": {"type": "integer"}}, False),
        ({"max_seconds": {"type": "integer"}, "token_note_seconds": {"type": "integer"}}, False),  # built in
        ({"max_seconds": 900}, False),
        ([], False),
    ],
)
def test_policy_declarations_agree_with_the_engine(policy: Any, valid: bool) -> None:
    rule = {**PACK_RULE, "policy": policy}
    try:
        parse_rule(rule, "ORG-001.yaml", PREDICATES, pack="policies")
        engine = True
    except RuleError:
        engine = False
    assert engine is valid
    assert _schema_accepts(rule) is valid


@pytest.mark.parametrize(("rule_id", "valid"), [("ORG-001", True), ("ACME-S014", True), ("COG-E001", True),
                                                ("org-001", False), ("E9-001", False), ("ORG001", False)])
def test_the_schema_takes_shipped_and_rule_pack_ids(rule_id: str, valid: bool) -> None:
    assert _schema_accepts({**RULE, "id": rule_id, "when": {"present": "$.X"}}) is valid


MESSAGES = [
    "plain text", "{$.X} and {@}", "{$.X|human} {$.L | count}", "{property}", "{detail.reason}",
    "{prop:CallbackURLs} {prop:RefreshTokenRotation.Feature|key} {type:UserPoolResourceServer} {cdk:CallbackURLs}",
    "a { brace alone", "{{$.X}}", "{X}", "{ and }", "{$.X|upper}", "{type:UserPoolResourceServer|key}",
    "{detail.}", "{prop:CallbackURLs|human}", "{cdk:CallbackURLs|key}",
]


@pytest.mark.parametrize("message", MESSAGES)
def test_the_message_pattern_agrees_with_the_engine(message: str) -> None:
    import re

    rule = {**RULE, "when": {"predicate": "oauth_scope_unknown"}, "message": message, "for_each": "$.L[*]"}
    assert bool(re.search(message_pattern(), message)) is _engine_accepts(rule)


@pytest.mark.parametrize(
    "path",
    ["$.effective", "$.effective.oauth_flows", "$.effective.oauth_flows[*]", "$.effective.oauth_flow",
     "$.effective.access_token.seconds", "$.effective.access_token.secs", "$.effective.access_token",
     "$.effective.oauth_flows.code", "$.policy.token_note_seconds", "$.policy.nope", "$.effective.*", "$.X.Y", "@",
     "$.effective.refresh_token-x", "$.policy.refresh_token.seconds", "$.policy.nope.x", "$.policy.nope[0]"],
)
def test_the_view_path_pattern_agrees_with_the_engine(path: str) -> None:
    """The schema cannot see a rule's own policy declarations: it takes any key of ``$.policy``, as the engine does
    once the rule declares it."""
    import re

    declared = {"nope": PolicyDeclaration("integer"), "refresh_token": PolicyDeclaration("integer")}
    assert bool(re.search(view_path_pattern(), path)) is (view_key_problem(path, declared) is None)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed: editors' regex dialect untested")
def test_every_pattern_is_a_javascript_regular_expression() -> None:
    """Editors (the YAML language server) run the schema's patterns as JavaScript regular expressions (``u``)."""
    patterns: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            patterns.extend(v for k, v in node.items() if k == "pattern")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SCHEMA)
    script = "for (const p of JSON.parse(require('fs').readFileSync(0, 'utf8'))) new RegExp(p, 'u');"
    done = subprocess.run(["node", "-e", script], input=json.dumps(patterns), capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(patterns) > 5
