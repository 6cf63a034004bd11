"""What the CDK plugin does, without CDK: the templates CDK hands over → ``cogcheck scan``'s engine → violations.

CDK hands a validation plugin the template of every top-level stack of the app (or of the Stage the plugin was added
to), stages included, as absolute paths inside ``cdk.out``; nested stacks are not among them. So each template is
read through its cloud assembly (:mod:`cogcheck.inputs.cdk.assembly`): the directory of the outermost
``manifest.json`` above it is read with only the stacks CDK named, and their nested stacks, parameters passed to
them, construct paths and stack names come along, exactly as ``cogcheck scan cdk.out`` sees them. A template that is
not in an assembly is scanned as a loose template.

Violations follow CDK's ``PolicyViolation``: one per rule, severity and resource (CDK prints a violation's description
and fix once per violating construct, and nothing else of it), named by the rule id, described by the findings'
messages (the property and its actual value), fixed by the change to make in the CDK code (each finding's ``cdk_fix``,
:mod:`cogcheck.inputs.cdk.advice`: the finding's own, else the prop to change and the command that shows what to use
instead; never a whole template; none for a template outside a cloud assembly), listing the resource (logical id,
template path, ``Properties.X`` locations). Severity levels map error → ``error`` (fails the synth), warning →
``warning``, note → ``info``; an input cogcheck cannot read is a ``fatal`` violation ``input-error`` (fails the synth,
and CDK does not let it be acknowledged). CDK, not this module, applies acknowledgements.

Nothing here imports CDK: :mod:`cogcheck.cdk.plugin` turns these into CDK's structs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cogcheck.config.options import build_scan_options
from cogcheck.engine.rules import Rule, load_rules
from cogcheck.findings import SEVERITY_RANK, Finding, InputError, Notice
from cogcheck.inputs.cdk.assembly import MAX_DEPTH, is_assembly, read_assembly
from cogcheck.inputs.files import MAX_FILE_SIZE
from cogcheck.inputs.types import TemplateInput
from cogcheck.report.ruledocs import docs_command, rule_docs_command
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan_items
from cogcheck.scan.result import ScanResult

#: cogcheck severity → CDK's violation severity (CDK fails the synth on ``error`` and ``fatal``).
CDK_SEVERITY = {"error": "error", "warning": "warning", "note": "info"}
INPUT_ERROR = "input-error"

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: str) -> str:
    """Input text made safe for a terminal: control characters and bidi overrides become U+FFFD."""
    return _UNSAFE.sub("\ufffd", text)


@dataclass(frozen=True)
class Settings:
    """The plugin's options: those of ``cogcheck scan`` that make sense inside a synth."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()  # "RULE=error|warning|note"
    parameters: tuple[str, ...] = ()  # "KEY=VALUE", for stacks that take parameters
    parameters_file: Path | None = None
    pseudo: Mapping[str, str | None] = field(default_factory=dict)  # AWS::Region, AWS::AccountId, AWS::Partition
    production: bool = False
    production_stacks: tuple[str, ...] = ()
    previous: Path | None = None  # a previous cdk.out (COG-S020)
    config: Path | None = None  # default: found from cdk.out upwards, else from the working directory
    source_root: Path | None = None
    rules: tuple[Path, ...] = ()  # rule packs (--rules), besides the configuration's


@dataclass(frozen=True)
class Resource:
    template_path: str  # absolute, as CDK gives it (CDK makes it relative to cdk.out in its report)
    logical_id: str | None = None
    locations: tuple[str, ...] = ()  # "Properties.AccessTokenValidity", relative to the resource


@dataclass(frozen=True)
class Violation:
    rule_name: str
    description: str
    severity: str  # CDK's: fatal | error | warning | info
    resources: tuple[Resource, ...]
    fix: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    violations: list[Violation]
    result: ScanResult
    metadata: dict[str, str]

    @property
    def success(self) -> bool:
        """CDK's ``success``: no deploy error (nor unreadable input); warnings and notes do not fail the synth."""
        return not any(v.severity in ("error", "fatal") for v in self.violations)


def assembly_root(template: Path) -> Path | None:
    """The outermost cloud assembly directory above ``template`` (a stage's assembly sits inside the app's)."""
    directory = template.parent
    if not is_assembly(directory):
        return None
    for _ in range(MAX_DEPTH + 1):
        if not is_assembly(directory.parent) or directory.parent == directory:
            break
        directory = directory.parent
    return directory


