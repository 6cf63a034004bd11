"""Unknown is not wrong: enumerated values are errors only when they cannot be right (known.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cogcheck.config.files import load_config
from cogcheck.config.options import OptionError, build_policy
from cogcheck.model.known import ENUMERATIONS, KNOWN_VALUES_DATE, classify
from tests.helpers import scan_paths

FLOWS = ENUMERATIONS["explicit-auth-flows"]


@pytest.mark.parametrize(
    ("value", "kind", "meant"),
    [
        ("ALLOW_USER_SRP_AUTH", "known", None),
        ("ALLOW_CLIENT_TOKEN_AUTH", "known", None),
        ("ALLOW_TOKEN_EXCHANGE_DELEGATION", "known", None),
        ("allow_user_srp_auth", "near-miss", "ALLOW_USER_SRP_AUTH"),
        ("ALLOW-USER-SRP-AUTH", "near-miss", "ALLOW_USER_SRP_AUTH"),
        ("USER_SRP_AUTH", "near-miss", "ALLOW_USER_SRP_AUTH"),
        ("ALLOW_REFRESH_TOKEN_AUHT", "near-miss", "ALLOW_REFRESH_TOKEN_AUTH"),
        ("ALLOW_USER_PASWORD_AUTH", "near-miss", "ALLOW_USER_PASSWORD_AUTH"),
        ("Allow user SRP", "near-miss", "ALLOW_USER_SRP_AUTH"),  # other case and separators, _AUTH dropped
        ("Allow passkeys", "malformed", None),
        # a prefix or suffix the enumeration uses, dropped or doubled
        ("ALLOW_USER_SRP", "near-miss", "ALLOW_USER_SRP_AUTH"),
        ("ALLOW_ALLOW_USER_SRP_AUTH", "near-miss", "ALLOW_USER_SRP_AUTH"),
        ("ALLOW_USER_SRP_AUTH_AUTH", "near-miss", "ALLOW_USER_SRP_AUTH"),
        ("ALLOW_CUSTOM_AUTH_AUTH", "near-miss", "ALLOW_CUSTOM_AUTH"),
        ("ALLOW_CUSTOM_AUTH_FLOW_ONLY", "near-miss", "CUSTOM_AUTH_FLOW_ONLY"),
        (True, "malformed", None),
        (3, "malformed", None),
        ("ALLOW_PASSKEY_AUTH", "unrecognised", None),
        ("ALLOW_SRP_AUTH", "unrecognised", None),
    ],
)
def test_explicit_auth_flows(value: object, kind: str, meant: str | None) -> None:
    verdict = classify(FLOWS, value)
    assert verdict.kind == kind
    if meant:
        assert verdict.suggestion == meant and meant in verdict.reason


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("oauth-flows", "authorization_code", "near-miss"),
        ("oauth-flows", "Code", "near-miss"),
        ("oauth-flows", "client-credentials", "near-miss"),
        ("oauth-flows", "device_code", "unrecognised"),
        ("oauth-flows", "urn:ietf:params:oauth:grant-type:jwt-bearer", "malformed"),
        ("token-validity-units", "Minutes", "near-miss"),
        ("token-validity-units", "minute", "near-miss"),
        ("token-validity-units", "weeks", "outside"),
        ("prevent-user-existence-errors", "enabled", "near-miss"),
        ("prevent-user-existence-errors", "STRICT", "outside"),
        ("prevent-user-existence-errors", "DISABLED", "outside"),
        ("refresh-token-rotation", "Enabled", "near-miss"),
        ("refresh-token-rotation", "LEGACY", "outside"),
    ],
)
def test_other_enumerations(name: str, value: str, kind: str) -> None:
    assert classify(ENUMERATIONS[name], value).kind == kind


#: Every enumeration's declared vocabulary, and a well-formed value no list holds: what it must be classified as.
VOCABULARIES = {
    "explicit-auth-flows": ("open", "ALLOW_PASSKEY_AUTH", "unrecognised"),
    "oauth-flows": ("open", "device_code", "unrecognised"),
    "token-validity-units": ("closed", "weeks", "outside"),
    "prevent-user-existence-errors": ("closed", "DISABLED", "outside"),
    "refresh-token-rotation": ("closed", "LEGACY", "outside"),
}


def test_every_enumeration_declares_its_vocabulary() -> None:
    """A new enumeration must say whether AWS extends it (and why), and get a case here."""
    assert set(ENUMERATIONS) == set(VOCABULARIES)
    for name, enum in ENUMERATIONS.items():
        assert enum.vocabulary in ("open", "closed") and enum.why, name


@pytest.mark.parametrize("name", sorted(VOCABULARIES))
def test_an_unknown_value_follows_the_vocabulary(name: str) -> None:
    enum = ENUMERATIONS[name]
    vocabulary, value, kind = VOCABULARIES[name]
    assert enum.vocabulary == vocabulary
    verdict = classify(enum, value)
    assert verdict.kind == kind
    if vocabulary == "closed":
        assert "closed set" in verdict.reason
    # a value the configuration adds is known whatever the vocabulary
    assert classify(enum, value, [value]).kind == "known"


@pytest.mark.parametrize(
    ("flows", "units", "existence", "want"),
    [
        ("[ALLOW_PASSKEY_AUTH]", "minutes", "ENABLED", {"COG-E019": "warning"}),  # open: maybe newer than the data
        ("[ALLOW_USER_SRP]", "minutes", "ENABLED", {"COG-E019": "error"}),  # a near miss
        ("[ALLOW_REFRESH_TOKEN_AUTH]", "weeks", "ENABLED", {"COG-E005": "error"}),  # closed
        ("[ALLOW_REFRESH_TOKEN_AUTH]", "minutes", "DISABLED", {"COG-E024": "error"}),  # closed
    ],
)
def test_severity_follows_certainty(tmp_path: Path, flows: str, units: str, existence: str,
                                    want: dict[str, str]) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  C:\n    Type: AWS::Cognito::UserPoolClient\n"
        f"    Properties: {{UserPoolId: !Ref Pool, ExplicitAuthFlows: {flows}, AccessTokenValidity: 30,\n"
        f"      TokenValidityUnits: {{AccessToken: {units}}}, PreventUserExistenceErrors: {existence}}}\n",
        encoding="utf-8",
    )
    result = scan_paths(path)
    found = {f.rule_id: f.severity for f in result.findings if f.rule_id in ("COG-E005", "COG-E019", "COG-E024")}
    assert found == want


def test_configured_values_are_known() -> None:
    assert classify(FLOWS, "ALLOW_PASSKEY_AUTH", ["ALLOW_PASSKEY_AUTH"]).kind == "known"
    # a slip of a configured value is a near miss of it
    assert classify(FLOWS, "allow_passkey_auth", ["ALLOW_PASSKEY_AUTH"]).suggestion == "ALLOW_PASSKEY_AUTH"


def _template(tmp_path: Path, flows: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  C:\n    Type: AWS::Cognito::UserPoolClient\n"
        f"    Properties: {{UserPoolId: !Ref Pool, ExplicitAuthFlows: [{flows}]}}\n",
        encoding="utf-8",
    )
    return path


def test_unrecognised_flow_is_a_warning_naming_the_date(tmp_path: Path) -> None:
    result = scan_paths(_template(tmp_path, "ALLOW_PASSKEY_AUTH, ALLOW_REFRESH_TOKEN_AUTH"))
    found = [f for f in result.findings if f.rule_id == "COG-E019"]
    assert [f.severity for f in found] == ["warning"]
    assert KNOWN_VALUES_DATE in found[0].message and "known-values" in found[0].message


def test_near_miss_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    result = scan_paths(_template(tmp_path, "allow_user_srp_auth, ALLOW_REFRESH_TOKEN_AUTH"))
    found = [f for f in result.findings if f.rule_id == "COG-E019"]
    assert [f.severity for f in found] == ["error"]
    assert "did you mean ALLOW_USER_SRP_AUTH" in found[0].message


def test_known_values_from_configuration(tmp_path: Path) -> None:
    config = tmp_path / ".cogcheck.yaml"
    config.write_text("known-values:\n  explicit-auth-flows: [ALLOW_PASSKEY_AUTH]\n", encoding="utf-8")
    policy = build_policy(load_config(config))
    assert policy.known("explicit-auth-flows") == ("ALLOW_PASSKEY_AUTH",)
    result = scan_paths(_template(tmp_path, "ALLOW_PASSKEY_AUTH, ALLOW_REFRESH_TOKEN_AUTH"), policy=policy)
    assert result.errors == [] and result.clients == 1
    assert not [f for f in result.findings if f.rule_id == "COG-E019"]
    without = scan_paths(_template(tmp_path, "ALLOW_PASSKEY_AUTH, ALLOW_REFRESH_TOKEN_AUTH"))
    assert [f.rule_id for f in without.findings if f.rule_id == "COG-E019"] == ["COG-E019"]  # the setting did it


@pytest.mark.parametrize("values", ["[ALLOW_PASSKEY_AUTH]", "[]"])
def test_known_values_from_configuration_scan_through_the_cli(tmp_path: Path, values: str) -> None:
    """The documented key through `cogcheck scan` itself: an input scanned, no internal error (an empty list too)."""
    import json

    from typer.testing import CliRunner

    from cogcheck.cli import app

    (tmp_path / ".cogcheck.yaml").write_text(f"known-values:\n  explicit-auth-flows: {values}\n", encoding="utf-8")
    template = _template(tmp_path, "ALLOW_PASSKEY_AUTH, ALLOW_REFRESH_TOKEN_AUTH")
    done = CliRunner().invoke(app, ["scan", str(template), "--format", "json", "--fail-on", "never"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["errors"] == [] and report["summary"]["templates"] == 1
    e019 = [f for f in report["findings"] if f["rule_id"] == "COG-E019"]
    assert len(e019) == (0 if values != "[]" else 1)


@pytest.mark.parametrize(
    "text",
    ["known-values: [ALLOW_X]\n", "known-values: {auth-flows: [ALLOW_X]}\n", "known-values: {oauth-flows: [1]}\n"],
)
def test_bad_known_values_are_usage_errors(tmp_path: Path, text: str) -> None:
    config = tmp_path / ".cogcheck.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(OptionError):
        load_config(config)


def test_text_hides_notes_by_default_and_says_so(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  C:\n    Type: AWS::Cognito::UserPoolClient\n"
        "    Properties: {UserPoolId: !Ref Pool, PreventUserExistenceErrors: ENABLED}\n",
        encoding="utf-8",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cogcheck", "scan", str(path), *args],
                              capture_output=True, text=True, check=False)

    default, shown, failing = run(), run("--show-notes"), run("--fail-on", "note")
    assert ": COG-S019 note " not in default.stdout and "3 notes not shown" in default.stdout
    assert ": COG-S019 note " in shown.stdout and "not shown" not in shown.stdout
    assert ": COG-S019 note " in failing.stdout and failing.returncode == 1  # what fails the run is never hidden
    assert default.returncode == 0


@pytest.mark.parametrize("values", ["[ALLOW_PASSKEY_AUTH]", "[]"])
def test_known_values_from_configuration_in_the_cfn_lint_and_cdk_plugins(
    tmp_path: Path, values: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same file through the two other channels: no E0002 from cfn-lint, no input-error from the CDK plugin."""
    from cfnlint.api import ManualArgs, lint_file

    from cogcheck.cdk.validation import INPUT_ERROR, Settings, validate

    (tmp_path / ".cogcheck.yaml").write_text(f"known-values:\n  explicit-auth-flows: {values}\n", encoding="utf-8")
    template = _template(tmp_path, "ALLOW_PASSKEY_AUTH, ALLOW_REFRESH_TOKEN_AUTH")
    matches = lint_file(template, ManualArgs(append_rules=["cogcheck.cfnlint_rules"]))
    assert [m.message for m in matches if m.rule.id == "E0002"] == []
    assert ("W9119" in {m.rule.id for m in matches}) is (values == "[]")  # COG-E019's warning
    monkeypatch.chdir(tmp_path)
    outcome = validate([str(template)], Settings())
    assert [v for v in outcome.violations if v.rule_name == INPUT_ERROR] == [] and outcome.result.clients == 1
    assert ("COG-E019" in {v.rule_name for v in outcome.violations}) is (values == "[]")
