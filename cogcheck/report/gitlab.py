"""``--format gitlab``: a GitLab Code Quality report (``artifacts: reports: codequality:``).

GitLab reads a JSON array of issues, each with (docs.gitlab.com, CI > Testing > Code Quality, "Code Quality report
format"): ``description``, ``check_name``, ``fingerprint`` (unique per issue: GitLab shows one issue per
fingerprint), ``severity`` (``info``, ``minor``, ``major``, ``critical`` or ``blocker``), ``location.path`` (relative
to the repository root) and ``location.lines.begin``. The other keys of the Code Climate issue that format comes from
(``type``, ``categories``) are written too; GitLab ignores them.

Severities: a deploy error (COG-E at error: CloudFormation or Cognito would refuse the template) is ``blocker``; a
security error is ``critical``; a warning ``major``; a note ``info``. A finding traced to a CDK source line in the
repository is reported there, like ``--format github``. Fingerprints are :attr:`~cogcheck.findings.Finding.fingerprint`
(no line numbers, no working directory), made unique for a second finding with the same identity. Inputs that could
not be read are ``critical`` issues with ``check_name`` ``cogcheck/input-error``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from cogcheck.findings import Finding
from cogcheck.report.sarif import Locator, describe, uses_source
from cogcheck.scan.result import ScanResult

SEVERITY = {"warning": "major", "note": "info"}
CATEGORIES = {"E": ["Bug Risk"], "S": ["Security"]}


def severity(finding: Finding) -> str:
    if finding.severity == "error":
        return "blocker" if finding.rule_id.startswith("COG-E") else "critical"
    return SEVERITY.get(finding.severity, "minor")


def _issue(finding: Finding, locator: Locator, fingerprint: str) -> dict[str, Any]:
    if uses_source(finding, locator) and finding.source is not None:
        path, line = locator.path(finding.source.file, source=True), finding.source.line
    else:
        path, line = locator.path(finding.file), finding.line
    return {
        "type": "issue",
        "description": f"{finding.rule_id} {describe(finding)}",
        "check_name": finding.rule_id,
        "categories": CATEGORIES.get(finding.rule_id[4:5], ["Bug Risk"]),
        "fingerprint": fingerprint,
        "severity": severity(finding),
        "location": {"path": path, "lines": {"begin": max(1, line)}},
    }


def render(
    result: ScanResult,
    *,
    root: Path | str | None = None,
    cwd: Path | str | None = None,
    source_root: Path | str | None = None,
) -> str:
    """``root``, ``cwd`` and ``source_root`` as for :func:`cogcheck.report.sarif.render`."""
    locator = Locator.create(root, cwd, source_root)
    seen: Counter[str] = Counter()
    issues = []
    for finding in result.findings:
        seen[finding.fingerprint] += 1
        fingerprint = finding.fingerprint
        if seen[fingerprint] > 1:
            fingerprint = hashlib.sha256(f"{fingerprint}:{seen[fingerprint]}".encode()).hexdigest()[:32]
        issues.append(_issue(finding, locator, fingerprint))
    for error in result.errors:
        path = locator.path(error.file)
        identity = hashlib.sha256(json.dumps([f"{error.kind}-error", path, error.message]).encode()).hexdigest()[:32]
        issues.append({
            "type": "issue",
            "description": f"cogcheck could not read this input: {error.message}" if error.kind == "input"
            else f"cogcheck: {error.message}",
            "check_name": f"cogcheck/{error.kind}-error",
            "categories": ["Bug Risk"],
            "fingerprint": identity,
            "severity": "critical",
            "location": {"path": path, "lines": {"begin": max(1, error.line or 1)}},
        })
    return json.dumps(issues, indent=2) + "\n"
