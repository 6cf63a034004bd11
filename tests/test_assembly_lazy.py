"""A large cloud assembly is read lazily: metadata merged only where it is used, each template's bytes scanned once
for what they may spell, no plan sniffing of the templates a manifest names (step counters, not timings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cogcheck.cfn.parse
import cogcheck.inputs.cdk.metadata
import cogcheck.inputs.terraform.names
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan

CLIENT = {
    "Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": "eu-west-1_abc", "AuthSessionValidity": 1},
}
FUNCTION = {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"ZipFile": "x"}, "Handler": "i.h"}}


def assembly(directory: Path, stacks: int, with_client: set[int]) -> None:
    directory.mkdir()
    artifacts: dict[str, Any] = {}
    for stack in range(stacks):
        resources = {"Fn": FUNCTION, **({"Client": CLIENT} if stack in with_client else {})}
        (directory / f"S{stack}.template.json").write_text(json.dumps({"Resources": resources}), encoding="utf-8")
        artifacts[f"S{stack}"] = {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"S{stack}.template.json"},
            "metadata": {f"/S{stack}/{r}/Resource": [{"type": "aws:cdk:logicalId", "data": r}] for r in resources},
        }
    manifest = {"version": "36.0.0", "artifacts": artifacts}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls = [0]
    original = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_metadata_only_for_stacks_with_clients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assembly(tmp_path / "cdk.out", 12, {0, 7})
    merges = counted(monkeypatch, cogcheck.inputs.cdk.metadata, "merge_entries")
    sniffed = counted(monkeypatch, cogcheck.inputs.terraform.names, "may_be_plan")
    result = scan([str(tmp_path / "cdk.out")], ScanOptions(jobs=1))
    assert not result.errors
    found = {(Path(f.file).name, f.extra.get("construct_path_full")) for f in result.findings
             if f.rule_id == "COG-E007"}
    # the construct paths come from the metadata of the two stacks that hold a client, the only ones merged
    assert found == {("S0.template.json", "S0/Client/Resource"), ("S7.template.json", "S7/Client/Resource")}
    assert merges[0] == 2
    assert sniffed[0] == 0


def test_each_template_s_bytes_are_widened_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assembly(tmp_path / "cdk.out", 6, {1})
    import cogcheck.inputs.cdk.assembly

    hides = [0]
    original = cogcheck.cfn.parse.hides

    def counting(data: bytes) -> bool:
        hides[0] += 1
        return original(data)

    monkeypatch.setattr(cogcheck.inputs.cdk.assembly, "hides", counting)
    monkeypatch.setattr(cogcheck.cfn.parse, "hides", counting)  # what mentions() asks
    result = scan([str(tmp_path / "cdk.out")], ScanOptions(jobs=1))
    assert {Path(f.file).name for f in result.findings} == {"S1.template.json"}
    assert hides[0] == 6  # one per template: the client check, the nested-stack check and the scan share it
