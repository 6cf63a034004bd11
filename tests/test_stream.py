"""Streamed JSON reports are byte for byte what ``json.dumps(document, indent=2)`` gives."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cogcheck.report.stream import Lazy, dump
from tests.helpers import examples

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
keys = st.text() | st.integers() | st.booleans()  # json.dumps turns non-string keys into strings
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=30
)


def streamed(document: Any) -> str:
    out = io.StringIO()
    dump(document, out)
    return out.getvalue()


@settings(max_examples=examples(300))
@given(st.lists(values, max_size=5), st.dictionaries(st.text(), values, max_size=3), st.lists(values, max_size=3))
def test_lazy_arrays_anywhere_give_json_dumps_bytes(
    items: list[Any], extra: dict[str, Any], more: list[Any]
) -> None:
    document = {"before": extra, "runs": [{"results": items, "after": more}], "tail": "\x00cogcheck-array-0\x00"}
    lazy = {
        "before": extra,
        "runs": [{"results": Lazy(iter(items)), "after": Lazy(x for x in more)}],
        "tail": "\x00cogcheck-array-0\x00",  # input text that looks like a marker stays text
    }
    assert streamed(lazy) == json.dumps(document, indent=2)


def test_an_empty_lazy_array_is_written_as_json_writes_one() -> None:
    assert streamed({"a": Lazy([]), "b": [Lazy(iter([{"x": [1, {}]}]))]}) == json.dumps(
        {"a": [], "b": [[{"x": [1, {}]}]]}, indent=2
    )
