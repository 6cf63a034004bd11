"""``--format json``: the documented contract (version 1)."""

from __future__ import annotations

import json

from cogcheck.report.summary import summary
from cogcheck.scan import ScanResult

VERSION = 1


def render(result: ScanResult) -> str:
    document = {
        "version": VERSION,
        "findings": [finding.as_json() for finding in result.findings],
        "errors": [error.as_json() for error in result.errors],
        "notices": [notice.as_json() for notice in result.notices],
        "summary": summary(result),
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"
