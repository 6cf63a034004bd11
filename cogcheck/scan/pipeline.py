"""The main job: inputs → templates → clients (× scenarios) → findings. The public API of cogcheck."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cogcheck.cfn.parse import Template, TemplateError, mentions, parse_template
from cogcheck.cfn.resolve import ResolveOptions
from cogcheck.cfn.scenarios import Scenario, reduce_scenarios
from cogcheck.engine.rules import Rule, load_rules
from cogcheck.findings import Finding, InputError, Notice
from cogcheck.inputs.discover import Discovery, TemplateInput, discover
from cogcheck.inputs.files import MAX_FILE_SIZE, ReadError, read_limited
from cogcheck.model.client import CLIENT_TYPE
from cogcheck.model.policy import Policy

if TYPE_CHECKING:  # the engine is imported when a template with a client is met, not at start-up
    from cogcheck.engine.evaluate import Hit
    from cogcheck.scan.suppress import Suppression

MARKER = CLIENT_TYPE.encode()
#: A client gets at most this many findings of one rule; the rest are counted in one more finding of that rule.
MAX_FINDINGS_PER_RULE = 20


@dataclass
class ScanOptions:
    rules: Sequence[Rule] | None = None  # None: the shipped rules, loaded when a client is first met
    enabled: tuple[str, ...] | None = None  # ids of the shipped rules to run (None: all)
    resolve: ResolveOptions = field(default_factory=ResolveOptions)
    severity: Mapping[str, str] = field(default_factory=dict)  # rule id → level override
    policy: Policy = field(default_factory=Policy)  # thresholds and production settings (rules read $.policy)
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, rule ids or prefixes)
    config_base: Path | None = None  # per-path globs are relative to the config file's directory
    source_root: Path | None = None  # CDK stack frames are made relative to it (default: the git root)
    exclude: tuple[tuple[str, Path | None], ...] = ()  # globs of what is never read, each with its base directory
    jobs: int = 1  # worker processes over templates (cogcheck.scan.parallel); the output does not depend on it
    stdin: tuple[str, bytes] | None = None  # the path "-": (the name to show, e.g. --stdin-filename; the bytes read)
    max_file_size: int = MAX_FILE_SIZE  # larger input files are errors, never read
    #: honour CDK acknowledgements recorded in an assembly (off in the synth-time plugin, where CDK applies them)
    cdk_acknowledgements: bool = True
    terraform_vars: Mapping[str, Any] = field(default_factory=dict)  # --var / --var-file: the root modules' variables
    terraform_root: Path | None = None  # --tf-root: the configuration of scanned plan JSON files (their .tf lines)

    def enabled_rules(self) -> Sequence[Rule]:
        """The rules to run; the shipped ones are parsed on first use."""
        if self.rules is None:
            shipped = load_rules()
            self.rules = [r for r in shipped if self.enabled is None or r.id in self.enabled]
        return self.rules


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    templates: int = 0
    clients: int = 0
    suppressed: list[tuple[Finding, Suppression]] = field(default_factory=list)  # by template Metadata, with why
    baselined: list[Finding] = field(default_factory=list)  # matched by --baseline (see cogcheck.scan.baseline)
    declared_parameters: set[str] = field(default_factory=set)  # names the scanned templates declare
    inputs: set[str] = field(default_factory=set)  # real paths of the files discovered: outputs never replace them
    config: str | None = None  # the configuration file used, as named (None: none); reports say which


def scan(paths: list[str], options: ScanOptions | None = None) -> ScanResult:
    """Scan files and directories; every input is scanned even when others fail."""
    options = options or ScanOptions()
    how = Discovery(
        source_root=options.source_root,
        exclude=options.exclude,
        config_base=options.config_base,
        max_size=options.max_file_size,
    )
    named = [p for p in paths if p != "-"]

    def items() -> Iterator[TemplateInput | InputError | Notice]:
        if len(named) < len(paths):  # "-": standard input, read by the caller
            name = options.stdin[0] if options.stdin is not None else "-"
            if name != "-" and how.excluded(os.path.normpath(name), Path(name)):
                yield Notice(name, None, "excluded by --exclude or the configuration's exclude: not read")
            else:
                yield _stdin_input(options)
            if not named:
                return
        yield from discover(named, options.source_root, how)

    return scan_items(items(), options)


def scan_items(items: Iterable[TemplateInput | InputError | Notice], options: ScanOptions) -> ScanResult:
    """Scan inputs already found (e.g. the stacks CDK hands its validation plugins); errors stay in the result."""
    from cogcheck.scan.parallel import ordered_map

    result = ScanResult()

    def tasks() -> Iterator[tuple[tuple[TemplateInput, bytes], int]]:
        """Templates to parse, each read once; a file without a client never leaves discovery (unless named)."""
        for item in items:
            if isinstance(item, InputError):
                result.errors.append(item)
            elif isinstance(item, Notice):
                result.notices.append(item)  # e.g. an incomplete or newer cloud assembly
            elif item.kind == "terraform":  # a module directory with a client: its files are read by the scan
                options.enabled_rules()
                yield (item, b""), 1
            else:
                with contextlib.suppress(OSError, ValueError):
                    result.inputs.add(os.path.realpath(item.path))
                data = _read(item, result, options.max_file_size)
                holds = data is not None and (mentions(data, CLIENT_TYPE) or _may_be_plan(item, data))
                if data is not None and (holds or item.explicit):  # no client: no need to parse
                    if holds:
                        _prepare(options)  # once, before any worker starts: workers inherit it
                    yield (item, data), len(data)

    for part in ordered_map(_scan_task, options, tasks(), options.jobs):
        _merge(result, part)
    check_parameters(options, result)
    result.findings = drop_ignored_by_path(list(dict.fromkeys(result.findings)), options)  # once each: a plan
    # and its configuration scanned together report the same finding at the same .tf line
    result.findings.sort(key=Finding.sort_key)
    result.suppressed.sort(key=lambda pair: pair[0].sort_key())
    result.errors.sort(key=lambda e: (e.file, e.line or 0, e.message))
    result.notices.sort(key=lambda n: (n.file, n.resource or "", n.message))
    return result


def one_line(exc: BaseException) -> str:
    """An unforeseen exception as one line: its type and the start of its message."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "too large to read in memory"
    text = " ".join(str(exc).split())[:200]
    return f"internal error: {type(exc).__name__}" + (f": {text}" if text else "")


