"""Diagnostics as they are sent, made once per finding: a change re-checks the whole buffer, but most of its findings
come back the same, at the same place, so their diagnostics (and the JSON-ready data pygls encodes them from) are
those of the document's last publish.

A diagnostic is reused only when everything it holds is equal: the rule, severity, message (scenario and construct
path included), fingerprint, documentation link, range and related locations; anything else makes a new one. Memory:
the diagnostics of each open document's last publish.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.protocol import default_converter

from cogcheck.findings import Finding
from cogcheck.lsp import convert
from cogcheck.lsp.related import Place, ResourceIndex, describe
from cogcheck.lsp.spans import Ends

if TYPE_CHECKING:
    from cattrs import Converter

_Key = tuple[Any, ...]


class Published:
    """Each document's diagnostics of its last publish, by what they hold; the converter pygls encodes with."""

    def __init__(self) -> None:
        self._documents: dict[str, dict[_Key, types.Diagnostic]] = {}
        #: id → (a diagnostic of some document's last publish, its unstructured data once encoded)
        self._data: dict[int, tuple[types.Diagnostic, Any]] = {}

    def converter(self) -> Converter:
        """lsprotocol's converter (pygls's default), which unstructures a diagnostic of the last publish once."""
        converter: Converter = default_converter()  # type: ignore[no-untyped-call]
        base: Callable[[types.Diagnostic], Any] = converter.get_unstructure_hook(types.Diagnostic)
        data = self._data

        def unstructure(diagnostic: types.Diagnostic) -> Any:
            kept = data.get(id(diagnostic))
            if kept is None or kept[0] is not diagnostic:
                return base(diagnostic)
            if kept[1] is None:
                kept = data[id(diagnostic)] = (diagnostic, base(diagnostic))
            return kept[1]

        converter.register_unstructure_hook(types.Diagnostic, unstructure)
        return converter

    def diagnostics(
        self, uri: str, findings: list[Finding], lines: convert.Lines, docs: Mapping[str, str], ends: Ends,
        index: ResourceIndex | None,
    ) -> list[types.Diagnostic]:
        """The findings' diagnostics, those equal to one of the last publish of ``uri`` reused."""
        before = self._documents.get(uri, {})
        now: dict[_Key, types.Diagnostic] = {}
        made = []
        for finding in findings:
            span = convert.finding_span(finding, lines, ends)
            named = index.named(finding) if index is not None else []
            client = finding.extra.get("client")
            key = (
                finding.rule_id, finding.severity, convert.message(finding), finding.fingerprint,
                docs.get(finding.rule_id), span, tuple(named), client if isinstance(client, str) else None,
            )
            diagnostic = now.get(key) or before.get(key)
            if diagnostic is None:
                related = [_related(uri, name, place, finding, lines) for name, place in named]
                diagnostic = convert.make_diagnostic(finding, convert.as_range(span), key[4], related)
            now[key] = diagnostic
            made.append(diagnostic)
        self._replace(uri, now)
        return made

    def forget(self, uri: str) -> None:
        """A closed document: its diagnostics are not kept."""
        self._replace(uri, {})

    def _replace(self, uri: str, now: dict[_Key, types.Diagnostic]) -> None:
        kept = {id(d) for d in now.values()}
        for diagnostic in self._documents.get(uri, {}).values():
            if id(diagnostic) not in kept:
                self._data.pop(id(diagnostic), None)
        for diagnostic in now.values():
            self._data.setdefault(id(diagnostic), (diagnostic, None))
        if now:
            self._documents[uri] = now
        else:
            self._documents.pop(uri, None)


def _related(
    uri: str, name: str, place: Place, finding: Finding, lines: convert.Lines
) -> types.DiagnosticRelatedInformation:
    """Where another resource a finding names is written (:mod:`cogcheck.lsp.related`)."""
    start = lines.position(place.line, place.column)
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=uri, range=types.Range(start=start, end=start)),
        message=describe(name, place, finding),
    )
