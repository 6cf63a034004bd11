"""Terraform module directories: the same client semantics as CloudFormation, at .tf lines, in Terraform's words."""

from __future__ import annotations

import json
from pathlib import Path

from cogcheck.scan.result import ScanResult
from tests.helpers import scan_paths

POOL = 'resource "aws_cognito_user_pool" "pool" {\n  name = "app"\n}\n'


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def found(result: ScanResult, rule_id: str | None = None) -> list[tuple[str, str, int, str]]:
    return sorted(
        (f.rule_id, Path(f.file).name, f.line, f.resource) for f in result.findings
        if rule_id is None or f.rule_id == rule_id
    )


CLIENT = """\
resource "aws_cognito_user_pool_client" "web" {
  name                  = "web"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = 60
  token_validity_units {
    access_token = "minutes"
  }
  callback_urls = ["http://app.test/cb"]
}
"""


def test_findings_point_at_tf_lines_and_speak_terraform(tmp_path: Path) -> None:
    write(tmp_path, {"pool.tf": POOL, "client.tf": CLIENT.replace('"minutes"', '"hours"')})
    result = scan_paths(tmp_path)
    assert not result.errors
    e001 = [f for f in result.findings if f.rule_id == "COG-E001"]
    assert len(e001) == 1
    finding = e001[0]
    assert Path(finding.file).name == "client.tf" and finding.line == 4 and finding.column == 3
    assert finding.resource == "aws_cognito_user_pool_client.web"
    assert finding.resource_type == "aws_cognito_user_pool_client"
    assert finding.property == "access_token_validity"
    assert "access_token_validity is 60 hours" in finding.message
    assert "token_validity_units.access_token is hours" in finding.message
    assert "AccessTokenValidity" not in finding.message
    e015 = [f for f in result.findings if f.rule_id == "COG-E015"]
    assert [(f.line, f.property) for f in e015] == [(8, "callback_urls[0]")]
    assert result.templates == 1 and result.clients == 1