def _stdin_input(options: ScanOptions) -> TemplateInput:
    from cogcheck.inputs.project import project_path

    name = options.stdin[0] if options.stdin is not None else "-"
    identity = project_path(Path(name), options.config_base, Path.cwd()) if name != "-" else "-"
    data = options.stdin[1] if options.stdin else b""
    return TemplateInput(name, Path(name), explicit=True, project_path=identity, data=data)


def check_parameters(options: ScanOptions, result: ScanResult) -> None:
    """A notice for each ``--parameter`` that no scanned template declares (a typo would otherwise go unseen)."""
    given = options.resolve.parameters
    unknown = sorted(set(given) - result.declared_parameters)
    for name in unknown:
        message = f"no scanned template with a user pool client declares a parameter {name!r}; its value is unused"
        result.notices.append(Notice("--parameter", None, message))


def allowed_values_errors(template: Template, parameters: Mapping[str, str]) -> list[InputError]:
    """Errors for given parameter values outside the template's ``AllowedValues`` (CloudFormation rejects them)."""
    declared = template.doc.get("Parameters") if isinstance(template.doc, dict) else None
    errors: list[InputError] = []
    if not isinstance(declared, dict):
        return errors
    for name, value in parameters.items():
        spec = declared.get(name)
        if not isinstance(spec, dict):
            continue
        allowed = spec.get("AllowedValues")
        if not isinstance(allowed, list) or not all(isinstance(v, str | int | float | bool) for v in allowed):
            continue
        texts = {_scalar_text(v) for v in allowed}
        kind = str(spec.get("Type", "String"))
        values = [v.strip() for v in value.split(",")] if kind.startswith("List<") or kind == "CommaDelimitedList" \
            else [value]
        outside = [v for v in values if v not in texts]
        if outside:
            line = template.locate(("Parameters", name))[0]
            errors.append(InputError(
                template.file, line,
                f"parameter {name}: {', '.join(repr(v) for v in outside)} is not one of its AllowedValues "
                f"({', '.join(sorted(texts))}); CloudFormation would reject it",
            ))
    return errors


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def drop_ignored_by_path(findings: list[Finding], options: ScanOptions) -> list[Finding]:
    """``findings`` without those the configuration's ``per-path-ignores`` ignore."""
    if not options.per_path_ignores:
        return findings
    return [f for f in findings if not _ignored_by_path(f, options)]


def _ignored_by_path(finding: Finding, options: ScanOptions) -> bool:
    from cogcheck.inputs.globs import path_matches

    base = options.config_base or Path.cwd()
    return any(
        finding.rule_id.startswith(ids) and path_matches(finding.file, glob, base)
        for glob, ids in options.per_path_ignores
    )


