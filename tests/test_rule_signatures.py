"""Every operator's and predicate's arguments are checked against their declared shapes when rules load."""

from __future__ import annotations

from typing import Any

import pytest

from cogcheck.cfn.values import Unknown
from cogcheck.engine import signatures as sig
from cogcheck.engine.expr import OPERATORS, TYPE_NAME, EvalContext, Verdict, evaluate
from cogcheck.engine.predicates.base import PREDICATES
from cogcheck.engine.rules import RuleError, load_rules, parse_rule
from cogcheck.engine.signatures import PREDICATE_SIGNATURES

load_rules()  # registers every predicate

RULE: dict[str, Any] = {
    "id": "COG-E999",
    "name": "a-bad-thing",
    "severity": "error",
    "summary": "s",
    "docs": {"what": "w", "why": "y", "example": "e", "use_instead": "u", "references": []},
    "message": "X is wrong",
}

#: a well-formed argument of each kind
GOOD: dict[str, Any] = {
    sig.PATH.name: "$.X",
    sig.NUMBER_PATH.name: "$.X",
    sig.LITERAL.name: "x",
    sig.LITERALS.name: ["a", 1, True],
    sig.NAMES.name: ["AccessToken"],
    sig.ITEMS.name: "a",
    sig.NUMBER.name: 3,
    sig.COUNT.name: 3,
    sig.REGEX.name: "^a",
    TYPE_NAME.name: "list",
    "enumeration": "oauth-flows",
    "token": "access_token",
    sig.EXPR.name: {"present": "$.X"},
    sig.EXPRS.name: [{"present": "$.X"}],
    sig.PREDICATE_CALL.name: "public_client",
    sig.BOOLEAN.name: True,
    sig.STRING.name: "UserPoolTier",
}

#: arguments of a wrong shape for each kind
WRONG: dict[str, list[Any]] = {
    sig.PATH.name: ["X", 3, None, ["$.X"], {"a": 1}, "$.[["],
    sig.NUMBER_PATH.name: ["X", 3, None, ["$.X"], {"a": 1}, "$.[["],
    sig.LITERAL.name: ["$.Y", "@", [1], {"a": 1}, None, float("nan")],
    sig.LITERALS.name: ["ENABLED", [], [["a"]], ["$.X"], {"a": 1}, None, 3],
    sig.NAMES.name: ["AccessToken", [], [1], None, {"a": 1}],
    sig.ITEMS.name: [{"a": 1}, [], [{"a": 1}], ["$.X"], None, "$.[["],
    sig.NUMBER.name: ["low", "3", True, None, [1], {"a": 1}, float("inf")],
    sig.COUNT.name: ["3", -1, 1.5, True, None, "$.X"],
    sig.REGEX.name: ["(", 3, None, ["a"], "(?u)a"],
    "enumeration": ["oauth_flows", "Oauth-Flows", 3, None],
    "token": ["AccessToken", "access-token", 3, None, ["access_token"]],
    TYPE_NAME.name: ["lsit", "List", 3, None, ["list"]],
    sig.EXPR.name: ["x", {}, {"present": "$.X", "absent": "$.Y"}, {"nope": "$.X"}, [{"present": "$.X"}]],
    sig.EXPRS.name: [[], {"present": "$.X"}, ["x"], [{}], None],
    sig.PREDICATE_CALL.name: [
        "no_such_predicate", 3, None, {"name": "public_client", "args": {"if_unknwon": False}},
        {"name": "public_client", "args": []}, {"nam": "public_client"}, {"name": "public_client", "arg": {}},
    ],
    sig.BOOLEAN.name: ["false", 0, None],
    sig.STRING.name: [3, None, ["a"]],
}


def _load(when: Any) -> None:
    parse_rule({**RULE, "when": when}, "COG-E999.yaml", PREDICATES)


