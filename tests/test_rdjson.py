"""``--format rdjson``: reviewdog's schema, UTF-8 byte columns, fixes as whole-line suggestions that GitHub and GitLab
apply to the same result as the fix itself."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.findings import Edit, Finding, Fix, InputError, Source
from cogcheck.report import rdjson
from cogcheck.scan.result import ScanResult
from tests.helpers import BAD_CLIENT, make_finding

runner = CliRunner()

# The structure of reviewdog's proto/rdf/jsonschema/DiagnosticResult.json (github.com/reviewdog/reviewdog, generated
# from proto/rdf/reviewdog.proto; draft-04), descriptions left out. Every object there allows additional properties;
# STRICT below forbids them, since cogcheck writes only the proto's fields.
_SEVERITY = {
    "enum": ["UNKNOWN_SEVERITY", 0, "ERROR", 1, "WARNING", 2, "INFO", 3],
    "oneOf": [{"type": "string"}, {"type": "integer"}],
}
SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "$ref": "#/definitions/DiagnosticResult",
    "definitions": {
        "DiagnosticResult": {
            "type": "object", "additionalProperties": True,
            "properties": {
                "diagnostics": {"type": "array", "items": {"$ref": "#/definitions/reviewdog.rdf.Diagnostic"}},
                "source": {"$ref": "#/definitions/reviewdog.rdf.Source"},
                "severity": _SEVERITY,
            },
        },
        "reviewdog.rdf.Code": {
            "type": "object", "additionalProperties": True,
            "properties": {"value": {"type": "string"}, "url": {"type": "string"}},
        },
        "reviewdog.rdf.Diagnostic": {
            "type": "object", "additionalProperties": True,
            "properties": {
                "message": {"type": "string"},
                "location": {"$ref": "#/definitions/reviewdog.rdf.Location"},
                "severity": _SEVERITY,
                "source": {"$ref": "#/definitions/reviewdog.rdf.Source"},
                "code": {"$ref": "#/definitions/reviewdog.rdf.Code"},
                "suggestions": {"type": "array", "items": {"$ref": "#/definitions/reviewdog.rdf.Suggestion"}},
                "original_output": {"type": "string"},
                "related_locations": {
                    "type": "array", "items": {"$ref": "#/definitions/reviewdog.rdf.RelatedLocation"},
                },
            },
        },
        "reviewdog.rdf.Location": {
            "type": "object", "additionalProperties": True,
            "properties": {"path": {"type": "string"}, "range": {"$ref": "#/definitions/reviewdog.rdf.Range"}},
        },
        "reviewdog.rdf.Position": {
            "type": "object", "additionalProperties": True,
            "properties": {"line": {"type": "integer"}, "column": {"type": "integer"}},
        },
        "reviewdog.rdf.Range": {
            "type": "object", "additionalProperties": True,
            "properties": {
                "start": {"$ref": "#/definitions/reviewdog.rdf.Position"},
                "end": {"$ref": "#/definitions/reviewdog.rdf.Position"},
            },
        },
        "reviewdog.rdf.RelatedLocation": {
            "type": "object", "additionalProperties": True,
            "properties": {"message": {"type": "string"}, "location": {"$ref": "#/definitions/reviewdog.rdf.Location"}},
        },
        "reviewdog.rdf.Source": {
            "type": "object", "additionalProperties": True,
            "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
        },
        "reviewdog.rdf.Suggestion": {
            "type": "object", "additionalProperties": True,
            "properties": {"range": {"$ref": "#/definitions/reviewdog.rdf.Range"}, "text": {"type": "string"}},
        },
    },
}


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    strict = copy.deepcopy(schema)
    for definition in strict["definitions"].values():
        definition["additionalProperties"] = False
    return strict


STRICT = _strict(SCHEMA)


def assert_valid(document: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(document)
    for schema in (SCHEMA, STRICT):
        Draft4Validator.check_schema(schema)
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in Draft4Validator(schema).iter_errors(data)]
        assert not problems, problems
    return data


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def apply_lines(text: str, first: int, last: int, block: str) -> str:
    """What GitHub's and GitLab's suggestion blocks do: lines first..last become the block's lines."""
    lines = text.splitlines(keepends=True)
    region = "".join(lines[first - 1:last])
    replacement = block + ("\n" if region.endswith("\n") else "") if block else ""
    return "".join(lines[: first - 1]) + replacement + "".join(lines[last:])


