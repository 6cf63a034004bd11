"""Positions of JSON templates come from one map of the text (cogcheck.cfn.jsontext), read a container at a time and
each container once, shared by findings' lines and fixes; YAML fixes reuse the parse's node graph where it is the
text's as composed."""

from __future__ import annotations

import json
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogcheck.cfn import jsontext
from cogcheck.cfn.jsontext import JsonText
from cogcheck.cfn.parse import parse_template
from cogcheck.fix.nodes import Node, json_nodes, yaml_nodes
from tests.helpers import examples

PathT = tuple[str | int, ...]

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)
layouts = st.sampled_from([
    {"indent": 2}, {"indent": None}, {"indent": 1, "ensure_ascii": False}, {"separators": (",", ":")},
    {"indent": "\t", "separators": (" , ", " : ")},
])


def _paths(value: Any, prefix: PathT = ()) -> list[tuple[PathT, Any]]:
    found: list[tuple[PathT, Any]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.append(((*prefix, key), item))
        found += _paths(item, (*prefix, key))
    return found


def _offset(text: str, position: tuple[int, int]) -> int:
    line, column = position
    return sum(len(part) + 1 for part in text.split("\n")[: line - 1]) + column - 1


@settings(max_examples=examples(300))
@given(st.dictionaries(st.text(max_size=6), documents, max_size=5), layouts)
def test_every_path_is_located_at_its_key_or_item(doc: dict[str, Any], layout: dict[str, Any]) -> None:
    text = json.dumps(doc, **layout)
    written = JsonText(text)
    for path, value in _paths(doc):
        at = _offset(text, written.locate(path))
        if isinstance(path[-1], str):
            assert text[at] == '"' and scanstring(text, at + 1)[0] == path[-1]
        else:
            assert json.JSONDecoder().raw_decode(text, at)[0] == value


@settings(max_examples=examples(200))
@given(st.dictionaries(st.text(max_size=6), documents, max_size=5), layouts)
def test_fix_nodes_from_the_shared_map_are_those_read_from_the_text(
    doc: dict[str, Any], layout: dict[str, Any]
) -> None:
    text = json.dumps(doc, **layout)
    assert _tree(json_nodes(text, JsonText(text))) == _tree(json_nodes(text))


def _tree(node: Node) -> Any:
    if node.kind == "map":
        return ("map", node.start, node.end, [(_tree(key), _tree(value)) for key, value in node.entries])
    if node.kind == "seq":
        return ("seq", node.start, node.end, [_tree(item) for item in node.items])
    return (node.kind, node.start, node.end, node.style, node.value)


def test_a_key_written_twice_is_located_at_the_last() -> None:
    text = '{"Resources": {"A": {"Type": "x"}, "A": {"Type": "y", "Properties": {"K": 1}}}}'
    written = JsonText(text)
    assert _offset(text, written.locate(("Resources", "A"))) == text.rindex('"A"')
    assert _offset(text, written.locate(("Resources", "A", "Properties", "K"))) == text.index('"K"')
    assert _offset(text, written.locate(("Resources", "A", "Nope"))) == text.rindex('"A"')
    assert written.locate(("Resources", "A", "Properties", "K", 0)) == written.locate(
        ("Resources", "A", "Properties", "K")
    )  # an item of a scalar: the deepest part written


def test_items_out_of_range_and_negative_stop_at_the_list() -> None:
    text = '{"L": [10, 20]}'
    written = JsonText(text)
    assert written.locate(("L", 1)) == (1, text.index("20") + 1)
    assert written.locate(("L", 2)) == written.locate(("L",)) == written.locate(("L", -1))


def test_escaped_keys_are_decoded() -> None:
    text = '{"Re\\u0073ources": {"A\\"B": 1}}'
    written = JsonText(text)
    assert _offset(text, written.locate(("Resources", 'A"B'))) == text.index('"A\\"B"')


def test_each_container_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Locating every property of every client (and fixes walking the same text) reads each object once."""
    resources = {f"C{n}": {"Type": "T", "Properties": {"A": n, "B": [n, {"C": n}]}} for n in range(50)}
    text = json.dumps({"Resources": resources}, indent=1)
    reads: list[int] = []
    original = JsonText._read_members

    def counted(self: JsonText, start: int) -> list[jsontext.Member]:
        reads.append(start)
        return original(self, start)

    monkeypatch.setattr(JsonText, "_read_members", counted)
    written = JsonText(text)
    for path, _value in _paths({"Resources": resources}):
        written.locate(path)
        written.locate(path)
    root = json_nodes(text, written)
    for name in resources:
        client = root.entry("Resources")[1].entry(name)[1]  # type: ignore[index]
        client.entry("Properties")[1].entry("B")[1].items[1].entry("C")  # type: ignore[index]
    assert len(reads) == len(set(reads)) == 2 + 3 * len(resources)  # root, Resources; each client, its Properties, C


def test_an_integer_past_pythons_limit_is_kept_as_text_and_positions_after_it_stay_right() -> None:
    digits = "7" * 5000
    text = '{"Resources": {"A": {"Type": "T", "Properties": {"N": ' + digits + '}}, "B": {"Type": "T"}}}'
    template = parse_template("t.json", text.encode(), suffix=".json")
    assert template is not None and template.written is not None
    assert _offset(text, template.locate(("Resources", "B", "Type"))) == text.rindex('"Type"')
    root = json_nodes(text, template.written)
    number = root.entry("Resources")[1].entry("A")[1].entry("Properties")[1].entry("N")[1]  # type: ignore[index]
    assert (number.kind, number.value, number.end - number.start) == ("scalar", digits, 5000)


YAML_TEMPLATE = """\
Resources:
  Pool: &pool
    Type: AWS::Cognito::UserPool
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      CallbackURLs: [https://a.example.org/cb, 'http://b.example.org/cb']
      Copy: *pool
      Text: |
        two
        lines
"""


def _yaml_tree(node: Node) -> Any:
    if node.kind == "map":
        entries = [(_yaml_tree(key), _yaml_tree(value)) for key, value in node.entries]
        return ("map", node.start, node.end, node.flow, node.tag, node.shared, entries)
    if node.kind == "seq":
        return ("seq", node.start, node.end, node.flow, node.tag, node.shared, [_yaml_tree(i) for i in node.items])
    return (node.kind, node.start, node.end, node.tag, node.style, node.value, node.shared)


def test_yaml_fixes_reuse_the_parses_node_graph() -> None:
    template = parse_template("t.yaml", YAML_TEMPLATE.encode(), suffix=".yaml")
    assert template is not None and template.composed is not None
    assert _yaml_tree(yaml_nodes(YAML_TEMPLATE, template.composed)) == _yaml_tree(yaml_nodes(YAML_TEMPLATE))


@pytest.mark.parametrize(
    "text",
    [
        "Base: &base {Type: AWS::Cognito::UserPoolClient}\nResources:\n  C:\n    <<: *base\n",  # a merge key
        "Resources:\n  C: {Type: AWS::Cognito::UserPoolClient, Properties: {X: \"\ufeff\"}}\n",  # a BOM in the text
    ],
)
def test_a_graph_the_parse_changed_or_miscounts_is_not_reused(text: str) -> None:
    template = parse_template("t.yaml", text.encode(), suffix=".yaml")
    assert template is not None and template.composed is None
