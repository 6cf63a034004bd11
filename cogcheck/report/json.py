"""``--format json``: the documented contract (version 1)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, TextIO

from cogcheck.report.stream import Lazy, dump
from cogcheck.report.summary import summary
from cogcheck.scan.result import ScanResult

VERSION = 1


def render(result: ScanResult, show_suppressed: bool = False) -> str:
    """``show_suppressed``: list suppressed findings too, each finding then saying ``suppressed`` and why."""
    out = io.StringIO()
    write(result, out, show_suppressed)
    return out.getvalue()


def write(result: ScanResult, out: TextIO, show_suppressed: bool = False) -> None:
    """:func:`render` written to ``out`` a finding at a time (big reports are never held whole in memory)."""
    findings: Iterable[dict[str, Any]] = (finding.as_json() for finding in result.findings)
    if show_suppressed:
        findings = _with_suppressed(result)
    document = {
        "version": VERSION,
        "findings": Lazy(findings),
        "errors": [error.as_json() for error in result.errors],
        "notices": [notice.as_json() for notice in result.notices],
        "summary": summary(result),
        "config": result.config,  # the configuration file used (None: none)
    }
    dump(document, out)
    out.write("\n")


def _with_suppressed(result: ScanResult) -> list[dict[str, Any]]:
    rows: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        (finding.sort_key(), {**finding.as_json(), "suppressed": False}) for finding in result.findings
    ]
    rows += [
        (finding.sort_key(), {**finding.as_json(), "suppressed": True, "suppression": why.as_json()})
        for finding, why in result.suppressed
    ]
    rows.sort(key=lambda row: row[0])
    return [row for _key, row in rows]
