"""The command line: thin wiring of options to :mod:`cogcheck.scan.pipeline` and the reports.

Only typer is imported at start-up; everything else is imported by the command that needs it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional, ParamSpec

import typer

from cogcheck import __version__

if TYPE_CHECKING:
    from cogcheck.report.formats import Report
    from cogcheck.scan.options import ScanOptions
    from cogcheck.scan.result import ScanResult

app = typer.Typer(
    name="cogcheck",
    help="Find what Cognito would reject, and what is insecure, in the user pool clients of CloudFormation templates,"
    " CDK apps and Terraform / OpenTofu configurations.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: every option name whole at 80 columns, `[default: …]` kept as text
)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
MAX_FILE_SIZE_MB = 32  # cogcheck.inputs.files.MAX_FILE_SIZE, in MiB (not imported: start-up stays light)
GC_THRESHOLD = 100_000  # allocations between young-generation collections during a scan (Python's default: 700)


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    markdown = "markdown"
    junit = "junit"
    gitlab = "gitlab"
    rdjson = "rdjson"


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    note = "note"
    never = "never"


class Scenarios(StrEnum):
    all = "all"
    defaults = "defaults"


class ListFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _stderr(line: str) -> None:
    """One line on stderr, its input text neutralised (no line breaks, escapes or runner commands)."""
    from cogcheck.report.neutralise import text

    typer.echo(text(line), err=True)


def _usage_error(message: str) -> NoReturn:
    _stderr(f"cogcheck: error: {message}")
    raise typer.Exit(EXIT_ERROR)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cogcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """cogcheck: a static policy checker for Cognito user pool clients."""


P = ParamSpec("P")
# click's own exceptions (usage errors) pass through. Typer ≥ 0.28 vendors click (typer._click) and does not install
# it, so it is never imported by name: BadParameter → UsageError → ClickException in either layout.
_ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


def _guarded(command: Callable[P, None]) -> Callable[P, None]:
    """A command whose unforeseen exceptions become one line on stderr and exit 2 (a crash never exits 1)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except (typer.Exit, typer.Abort, _ClickException):
            raise
        except BrokenPipeError:
            _stdout_closed()
        except Exception as exc:
            _usage_error(_one_line(exc))

    return run


