"""``--scenarios defaults`` (and the configuration's ``scenarios``): only the deployment the parameter defaults
describe is judged; the default, ``all``, judges every deployment the template allows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cogcheck.cfn.parse import parse_template
from cogcheck.cfn.resolve import ResolveOptions
from cogcheck.cfn.scenarios import plan_scenarios
from cogcheck.cli import app
from cogcheck.config.files import load_config
from cogcheck.config.options import OptionError, build_scan_options
from tests.helpers import scan_text

TEMPLATE = """Parameters:
  Env: {Type: String, Default: prod, AllowedValues: [dev, prod]}
  Validity: {Type: Number, AllowedValues: [1, 25], Default: 1}
  Only: {Type: Number, AllowedValues: [25]}
  Free: {Type: String, AllowedValues: [a, b]}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  IsA: !Equals [!Ref Free, a]
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ExplicitAuthFlows: !If
        - IsDev
        - [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
        - [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      AccessTokenValidity: !Ref Validity
      TokenValidityUnits: {AccessToken: hours}
  OnlyValue:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      IdTokenValidity: !Ref Only
      TokenValidityUnits: {IdToken: hours}
  Undecided:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AllowedOAuthFlows: !If [IsA, [implicit], [code]]
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthScopes: [openid]
      CallbackURLs: [https://app.example.org/cb]
"""


def _found(result: object) -> set[tuple[str, str, str]]:
    return {(f.rule_id, f.resource, f.scenario_text) for f in result.findings  # type: ignore[attr-defined]
            if f.rule_id in ("COG-E001", "COG-E002", "COG-S001", "COG-S002")}


def test_all_judges_every_allowed_value_and_defaults_only_the_defaults(tmp_path: Path) -> None:
    every = _found(scan_text(tmp_path, TEMPLATE))
    assert ("COG-S002", "Client", "when Env=dev") in every
    assert ("COG-E001", "Client", "when Validity=25") in every
    defaults = _found(scan_text(tmp_path, TEMPLATE, resolve=ResolveOptions(scenarios="defaults")))
    assert not {f for f in defaults if f[1] == "Client"}  # prod and 1 hour: the defaults describe a valid client
    # a parameter whose only allowed value is 25: every deployment has it, defaults or not
    assert ("COG-E002", "OnlyValue", "") in defaults and ("COG-E002", "OnlyValue", "") in every
    # a parameter without a default stays unknown: the condition it decides is still judged both ways
    assert ("COG-S001", "Undecided", "when IsA is true") in defaults
    assert ("COG-S001", "Undecided", "when Free=a") in every


def test_a_given_parameter_wins_over_its_default(tmp_path: Path) -> None:
    options = ResolveOptions(parameters={"Env": "dev"}, scenarios="defaults")
    found = _found(scan_text(tmp_path, TEMPLATE, resolve=options))
    assert ("COG-S002", "Client", "") in found


def test_defaults_plan_one_scenario_per_client_when_every_parameter_has_a_default() -> None:
    template = parse_template("t.yaml", TEMPLATE.encode(), suffix=".yaml")
    assert template is not None
    assert len(plan_scenarios(template, "Client", ResolveOptions()).scenarios) == 4
    (only,) = plan_scenarios(template, "Client", ResolveOptions(scenarios="defaults")).scenarios
    assert not only[0]  # nothing varies: no scenario to describe
    assert len(plan_scenarios(template, "Undecided", ResolveOptions(scenarios="defaults")).scenarios) == 2


def test_the_option_and_the_configuration_key(tmp_path: Path) -> None:
    assert build_scan_options().resolve.scenarios == "all"
    assert build_scan_options(scenarios="defaults").resolve.scenarios == "defaults"
    config_file = tmp_path / ".cogcheck.yaml"
    config_file.write_text("scenarios: defaults\n", encoding="utf-8")
    config = load_config(config_file)
    assert build_scan_options(config=config).resolve.scenarios == "defaults"
    assert build_scan_options(config=config, scenarios="all").resolve.scenarios == "all"  # the command line wins
    config_file.write_text("scenarios: some\n", encoding="utf-8")
    with pytest.raises(OptionError, match="scenarios must be 'all' or 'defaults'"):
        load_config(config_file)
    with pytest.raises(OptionError, match="--scenarios takes all or defaults"):
        build_scan_options(scenarios="some")


@pytest.mark.parametrize("mode", ["all", "defaults"])
def test_reports_say_which_deployments_were_judged(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    runner = CliRunner()
    args = ["scan", str(path), "--isolated", "--scenarios", mode]
    text = runner.invoke(app, [*args, "-f", "text"]).stdout.strip().splitlines()[-1]
    assert ("judged with the parameter defaults only (--scenarios defaults)" in text) is (mode == "defaults")
    report = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    assert report["summary"]["scenarios"] == mode
    sarif = json.loads(runner.invoke(app, [*args, "-f", "sarif"]).stdout)
    assert sarif["runs"][0]["properties"]["scenarios"] == mode
    markdown = runner.invoke(app, [*args, "-f", "markdown"]).stdout
    assert ("--scenarios defaults" in markdown) is (mode == "defaults")


def test_terraform_always_judges_the_given_or_default_values(tmp_path: Path) -> None:
    """Terraform has one deployment: each variable's --var value, else its default (else unknown); the option
    changes nothing there."""
    module = tmp_path / "tf"
    module.mkdir()
    (module / "main.tf").write_text(
        'variable "hours" {\n  type = number\n  default = 25\n}\n'
        'resource "aws_cognito_user_pool" "pool" {\n  name = "p"\n}\n'
        'resource "aws_cognito_user_pool_client" "client" {\n  name = "c"\n'
        "  user_pool_id = aws_cognito_user_pool.pool.id\n  access_token_validity = var.hours\n"
        '  token_validity_units {\n    access_token = "hours"\n  }\n}\n',
        encoding="utf-8",
    )
    from tests.helpers import scan_paths

    for mode in ("all", "defaults"):
        result = scan_paths(module, resolve=ResolveOptions(scenarios=mode))
        assert "COG-E001" in {f.rule_id for f in result.findings}
