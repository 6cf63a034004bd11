"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=F,line=L,col=C,title=T::message`` (``::warning`` and ``::notice`` for the other levels). Values are
escaped as the Actions toolkit does: ``%``, CR and LF in the message; also ``:`` and ``,`` in properties. Files are
relative to the repository root, like the paths GitHub checks out; a finding traced to a CDK source line inside the
repository is annotated there. Inputs that could not be read are ``::error`` annotations too; notices are plain log
lines. A plain summary line closes the output.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per job) and drops the rest
without a word (actions/toolkit, docs/problem-matchers.md, "Limitations"). So the most severe come first (inputs that
could not be read, then errors, warnings, notes, each in file order), at most :data:`MAX_PER_LEVEL` of each level, and
one plain line then says how many more there are and where they are: the job summary (``--format markdown``) and
code scanning (``--format sarif``).
"""

from __future__ import annotations

from pathlib import Path

from cogcheck.findings import SEVERITIES, Finding
from cogcheck.report import neutralise
from cogcheck.report.sarif import Locator, describe, uses_source
from cogcheck.report.summary import error_phrases, plural, scenario_phrases, summary
from cogcheck.scan.result import ScanResult

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}
LEVELS = SEVERITIES
MAX_PER_LEVEL = 10  # annotations GitHub shows per level and step


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | int | None) -> str:
    """One workflow command line; properties that are ``None`` are left out, the others keep their order."""
    given = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{level}{' ' + given if given else ''}::{escape_data(message)}"


def annotation(finding: Finding, locator: Locator) -> str:
    message = describe(finding)
    if uses_source(finding, locator) and finding.source is not None:
        file, line, column = locator.path(finding.source.file, source=True), finding.source.line, None
        message += f" Template: {locator.path(finding.file)}:{finding.line}."
    else:
        file, line, column = locator.path(finding.file), finding.line, finding.column
    title = f"{finding.rule_id} {finding.rule_name}".strip()
    return command(
        COMMANDS.get(finding.severity, "warning"), message, file=file, line=max(1, line), col=column, title=title
    )


def render(
    result: ScanResult,
    *,
    root: Path | str | None = None,
    cwd: Path | str | None = None,
    source_root: Path | str | None = None,
    max_per_level: int = MAX_PER_LEVEL,
) -> str:
    """``root``, ``cwd`` and ``source_root`` as for :func:`cogcheck.report.sarif.render`; ``max_per_level``: the
    annotations written per level (GitHub's limit per step), the others only counted."""
    result = neutralise.result(result)  # input text: one harmless line each (cogcheck.report.neutralise)
    locator = Locator.create(root, cwd, source_root)
    by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
    for error in result.errors:
        where = locator.path(error.file)
        by_level["error"].append(
            command("error", error.message, file=where, line=error.line, title=f"cogcheck: {error.kind} error")
        )
    for finding in result.findings:
        by_level.get(finding.severity, by_level["warning"]).append(annotation(finding, locator))
    lines: list[str] = []
    left: dict[str, int] = {}
    for level in LEVELS:
        lines += by_level[level][:max_per_level]
        if len(by_level[level]) > max_per_level:
            left[level] = len(by_level[level]) - max_per_level
    # plain lines carry template text too: one line each, so that nothing in them can start a workflow command
    lines += [f"cogcheck: note: {' '.join(str(notice).split())}" for notice in result.notices]
    counts = summary(result)
    levels = ", ".join(plural(n, level) for level, n in counts["by_severity"].items() if n)
    text = "cogcheck: " + plural(counts["findings"], "finding") + (f" ({levels})" if levels else "")
    text += f" in {plural(counts['clients'], 'client')} of {plural(counts['templates'], 'template')}"
    extras = [f"{counts[key]} {key}" for key in ("suppressed", "baselined") if counts[key]]
    extras += error_phrases(result) + scenario_phrases(result)
    if extras:
        text += "; " + ", ".join(extras)
    lines.append(text)
    if left:
        more = ", ".join(plural(n, level) for level, n in left.items())
        lines.append(
            f"cogcheck: {more} more not annotated (GitHub shows {max_per_level} annotations per level in a step); "
            "all findings are in the job summary (--format markdown) and in code scanning (--format sarif)"
        )
    return "\n".join(lines) + "\n"
