"""Hostile plans and cloud assemblies (issue 19): each one beside a sentinel template; the scan ends, the sentinel is
reported, and the client the input tried to hide is reported too, or the scan exits 2 naming why it could not be."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.hostile import Run, assert_held, run, sentinel

#: A client with COG-E001 (an access token of 25 hours), as Terraform plans it.
CLIENT_AFTER = {
    "name": "web", "user_pool_id": "eu-west-1_abc", "access_token_validity": 25,
    "token_validity_units": [{"access_token": "hours"}],
    "callback_urls": ["https://app.example.com/cb?a=1&b=2"], "allowed_oauth_flows": ["code"],
    "allowed_oauth_flows_user_pool_client": True, "allowed_oauth_scopes": ["openid"],
    "supported_identity_providers": ["COGNITO"],
}
CLIENT_ADDRESS = "aws_cognito_user_pool_client.web"
TEMPLATE_CLIENT = {
    "Type": "AWS::Cognito::UserPoolClient",
    "Properties": {"UserPoolId": "eu-west-1_abc", "AccessTokenValidity": 25},
}
TERRAFORM_MODULE = """resource "aws_cognito_user_pool_client" "tf" {
  name                  = "tf"
  user_pool_id          = "eu-west-1_abc"
  access_token_validity = 25
  token_validity_units {
    access_token = "hours"
  }
}
"""


def plan(after: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """A plan as ``terraform show -json`` writes it, with one client."""
    change = {"address": CLIENT_ADDRESS, "mode": "managed", "type": "aws_cognito_user_pool_client", "name": "web",
              "change": {"actions": ["create"], "before": None, "after": after or CLIENT_AFTER, "after_unknown": {}}}
    planned = {"root_module": {"resources": [
        {"address": CLIENT_ADDRESS, "mode": "managed", "type": "aws_cognito_user_pool_client", "name": "web",
         "values": after or CLIENT_AFTER},
    ]}}
    doc = {"format_version": "1.2", "terraform_version": "1.11.0", "planned_values": planned,
           "resource_changes": [change]}
    doc.update(top)
    return doc


def terraform_json(doc: Any) -> str:
    """JSON as Terraform writes it: one line, with ``&``, ``<`` and ``>`` escaped (Go's HTML-safe encoding)."""
    return json.dumps(doc, separators=(",", ":")).replace("&", "\\u0026").replace("<", "\\u003c").replace(
        ">", "\\u003e"
    )


def scan_json(*paths: Path, flags: tuple[str, ...] = ()) -> Run:
    return run(*(str(p) for p in paths), "-f", "json", *flags)


def reported(result: Run, file: str, rule: str = "COG-E001") -> bool:
    return any(f["file"].endswith(file) and f["rule_id"] == rule for f in result.report["findings"])


def errors_of(result: Run) -> list[dict[str, Any]]:
    return result.report["errors"]  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------------------------------------ plans


def test_a_plan_with_html_escapes_is_read_as_a_plan(tmp_path: Path) -> None:
    """`terraform show -json` writes & as \\u0026: the CloudFormation pre-filter's escape check must not send the
    plan to the template parser (where it had no Resources and was skipped, exit 0)."""
    text = terraform_json(plan())
    assert "\\u0026" in text
    (tmp_path / "plan.json").write_text(text, encoding="utf-8")
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result, errors=False)
    assert reported(result, "plan.json")
    assert not result.report["notices"]


def test_a_plan_named_alone_with_escapes_is_read_as_a_plan(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text(terraform_json(plan()), encoding="utf-8")
    result = scan_json(tmp_path / "plan.json", sentinel(tmp_path))
    assert_held(result, errors=False)
    assert reported(result, "plan.json")


def test_a_huge_number_in_a_plan_is_a_value(tmp_path: Path) -> None:
    doc = plan(variables={"big": {"value": "BIG"}})
    doc["configuration"] = {"root_module": {"variables": {"big": {"default": "BIG"}}}}
    (tmp_path / "plan.json").write_text(terraform_json(doc).replace('"BIG"', "1e5000"), encoding="utf-8")
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result, errors=False)
    assert reported(result, "plan.json")


def test_a_huge_number_as_a_client_argument_is_no_internal_error(tmp_path: Path) -> None:
    after = {**CLIENT_AFTER, "refresh_token_validity": "BIG", "id_token_validity": "BIG"}
    (tmp_path / "plan.json").write_text(terraform_json(plan(after)).replace('"BIG"', "1e5000"), encoding="utf-8")
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result, errors=False)
    assert reported(result, "plan.json")


