"""Baselines: accept today's findings, report only new ones.

A baseline file is a small JSON document::

    {
      "version": 1,
      "tool": "cogcheck",
      "fingerprints": [
        {"fingerprint": "…", "rule_id": "COG-E001", "resource": "WebClient", "property": "AccessTokenValidity",
         "where": "template.yaml"},
        …
      ]
    }

Only ``fingerprint`` is matched (:attr:`cogcheck.findings.Finding.fingerprint`: rule, CDK stack or the template's
path in its project, resource, property and scenario — no line numbers), so moving lines or reordering resources keeps
findings matched; the other keys are there for the humans reviewing the file. Matching counts: a fingerprint listed
once absorbs one finding.

The template's path is relative to the project root (the git work tree; see :mod:`cogcheck.inputs.project`), not to
the working directory: a baseline written at the repository root applies when CI scans from a subdirectory, or with
absolute paths. Baselines written by earlier versions used the path as typed; those written from the repository root
with relative paths (the usual case) have the same fingerprints and keep working; others are rewritten once with
``--write-baseline``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cogcheck.findings import Finding, Notice
from cogcheck.scan.result import ScanResult

VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be used: a usage error."""


@dataclass(frozen=True)
class Baseline:
    fingerprints: Counter[str]

    def __len__(self) -> int:
        return sum(self.fingerprints.values())


def render_baseline(findings: Iterable[Finding]) -> str:
    """The baseline file for ``findings`` (deterministic: sorted, no timestamps)."""
    entries = sorted(
        (
            {
                "fingerprint": finding.fingerprint,
                "rule_id": finding.rule_id,
                "resource": finding.resource,
                "property": finding.property,
                "where": finding.where,
            }
            for finding in findings
        ),
        key=lambda e: (e["where"], e["resource"], e["rule_id"], e["property"], e["fingerprint"]),
    )
    document = {"version": VERSION, "tool": "cogcheck", "fingerprints": entries}
    return json.dumps(document, indent=2) + "\n"


def from_findings(findings: Iterable[Finding]) -> Baseline:
    return Baseline(Counter(finding.fingerprint for finding in findings))


def parse_baseline(text: str, name: str = "baseline") -> Baseline:
    from cogcheck.cfn.parse import JsonError, load_json

    try:
        data: Any = load_json(text)
    except JsonError as exc:
        where = f"{name}:{exc.line}" if exc.line else name
        raise BaselineError(f"baseline {where} is not JSON: {exc.message}") from None
    if not isinstance(data, dict) or "fingerprints" not in data:
        raise BaselineError(f"baseline {name} is not a cogcheck baseline (write one with --write-baseline)")
    if data.get("version") != VERSION:
        shown = data.get("version")
        shown = shown if isinstance(shown, str | int | None) and len(str(shown)) <= 20 else "?"
        raise BaselineError(f"baseline {name} has version {shown!r}; this cogcheck reads {VERSION}")
    entries = data["fingerprints"]
    if not isinstance(entries, list):
        raise BaselineError(f"baseline {name}: 'fingerprints' must be a list")
    fingerprints: Counter[str] = Counter()
    for index, entry in enumerate(entries):
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fingerprint, str) or not fingerprint:
            raise BaselineError(f"baseline {name}: fingerprints[{index}] has no fingerprint")
        fingerprints[fingerprint] += 1
    return Baseline(fingerprints)


def load_baseline(path: Path) -> Baseline:
    from cogcheck.inputs.files import MAX_OPTION_FILE_SIZE, ReadError, read_limited

    try:
        text = read_limited(path, MAX_OPTION_FILE_SIZE).decode("utf-8")
    except ReadError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.message.removeprefix('cannot read: ')}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"baseline {path} is not UTF-8 text") from None
    return parse_baseline(text, str(path))


def write_baseline_file(path: Path, findings: Iterable[Finding], inputs: Collection[str] = ()) -> None:
    """Write the baseline atomically, never through a symbolic link nor over a scanned input (``inputs``)."""
    from cogcheck.inputs.files import ReadError, write_safely

    try:
        write_safely(path, render_baseline(findings), inputs)
    except ReadError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.message.removeprefix('cannot write: ')}") from None


def apply_baseline(result: ScanResult, baseline: Baseline, source: str | None = None) -> ScanResult:
    """A copy of ``result`` whose ``findings`` are those not in ``baseline``; the others move to ``baselined``.

    ``source``: the baseline file's name; then entries that matched nothing are counted in a notice (fixed findings,
    or a baseline written by an older cogcheck from another directory, whose paths were the working directory's).
    """
    remaining = Counter(baseline.fingerprints)
    fresh: list[Finding] = []
    known: list[Finding] = list(result.baselined)
    for finding in result.findings:
        fingerprint = finding.fingerprint
        if remaining[fingerprint] > 0:
            remaining[fingerprint] -= 1
            known.append(finding)
        else:
            fresh.append(finding)
    known.sort(key=Finding.sort_key)
    notices = list(result.notices)
    unused = sum(remaining.values())
    if source is not None and unused:
        message = f"{unused} of {len(baseline)} baseline entries matched no finding (fixed since, or out of scope)"
        if not known and fresh:
            message += (
                "; none matched: a baseline written by an earlier cogcheck (whose paths were relative to the "
                "working directory) from another directory than the project root: write it again with --write-baseline"
            )
        notices.append(Notice(source, None, message))
    return replace(result, findings=fresh, baselined=known, notices=notices)
