"""``--format json``: the documented contract (version 1)."""

from __future__ import annotations

import json
from typing import Any

from cogcheck.report.summary import summary
from cogcheck.scan.pipeline import ScanResult

VERSION = 1


def render(result: ScanResult, show_suppressed: bool = False) -> str:
    """``show_suppressed``: list suppressed findings too, each finding then saying ``suppressed`` and why."""
    findings = [finding.as_json() for finding in result.findings]
    if show_suppressed:
        findings = _with_suppressed(result)
    document = {
        "version": VERSION,
        "findings": findings,
        "errors": [error.as_json() for error in result.errors],
        "notices": [notice.as_json() for notice in result.notices],
        "summary": summary(result),
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


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
