"""What ``cogcheck scan`` does once its arguments are parsed, by typer or by :func:`cogcheck.cli.params.parse_scan`.

Nothing here imports typer: an ordinary scan never loads it. Exits are :class:`SystemExit` (typer lets them through,
and its test runner reads their code).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from cogcheck.cli.params import Color, FailOn, Format, Scenarios

if TYPE_CHECKING:
    from cogcheck.report.formats import Report
    from cogcheck.scan.baseline import Baseline
    from cogcheck.scan.options import ScanOptions
    from cogcheck.scan.result import ScanResult

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
GC_THRESHOLD = 100_000  # allocations between young-generation collections during a scan (Python's default: 700)
#: Bytes read from standard input at most (``cogcheck scan -``); a template is limited to 1 MB by CloudFormation.
MAX_STDIN = 64 * 1024 * 1024


def stderr_line(line: str) -> None:
    """One line on stderr, its input text neutralised (no line breaks, escapes or runner commands)."""
    from cogcheck.report.neutralise import text

    sys.stderr.write(text(line) + "\n")
    sys.stderr.flush()


def usage_error(message: str) -> NoReturn:
    stderr_line(f"cogcheck: error: {message}")
    sys.exit(EXIT_ERROR)


def stdout_closed() -> NoReturn:
    """The reader of the report went away (``cogcheck scan … | head``): the report is incomplete, so exit 2 with one
    line, never a traceback or an internal error; stdout goes to the null device so the final flush cannot fail."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.stderr.write("cogcheck: error: standard output was closed before the whole report was written\n")
    sys.exit(EXIT_ERROR)


def one_line(exc: BaseException) -> str:
    from cogcheck.findings import one_line

    return one_line(exc)


def guarded_scan(values: dict[str, object]) -> NoReturn:
    """:func:`scan` with its unforeseen exceptions as one line on stderr and exit 2 (a crash never exits 1)."""
    try:
        scan(**values)  # type: ignore[arg-type]  # the values of SCAN_PARAMS, whose names and types scan takes
    except BrokenPipeError:
        stdout_closed()
    except Exception as exc:
        usage_error(one_line(exc))


def scan(
    paths: list[str] | None, output_format: Format, output: Path | None, fail_on: FailOn | None,
    config_file: Path | None, isolated: bool, max_file_size: int, select: list[str] | None,
    ignore: list[str] | None, severity: list[str] | None, exclude: list[str] | None, stdin_filename: str | None,
    show_notes: bool, min_severity: FailOn | None, quiet: bool, color: Color, sarif_include_suppressed: bool,
    parameter: list[str] | None, parameters_file: Path | None, scenarios: Scenarios | None, var: list[str] | None,
    var_file: list[Path] | None, tf_root: Path | None, opentofu: bool, region: str | None, account_id: str | None,
    partition: str | None, production: bool, production_stacks: list[str] | None, previous: Path | None,
    source_root: Path | None, trust_cdk_acknowledgements: bool, baseline: Path | None, write_baseline: Path | None,
    show_suppressed: bool, jobs: int | None, rules: list[Path] | None, fix: bool, unsafe_fixes: bool, diff: bool,
) -> NoReturn:
    """The scan command (its parameters are :data:`cogcheck.cli.params.SCAN_PARAMS`, a test checks they agree)."""
    import gc

    # A scan keeps every parsed template's objects alive while it makes many more: with the default thresholds
    # the cyclic collector re-walks them ever more often, and time per client grows with the template (1.5x at
    # 8,000 clients). Freed objects are still freed at once by reference counting.
    gc.set_threshold(GC_THRESHOLD, 50, 100)
    from cogcheck.config.files import config_for
    from cogcheck.config.options import OptionError, build_scan_options
    from cogcheck.report.formats import ReportSettings, github_link_base, render, text_minimum, use_colour
    from cogcheck.scan.pipeline import scan as run_scan

    named = list(paths or ["."])
    try:
        config = config_for(named, config_file, isolated, stdin_filename)
        options = build_scan_options(
            config=config, select=select or [], ignore=ignore or [], severity=severity or [],
            parameters=parameter or [], parameters_file=parameters_file, terraform_vars=var or [],
            terraform_var_files=var_file or [],
            pseudo={"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": partition},
            production=production, production_stacks=production_stacks or [], previous=previous, scan_roots=named,
            excludes=exclude or [], stdin_filename=stdin_filename, read_stdin=_read_stdin, source_root=source_root,
            terraform_root=tf_root, max_file_size_mib=max_file_size, jobs=jobs, opentofu=opentofu,
            scenarios=scenarios.value if scenarios else None,
            rule_dirs=rules or [],
        )
    except OptionError as exc:
        usage_error(str(exc))
    accepted = _load_baseline(baseline) if baseline is not None else None
    options.trust_cdk_acknowledgements = trust_cdk_acknowledgements
    result = run_scan(named, options)
    for error in result.errors:
        stderr_line(f"cogcheck: error: {error}")
    if fix or diff:
        fail_level = fail_on.value if fail_on else (config.get("fail-on", "error") if config else "error")
        result = _apply_fixes(result, options, unsafe_fixes, diff, quiet, fail_level)
    if write_baseline is not None:
        from cogcheck.scan.baseline import BaselineError, from_findings, write_baseline_file

        try:
            write_baseline_file(write_baseline, result.findings, result.inputs)
        except BaselineError as exc:
            usage_error(str(exc))
        if not quiet:
            stderr_line(f"cogcheck: wrote {write_baseline} ({len(result.findings)} findings)")
        accepted = from_findings(result.findings)
    if accepted is not None:
        from cogcheck.scan.baseline import apply_baseline

        result = apply_baseline(result, accepted, str(baseline) if baseline is not None else None)
    threshold = fail_on.value if fail_on else (config.get("fail-on", "error") if config else "error")
    settings = ReportSettings(
        rules=options.enabled_rules, severity=options.severity, source_root=options.source_root, fail_on=threshold,
        show_suppressed=show_suppressed, sarif_include_suppressed=sarif_include_suppressed,
        colour=use_colour(color, output is None and sys.stdout.isatty(), os.environ), quiet=quiet,
        min_severity=text_minimum(show_notes, min_severity.value if min_severity else None, threshold),
        link_base=github_link_base(os.environ),
    )
    _write_report(render(output_format.value, result, settings), output, result.inputs)
    if output is not None and not quiet:  # the report went to a file: the summary line still says how the run went
        from cogcheck.report.text import summary_line

        stderr_line(f"cogcheck: wrote {output}: {summary_line(result)}")
    sys.exit(exit_code(result, threshold))


