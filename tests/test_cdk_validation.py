"""The CDK plugin's work without CDK (cogcheck.cdk.validation) on committed assemblies, and CDK acknowledgements
honoured by `cogcheck scan cdk.out`. The real synth is in test_cdk_plugin.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cogcheck.cdk.validation import INPUT_ERROR, Settings, plain, validate
from cogcheck.config.options import OptionError
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan
from tests.helpers import BAD_CLIENT as BAD
from tests.helpers import FIXTURES

ASSEMBLY = FIXTURES / "cdk" / "assemblies" / "clilike"
AUTH = ASSEMBLY / "Auth.template.json"
PROD = ASSEMBLY / "assembly-Prod" / "ProdApi2466CF1F.template.json"
NESTED = "ProdApiNested18379C46.nested.template.json"


@pytest.fixture
def assembly(tmp_path: Path) -> Path:
    """A copy of the committed assembly, somewhere with no configuration file above it."""
    copy = tmp_path / "app" / "cdk.out"
    shutil.copytree(ASSEMBLY, copy)
    return copy


def stacks(root: Path) -> list[str]:
    """The template paths CDK hands a plugin registered on the App: top-level stacks, stages included, absolute."""
    return [str(root / "Auth.template.json"), str(root / "assembly-Prod" / "ProdApi2466CF1F.template.json")]


def identities(violations: list) -> set[tuple[str, str, str]]:  # type: ignore[type-arg]
    return {(v.rule_name, Path(r.template_path).name, r.logical_id) for v in violations for r in v.resources}


def test_same_findings_as_scanning_the_assembly_nested_stacks_included(
    assembly: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(assembly.parent)
    outcome = validate(stacks(assembly), Settings())
    offline = scan(["cdk.out"], ScanOptions())
    assert not outcome.result.errors and outcome.result.clients == offline.clients == 9
    assert identities(outcome.violations) == {(f.rule_id, Path(f.file).name, f.resource) for f in offline.findings}
    assert any(Path(r.template_path).name == NESTED for v in outcome.violations for r in v.resources)
    # Files are named as `cogcheck scan cdk.out` names them, so fingerprints and per-path ignores agree.
    assert {f.fingerprint for f in outcome.result.findings} == {f.fingerprint for f in offline.findings}
    assert all(Path(r.template_path).is_absolute() for v in outcome.violations for r in v.resources)


def test_one_violation_per_rule_severity_and_resource_with_cdk_levels(assembly: Path) -> None:
    outcome = validate(stacks(assembly), Settings())
    keys = [(v.rule_name, v.severity, r.template_path, r.logical_id) for v in outcome.violations for r in v.resources]
    assert len(keys) == len(set(keys)) == len(outcome.violations)  # one resource each, never twice
    assert {v.severity for v in outcome.violations} == {"error", "warning", "info"}  # note → info
    e003 = next(v for v in outcome.violations if v.rule_name == "COG-E003")
    # What CDK prints of a violation is its description and fix: the property and its value, and the CDK change.
    assert e003.severity == "error" and e003.description.startswith("COG-E003: RefreshTokenValidity is 9000 days")
    assert e003.fix is not None and "refreshTokenValidity" in e003.fix and "cogcheck rule COG-E003" in e003.fix
    assert "Resources:" not in e003.fix  # no template pasted into every violation
    (batch,) = e003.resources
    assert batch.logical_id == "Batch" and batch.locations == ("Properties.RefreshTokenValidity",)
    assert any("9000 days" in message for message in e003.metadata.values())
    assert e003.metadata["docs"] == "cogcheck rule COG-E003"
    assert not outcome.success


def test_several_findings_on_one_resource_make_one_violation_each_property_named() -> None:
    from cogcheck.cdk.validation import violations
    from tests.helpers import make_finding

    found = [
        make_finding(property="AccessTokenValidity", message="AccessTokenValidity is 25 hours",
                     cdk_fix="in the CDK code, change the UserPoolClient prop accessTokenValidity"),
        make_finding(property="TokenValidityUnits.AccessToken", message="the unit is wrong",
                     cdk_fix="make the change in the CDK code: write minutes"),
        make_finding(property="IdTokenValidity", message="IdTokenValidity is 25 hours", line=9,
                     cdk_fix="make the change in the CDK code: write minutes"),  # said once
    ]
    (violation,) = violations(found, {})
    assert violation.description == (
        "COG-E001: AccessTokenValidity is 25 hours; the unit is wrong (Properties.TokenValidityUnits.AccessToken); "
        "IdTokenValidity is 25 hours"
    )
    assert violation.resources[0].locations == (
        "Properties.AccessTokenValidity", "Properties.TokenValidityUnits.AccessToken", "Properties.IdTokenValidity",
    )
    assert violation.fix is not None and violation.fix.splitlines() == [
        "in the CDK code, change the UserPoolClient prop accessTokenValidity",
        "make the change in the CDK code: write minutes",
    ]
    # a template outside a cloud assembly was not written by CDK: no change of CDK code to suggest
    (loose,) = violations([make_finding()], {})
    assert loose.fix is None


def test_the_cdk_change_is_the_findings_own_else_the_prop_to_change() -> None:
    from cogcheck.inputs.cdk.advice import cdk_change
    from cogcheck.report.ruledocs import docs_command

    generated = ("the template is generated by the CDK and is not edited: make the change in the CDK code (the "
                 "UserPoolClient prop x): set it")
    assert cdk_change("COG-E001", "AccessTokenValidity", generated) == (
        "make the change in the CDK code (the UserPoolClient prop x): set it"
    )
    # a rule's reason for offering no fix (COG-E001: several units would fit) follows the prop to change
    reason = cdk_change("COG-E001", "AccessTokenValidity", "10 is in range as minutes or hours")
    assert "prop accessTokenValidity" in reason
    assert reason.endswith("(no single edit: 10 is in range as minutes or hours)")
    known = cdk_change("COG-E001", "AccessTokenValidity", None)
    assert "UserPoolClient prop accessTokenValidity (or AccessTokenValidity of a CfnUserPoolClient)" in known
    assert f"`{docs_command('COG-E001')}` shows what to use instead" in known
    derived = cdk_change("COG-E002", "TokenValidityUnits.AccessToken", None)  # CDK derives it from the durations
    assert "what writes Properties.TokenValidityUnits.AccessToken (a CfnUserPoolClient's TokenValidityUnits" in derived
    assert "change the client;" in cdk_change("COG-S001", "", None)


def test_json_findings_of_a_cloud_assembly_carry_the_cdk_change(assembly: Path, tmp_path: Path) -> None:
    """What the npm plugin (cdk-plugin/) reads to suggest the same fix as the Python plugin."""
    result = scan([str(assembly)], ScanOptions())
    assert result.findings
    for finding in result.findings:
        data = finding.as_json()
        assert data["cdk_fix"] == finding.cdk_fix and "CDK code" in data["cdk_fix"]
    batch = next(f for f in result.findings if f.rule_id == "COG-E003")
    assert batch.cdk_fix is not None and "UserPoolClient prop refreshTokenValidity" in batch.cdk_fix
    (tmp_path / "loose.yaml").write_text(BAD, encoding="utf-8")
    loose = scan([str(tmp_path / "loose.yaml")], ScanOptions())
    assert loose.findings and all("cdk_fix" not in f.as_json() for f in loose.findings)


def test_rule_with_per_case_severity_keeps_it(assembly: Path) -> None:
    """COG-E027 warns when the provider may exist first: that case stays a warning, as in every channel."""
    outcome = validate(stacks(assembly), Settings(select=("COG-E027",)))
    assert {(v.rule_name, v.severity) for v in outcome.violations} == {("COG-E027", "warning")}
    assert outcome.success


def test_warnings_and_notes_do_not_fail_and_options_apply(assembly: Path) -> None:
    only_security = validate(stacks(assembly), Settings(select=("COG-S",)))
    assert only_security.violations and only_security.success
    levels = ("COG-E001=warning", "COG-E002=warning", "COG-E003=note", "COG-E004=warning", "COG-E023=warning")
    downgraded = validate(stacks(assembly), Settings(select=("COG-E",), severity=levels))
    assert {v.rule_name: v.severity for v in downgraded.violations}["COG-E003"] == "info"
    assert downgraded.success
    ignored = validate(stacks(assembly), Settings(ignore=("COG-E003",)))
    assert "COG-E003" not in {v.rule_name for v in ignored.violations}


def test_stage_plugin_sees_only_its_stacks(assembly: Path) -> None:
    """A plugin added to a Stage gets that stage's templates only; their nested stacks come along."""
    outcome = validate([str(assembly / "assembly-Prod" / "ProdApi2466CF1F.template.json")], Settings())
    files = {Path(r.template_path).name for v in outcome.violations for r in v.resources}
    assert files == {"ProdApi2466CF1F.template.json", NESTED}


