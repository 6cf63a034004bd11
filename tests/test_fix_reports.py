"""Fixes in the text report: ruff's ``[*]`` on what ``--fix`` fixes, and the summary's count of fixable findings."""

from __future__ import annotations

from cogcheck.findings import Edit, Fix
from cogcheck.report.text import render, summary_line
from cogcheck.scan.result import ScanResult
from tests.helpers import make_finding

EDITS = (Edit("templates/auth.yaml", 7, 7, 7, 9, "60"),)


def test_safe_fixes_are_marked_and_counted() -> None:
    result = ScanResult(findings=[
        make_finding(resource="A", fix=Fix("safe", "write 60", EDITS)),
        make_finding(resource="B", fix=Fix("unsafe", "write 60", EDITS)),
        make_finding(resource="C", fix_declined="the value comes from parameter Stage"),
    ])
    lines = render(result).splitlines()
    marked = [line for line in lines if " [*] " in line and line.endswith("]")]
    assert len(marked) == 1 and marked[0].endswith("[A]") and ": COG-E001 [*] error " in marked[0]
    assert lines[-1].endswith("; [*] 1 fixable with --fix (1 more with --fix --unsafe-fixes)")


def test_no_fix_no_hint_and_unsafe_alone_named() -> None:
    assert "fixable" not in summary_line(ScanResult(findings=[make_finding()]))
    unsafe = ScanResult(findings=[make_finding(fix=Fix("unsafe", "d", EDITS))])
    assert summary_line(unsafe).endswith("; 1 fixable with --fix --unsafe-fixes")
    assert "[*]" not in render(unsafe)
