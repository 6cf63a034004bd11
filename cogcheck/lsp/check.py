"""What ``cogcheck lsp`` checks: one editor buffer, with its project, into the findings ``cogcheck scan FILE`` gives.

No language-server code here (that is :mod:`cogcheck.lsp.server`): a buffer's path and text in, an
:class:`Outcome` out. The configuration is found from the file upwards as ``scan`` finds it, parsed once, and read
again when the file changes (its modification time or size); the rules are parsed once per configuration.

* A CloudFormation template (``.yaml``, ``.yml``, ``.json``, ``.template``) is checked from the buffer, as
  ``cogcheck scan -`` with ``--stdin-filename`` checks it (suppressions, per-path ignores, excludes included).
* A Terraform / OpenTofu file is checked with its module directory, as ``cogcheck scan FILE`` does: the other files
  are read from disk, the buffer from memory (:attr:`cogcheck.inputs.terraform.module.Configuration.overlay`).
* A template inside a ``cdk.out`` is generated: the assembly on disk is checked, as ``cogcheck scan cdk.out`` does
  (construct paths, acknowledgements), and the buffer is not (``Outcome.read_only``).

Any failure becomes an :class:`~cogcheck.findings.InputError` in the outcome: a buffer never stops the server.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cogcheck.findings import Finding, InputError, Notice, one_line
from cogcheck.inputs.terraform.module import ParseCache
from cogcheck.scan.memo import ClientMemo
from cogcheck.scan.options import ScanOptions

if TYPE_CHECKING:
    from cogcheck.cfn.parse import Template

#: File names checked as CloudFormation templates, and as Terraform / OpenTofu files.
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
TERRAFORM_SUFFIXES = (".tf", ".tofu", ".tf.json", ".tofu.json")


def kind_of(path: Path) -> str | None:
    """``"terraform"``, ``"cdk"`` (a template in a cloud assembly), ``"template"``, or None (not checked)."""
    name = path.name.lower()
    if name.endswith(TERRAFORM_SUFFIXES):
        return "terraform"
    if not name.endswith(TEMPLATE_SUFFIXES):
        return None
    if assembly_of(path) is not None:
        return "cdk"
    return "template"


def assembly_of(path: Path) -> Path | None:
    """The cloud assembly directory (it holds ``manifest.json``) a template is written in, if any."""
    parent = path.parent
    if (parent.name == "cdk.out" or parent.name.startswith("assembly-")) and (parent / "manifest.json").is_file():
        top = parent
        while top.parent != top and (top.parent / "manifest.json").is_file():
            top = top.parent  # a nested assembly (a CDK Stage): the whole cloud assembly is checked
        return top
    return None


@dataclass
class Outcome:
    """What a check of one buffer found for that buffer (findings in other files are left out)."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    read_only: bool = False  # generated (cdk.out): findings come from the file on disk, edits are not offered
    options: ScanOptions | None = None  # the options it was checked with (rules, severities) for hovers and fixes
    fixes: bool = True  # the findings carry their fixes (False: made only when code actions are asked for)
    #: the template parsed from the buffer's text (a CloudFormation buffer), for where its values and resources are
    #: written; the server drops it once the diagnostics are made
    template: Template | None = None


@dataclass
class _Configured:
    stamp: tuple[str, int, int] | None  # (config file, mtime_ns, size) when it was read; None: no configuration
    options: ScanOptions | None
    error: str | None  # the configuration cannot be used: said on every buffer it applies to


