"""Broken and hostile cloud assemblies: one clear line naming the file, exit 2 when something could not be read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan
from cogcheck.scan.result import ScanResult
from tests.helpers import FIXTURES

FIXTURE = FIXTURES / "cdk" / "assemblies" / "default"
CLIENT = {
    "Type": "AWS::Cognito::UserPoolClient",
    "Properties": {"UserPoolId": "eu-west-1_abc", "IdTokenValidity": 30, "TokenValidityUnits": {"IdToken": "days"}},
}


def assembly(directory: Path, artifacts: dict[str, Any], **manifest: Any) -> Path:
    """A tiny assembly with one template (``Stack.template.json``, one client) and the given artifacts."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cdk.out").write_text('{"version":"55.0.0"}')
    (directory / "Stack.template.json").write_text(json.dumps({"Resources": {"Client": CLIENT}}))
    (directory / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts, **manifest}))
    return directory


def stack(template: str = "Stack.template.json", **extra: Any) -> dict[str, Any]:
    return {"type": "aws:cloudformation:stack", "properties": {"templateFile": template}, **extra}


def run(path: Path) -> ScanResult:
    return scan([str(path)], ScanOptions())


def messages(result: ScanResult) -> list[str]:
    return [str(e) for e in result.errors]


def test_missing_template(tmp_path: Path) -> None:
    out = assembly(tmp_path / "cdk.out", {"Gone": stack("Gone.template.json"), "Stack": stack()})
    result = run(out)
    assert messages(result) == [f"{out}/Gone.template.json: template of stack Gone is missing"]
    assert result.clients == 1  # the rest is still scanned


def test_manifest_not_json(tmp_path: Path) -> None:
    out = assembly(tmp_path / "cdk.out", {})
    (out / "manifest.json").write_text('{"version": "55.0.0",\n  "artifacts": {')
    assert messages(run(out)) == [
        f"{out}/manifest.json:2: cloud assembly manifest is not valid JSON: Expecting property name enclosed in "
        "double quotes"
    ]


def test_manifest_path_given_directly(tmp_path: Path) -> None:
    out = assembly(tmp_path / "cdk.out", {"Stack": stack()})
    assert run(out / "manifest.json").clients == 1
    (out / "manifest.json").write_text("[1, 2]")
    expected = f"{out}/manifest.json: not a cloud assembly manifest (not an object); not read as one"
    assert messages(run(out / "manifest.json")) == [expected]


@pytest.mark.parametrize("name", ["../Stack.template.json", "/etc/passwd", "a/../../Stack.template.json", "..\\x.json"])
def test_template_file_outside_the_assembly_is_refused(tmp_path: Path, name: str) -> None:
    outside = tmp_path / "Stack.template.json"
    outside.write_text(json.dumps({"Resources": {"Client": CLIENT}}))
    out = assembly(tmp_path / "cdk.out", {"Evil": stack(name)})
    result = run(out)
    assert messages(result) == [
        f"{out}/manifest.json: stack Evil: templateFile {name!r} leads outside the assembly directory; not read"
    ]
    # the template inside cdk.out that no stack names is scanned as a loose template (it was left out before)
    assert result.clients == 1 and {f.stack for f in result.findings} == {None}


def test_symlink_out_of_the_assembly_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "t.json").write_text(json.dumps({"Resources": {"Client": CLIENT}}))
    out = assembly(tmp_path / "cdk.out", {"Link": stack("link.template.json"), "Stage": {
        "type": "cdk:cloud-assembly", "properties": {"directoryName": "stage"}}})
    (out / "link.template.json").symlink_to(secret / "t.json")
    (out / "stage").symlink_to(secret)
    result = run(out)
    assert sorted(messages(result)) == [
        f"{out}/manifest.json: stack Link: templateFile 'link.template.json' leads outside the assembly directory; "
        "not read",
        f"{out}/manifest.json: stage Stage: directoryName 'stage' leads outside the assembly directory; not read",
    ]
    # the links are not followed out of the tree; the template no stack names is scanned as a loose template
    assert {Path(f.file).name for f in result.findings} == {"Stack.template.json"} and result.clients == 1


