"""``--format rdjson``: reviewdog's Diagnostic format (``reviewdog -f=rdjson``), fixes as suggested changes.

One ``DiagnosticResult`` (reviewdog's ``proto/rdf/reviewdog.proto``): ``source.name`` ``cogcheck``, and per finding a
``Diagnostic`` with the message, ``location.path`` (relative to the repository root, as every format gives it) and
``range.start``, ``severity`` (``ERROR``, ``WARNING``, ``INFO`` for error, warning, note) and ``code.value`` (the rule
id). Only fields of the proto are written: reviewdog reads the document with protobuf's JSON reader.

Columns in rdjson count UTF-8 bytes, cogcheck's count code points, so a column is converted with the line it is on,
read again from the scanned file (only a file the scan read: an input it was given or found, or a file of a Terraform
module it read; through the same size limit and regular-file checks); a file that cannot be read again (standard
input, or removed since) gets positions without a column, and no suggestion.

A finding's fix becomes one ``suggestion`` (all its edits together) that replaces **whole lines** (a range with lines
and no columns, the text being the new lines): GitHub's suggestion blocks (``-reporter=github-pr-review``) and
GitLab's (``-reporter=gitlab-mr-discussion``, which ignores columns) both replace whole lines, so a column-based
suggestion would be wrong on GitLab. A fix that removes whole lines takes in the next line (or the one before) so
that the suggestion is never empty. Unsafe fixes are suggested too, their message saying so; a finding whose fix was
declined says why (for a CDK assembly, the change to make in the CDK code). Inputs that could not be read are
``ERROR`` diagnostics with code ``cogcheck/input-error``, so that a pull request never passes over them in silence.

Messages are Markdown in a review comment: template text in them is escaped as ``--format markdown`` does.
"""

from __future__ import annotations

import bisect
import io
import itertools
import os
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from cogcheck.findings import Edit, Finding
from cogcheck.fix.apply import lines_of
from cogcheck.report import markdown, neutralise
from cogcheck.report.sarif import Locator, describe, uses_source
from cogcheck.scan.result import ScanResult

SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}
#: The files of a Terraform module (``cogcheck.inputs.terraform.module.TF_SUFFIXES``; not imported, as reports load no
#: reader): the scan reads them from the module directory it was given, so they are not among its named inputs.
MODULE_FILES = (".tf", ".tf.json", ".tofu", ".tofu.json")


class Text:
    """A file's text with its line starts: positions in code points to offsets and UTF-8 byte columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = lines_of(text).starts  # the fixes' line index (shared: the same text was indexed to fix it)

    def line_end(self, line: int) -> int:
        """The offset of the ``\\n`` ending ``line`` (1-based), or the end of the text."""
        return self.starts[line] - 1 if line < len(self.starts) else len(self.text)

    def offset(self, line: int, column: int) -> int | None:
        """The offset of (``line``, ``column``) (1-based, code points), None outside the text."""
        if not 1 <= line <= len(self.starts) or column < 1:
            return None
        offset = self.starts[line - 1] + column - 1
        return offset if offset <= self.line_end(line) else None

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def byte_column(self, line: int, column: int) -> int | None:
        """``column`` (code points) of ``line`` as rdjson counts it: 1 + the UTF-8 bytes before it."""
        offset = self.offset(line, column)
        if offset is None:
            return None
        return len(self.text[self.starts[line - 1]:offset].encode("utf-8", "surrogatepass")) + 1


def line_suggestion(text: Text, edits: Sequence[Edit]) -> tuple[int, int, str] | None:
    """(first line, last line, new text of those lines without the last line break) that makes the same change as
    ``edits`` (non-overlapping, columns in code points); None if an edit falls outside the text."""
    ranges: list[tuple[int, int, str]] = []
    for edit in edits:
        start, end = text.offset(edit.start_line, edit.start_column), text.offset(edit.end_line, edit.end_column)
        if start is None or end is None or end < start:
            return None
        ranges.append((start, end, edit.text))
    if not ranges:
        return None
    ranges.sort(key=lambda r: (r[0], r[1]))
    if any(a[1] > b[0] for a, b in itertools.pairwise(ranges)):
        return None  # overlapping edits: not one change
    source = text.text
    first = text.line_of(ranges[0][0])
    if text.starts[first - 1] == len(source) and first > 1:
        first -= 1  # the end of a text that ends with a line break: no line of its own in a review
    begin = text.starts[first - 1]
    end_offset = max(r[1] for r in ranges)
    if end_offset > begin and source[end_offset - 1] == "\n":
        last = text.line_of(end_offset - 1)  # the edit ends where a line starts, its line break included
    else:
        last = text.line_of(end_offset)

    def rewritten(first: int, last: int) -> tuple[str, int]:
        begin = text.starts[first - 1]
        stop = min(text.line_end(last) + 1, len(source))
        new = source[begin:stop]
        for start, end, inserted in reversed(ranges):
            new = new[: start - begin] + inserted + new[end - begin:]
        return new, stop

    new, stop = rewritten(first, last)
    # a line break taken and not given back joins the next line: take that line in too
    while new and not new.endswith("\n") and stop < len(source):
        last += 1
        new, stop = rewritten(first, last)
    if new in ("", "\n"):  # whole lines removed (or one empty line left): take in a neighbour, never say nothing
        if last < len(text.starts) and text.starts[last] < len(source):
            last += 1
        elif first > 1:
            first -= 1
        new, stop = rewritten(first, last)
    new = new.replace("\r\n", "\n")  # a suggestion's lines: the review tool keeps the file's line breaks
    return first, last, new.removesuffix("\n")


class Sources:
    """The scanned files' texts, read again on demand (one held at a time: findings come sorted by file)."""

    def __init__(self, inputs: Collection[str], cwd: str) -> None:
        self.inputs = inputs
        self.cwd = cwd  # what the findings' relative paths are relative to
        self.file: str | None = None
        self.text: Text | None = None

    def get(self, file: str) -> Text | None:
        if file != self.file:
            self.file, self.text = file, self._read(file)
        return self.text

    def _read(self, file: str) -> Text | None:
        from cogcheck.cfn.parse import decode_text
        from cogcheck.inputs.files import ReadError, read_limited

        real = os.path.realpath(os.path.join(self.cwd, file))
        if real not in self.inputs and not real.endswith(MODULE_FILES):  # nothing but what the scan read
            return None
        try:
            return Text(decode_text(read_limited(real)))
        except (ReadError, UnicodeDecodeError, ValueError):
            return None