def _read(item: TemplateInput, result: ScanResult, max_size: int = MAX_FILE_SIZE) -> bytes | None:
    """The input's bytes: regular files only, at most ``max_size`` (see :mod:`cogcheck.inputs.files`)."""
    data, item.data = item.data, None  # bytes discovery already read (a CDK stack's template), handed over once
    if data is not None:
        return data
    try:
        return read_limited(item.path, max_size)
    except ReadError as exc:
        result.errors.append(InputError(item.file, None, exc.message))
        return None


def _scan_task(options: ScanOptions, task: tuple[TemplateInput, bytes]) -> ScanResult:
    """One template's part of the result (in a worker process or in the parent)."""
    item, data = task
    part = ScanResult()
    try:
        scan_input(item, options, part, data)
    except Exception as exc:  # a bug met on one input must not lose the others (nor kill a worker's batch)
        return ScanResult(errors=[InputError(item.file, None, one_line(exc))])
    return part


def _merge(result: ScanResult, part: ScanResult) -> None:
    result.findings.extend(part.findings)
    result.errors.extend(part.errors)
    result.notices.extend(part.notices)
    result.suppressed.extend(part.suppressed)
    result.templates += part.templates
    result.clients += part.clients
    result.declared_parameters |= part.declared_parameters


def _may_be_plan(item: TemplateInput, data: bytes) -> bool:
    """A JSON file that may be a Terraform plan with a client (cogcheck.inputs.terraform.plan)."""
    if not item.path.name.lower().endswith(".json"):
        return False
    from cogcheck.inputs.terraform.plan import may_be_plan

    return may_be_plan(data)


def scan_input(item: TemplateInput, options: ScanOptions, result: ScanResult, data: bytes | None = None) -> None:
    """Parse and check one template into ``result``; ``data``: its bytes when already read."""
    if item.kind == "terraform":
        from cogcheck.scan.terraform import scan_module

        scan_module(item, options, result, check_template)
        return
    if data is None:
        data = _read(item, result, options.max_file_size)
        if data is None:
            return
    holds = mentions(data, CLIENT_TYPE)  # widened past escapes and other encodings: no client hides from it
    if not holds and _may_be_plan(item, data):
        from cogcheck.scan.terraform import scan_plan

        if scan_plan(item, data, options, result, check_template):
            return
    if not holds and not item.explicit:
        return  # no client: no need to parse
    try:
        template = parse_template(item.file, data, suffix=item.path.suffix.lower())
    except TemplateError as exc:
        if not holds:  # a file named explicitly that is neither JSON nor YAML: not a template
            result.notices.append(Notice(item.file, None, f"not a CloudFormation template ({exc.message}): skipped"))
        else:
            result.errors.append(InputError(exc.file, exc.line, exc.message))
        return
    if template is None:
        if item.explicit:
            result.notices.append(Notice(item.file, None, "not a CloudFormation template (no Resources): skipped"))
        return
    parameters = template.doc.get("Parameters") if isinstance(template.doc, dict) else None
    if isinstance(parameters, dict):
        result.declared_parameters.update(str(name) for name in parameters)
    if options.resolve.parameters:
        result.errors.extend(allowed_values_errors(template, options.resolve.parameters))
    if item.link is not None:
        item.link.apply(template)  # a nested stack's template sees its parent's pool (cogcheck.inputs.cdk.nested)
    result.templates += 1
    rules = options.enabled_rules()
    findings, notices, clients = check_template(template, rules, options, item)
    from cogcheck.scan.suppress import apply_suppressions

    findings, suppressed, suppress_notices = apply_suppressions(template, findings, rules, CLIENT_TYPE)
    result.suppressed.extend(suppressed)
    if options.cdk_acknowledgements and item.context is not None:
        from cogcheck.scan.suppress import apply_acknowledgements

        findings, acknowledged = apply_acknowledgements(findings, item.context)
        result.suppressed.extend(acknowledged)
    notices = notices + suppress_notices
    result.findings.extend(findings)
    result.notices.extend(notices)
    result.clients += clients


def _prepare(options: ScanOptions) -> None:
    """Load and compile the rules, and import what checking needs (forked workers then start ready)."""
    from cogcheck.cfn.scenarios import plan_scenarios  # noqa: F401
    from cogcheck.engine.evaluate import compile_rules
    from cogcheck.model.client import build_view  # noqa: F401
    from cogcheck.scan.suppress import apply_suppressions  # noqa: F401

    compile_rules(options.enabled_rules())  # cached: again costs a lookup