def _load_baseline(path: Path) -> Baseline:
    """``--baseline FILE`` (the baseline module is imported only by the scans that use one)."""
    from cogcheck.scan.baseline import BaselineError, load_baseline

    try:
        return load_baseline(path)
    except BaselineError as exc:
        usage_error(str(exc))


def _apply_fixes(
    result: ScanResult, options: ScanOptions, unsafe: bool, diff: bool, quiet: bool, fail_on: str
) -> ScanResult:
    """``--fix`` / ``--diff``: fix the files (or print the diff and exit), and the result the files now give."""
    from cogcheck.scan.fixing import fix_result, merged, unified_diff, write_fixes

    outcome = fix_result(result, options, unsafe)
    if not diff and options.stdin is None:
        write_fixes(outcome)
    for problem in outcome.problems:
        stderr_line(f"cogcheck: fix: {problem}")
    if diff:
        sys.stdout.write(unified_diff(outcome.files))
        if not quiet:
            stderr_line(f"cogcheck: {outcome.fixed} fixable, {len(result.findings) - outcome.fixed} remaining "
                        "(nothing changed: --diff)")
        sys.exit(EXIT_FINDINGS if outcome.fixed else EXIT_OK)
    if options.stdin is not None:  # the fixed text goes to standard output; the report to standard error
        text = next((f.after for f in outcome.files if f.file == options.stdin[0]), None)
        sys.stdout.write(text if text is not None else options.stdin[1].decode("utf-8", "replace"))
        fixed = merged(result, outcome)
        if not quiet:
            stderr_line(f"cogcheck: {outcome.fixed} fixed, {len(fixed.findings)} remaining")
        sys.exit(exit_code(fixed, fail_on))
    fixed = merged(result, outcome)
    if not quiet:
        stderr_line(f"cogcheck: {outcome.fixed} fixed, {len(fixed.findings)} remaining")
    return fixed


def _write_report(report: Report, output: Path | None, inputs: set[str]) -> None:
    """The report on stdout, or in ``output`` (atomically, never through a symlink nor over an input)."""
    from cogcheck.report.formats import emit

    if output is None:
        emit(report, sys.stdout)
        return
    from cogcheck.inputs.files import ReadError, write_safely

    try:
        write_safely(output, functools.partial(emit, report), inputs)
    except ReadError as exc:
        usage_error(f"{output}: {exc.message}")


def _read_stdin() -> bytes:
    data = sys.stdin.buffer.read(MAX_STDIN + 1)
    if len(data) > MAX_STDIN:
        usage_error(f"standard input is larger than {MAX_STDIN // (1024 * 1024)} MiB; refusing")
    return data


def exit_code(result: ScanResult, fail_on: str) -> int:
    from cogcheck.findings import SEVERITY_RANK

    if result.errors:
        return EXIT_ERROR
    if fail_on != "never" and any(SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on] for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_OK
