"""Fixes read positions from the node graph the template's parse composed: the same nodes as composing the text
again, and none kept when construction changed the graph (a merge key) or the marks would differ (a byte order
mark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cogcheck.cfn.parse import parse_template
from cogcheck.fix.nodes import Node, yaml_nodes

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
HANDWRITTEN = {
    "anchors": "Resources:\n  A: &a\n    Type: X\n    Properties: {K: [1, 2]}\n  B: *a\n",
    "tags": "Resources:\n  C:\n    Type: X\n    Properties:\n      N: !Ref P\n      S: !Sub '${A}'\n      L: |\n"
            "        text\n\n",
    "flow": "{Resources: {C: {Type: X, Properties: {A: [x, 'y', \"z\"]}}}}",
    "crlf": "Resources:\r\n  C:\r\n    Type: X\r\n    Properties:\r\n      A: 1\r\n",
}


def _same(a: Node, b: Node, depth: int = 0) -> None:
    assert (a.kind, a.start, a.end, a.flow, a.tag, a.style, a.value, a.shared) == (
        b.kind, b.start, b.end, b.flow, b.tag, b.style, b.value, b.shared)
    if depth > 50:  # a recursive alias: its nodes were compared on the way down
        return
    if a.kind == "map":
        assert len(a.entries) == len(b.entries)
        for (ka, va), (kb, vb) in zip(a.entries, b.entries, strict=True):
            _same(ka, kb, depth + 1)
            _same(va, vb, depth + 1)
    elif a.kind == "seq":
        assert len(a.items) == len(b.items)
        for x, y in zip(a.items, b.items, strict=True):
            _same(x, y, depth + 1)


def _texts() -> list[tuple[str, str]]:
    found = sorted(FIXTURES.glob("*/*.yaml"))[:400]
    return [*HANDWRITTEN.items(), *((str(path.relative_to(FIXTURES)), path.read_text()) for path in found)]


@pytest.mark.parametrize(("name", "text"), _texts(), ids=[name for name, _ in _texts()])
def test_composed_graph_gives_the_nodes_of_a_fresh_compose(name: str, text: str) -> None:
    template = parse_template(name, text.encode())
    if template is None or template.composed is None:
        pytest.skip("no template, or no graph kept")
    _same(yaml_nodes(template.source, template.composed), yaml_nodes(template.source))


def test_no_graph_kept_when_a_merge_key_changed_it() -> None:
    text = "Base: &b {Type: X}\nResources:\n  C:\n    <<: *b\n    Properties: {A: 1}\n"
    template = parse_template("t.yaml", text.encode())
    assert template is not None and template.doc["Resources"]["C"]["Type"] == "X"
    assert template.composed is None


def test_no_graph_kept_with_a_byte_order_mark_in_the_text() -> None:
    template = parse_template("t.yaml", 'Resources:\n  C: {Type: X, Properties: {A: "x\ufeffy"}}\n'.encode())
    assert template is not None and template.composed is None


def test_a_leading_byte_order_mark_is_decoded_away() -> None:
    template = parse_template("t.yaml", "\ufeffResources:\n  C: {Type: X}\n".encode())
    assert template is not None and template.composed is not None
    _same(yaml_nodes(template.source, template.composed), yaml_nodes(template.source))


def test_json_keeps_no_graph() -> None:
    template = parse_template("t.json", b'{"Resources": {"C": {"Type": "X"}}}')
    assert template is not None and template.composed is None
