"""Terraform plan JSON: planned values, after_unknown as unknown, configuration references, .tf lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.helpers import FIXTURES, scan_paths

PLAN_DIR = FIXTURES / "terraform" / "plan"


def keyed(findings: Any) -> set[tuple[str, str, str]]:
    return {(f.rule_id, f.resource, f.property) for f in findings}


def test_plan_findings_match_the_configuration_and_point_at_tf_lines() -> None:
    from_plan = scan_paths(PLAN_DIR / "plan.json")
    from_config = scan_paths(PLAN_DIR / "main.tf")
    assert not from_plan.errors and not from_config.errors
    assert keyed(from_plan.findings) == keyed(from_config.findings)
    assert {(f.rule_id, f.line) for f in from_plan.findings} == {(f.rule_id, f.line) for f in from_config.findings}
    e015 = next(f for f in from_plan.findings if f.rule_id == "COG-E015")
    assert Path(e015.file).as_posix().endswith("modules/auth/main.tf") and e015.line == 16
    assert e015.resource == 'module.auth.aws_cognito_user_pool_client.this["web"]'
    # the pool reached the client through the module variable: the scope rule knows no server defines api/*
    assert any(f.rule_id == "COG-E018" for f in from_plan.findings)
    # a unit the configuration leaves out is the provider's default, not a unit without a value (COG-S016)
    assert not any(f.rule_id == "COG-S016" for f in from_plan.findings)


def _plan(tmp_path: Path, change: Any = None) -> Path:
    doc = json.loads((PLAN_DIR / "plan.json").read_text(encoding="utf-8"))
    if change is not None:
        change(doc)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def test_plan_without_configuration_points_at_the_plan(tmp_path: Path) -> None:
    result = scan_paths(_plan(tmp_path))
    rules = {f.rule_id for f in result.findings}
    assert {"COG-E015", "COG-E018"} <= rules
    assert {Path(f.file).name for f in result.findings} == {"plan.json"}
    assert all(f.line > 1 for f in result.findings)


def _client(doc: Any) -> Any:
    return next(c for c in doc["resource_changes"] if c["type"] == "aws_cognito_user_pool_client")["change"]


def test_unknown_after_values_make_rules_abstain(tmp_path: Path) -> None:
    def unknown_urls(doc: Any) -> None:
        change = _client(doc)
        del change["after"]["callback_urls"]
        change["after_unknown"]["callback_urls"] = True

    result = scan_paths(_plan(tmp_path, unknown_urls))
    assert not {"COG-E015", "COG-S010"} & {f.rule_id for f in result.findings}
    assert "COG-E018" in {f.rule_id for f in result.findings}


def test_stored_zero_validity_of_an_unconfigured_argument_is_the_default(tmp_path: Path) -> None:
    def update(doc: Any) -> None:
        change = _client(doc)
        change["actions"] = ["update"]
        change["after"]["refresh_token_validity"] = 0
        del change["after_unknown"]["refresh_token_validity"]

    result = scan_paths(_plan(tmp_path, update))
    assert "COG-E003" not in {f.rule_id for f in result.findings}


def test_deleted_clients_are_not_checked_and_unknown_format_is_an_error(tmp_path: Path) -> None:
    def delete(doc: Any) -> None:
        change = _client(doc)
        change["actions"], change["after"] = ["delete"], None

    assert not scan_paths(_plan(tmp_path, delete)).findings

    def future(doc: Any) -> None:
        doc["format_version"] = "2.0"

    # a plan cogcheck cannot read may hide clients: an error naming it (it was a notice with exit 0)
    result = scan_paths(_plan(tmp_path, future))
    assert not result.findings and not result.notices
    assert [(Path(e.file).name, "format_version '2.0'" in e.message) for e in result.errors] == [("plan.json", True)]


def test_json_with_the_type_name_that_is_not_a_plan_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text('{"comment": "aws_cognito_user_pool_client"}', encoding="utf-8")
    result = scan_paths(tmp_path)
    assert not result.errors and not result.findings


def test_tf_root_option(tmp_path: Path) -> None:
    from tests.test_cli import run

    plan = _plan(tmp_path)
    shutil.copytree(PLAN_DIR, tmp_path / "config", ignore=shutil.ignore_patterns("plan.json"))
    code, out, _ = run("scan", str(plan), "--tf-root", str(tmp_path / "config"), "-f", "json")
    files = {Path(f["file"]).name for f in json.loads(out)["findings"]}
    assert code == 1 and files == {"main.tf"}


def test_a_plan_beside_its_configuration_reports_each_finding_once() -> None:
    both = scan_paths(PLAN_DIR)
    alone = scan_paths(PLAN_DIR / "main.tf")
    assert sorted(map(repr, both.findings)) == sorted(map(repr, alone.findings))
