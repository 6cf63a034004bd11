"""``cogcheck scan --fix``: apply the findings' fixes to their files, checking each step by scanning again.

Per file, in passes (at most :data:`MAX_PASSES`): the eligible fixes whose edits do not overlap are spliced in at
once, the text is scanned again, and the pass is kept only if the file still parses (no new error), every fixed
finding is gone and no new finding is as severe as the least severe finding fixed (fixing a deploy error may bring a
note the template could not reach before, e.g. COG-S019 once ALLOW_REFRESH_TOKEN_AUTH is listed). When a pass fails,
its fixes are tried one at a time, each on the text with those kept before it, and a fix that fails is rolled back
and reported. Fixes an applied one overlapped wait for the next pass (after the re-scan their edits are computed
afresh). Nothing is written until a file's passes are over; writes are atomic and never through a symbolic link
(:func:`cogcheck.inputs.files.write_safely`).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cogcheck.findings import SEVERITY_RANK, Finding, Fix, InputError
from cogcheck.fix.apply import apply_fixes
from cogcheck.inputs.files import ReadError, read_limited, write_safely
from cogcheck.inputs.types import TemplateInput
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.result import ScanResult

#: Passes over one file at most (a pass applies every fix that does not overlap another).
MAX_PASSES = 10
_INDEX = re.compile(r"\[\d+\]")


@dataclass
class FileFix:
    """What fixing did to one file."""

    file: str
    path: Path
    before: str
    after: str
    bom: bool = False
    fixed: list[Finding] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # what the file reports once fixed
    original: list[Finding] = field(default_factory=list)  # what it reported before
    errors: list[InputError] = field(default_factory=list)


@dataclass
class FixOutcome:
    files: list[FileFix] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # fixes rolled back and files not edited, one line each

    @property
    def fixed(self) -> int:
        return sum(len(f.fixed) for f in self.files)

    @property
    def changed(self) -> list[FileFix]:
        return [f for f in self.files if f.after != f.before]


def eligible(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (unsafe or finding.fix.applicability == "safe")


def _identity(finding: Finding) -> tuple[str, str, str, str, str]:
    """A finding as the re-scan is compared by: list indexes left out (removing an item renumbers the rest)."""
    return (finding.rule_id, finding.resource, _INDEX.sub("[]", finding.property), finding.scenario_text,
            _INDEX.sub("[]", finding.message))


def is_terraform(path: Path) -> bool:
    return path.name.endswith((".tf", ".tofu", ".tf.json", ".tofu.json"))


def _rescan(item: TemplateInput, text: str, bom: bool, options: ScanOptions) -> ScanResult:
    from cogcheck.scan.pipeline import scan_input

    result = ScanResult()
    data = (("\ufeff" if bom else "") + text).encode()
    if is_terraform(item.path):
        return _rescan_terraform(item, data, options)
    scan_input(replace(item, data=data), options, result, data)
    return result


def _rescan_terraform(item: TemplateInput, data: bytes, options: ScanOptions) -> ScanResult:
    """A Terraform file is read with its module: the module's files are copied to a temporary directory with the
    fixed text in place of the file, and that directory is scanned; its findings and errors about the file are
    named as the file again."""
    import shutil
    import tempfile

    from cogcheck.inputs.terraform.module import module_files
    from cogcheck.scan.pipeline import scan_input

    result = ScanResult()
    with tempfile.TemporaryDirectory(prefix="cogcheck-fix-") as temporary:
        directory = Path(temporary)
        for name in module_files(item.path.parent):
            source = item.path.parent / name
            if name != item.path.name and not source.is_symlink():
                shutil.copyfile(source, directory / name)
        (directory / item.path.name).write_bytes(data)
        module = TemplateInput(str(directory), directory, explicit=True, kind="terraform", root=directory,
                               dialect="terraform", project_path=item.project_path)
        scan_input(module, options, result)
        mine = str(directory / item.path.name)
        result.findings = [_renamed(f, mine, item.file) for f in result.findings if f.file == mine]
        result.errors = [replace(e, file=item.file, message=e.message.replace(mine, item.file))
                         for e in result.errors if e.file == mine or mine in e.message]
    return result


def _renamed(finding: Finding, old: str, new: str) -> Finding:
    fix = finding.fix
    if fix is not None:
        fix = replace(fix, edits=tuple(replace(edit, file=new) for edit in fix.edits))
    return replace(finding, file=new, fix=fix, message=finding.message.replace(old, new))


def _verify(before: list[Finding], applied: list[Finding], after: ScanResult, known: set[str]) -> str | None:
    """Why the re-scanned text is not acceptable (None when it is); ``known``: the errors the file had already."""
    new_errors = [error for error in after.errors if error.message not in known]
    if new_errors:
        return f"the fixed file has an error: {new_errors[0].message}"
    old, new = Counter(map(_identity, before)), Counter(map(_identity, after.findings))
    gone = Counter(map(_identity, applied))
    for key, count in gone.items():
        if new[key] > old[key] - count:
            return f"a re-scan still reports {key[0]} on {key[1]}"
    least = min(SEVERITY_RANK[finding.severity] for finding in applied)
    severity = {_identity(finding): finding.severity for finding in after.findings}
    for key in new - old:  # a finding the fix brings that is as severe as the one it removes
        if SEVERITY_RANK[severity[key]] >= least:
            return f"a re-scan reports a new {key[0]} ({severity[key]}) on {key[1]}"
    return None


def _fix_file(
    item: TemplateInput, text: str, bom: bool, findings: list[Finding], known: set[str], options: ScanOptions,
    unsafe: bool, outcome: FixOutcome,
) -> FileFix:
    done = FileFix(item.file, item.path, text, text, bom, findings=findings, original=findings)
    # a fix rolled back on one text is tried again once other fixes have changed the text (a fix that only failed
    # because of another finding's wording passes then, so a second --fix has nothing left to do)
    failed: dict[tuple[str, str, str, str, str], tuple[str, str]] = {}  # identity → (text it failed on, report)
    current = findings
    for _pass in range(MAX_PASSES):
        todo = [f for f in current if eligible(f, unsafe) and failed.get(_identity(f), ("",))[0] != done.after]
        if not todo:
            break
        candidate, applied, _left = apply_fixes(done.after, [f.fix for f in todo if f.fix is not None])
        chosen = _pick(todo, applied)
        if not chosen:  # no edit applies to the text (cannot happen for edits made from it): nothing more to do
            break
        scanned = _rescan(item, candidate, bom, options)
        if _verify(current, chosen, scanned, known) is None:
            done.after, current = candidate, scanned.findings
            done.fixed.extend(chosen)
            continue
        # one at a time, each checked against the text with the ones kept before it: the chosen fixes do not
        # overlap, so their edits (made on the pass's text) still apply together, and a refused fix no longer costs
        # the rest of the pass (which left fixes for a second --fix once the passes ran out)
        start, kept, present = done.after, list[Finding](), {_identity(f) for f in current}
        for finding in chosen:
            assert finding.fix is not None
            if _identity(finding) not in present:
                continue  # a fix kept before this one removed its finding too
            single, ok, _ = apply_fixes(start, [f.fix for f in kept if f.fix is not None] + [finding.fix])
            if len(ok) != len(kept) + 1:
                continue
            scanned = _rescan(item, single, bom, options)
            why = _verify(current, [finding], scanned, known)
            if why is not None:
                failed[_identity(finding)] = (done.after, (
                    f"{item.file}:{finding.line}: {finding.rule_id} {finding.fix.applicability} fix "
                    f"({finding.fix.description}) rolled back: {why}"))
                continue
            done.after, current = single, scanned.findings
            done.fixed.append(finding)
            kept.append(finding)
            present = {_identity(f) for f in current}
    remaining = {_identity(f) for f in current if eligible(f, unsafe)}
    outcome.problems.extend(report for key, (_text, report) in failed.items() if key in remaining)
    done.findings = current
    return done


def _pick(todo: list[Finding], applied: list[Fix]) -> list[Finding]:
    chosen, ids = [], {id(fix) for fix in applied}
    for finding in todo:
        if id(finding.fix) in ids:
            chosen.append(finding)
            ids.discard(id(finding.fix))
    return chosen


def _read(item: TemplateInput, options: ScanOptions) -> tuple[str, bool]:
    from cogcheck.cfn.parse import decode_text

    if options.stdin is not None and item.file == options.stdin[0]:
        data = options.stdin[1]
    else:
        data = read_limited(item.path, options.max_file_size)
    bom = data.startswith(b"\xef\xbb\xbf")
    text = decode_text(data)
    if (("\ufeff" if bom else "") + text).encode() != data:
        raise ReadError("is not UTF-8 text; not edited")
    return text, bom


def fix_result(result: ScanResult, options: ScanOptions, unsafe: bool) -> FixOutcome:
    """Apply the fixes of ``result``'s findings in memory (see the module's documentation); nothing is written."""
    outcome = FixOutcome()
    by_file: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_file.setdefault(finding.file, []).append(finding)
    for file, findings in sorted(by_file.items()):
        if not any(eligible(f, unsafe) for f in findings):
            continue
        item = TemplateInput(file, Path(file), explicit=True, project_path=findings[0].project_path)
        try:
            text, bom = _read(item, options)
        except ReadError as exc:
            outcome.problems.append(f"{file}: {exc.message}")
            continue
        known = {error.message for error in result.errors if error.file == file}
        outcome.files.append(_fix_file(item, text, bom, findings, known, options, unsafe, outcome))
    return outcome


def merged(result: ScanResult, outcome: FixOutcome) -> ScanResult:
    """``result`` with each fixed file's findings replaced by what it reports once fixed."""
    fixed = {f.file: f for f in outcome.files}
    findings = [f for f in result.findings if f.file not in fixed]
    for file_fix in outcome.files:
        findings.extend(file_fix.findings)
    return replace(result, findings=sorted(findings, key=Finding.sort_key))


def write_fixes(outcome: FixOutcome) -> None:
    """Write every changed file in place (atomically, never through a symbolic link, keeping its mode)."""
    for file_fix in outcome.changed:
        try:
            mode = os.stat(file_fix.path).st_mode & 0o7777
            write_safely(file_fix.path, ("\ufeff" if file_fix.bom else "") + file_fix.after)
            os.chmod(file_fix.path, mode)
        except (ReadError, OSError) as exc:
            why = exc.message if isinstance(exc, ReadError) else str(exc)
            outcome.problems.append(f"{file_fix.file}: not written: {why}")
            file_fix.after, file_fix.findings = file_fix.before, file_fix.original
            file_fix.fixed.clear()


def unified_diff(files: Iterable[FileFix]) -> str:
    import difflib

    return "".join(
        "".join(difflib.unified_diff(
            f.before.splitlines(keepends=True), f.after.splitlines(keepends=True), f"a/{f.file}", f"b/{f.file}"))
        for f in files if f.after != f.before
    )