def test_units_block_makes_minutes(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": POOL + CLIENT})
    assert found(scan_paths(tmp_path), "COG-E001") == []


def test_absent_argument_points_at_the_block(tmp_path: Path) -> None:
    client = CLIENT.replace("  callback_urls", '  allowed_oauth_flows = ["code"]\n  callback_urls')
    write(tmp_path, {"main.tf": POOL + "\n" + client})
    result = scan_paths(tmp_path)
    e013 = [f for f in result.findings if f.rule_id == "COG-E013"]
    assert [(f.line, f.property) for f in e013] == [(5, "allowed_oauth_flows_user_pool_client")]


def test_variables_defaults_tfvars_and_var_option(tmp_path: Path) -> None:
    main = POOL + """
variable "access" {
  type    = number
  default = 30
}
resource "aws_cognito_user_pool_client" "web" {
  name                  = "web"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = var.access
}
"""
    write(tmp_path, {"main.tf": main})
    assert found(scan_paths(tmp_path), "COG-E001") == [("COG-E001", "main.tf", 12, "aws_cognito_user_pool_client.web")]
    assert found(scan_paths(tmp_path, terraform_vars={"access": "12"}), "COG-E001") == []
    write(tmp_path, {"terraform.tfvars": "access = 2\n"})
    assert found(scan_paths(tmp_path), "COG-E001") == []
    (tmp_path / "terraform.tfvars").write_text("access = 48\n", encoding="utf-8")
    assert len(found(scan_paths(tmp_path), "COG-E001")) == 1


def test_variable_without_value_makes_rules_abstain(tmp_path: Path) -> None:
    main = POOL + """
variable "access" {}
resource "aws_cognito_user_pool_client" "web" {
  name                  = "web"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = var.access
  refresh_token_validity = data.aws_ssm_parameter.days.value
  callback_urls = [format("https://%s/cb", var.domain)]
}
"""
    write(tmp_path, {"main.tf": main})
    result = scan_paths(tmp_path)
    assert not result.errors
    assert not [f for f in result.findings if f.rule_id in ("COG-E001", "COG-E003", "COG-E015", "COG-S006")]


def test_locals_count_and_for_each_expand(tmp_path: Path) -> None:
    main = POOL + """
locals {
  clients = {
    spa = { validity = 2 }
    cli = { validity = 48 }
  }
}
resource "aws_cognito_user_pool_client" "each" {
  for_each              = local.clients
  name                  = each.key
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = each.value.validity
}
resource "aws_cognito_user_pool_client" "counted" {
  count                 = 2
  name                  = "c${count.index}"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = count.index == 0 ? 1 : 25
}
resource "aws_cognito_user_pool_client" "none" {
  count                 = 0
  name                  = "none"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = 99
}
"""
    write(tmp_path, {"main.tf": main})
    result = scan_paths(tmp_path)
    assert sorted(f[3] for f in found(result, "COG-E001")) == [
        "aws_cognito_user_pool_client.counted[1]", 'aws_cognito_user_pool_client.each["cli"]'
    ]
    assert result.clients == 4


def test_unknown_for_each_is_checked_once_with_a_notice(tmp_path: Path) -> None:
    main = POOL + """
variable "clients" {}
resource "aws_cognito_user_pool_client" "each" {
  for_each              = var.clients
  name                  = each.key
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = each.value.validity
  id_token_validity     = 48
}
"""
    write(tmp_path, {"main.tf": main})
    result = scan_paths(tmp_path)
    assert found(result, "COG-E001") == []
    assert [f[3] for f in found(result, "COG-E002")] == ["aws_cognito_user_pool_client.each"]
    assert any("for_each is not known" in n.message for n in result.notices)


def test_local_module_followed_with_arguments(tmp_path: Path) -> None:
    module = """
variable "user_pool_id" {}
variable "validity" { default = 1 }
resource "aws_cognito_user_pool_client" "this" {
  name                  = "web"
  user_pool_id          = var.user_pool_id
  access_token_validity = var.validity
  supported_identity_providers = ["COGNITO", "Okta"]
}
"""
    root = POOL + """
module "auth" {
  source       = "./modules/auth"
  user_pool_id = aws_cognito_user_pool.pool.id
  validity     = 72
}
module "remote" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
}
"""
    write(tmp_path, {"main.tf": root, "modules/auth/main.tf": module})
    result = scan_paths(tmp_path)
    assert not result.errors
    e001 = [f for f in result.findings if f.rule_id == "COG-E001"]
    assert [(f.resource, Path(f.file).as_posix().endswith("modules/auth/main.tf"), f.line) for f in e001] == [
        ("module.auth.aws_cognito_user_pool_client.this", True, 7)
    ]
    # the pool came through the module argument: the cross-resource rule knows it has no provider Okta
    assert [f.resource for f in result.findings if f.rule_id == "COG-E026"] == [
        "module.auth.aws_cognito_user_pool_client.this"
    ]
    assert any("remote module 'cloudposse/label/null' is not fetched" in n.message for n in result.notices)
    assert result.clients == 1  # the module directory is read through its caller only


def test_scopes_and_identity_providers_across_resources(tmp_path: Path) -> None:
    main = POOL + """
resource "aws_cognito_resource_server" "api" {
  identifier   = "https://api.test"
  name         = "api"
  user_pool_id = aws_cognito_user_pool.pool.id
  scope {
    scope_name        = "read"
    scope_description = "read"
  }
}
resource "aws_cognito_identity_provider" "google" {
  user_pool_id  = aws_cognito_user_pool.pool.id
  provider_name = "Google"
  provider_type = "Google"
  provider_details = { client_id = "x", client_secret = "y", authorize_scopes = "email" }
  attribute_mapping = { email = "email" }
}
resource "aws_cognito_user_pool_client" "ok" {
  name         = "ok"
  user_pool_id = aws_cognito_user_pool.pool.id
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows  = ["code"]
  allowed_oauth_scopes = concat(["openid"], aws_cognito_resource_server.api.scope_identifiers)
  callback_urls        = ["https://app.test/cb"]
  supported_identity_providers = [aws_cognito_identity_provider.google.provider_name]
}
resource "aws_cognito_user_pool_client" "bad" {
  name         = "bad"
  user_pool_id = aws_cognito_user_pool.pool.id
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows  = ["code"]
  allowed_oauth_scopes = ["https://api.test/write"]
  callback_urls        = ["https://app.test/cb"]
  supported_identity_providers = ["Google"]
}
"""
    write(tmp_path, {"main.tf": main})
    result = scan_paths(tmp_path)
    by_rule = {(f.rule_id, f.resource) for f in result.findings if f.rule_id in ("COG-E018", "COG-E027")}
    assert by_rule == {
        ("COG-E018", "aws_cognito_user_pool_client.bad"),
        ("COG-E027", "aws_cognito_user_pool_client.bad"),
    }
    fixed = main.replace(
        'supported_identity_providers = ["Google"]',
        'supported_identity_providers = ["Google"]\n  depends_on = [aws_cognito_identity_provider.google]',
    )
    write(tmp_path, {"main.tf": fixed})
    assert not [f for f in scan_paths(tmp_path).findings if f.rule_id == "COG-E027"]


def test_suppression_comment_needs_a_reason(tmp_path: Path) -> None:
    client = CLIENT.replace('"minutes"', '"hours"')
    text = POOL + "# cogcheck:ignore COG-E001 reason: replaced next sprint\n" + client
    write(tmp_path, {"main.tf": text})
    result = scan_paths(tmp_path)
    assert not found(result, "COG-E001")
    assert [(f.rule_id, s.reason) for f, s in result.suppressed if f.rule_id == "COG-E001"] == [
        ("COG-E001", "replaced next sprint")
    ]
    write(tmp_path, {"main.tf": POOL + "# cogcheck:ignore COG-E001\n" + client})
    result = scan_paths(tmp_path)
    assert found(result, "COG-E001")
    assert any("has no reason" in n.message for n in result.notices)


def test_directory_without_a_client_is_not_parsed(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": "this is { not HCL"})
    result = scan_paths(tmp_path)
    assert not result.errors and result.templates == 0


def test_parse_error_names_file_and_line_and_others_are_scanned(tmp_path: Path) -> None:
    write(tmp_path, {
        "a/main.tf": 'resource "aws_cognito_user_pool_client" "x" {\n  name = \n}\n',
        "b/main.tf": POOL + CLIENT.replace('"minutes"', '"hours"'),
    })
    result = scan_paths(tmp_path)
    assert [(Path(e.file).name, e.line) for e in result.errors] == [("main.tf", 2)]
    assert "a" in Path(result.errors[0].file).parts
    assert found(result, "COG-E001")


def test_tf_json_gives_the_same_findings(tmp_path: Path) -> None:
    doc = {
        "resource": {
            "aws_cognito_user_pool": {"pool": {"name": "app"}},
            "aws_cognito_user_pool_client": {"web": {
                "name": "web",
                "user_pool_id": "${aws_cognito_user_pool.pool.id}",
                "access_token_validity": "${var.access}",
                "token_validity_units": {"access_token": "hours"},
                "callback_urls": ["http://app.test/cb"],
            }},
        },
        "variable": {"access": {"default": 60}},
    }
    (tmp_path / "main.tf.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    result = scan_paths(tmp_path)
    assert not result.errors
    rules = {(f.rule_id, f.property) for f in result.findings}
    assert ("COG-E001", "access_token_validity") in rules and ("COG-E015", "callback_urls[0]") in rules
    line = next(f.line for f in result.findings if f.rule_id == "COG-E001")
    assert '"access_token_validity"' in (tmp_path / "main.tf.json").read_text().splitlines()[line - 1]


def test_terraform_0_11_list_in_list_is_unknown(tmp_path: Path) -> None:
    main = POOL + """
variable "flows" { default = [] }
resource "aws_cognito_user_pool_client" "web" {
  name                = "web"
  user_pool_id        = aws_cognito_user_pool.pool.id
  explicit_auth_flows = ["${var.flows}"]
}
"""
    write(tmp_path, {"main.tf": main})
    assert not found(scan_paths(tmp_path), "COG-E019")


def test_cli_var_and_var_file(tmp_path: Path) -> None:
    from tests.test_cli import run

    main = POOL + """
variable "access" {}
resource "aws_cognito_user_pool_client" "web" {
  name                  = "web"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = var.access
}
"""
    write(tmp_path, {"tf/main.tf": main, "bad.tfvars": "access = 30\n", "good.tfvars.json": '{"access": 3}'})
    code, out, _ = run("scan", str(tmp_path / "tf"), "--var-file", str(tmp_path / "bad.tfvars"), "-f", "json")
    assert code == 1 and [f["rule_id"] for f in json.loads(out)["findings"]].count("COG-E001") == 1
    code, out, _ = run("scan", str(tmp_path / "tf"), "--var-file", str(tmp_path / "bad.tfvars"), "--var", "access=4",
                       "-f", "json")
    assert "COG-E001" not in [f["rule_id"] for f in json.loads(out)["findings"]]
    code, out, _ = run("scan", str(tmp_path / "tf"), "--var-file", str(tmp_path / "good.tfvars.json"), "-f", "json")
    assert "COG-E001" not in [f["rule_id"] for f in json.loads(out)["findings"]]
    code, _out, err = run("scan", str(tmp_path / "tf"), "--var", "access")
    assert code == 2 and "NAME=VALUE" in err


def test_cdktf_output_gives_construct_paths() -> None:
    from tests.helpers import FIXTURES

    result = scan_paths(FIXTURES / "terraform" / "cdktf.out")
    assert not result.errors
    e001 = [f for f in result.findings if f.rule_id == "COG-E001"]
    assert [(f.resource, f.construct_path, f.property) for f in e001] == [
        ("aws_cognito_user_pool_client.auth_web_4F2A1B3C", "auth/web/client", "access_token_validity")
    ]
    text = (FIXTURES / "terraform" / "cdktf.out" / "stacks" / "auth" / "cdk.tf.json").read_text().splitlines()
    assert '"access_token_validity": 60' in text[e001[0].line - 1]
    assert result.clients == 2


def test_newlines_inside_an_interpolation_keep_line_numbers(tmp_path: Path) -> None:
    main = POOL + """
resource "aws_cognito_user_pool_client" "web" {
  name         = "web-${
    aws_cognito_user_pool.pool.name
  }"
  user_pool_id = aws_cognito_user_pool.pool.id
  access_token_validity = 48
}
"""
    write(tmp_path, {"main.tf": main})
    result = scan_paths(tmp_path)
    assert not result.errors
    assert found(result, "COG-E001") == [("COG-E001", "main.tf", 10, "aws_cognito_user_pool_client.web")]


def test_the_terraform_corpus_scans_without_internal_errors() -> None:
    import pytest

    from tests.helpers import SHARED

    corpus = SHARED / "corpus" / "terraform"
    if not corpus.is_dir():
        pytest.skip("../shared is absent")
    result = scan_paths(corpus)
    assert not [e for e in result.errors if "internal error" in e.message]
    assert result.clients >= 100 and result.findings


def test_advice_is_given_the_terraform_way(tmp_path: Path) -> None:
    main = POOL + """
resource "aws_cognito_identity_provider" "google" {
  user_pool_id  = aws_cognito_user_pool.pool.id
  provider_name = "Google"
  provider_type = "Google"
  provider_details = { client_id = "x", client_secret = "y", authorize_scopes = "email" }
}
resource "aws_cognito_user_pool_client" "web" {
  name                         = ""
  user_pool_id                 = aws_cognito_user_pool.pool.id
  supported_identity_providers = ["Google"]
}
"""
    write(tmp_path, {"main.tf": main})
    messages = {f.rule_id: f.message for f in scan_paths(tmp_path).findings}
    assert "add depends_on = [aws_cognito_identity_provider.google]" in messages["COG-E027"]
    assert "Terraform may create the client first" in messages["COG-E027"]
    assert "(the provider requires a name)" in messages["COG-E025"]
    assert not any("CloudFormation" in m or "!Ref" in m for m in messages.values())


def test_an_escaped_resource_type_does_not_hide_a_client(tmp_path: Path) -> None:
    client = CLIENT.replace('"aws_cognito_user_pool_client"', '"aws_cognito_user_pool_\\u0063lient"')
    write(tmp_path, {"main.tf": POOL + client.replace('"minutes"', '"hours"')})
    assert found(scan_paths(tmp_path), "COG-E001")


def test_a_managed_user_pool_client_is_checked_too(tmp_path: Path) -> None:
    main = POOL + """
resource "aws_cognito_managed_user_pool_client" "opensearch" {
  name_prefix           = "AmazonOpenSearchService-"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = 48
}
"""
    write(tmp_path, {"main.tf": main})
    assert found(scan_paths(tmp_path), "COG-E001") == [
        ("COG-E001", "main.tf", 8, "aws_cognito_managed_user_pool_client.opensearch")
    ]