def test_every_kind_an_operator_or_predicate_uses_has_samples() -> None:
    used = {kind.name for _compiler, signature in OPERATORS.values() for kind in signature.args}
    used |= {param.kind.name for declared in PREDICATE_SIGNATURES.values() for param in declared.params.values()}
    assert used - set(GOOD) == set(), "add well-formed samples of the new kind to GOOD"
    assert used - set(WRONG) == set(), "add wrong samples of the new kind to WRONG"


def _args(name: str, position: int | None = None, value: Any = None) -> Any:
    signature = OPERATORS[name][1]
    args = [value if index == position else GOOD[kind.name] for index, kind in enumerate(signature.args)]
    return args if signature.listed else args[0]


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_each_operator_with_well_formed_arguments_loads(name: str) -> None:
    _load({name: _args(name)})


_CASES = [
    (name, position, value)
    for name, (_compiler, signature) in sorted(OPERATORS.items())
    for position, kind in enumerate(signature.args)
    for value in WRONG[kind.name]
]


@pytest.mark.parametrize(("name", "position", "value"), _CASES, ids=[f"{n}[{p}]={v!r}" for n, p, v in _CASES])
def test_each_operator_rejects_a_wrong_argument_at_each_position(name: str, position: int, value: Any) -> None:
    listed = OPERATORS[name][1].listed
    where = rf"checks\[0\]\.when\.{name}" + (rf"\[{position}\]" if listed else "")
    with pytest.raises(RuleError, match=rf"^COG-E999\.yaml \(COG-E999\): {where}"):
        _load({name: _args(name, position, value)})


@pytest.mark.parametrize("name", sorted(name for name, (_c, s) in OPERATORS.items() if s.listed))
def test_each_listed_operator_rejects_a_wrong_number_of_arguments(name: str) -> None:
    good = _args(name)
    for wrong in (good[:-1], [*good, good[-1]], good[0], {"a": good}):
        with pytest.raises(RuleError, match=rf"checks\[0\]\.when\.{name}: expects \["):
            _load({name: wrong})


@pytest.mark.parametrize(
    ("when", "error"),
    [
        ({"is_type": ["$.X", "lsit"]},
         r"checks[0].when.is_type[1]: 'lsit' is not a type name (one of: string, list, mapping, number, boolean)"),
        ({"in": ["$.X", "ENABLED"]},
         "checks[0].when.in[1]: expects a non-empty list of literals, got the string 'ENABLED' (write [ENABLED])"),
        ({"longer_than": ["$.X", "3"]},
         "checks[0].when.longer_than[1]: expects a whole number of 0 or more, got the string '3'"),
        ({"outside": ["$.X", "low", 86400]},
         "checks[0].when.outside[1]: expects a number or a JSONPath, got the string 'low'"),
        ({"predicate": {"name": "public_client", "args": {"if_unknwon": False}}},
         "checks[0].when.predicate: public_client has no argument 'if_unknwon' (it takes: if_unknown)"),
    ],
)
def test_the_holes_of_issue_22_are_load_errors(when: Any, error: str) -> None:
    with pytest.raises(RuleError) as raised:
        _load(when)
    assert str(raised.value) == f"COG-E999.yaml (COG-E999): {error}"


@pytest.mark.parametrize("name", sorted(PREDICATE_SIGNATURES))
def test_each_predicate_rejects_an_undeclared_argument(name: str) -> None:
    declared = PREDICATE_SIGNATURES[name].params
    required = {key: GOOD[param.kind.name] for key, param in declared.items() if param.required}
    _load({"predicate": {"name": name, "args": required}} if required else {"predicate": name})
    with pytest.raises(RuleError, match=f"{name} has no argument 'no_such_argument'"):
        _load({"predicate": {"name": name, "args": {**required, "no_such_argument": 1}}})
    for key in required:
        with pytest.raises(RuleError, match=f"{name} needs argument '{key}'"):
            _load({"predicate": {"name": name, "args": {k: v for k, v in required.items() if k != key}}})
    for key, param in declared.items():
        for value in WRONG[param.kind.name]:
            with pytest.raises(RuleError, match=rf"{name} args\.{key}: "):
                _load({"predicate": {"name": name, "args": {**required, key: value}}})