def edit_of(source: rdjson.Text, start: int, end: int, new: str) -> Edit:
    (sl, sc), (el, ec) = ((source.line_of(o), o - source.starts[source.line_of(o) - 1] + 1) for o in (start, end))
    return Edit("t.yaml", sl, sc, el, ec, new)


_LINE = st.text(alphabet="ab é𐐀:-", max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(_LINE, min_size=1, max_size=6),
    final_newline=st.booleans(),
    cuts=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8), st.sampled_from(["", "x", "y\n", "\n", "é\nz"])),
                  min_size=1, max_size=3),
)
def test_a_whole_line_suggestion_makes_the_same_change_as_the_edits(
    lines: list[str], final_newline: bool, cuts: list[tuple[int, int, str]]
) -> None:
    text = "\n".join(lines) + ("\n" if final_newline else "")
    source = rdjson.Text(text)
    ranges: list[tuple[int, int, str]] = []
    for start, length, new in cuts:  # non-overlapping edits inside the text
        start = min(start, len(text))
        end = min(start + length, len(text))
        if start == end and not new:
            continue  # no change at all
        if any((start < b and a < end) or start in (a, b) or end == a for a, b, _ in ranges):
            continue
        ranges.append((start, end, new))
    edits = [edit_of(source, *r) for r in ranges]
    if not edits:
        return
    change = rdjson.line_suggestion(source, edits)
    assert change is not None
    first, last, block = change
    assert 1 <= first <= last <= max(1, len(text.splitlines()))
    expected = apply_edits(text, ranges)
    if block == "" and expected.strip("\n") != "":  # never an empty suggestion unless the file empties
        raise AssertionError((text, ranges, change))
    applied = apply_lines(text, first, last, block)
    # a suggestion replaces lines: it cannot add or remove the line break at the very end of a file
    assert applied.removesuffix("\n") == expected.removesuffix("\n"), (text, ranges, change)


def test_columns_count_utf8_bytes_as_reviewdog_says() -> None:
    source = rdjson.Text("a𐐀b\n")  # the proto's own example: b is at byte column 6
    assert source.byte_column(1, 3) == 6
    assert source.byte_column(1, 1) == 1
    assert source.byte_column(1, 9) is None


def test_crlf_suggestions_are_lines_without_carriage_returns() -> None:
    source = rdjson.Text("A: 1\r\nUnits: Minutes\r\nB: 2\r\n")
    change = rdjson.line_suggestion(source, [Edit("t.yaml", 2, 8, 2, 15, "minutes")])
    assert change == (2, 2, "Units: minutes")


FIXED = """Resources:
  Wéb:
    Type: AWS::Cognito::UserPoolClient
    Properties: {Nàme: "é", TokenValidityUnits: {AccessToken: Minutes}}
"""


def _fixed_result(tmp_path: Path, **changes: Any) -> tuple[ScanResult, Finding]:
    template = tmp_path / "t.yaml"
    template.write_text(FIXED, encoding="utf-8")
    column = FIXED.splitlines()[3].index("Minutes") + 1
    fix = Fix("safe", "write the unit as Cognito spells it: minutes",
              (Edit("t.yaml", 4, column, 4, column + len("Minutes"), "minutes"),))
    found = make_finding(file="t.yaml", line=4, column=column, fix=fix, **changes)
    return ScanResult(findings=[found], inputs={os.path.realpath(template)}), found


def test_a_fix_becomes_a_whole_line_suggestion_and_the_column_counts_bytes(tmp_path: Path) -> None:
    result, found = _fixed_result(tmp_path)
    (diagnostic,) = assert_valid(rdjson.render(result, root=tmp_path, cwd=tmp_path))["diagnostics"]
    assert diagnostic["location"] == {"path": "t.yaml", "range": {"start": {"line": 4, "column": found.column + 2}}}
    assert diagnostic["severity"] == "ERROR" and diagnostic["code"] == {"value": "COG-E001"}
    assert diagnostic["suggestions"] == [{
        "range": {"start": {"line": 4}, "end": {"line": 4}},
        "text": '    Properties: {Nàme: "é", TokenValidityUnits: {AccessToken: minutes}}',
    }]
    assert diagnostic["message"].endswith("Suggested fix: write the unit as Cognito spells it: minutes")


def test_a_file_the_scan_did_not_read_is_not_read_for_the_report(tmp_path: Path) -> None:
    result, _found = _fixed_result(tmp_path)
    result.inputs.clear()
    (diagnostic,) = assert_valid(rdjson.render(result, root=tmp_path, cwd=tmp_path))["diagnostics"]
    assert diagnostic["location"]["range"] == {"start": {"line": 4}}  # no column: it could not be converted
    assert "suggestions" not in diagnostic


