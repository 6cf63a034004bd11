"""One severity: every channel gives a finding the level `cogcheck scan` gave it (cfn-lint's letter is checked by
tests/test_cfnlint_plugin.py over every rule fixture)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from cogcheck.engine.rules import load_rules
from cogcheck.report import github, gitlab, junit, markdown, sarif
from cogcheck.report import json as json_report
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan
from cogcheck.scan.result import ScanResult
from tests.helpers import RULE_FIXTURES

GITLAB = {"blocker": "error", "critical": "error", "major": "warning", "info": "note"}
WORKFLOW = {"::error": "error", "::warning": "warning", "::notice": "note"}


@pytest.fixture(scope="module")
def result() -> ScanResult:
    paths = sorted(str(p) for p in RULE_FIXTURES.glob("*/fail*.yaml"))
    scanned = scan(paths, ScanOptions(severity={"COG-S004": "error", "COG-E001": "note"}))  # overrides too
    levels = Counter(f.severity for f in scanned.findings)
    assert levels["error"] and levels["warning"] and levels["note"], levels
    return scanned


def test_every_channel_agrees_on_each_findings_severity(result: ScanResult, tmp_path: Path) -> None:
    want = {f.fingerprint: f.severity for f in result.findings}
    counts = Counter(f.severity for f in result.findings)
    assert {f.rule_id: f.severity for f in result.findings if f.rule_id in ("COG-S004", "COG-E001")} == {
        "COG-S004": "error", "COG-E001": "note"
    }

    document = json.loads(json_report.render(result))
    assert {f["fingerprint"]: f["severity"] for f in document["findings"]} == want

    log = json.loads(sarif.render(result, load_rules(), root=tmp_path, cwd=tmp_path))
    got = {r["partialFingerprints"][sarif.FINGERPRINT_KEY]: r["level"] for r in log["runs"][0]["results"]}
    assert got == want

    issues = json.loads(gitlab.render(result, root=tmp_path, cwd=tmp_path))
    assert Counter(GITLAB[i["severity"]] for i in issues) == counts

    lines = github.render(result, root=tmp_path, cwd=tmp_path, max_per_level=10**6).splitlines()
    assert Counter(WORKFLOW[line.split(" ", 1)[0]] for line in lines if line.startswith("::")) == counts

    root = ET.fromstring(junit.render(result, load_rules(), fail_on="note"))
    assert Counter(failure.get("type") for failure in root.iter("failure")) == counts

    table = markdown.render(result, root=tmp_path, cwd=tmp_path, max_rows=10**6, max_chars=10**9)
    rows = [line for line in table.splitlines() if line.startswith(("| error |", "| warning |", "| note |"))]
    assert Counter(row.split(" | ")[0][2:] for row in rows) == counts
