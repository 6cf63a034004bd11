"""Optional checks against ../shared (the catalogue's fixtures, deployed CDK apps, a real-world corpus).

Skipped when ../shared is absent: the project's own tests never depend on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cogcheck.engine.rules import load_rules
from cogcheck.model.policy import Policy
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan

RULE_IDS = {rule.id for rule in load_rules()}


def _catalogue_fixtures(kind: str) -> list[str]:
    from tests.helpers import SHARED

    directory = SHARED / "spec" / "fixtures"
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.glob(f"COG-*.{kind}.yaml") if p.name.split(".")[0] in RULE_IDS)


@pytest.mark.parametrize("name", _catalogue_fixtures("fail"))
def test_catalogue_failing_fixture_fires_its_rule(shared: Path, name: str) -> None:
    rule_id = name.split(".")[0]
    result = scan([str(shared / "spec" / "fixtures" / name)], ScanOptions(policy=Policy(production=True)))
    assert not result.errors
    assert rule_id in {f.rule_id for f in result.findings}


@pytest.mark.parametrize("name", _catalogue_fixtures("pass"))
def test_catalogue_passing_fixture_does_not_fire_its_rule(shared: Path, name: str) -> None:
    rule_id = name.split(".")[0]
    result = scan([str(shared / "spec" / "fixtures" / name)], ScanOptions(policy=Policy(production=True)))
    assert not result.errors
    assert rule_id not in {f.rule_id for f in result.findings}


def test_deployed_cdk_integ_snapshots_have_no_deploy_error(shared: Path) -> None:
    result = scan([str(shared / "spec" / "cdk-integ")])
    assert not result.errors
    assert result.clients >= 7
    deploy_errors = [
        f"{f.file}:{f.line} {f.rule_id} {f.message}" for f in result.findings if f.rule_id.startswith("COG-E")
    ]
    assert deploy_errors == []


def test_corpus_scans_without_crashing(shared: Path) -> None:
    result = scan([str(shared / "corpus" / "files"), str(shared / "corpus" / "assemblies")])
    assert result.templates >= 140
    assert result.clients >= 150
    # three corpus files are not valid YAML or JSON (build placeholders); each is one clear error at its line
    assert len(result.errors) <= 3
    assert all(e.line and "invalid" in e.message for e in result.errors)
    for error in result.errors:
        assert error.file and error.message and "Traceback" not in error.message


def test_corpus_sam_templates_with_a_repeated_key_are_checked(shared: Path) -> None:
    """AWS's SAM samples that repeat a key outside their clients deploy (SAM CLI keeps the last value): their clients
    are checked, and each repeated key is a notice at its line (cogcheck.cfn.duplicates)."""
    directory = shared / "corpus" / "files" / "aws-samples__serverless-patterns"
    names = ["cognito-sns-sms-origination-id-sam__template.yaml", "sam-webapp-cognito__template.yaml"]
    paths = [directory / name for name in names]
    if not all(path.is_file() for path in paths):
        pytest.skip("the corpus's SAM samples with a repeated key are absent")
    result = scan([str(path) for path in paths])
    assert result.errors == [] and result.clients == 2
    assert {f.file for f in result.findings} == {str(path) for path in paths}
    repeated = sorted((n.resource, n.message.split(":")[0]) for n in result.notices if "keeps the last" in n.message)
    assert repeated == [("CachePolicy", "line 29"), ("CognitoUserPool", "line 65")]