def _stdout_closed() -> NoReturn:
    """The reader of the report went away (``cogcheck scan … | head``): the report is incomplete, so exit 2 with one
    line, never a traceback or an internal error; stdout goes to the null device so the final flush cannot fail."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.stderr.write("cogcheck: error: standard output was closed before the whole report was written\n")
    sys.exit(EXIT_ERROR)


@app.command()
@_guarded
def scan(
    paths: Annotated[
        Optional[list[str]], typer.Argument(
            metavar="[PATH]...", help="Files and directories (default: .); - reads standard input.",
        )
    ] = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[
        Optional[Path],
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write the report to FILE; the summary line goes to stderr."
        ),
    ] = None,
    fail_on: Annotated[
        Optional[FailOn],
        typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity [default: error]."),
    ] = None,
    config_file: Annotated[
        Optional[Path], typer.Option(
            "--config", metavar="FILE", help="Configuration file (default: found from the path upwards).",
        )
    ] = None,
    isolated: Annotated[
        bool,
        typer.Option(
            "--isolated",
            help="Find no configuration file (.cogcheck.yaml, pyproject.toml): only --config, if given, is read. "
            "What a CI gate on pull requests should use.",
        ),
    ] = False,
    max_file_size: Annotated[
        int,
        typer.Option(
            "--max-file-size", metavar="MB",
            help="Inputs larger than this many MiB are errors, never read (see docs/limits.md).",
        ),
    ] = MAX_FILE_SIZE_MB,
    select: Annotated[
        Optional[list[str]],
        typer.Option(
            "--select", metavar="ID|PREFIX",
            help="Only these rule ids or prefixes, comma-separated or repeated (COG-E, W92).",
        ),
    ] = None,
    ignore: Annotated[
        Optional[list[str]], typer.Option(
            "--ignore", metavar="ID|PREFIX", help="Skip these rule ids or prefixes (comma lists too).",
        )
    ] = None,
    severity: Annotated[
        Optional[list[str]],
        typer.Option(
            "--severity", metavar="ID=LEVEL",
            help="Override severities: ID=error|warning|note; ID may be a prefix (COG-S).",
        ),
    ] = None,
    exclude: Annotated[
        Optional[list[str]],
        typer.Option(
            "--exclude", metavar="GLOB",
            help="Never read files or directories matching GLOB (repeatable; also `exclude` in the configuration).",
        ),
    ] = None,
    stdin_filename: Annotated[
        Optional[str],
        typer.Option("--stdin-filename", metavar="PATH", help="With -: the path the standard input stands for."),
    ] = None,
    show_notes: Annotated[
        bool, typer.Option("--show-notes", help="Text: show notes too (hidden by default; the summary counts them).")
    ] = False,
    min_severity: Annotated[
        Optional[FailOn],
        typer.Option(
            "--min-severity",
            help="Text: show findings at or above this severity [default: warning, or note with --fail-on note].",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No notices and no summary line: text lists only the findings; stderr only errors."
        ),
    ] = False,
    color: Annotated[
        Color,
        typer.Option("--color", help="Colour text output: auto (a terminal; NO_COLOR and FORCE_COLOR honoured)."),
    ] = Color.auto,
    sarif_include_suppressed: Annotated[
        bool,
        typer.Option(
            "--sarif-include-suppressed",
            help="SARIF: keep findings suppressed in templates, marked (GitHub ignores the mark, so off by default).",
        ),
    ] = False,
    parameter: Annotated[
        Optional[list[str]], typer.Option(
            "--parameter", "-p", metavar="KEY=VALUE", help="A template parameter's value (repeatable).",
        )
    ] = None,
    parameters_file: Annotated[
        Optional[Path],
        typer.Option(
            "--parameters-file", metavar="FILE", help="Parameter values (CloudFormation CLI JSON or a mapping).",
        ),
    ] = None,
    scenarios: Annotated[
        Optional[Scenarios],
        typer.Option(
            "--scenarios",
            help="Deployments to judge: all (each allowed parameter value, each undecided condition) or defaults "
            "(the parameters' defaults only) [default: all, or the configuration's scenarios].",
        ),
    ] = None,
    var: Annotated[
        Optional[list[str]],
        typer.Option("--var", metavar="NAME=VALUE", help="Terraform: a root module variable's value (repeatable)."),
    ] = None,
    var_file: Annotated[
        Optional[list[Path]],
        typer.Option("--var-file", metavar="FILE", help="Terraform: a .tfvars or .tfvars.json file (repeatable)."),
    ] = None,
    tf_root: Annotated[
        Optional[Path],
        typer.Option("--tf-root", metavar="DIR", help="Terraform plan JSON: its configuration, for .tf lines."),
    ] = None,
    opentofu: Annotated[
        bool,
        typer.Option(
            "--opentofu",
            help="Terraform directories are deployed with OpenTofu: a .tofu file hides the .tf file of its name.",
        ),
    ] = False,
    region: Annotated[Optional[str], typer.Option("--region", metavar="REGION", help="Value of AWS::Region.")] = None,
    account_id: Annotated[
        Optional[str], typer.Option("--account-id", metavar="ID", help="Value of AWS::AccountId."),
    ] = None,
    partition: Annotated[
        Optional[str], typer.Option("--partition", metavar="NAME", help="Value of AWS::Partition."),
    ] = None,
    production: Annotated[
        bool, typer.Option("--production", help="Treat every input as a production template (COG-S009).")
    ] = False,
    production_stacks: Annotated[
        Optional[list[str]],
        typer.Option(
            "--production-stacks",
            metavar="PATTERN",
            help="Inputs whose stack name or file path match this glob are production (repeatable).",
        ),
    ] = None,
    previous: Annotated[
        Optional[Path],
        typer.Option(
            "--previous", metavar="PATH",
            help="Previous version of the scanned template, or a directory mirroring the scanned one (COG-S020).",
        ),
    ] = None,
    source_root: Annotated[
        Optional[Path],
        typer.Option(
            "--source-root",
            metavar="DIR",
            help="CDK apps: show source lines relative to DIR (default: the git root above each cdk.out).",
        ),
    ] = None,
    trust_cdk_acknowledgements: Annotated[
        bool,
        typer.Option(
            "--trust-cdk-acknowledgements",
            help="CDK apps: honour the acknowledgements recorded in cdk.out (only for one this job synthesised).",
        ),
    ] = False,
    baseline: Annotated[
        Optional[Path],
        typer.Option("--baseline", metavar="FILE", help="Report only findings not recorded in this baseline file."),
    ] = None,
    write_baseline: Annotated[
        Optional[Path],
        typer.Option("--write-baseline", metavar="FILE", help="Record the current findings as the baseline FILE."),
    ] = None,
    show_suppressed: Annotated[
        bool,
        typer.Option(
            "--show-suppressed", help="List suppressed findings too, marked (text, json, markdown)."
        ),
    ] = False,
    jobs: Annotated[
        Optional[int],
        typer.Option(
            "--jobs", "-j", metavar="N",
            help="Scan in N processes (default: the usable CPUs less the one-minute load average, at least 1; "
            "the report is the same for any N).",
        ),
    ] = None,
    rules: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--rules", metavar="DIR",
            help="Also run the rule pack DIR (its *.yaml rule files; repeatable; also `rules` in the configuration).",
        ),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix", help="Apply the safe fixes to the files (with -: print the fixed text); report what remains.",
        ),
    ] = False,
    unsafe_fixes: Annotated[
        bool, typer.Option("--unsafe-fixes", help="With --fix or --diff: the fixes that change behaviour too."),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff", help="Print the fixes as a unified diff and change nothing (exit 1 when there is one).",
        ),
    ] = False,
) -> None:
    """Scan CloudFormation and SAM templates, CDK cloud assemblies (cdk.out) and Terraform / OpenTofu
    configurations and plan JSON for user pool client problems."""
    import gc

    # A scan keeps every parsed template's objects alive while it makes many more: with the default thresholds
    # the cyclic collector re-walks them ever more often, and time per client grows with the template (1.5x at
    # 8,000 clients). Freed objects are still freed at once by reference counting.
    gc.set_threshold(GC_THRESHOLD, 50, 100)
    from cogcheck.config.files import config_for
    from cogcheck.config.options import OptionError, build_scan_options
    from cogcheck.report.formats import ReportSettings, github_link_base, render, text_minimum, use_colour
    from cogcheck.scan.baseline import BaselineError, apply_baseline, from_findings, load_baseline, write_baseline_file
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
        accepted = load_baseline(baseline) if baseline is not None else None
    except (OptionError, BaselineError) as exc:
        _usage_error(str(exc))
    options.trust_cdk_acknowledgements = trust_cdk_acknowledgements
    result = run_scan(named, options)
    for error in result.errors:
        _stderr(f"cogcheck: error: {error}")
    if fix or diff:
        fail_level = fail_on.value if fail_on else (config.get("fail-on", "error") if config else "error")
        result = _apply_fixes(result, options, unsafe_fixes, diff, quiet, fail_level)
    if write_baseline is not None:
        try:
            write_baseline_file(write_baseline, result.findings, result.inputs)
        except BaselineError as exc:
            _usage_error(str(exc))
        if not quiet:
            _stderr(f"cogcheck: wrote {write_baseline} ({len(result.findings)} findings)")
        accepted = from_findings(result.findings)
    if accepted is not None:
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

        _stderr(f"cogcheck: wrote {output}: {summary_line(result)}")
    raise typer.Exit(exit_code(result, threshold))


def _apply_fixes(
    result: ScanResult, options: ScanOptions, unsafe: bool, diff: bool, quiet: bool, fail_on: str
) -> ScanResult:
    """``--fix`` / ``--diff``: fix the files (or print the diff and exit), and the result the files now give."""
    from cogcheck.scan.fixing import fix_result, merged, unified_diff, write_fixes

    outcome = fix_result(result, options, unsafe)
    if not diff and options.stdin is None:
        write_fixes(outcome)
    for problem in outcome.problems:
        _stderr(f"cogcheck: fix: {problem}")
    if diff:
        sys.stdout.write(unified_diff(outcome.files))
        if not quiet:
            _stderr(f"cogcheck: {outcome.fixed} fixable, {len(result.findings) - outcome.fixed} remaining "
                    "(nothing changed: --diff)")
        raise typer.Exit(EXIT_FINDINGS if outcome.fixed else EXIT_OK)
    if options.stdin is not None:  # the fixed text goes to standard output; the report to standard error
        text = next((f.after for f in outcome.files if f.file == options.stdin[0]), None)
        sys.stdout.write(text if text is not None else options.stdin[1].decode("utf-8", "replace"))
        fixed = merged(result, outcome)
        if not quiet:
            _stderr(f"cogcheck: {outcome.fixed} fixed, {len(fixed.findings)} remaining")
        raise typer.Exit(exit_code(fixed, fail_on))
    fixed = merged(result, outcome)
    if not quiet:
        _stderr(f"cogcheck: {outcome.fixed} fixed, {len(fixed.findings)} remaining")
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
        _usage_error(f"{output}: {exc.message}")


#: Bytes read from standard input at most (``cogcheck scan -``); a template is limited to 1 MB by CloudFormation.
MAX_STDIN = 64 * 1024 * 1024


def _read_stdin() -> bytes:
    data = sys.stdin.buffer.read(MAX_STDIN + 1)
    if len(data) > MAX_STDIN:
        _usage_error(f"standard input is larger than {MAX_STDIN // (1024 * 1024)} MiB; refusing")
    return data


def exit_code(result: ScanResult, fail_on: str) -> int:
    from cogcheck.findings import SEVERITY_RANK

    if result.errors:
        return EXIT_ERROR
    if fail_on != "never" and any(SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on] for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_OK


_RULES_OPTION = typer.Option(
    "--rules", metavar="DIR", help="Also list the rule pack DIR (repeatable; also `rules` in the configuration)."
)
_CONFIG_OPTION = typer.Option(
    "--config", help="Configuration file whose rule packs to include (default: found from here upwards)."
)
_ISOLATED_OPTION = typer.Option("--isolated", help="Find no configuration file: only --config, if given, is read.")


def _all_rules(rule_dirs: list[Path] | None, config_file: Path | None, isolated: bool) -> list[Any]:
    """The shipped rules and those of the rule packs the configuration and ``--rules`` name (usage error if broken)."""
    from cogcheck.config.files import config_for
    from cogcheck.config.options import OptionError, load_user_rules, rule_settings
    from cogcheck.engine.rules import load_rules

    try:
        config = config_for(["."], config_file, isolated, None)
        user = load_user_rules(config, rule_dirs or [])
        rule_settings(config, user)  # the policy table and the packs' declarations must agree, as for a scan
    except OptionError as exc:
        _usage_error(str(exc))
    return [*load_rules(), *user]


@app.command("rules")
def list_rules(
    output_format: Annotated[ListFormat, typer.Option("--format", "-f", help="Listing format.")] = ListFormat.text,
    rule_dirs: Annotated[Optional[list[Path]], _RULES_OPTION] = None,
    config_file: Annotated[Optional[Path], _CONFIG_OPTION] = None,
    isolated: Annotated[bool, _ISOLATED_OPTION] = False,
) -> None:
    """List every rule: id, name, severity, summary (rule packs' rules after the shipped ones)."""
    import json

    from cogcheck.report.ruledocs import render_reference, rule_summary

    rules = _all_rules(rule_dirs, config_file, isolated)
    if output_format is ListFormat.json:
        typer.echo(json.dumps([rule_summary(rule) for rule in rules], indent=2))
    elif output_format is ListFormat.markdown:
        sys.stdout.write(render_reference(rules))
    else:
        width = max(len(rule.name) for rule in rules)
        id_width = max(len(rule.id) for rule in rules)
        for rule in rules:
            typer.echo(f"{rule.id:<{id_width}}  {rule.name:<{width}}  {rule.severity:<7}  {rule.summary}")


@app.command("rule")
def show_rule(
    rule_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="A rule id (COG-E001), its cfn-lint id at any level (E9101, W9113), name, or a prefix."
        ),
    ],
    rule_dirs: Annotated[Optional[list[Path]], _RULES_OPTION] = None,
    config_file: Annotated[Optional[Path], _CONFIG_OPTION] = None,
    isolated: Annotated[bool, _ISOLATED_OPTION] = False,
) -> None:
    """Show a rule's documentation (a prefix lists the rules it selects, as --select does)."""
    from cogcheck.engine.rules import id_matches, rule_id_of
    from cogcheck.report.ruledocs import render_rule

    rules = _all_rules(rule_dirs, config_file, isolated)
    wanted = rule_id.strip()
    exact = rule_id_of(wanted) or wanted.upper()
    for rule in rules:
        if exact == rule.id or wanted.lower() == rule.name:
            sys.stdout.write(render_rule(rule))
            return
    matching = [rule for rule in rules if id_matches(rule.id, wanted)] if wanted else []
    if not matching:
        _usage_error(f"unknown rule {rule_id!r} (see `cogcheck rules`)")
    for rule in matching:
        typer.echo(f"{rule.id}  {rule.name}  {rule.severity}  {rule.summary}")