def test_stage_directory_outside_and_metadata_file_outside(tmp_path: Path) -> None:
    out = assembly(tmp_path / "cdk.out", {
        "Up": {"type": "cdk:cloud-assembly", "properties": {"directoryName": ".."}},
        "Stack": stack(additionalMetadataFile="../x.metadata.json"),
    })
    result = run(out)
    assert sorted(messages(result)) == [
        f"{out}/manifest.json: stack Stack: additionalMetadataFile '../x.metadata.json' leads outside the assembly "
        "directory; not read",
        f"{out}/manifest.json: stage Up: directoryName '..' leads outside the assembly directory; not read",
    ]
    assert result.clients == 1


def test_stage_that_is_its_own_directory(tmp_path: Path) -> None:
    out = assembly(tmp_path / "cdk.out", {"Self": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}})
    assert messages(run(out)) == [f"{out}/manifest.json: cloud assembly is nested in itself or too deep; not read"]


def test_nested_template_outside_the_assembly_is_refused(tmp_path: Path) -> None:
    out = assembly(tmp_path / "cdk.out", {"Stack": stack()})
    (tmp_path / "evil.json").write_text(json.dumps({"Resources": {"Client": CLIENT}}))
    nested = {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "x"},
              "Metadata": {"aws:asset:path": "../evil.json"}}
    (out / "Stack.template.json").write_text(json.dumps({"Resources": {"Client": CLIENT, "Child": nested}}))
    result = run(out)
    assert messages(result) == [
        f"{out}/Stack.template.json: nested stack Stack/Child (Child in {out}/Stack.template.json): template path "
        "'../evil.json' leads outside the assembly directory; not read"
    ]
    assert result.clients == 1


def test_newer_major_version_is_read_with_a_warning(tmp_path: Path) -> None:
    out = assembly(tmp_path / "cdk.out", {"Stack": stack()}, version="99.1.0")
    result = run(out)
    assert not result.errors and result.clients == 1
    assert [str(n) for n in result.notices] == [
        f"{out}/manifest.json: cloud assembly version 99.1.0 is newer than cogcheck knows (55.x); read as best it can"
    ]


def test_missing_context_is_a_warning(tmp_path: Path) -> None:
    missing = [{"key": "availability-zones:account=123:region=eu-west-1", "provider": "availability-zones"}]
    out = assembly(tmp_path / "cdk.out", {"Stack": stack()}, missing=missing)
    result = run(out)
    assert not result.errors and result.clients == 1
    assert [str(n) for n in result.notices] == [
        f"{out}/manifest.json: incomplete cloud assembly: 1 context value(s) missing "
        "(availability-zones:account=123:region=eu-west-1); synthesize with `cdk synth` (it looks them up) before "
        "scanning"
    ]


def test_unreadable_metadata_file_is_a_warning(tmp_path: Path) -> None:
    out = assembly(tmp_path / "cdk.out", {"Stack": stack(additionalMetadataFile="Stack.metadata.json")})
    (out / "Stack.metadata.json").write_text("{nope")
    result = run(out)
    assert not result.errors and result.clients == 1
    assert [str(n) for n in result.notices] == [
        f"{out}/Stack.metadata.json: stack metadata file is not valid JSON: Expecting property name enclosed in "
        "double quotes; construct paths and source lines are missing"
    ]


def test_template_that_is_not_json(tmp_path: Path) -> None:
    out = assembly(tmp_path / "cdk.out", {"Stack": stack()})
    (out / "Stack.template.json").write_text('{"Resources": {"C": {"Type": "AWS::Cognito::UserPoolClient",')
    result = run(out)
    assert len(result.errors) == 1 and result.errors[0].file == f"{out}/Stack.template.json"


def test_cli_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    shutil.copytree(FIXTURE, out)
    (out / "Auth.template.json").unlink()
    result = CliRunner().invoke(app, ["scan", str(out)])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("cogcheck: error:")]
    assert errors == [f"cogcheck: error: {out}/Auth.template.json: template of stack Auth is missing"]
    assert "Traceback" not in result.output


def test_cli_source_root_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scan", str(FIXTURE), "--source-root", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "--source-root" in result.output
    result = CliRunner().invoke(app, ["scan", str(FIXTURE), "--source-root", str(tmp_path), "-f", "json"])
    assert result.exit_code == 1
    assert all(f["source"] is None for f in json.loads(result.stdout)["findings"])