def test_predicate_argument_paths_name_keys_of_the_view() -> None:
    call = {"name": "enum_value_wrong", "args": {"set": "oauth-flows", "path": "$.effective.oauth_flow"}}
    with pytest.raises(RuleError, match=r"\$\.effective has no key 'oauth_flow'"):
        _load({"predicate": call})


def _never(name: str, args: Any, ctx: EvalContext) -> Verdict:
    return None


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_an_operator_that_loads_answers_on_any_value(name: str) -> None:
    """What passes the load-time check never raises when it runs, whatever the client holds."""
    expr = {name: _args(name)}
    _load(expr)
    for value in (None, "a", "", 3, 2.5, True, [], ["a", 1], {"k": "v"}, Unknown("import")):
        for root in ({}, {"X": value}):
            assert evaluate(expr, EvalContext(root, None, _never)) in (True, False, None)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"tags": "security"}, "tags must be a list of strings"),
        ({"precision": "exact"}, "precision 'exact' is not one of very-high, high, medium, low"),
        ({"security_severity": "high"}, "security_severity 'high' is not a number from 0.0 to 10.0"),
        ({"security_severity": 11}, "security_severity 11 is not a number"),
        ({"summary": ["s"]}, "summary must be a string"),
        ({"docs": {**RULE["docs"], "example": {"Resources": {}}}}, "docs.example must be a string"),
        ({"docs": {**RULE["docs"], "references": [1]}}, "docs.references must be a list of strings"),
        ({"for_each": 3}, r"checks\[0\]\.for_each: expects a JSONPath or a list of them"),
    ],
)
def test_rule_keys_of_a_wrong_shape_are_load_errors(change: dict[str, Any], words: str) -> None:
    with pytest.raises(RuleError, match=words):
        parse_rule({**RULE, "when": {"present": "$.X"}, **change}, "COG-E999.yaml", PREDICATES)


def test_conditions_nest_at_most_max_depth_levels() -> None:
    from cogcheck.engine.expr import MAX_DEPTH

    def nested(levels: int) -> Any:
        expr: Any = {"present": "$.X"}
        for level in range(levels - 1):
            expr = {"not": expr} if level % 2 else {"all": [expr]}
        return expr

    _load(nested(MAX_DEPTH))
    for levels in (MAX_DEPTH + 1, 100_000):  # never a RecursionError, in the check or later
        with pytest.raises(RuleError, match=f"nested deeper than {MAX_DEPTH} levels"):
            _load(nested(levels))


@pytest.mark.parametrize(
    ("when", "declared", "problem"),
    [
        ({"gt": ["$.effective.access_token.seconds", "$.policy.allowed"]}, "strings",
         r"checks\[0\]\.when: \$\.policy\.allowed is a setting of type strings, used where integer or number is "
         "needed"),
        ({"outside": ["$.effective.access_token.seconds", "$.policy.allowed", 5]}, "string", "of type string"),
        ({"lte": ["$.policy.allowed", 5]}, "boolean", "of type boolean"),
        ({"gt": ["$.effective.access_token.seconds", "$.policy.allowed"]}, "integer", None),
        ({"gt": ["$.effective.access_token.seconds", "$.policy.allowed"]}, "number", None),
        ({"contains": ["$.effective.oauth_scopes", "$.policy.allowed"]}, "strings", None),
    ],
)
def test_a_policy_setting_is_checked_against_its_use(when: Any, declared: str, problem: str | None) -> None:
    rule = {**RULE, "id": "ORG-001", "when": when, "policy": {"allowed": {"type": declared}}}
    if problem is None:
        parse_rule(rule, "ORG-001.yaml", PREDICATES, pack="policies")
        return
    with pytest.raises(RuleError, match=problem):
        parse_rule(rule, "ORG-001.yaml", PREDICATES, pack="policies")


def test_built_in_policy_settings_are_numbers_where_compared() -> None:
    _load({"gt": ["$.effective.refresh_token.seconds", "$.policy.refresh_token_note_seconds"]})
