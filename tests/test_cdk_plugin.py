"""A real synth of a Python CDK app with cogcheck's validation plugin (tests/fixtures/cdk_plugin/app.py).

Two processes in all: `python app.py bad` as `cdk synth` runs an app (CDK_OUTDIR set, nothing of pytest in the
environment, so CDK behaves as for a user), then the other variants synthesized one after another in one process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan
from tests.helpers import FIXTURES, ROOT

APP = FIXTURES / "cdk_plugin" / "app.py"
NESTED = "ProdApiClientsDB535818.nested.template.json"


def _cdk_available() -> bool:
    try:
        found = importlib.util.find_spec("aws_cdk") is not None and importlib.util.find_spec("constructs") is not None
    except (ImportError, ValueError):
        found = False
    return found and shutil.which("node") is not None


pytestmark = [
    pytest.mark.skipif(
        not _cdk_available(), reason="needs aws-cdk-lib and constructs (pip install '.[cdk]') and Node.js"
    ),
    pytest.mark.slow,
]


def _environment(**extra: str) -> dict[str, str]:
    """The user's environment as `cdk synth` would hand it to the app: nothing of pytest (CDK reads PYTEST_* and
    NODE_ENV to guess it runs in a unit test), no CDK or JSII setting of this machine."""
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "CDK_", "JSII_")) and key != "NODE_ENV"
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1"
    env["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1"
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    work = tmp_path_factory.mktemp("bad")
    out = work / "cdk.out"
    done = subprocess.run(
        [sys.executable, str(APP), "bad"], cwd=work, env=_environment(CDK_OUTDIR=str(out)),
        capture_output=True, text=True, timeout=600, check=False,
    )
    return done, out


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path, str]:
    work = tmp_path_factory.mktemp("variants")
    done = subprocess.run(
        [sys.executable, str(APP), "--out", str(work), "fixed", "acknowledged", "beta1"], cwd=work,
        env=_environment(), capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), work, done.stderr


def _report(out: Path) -> dict[str, Any]:
    data = json.loads((out / "validation-report.json").read_text(encoding="utf-8"))
    (plugin,) = [r for r in data["pluginReports"] if r["pluginName"] == "cogcheck"]
    return plugin  # type: ignore[no-any-return]


def _constructs(violations: list[dict[str, Any]], severity: str = "error") -> set[tuple[str, str]]:
    return {
        (v["ruleName"], c["constructPath"]) for v in violations if v["severity"] == severity
        for c in v["violatingConstructs"]
    }


EXPECTED = {
    ("COG-E001", "Auth/Web"),  # a top-level stack
    ("COG-E023", "Prod/Api/Reports"),  # a stack of a stage
    ("COG-E003", "Prod/Api/Clients/Batch"),  # a nested stack in the stage
}


def test_deploy_errors_fail_the_synth_with_the_report(bad: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    done, _ = bad
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Validation failed" in done.stderr
    text = done.stderr
    for rule_id, construct in EXPECTED:
        assert f"ERROR {rule_id}: " in text
        assert f"   {construct} (" in text
        assert f"Acknowledge with 'cogcheck::{rule_id}'" in text
    # each violation shows the property and its value, and the change to make in the CDK code, not a template
    assert "ERROR COG-E003: RefreshTokenValidity is 9000 days" in text
    assert "Suggested fix: in the CDK code, change the UserPoolClient prop refreshTokenValidity" in text
    assert "Suggested fix: Resources:" not in text


def test_json_report_in_cdk_out(bad: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = bad
    report = _report(out)
    assert report["conclusion"] == "failure" and report["pluginVersion"]
    assert _constructs(report["violations"]) == EXPECTED
    by_rule = {v["ruleName"]: v for v in report["violations"]}
    nested = by_rule["COG-E003"]["violatingConstructs"][0]["cloudFormationResource"]
    assert nested == {
        "templatePath": f"assembly-Prod/{NESTED}",
        "logicalId": "Batch",
        "propertyPaths": ["Properties.RefreshTokenValidity"],
    }
    assert "9000 days" in by_rule["COG-E003"]["ruleMetadata"]["Prod/Api/Clients/Batch RefreshTokenValidity"]
    assert report["metadata"]["templates"] == "3" and report["metadata"]["clients"] == "3"
    # Warnings and notes are in the report beside the errors, at CDK's levels.
    assert {"warning", "info"} <= {v["severity"] for v in report["violations"]}


def test_the_fixed_app_synthesizes_cleanly(variants: tuple[dict[str, str], Path, str]) -> None:
    summary, work, _ = variants
    assert summary["fixed"] == "ok"
    data = json.loads((work / "fixed" / "validation-report.json").read_text(encoding="utf-8"))
    assert not [r for r in data["pluginReports"] if r["pluginName"] == "cogcheck"]
    result = scan([str(work / "fixed")], ScanOptions())
    assert not result.errors and result.clients == 3 and result.findings == []


def test_acknowledged_errors_synthesize_and_are_recorded_with_reasons(
    variants: tuple[dict[str, str], Path, str],
) -> None:
    summary, work, _ = variants
    assert summary["acknowledged"] == "ok"
    report = _report(work / "acknowledged")
    assert report["conclusion"] == "success"
    assert not _constructs(report["violations"])  # no error left; the warnings and notes stay
    acknowledged = {
        (v["acknowledgedId"], v["acknowledgedAt"], v["reason"]) for v in report["suppressedViolations"]
    }
    assert acknowledged == {
        ("cogcheck::COG-E001", "Auth/Web", "replaced by the v2 client before release"),
        ("cogcheck::COG-E003", "Prod/Api/Clients", "batch jobs re-authenticate every run"),
        ("cogcheck::COG-E023", "Prod", "the secret is added by the rollout job"),
    }


def test_offline_scan_honours_the_acknowledgements_cdk_records_in_the_assembly(
    variants: tuple[dict[str, str], Path, str],
) -> None:
    """`cogcheck scan cdk.out` agrees with the synth: acknowledgements inside a stack (a construct, a nested stack)
    come from the stack's metadata; the one on the Stage, in no stack's metadata, from CDK's validation report."""
    _, work, _ = variants
    result = scan([str(work / "acknowledged")], ScanOptions(trust_cdk_acknowledgements=True))  # synthesised here
    assert not [f for f in result.findings if f.severity == "error"]
    assert {(why.source, why.id) for _, why in result.suppressed} == {
        ("cdk", "cogcheck::COG-E001"), ("cdk", "cogcheck::COG-E003"), ("cdk", "cogcheck::COG-E023")
    }
    assert {(f.rule_id, why.reason) for f, why in result.suppressed} == {
        ("COG-E001", "replaced by the v2 client before release (acknowledged at Auth/Web)"),
        ("COG-E003", "batch jobs re-authenticate every run (acknowledged at Prod/Api/Clients)"),
        ("COG-E023", "the secret is added by the rollout job (acknowledged at Prod)"),
    }
    # Not trusted (the default): the same assembly could be hand-written, so every acknowledged error stays, each
    # with a notice naming the file that records its acknowledgement (the stack's metadata, or CDK's report).
    untrusted = scan([str(work / "acknowledged")], ScanOptions())
    assert {f.rule_id for f in untrusted.findings if f.severity == "error"} == {"COG-E001", "COG-E003", "COG-E023"}
    assert not untrusted.suppressed
    names = {Path(n.file).name for n in untrusted.notices if "acknowledgement" in n.message}
    assert "validation-report.json" in names  # the Stage's, in no stack's metadata
    assert all(n in ("manifest.json", "validation-report.json") or n.endswith(".metadata.json") for n in names), names
    # Without the report, only what the stacks' metadata records is honoured.
    (work / "acknowledged" / "validation-report.json").unlink()
    result = scan([str(work / "acknowledged")], ScanOptions(trust_cdk_acknowledgements=True))
    assert {(f.rule_id, f.construct_path) for f in result.findings if f.severity == "error"} == {
        ("COG-E023", "Prod/Api/Reports")
    }


def test_deprecated_beta1_registration_still_validates(variants: tuple[dict[str, str], Path, str]) -> None:
    summary, work, stderr = variants
    assert summary["beta1"].startswith("failed: ValidationFailed")
    assert _constructs(_report(work / "beta1")["violations"]) == EXPECTED
    assert "policyValidationBeta1 is deprecated" in stderr


def test_a_mistaken_option_is_an_error_where_the_app_is_written() -> None:
    from cogcheck.cdk import CogcheckValidation

    with pytest.raises(ValueError, match="COG-X"):
        CogcheckValidation(select=["COG-X"])
    with pytest.raises(ValueError, match="--severity"):
        CogcheckValidation(severity={"COG-E001": "fatal"})
    plugin = CogcheckValidation(severity={"COG-E001": "warning"}, parameters={"Stage": "prod"})
    assert plugin.name == "cogcheck" and "COG-E001" in plugin.rule_ids
    assert plugin.settings.severity == ("COG-E001=warning",) and plugin.settings.parameters == ("Stage=prod",)
