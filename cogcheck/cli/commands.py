"""The typer app of the ``cogcheck`` command: help, error messages and every command but an ordinary ``scan``.

:func:`cogcheck.cli.main` parses an ordinary ``cogcheck scan`` without typer (:func:`cogcheck.cli.params.parse_scan`)
and comes here for anything else. The scan command is built from the same declarations
(:data:`cogcheck.cli.params.SCAN_PARAMS`) and runs the same :func:`cogcheck.cli.run.scan`. Only typer is imported at
start-up; everything else is imported by the command that needs it.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Optional, ParamSpec

import typer

from cogcheck import __version__
from cogcheck.cli.params import SCAN_HELP, SCAN_PARAMS, Param
from cogcheck.cli.run import EXIT_FINDINGS, EXIT_OK, guarded_scan, stdout_closed, usage_error
from cogcheck.cli.run import one_line as _one_line

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


class ListFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


_usage_error = usage_error
_stdout_closed = stdout_closed


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


def _annotation(param: Param) -> Any:
    """The typed, annotated parameter typer reads: ``Annotated[Optional[list[Path]], typer.Option("--rules", ...)]``."""
    kind: Any = list[param.kind] if param.many else param.kind  # type: ignore[name-defined]
    if param.default is None:
        kind = Optional[kind]  # typer reads Optional
    if not param.flags:
        return Annotated[kind, typer.Argument(metavar=param.metavar, help=param.help)]
    return Annotated[kind, typer.Option(*param.flags, metavar=param.metavar, help=param.help)]


def _scan_command() -> Callable[..., None]:
    """The scan command for typer: its signature made from :data:`SCAN_PARAMS`, its body :func:`run.scan`."""

    def scan(**values: object) -> None:
        guarded_scan(values)

    parameters = [
        inspect.Parameter(param.name, inspect.Parameter.KEYWORD_ONLY, default=param.default,
                          annotation=_annotation(param))
        for param in SCAN_PARAMS
    ]
    scan.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    scan.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    scan.__doc__ = SCAN_HELP
    return scan


app.command("scan")(_scan_command())


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
