"""Terraform fixes find a resource block through one index of the file's headers, built once per text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cogcheck.fix import hcl
from cogcheck.fix.edits import Declined

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"


def _old_header(text: str, tf_type: str, name: str) -> list[int]:
    """The search each fix made before: the named header alone, over the whole file."""
    pattern = re.compile(rf'^[ \t]*resource[ \t]+"{re.escape(tf_type)}"[ \t]+"{re.escape(name)}"[ \t]*\{{', re.M)
    return [match.start() for match in pattern.finditer(text)]


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.tf")), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_index_finds_what_the_named_search_found(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    labels = re.findall(r'resource[ \t]+"([^"\n]*)"[ \t]+"([^"\n]*)"', text)
    for tf_type, name in labels + [("aws_cognito_user_pool_client", "absent")]:
        starts = _old_header(text, tf_type, name)
        if len(starts) != 1:
            with pytest.raises(Declined):
                hcl.resource_body(text, tf_type, name)
            continue
        try:
            body = hcl.resource_body(text, tf_type, name)
        except Declined:
            continue  # the block's own text declines (a heredoc, an unclosed block): same for both
        assert body.line == starts[0]


def test_a_block_written_twice_is_declined() -> None:
    text = 'resource "t" "a" {\n  x = 1\n}\nresource "t" "a" {\n  x = 2\n}\nresource "t" "b" {\n  x = 3\n}\n'
    with pytest.raises(Declined):
        hcl.resource_body(text, "t", "a")
    assert hcl.resource_body(text, "t", "b").args["x"].value_start == text.index("3")


def test_many_resources_one_search(monkeypatch: pytest.MonkeyPatch) -> None:
    searches = []
    pattern = hcl._RESOURCE

    class Counting:
        def finditer(self, text: str) -> object:
            searches.append(len(text))
            return pattern.finditer(text)

    monkeypatch.setattr(hcl, "_RESOURCE", Counting())
    hcl._resource_headers.cache_clear()
    text = "".join(f'resource "aws_cognito_user_pool_client" "c{i}" {{\n  name = "c{i}"\n}}\n' for i in range(2000))
    for i in range(2000):
        body = hcl.resource_body(text, "aws_cognito_user_pool_client", f"c{i}")
        assert text[body.args["name"].value_start : body.args["name"].value_end] == f'"c{i}"'
    assert searches == [len(text)]
