"""The rule language is checked when rules load: every path, placeholder and detail must name something real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from cogcheck.cfn.values import Unknown
from cogcheck.engine.expr import OPERATORS, EvalContext, Verdict, evaluate
from cogcheck.engine.paths import compile_path, expression_parts, jsonpath_ng_steps
from cogcheck.engine.predicates.base import PREDICATES
from cogcheck.engine.rules import RuleError, load_rules, parse_rule
from cogcheck.model.client import EFFECTIVE_KEYS, TOKEN_VALIDITY_KEYS, TOKENS, token_validity
from tests.helpers import ROOT

VALID: dict[str, Any] = {
    "id": "COG-E999",
    "name": "a-bad-thing",
    "severity": "error",
    "summary": "s",
    "docs": {"what": "w", "why": "y", "example": "e", "use_instead": "u", "references": []},
    "when": {"present": "$.X"},
    "message": "X is {$.X}",
}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"when": {"equals": ["$.effective.oauth_flow", "code"]}}, r"\$\.effective has no key 'oauth_flow'"),
        ({"when": {"gt": ["$.effective.refresh_token.secs", 1]}}, r"\$\.effective\.refresh_token has no key 'secs'"),
        ({"when": {"present": "$.effective.oauth_flows.code"}}, "it is not a mapping"),
        ({"when": {"gt": ["$.X", "$.policy.refresh_days"]}}, r"\$\.policy has no key 'refresh_days'"),
        ({"when": {"not": {"all": [{"present": "$.effective.nope"}]}}}, "has no key 'nope'"),
        ({"message": "X is {$.effective.scopes}"}, "has no key 'scopes'"),
        ({"message": "X is {$.policy.token_note_seconds.x}"}, "it is not a mapping"),
        ({"message": "X is {X}"}, r"placeholder \{X\}: not a JSONPath"),
        ({"message": "X is {detail.reason}"}, "no predicate of this check sets detail 'reason'"),
        ({"message": "X is {$.X|upper}"}, "unknown style 'upper'"),
        ({"message": "X is {@}"}, "the check has no for_each"),
        ({"property": "{detail.pool}"}, "no predicate of this check sets detail 'pool'"),
        ({"for_each": ["$.effective.flows[*]"]}, "has no key 'flows'"),
        ({"for_each": ["X"]}, "not an absolute JSONPath"),
        ({"when": {"implies": [{"present": "$.X"}, {"present": "$.Y"}]}}, "unknown operator 'implies'"),
    ],
)
def test_a_reference_to_nothing_is_a_load_error(change: dict[str, Any], words: str) -> None:
    with pytest.raises(RuleError, match=words) as error:
        parse_rule({**VALID, **change}, "COG-E999.yaml", PREDICATES)
    assert str(error.value).startswith("COG-E999.yaml (COG-E999): ")  # names the file and the rule


def test_known_references_load() -> None:
    rule = parse_rule(
        {
            **VALID,
            "for_each": ["$.effective.oauth_scopes[*]"],
            "when": {"all": [{"predicate": "oauth_scope_unknown"},
                             {"gt": ["$.effective.refresh_token.seconds", "$.policy.refresh_token_note_seconds"]}]},
            "message": "{@} {detail.reason} {$.policy.token_note_seconds|human} {$.effective.oauth_flows|count} "
                       "{$.AnyTemplateProperty.Sub} {property}",
        },
        "COG-E999.yaml",
        PREDICATES,
    )
    assert rule.checks[0].for_each == ("$.effective.oauth_scopes[*]",)


def test_a_broken_rule_file_fails_load_rules_with_its_file_and_id(tmp_path: Path) -> None:
    bad = {**VALID, "message": "X is {$.effective.nothing}"}
    (tmp_path / "COG-E999.yaml").write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(RuleError, match=r"^COG-E999\.yaml \(COG-E999\): checks\[0\]: .*'nothing'"):
        load_rules(tmp_path)


def test_every_operator_is_used_by_a_shipped_rule() -> None:
    """The language has no dead operators: each one is exercised by the rules cogcheck ships."""
    used: set[str] = set()

    def walk(expr: Any) -> None:
        ((name, args),) = expr.items()
        used.add(name)
        if name in ("all", "any"):
            for sub in args:
                walk(sub)
        elif name == "not":
            walk(args)

    for path in sorted((ROOT / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for check in data.get("checks", [data]):
            walk(check["when"])
    assert used == set(OPERATORS)


def test_effective_keys_list_what_the_view_holds() -> None:
    cases = [{}, {"RefreshTokenValidity": 5}, {"RefreshTokenValidity": 0}, {"AccessTokenValidity": Unknown("x")},
             {"IdTokenValidity": "x"}, {"IdTokenValidity": 5, "TokenValidityUnits": {"IdToken": "weeks"}}]
    for props in cases:
        for token in TOKENS:
            assert set(token_validity(props, token)) <= set(TOKEN_VALIDITY_KEYS)
    assert set(TOKEN_VALIDITY_KEYS) == set(token_validity({"AccessTokenValidity": 5}, "access_token"))
    assert {"oauth_flows", "refresh_token", "generate_secret"} <= set(EFFECTIVE_KEYS)


# jsonpath-ng: paths are read off its expression objects, not their string form


def _no_predicate(name: str, args: Any, ctx: EvalContext) -> Verdict:
    raise AssertionError(name)


def test_generic_paths_keep_keys_with_dots_and_brackets() -> None:
    root = {"a.b": [{"v": 1, "n": "x"}, {"v": 2, "n": "y"}], "c[0]": {"d": [{"e": 1}]}}
    selection = compile_path("$['a.b'][?(@.v == 2)].n").select(root)
    assert [(m.value, m.path) for m in selection.matches] == [("y", ("a.b", 1, "n"))]
    selection = compile_path("$['c[0]'].d[?(@.e == 1)]").select(root)
    assert [m.path for m in selection.matches] == [("c[0]", "d", 0)]
    assert evaluate({"equals": ["$['a.b'][?(@.v == 1)].n", "x"]}, EvalContext(root, None, _no_predicate)) is True


def test_index_nodes_of_older_jsonpath_ng_are_understood() -> None:
    """jsonpath-ng before 1.7 spells ``Index(index=0)``; since 1.7 ``Index(indices=(0,))``. Both must work."""
    from jsonpath_ng import jsonpath as jp

    old_index = jp.Index.__new__(jp.Index)
    old_index.__dict__.clear()
    old_index.index = 3
    path = jp.Child(jp.Child(jp.Root(), jp.Fields("List")), old_index)
    assert expression_parts(path) == ("List", 3)
    assert jsonpath_ng_steps(path) == (("field", "List"), ("index", 3))
    new_index = jp.Index.__new__(jp.Index)
    new_index.__dict__.clear()
    new_index.indices = (2,)
    assert expression_parts(jp.Child(jp.Fields("L"), new_index)) == ("L", 2)


_LOWEST_CHECK = """
import sys
import jsonpath_ng
from jsonpath_ng import ext
from cogcheck.engine.paths import compile_path, jsonpath_ng_steps, simple_steps
assert jsonpath_ng.__file__.startswith(sys.argv[1]), jsonpath_ng.__file__
for path in sys.argv[2:]:
    steps = simple_steps(path)
    assert steps is None or steps == jsonpath_ng_steps(ext.parse(path)), path
