"""Scan Terraform inputs: a module directory (its local modules followed), a plan JSON, a CDK for Terraform stack.

Each becomes templates (:mod:`cogcheck.inputs.terraform.template`) that the ordinary pipeline checks in the
``terraform`` dialect (messages name the provider's arguments: :mod:`cogcheck.cfn.names`); findings then speak
Terraform: ``resource`` is the address, ``property`` the argument path, and the resource type the Terraform type.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cogcheck.cfn.types import CLIENT_TYPE
from cogcheck.findings import Finding, InputError, Notice
from cogcheck.inputs.project import project_path
from cogcheck.inputs.terraform.mapping import CLIENT, terraform_property
from cogcheck.inputs.types import TemplateInput
from cogcheck.scan.check import check_template

if TYPE_CHECKING:
    from cogcheck.inputs.terraform.module import Configuration, ParseCache
    from cogcheck.scan.options import ScanOptions
    from cogcheck.scan.result import ScanResult


def root_values(directory: Path, display: str, options: ScanOptions, result: ScanResult) -> dict[str, Any]:
    """Values of the root module's variables: auto-loaded ``.tfvars`` files, then ``--var-file`` / ``--var``."""
    from cogcheck.cfn.parse import TemplateError
    from cogcheck.inputs.files import ReadError, read_limited
    from cogcheck.inputs.terraform.hcl import MAX_FILE_BYTES, parse_values

    values: dict[str, Any] = {}
    names = []
    try:
        names = sorted(p.name for p in directory.iterdir() if p.is_file() and not p.is_symlink())
    except OSError:
        names = []
    auto: list[str] = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    auto += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    for name in auto:
        shown = str(Path(display) / name)
        try:
            values.update(parse_values(shown, read_limited(directory / name, MAX_FILE_BYTES)))
        except TemplateError as exc:
            result.errors.append(InputError(exc.file, exc.line, exc.message))
        except ReadError as exc:
            result.errors.append(InputError(shown, None, exc.message))
    values.update(options.terraform_vars)
    return values


def scan_module(
    item: TemplateInput, options: ScanOptions, result: ScanResult, overlay: Mapping[Path, bytes] | None = None,
    parsed: ParseCache | None = None, only: Path | None = None,
) -> None:
    """Check a module directory. For ``cogcheck lsp``: ``overlay``, files' unsaved texts by resolved path;
    ``parsed``, files' blocks kept from earlier readings; ``only``, the one file (resolved) whose clients to check."""
    from cogcheck.inputs.terraform.module import load_configuration

    values = root_values(item.path, item.file, options, result)
    config = load_configuration(
        item.path, item.file, item.root or item.path, values, opentofu=options.opentofu, overlay=overlay,
        parsed=parsed,
    )
    result.declared_variables |= config.variables
    check_configuration(config, item, options, result, only)


def check_configuration(
    config: Configuration, item: TemplateInput, options: ScanOptions, result: ScanResult, only: Path | None = None
) -> None:
    """Findings for every client of a configuration, one template per file that declares clients (``only``: of
    that file alone; its findings are the same, as each file's clients are checked in a template of their own)."""
    from cogcheck.inputs.terraform.template import templates_of
    from cogcheck.scan.suppress import TERRAFORM, apply_suppressions

    result.errors += [InputError(file, line, message) for file, line, message in config.errors]
    result.notices += [Notice(file, resource, message) for file, resource, message in config.notices]
    templates = templates_of(config)
    if not templates:
        return
    rules = options.enabled_rules()
    for built in templates:
        if only is not None and _resolved(built.path) != only:
            continue
        result.templates += 1
        identity = project_path(built.path, options.config_base, item.root or item.path.parent) \
            if built.path != item.path else item.project_path
        each = dataclasses.replace(
            item, file=built.template.file, path=built.path, context=built.context, project_path=identity,
            parameters={}, dialect="terraform",
        )
        unsaved = config.overlay.get(_resolved(built.path)) if config.overlay else None
        if unsaved is not None:  # fixes edit the editor's text of the file, not the file on disk (cogcheck lsp)
            with contextlib.suppress(UnicodeDecodeError):
                built.template.cache[("fix-text", str(built.path))] = unsaved.decode("utf-8")
        findings, notices, clients = check_template(built.template, rules, options, each)
        findings = [speak_terraform(f, config) for f in findings]
        findings, suppressed, suppress_notices = apply_suppressions(
            built.template, findings, rules, CLIENT_TYPE, TERRAFORM
        )
        result.findings += findings
        result.suppressed += suppressed
        result.notices += notices + suppress_notices
        result.clients += clients


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def speak_terraform(finding: Finding, config: Configuration) -> Finding:
    resource = config.resources.get(finding.resource)
    return dataclasses.replace(
        finding,
        property=terraform_property(finding.property),
        resource_type=resource.tf_type if resource is not None else CLIENT,
    )


def scan_plan(item: TemplateInput, data: bytes, options: ScanOptions, result: ScanResult) -> bool:
    """Check a plan JSON; False when ``data`` is not a plan (it is then read as a template). A plan that cannot be
    read, or a ``.json`` file that may be one and is not JSON cogcheck reads, is an error naming it."""
    from cogcheck.inputs.terraform.module import module_files
    from cogcheck.inputs.terraform.plan import PlanError, load_plan, read_plan

    try:
        doc = read_plan(data, strict=item.path.name.lower().endswith(".json"))
        if doc is None:
            return False
        tf_root, display = options.terraform_root, str(options.terraform_root)
        if tf_root is None and module_files(item.path.parent):
            tf_root, display = item.path.parent, os.path.dirname(item.file) or "."  # saved beside its configuration
        config = load_plan(item.file, item.path, data, doc, tf_root, display)
    except PlanError as exc:
        result.errors.append(InputError(item.file, exc.line, exc.message))
        return True
    plan_item = dataclasses.replace(item, kind="plan", root=tf_root)
    check_configuration(config, plan_item, options, result)
    return True