def display(path: Path) -> str:
    """How files are named in findings: relative to the working directory when inside it (as ``cogcheck scan
    cdk.out`` names them, so fingerprints and per-path ignores agree), else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix() or "."
    except ValueError:
        return absolute.as_posix()


def stack_inputs(
    template_paths: Sequence[str], source_root: Path | None = None, max_size: int = MAX_FILE_SIZE
) -> Iterator[TemplateInput | InputError | Notice]:
    """The templates to scan for the stacks CDK named, their nested stacks included, each once."""
    by_root: dict[Path, set[Path]] = {}
    loose: list[Path] = []
    for name in template_paths:
        path = Path(name)
        root = assembly_root(path)
        if root is None:
            loose.append(path)
        else:
            by_root.setdefault(root, set()).add(path.resolve())
    seen: set[Path] = set()
    for root in sorted(by_root):
        yield from read_assembly(root, display(root), seen, source_root, max_size, stacks=by_root[root])
    for path in sorted(loose):
        if path.resolve() not in seen:
            seen.add(path.resolve())
            yield TemplateInput(display(path), path)


def scan_options(settings: Settings, roots: Sequence[Path]) -> ScanOptions:
    """``ScanOptions`` as ``cogcheck scan`` builds them (raises :class:`~cogcheck.config.options.OptionError`)."""
    from cogcheck.config.files import find_config, load_config

    found = settings.config
    if found is None:
        for start in [*roots, Path.cwd()]:
            found = find_config(start)
            if found is not None:
                break
    config = load_config(found) if found is not None else None
    return build_scan_options(
        config=config,
        select=settings.select,
        ignore=settings.ignore,
        severity=settings.severity,
        parameters=settings.parameters,
        parameters_file=settings.parameters_file,
        pseudo=settings.pseudo,
        production=settings.production,
        production_stacks=settings.production_stacks,
        previous=settings.previous,
        scan_roots=[display(root) for root in roots],
        source_root=settings.source_root,
        cdk_acknowledgements=False,  # CDK applies them to the report, and records them there with their reasons
        rule_dirs=settings.rules,
    )


def validate(template_paths: Sequence[str], settings: Settings) -> Outcome:
    """Scan the stacks CDK hands over and group the findings into CDK violations."""
    roots = sorted({root for root in (assembly_root(Path(p)) for p in template_paths) if root is not None})
    options = scan_options(settings, roots)
    result = scan_items(stack_inputs(template_paths, options.source_root, options.max_file_size), options)
    rules = {rule.id: rule for rule in [*load_rules(), *options.extra_rules]} if result.findings else {}
    found = violations(result.findings, rules) + [input_error(error) for error in result.errors]
    metadata = {
        "templates": str(result.templates),
        "clients": str(result.clients),
        "suppressed in template Metadata": str(len(result.suppressed)),
    }
    if result.notices:
        metadata["notices"] = "\n".join(plain(str(notice)) for notice in result.notices)
    return Outcome(found, result, metadata)


def location(finding: Finding) -> str | None:
    """CDK's location of a finding inside its resource: ``Properties.TokenValidityUnits.AccessToken``."""
    return f"Properties.{finding.property}" if finding.property else None


def violations(findings: Sequence[Finding], rules: Mapping[str, Rule]) -> list[Violation]:
    """One violation per rule, severity and resource, each described by its findings' messages (the property and the
    actual value) and fixed by the change to make in the CDK code: CDK prints the description and the fix of each
    violating construct, and nothing else of what cogcheck found."""
    groups: dict[tuple[str, str, str, str], list[Finding]] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        groups.setdefault((finding.rule_id, finding.severity, finding.file, finding.resource), []).append(finding)
    out: list[Violation] = []
    order = sorted(groups.items(), key=lambda i: (i[0][0], -SEVERITY_RANK[i[0][1]], i[0][2], i[0][3]))
    for (rule_id, severity, file, logical_id), group in order:
        rule = rules.get(rule_id)
        spots = list(dict.fromkeys(spot for spot in map(location, group) if spot))
        metadata = {
            "rule": f"{rule_id} {rule.name}" if rule else rule_id,
            "docs": rule_docs_command(rule) if rule else docs_command(rule_id),
        }
        for finding in group:
            metadata.setdefault(_message_key(finding), plain(finding.message))
        out.append(Violation(
            rule_name=rule_id,
            description=f"{rule_id}: " + "; ".join(dict.fromkeys(_described(finding) for finding in group)),
            severity=CDK_SEVERITY[severity],
            resources=(Resource(str(Path(file).absolute()), logical_id, tuple(spots)),),
            fix="\n".join(dict.fromkeys(fix for fix in map(cdk_fix, group) if fix)) or None,
            metadata=metadata,
        ))
    return out


def _described(finding: Finding) -> str:
    """The finding's message, which names the property and its value; the property added when it does not."""
    message = plain(finding.message)
    top = finding.property.split(".")[0].split("[")[0]
    if top and top not in message:
        message += f" ({location(finding)})"
    if finding.scenario:
        message += f" ({plain(finding.scenario_text)})"
    return message


def cdk_fix(finding: Finding) -> str | None:
    """The change to make in the CDK code, as ``--format json`` carries it (``cdk_fix``, written by
    :func:`cogcheck.inputs.cdk.advice.cdk_change`); None for a template outside a cloud assembly, which CDK did not
    write."""
    return plain(finding.cdk_fix) if finding.cdk_fix else None


def _message_key(finding: Finding) -> str:
    """Where a message applies, for the violation's ``ruleMetadata``: construct path (or template and logical id),
    property and scenario."""
    full = finding.extra.get("construct_path_full")
    where = str(full) if full else f"{finding.file} {finding.resource}"
    if finding.property:
        where += f" {finding.property}"
    if finding.scenario:
        where += f" ({finding.scenario_text})"
    return plain(where)


def input_error(error: InputError) -> Violation:
    """An input cogcheck could not read: fatal (CDK fails the synth and does not let it be acknowledged)."""
    return Violation(
        rule_name=INPUT_ERROR,
        description=plain(f"cogcheck could not check {error}"),
        severity="fatal",
        resources=(Resource(str(Path(error.file).absolute())),),
    )
