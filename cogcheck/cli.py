"""The command line: thin wiring of options to :mod:`cogcheck.scan` and the reports.

Only typer is imported at start-up; everything else is imported by the command that needs it.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from cogcheck import __version__

app = typer.Typer(
    name="cogcheck",
    help="Find what Cognito would reject, and what is insecure, in AWS::Cognito::UserPoolClient resources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Format(StrEnum):
    text = "text"
    json = "json"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    note = "note"
    never = "never"


class ListFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _usage_error(message: str) -> NoReturn:
    typer.echo(f"cogcheck: error: {message}", err=True)
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


@app.command()
def scan(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Templates or directories (default: .).")] = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to FILE.")] = None,
    fail_on: Annotated[
        Optional[FailOn],
        typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity [default: error]."),
    ] = None,
    config_file: Annotated[
        Optional[Path], typer.Option("--config", help="Configuration file (default: found from the path upwards).")
    ] = None,
    select: Annotated[
        Optional[list[str]], typer.Option("--select", help="Only these rule ids or prefixes (e.g. COG-E).")
    ] = None,
    ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="Skip these rule ids or prefixes.")] = None,
    severity: Annotated[
        Optional[list[str]], typer.Option("--severity", help="Override a rule's severity: ID=error|warning|note.")
    ] = None,
    parameter: Annotated[
        Optional[list[str]], typer.Option("--parameter", "-p", help="Template parameter value: KEY=VALUE.")
    ] = None,
    parameters_file: Annotated[
        Optional[Path],
        typer.Option("--parameters-file", help="Parameter values (CloudFormation CLI JSON or a mapping)."),
    ] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="Value of AWS::Region.")] = None,
    account_id: Annotated[Optional[str], typer.Option("--account-id", help="Value of AWS::AccountId.")] = None,
    partition: Annotated[Optional[str], typer.Option("--partition", help="Value of AWS::Partition.")] = None,
) -> None:
    """Scan CloudFormation templates for user pool client problems."""
    from cogcheck.config import find_config, load_config
    from cogcheck.options import OptionError, build_scan_options
    from cogcheck.scan import scan as run_scan

    try:
        found = config_file or find_config(Path((paths or ["."])[0]))
        config = load_config(found) if found else None
        options = build_scan_options(
            config=config,
            select=select or [],
            ignore=ignore or [],
            severity=severity or [],
            parameters=parameter or [],
            parameters_file=parameters_file,
            pseudo={"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": partition},
        )
    except OptionError as exc:
        _usage_error(str(exc))
    result = run_scan(list(paths or ["."]), options)
    for error in result.errors:
        typer.echo(f"cogcheck: error: {error}", err=True)
    if output_format is Format.json:
        from cogcheck.report import json as json_report

        report = json_report.render(result)
    else:
        from cogcheck.report import text as text_report

        colour = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        report = text_report.render(result, colour=colour)
    if output is not None:
        try:
            output.write_text(report, encoding="utf-8")
        except OSError as exc:
            _usage_error(f"cannot write {output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(report)
    threshold = fail_on.value if fail_on else (config.get("fail-on", "error") if config else "error")
    raise typer.Exit(exit_code(result, threshold))


def exit_code(result: object, fail_on: str) -> int:
    from cogcheck.rules import SEVERITY_RANK
    from cogcheck.scan import ScanResult

    assert isinstance(result, ScanResult)
    if result.errors:
        return EXIT_ERROR
    if fail_on != "never" and any(SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on] for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_OK


@app.command("rules")
def list_rules(
    output_format: Annotated[ListFormat, typer.Option("--format", "-f", help="Listing format.")] = ListFormat.text,
) -> None:
    """List every rule: id, name, severity, summary."""
    import json

    from cogcheck.docs import render_reference, rule_summary
    from cogcheck.rules import load_rules

    rules = load_rules()
    if output_format is ListFormat.json:
        typer.echo(json.dumps([rule_summary(rule) for rule in rules], indent=2))
    elif output_format is ListFormat.markdown:
        sys.stdout.write(render_reference(rules))
    else:
        width = max(len(rule.name) for rule in rules)
        for rule in rules:
            typer.echo(f"{rule.id}  {rule.name:<{width}}  {rule.severity:<7}  {rule.summary}")


@app.command("rule")
def show_rule(rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. COG-E001, or its name.")]) -> None:
    """Show a rule's documentation."""
    from cogcheck.docs import render_rule
    from cogcheck.rules import load_rules

    for rule in load_rules():
        if rule_id.upper() in (rule.id, rule.cfn_lint_id) or rule_id == rule.name:
            sys.stdout.write(render_rule(rule))
            return
    _usage_error(f"unknown rule {rule_id!r} (see `cogcheck rules`)")


def main() -> None:
    app()