@app.command("test-rules")
@_guarded
def test_rules(
    directory: Annotated[Path, typer.Argument(help="A rule pack: a directory of rule files (*.yaml).")],
    fixtures: Annotated[
        Optional[Path],
        typer.Option("--fixtures", metavar="DIR", help="The annotated templates [default: DIR/fixtures]."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the failed expectations.")] = False,
) -> None:
    """Test a rule pack: its fixtures' `# ruleid:` annotations, and each rule's docs example (must fire) and
    use_instead (must not). Exit 1 when an expectation fails, 2 when the pack cannot be loaded."""
    from cogcheck.scan.ruletest import RuleTestError, run_rule_tests

    try:
        outcome = run_rule_tests(directory, fixtures)
    except RuleTestError as exc:
        _usage_error(str(exc))
    for failure in outcome.failures:
        typer.echo(_neutral(failure))
    if not quiet:
        typer.echo(_neutral(outcome.summary()))
    raise typer.Exit(EXIT_FINDINGS if outcome.failures else EXIT_OK)



@app.command("lsp")
@_guarded
def lsp(
    isolated: Annotated[
        bool, typer.Option("--isolated", help="Read no configuration file (the shipped defaults for every file).")
    ] = False,
) -> None:
    """Run the Language Server over stdio: diagnostics, quick fixes and rule docs in the editor for CloudFormation
    templates and Terraform / OpenTofu files (see docs/editors.md). Needs the `lsp` extra (pygls)."""
    try:
        from cogcheck.lsp.server import serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        _usage_error("cogcheck lsp needs pygls, which the lsp extra installs: pip install 'cogcheck[lsp]'")

    serve(isolated=isolated)

def _neutral(line: str) -> str:
    from cogcheck.report.neutralise import text

    return text(line)


def main() -> None:
    """The console script: anything unforeseen is one line on stderr and exit 2, never a traceback nor exit 1."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("cogcheck: error: interrupted\n")
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        _stdout_closed()
    except Exception as exc:
        from cogcheck.report.neutralise import text

        sys.stderr.write(text(f"cogcheck: error: {_one_line(exc)}") + "\n")
        sys.exit(EXIT_ERROR)


def _one_line(exc: BaseException) -> str:
    from cogcheck.findings import one_line

    return one_line(exc)
