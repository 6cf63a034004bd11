"""The main job: inputs → templates → clients (× scenarios) → findings. The public API of cogcheck."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cogcheck.cfn.parse import Template, TemplateError, mentions, parse_template
from cogcheck.cfn.types import CLIENT_TYPE, REPORTED_TYPES
from cogcheck.findings import Finding, InputError, Notice, one_line
from cogcheck.fix.offer import PLAN_DECLINED
from cogcheck.inputs.discover import Discovery, TemplateInput, discover
from cogcheck.inputs.files import MAX_FILE_SIZE, ReadError, read_limited
from cogcheck.scan.check import check_template, drop_ignored_by_path
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.result import ScanResult, packed, unpacked

#: The public API: scan paths (or inputs already found) with options into a result.
__all__ = ["ScanOptions", "ScanResult", "check_template", "scan", "scan_input", "scan_items"]


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
                    result.inputs.add(item.real_path or os.path.realpath(item.path))
                data = _read(item, result, options.max_file_size)
                holds = data is not None and (_holds_client(item, data) or _may_be_plan(item, data, False))
                if data is not None and (holds or item.explicit):  # no client: no need to parse
                    if holds:
                        _prepare(options)  # once, before any worker starts: workers inherit it
                    yield (item, data), len(data)

    for part in ordered_map(_scan_task, options, tasks(), options.jobs, _lost_task, packed, unpacked):
        _merge(result, part)
    check_parameters(options, result)
    result.config = options.config_name
    result.scenarios = options.resolve.scenarios
    result.findings = drop_ignored_by_path(_once_each(result.findings), options)  # once each: a plan
    # and its configuration scanned together report the same finding at the same .tf line
    result.findings.sort(key=Finding.sort_key)
    result.suppressed.sort(key=lambda pair: pair[0].sort_key())
    result.errors.sort(key=lambda e: (e.file, e.line or 0, e.message))
    result.notices.sort(key=lambda n: (n.file, n.resource or "", n.message))
    return result


def _once_each(findings: list[Finding]) -> list[Finding]:
    """Each finding once, in order; of equal ones the configuration's rather than its plan's (a plan is never
    edited: the configuration's says how to fix it, or why not)."""
    kept: dict[Finding, Finding] = {}
    for finding in findings:
        if finding not in kept or _from_plan(kept[finding]) > _from_plan(finding):
            kept[finding] = finding
    return list(kept.values())


def _from_plan(finding: Finding) -> bool:
    return finding.fix is None and (finding.fix_declined or "").startswith(PLAN_DECLINED)


def _stdin_input(options: ScanOptions) -> TemplateInput:
    from cogcheck.inputs.project import project_path

    name = options.stdin[0] if options.stdin is not None else "-"
    identity = project_path(Path(name), options.config_base, Path.cwd()) if name != "-" else "-"
    data = options.stdin[1] if options.stdin else b""
    return TemplateInput(name, Path(name), explicit=True, project_path=identity, data=data)


def check_parameters(options: ScanOptions, result: ScanResult) -> None:
    """A notice for each ``--parameter`` that no scanned template declares, and for each ``--var`` (or variable of a
    ``--var-file``) that no scanned Terraform root module declares: a typo would otherwise go unseen."""
    for name in sorted(set(options.resolve.parameters) - result.declared_parameters):
        message = f"no scanned template with a user pool client declares a parameter {name!r}; its value is unused"
        result.notices.append(Notice("--parameter", None, message))
    for name in sorted(set(options.terraform_vars) - result.declared_variables):
        message = (
            f"no scanned Terraform root module with a user pool client declares a variable {name!r}; its value is "
            "unused"
        )
        result.notices.append(Notice("--var", None, message))


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
                kind="parameter",
            ))
    return errors


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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


def _lost_task(task: tuple[TemplateInput, bytes], why: str) -> ScanResult:
    """The part of a template whose worker process died while scanning it (e.g. killed for memory)."""
    return ScanResult(errors=[InputError(task[0].file, None, why)])


def _merge(result: ScanResult, part: ScanResult) -> None:
    result.findings.extend(part.findings)
    result.errors.extend(part.errors)
    result.notices.extend(part.notices)
    result.suppressed.extend(part.suppressed)
    result.templates += part.templates
    result.clients += part.clients
    result.declared_parameters |= part.declared_parameters
    result.declared_variables |= part.declared_variables


def _holds_client(item: TemplateInput, data: bytes) -> bool:
    """``mentions(data, CLIENT_TYPE)``, asked once per input: its reader (a cloud assembly) or the first check
    records it on the input, and the scan of the same bytes reuses it."""
    if item.holds_client is None:
        item.holds_client = mentions(data, CLIENT_TYPE)
    return item.holds_client


def _may_be_plan(item: TemplateInput, data: bytes, widened: bool = True) -> bool:
    """A file that may be a Terraform plan with a client (cogcheck.inputs.terraform.plan decides by its structure):
    JSON (by its name, or an object by its first byte) that mentions a client type, even through escapes. A
    template a cloud assembly's manifest names (it has a stack) is CloudFormation, never sniffed."""
    if item.stack is not None:
        return False
    if not item.path.name.lower().endswith(".json") and not data.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"{"):
        return False
    from cogcheck.inputs.terraform.names import may_be_plan

    return may_be_plan(data, widened)


def scan_input(item: TemplateInput, options: ScanOptions, result: ScanResult, data: bytes | None = None) -> None:
    """Parse and check one template into ``result``; ``data``: its bytes when already read."""
    if item.kind == "terraform":
        from cogcheck.scan.terraform import scan_module

        scan_module(item, options, result)
        return
    if data is None:
        data = _read(item, result, options.max_file_size)
        if data is None:
            return
    holds = _holds_client(item, data)  # widened past escapes and other encodings: no client hides from it
    plan = _may_be_plan(item, data, holds)  # mentions said no: the same widening says no for the plan markers
    if plan:  # by structure, whatever the CloudFormation pre-filter says (a plan writes & as \u0026)
        from cogcheck.scan.terraform import scan_plan

        if scan_plan(item, data, options, result):
            return
    if not holds and not item.explicit:
        return  # no client: no need to parse
    try:
        template = parse_template(item.file, data, suffix=item.path.suffix.lower())
    except TemplateError as exc:
        if not holds and not plan:  # a file named explicitly that is neither JSON nor YAML: not a template
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

    findings, suppressed, suppress_notices = apply_suppressions(template, findings, rules, REPORTED_TYPES)
    result.suppressed.extend(suppressed)
    if options.cdk_acknowledgements and item.context is not None:
        from cogcheck.scan.suppress import apply_acknowledgements

        findings, acknowledged, ignored = apply_acknowledgements(
            findings, item.context, options.trust_cdk_acknowledgements
        )
        result.suppressed.extend(acknowledged)
        result.notices.extend(ignored)
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
