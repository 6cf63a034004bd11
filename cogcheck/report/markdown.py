"""``--format markdown``: a summary fit for a GitHub job summary (``$GITHUB_STEP_SUMMARY``) or a PR comment.

A headline, a table of counts by rule and severity, then the findings (at most :data:`MAX_ROWS`, so that a PR
comment stays under GitHub's size limit), inputs that could not be read, and notices. Text from templates is escaped
so that it cannot turn into Markdown or HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from cogcheck.findings import Finding
from cogcheck.report.sarif import Locator, describe, uses_source
from cogcheck.report.summary import plural
from cogcheck.scan.pipeline import ScanResult
from cogcheck.scan.suppress import Suppression

MAX_ROWS = 200
LEVELS = ("error", "warning", "note")
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def escape(text: str) -> str:
    """Plain text for a table cell: one line, Markdown punctuation backslashed (GFM), pipes included."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def code(text: str) -> str:
    """An inline code span that survives any backticks in ``text`` (and pipes, inside a table)."""
    text = " ".join(str(text).split()).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render(
    result: ScanResult,
    *,
    root: Path | str | None = None,
    cwd: Path | str | None = None,
    source_root: Path | str | None = None,
    link_base: str | None = None,
    show_suppressed: bool = False,
    max_rows: int = MAX_ROWS,
) -> str:
    """``root``, ``cwd``, ``source_root`` as for :func:`cogcheck.report.sarif.render`.

    ``link_base``: a URL that repository paths are appended to (``https://github.com/OWNER/REPO/blob/SHA/``), to
    link each location.
    """
    locator = Locator.create(root, cwd, source_root)
    lines = ["## cogcheck", "", _headline(result), ""]
    if result.findings:
        lines += _counts_table(result.findings)
        lines += ["", "### Findings", ""]
        lines += _findings_table([(f, None) for f in result.findings], locator, link_base, max_rows)
    if show_suppressed and result.suppressed:
        lines += ["", f"### Suppressed in templates ({len(result.suppressed)})", ""]
        lines += _findings_table(list(result.suppressed), locator, link_base, max_rows)
    if result.errors:
        lines += ["", "### Inputs that could not be read", ""]
        lines += [f"- {code(str(error))}" for error in result.errors]
    if result.notices:
        lines += ["", "### Notices", ""]
        lines += [f"- {escape(str(notice))}" for notice in result.notices]
    return "\n".join(lines).rstrip("\n") + "\n"


def _headline(result: ScanResult) -> str:
    scope = f"{plural(result.clients, 'client')} of {plural(result.templates, 'template')}"
    if result.findings:
        by_severity = Counter(f.severity for f in result.findings)
        levels = ", ".join(plural(by_severity[level], level) for level in LEVELS if by_severity[level])
        text = f"**{plural(len(result.findings), 'finding')}** ({levels}) in {scope}."
    else:
        text = f"**No findings** in {scope}."
    extras = []
    if result.suppressed:
        extras.append(f"{len(result.suppressed)} suppressed in templates")
    if result.baselined:
        extras.append(f"{len(result.baselined)} in the baseline")
    if result.errors:
        extras.append(f"{plural(len(result.errors), 'input')} could not be read")
    if extras:
        text += " " + "; ".join(extras) + "."
    return text


def _counts_table(findings: list[Finding]) -> list[str]:
    names: dict[str, str] = {}
    per_rule: dict[str, Counter[str]] = {}
    for finding in findings:
        names.setdefault(finding.rule_id, finding.rule_name)
        per_rule.setdefault(finding.rule_id, Counter())[finding.severity] += 1
    lines = ["| Rule | Name | Errors | Warnings | Notes | Total |", "|:--|:--|--:|--:|--:|--:|"]
    totals: Counter[str] = Counter()
    for rule_id in sorted(per_rule):
        row = per_rule[rule_id]
        totals.update(row)
        cells = " | ".join(str(row[level]) for level in LEVELS)
        lines.append(f"| {rule_id} | {escape(names[rule_id])} | {cells} | {sum(row.values())} |")
    cells = " | ".join(f"**{totals[level]}**" for level in LEVELS)
    lines.append(f"| **Total** | | {cells} | **{sum(totals.values())}** |")
    return lines


def _findings_table(
    rows: list[tuple[Finding, Suppression | None]], locator: Locator, link_base: str | None, max_rows: int
) -> list[str]:
    suppressed = any(why is not None for _f, why in rows)
    header = "| Severity | Rule | Location | Message |" + (" Reason |" if suppressed else "")
    lines = [header, "|:--|:--|:--|:--|" + (":--|" if suppressed else "")]
    rank = {level: position for position, level in enumerate(LEVELS)}
    rows = sorted(rows, key=lambda row: rank.get(row[0].severity, len(LEVELS)))  # stable: errors first, then by file
    for finding, why in rows[:max_rows]:
        cells = [finding.severity, finding.rule_id, _location(finding, locator, link_base), escape(describe(finding))]
        if suppressed:
            cells.append(escape(why.justification) if why is not None else "")
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > max_rows:
        lines += ["", f"… and {len(rows) - max_rows} more (see the SARIF or JSON report)."]
    return lines


def _location(finding: Finding, locator: Locator, link_base: str | None) -> str:
    places = [(finding.file, finding.line, False)]
    if uses_source(finding, locator) and finding.source is not None:
        places.insert(0, (finding.source.file, finding.source.line, True))
    shown = []
    for file, line, source in places:
        path = locator.path(file, source)
        text = code(f"{path}:{line}")
        if link_base and not Path(path).is_absolute():
            text = f"[{text}]({link_base.rstrip('/')}/{quote(path)}#L{line})"
        shown.append(text)
    return "<br>".join(shown)