def test_a_plan_nested_past_the_limit_is_an_error_naming_it(tmp_path: Path) -> None:
    doc = plan(variables={"deep": {"value": "DEEP"}})
    text = terraform_json(doc).replace('"DEEP"', "[" * 1100 + "]" * 1100)
    (tmp_path / "plan.json").write_text(text, encoding="utf-8")
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result)
    assert [(Path(e["file"]).name, "nested more than" in e["message"]) for e in errors_of(result)] == [
        ("plan.json", True)
    ]


@pytest.mark.parametrize("version", ["2.0", 2, None, "0.9"])
def test_a_plan_of_another_format_version_is_an_error_naming_it(tmp_path: Path, version: Any) -> None:
    (tmp_path / "plan.json").write_text(terraform_json(plan(format_version=version)), encoding="utf-8")
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result)
    (error,) = errors_of(result)
    assert Path(error["file"]).name == "plan.json" and "format_version" in error["message"]


def test_a_state_instead_of_a_plan_is_an_error_naming_it(tmp_path: Path) -> None:
    state = {"format_version": "1.0", "terraform_version": "1.11.0",
             "values": {"root_module": plan()["planned_values"]["root_module"]}}
    (tmp_path / "state.json").write_text(terraform_json(state), encoding="utf-8")
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result)
    assert [Path(e["file"]).name for e in errors_of(result)] == ["state.json"]


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def change(doc: dict[str, Any]) -> None:
        node: Any = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


WRONG_SHAPES = {
    "resource_changes is an object": _set(("resource_changes",), {}),
    "a change is a list": _set(("resource_changes", 0), []),
    "change is a string": _set(("resource_changes", 0, "change"), "x"),
    "after is a list": _set(("resource_changes", 0, "change", "after"), [1]),
    "after_unknown is a list": _set(("resource_changes", 0, "change", "after_unknown"), []),
    "type is a list": _set(("resource_changes", 0, "type"), ["aws_cognito_user_pool_client"]),
    "address is a number": _set(("resource_changes", 0, "address"), 7),
    "configuration is a list": _set(("configuration",), []),
    "root_module is a list": _set(("configuration",), {"root_module": []}),
    "configuration resources is a number": _set(("configuration",), {"root_module": {"resources": 3}}),
}


@pytest.mark.parametrize("name", sorted(WRONG_SHAPES))
def test_wrong_shapes_in_a_plan_are_one_line_errors(tmp_path: Path, name: str) -> None:
    doc = plan()
    WRONG_SHAPES[name](doc)
    (tmp_path / "plan.json").write_text(terraform_json(doc), encoding="utf-8")
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result)
    (error,) = errors_of(result)
    assert Path(error["file"]).name == "plan.json" and "internal error" not in error["message"]
    assert "expected" in error["message"] and "\n" not in error["message"]


@pytest.mark.parametrize("name", sorted(WRONG_SHAPES)[:3])
def test_wrong_shapes_in_planned_values_are_one_line_errors(tmp_path: Path, name: str) -> None:
    doc = plan()
    del doc["resource_changes"]  # planned values are read when a plan has no changes list
    doc["planned_values"]["root_module"]["child_modules"] = {"a": 1} if "object" in name else 5
    (tmp_path / "plan.json").write_text(terraform_json(doc), encoding="utf-8")
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result)
    assert "child_modules: expected a list" in errors_of(result)[0]["message"]


def test_plan_lines_are_found_in_one_pass_and_right() -> None:
    from cogcheck.inputs.terraform.plan import address_lines

    doc = plan()
    doc["resource_changes"] = [dict(doc["resource_changes"][0], address=f'x.y["a\\"{i}"]') for i in range(50)]
    text = json.dumps(doc, indent=2)
    lines = address_lines(text)
    rows = text.splitlines()
    for i in (0, 7, 49):
        address = f'x.y["a\\"{i}"]'
        assert json.dumps(address) in rows[lines[address] - 1]
    assert lines[CLIENT_ADDRESS] < lines['x.y["a\\"0"]']  # the first entry: planned values come first


# ------------------------------------------------------------------------------------------------------- assemblies


def test_a_35_byte_manifest_hides_nothing(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"version":"36.0.0","artifacts":{}}', encoding="utf-8")
    assert (tmp_path / "manifest.json").stat().st_size == 35
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "bad.json").write_text(json.dumps({"Resources": {"Hidden": TEMPLATE_CLIENT}}))
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(TERRAFORM_MODULE, encoding="utf-8")
    sentinel(tmp_path)  # beside the manifest, at the root
    result = scan_json(tmp_path)
    assert_held(result, errors=False)
    assert reported(result, "infra/bad.json") and reported(result, "tf/main.tf")


