"""``--format text``: ``file:line:col: RULE severity message [Resource]``, grouped by file, then a summary.

A finding with a safe fix is marked ``[*]`` after its rule id, as ruff marks what ``--fix`` fixes; the summary says
how many ``--fix`` would fix, and how many more ``--unsafe-fixes`` would."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from cogcheck.report import neutralise
from cogcheck.report.summary import error_phrases, plural, scenario_phrases, summary
from cogcheck.scan.result import ScanResult

if TYPE_CHECKING:
    from cogcheck.findings import Finding
    from cogcheck.scan.suppress import Suppression

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m", "dim": "\033[2m", "bold": "\033[1m"}
_RESET = "\033[0m"


def render(
    result: ScanResult,
    colour: bool = False,
    quiet: bool = False,
    min_severity: str = "note",
    show_suppressed: bool = False,
) -> str:
    """``quiet``: the findings only, without notices and the summary line. Findings below ``min_severity`` are not
    listed; the summary still counts them and says how many were hidden (the CLI hides notes by default, as
    cfn-lint hides informational findings). ``show_suppressed``: list the findings suppressed in templates (or
    acknowledged in CDK) too, after the active ones, each line starting ``suppressed:`` and ending with why."""
    from cogcheck.findings import SEVERITY_RANK

    def paint(text: str, style: str) -> str:
        return f"{_COLOURS[style]}{text}{_RESET}" if colour else text

    def line(f: Finding) -> str:
        where = f"{f.resource}"
        if f.construct_path:
            where = f"{f.construct_path}"
        if f.stack and not (f.construct_path or "").startswith(f.stack + "/"):
            where = f"{f.stack}: {where}"  # a construct path that starts with its stack's says it already
        extra = ""
        if f.scenario:
            extra += f" ({f.scenario_text})"
        if f.source:
            extra += paint(f" at {f.source.file}:{f.source.line}", "dim")
        marker = " [*]" if f.fix is not None and f.fix.applicability == "safe" else ""
        return (
            f"{f.file}:{f.line}:{f.column}: {f.rule_id}{marker} {paint(f.severity, f.severity)} {f.message}{extra} "
            + paint(f"[{where}]", "dim")
        )

    result = neutralise.result(result)  # input text: one harmless line each (cogcheck.report.neutralise)
    floor = SEVERITY_RANK.get(min_severity, 1)
    shown = [f for f in result.findings if SEVERITY_RANK[f.severity] >= floor]
    hidden = len(result.findings) - len(shown)
    lines: list[str] = []
    for file, group in groupby(shown, key=lambda f: f.file):
        lines.append(paint(file, "bold"))
        lines += [line(f) for f in group]
        lines.append("")
    if show_suppressed:
        for f, why in result.suppressed:
            if SEVERITY_RANK[f.severity] >= floor:
                lines.append(paint("suppressed: ", "dim") + line(f) + paint(f" ({_why(why)})", "dim"))
        if lines and lines[-1]:
            lines.append("")
    if quiet:
        return "\n".join(lines).rstrip("\n") + "\n" if lines else ""
    for notice in result.notices:
        lines.append(paint(f"note: {notice}", "dim"))
    lines.append(paint(summary_line(result, hidden, min_severity), "bold"))
    return "\n".join(lines) + "\n"


def summary_line(result: ScanResult, hidden: int = 0, min_severity: str = "note") -> str:
    """``3 findings (1 error, 2 warnings) in 2 clients of 1 template; …``: the text report's last line (``hidden``:
    findings below ``min_severity`` that it did not list)."""
    counts = summary(result)
    levels = ", ".join(plural(n, level) for level, n in counts["by_severity"].items() if n)
    text = plural(counts["findings"], "finding") + (f" ({levels})" if levels else "")
    text += f" in {plural(counts['clients'], 'client')} of {plural(counts['templates'], 'template')}"
    acknowledged = sum(1 for _finding, why in result.suppressed if why.source == "cdk")
    if counts.get("suppressed", 0) - acknowledged:
        text += f"; {counts['suppressed'] - acknowledged} suppressed in the template"
    if acknowledged:
        text += f"; {acknowledged} acknowledged in CDK"
    if counts.get("baselined"):
        text += f"; {counts['baselined']} in the baseline"
    if hidden:
        below = "notes" if min_severity == "warning" else f"findings below {min_severity}"
        text += f"; {hidden} {below} not shown (--show-notes or --min-severity note shows them)"
    text += "".join(f"; {phrase}" for phrase in error_phrases(result))
    text += "".join(f"; {phrase}" for phrase in scenario_phrases(result))
    text += fixable_phrase(result)
    if result.config:
        text += f"; configuration {result.config}"
    return text


def fixable_phrase(result: ScanResult) -> str:
    """``; [*] 2 fixable with --fix (1 more with --fix --unsafe-fixes)``, or nothing when no finding has a fix."""
    safe = sum(1 for f in result.findings if f.fix is not None and f.fix.applicability == "safe")
    unsafe = sum(1 for f in result.findings if f.fix is not None) - safe
    if safe and unsafe:
        return f"; [*] {safe} fixable with --fix ({unsafe} more with --fix --unsafe-fixes)"
    if safe:
        return f"; [*] {safe} fixable with --fix"
    return f"; {unsafe} fixable with --fix --unsafe-fixes" if unsafe else ""


def _why(why: Suppression) -> str:
    """Where a finding was suppressed, and the reason given."""
    if why.source == "cdk":
        return f"acknowledged in CDK: {why.justification}"
    if why.source == "cfn-lint":
        return why.justification  # it names cfn-lint's ignore_checks when no reason is given
    return f"{why.id} ignored in the {why.scope}: {why.justification}"