root = {"a.b": [{"v": 1, "n": "x"}, {"v": 2, "n": "y"}]}
found = compile_path("$['a.b'][?(@.v == 2)].n").select(root).matches
assert [(m.value, m.path) for m in found] == [("y", ("a.b", 1, "n"))], found
print("ok", jsonpath_ng.__version__ if hasattr(jsonpath_ng, "__version__") else "")
"""


@pytest.mark.slow
@pytest.mark.network
def test_the_lowest_jsonpath_ng_the_dependency_range_allows(tmp_path: Path) -> None:
    """Install the lower bound of ``jsonpath-ng>=`` from pyproject.toml and run the path code against it."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    (lowest,) = (m.group(1) for d in dependencies if (m := re.fullmatch(r"jsonpath-ng>=([\d.]+).*", d)))
    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--target", str(target), f"jsonpath-ng=={lowest}"],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert install.returncode == 0, install.stderr[-500:]
    paths = ["$.A[0].B[*]", "$.A.*", "$.effective.oauth_flows[*]", "$.T.X[2]"]
    done = subprocess.run(
        [sys.executable, "-c", _LOWEST_CHECK, str(target), *paths],
        env={"PYTHONPATH": f"{target}{os.pathsep}{ROOT}", "PATH": os.environ.get("PATH", "")},
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