def _position(line: int, column: int | None) -> dict[str, int]:
    return {"line": max(1, line), **({"column": column} if column is not None else {})}


def diagnostic(finding: Finding, locator: Locator, sources: Sources) -> dict[str, Any]:
    text = sources.get(finding.file)
    if uses_source(finding, locator) and finding.source is not None:
        path, start = locator.path(finding.source.file, source=True), _position(finding.source.line, None)
    else:
        column = text.byte_column(finding.line, finding.column) if text is not None else None
        path, start = locator.path(finding.file), _position(finding.line, column)
    message = describe(finding)
    suggestions: list[dict[str, Any]] = []
    if finding.fix is not None:
        label = "Suggested fix" if finding.fix.applicability == "safe" else "Unsafe fix (changes behaviour)"
        message += f" {label}: {finding.fix.description}"
        change = line_suggestion(text, finding.fix.edits) if text is not None else None
        if change is not None and {edit.file for edit in finding.fix.edits} == {finding.file}:
            first, last, new = change
            suggestions.append({"range": {"start": {"line": first}, "end": {"line": last}}, "text": new})
    elif finding.fix_declined is not None:
        message += f" No fix offered: {finding.fix_declined}"
    entry: dict[str, Any] = {
        "message": _markdown(message),
        "location": {"path": path, "range": {"start": start}},
        "severity": SEVERITY.get(finding.severity, "WARNING"),
        "code": {"value": finding.rule_id},
    }
    if suggestions:
        entry["suggestions"] = suggestions
    return entry


def _markdown(text: str) -> str:
    return markdown.escape(neutralise.text(text))


def render(
    result: ScanResult,
    *,
    root: Path | str | None = None,
    cwd: Path | str | None = None,
    source_root: Path | str | None = None,
) -> str:
    """``root``, ``cwd`` and ``source_root`` as for :func:`cogcheck.report.sarif.render`."""
    from cogcheck.report.stream import Lazy, dump

    locator = Locator.create(root, cwd, source_root)
    sources = Sources(result.inputs, str(locator.cwd))
    diagnostics = [diagnostic(finding, locator, sources) for finding in result.findings]
    diagnostics += [
        {
            "message": _markdown(
                f"cogcheck could not read this input: {error.message}" if error.kind == "input"
                else f"cogcheck: {error.message}"
            ),
            "location": {"path": locator.path(error.file), "range": {"start": _position(error.line or 1, None)}},
            "severity": "ERROR",
            "code": {"value": f"cogcheck/{error.kind}-error"},
        }
        for error in result.errors
    ]
    out = io.StringIO()
    dump({"source": {"name": "cogcheck"}, "diagnostics": Lazy(diagnostics)}, out)
    return out.getvalue() + "\n"
