"""The fix data model: a fix is not part of a finding's identity, and JSON carries it as splices."""

from __future__ import annotations

import dataclasses

from cogcheck.findings import Edit, Finding, Fix


def _finding(**changes: object) -> Finding:
    base = Finding(
        rule_id="COG-E001", severity="error", message="m", file="t.yaml", line=3, column=5, resource="C",
        resource_type="AWS::Cognito::UserPoolClient", property="AccessTokenValidity",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_fix_does_not_change_identity_nor_equality() -> None:
    fix = Fix("safe", "write minutes", (Edit("t.yaml", 3, 5, 3, 12, "minutes"),))
    plain, fixed = _finding(), _finding(fix=fix, fix_declined=None)
    assert plain == fixed
    assert plain.fingerprint == fixed.fingerprint
    assert "fix" not in plain.as_json()


def test_json_carries_edits() -> None:
    fix = Fix("unsafe", "d", (Edit("t.yaml", 3, 5, 3, 5, "x: 1\n"),))
    document = _finding(fix=fix).as_json()
    assert document["fix"] == {
        "applicability": "unsafe", "description": "d",
        "edits": [{"file": "t.yaml", "start": {"line": 3, "column": 5}, "end": {"line": 3, "column": 5},
                   "text": "x: 1\n"}],
    }
    assert _finding(fix_declined="the value comes from parameter Stage").as_json()["fix_declined"].startswith("the")
