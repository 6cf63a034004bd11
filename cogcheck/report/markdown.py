"""``--format markdown``: a summary fit for a GitHub job summary (``$GITHUB_STEP_SUMMARY``) or a PR comment.

A headline, a table of counts by rule and severity, then the findings, most severe first, inputs that could not be
read, and notices. Text from templates is escaped so that it cannot turn into Markdown or HTML, nor notify anyone:
an ``@name`` or ``@org/team`` mention gets a zero-width space after its ``@`` (``@&#8203;org/team``; it still reads
``@org/team``), so a pull request cannot page a team through the job summary or a comment.

A GitHub comment holds at most 65,536 characters (a longer body is refused) and a job summary 1 MiB: the report is
kept under :data:`MAX_CHARS` (counted in UTF-8 bytes, which are never fewer than characters) by listing fewer rows
(at most :data:`MAX_ROWS` per table, fewer when needed, cells cut at :data:`MAX_CELL` characters), and each cut table
says how many rows are not shown and where they are.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from cogcheck.findings import SEVERITIES, Finding
from cogcheck.report import neutralise
from cogcheck.report.sarif import Locator, describe, uses_source
from cogcheck.report.summary import error_phrases, plural, scenario_phrases
from cogcheck.scan.result import ScanResult

if TYPE_CHECKING:
    from cogcheck.scan.suppress import Suppression

MAX_ROWS = 200
MAX_CHARS = 65_000  # GitHub's comment limit is 65,536 characters: some room left for a caller's heading
MAX_CELL = 600  # characters of one table cell or list item (a template can hold long values)
LEVELS = SEVERITIES
ERROR_HEADINGS = {"input": "Inputs that could not be read", "parameter": "Parameter values outside AllowedValues"}
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
#: An ``@`` GitHub may read as the start of a mention (not one inside a word, as in an e-mail address).
_MENTION = re.compile(r"(?<![0-9A-Za-z_])@(?=[0-9A-Za-z])")


def escape(text: str) -> str:
    """Plain text for a table cell: one line, Markdown punctuation backslashed (GFM), pipes included, mentions
    broken."""
    return _MENTION.sub("@&#8203;", _SPECIAL.sub(r"\\\1", _cut(" ".join(str(text).split()))))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


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
    max_chars: int = MAX_CHARS,
) -> str:
    """``root``, ``cwd``, ``source_root`` as for :func:`cogcheck.report.sarif.render`.

    ``link_base``: a URL that repository paths are appended to (``https://github.com/OWNER/REPO/blob/SHA/``), to
    link each location. ``max_rows`` rows at most per table; fewer when the text would exceed ``max_chars`` bytes.
    """
    result = neutralise.result(result)  # input text: one harmless line each (cogcheck.report.neutralise)
    text = _render(result, root, cwd, source_root, link_base, show_suppressed, max_rows)
    if len(text.encode()) <= max_chars:
        return text
    low, high = 0, max_rows  # the most rows that fit: rendering is linear, so a binary search stays O(n log n)
    while low < high:
        middle = (low + high + 1) // 2
        if len(_render(result, root, cwd, source_root, link_base, show_suppressed, middle).encode()) <= max_chars:
            low = middle
        else:
            high = middle - 1
    return _render(result, root, cwd, source_root, link_base, show_suppressed, low)


def _render(
    result: ScanResult,
    root: Path | str | None,
    cwd: Path | str | None,
    source_root: Path | str | None,
    link_base: str | None,
    show_suppressed: bool,
    max_rows: int,
) -> str:
    locator = Locator.create(root, cwd, source_root)
    lines = ["## cogcheck", "", _headline(result), ""]
    if result.findings:
        lines += _counts_table(result.findings)
        lines += ["", "### Findings", ""]
        lines += _findings_table([(f, None) for f in result.findings], locator, link_base, max_rows)
    if show_suppressed and result.suppressed:
        lines += ["", f"### Suppressed in templates ({len(result.suppressed)})", ""]
        lines += _findings_table(list(result.suppressed), locator, link_base, max_rows)
    for kind, heading in ERROR_HEADINGS.items():
        errors = [error for error in result.errors if error.kind == kind]
        if errors:
            lines += ["", f"### {heading}", ""]
            lines += [f"- {code(_cut(str(error)))}" for error in errors[:max_rows]]
            lines += _more(len(errors) - max_rows, f"{kind} errors", "the JSON report or the log")
    if result.notices:
        lines += ["", "### Notices", ""]
        lines += [f"- {escape(str(notice))}" for notice in result.notices[:max_rows]]
        lines += _more(len(result.notices) - max_rows, "notices", "the JSON report or the log")
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
    extras += error_phrases(result) + scenario_phrases(result)
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
    lines += _more(len(rows) - max_rows, "findings", "the SARIF or JSON report")
    return lines


def _more(count: int, what: str, where: str) -> list[str]:
    """The line that says what was cut (GitHub's size limit) and where to find it."""
    if count <= 0:
        return []
    return ["", f"… and {count} more {what} not shown, to stay within GitHub's comment size (see {where})."]


def _location(finding: Finding, locator: Locator, link_base: str | None) -> str:
    places = [(finding.file, finding.line, False)]
    if uses_source(finding, locator) and finding.source is not None:
        places.insert(0, (finding.source.file, finding.source.line, True))
    shown = []
    for file, line, source in places:
        path = locator.path(file, source)
        text = code(f"{path}:{line}")
        if link_base and locator.inside(file, source):
            text = f"[{text}]({link_base.rstrip('/')}/{quote(path)}#L{line})"
        shown.append(text)
    return "<br>".join(shown)
