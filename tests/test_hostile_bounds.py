"""Hostile inputs built to stall the gate or hide a client from it: each one is bounded (a subprocess with a generous
timeout is the safety net; speed itself is measured by bench/hostile.py, not here) or scanned after all."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cogcheck.cfn.parse import parse_template
from cogcheck.cfn.scenarios import plan_scenarios
from cogcheck.scan.check import MAX_FINDINGS_PER_RULE
from tests.hostile import assert_held, run, run_process, sentinel

CLIENT = "AWS::Cognito::UserPoolClient"


def client(properties: dict[str, Any], **sections: Any) -> dict[str, Any]:
    props = {"UserPoolId": {"Ref": "Pool"}, **properties}
    return {**sections, "Resources": {"Pool": {"Type": "AWS::Cognito::UserPool"},
                                      "C": {"Type": CLIENT, "Properties": props}}}


def test_scenario_planning_counts_branches_where_the_resource_does_not_exist() -> None:
    conditions: dict[str, Any] = {f"C{i}": {"Fn::Equals": [{"Ref": "AWS::Region"}, f"r{i}"]} for i in range(40)}
    conditions["Never"] = {"Fn::Equals": ["a", "b"]}
    doc = client({f"N{i}": {"Fn::If": [f"C{i}", "a", "b"]} for i in range(40)}, Conditions=conditions)
    doc["Resources"]["C"]["Condition"] = "Never"
    template = parse_template("t.json", json.dumps(doc).encode())
    assert template is not None
    plan = plan_scenarios(template, "C")
    assert plan.scenarios == [] and plan.note is not None  # 2^40 combinations: stopped, and said so


def test_allowed_values_are_deduplicated_in_one_pass(tmp_path: Path) -> None:
    values = [f"v{i % 50_000}" for i in range(100_000)]
    params = {"P": {"Type": "String", "AllowedValues": values}}
    (tmp_path / "allowed.json").write_text(json.dumps(client({"ClientName": {"Ref": "P"}}, Parameters=params)))
    sentinel(tmp_path)
    assert_held(run_process(str(tmp_path), "-f", "json", timeout=120), errors=False)


def test_fn_sub_text_without_closing_braces(tmp_path: Path) -> None:
    (tmp_path / "sub.json").write_text(json.dumps(client({"ClientName": {"Fn::Sub": "${" * 100_000}})))
    sentinel(tmp_path)
    assert_held(run_process(str(tmp_path), "-f", "json", timeout=120), errors=False)


@pytest.mark.parametrize("form", ["json", "yaml"])
def test_positions_of_many_findings_are_found_in_one_pass_and_right(tmp_path: Path, form: str) -> None:
    urls = [f"http://app{i}.example.org/cb" for i in range(3000)]
    props = {"AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True, "CallbackURLs": urls}
    doc = client(props)
    text = json.dumps(doc, indent=1)
    if form == "yaml":
        import yaml

        text = yaml.safe_dump(doc, sort_keys=False)
    (tmp_path / f"urls.{form}").write_text(text, encoding="utf-8")
    template = parse_template(f"urls.{form}", text.encode(), suffix=f".{form}")
    assert template is not None
    lines = text.splitlines()
    for index in (0, 1, 2999, 1500, 7):
        line, _column = template.locate_in_resources(("C", "Properties", "CallbackURLs", index))
        assert f"app{index}.example.org" in lines[line - 1]
    sentinel(tmp_path)
    assert_held(run_process(str(tmp_path), "-f", "json", timeout=120), errors=False)


def test_a_yaml_mapping_with_many_keys(tmp_path: Path) -> None:
    lines = ["Resources:"] + [f"  Topic{i}: {{Type: AWS::SNS::Topic}}" for i in range(20_000)]
    lines += ["  Pool: {Type: AWS::Cognito::UserPool}", "  Zed:", f"    Type: {CLIENT}", "    Properties:",
              "      UserPoolId: !Ref Pool", "      AccessTokenValidity: 25"]
    (tmp_path / "keys.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sentinel(tmp_path)
    result = run_process(str(tmp_path), "-f", "json", timeout=120)
    assert_held(result, errors=False)
    assert any(f["file"].endswith("keys.yaml") and f["line"] == len(lines) for f in result.report["findings"])


def test_findings_per_client_and_rule_are_capped_with_a_summary(tmp_path: Path) -> None:
    text = ",".join(f"http://a{i}.example.org/cb" for i in range(500))
    props = {"AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True,
             "CallbackURLs": {"Fn::Split": [",", text]}, "AllowedOAuthScopes": ["openid"]}
    (tmp_path / "split.json").write_text(json.dumps(client(props)), encoding="utf-8")
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    mine = [f for f in result.report["findings"] if f["file"].endswith("split.json")]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for f in mine:
        by_rule.setdefault(f["rule_id"], []).append(f)
    capped = {rule: fs for rule, fs in by_rule.items() if len(fs) > MAX_FINDINGS_PER_RULE}
    assert capped, by_rule.keys()
    for fs in capped.values():
        assert len(fs) == MAX_FINDINGS_PER_RULE + 1
        (summary,) = [f for f in fs if "not listed" in f["message"]]
        assert summary["message"].startswith(f"{500 - MAX_FINDINGS_PER_RULE} more")


def test_files_over_the_size_limit_are_errors(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text((tmp_path / sentinel(tmp_path)).read_text().replace("Client:", "Big:") + "#" * (2 << 20))
    result = run(str(tmp_path), "-f", "json", "--max-file-size", "1")
    assert_held(result)
    (error,) = result.report["errors"]
    assert error["file"].endswith("big.yaml") and "larger than 1.0 MB" in error["message"]
    assert run(str(tmp_path), "-f", "json", "--max-file-size", "3").code == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifos_and_devices_are_refused_before_reading(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    sentinel(tmp_path)
    result = run_process(str(tmp_path), "-f", "json", timeout=60)
    assert_held(result)
    errors = {e["file"].rsplit("/", 1)[-1]: e["message"] for e in result.report["errors"]}
    assert "FIFO" in errors["pipe.yaml"]
    named = run_process(str(tmp_path / "zero.yaml"), str(tmp_path / "sentinel.yaml"), "-f", "json", timeout=60)
    assert_held(named)
    assert "device" in named.report["errors"][0]["message"]


def test_cdk_metadata_ownership_is_linear(tmp_path: Path) -> None:
    from cogcheck.inputs.cdk.metadata import FrameFilter, StackMetadata

    entries = {f"/S/N{i}": [{"type": "aws:cdk:templateFile", "data": f"n{i}.json"}] for i in range(500)}
    entries.update({f"/S/N{i % 500}/R{i}/Resource": [{"type": "aws:cdk:logicalId", "data": f"R{i}"}]
                    for i in range(5000)})
    entries["/S/N1/Deeper/N2"] = [{"type": "aws:cdk:templateFile", "data": "x.json"}]
    metadata = StackMetadata(entries, "/S", FrameFilter(None))
    assert metadata.owner("/S/N7/R7/Resource") == "/S/N7"
    assert metadata.owner("/S/N1/Deeper/N2/R/Resource") == "/S/N1/Deeper/N2"
    assert metadata.owner("/S/Other/Resource") == "/S"
    assert metadata.logical_ids("/S/N7")["R507"] == "/S/N7/R507/Resource"


# ------------------------------------------------------------------------------------------------- nothing hidden

BAD = {"UserPoolId": {"Ref": "Pool"}, "AccessTokenValidity": 25}


def _escaped_json(tmp_path: Path) -> Path:
    text = json.dumps(client(BAD)).replace("UserPoolClient", "\\u0055serPoolClient")
    path = tmp_path / "escaped.json"
    path.write_text(text, encoding="utf-8")
    return path


def _yaml_hex(tmp_path: Path) -> Path:
    path = tmp_path / "hex.yaml"
    path.write_text(
        'Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  C:\n    Type: "AWS::Cognito::\\x55serPoolClient"\n'
        "    Properties: {UserPoolId: !Ref Pool, AccessTokenValidity: 25}\n", encoding="utf-8")
    return path


def _yaml_continuation(tmp_path: Path) -> Path:
    path = tmp_path / "folded.yaml"
    path.write_text(
        'Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  C:\n    Type: "AWS::Cognito::\\\n      UserPoolClient"\n'
        "    Properties: {UserPoolId: !Ref Pool, AccessTokenValidity: 25}\n", encoding="utf-8")
    return path


def _utf16(tmp_path: Path, encoding: str) -> Path:
    path = tmp_path / f"{encoding}.json"
    path.write_bytes(json.dumps(client(BAD)).encode(encoding))  # "utf-16"/"utf-32" write a byte order mark
    return path


@pytest.mark.parametrize(
    "make", [_escaped_json, _yaml_hex, _yaml_continuation, lambda p: _utf16(p, "utf-16"),
             lambda p: _utf16(p, "utf-32")],
    ids=["json-u-escape", "yaml-x-escape", "yaml-line-continuation", "utf-16-bom", "utf-32-bom"],
)
def test_a_client_written_with_escapes_or_another_encoding_is_scanned(tmp_path: Path, make: Any) -> None:
    path = make(tmp_path)
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    assert any(f["file"].endswith(path.name) and f["rule_id"] == "COG-E001" for f in result.report["findings"])


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads any directory")
def test_an_unreadable_directory_is_an_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "t.yaml").write_text("Resources: {}\n")
    sentinel(tmp_path)
    locked.chmod(0)
    try:
        result = run(str(tmp_path), "-f", "json")
    finally:
        locked.chmod(0o755)
    assert_held(result)
    assert any(e["file"].endswith("locked") for e in result.report["errors"])


def test_an_unreadable_directory_is_an_error_even_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads every directory: the listing failure is simulated where os.walk meets it."""
    real = os.scandir
    sentinel(tmp_path)
    (tmp_path / "locked").mkdir()

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result)
    (error,) = result.report["errors"]
    assert error["file"].endswith("locked") and "Permission denied" in error["message"]


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("dup.yaml", "Resources:\n  C:\n    Type: AWS::SNS::Topic\n  C:\n    Type: " + CLIENT + "\n", 4),
        ("dup.json", '{"Resources": {\n "C": {"Type": "AWS::SNS::Topic"},\n "C": {"Type": "' + CLIENT + '"}}}', 3),
        ("dup2.json", '{"Resources": {"C": {"Type": "' + CLIENT + '",\n "Type": "x"}}}', 2),
    ],
)
def test_duplicate_keys_are_errors_at_the_second_key(tmp_path: Path, name: str, text: str, line: int) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result)
    (error,) = result.report["errors"]
    assert error["line"] == line and "duplicate key" in error["message"]


def test_yaml_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    text = ("Base: &b {AccessTokenValidity: 25, IdTokenValidity: 1}\nResources:\n  Pool: {Type: AWS::Cognito::UserPool}"
            "\n  C:\n    Type: " + CLIENT + "\n    Properties:\n      <<: *b\n      IdTokenValidity: 2\n"
            "      UserPoolId: !Ref Pool\n")
    (tmp_path / "merge.yaml").write_text(text, encoding="utf-8")
    result = run(str(tmp_path), "-f", "json")
    assert result.code == 1 and result.report["errors"] == []
