"""Real assemblies: the shared samples and corpus, and the fixture app synthesized live (needs aws-cdk-lib)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan
from cogcheck.scan.result import ScanResult
from tests.helpers import FIXTURES, ROOT

CDK = FIXTURES / "cdk"

#: Clients in each shared assembly (stages and nested stacks included; a template the manifest does not name is not).
#: clients in the templates each manifest names, and in templates of the folder no manifest names (read as loose
#: templates: an assembly hides no file). MosesUgwulo's cdk.out keeps AuthStack.template.json from an earlier synth.
SHARED_ASSEMBLIES = {
    "formats/assemblies/clilike": (5, 0),
    "formats/assemblies/default": (5, 0),
    "formats/assemblies/fragmented_tree": (5, 0),
    "formats/assemblies/old2150_clilike": (5, 0),
    "formats/assemblies/js_clilike": (2, 0),
    "corpus/assemblies/Asilomare__CDK-OAuth-Cognito-APIGateway": (1, 0),
    "corpus/assemblies/Dawn-Of-Justice__ArogyaSutra": (2, 0),
    "corpus/assemblies/MosesUgwulo__cognito-demo-app": (1, 1),
    "corpus/assemblies/mojayaute__aws-back": (1, 0),
}


def run(path: Path, **options: object) -> ScanResult:
    return scan([str(path)], ScanOptions(**options))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(SHARED_ASSEMBLIES))
def test_shared_assemblies_scan_cleanly_every_client_once(shared: Path, name: str) -> None:
    result = run(shared / name)
    assert not result.errors, result.errors
    in_stacks, loose = SHARED_ASSEMBLIES[name]
    assert result.clients == in_stacks + loose
    stacked = [f for f in result.findings if f.stack is not None]
    clients = {(f.stack, f.resource) for f in stacked}
    assert len(clients) == in_stacks
    by_file = {(f.file, f.resource) for f in stacked}
    assert len(by_file) == len(clients)  # a client is reported from one template only
    assert all(f.construct_path for f in stacked)
    loose_files = {f.file for f in result.findings if f.stack is None}
    assert len({(f.file, f.resource) for f in result.findings if f.stack is None}) == loose
    assert not loose_files & {f.file for f in stacked}  # a template a manifest names is never read loose too


def test_shared_formats_stage_nested_and_versions_agree(shared: Path) -> None:
    def identities(name: str) -> set[tuple[str, str | None, str | None, str]]:
        return {(f.rule_id, f.stack, f.construct_path, f.property) for f in run(shared / name).findings}

    base = identities("formats/assemblies/clilike")
    assert {stack for _, stack, _, _ in base} == {"CognitoStack", "CognitoStack/Nested", "Prod/StagedStack"}
    for other in ("default", "fragmented_tree", "old2150_clilike"):
        assert identities(f"formats/assemblies/{other}") == base, other


def test_shared_stage_stack_name(shared: Path) -> None:
    result = run(shared / "formats/assemblies/clilike")
    staged = [f for f in result.findings if f.stack == "Prod/StagedStack"]
    assert staged and all(f.extra.get("stack_name") == "Prod-StagedStack" for f in staged)


def _cdk_available() -> bool:
    return importlib.util.find_spec("aws_cdk") is not None and shutil.which("node") is not None


@pytest.mark.slow
@pytest.mark.skipif(not _cdk_available(), reason="aws-cdk-lib (pip install aws-cdk-lib constructs) and node needed")
def test_synthesize_the_app_live_and_scan_it(tmp_path: Path) -> None:
    """The app synthesized now gives the findings of the committed fixture: same rules, constructs, source lines."""
    subprocess.run(
        [sys.executable, str(CDK / "synth.py"), "--out", str(tmp_path), "--mode", "clilike"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    live = run(tmp_path / "clilike", source_root=ROOT)
    committed = run(CDK / "assemblies" / "clilike")
    assert not live.errors and live.clients == committed.clients == 9

    def deploy_errors(result: ScanResult) -> set[tuple[str, str | None, str | None, object]]:
        return {(f.rule_id, f.stack, f.construct_path, f.source) for f in result.findings if f.rule_id[4] == "E"}

    assert deploy_errors(live) == deploy_errors(committed)
    assert all(f.source is not None for f in live.findings)
