"""The shapes of resource attributes: what a reference's value looks like although the value is known only at deploy.

``UserPoolId: !GetAtt Pool.Arn`` cannot be resolved, yet it is surely an ARN, and an ARN never matches the pool id
pattern ``[\\w-]+_[0-9a-zA-Z]+``: CloudFormation fails the stack. The resolver gives such a reference an
:class:`~cogcheck.cfn.values.Unknown` that carries a :class:`~cogcheck.cfn.values.Shape`, and the rules that check a
pattern or a length ask :func:`pattern_relation` / :func:`length_relation`: *never* (the value cannot conform, an
error), *always* (it conforms, no finding) or unknown (the rule abstains, as for any unknown value).

The table is data, ``cogcheck/data/attribute-shapes.json``: per CloudFormation resource type the ``Ref`` value and
``Fn::GetAtt`` attributes, per Terraform resource type the provider's attributes, each naming a shape whose pattern
and lengths come from the Cognito API model or a CloudFormation resource schema (checked by ``tests/test_drift.py``)
or, where neither says it, from the AWS documentation page the entry cites. An attribute the table does not list has
no shape: its references stay plain unknowns.

Regular-expression languages are compared as finite automata (interegular); a pattern it cannot read (``\\p{L}``
classes, anchors inside alternatives, inline flags) gives unknown. Each comparison is cached: patterns come from the
rules and the data, never from the scanned input. The comparisons of every shape with every pattern of the resource
schema and of the shipped rules are made once, by ``python scripts/regenerate.py``, and shipped as data
(``cogcheck/data/shape-relations.json``, :func:`relation_table`): a scan imports interegular (about 8 ms) only for a
rule pack's own patterns.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from cogcheck.cfn.values import Shape

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "attribute-shapes.json"
#: :func:`relation_table` as written by ``scripts/regenerate.py``.
RELATIONS_FILE = DATA_FILE.with_name("shape-relations.json")

#: The dialect of a template written by cogcheck from Terraform (``Template.dialect``).
TERRAFORM = "terraform"


@cache
def shape_data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _shape(name: str, origin: str) -> Shape:
    entry = shape_data()["shapes"][name]
    return Shape(str(entry["label"]), str(entry["pattern"]), int(entry["min"]), int(entry["max"]), origin)


def _squeezed(name: str) -> str:
    """``client_secret`` and ``ClientSecret`` are one attribute (Terraform links become ``Fn::GetAtt`` in CamelCase)."""
    return name.replace("_", "").lower()


def cloudformation_shape(resource_type: str, attribute: str, origin: str) -> Shape | None:
    """The shape of ``Ref`` (``attribute == "Ref"``) or ``Fn::GetAtt`` of a CloudFormation resource type."""
    entry = shape_data()["cloudformation"].get(resource_type, {})
    name = entry.get(attribute) if not attribute.startswith("x-") else None
    return _shape(name, origin) if isinstance(name, str) else None


def terraform_shape(terraform_type: str, attribute: str, origin: str) -> Shape | None:
    """The shape of a Terraform resource attribute (``aws_cognito_user_pool`` + ``arn`` or ``Arn``)."""
    entry = shape_data()["terraform"].get(terraform_type, {})
    wanted = _squeezed(attribute)
    for key, name in entry.items():
        if not key.startswith("x-") and _squeezed(key) == wanted:
            return _shape(name, origin)
    return None


def terraform_attribute(terraform_type: str, attribute: str) -> str:
    """The provider's name of an attribute written in CamelCase (``ClientSecret`` → ``client_secret``)."""
    wanted = _squeezed(attribute)
    for key in shape_data()["terraform"].get(terraform_type, {}):
        if _squeezed(key) == wanted:
            return str(key)
    return attribute


def terraform_type(address: str) -> str:
    """``module.a.aws_cognito_user_pool.p[0]`` → ``aws_cognito_user_pool``."""
    parts = address.split(".")
    for index, part in enumerate(parts):
        if part.startswith("aws_") and index + 1 < len(parts):
            return part
    return ""


