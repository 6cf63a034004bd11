"""The parameters of ``cogcheck scan``, declared once, and the parser of an ordinary ``cogcheck scan`` made from them.

The typer command (:mod:`cogcheck.cli.commands`) is built from :data:`SCAN_PARAMS`, so ``--help``, error messages and
``docs/options.md`` come from these declarations. :func:`parse_scan` reads the same declarations to parse the usual
spellings (``--format json``, ``--format=json``, ``-f json``, flags, repeated options, paths) without importing typer or
click (about 40 ms of a 150 ms scan); anything else (``--help``, a mistake, an option it does not know, a value
that is not plainly valid, an unusual spelling such as ``-fjson``) makes it answer None, and typer parses and reports
the arguments as it always has. Nothing here imports typer.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Final

from cogcheck.record import Record

MAX_FILE_SIZE_MB = 32  # cogcheck.inputs.files.MAX_FILE_SIZE, in MiB (not imported: start-up stays light)


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


#: The value types a parameter may have (an enum's values are its choices).
Kind = type[bool] | type[int] | type[str] | type[Path] | type[StrEnum]


class Param(Record):
    """One parameter of ``cogcheck scan``: the keyword the command receives it as, its spellings (none for the
    positional paths), its type, whether it is repeatable (a list), its default, metavar and help."""

    __slots__ = ("default", "flags", "help", "kind", "many", "metavar", "name")

    def __init__(self, name: str, flags: tuple[str, ...], kind: Kind, help: str, default: object = None,
                 many: bool = False, metavar: str | None = None) -> None:
        self.name: Final = name
        self.flags: Final = flags
        self.kind: Final = kind
        self.help: Final = help
        self.default: Final = default
        self.many: Final = many
        self.metavar: Final = metavar


def _opt(name: str, *flags: str, kind: Kind = str, help: str, default: object = None,
         many: bool = False, metavar: str | None = None) -> Param:
    return Param(name, flags, kind, help, default, many, metavar)


SCAN_HELP = """Scan CloudFormation and SAM templates, CDK cloud assemblies (cdk.out) and Terraform / OpenTofu
    configurations and plan JSON for user pool client problems."""

#: Every parameter of ``cogcheck scan``, in the order ``--help`` lists them.
SCAN_PARAMS: tuple[Param, ...] = (
    Param("paths", (), str, "Files and directories (default: .); - reads standard input.", many=True,
          metavar="[PATH]..."),
    _opt("output_format", "--format", "-f", kind=Format, default=Format.text, help="Report format."),
    _opt("output", "--output", "-o", kind=Path, metavar="FILE",
         help="Write the report to FILE; the summary line goes to stderr."),
    _opt("fail_on", "--fail-on", kind=FailOn,
         help="Exit 1 when a finding is at or above this severity [default: error]."),
    _opt("config_file", "--config", kind=Path, metavar="FILE",
         help="Configuration file (default: found from the path upwards)."),
    _opt("isolated", "--isolated", kind=bool, default=False,
         help="Find no configuration file (.cogcheck.yaml, pyproject.toml): only --config, if given, is read. "
         "What a CI gate on pull requests should use."),
    _opt("max_file_size", "--max-file-size", kind=int, default=MAX_FILE_SIZE_MB, metavar="MB",
         help="Inputs larger than this many MiB are errors, never read (see docs/limits.md)."),
    _opt("select", "--select", many=True, metavar="ID|PREFIX",
         help="Only these rule ids or prefixes, comma-separated or repeated (COG-E, W92)."),
    _opt("ignore", "--ignore", many=True, metavar="ID|PREFIX",
         help="Skip these rule ids or prefixes (comma lists too)."),
    _opt("severity", "--severity", many=True, metavar="ID=LEVEL",
         help="Override severities: ID=error|warning|note; ID may be a prefix (COG-S)."),
    _opt("exclude", "--exclude", many=True, metavar="GLOB",
         help="Never read files or directories matching GLOB (repeatable; also `exclude` in the configuration)."),
    _opt("stdin_filename", "--stdin-filename", metavar="PATH",
         help="With -: the path the standard input stands for."),
    _opt("show_notes", "--show-notes", kind=bool, default=False,
         help="Text: show notes too (hidden by default; the summary counts them)."),
    _opt("min_severity", "--min-severity", kind=FailOn,
         help="Text: show findings at or above this severity [default: warning, or note with --fail-on note]."),
    _opt("quiet", "--quiet", "-q", kind=bool, default=False,
         help="No notices and no summary line: text lists only the findings; stderr only errors."),
    _opt("color", "--color", kind=Color, default=Color.auto,
         help="Colour text output: auto (a terminal; NO_COLOR and FORCE_COLOR honoured)."),
    _opt("sarif_include_suppressed", "--sarif-include-suppressed", kind=bool, default=False,
         help="SARIF: keep findings suppressed in templates, marked (GitHub ignores the mark, so off by default)."),
    _opt("parameter", "--parameter", "-p", many=True, metavar="KEY=VALUE",
         help="A template parameter's value (repeatable)."),
    _opt("parameters_file", "--parameters-file", kind=Path, metavar="FILE",
         help="Parameter values (CloudFormation CLI JSON or a mapping)."),
    _opt("scenarios", "--scenarios", kind=Scenarios,
         help="Deployments to judge: all (each allowed parameter value, each undecided condition) or defaults "
         "(the parameters' defaults only) [default: all, or the configuration's scenarios]."),
    _opt("var", "--var", many=True, metavar="NAME=VALUE",
         help="Terraform: a root module variable's value (repeatable)."),
    _opt("var_file", "--var-file", kind=Path, many=True, metavar="FILE",
         help="Terraform: a .tfvars or .tfvars.json file (repeatable)."),
    _opt("tf_root", "--tf-root", kind=Path, metavar="DIR",
         help="Terraform plan JSON: its configuration, for .tf lines."),
    _opt("opentofu", "--opentofu", kind=bool, default=False,
         help="Terraform directories are deployed with OpenTofu: a .tofu file hides the .tf file of its name."),
    _opt("region", "--region", metavar="REGION", help="Value of AWS::Region."),
    _opt("account_id", "--account-id", metavar="ID", help="Value of AWS::AccountId."),
    _opt("partition", "--partition", metavar="NAME", help="Value of AWS::Partition."),
    _opt("production", "--production", kind=bool, default=False,
         help="Treat every input as a production template (COG-S009)."),
    _opt("production_stacks", "--production-stacks", many=True, metavar="PATTERN",
         help="Inputs whose stack name or file path match this glob are production (repeatable)."),
    _opt("previous", "--previous", kind=Path, metavar="PATH",
         help="Previous version of the scanned template, or a directory mirroring the scanned one (COG-S020)."),
    _opt("source_root", "--source-root", kind=Path, metavar="DIR",
         help="CDK apps: show source lines relative to DIR (default: the git root above each cdk.out)."),
    _opt("trust_cdk_acknowledgements", "--trust-cdk-acknowledgements", kind=bool, default=False,
         help="CDK apps: honour the acknowledgements recorded in cdk.out (only for one this job synthesised)."),
    _opt("baseline", "--baseline", kind=Path, metavar="FILE",
         help="Report only findings not recorded in this baseline file."),
    _opt("write_baseline", "--write-baseline", kind=Path, metavar="FILE",
         help="Record the current findings as the baseline FILE."),
    _opt("show_suppressed", "--show-suppressed", kind=bool, default=False,
         help="List suppressed findings too, marked (text, json, markdown)."),
    _opt("jobs", "--jobs", "-j", kind=int, metavar="N",
         help="Scan in N processes (default: the usable CPUs less the one-minute load average, at least 1; "
         "the report is the same for any N)."),
    _opt("rules", "--rules", kind=Path, many=True, metavar="DIR",
         help="Also run the rule pack DIR (its *.yaml rule files; repeatable; also `rules` in the configuration)."),
    _opt("fix", "--fix", kind=bool, default=False,
         help="Apply the safe fixes to the files (with -: print the fixed text); report what remains."),
    _opt("unsafe_fixes", "--unsafe-fixes", kind=bool, default=False,
         help="With --fix or --diff: the fixes that change behaviour too."),
    _opt("diff", "--diff", kind=bool, default=False,
         help="Print the fixes as a unified diff and change nothing (exit 1 when there is one)."),
)


def parse_scan(args: Sequence[str]) -> dict[str, object] | None:
    """The keyword values typer would give the scan command for ``cogcheck scan ARGS``, or None when the arguments
    are anything but ordinary (then typer parses them, for its help and its error messages)."""
    by_flag = {flag: param for param in SCAN_PARAMS for flag in param.flags}
    values: dict[str, object] = {param.name: param.default for param in SCAN_PARAMS}
    lists: dict[str, list[object]] = {}
    given: set[str] = set()
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "-" or not word.startswith("-"):
            lists.setdefault("paths", []).append(word)
            continue
        flag, equals, attached = word.partition("=") if word.startswith("--") else (word, "", "")
        param = by_flag.get(flag)
        if param is None or (param.name in given and not param.many):
            return None  # not an option of scan (also -h, --help, --, -fjson), or said twice: typer decides
        given.add(param.name)
        if param.kind is bool:
            if equals:
                return None
            values[param.name] = True
            continue
        if equals:
            raw = attached
        elif index < len(args):
            raw = args[index]
            index += 1
        else:
            return None  # a missing value: typer's error message
        value = _converted(param, raw)
        if value is None:
            return None
        if param.many:
            lists.setdefault(param.name, []).append(value)
        else:
            values[param.name] = value
    values.update(lists)
    return values


def _converted(param: Param, raw: str) -> object | None:
    """``raw`` as the parameter's type, or None unless it is plainly valid (typer then says what is wrong)."""
    if not raw or raw.startswith("-"):
        return None  # an empty value or one that looks like an option: rare, and typer's to judge
    kind = param.kind
    if kind is int:
        return int(raw) if raw.isascii() and raw.isdigit() else None
    if kind is Path:
        return Path(raw)
    if kind is str:
        return raw
    if issubclass(kind, StrEnum):
        return kind(raw) if raw in kind._value2member_map_ else None
    return None