class Checker:
    """Checks buffers; keeps the parsed configuration and rules of each project between checks."""

    def __init__(self, isolated: bool = False) -> None:
        self.isolated = isolated
        self._configured: dict[str | None, _Configured] = {}
        self._parsed = ParseCache()  # Terraform files' blocks, parsed again only when a file changes
        self.loads = 0  # configurations read so far (the server settles its memory after each new one)

    def options_for(self, path: Path) -> tuple[ScanOptions | None, str | None]:
        """The scan options for a file (from the configuration found upwards), or why there are none."""
        from cogcheck.config.files import find_config

        found = None if self.isolated else find_config(path)
        key = str(found) if found is not None else None
        stamp = _stamp(found)
        cached = self._configured.get(key)
        if cached is None or cached.stamp != stamp:
            cached = self._configured[key] = self._configure(found, stamp, path)
        return cached.options, cached.error

    def _configure(self, found: Path | None, stamp: tuple[str, int, int] | None, path: Path) -> _Configured:
        from cogcheck.config.files import load_config

        self.loads += 1
        from cogcheck.config.options import OptionError, build_scan_options

        try:
            config = load_config(found) if found is not None else None
            if config is not None:
                config.shown = str(found)
            options = build_scan_options(config=config, scan_roots=[str(path)], jobs=1)
            options.client_memo = ClientMemo()  # a client unchanged since the last check is not evaluated again
            options.enabled_rules()  # parsed once per configuration, not per keystroke
        except OptionError as exc:
            return _Configured(stamp, None, str(exc))
        except Exception as exc:  # a broken rule pack, an unreadable file: said, never raised
            return _Configured(stamp, None, one_line(exc))
        return _Configured(stamp, options, None)

    def check(self, path: Path, text: str, fixes: bool = True) -> Outcome:
        """The findings of ``path`` whose editor text is ``text`` (``fixes``: with their fixes, which diagnostics do
        not need); never raises."""
        shown = str(path)
        try:
            options, problem = self.options_for(path)
            if options is None:
                return Outcome(errors=[InputError(shown, None, f"configuration: {problem}")])
            if not fixes:
                options = dataclasses.replace(options, offer_fixes=False)
            kind = kind_of(path)
            data = text.encode("utf-8")
            if kind is None:
                return Outcome(options=options)
            if len(data) > options.max_file_size:
                message = f"larger than {options.max_file_size:,} bytes (the scan's limit): not checked"
                return Outcome(errors=[InputError(shown, None, message)], options=options)
            try:
                if kind == "terraform":
                    outcome = self._terraform(path, data, options)
                elif kind == "cdk":
                    outcome = self._assembly(path, options)
                else:
                    outcome = self._template(path, text, data, options)
            finally:
                if options.client_memo is not None:
                    options.client_memo.template = None  # the memo keeps no template between checks
            outcome.options, outcome.fixes = options, fixes
            return outcome
        except RecursionError:
            return Outcome(errors=[InputError(shown, None, "nested too deeply to read")])
        except Exception as exc:  # a bug met on one buffer: said on the buffer, the server stays up
            return Outcome(errors=[InputError(shown, None, one_line(exc))])

    def _template(self, path: Path, text: str, data: bytes, options: ScanOptions) -> Outcome:
        from cogcheck.scan.pipeline import scan

        memo = options.client_memo
        if memo is not None:
            memo.template = None
        result = scan(["-"], dataclasses.replace(options, stdin=(str(path), data)))
        template = memo.template if memo is not None else None
        if template is not None and (template.file != str(path) or template.source != text):
            template = None  # not this buffer's (it was not parsed), or read from other text (a byte-order mark)
        return Outcome(result.findings, result.errors, result.notices, template=template)

    def _terraform(self, path: Path, data: bytes, options: ScanOptions) -> Outcome:
        from cogcheck.inputs.project import project_path
        from cogcheck.inputs.types import TemplateInput
        from cogcheck.scan.check import drop_ignored_by_path
        from cogcheck.scan.result import ScanResult
        from cogcheck.scan.terraform import scan_module

        directory = path.parent
        item = TemplateInput(
            str(directory), directory, explicit=True, kind="terraform", root=directory.resolve(),
            project_path=project_path(directory / "main.tf", options.config_base, directory),
        )
        result = ScanResult()
        target = path.resolve()
        scan_module(item, options, result, overlay={target: data}, parsed=self._parsed, only=target)
        findings = drop_ignored_by_path(list(dict.fromkeys(result.findings)), options)
        return _only(path, Outcome(findings, result.errors, result.notices))

    def _assembly(self, path: Path, options: ScanOptions) -> Outcome:
        from cogcheck.scan.pipeline import scan

        assembly = assembly_of(path)
        result = scan([str(assembly)], options)
        outcome = _only(path, Outcome(result.findings, result.errors, result.notices))
        outcome.read_only = True
        return outcome


def _only(path: Path, outcome: Outcome) -> Outcome:
    """The parts of ``outcome`` about ``path`` (errors of other files too: they stop this one's check)."""
    target = _resolved(str(path))
    outcome.findings = sorted((f for f in outcome.findings if _resolved(f.file) == target), key=Finding.sort_key)
    outcome.errors = [e if _resolved(e.file) == target else dataclasses.replace(e, line=None, message=f"{e.file}"
                      f"{':' + str(e.line) if e.line else ''}: {e.message}") for e in outcome.errors]
    outcome.notices = [n for n in outcome.notices if _resolved(n.file) == target]
    return outcome


def _resolved(name: str) -> str:
    try:
        return os.path.realpath(name)
    except (OSError, ValueError):
        return name


def _stamp(found: Path | None) -> tuple[str, int, int] | None:
    if found is None:
        return None
    try:
        stat = found.stat()
    except OSError:
        return (str(found), -1, -1)
    return (str(found), stat.st_mtime_ns, stat.st_size)