def test_unsafe_fixes_say_so_and_declined_fixes_say_why(tmp_path: Path) -> None:
    result, found = _fixed_result(tmp_path)
    assert found.fix is not None
    unsafe = Fix("unsafe", "enable it", found.fix.edits)
    declined = make_finding(file="cdk.out/S.template.json", fix_declined="change the CDK prop enableTokenRevocation",
                            source=Source("lib/stack.ts", 12))
    result.findings[:] = [make_finding(file="t.yaml", line=4, column=1, fix=unsafe), declined]
    first, second = assert_valid(rdjson.render(result, root=tmp_path, cwd=tmp_path))["diagnostics"]
    assert "Unsafe fix (changes behaviour): enable it" in first["message"] and first["suggestions"]
    assert second["message"].endswith("No fix offered: change the CDK prop enableTokenRevocation")
    assert second["location"] == {"path": "lib/stack.ts", "range": {"start": {"line": 12}}}  # the CDK source line


def test_messages_are_escaped_markdown_and_input_errors_are_diagnostics(tmp_path: Path) -> None:
    result = ScanResult(
        findings=[make_finding(resource="<img src=x>@team", message="see [here](http://x) `code`")],
        errors=[InputError("broken.json", 3, "not JSON")],
    )
    found, error = assert_valid(rdjson.render(result, root=tmp_path, cwd=tmp_path))["diagnostics"]
    assert not re.search(r"(?<!\\)[<>\[\]`]", found["message"]), found["message"]
    assert "@team" not in found["message"] and "\\<img src=x\\>" in found["message"]
    assert error == {
        "message": "cogcheck could not read this input: not JSON",
        "location": {"path": "broken.json", "range": {"start": {"line": 3}}},
        "severity": "ERROR",
        "code": {"value": "cogcheck/input-error"},
    }


def test_cli_writes_rdjson(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "t.yaml").write_text(BAD_CLIENT)
    monkeypatch.chdir(tmp_path)
    outcome = runner.invoke(app, ["scan", "t.yaml", "-f", "rdjson", "--isolated"])
    assert outcome.exit_code == 1, outcome.output
    data = assert_valid(outcome.stdout)
    assert data["source"] == {"name": "cogcheck"}
    assert data["diagnostics"] and {d["location"]["path"] for d in data["diagnostics"]} == {"t.yaml"}
    assert all(d["severity"] in ("ERROR", "WARNING", "INFO") for d in data["diagnostics"])


def test_terraform_module_files_are_named_as_the_reader_names_them() -> None:
    from cogcheck.inputs.terraform.module import TF_SUFFIXES

    assert rdjson.MODULE_FILES == TF_SUFFIXES


def test_every_fixture_fix_is_suggested_as_lines_that_make_the_same_change(monkeypatch: Any) -> None:
    """On the suite's fixtures (templates, CDK assemblies, Terraform): each finding with a fix gets one suggestion,
    and replacing its lines as GitHub and GitLab do gives the text that applying the fix gives."""
    from cogcheck.fix.apply import apply_fixes
    from tests.helpers import FIXTURES, ROOT, scan_paths

    monkeypatch.chdir(ROOT)
    result = scan_paths(FIXTURES.relative_to(ROOT))
    document = assert_valid(rdjson.render(result, root=ROOT, cwd=ROOT))
    fixed = [(finding, entry) for finding, entry in zip(result.findings, document["diagnostics"], strict=False)
             if finding.fix is not None]
    assert len(fixed) > 100  # the fixture suite has fixes of every kind
    for finding, entry in fixed:
        assert finding.fix is not None
        text = (ROOT / finding.file).read_text(encoding="utf-8")
        expected, applied, _left = apply_fixes(text, [finding.fix])
        assert applied, finding
        (suggestion,) = entry["suggestions"]
        first, last = suggestion["range"]["start"]["line"], suggestion["range"]["end"]["line"]
        got = apply_lines(text.replace("\r\n", "\n"), first, last, suggestion["text"])
        assert got.removesuffix("\n") == expected.replace("\r\n", "\n").removesuffix("\n"), (finding, suggestion)
    assert all("suggestions" not in entry for finding, entry in zip(result.findings, document["diagnostics"],
                                                                     strict=False) if finding.fix is None)
