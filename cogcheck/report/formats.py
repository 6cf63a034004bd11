"""The report formats (``--format``): one row of :data:`RENDERERS` each, from a scan result and the reader's choices
(:class:`ReportSettings`) to the report. The CLI picks a row; each report module is imported only when chosen."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from cogcheck.record import Record

if TYPE_CHECKING:
    from cogcheck.engine.rules import Rule
    from cogcheck.scan.result import ScanResult

#: A report: its text, or a function writing it to a stream (JSON and SARIF are written a finding at a time).
Report = str | Callable[[TextIO], None]


class ReportSettings(Record):
    """What the reader chose; each format reads the fields it has a use for. ``rules``: the enabled rules, loaded
    only by the formats that list them; ``severity``: the ``--severity`` overrides (SARIF shows them as configured);
    ``source_root``: CDK source lines are relative to it (default: the git root); ``fail_on``: JUnit's level that
    fails a test case; ``show_suppressed``: JSON, Markdown, text list suppressed findings too, marked;
    ``sarif_include_suppressed``: SARIF keeps suppressed findings, marked with ``suppressions``; ``colour``,
    ``quiet`` (the findings only) and ``min_severity`` (the lowest severity listed; the summary counts the rest):
    text; ``link_base``: Markdown links to files at this URL prefix (a commit on GitHub)."""

    __slots__ = ("colour", "fail_on", "link_base", "min_severity", "quiet", "rules", "sarif_include_suppressed",
                 "severity", "show_suppressed", "source_root")

    def __init__(
        self, rules: Callable[[], Sequence[Rule]] = tuple, severity: Mapping[str, str] | None = None,
        source_root: Path | None = None, fail_on: str = "error", show_suppressed: bool = False,
        sarif_include_suppressed: bool = False, colour: bool = False, quiet: bool = False,
        min_severity: str = "note", link_base: str | None = None,
    ) -> None:
        self.rules: Final = rules
        self.severity: Final[Mapping[str, str]] = {} if severity is None else severity
        self.source_root: Final = source_root
        self.fail_on: Final = fail_on
        self.show_suppressed: Final = show_suppressed
        self.sarif_include_suppressed: Final = sarif_include_suppressed
        self.colour: Final = colour
        self.quiet: Final = quiet
        self.min_severity: Final = min_severity
        self.link_base: Final = link_base


def _text(result: ScanResult, settings: ReportSettings) -> Report:
    from cogcheck.report import text

    return text.render(
        result, colour=settings.colour, quiet=settings.quiet, min_severity=settings.min_severity,
        show_suppressed=settings.show_suppressed,
    )


def _json(result: ScanResult, settings: ReportSettings) -> Report:
    from cogcheck.report import json

    return functools.partial(json.write, result, show_suppressed=settings.show_suppressed)


def _sarif(result: ScanResult, settings: ReportSettings) -> Report:
    from cogcheck.report import sarif

    return functools.partial(
        sarif.write, result, settings.rules(), source_root=settings.source_root, severity=settings.severity,
        include_suppressed=settings.sarif_include_suppressed,
    )


def _github(result: ScanResult, settings: ReportSettings) -> Report:
    from cogcheck.report import github

    return github.render(result, source_root=settings.source_root)


def _markdown(result: ScanResult, settings: ReportSettings) -> Report:
    from cogcheck.report import markdown

    return markdown.render(
        result, source_root=settings.source_root, link_base=settings.link_base, show_suppressed=settings.show_suppressed
    )


def _junit(result: ScanResult, settings: ReportSettings) -> Report:
    from cogcheck.report import junit

    return junit.render(result, settings.rules(), fail_on=settings.fail_on)


def _gitlab(result: ScanResult, settings: ReportSettings) -> Report:
    from cogcheck.report import gitlab

    return gitlab.render(result, source_root=settings.source_root)


def _rdjson(result: ScanResult, settings: ReportSettings) -> Report:
    from cogcheck.report import rdjson

    return rdjson.render(result, source_root=settings.source_root)


#: ``--format`` name → renderer. Paths in every format follow one rule (:class:`cogcheck.report.sarif.Locator`).
RENDERERS: dict[str, Callable[[ScanResult, ReportSettings], Report]] = {
    "text": _text,
    "json": _json,
    "sarif": _sarif,
    "github": _github,
    "markdown": _markdown,
    "junit": _junit,
    "gitlab": _gitlab,
    "rdjson": _rdjson,
}


def render(name: str, result: ScanResult, settings: ReportSettings) -> Report:
    """The report of ``result`` in the format ``name`` (a key of :data:`RENDERERS`)."""
    return RENDERERS[name](result, settings)


def emit(report: Report, out: TextIO) -> None:
    """Write ``report`` to ``out``."""
    if isinstance(report, str):
        out.write(report)
    else:
        report(out)


def github_link_base(environ: Mapping[str, str]) -> str | None:
    """Where GitHub Actions shows the scanned commit's files (``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY``,
    ``GITHUB_SHA``), else None."""
    server, repository, sha = (environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    return f"{server}/{repository}/blob/{sha}/" if server and repository and sha else None


def use_colour(choice: str, stream_is_tty: bool, environ: Mapping[str, str]) -> bool:
    """``--color``: ``always`` / ``never`` as said; ``auto``: no when ``NO_COLOR`` is set and not empty
    (no-color.org), yes when ``FORCE_COLOR`` is (force-color.org), else only on a terminal that is not ``dumb``."""
    if choice == "always":
        return True
    if choice == "never" or environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return stream_is_tty and environ.get("TERM") != "dumb"


def text_minimum(show_notes: bool, min_severity: str | None, fail_on: str) -> str:
    """The lowest severity text output shows: notes are hidden unless asked for, or unless they fail the run."""
    if show_notes:
        return "note"
    if min_severity is not None and min_severity != "never":
        return min_severity
    return "note" if fail_on == "note" else "warning"
