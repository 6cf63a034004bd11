"""Findings as the Language Server Protocol speaks them: diagnostics, positions in UTF-16 code units, text edits.

Findings count lines from 1 and columns from 1 in Unicode code points (as every report does); LSP counts both from 0
and columns in UTF-16 code units (the protocol's default position encoding), so a column past an astral character
(an emoji in a description) moves by two.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from lsprotocol import types

from cogcheck.findings import Edit, Finding, InputError, Notice
from cogcheck.lsp.spans import Ends

#: SARIF levels (= cogcheck severities) → LSP severities, as editors show SARIF results.
SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "note": types.DiagnosticSeverity.Information,
}
SOURCE = "cogcheck"


class Lines:
    """A buffer's lines, for positions (code points → UTF-16) and the end of a value on its line."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")

    def line(self, number: int) -> str:
        """Line ``number`` (1-based) without its line break; "" past the end."""
        return self.lines[number - 1].rstrip("\r") if 1 <= number <= len(self.lines) else ""

    def position(self, line: int, column: int) -> types.Position:
        """The LSP position of 1-based (line, code-point column), clamped to the buffer."""
        at, units = self.units(line, column)
        return types.Position(line=at, character=units)

    def units(self, line: int, column: int) -> tuple[int, int]:
        """:meth:`position` as (0-based line, UTF-16 code units)."""
        line = max(1, min(line, len(self.lines)))
        text = self.line(line)
        if text.isascii():  # most lines: one code unit per code point
            return line - 1, min(max(0, column - 1), len(text))
        return line - 1, utf16_length(text[: max(0, column - 1)])

    def code_points(self, position: types.Position) -> tuple[int, int]:
        """1-based (line, code-point column) of an LSP position."""
        text = self.line(position.line + 1)
        units = 0
        for index, char in enumerate(text):
            if units >= position.character:
                return position.line + 1, index + 1
            units += 2 if ord(char) > 0xFFFF else 1
        return position.line + 1, len(text) + 1

    def value_range(self, line: int, column: int) -> types.Range:
        """From (line, column) to the end of what is written there on that line: a key and its scalar value, a
        key alone when its value is a block below, without a trailing comment or separator."""
        return as_range(self.value_span(line, column))

    def value_span(self, line: int, column: int) -> Span:
        """:meth:`value_range` as (start, end) :meth:`units`."""
        text = self.line(line)
        start = max(1, column)
        end = _value_end(text, start - 1) + 1
        if end <= start:
            end = min(len(text), start) + 1
        return self.units(line, start), self.units(line, end)


#: A range as ((line, character), (line, character)): 0-based lines, UTF-16 code units.
Span = tuple[tuple[int, int], tuple[int, int]]


def as_range(span: Span) -> types.Range:
    (start_line, start), (end_line, end) = span
    return types.Range(start=types.Position(start_line, start), end=types.Position(end_line, end))


def utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _value_end(text: str, start: int) -> int:
    """The index after the last character of the value starting at ``start`` (comments cut, quotes respected)."""
    quote: str | None = None
    end = len(text)
    index = start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 2
                continue
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif (char == "#" or text.startswith("//", index)) and (index == 0 or text[index - 1] in " \t"):
            end = index
            break
        index += 1
    value = text[:end].rstrip()
    value = re.sub(r"\s*[,{\[(:]$", "", value) if len(value) > start + 1 else value
    return max(start, len(value))


def message(finding: Finding) -> str:
    """The finding's message with its scenario ("when Stage=prod") and, from an assembly, its construct path."""
    text = finding.message
    if finding.scenario is not None:
        text += f" ({finding.scenario_text})"
    if finding.construct_path:
        text += f" [{finding.construct_path}]"
    return text


def finding_range(finding: Finding, lines: Lines, ends: Ends | None = None) -> types.Range:
    """Where a finding is written: its property's key (or list item) and the whole value, where the property is
    written (``ends``: the buffer's value ends); else (an absent property, located at its resource or an enclosing
    key) that key and what follows it on its line."""
    return as_range(finding_span(finding, lines, ends))


def finding_span(finding: Finding, lines: Lines, ends: Ends | None = None) -> Span:
    """:func:`finding_range` as a :data:`Span`."""
    start = lines.units(finding.line, finding.column)
    text = lines.line(finding.line)
    if ends is not None and _written_here(finding, text[max(0, finding.column - 1):]):
        end = ends.end(finding.line, finding.column)
        if end is not None:
            return start, lines.units(*end)
    elif ends is not None and ends.syntax != "terraform":
        key = _KEY.match(text, max(0, finding.column - 1))
        if key is not None:  # the resource (or an enclosing key) the absent property belongs to: its key alone
            return start, lines.units(finding.line, key.end(1) + 1)
    return lines.value_span(finding.line, finding.column)


#: A YAML or JSON mapping key (plain, or quoted without escapes) and its colon.
_KEY = re.compile(r"""("[^"\\\n]*"|'[^'\n]*'|[^\s"'{}\[\],:#][^{}\[\],:\n]*?)[ \t]*:(?:\s|$)""")


def _written_here(finding: Finding, text: str) -> bool:
    """The finding's own property (or list item) starts ``text``, not an enclosing key it was located at."""
    if finding.property.endswith("]"):
        return True
    name = finding.property.rsplit(".", 1)[-1]
    return bool(name) and text.lstrip("\"'").startswith(name)


def diagnostic(
    finding: Finding, lines: Lines, docs: Mapping[str, str], related: Sequence[types.DiagnosticRelatedInformation] = (),
    ends: Ends | None = None,
) -> types.Diagnostic:
    """One finding as a diagnostic: the rule id as code, its docs link, the severity as SARIF levels map."""
    return make_diagnostic(finding, finding_range(finding, lines, ends), docs.get(finding.rule_id), related)


def make_diagnostic(
    finding: Finding, at: types.Range, href: str | None, related: Sequence[types.DiagnosticRelatedInformation] = ()
) -> types.Diagnostic:
    """One finding as a diagnostic at ``at`` (:func:`diagnostic`)."""
    return types.Diagnostic(
        range=at,
        message=message(finding),
        severity=SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.rule_id,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        related_information=list(related) or None,
        data={"fingerprint": finding.fingerprint},
    )


def error_diagnostic(error: InputError, lines: Lines) -> types.Diagnostic:
    """An input error (a syntax error, a configuration that cannot be used) on its line, or on the first."""
    line = error.line or 1
    return types.Diagnostic(
        range=types.Range(start=lines.position(line, 1), end=lines.position(line, len(lines.line(line)) + 1)),
        message=error.message,
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def notice_diagnostic(notice: Notice) -> types.Diagnostic:
    """A notice (a suppression without a reason, a bound hit): a hint on the first line."""
    return types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
        message=(f"{notice.resource}: " if notice.resource else "") + notice.message,
        severity=types.DiagnosticSeverity.Information,
        source=SOURCE,
    )


def text_edit(edit: Edit, lines: Lines) -> types.TextEdit:
    """A fix's edit as an LSP text edit (code points → UTF-16)."""
    return types.TextEdit(
        range=types.Range(
            start=lines.position(edit.start_line, edit.start_column),
            end=lines.position(edit.end_line, edit.end_column),
        ),
        new_text=edit.text,
    )


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()