def check_template(
    template: Template, rules: Sequence[Rule], options: ScanOptions, item: TemplateInput | None = None
) -> tuple[list[Finding], list[Notice], int]:
    """Findings for every client of one parsed template."""
    from cogcheck.cfn.scenarios import plan_scenarios
    from cogcheck.engine.evaluate import evaluate_rules
    from cogcheck.engine.predicates.base import World
    from cogcheck.model.client import build_view, role_name

    resolve = options.resolve
    if item is not None and item.parameters:
        resolve = ResolveOptions({**item.parameters, **resolve.parameters}, resolve.pseudo, resolve.max_scenarios)
    findings: list[Finding] = []
    notices: list[Notice] = []
    clients = 0
    for logical_id, resource in template.resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != CLIENT_TYPE:
            continue
        clients += 1
        plan = plan_scenarios(template, logical_id, resolve)
        if plan.note:
            notices.append(Notice(template.file, logical_id, plan.note))
        hits: dict[tuple[str, str, str, tuple[Any, ...]], list[Scenario]] = {}
        first: dict[tuple[str, str, str, tuple[Any, ...]], tuple[Hit, dict[Any, Any]]] = {}
        roles: dict[tuple[str, str, str, tuple[Any, ...]], set[str]] = {}  # the client's role in each scenario
        evaluated: list[Scenario] = []
        for scenario, resolver in plan.scenarios:
            origins: dict[Any, Any] = {}
            props = resolver.value(resource.get("Properties", {}), ("Properties",), (), origins)
            evaluated.append(scenario)
            if not isinstance(props, dict):
                notices.append(Notice(template.file, logical_id, "Properties cannot be resolved; rules abstain"))
                continue
            view = build_view(logical_id, props, origins, options.policy)
            world = World(
                template, resolver, logical_id, view, options.policy, item.stack if item is not None else None
            )
            for hit in evaluate_rules(rules, view, world, options.severity):
                key = (hit.rule.id, hit.severity, hit.message, hit.property)
                hits.setdefault(key, []).append(scenario)
                first.setdefault(key, (hit, origins))
                roles.setdefault(key, set()).add(role_name(view.data["effective"]["role"]))
        per_rule: dict[str, int] = {}
        dropped: dict[str, tuple[Hit, dict[Any, Any], str]] = {}
        for key, scenarios in hits.items():
            hit, origins = first[key]
            role = "/".join(sorted(roles[key]))  # one role, or e.g. "public/server" when scenarios disagree
            for described in reduce_scenarios(scenarios, evaluated):
                per_rule[hit.rule.id] = per_rule.get(hit.rule.id, 0) + 1
                if per_rule[hit.rule.id] <= MAX_FINDINGS_PER_RULE:
                    findings.append(_finding(template, logical_id, hit, origins, described, item, role))
                else:
                    dropped.setdefault(hit.rule.id, (hit, origins, role))
        for rule_id, (hit, origins, role) in sorted(dropped.items()):
            more = per_rule[rule_id] - MAX_FINDINGS_PER_RULE
            summary = replace(
                hit,
                property=(),
                message=f"{more} more {rule_id} finding{'s' if more != 1 else ''} on this client not listed "
                f"(at most {MAX_FINDINGS_PER_RULE} per rule and client)",
            )
            findings.append(_finding(template, logical_id, summary, origins, None, item, role))
    return findings, notices, clients


def _finding(
    template: Template,
    logical_id: str,
    hit: Hit,
    origins: dict[Any, Any],
    scenario: Scenario | None,
    item: TemplateInput | None,
    role: str | None = None,
) -> Finding:
    path = hit.property
    while path and path not in origins:
        path = path[:-1]
    raw = origins[path] if path else ()
    from cogcheck.engine.paths import format_property

    line, column = template.locate_in_resources((logical_id,) + tuple(raw))
    context = item.context if item is not None else None
    construct_path = source = None
    extra: dict[str, Any] = {}
    if context is not None:
        construct_path, source = context.describe(logical_id, format_property(hit.property))
        extra = dict(context.details(logical_id))
    if role is not None:
        extra["client_role"] = role  # additive JSON key: machine | server | public | native | none | unknown
    return Finding(
        rule_id=hit.rule.id,
        severity=hit.severity,
        message=hit.message,
        file=template.file,
        line=line,
        column=column,
        resource=logical_id,
        resource_type=CLIENT_TYPE,
        property=format_property(hit.property),
        stack=item.stack if item is not None else None,
        construct_path=construct_path,
        source=source,
        scenario=scenario,
        rule_name=hit.rule.name,
        extra=extra,
        project_path=item.project_path if item is not None else None,
    )