def with_origin(shape: Shape, origin: str) -> Shape:
    return replace(shape, origin=origin)


# ------------------------------------------------------------------------------------------ comparisons

#: Characters outside a bracket expression that make a pattern's ``re.search`` language more than its text says.
_ANCHORS = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|[\^$]")


def _search_language(pattern: str) -> str | None:
    """A full-match pattern for the strings ``re.search(pattern, text)`` finds something in; None if unsure."""
    if pattern.startswith("(?"):
        return None  # inline flags or groups at the front: not worth the risk
    anchors = [m.start() for m in _ANCHORS.finditer(pattern) if m.group() in ("^", "$")]
    start = bool(anchors) and anchors[0] == 0 and pattern[0] == "^"
    end = bool(anchors) and anchors[-1] == len(pattern) - 1 and pattern[-1] == "$"
    if len(anchors) != start + end:
        return None  # an anchor somewhere inside
    inner = pattern[int(start):len(pattern) - int(end)]
    if anchors and _top_level_alternation(inner):
        return None  # ^a|b$ anchors each alternative, not the whole
    anywhere = r"[\s\S]*"
    return ("" if start else anywhere) + "(?:" + inner + ")" + ("" if end else anywhere)


def _top_level_alternation(pattern: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|\[(?:\\.|[^\]\\])*\]|[()|]", pattern):
        symbol = match.group()
        depth += {"(": 1, ")": -1}.get(symbol, 0)
        if symbol == "|" and depth == 0:
            return True
    return False


@cache
def _precomputed() -> dict[str, dict[str, bool | None]]:
    try:
        table = json.loads(RELATIONS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # computed as asked, then
    relations = table.get("relations") if isinstance(table, dict) else None
    return relations if isinstance(relations, dict) else {}


@cache
def _relation(shape_pattern: str, language: str) -> bool | None:
    known = _precomputed().get(shape_pattern, {})
    if language in known:
        return known[language]
    return _compared(shape_pattern, language)


def _compared(shape_pattern: str, language: str) -> bool | None:
    try:
        from interegular import parse_pattern

        shape = parse_pattern(shape_pattern).to_fsm()
        target = parse_pattern(language).to_fsm()
        if (shape & target).empty():
            return False
        if shape.difference(target).empty():  # type: ignore[no-untyped-call]
            return True
    except Exception:  # a pattern the library cannot read is a comparison cogcheck cannot make
        return None
    return None


def relation_table(patterns: list[str]) -> str:
    """The comparisons of every shape's pattern with each of ``patterns`` (as ``re.search`` reads them), as the JSON
    text of ``cogcheck/data/shape-relations.json``: {shape pattern: {search language: true | false | null}}."""
    shapes = sorted({str(entry["pattern"]) for entry in shape_data()["shapes"].values()})
    languages = sorted({language for pattern in patterns if (language := _search_language(pattern)) is not None})
    relations = {shape: {language: _compared(shape, language) for language in languages} for shape in shapes}
    note = "generated by python scripts/regenerate.py from the shapes, the resource schema and the shipped rules"
    return json.dumps({"note": note, "relations": relations}, indent=1, sort_keys=True) + "\n"


def pattern_relation(shape: Shape, pattern: str) -> bool | None:
    """Whether ``re.search(pattern, value)`` finds a match for every value of the shape (True), for none
    (False), or for some only or cannot be told (None). ``\\w`` and ``\\d`` are ASCII, as in the service."""
    language = _search_language(pattern)
    return None if language is None else _relation(shape.pattern, language)


def length_relation(shape: Shape, low: int | None, high: int | None) -> bool | None:
    """Whether every value of the shape is ``low``..``high`` characters long (True), none is (False), or unknown."""
    low_ = low if low is not None else 0
    high_ = high if high is not None else float("inf")
    if shape.max_length < low_ or shape.min_length > high_:
        return False
    if low_ <= shape.min_length and shape.max_length <= high_:
        return True
    return None


def describe(shape: Shape) -> str:
    """``Fn::GetAtt Pool.Arn (an ARN)``."""
    return f"{shape.origin} ({shape.label})" if shape.origin else shape.label