def test_an_assembly_reads_what_it_names_and_the_rest_is_loose(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    (out / "sub").mkdir(parents=True)
    (out / "Stack.template.json").write_text(json.dumps({"Resources": {"Client": TEMPLATE_CLIENT}}))
    (out / "sub" / "Other.template.json").write_text(json.dumps({"Resources": {"Loose": TEMPLATE_CLIENT}}))
    stack = {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Stack.template.json"}}
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"Stack": stack}}))
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result, errors=False)
    found = {(Path(f["file"]).name, f["stack"]) for f in result.report["findings"] if f["rule_id"] == "COG-E001"}
    assert found == {("Stack.template.json", "Stack"), ("Other.template.json", None), ("sentinel.yaml", None)}


@pytest.mark.parametrize(
    "manifest", ['{"name": "web-app"}', "[1]", "{not json", '{"version": "36.0.0", "artifacts": []}']
)
def test_a_cdk_out_marker_with_a_manifest_that_is_none_is_an_error_and_hides_nothing(
    tmp_path: Path, manifest: str
) -> None:
    (tmp_path / "cdk.out").write_text('{"version":"36.0.0"}', encoding="utf-8")
    (tmp_path / "manifest.json").write_text(manifest, encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps({"Resources": {"Hidden": TEMPLATE_CLIENT}}))
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result)
    assert reported(result, "bad.json")
    assert [Path(e["file"]).name for e in errors_of(result)] == ["manifest.json"]


def test_an_artifact_of_the_wrong_shape_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"A": [1], "B": {}}}))
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result)
    assert sorted(e["message"].split(";")[0] for e in errors_of(result)) == [
        "artifact A is not an object", "artifact B has no type"
    ]


# ---------------------------------------------------------------------------------------------- acknowledgements


def _acknowledging_assembly(directory: Path, report: bool) -> Path:
    """An assembly whose client has COG-E001, acknowledged by hand in its manifest, or in a validation report."""
    out = directory / "cdk.out"
    out.mkdir()
    (out / "Stack.template.json").write_text(json.dumps({"Resources": {"Client": TEMPLATE_CLIENT}}))
    metadata: dict[str, Any] = {"/Stack/Client/Resource": [{"type": "aws:cdk:logicalId", "data": "Client"}]}
    if not report:
        metadata["/Stack"] = [{"type": "aws:cdk:acknowledged-rules", "data": {"cogcheck::COG-E001": "trust me"}}]
    stack = {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Stack.template.json"},
             "metadata": metadata}
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"Stack": stack}}))
    if report:
        suppressed = {
            "ruleName": "COG-E001", "severity": "error", "acknowledgedId": "cogcheck::COG-E001", "reason": "trust me",
            "violatingConstructs": [
                {"cloudFormationResource": {"templatePath": "Stack.template.json", "logicalId": "Client"}}
            ],
        }
        plugin = {"pluginName": "cogcheck", "conclusion": "success", "violations": [],
                  "suppressedViolations": [suppressed]}
        document = {"version": "36.0.0", "title": "Validation Report", "pluginReports": [plugin]}
        (out / "validation-report.json").write_text(json.dumps(document))  # newer than the manifest
    return out


@pytest.mark.parametrize("report", [False, True], ids=["manifest metadata", "validation report"])
def test_acknowledgements_nobody_synthesised_are_ignored_with_a_notice(tmp_path: Path, report: bool) -> None:
    out = _acknowledging_assembly(tmp_path, report)
    sentinel(tmp_path)
    result = scan_json(tmp_path)
    assert_held(result, errors=False)
    assert reported(result, "Stack.template.json")  # the finding stays
    recorded = "validation-report.json" if report else "manifest.json"
    notices = [n for n in result.report["notices"] if "cogcheck::COG-E001" in n["message"]]
    assert [(n["file"], n["resource"]) for n in notices] == [(str(out / recorded), "Client")]
    assert "--trust-cdk-acknowledgements" in notices[0]["message"]
    trusted = scan_json(tmp_path, flags=("--trust-cdk-acknowledgements",))
    assert_held(trusted, errors=False)
    assert not reported(trusted, "Stack.template.json")  # opted in: the user vouches for this cdk.out