def test_configuration_found_from_cdk_out_upwards(assembly: Path, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (assembly.parent / ".cogcheck.yaml").write_text("select: [COG-E]\nignore: [COG-E001]\n", encoding="utf-8")
    names = {v.rule_name for v in validate(stacks(assembly), Settings()).violations}
    assert names and all(n.startswith("COG-E") for n in names) and "COG-E001" not in names
    (assembly.parent / ".cogcheck.yaml").write_text("select: [COG-X]\n", encoding="utf-8")
    with pytest.raises(OptionError, match="COG-X"):
        validate(stacks(assembly), Settings())


def test_configuration_from_the_working_directory_when_cdk_out_is_elsewhere(
    assembly: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`python app.py` without CDK_OUTDIR synthesizes into a temporary directory: the app's directory counts."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.cogcheck]\nselect = ["COG-E003"]\n', encoding="utf-8")
    monkeypatch.chdir(project)
    outcome = validate(stacks(assembly), Settings())
    assert {v.rule_name for v in outcome.violations} == {"COG-E003"}
    assert all(Path(r.template_path).is_absolute() for v in outcome.violations for r in v.resources)


def test_unreadable_template_is_a_fatal_violation_and_the_rest_is_checked(assembly: Path) -> None:
    nested = assembly / "assembly-Prod" / NESTED
    nested.write_text('{"Resources": {"C": {"Type": "AWS::Cognito::UserPoolClient", ', encoding="utf-8")
    outcome = validate(stacks(assembly), Settings())
    errors = [v for v in outcome.violations if v.rule_name == INPUT_ERROR]
    assert len(errors) == 1 and errors[0].severity == "fatal" and NESTED in errors[0].description
    assert Path(errors[0].resources[0].template_path).name == NESTED
    assert {"COG-E001", "COG-E023"} <= {v.rule_name for v in outcome.violations}
    assert not outcome.success


def test_template_outside_an_assembly_is_scanned_as_a_loose_template(tmp_path: Path) -> None:
    template = tmp_path / "loose.yaml"
    template.write_text(BAD, encoding="utf-8")
    outcome = validate([str(template)], Settings(select=("COG-E001",)))
    assert [(v.rule_name, Path(v.resources[0].template_path)) for v in outcome.violations] == [("COG-E001", template)]


def test_template_metadata_suppression_applies_and_is_counted(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    suppressed = BAD.replace(
        "    Type: AWS::Cognito::UserPoolClient\n",
        "    Type: AWS::Cognito::UserPoolClient\n"
        "    Metadata: {cogcheck: {ignore: [{id: COG-E001, reason: replaced in the next release}]}}\n",
    )
    template.write_text(suppressed, encoding="utf-8")
    outcome = validate([str(template)], Settings(select=("COG-E001",)))
    assert outcome.violations == [] and outcome.metadata["suppressed in template Metadata"] == "1"


def test_input_text_is_neutralised_for_the_terminal() -> None:
    assert plain("a\x1b[31mb\x07c\u202ed\n") == "a\ufffd[31mb\ufffdc\ufffdd\ufffd"
    assert plain("Prod/Api/Pool/App https://example.com") == "Prod/Api/Pool/App https://example.com"


def _acknowledge(assembly: Path, construct: str, rule_id: str, reason: str) -> None:
    metadata_file = assembly / "Auth.metadata.json"
    entries = json.loads(metadata_file.read_text(encoding="utf-8"))
    entries.setdefault(construct, []).append(
        {"type": "aws:cdk:acknowledged-rules", "data": {f"cogcheck::{rule_id}": reason}, "trace": ["at <anonymous>"]}
    )
    metadata_file.write_text(json.dumps(entries), encoding="utf-8")


def test_scan_honours_cdk_acknowledgements_recorded_in_the_assembly(assembly: Path) -> None:
    before = scan([str(assembly)], ScanOptions())
    mobile = [f for f in before.findings if f.rule_id == "COG-E001" and f.construct_path == "Auth/Users/Mobile"]
    assert mobile
    _acknowledge(assembly, "/Auth/Users", "COG-E001", "legacy client, removed in Q3")  # a parent of the client
    _acknowledge(assembly, "/Auth/Users/Web", "COG-S099", "an id no rule has")
    # Untrusted (the default): nothing shows a synth wrote the assembly, so the finding stays, with a notice naming
    # the file that records the acknowledgement.
    untrusted = scan([str(assembly)], ScanOptions())
    assert sorted(map(repr, untrusted.findings)) == sorted(map(repr, before.findings)) and not untrusted.suppressed
    ignored = [n for n in untrusted.notices if "cogcheck::COG-E001" in n.message]
    assert {(n.file, n.resource) for n in ignored} == {(str(assembly / "Auth.metadata.json"), mobile[0].resource)}
    assert "--trust-cdk-acknowledgements" in ignored[0].message and "at Auth/Users" in ignored[0].message
    after = scan([str(assembly)], ScanOptions(trust_cdk_acknowledgements=True))
    assert not [f for f in after.findings if f.rule_id == "COG-E001" and f.construct_path == "Auth/Users/Mobile"]
    (why,) = {why for finding, why in after.suppressed if finding.construct_path == "Auth/Users/Mobile"}
    assert (why.source, why.id) == ("cdk", "cogcheck::COG-E001")
    assert why.reason == "legacy client, removed in Q3 (acknowledged at Auth/Users)"
    assert len(after.findings) == len(before.findings) - len(mobile)
    # The plugin leaves acknowledgements to CDK, which records them in its report with their reasons.
    plugin = validate(stacks(assembly), Settings(select=("COG-E001",)))
    assert ("COG-E001", "Auth.template.json", mobile[0].resource) in identities(plugin.violations)


def test_acknowledgement_needs_the_plugin_namespace_and_the_exact_id(assembly: Path) -> None:
    for construct, ack in (("/Auth", "COG-E001"), ("/Auth", "Cogcheck::COG-E001"), ("/Auth", "cogcheck::COG-E")):
        entries = json.loads((assembly / "Auth.metadata.json").read_text(encoding="utf-8"))
        entries.setdefault(construct, []).append({"type": "aws:cdk:acknowledged-rules", "data": {ack: "why"}})
        (assembly / "Auth.metadata.json").write_text(json.dumps(entries), encoding="utf-8")
    result = scan([str(assembly)], ScanOptions(trust_cdk_acknowledgements=True))
    assert any(f.rule_id == "COG-E001" and f.stack == "Auth" for f in result.findings)
    assert not result.suppressed


def _report_acknowledging(assembly: Path, rule_id: str, logical_id: str, template: str, **changes: object) -> None:
    """A validation-report.json as CDK writes it when it applied an acknowledgement on the App."""
    suppressed = {
        "ruleName": rule_id, "severity": "error", "acknowledgedId": f"cogcheck::{rule_id}", "reason": "app-wide",
        "violatingConstructs": [{"cloudFormationResource": {"templatePath": template, "logicalId": logical_id}}],
    }
    report = {"pluginName": "cogcheck", "conclusion": "success", "violations": [], "suppressedViolations": [suppressed]}
    report.update(changes)
    document = {"version": "55.0.0", "title": "Validation Report", "pluginReports": [report]}
    (assembly / "validation-report.json").write_text(json.dumps(document), encoding="utf-8")


def test_scan_honours_acknowledgements_in_cdks_validation_report(assembly: Path) -> None:
    """An acknowledgement on the App or a Stage is only in the report CDK writes; it counts for that rule, template
    and logical id only, and not at all from another plugin's report or from a report older than the manifest."""
    template = f"assembly-Prod/{NESTED}"

    trusted = ScanOptions(trust_cdk_acknowledgements=True)

    def errors() -> set[tuple[str, str]]:
        return {(f.rule_id, f.resource) for f in scan([str(assembly)], trusted).findings if f.severity == "error"}

    before = errors()
    assert ("COG-E003", "Batch") in before
    _report_acknowledging(assembly, "COG-E003", "Batch", template)
    assert errors() == before - {("COG-E003", "Batch")}
    untrusted = scan([str(assembly)], ScanOptions())  # a committed report counts for nothing unless trusted
    assert not untrusted.suppressed and ("COG-E003", "Batch") in {(f.rule_id, f.resource) for f in untrusted.findings}
    assert [(n.file, n.resource) for n in untrusted.notices if "COG-E003" in n.message] == [
        (str(assembly / "validation-report.json"), "Batch")
    ]
    ((finding, why),) = scan([str(assembly)], trusted).suppressed
    assert (finding.rule_id, why.id, why.reason) == ("COG-E003", "cogcheck::COG-E003", "app-wide")
    _report_acknowledging(assembly, "COG-E003", "Batch", template, pluginName="other")
    assert errors() == before
    _report_acknowledging(assembly, "COG-E003", "Federated", template)
    assert errors() == before
    _report_acknowledging(assembly, "COG-E003", "Batch", template)
    old = (assembly / "manifest.json").stat().st_mtime - 60
    os.utime(assembly / "validation-report.json", (old, old))
    assert errors() == before
    (assembly / "validation-report.json").write_text("{ broken", encoding="utf-8")
    result = scan([str(assembly)], trusted)
    assert {(f.rule_id, f.resource) for f in result.findings if f.severity == "error"} == before
    assert any(n.file.endswith("validation-report.json") for n in result.notices)


def test_text_summary_counts_acknowledgements_apart(assembly: Path) -> None:
    _acknowledge(assembly, "/Auth", "COG-E001", "whole stack")
    done = subprocess.run(
        [sys.executable, "-m", "cogcheck", "scan", str(assembly), "--select", "COG-E001",
         "--trust-cdk-acknowledgements"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "acknowledged in CDK" in done.stdout.splitlines()[-1]


def test_cogcheck_its_scan_and_the_plugins_work_never_import_cdk(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(BAD, encoding="utf-8")
    code = (
        "import sys; import cogcheck, cogcheck.cdk, cogcheck.cdk.validation; from cogcheck.cli import main\n"
        "sys.argv = ['cogcheck', 'scan', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n"
        "    print(exit.code, sorted(m for m in ('aws_cdk', 'jsii', 'constructs') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "1 []"
