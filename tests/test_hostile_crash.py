"""Hostile inputs that used to crash the gate: each now ends in exit 2 with one-line errors, and the finding of a
sentinel template beside it is still reported (see tests/hostile.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile import assert_held, run, run_process, sentinel

CLIENT = "AWS::Cognito::UserPoolClient"


def client_yaml(properties: str, extra: str = "") -> str:
    return (
        f"{extra}Resources:\n  Pool: {{Type: AWS::Cognito::UserPool}}\n  C:\n    Type: {CLIENT}\n"
        f"    Properties:\n      UserPoolId: !Ref Pool\n{properties}"
    )


def test_reasonless_suppressions_at_template_and_resource_level(tmp_path: Path) -> None:
    text = client_yaml(
        "      AccessTokenValidity: 25\n",
        extra="Metadata:\n  cogcheck:\n    ignore: [{id: COG-E001}]\n",
    ).replace("    Properties:", "    Metadata:\n      cogcheck:\n        ignore: [{id: COG-E001}]\n    Properties:")
    (tmp_path / "both.yaml").write_text(text, encoding="utf-8")
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    notices = result.report["notices"]
    assert {n["resource"] for n in notices} == {None, "C"}
    assert any(f["file"].endswith("both.yaml") for f in result.report["findings"])


def test_file_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").symlink_to("x.yaml")
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result)
    assert any(e["file"].endswith("x.yaml") for e in result.report["errors"])
    named = run(str(tmp_path / "x.yaml"), str(tmp_path / "sentinel.yaml"), "-f", "json")
    assert_held(named)


@pytest.mark.parametrize("units", ["[hours]", "{AccessToken: [hours]}", "{AccessToken: {a: b}}", "hours"])
def test_token_validity_units_of_the_wrong_shape(tmp_path: Path, units: str) -> None:
    (tmp_path / "units.yaml").write_text(
        client_yaml(f"      AccessTokenValidity: 2\n      TokenValidityUnits: {units}\n"), encoding="utf-8"
    )
    sentinel(tmp_path)
    assert_held(run(str(tmp_path), "-f", "json"), errors=False)


BIG = "9" * 5000


@pytest.mark.parametrize(
    "where",
    ["validity", "metadata", "parameter-default", "mapping", "condition", "json"],
)
def test_integers_beyond_the_conversion_limit_in_templates(tmp_path: Path, where: str) -> None:
    texts = {
        "validity": client_yaml(f"      AccessTokenValidity: {BIG}\n"),
        "metadata": client_yaml("", extra=f"Metadata: {{n: {BIG}}}\n"),
        "parameter-default": client_yaml(
            "      AccessTokenValidity: !Ref P\n", extra=f"Parameters: {{P: {{Type: Number, Default: {BIG}}}}}\n"
        ),
        "mapping": client_yaml(
            "      AccessTokenValidity: !FindInMap [M, a, b]\n", extra=f"Mappings: {{M: {{a: {{b: {BIG}}}}}}}\n"
        ),
        "condition": client_yaml(
            "      AccessTokenValidity: !If [C, 1, 2]\n",
            extra=f"Conditions: {{C: !Equals [{BIG}, {BIG}1]}}\n",
        ),
    }
    if where == "json":
        name = "big.json"
        text = json.dumps({"Resources": {"C": {"Type": CLIENT, "Properties": {"AccessTokenValidity": 1}}}})
        text = text.replace('"AccessTokenValidity": 1', f'"AccessTokenValidity": {BIG}')
    else:
        name, text = "big.yaml", texts[where]
    (tmp_path / name).write_text(text, encoding="utf-8")
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    if where in ("validity", "json"):  # far out of range: Cognito rejects it
        assert any(f["file"].endswith(name) and f["rule_id"] == "COG-E001" for f in result.report["findings"])


def test_four_hundred_digit_validities(tmp_path: Path) -> None:
    big = "9" * 400
    props = "".join(
        f"      {key}: {big}\n" for key in ("AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity")
    ) + f"      AuthSessionValidity: {big}\n      TokenValidityUnits: {{AccessToken: days}}\n"
    (tmp_path / "four.yaml").write_text(client_yaml(props), encoding="utf-8")
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    assert {"COG-E001", "COG-E002"} <= {f["rule_id"] for f in result.report["findings"] if "four" in f["file"]}


def test_huge_integers_in_option_files(tmp_path: Path) -> None:
    sentinel(tmp_path)
    (tmp_path / "params.json").write_text(f'{{"P": {BIG}}}', encoding="utf-8")
    result = run(str(tmp_path / "sentinel.yaml"), "--parameters-file", str(tmp_path / "params.json"), "-f", "json")
    assert_held(result, errors=False)
    result = run(str(tmp_path / "sentinel.yaml"), "--parameter", f"P={BIG}", "-f", "json")
    assert_held(result, errors=False)
    (tmp_path / "baseline.json").write_text(f'{{"version": {BIG}, "fingerprints": []}}', encoding="utf-8")
    result = run(str(tmp_path / "sentinel.yaml"), "--baseline", str(tmp_path / "baseline.json"))
    assert result.code == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "baseline" in result.stderr
    (tmp_path / "cfg.yaml").write_text(f"token-note-minutes: {BIG}\n", encoding="utf-8")
    result = run(str(tmp_path / "sentinel.yaml"), "--config", str(tmp_path / "cfg.yaml"), "-f", "json")
    assert result.code in (1, 2) and "Traceback" not in result.stderr


def test_huge_integer_in_a_cloud_assembly_manifest(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "cdk.out").write_text('{"version": "36.0.0"}', encoding="utf-8")
    (out / "manifest.json").write_text(
        f'{{"version": "36.0.0", "artifacts": {{"S": {{"type": "aws:cloudformation:stack", "n": {BIG}}}}}}}',
        encoding="utf-8",
    )
    sentinel(tmp_path)
    assert_held(run(str(tmp_path), "-f", "json"))


@pytest.mark.parametrize("kind", ["condition-cycle", "condition-chain", "findinmap-cycle", "ref-cycle"])
def test_reference_cycles_and_long_chains(tmp_path: Path, kind: str) -> None:
    n = 5000
    if kind == "condition-cycle":
        conditions = {"A": {"Condition": "B"}, "B": {"Fn::Not": [{"Condition": "A"}]}}
        doc_extra = {"Conditions": conditions}
        validity: object = {"Fn::If": ["A", 25, 26]}
    elif kind == "condition-chain":
        conditions = {f"C{i}": {"Fn::Not": [{"Condition": f"C{i + 1}"}]} for i in range(n)}
        conditions[f"C{n}"] = {"Fn::Equals": ["a", "a"]}
        doc_extra = {"Conditions": conditions}
        validity = {"Fn::If": ["C0", 25, 26]}
    elif kind == "findinmap-cycle":
        doc_extra = {"Mappings": {"M": {"a": {"b": {"Fn::FindInMap": ["M", "a", "b"]}}}}}
        validity = {"Fn::FindInMap": ["M", "a", "b"]}
    else:
        doc_extra = {}
        validity = 25
    resources: dict[str, object] = {
        "Pool": {"Type": "AWS::Cognito::UserPool"},
        "C": {"Type": CLIENT, "Properties": {"UserPoolId": {"Ref": "Pool"}, "AccessTokenValidity": validity}},
    }
    if kind == "ref-cycle":
        resources["R"] = {
            "Type": "AWS::Cognito::UserPoolResourceServer", "Properties": {"Identifier": {"Ref": "R"}},
        }
        resources["C"]["Properties"]["AllowedOAuthScopes"] = [{"Fn::Sub": "${R}/read"}]  # type: ignore[index]
    (tmp_path / "cycle.json").write_text(json.dumps({**doc_extra, "Resources": resources}), encoding="utf-8")
    sentinel(tmp_path)
    result = run_process(str(tmp_path), "-f", "json", timeout=120)
    assert_held(result, errors=False)


@pytest.mark.parametrize("shape", ["join", "list", "tojson", "map", "if"])
def test_deep_nesting_is_an_input_error(tmp_path: Path, shape: str) -> None:
    depth = {"join": 150, "list": 600, "tojson": 300, "map": 600, "if": 150}[shape]
    node: object = "x"
    for _ in range(depth):
        node = {
            "join": lambda n: {"Fn::Join": ["", [n]]},
            "list": lambda n: [n],
            "tojson": lambda n: {"Fn::ToJsonString": {"a": n}},
            "map": lambda n: {"a": n},
            "if": lambda n: {"Fn::If": ["C", n, n]} if False else {"Fn::Select": [0, [n]]},
        }[shape](node)
    doc = {"Resources": {"C": {"Type": CLIENT, "Properties": {"ClientName": node}}}}
    (tmp_path / "deep.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "deep.yaml").write_text(json.dumps(doc), encoding="utf-8")  # YAML flow style
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result)
    errors = {e["file"].rsplit("/", 1)[-1]: e["message"] for e in result.report["errors"]}
    assert set(errors) == {"deep.json", "deep.yaml"}
    assert all("nested" in message for message in errors.values())


def test_deep_nesting_within_the_limit_is_read(tmp_path: Path) -> None:
    node: object = "x"
    for _ in range(25):  # 75 levels
        node = {"Fn::Join": ["", [node]]}
    doc = {"Resources": {"C": {"Type": CLIENT, "Properties": {"ClientName": node, "AccessTokenValidity": 25}}}}
    (tmp_path / "ok.json").write_text(json.dumps(doc), encoding="utf-8")
    result = run(str(tmp_path), "-f", "json")
    assert result.code == 1 and result.report["errors"] == []


def _assembly(directory: Path, artifacts: dict[str, object]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cdk.out").write_text('{"version": "36.0.0"}', encoding="utf-8")
    (directory / "manifest.json").write_text(
        json.dumps({"version": "36.0.0", "artifacts": artifacts}), encoding="utf-8"
    )


@pytest.mark.parametrize("broken", ["[]", "{", '{"version": "36.0.0", "artifacts": []}', "null", '"x"'])
def test_cdk_stages_sharing_a_directory_with_a_broken_manifest(tmp_path: Path, broken: str) -> None:
    out = tmp_path / "cdk.out"
    stage = {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}}
    _assembly(out, {"Prod": stage, "Prod2": stage, "Self": {"type": "cdk:cloud-assembly",
                                                             "properties": {"directoryName": "."}}})
    (out / "assembly-Prod").mkdir()
    (out / "assembly-Prod" / "manifest.json").write_text(broken, encoding="utf-8")
    sentinel(tmp_path)
    assert_held(run(str(tmp_path), "-f", "json"))
    assert_held(run(str(out), str(tmp_path / "sentinel.yaml"), "-f", "json"))


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("which", ["manifest", "metadata", "asset"])
def test_deep_assembly_files(tmp_path: Path, which: str) -> None:
    out = tmp_path / "cdk.out"
    template = {"Resources": {"N": {"Type": "AWS::CloudFormation::Stack",
                                    "Properties": {"TemplateURL": "https://x/" + "a" * 64 + ".json"}}}}
    artifacts: dict[str, object] = {
        "S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"},
              "additionalMetadataFile": "S.metadata.json"},
        "A": {"type": "cdk:asset-manifest", "properties": {"file": "S.assets.json"}},
    }
    _assembly(out, artifacts)
    (out / "S.template.json").write_text(json.dumps(template), encoding="utf-8")
    deep = _deep_json(100_000)
    (out / "S.metadata.json").write_text(deep if which == "metadata" else "{}", encoding="utf-8")
    (out / "S.assets.json").write_text(deep if which == "asset" else "{}", encoding="utf-8")
    if which == "manifest":
        (out / "manifest.json").write_text(deep, encoding="utf-8")
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert "Traceback" not in result.stderr
    assert_held(result, errors=which == "manifest")


def test_deep_baseline_and_parameter_files(tmp_path: Path) -> None:
    sentinel(tmp_path)
    (tmp_path / "deep.json").write_text(_deep_json(100_000), encoding="utf-8")
    for option in ("--baseline", "--parameters-file"):
        result = run(str(tmp_path / "sentinel.yaml"), option, str(tmp_path / "deep.json"))
        assert result.code == 2 and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("cogcheck: error: ")


@pytest.mark.parametrize(
    "toml",
    ['[tool.cogcheck]\nfail-on = "sometimes"\n', "[tool]\ncogcheck = 5\n", "[tool.cogcheck]\nselect = [1]\n",
     "[tool]\ncogcheck = []\n",
     '[tool.cogcheck]\nper-path-ignores = {"a" = 1}\n', "[tool.cogcheck\n", "[tool.cogcheck]\nseverity = 3\n"],
)
def test_malformed_tool_cogcheck_next_to_other_toml(tmp_path: Path, toml: str) -> None:
    sentinel(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n' + toml, encoding="utf-8")
    result = run(str(tmp_path), "-f", "json")
    assert result.code == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "pyproject.toml" in result.stderr


def test_unexpected_exception_is_exit_2_not_1(tmp_path: Path) -> None:
    """The top level turns anything unforeseen into exit 2 with one line (here: an unwritable --output dir)."""
    sentinel(tmp_path)
    result = run_process(str(tmp_path), "-o", str(tmp_path / "no" / "such" / "dir" / "r.txt"))
    assert result.code == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
