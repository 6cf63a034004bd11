"""The properties every fix must have, checked on a copy of one template (tests/test_fix_properties.py and the
corpus run): the fixed file parses, text outside each fix's edits is unchanged, full-line comments survive, a re-scan
no longer reports a fixed finding and reports nothing new, and a second run changes nothing."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cogcheck.cfn.parse import parse_template
from cogcheck.findings import SEVERITY_RANK, Finding
from cogcheck.fix.apply import Lines, apply_fixes
from cogcheck.scan.fixing import _identity, fix_result, write_fixes
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan

TERRAFORM_SUFFIXES = (".tf", ".tofu", ".tf.json", ".tofu.json")
_COMMENT = re.compile(r"^[ \t]*(?:#|//).*$", re.MULTILINE)


@dataclass
class Checked:
    offered: int = 0  # findings with a fix
    fixed: int = 0
    declined: Counter[str] = field(default_factory=Counter)  # why, the rule in front
    rolled_back: list[str] = field(default_factory=list)
    remaining: int = 0
    fixed_by_rule: Counter[str] = field(default_factory=Counter)
    newcomers: Counter[str] = field(default_factory=Counter)  # less severe findings a fix let appear, by rule


def _comments(text: str) -> Counter[str]:
    return Counter(line.strip() for line in _COMMENT.findall(text))


def check_single_fixes(path: Path, findings: list[Finding]) -> None:
    """Each fix alone: outside its edits the text is unchanged, the result parses, full-line comments survive."""
    text = path.read_text(encoding="utf-8-sig")
    terraform = path.name.endswith(TERRAFORM_SUFFIXES)
    for finding in findings:
        if finding.fix is None:
            continue
        fixed, applied, _left = apply_fixes(text, [finding.fix])
        assert applied, f"{finding.rule_id}: the edits of one fix do not apply to the text they were made from"
        lines = Lines(text)
        pieces, at = [], 0
        for edit in finding.fix.edits:
            start = lines.offset(edit.start_line, edit.start_column)
            end = lines.offset(edit.end_line, edit.end_column)
            pieces += [text[at:start], edit.text]
            at = end
        assert fixed == "".join(pieces) + text[at:], f"{finding.rule_id}: text outside the edits changed"
        if terraform:
            from cogcheck.inputs.terraform.hcl import parse_file

            parse_file(str(path), fixed.encode())
        else:
            parse_template(str(path), fixed.encode(), suffix=path.suffix)
        removed = "".join(text[lines.offset(e.start_line, e.start_column):lines.offset(e.end_line, e.end_column)]
                          for e in finding.fix.edits)
        lost = _comments(text) - _comments(fixed) - _comments(removed)
        assert not lost, f"{finding.rule_id}: comments lost: {sorted(lost)}"


def check_fix_run(paths: list[Path], options: ScanOptions | None = None, unsafe: bool = True) -> Checked:
    """``--fix`` (``--unsafe-fixes``) over ``paths`` (copies: they are written), checking every property."""
    options = options or ScanOptions()
    named = [str(p) for p in paths]
    before = scan(named, options)
    by_file: dict[str, list[Finding]] = {}
    checked = Checked()
    for finding in before.findings:
        by_file.setdefault(finding.file, []).append(finding)
        if finding.fix is not None:
            checked.offered += 1
        elif finding.fix_declined is not None:
            checked.declined[f"{finding.rule_id}: {finding.fix_declined}"] += 1
    for file, findings in by_file.items():
        check_single_fixes(Path(file), findings)
    outcome = fix_result(before, options, unsafe)
    write_fixes(outcome)
    checked.rolled_back = list(outcome.problems)
    checked.fixed = outcome.fixed
    after = scan(named, options)
    assert not [e for e in after.errors if e not in before.errors], f"new errors: {after.errors}"
    old = Counter(map(_identity, before.findings))
    new = Counter(map(_identity, after.findings))
    fixed = [f for file_fix in outcome.files for f in file_fix.fixed]
    severity = {_identity(f): f.severity for f in after.findings}
    for key in new - old:  # only a finding less severe than one fixed on the same client may appear
        assert any(f.resource == key[1] and SEVERITY_RANK[f.severity] > SEVERITY_RANK[severity[key]] for f in fixed), \
            f"a re-scan reports a new finding: {key}"
        checked.newcomers[key[0]] += 1
    checked.fixed_by_rule.update(f.rule_id for f in fixed)
    for finding in fixed:
        # gone (or one fewer, when the same finding is written twice); a finding a pass reworded counts as new
        assert new[_identity(finding)] < max(old[_identity(finding)], 1), f"still reported: {_identity(finding)}"
    for file_fix in outcome.changed:
        if file_fix.path.name.endswith((".tf", ".tofu")):
            from cogcheck.inputs.terraform.hcl import parse_file

            parse_file(file_fix.file, file_fix.path.read_bytes())
        else:
            parse_template(file_fix.file, file_fix.path.read_bytes(), suffix=file_fix.path.suffix)
    checked.remaining = len(after.findings)
    again = fix_result(after, options, unsafe)
    assert not again.changed, f"a second --fix changes {[f.file for f in again.changed]}"
    return checked
