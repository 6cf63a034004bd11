"""The COG-S predicates (engine.predicates.policy): hosts, production inputs, the pool, the previous version."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cogcheck.cfn.parse import parse_template
from cogcheck.cfn.resolve import Resolver
from cogcheck.engine.expr import EvalContext, Verdict
from cogcheck.engine.paths import Match
from cogcheck.engine.predicates.base import PREDICATES, World
from cogcheck.engine.predicates.policy import (
    DEFAULT_PLACEHOLDER_HOSTS,
    generate_secret_changed,
    host_in,
    is_local_host,
    load_previous,
    local_redirect_host,
    placeholder_host,
    pool_identifier_updatable_unverified,
    pool_lacks_custom_auth_triggers,
    previous_file,
    production_input,
    public_client,
    url_host,
)
from cogcheck.engine.rules import load_rules
from cogcheck.model.client import build_view
from cogcheck.model.policy import Policy

PredicateFn = Any


def world(
    text: str,
    logical_id: str = "Client",
    settings: Mapping[str, Any] | None = None,
    file: str = "template.yaml",
    stack: str | None = None,
) -> World:
    template = parse_template(file, text.encode(), suffix=".yaml")
    assert template is not None
    resolver = Resolver(template)
    props = resolver.value(template.resources[logical_id].get("Properties", {}))
    view = build_view(logical_id, props, {})
    return World(template, resolver, logical_id, view, Policy.from_mapping(settings or {}), stack)


def ask(
    function: PredicateFn, w: World, item: Any = None, **args: Any
) -> tuple[Verdict, dict[str, Any]]:
    ctx = EvalContext(w.view.data, Match(item, ("CallbackURLs", 0)) if item is not None else None, lambda *_: None)
    return function(w, args, ctx), ctx.details


CLIENT = """Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
"""


def test_the_predicates_are_registered_by_loading_the_rules() -> None:
    load_rules()
    for name in (
        "local_redirect_host", "placeholder_host", "production_input", "pool_lacks_custom_auth_triggers",
        "pool_identifier_updatable_unverified", "public_client", "generate_secret_changed",
    ):
        assert name in PREDICATES


# ---------------------------------------------------------------------------------------------------------- hosts


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://App.Example.org:8443/cb?x=1", "app.example.org"),
        ("http://[::1]:3000/", "::1"),
        ("myapp://callback", "callback"),
        ("https://localhost./cb", "localhost"),
        ("myapp:callback", None),
        ("https://[not-an-ip/cb", None),
    ],
)
def test_url_host(url: str, host: str | None) -> None:
    assert url_host(url) == host


@pytest.mark.parametrize(
    "host",
    ["localhost", "dev.localhost", "printer.local", "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1",
     "172.31.255.255", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "fd00::1"],
)
def test_local_hosts(host: str) -> None:
    assert is_local_host(host)


@pytest.mark.parametrize(
    "host",
    ["app.example.org", "localhost.example.org", "local", "mylocal", "172.15.255.255", "172.32.0.0", "192.169.0.1",
     "11.0.0.1", "8.8.8.8", "2001:db8::1", "app.local.example.org"],
)
def test_public_hosts(host: str) -> None:
    assert not is_local_host(host)


def test_host_in_matches_the_name_and_its_subdomains_only() -> None:
    assert host_in("example.com", ["example.com"]) == "example.com"
    assert host_in("a.b.example.com", ["EXAMPLE.COM."]) == "EXAMPLE.COM."
    assert host_in("notexample.com", ["example.com"]) is None
    assert host_in("example.com.evil.io", ["example.com"]) is None
    assert host_in("anything", ["", "."]) is None


def test_local_redirect_host_answers_per_item() -> None:
    w = world(CLIENT)
    verdict, details = ask(local_redirect_host, w, "https://192.168.1.5/cb")
    assert verdict is True and details["host"] == "192.168.1.5"
    assert ask(local_redirect_host, w, "https://app.example.org/cb")[0] is False
    assert ask(local_redirect_host, w, "myapp:callback")[0] is False  # no host at all
    assert ask(local_redirect_host, w, "https://[broken/cb")[0] is None  # a host that cannot be read
    assert ask(local_redirect_host, w, 42)[0] is None


def test_placeholder_host_default_list_and_setting() -> None:
    assert "example.com" in DEFAULT_PLACEHOLDER_HOSTS and "example.org" not in DEFAULT_PLACEHOLDER_HOSTS
    w = world(CLIENT)
    verdict, details = ask(placeholder_host, w, "https://app.example.com/cb")
    assert verdict is True and details == {"host": "app.example.com", "placeholder": "example.com"}
    assert ask(placeholder_host, w, "https://app.example.org/cb")[0] is False
    configured = world(CLIENT, settings={"placeholder_hosts": ["example.org"]})
    assert ask(placeholder_host, configured, "https://app.example.org/cb")[0] is True
    assert ask(placeholder_host, configured, "https://app.example.com/cb")[0] is False
    assert ask(placeholder_host, w, "not a url")[0] is False


# ----------------------------------------------------------------------------------------------------- production


def test_production_input_is_false_unless_declared() -> None:
    assert ask(production_input, world(CLIENT))[0] is False
    assert ask(production_input, world(CLIENT, settings={"production": False}))[0] is False


def test_production_flag_marks_every_input() -> None:
    verdict, details = ask(production_input, world(CLIENT, settings={"production": True}))
    assert verdict is True and "every input" in details["production"]


@pytest.mark.parametrize(
    ("pattern", "file", "stack", "expected"),
    [
        ("Prod*", "cdk.out/x.template.json", "ProdApi", True),
        ("prod*", "cdk.out/x.template.json", "ProdApi", True),  # case-insensitive
        ("Prod/*", "cdk.out/x.template.json", "Prod/Api", True),
        ("Prod*", "cdk.out/x.template.json", "DevApi", False),
        ("*/prod/*", "stacks/prod/auth.yaml", None, True),
        ("auth-prod.yaml", "stacks/auth-prod.yaml", None, True),  # the file name alone
        ("live-*", "stacks/prod/auth.yaml", None, False),
    ],
)
def test_production_stacks_match_stack_path_or_name(
    pattern: str, file: str, stack: str | None, expected: bool
) -> None:
    w = world(CLIENT, settings={"production_stacks": [pattern]}, file=file, stack=stack)
    verdict, details = ask(production_input, w)
    assert verdict is expected
    if expected:
        assert pattern in details["production"]


# ------------------------------------------------------------------------------------------------------- the pool

POOL_CLIENT = """Parameters:
  PoolId: {{Type: String}}
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties: {pool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: {pool_id}
"""


def pool_world(pool: str, pool_id: str = "!Ref Pool") -> World:
    return world(POOL_CLIENT.format(pool=pool, pool_id=pool_id))


@pytest.mark.parametrize(
    ("pool", "pool_id", "expected"),
    [
        ("{}", "!Ref Pool", True),
        ("{LambdaConfig: {PreSignUp: arn:aws:lambda:us-east-1:1:function:f}}", "!Ref Pool", True),
        ("{LambdaConfig: {DefineAuthChallenge: arn:aws:lambda:us-east-1:1:function:f}}", "!Ref Pool", False),
        ("{LambdaConfig: {VerifyAuthChallengeResponse: !ImportValue f}}", "!Ref Pool", False),
        ("{LambdaConfig: !ImportValue shared-triggers}", "!Ref Pool", None),
        ("{}", "!ImportValue shared-pool", None),
        ("{}", "!Ref PoolId", None),
        ("{}", "!GetAtt Pool.UserPoolId", True),
    ],
)
def test_pool_lacks_custom_auth_triggers(pool: str, pool_id: str, expected: Verdict) -> None:
    w = pool_world(pool, pool_id)
    assert ask(pool_lacks_custom_auth_triggers, w)[0] is expected
    if expected is None:
        assert ask(pool_lacks_custom_auth_triggers, w, if_unknown=False)[0] is False
        assert ask(pool_lacks_custom_auth_triggers, w, if_unknown=True)[0] is True
    else:
        assert ask(pool_lacks_custom_auth_triggers, w, if_unknown=False)[0] is expected


@pytest.mark.parametrize(
    ("pool", "expected"),
    [
        ("{UsernameAttributes: [email]}", True),
        ("{AliasAttributes: [phone_number, preferred_username]}", True),
        ("{UsernameAttributes: [email], UserAttributeUpdateSettings: {AttributesRequireVerificationBeforeUpdate: []}}",
         True),
        ("{UsernameAttributes: [email], UserAttributeUpdateSettings: {AttributesRequireVerificationBeforeUpdate: "
         "[email]}}", False),
        ("{}", False),
        ("{AliasAttributes: [preferred_username]}", False),
        ("{UsernameAttributes: !ImportValue shared-username-attributes}", None),
        ("{UsernameAttributes: [email], UserAttributeUpdateSettings: !ImportValue shared}", None),
    ],
)
def test_pool_identifier_updatable_unverified(pool: str, expected: Verdict) -> None:
    w = pool_world(pool)
    verdict, details = ask(pool_identifier_updatable_unverified, w)
    assert verdict is expected
    if expected:
        assert details["identifiers"]
    if expected is None:
        assert ask(pool_identifier_updatable_unverified, w, if_unknown=False)[0] is False


def test_a_pool_others_may_change_or_a_pool_setting_from_an_open_parameter_is_unknown() -> None:
    text = POOL_CLIENT.format(pool="{}", pool_id="!Ref Pool") + """  Hook:
    Type: Custom::AddTriggers
    Properties: {ServiceToken: arn:aws:lambda:us-east-1:1:function:f, Pool: !Ref Pool}
"""
    assert ask(pool_lacks_custom_auth_triggers, world(text))[0] is None
    assert ask(pool_identifier_updatable_unverified, world(text))[0] is None
    choice = POOL_CLIENT.format(
        pool="{UsernameAttributes: !If [Email, [email], !Ref AWS::NoValue]}", pool_id="!Ref Pool"
    ).replace(
        "Resources:",
        "  Mode: {Type: String, AllowedValues: [email, name]}\nConditions:\n  Email: !Equals [!Ref Mode, email]\n"
        "Resources:",
    )
    assert ask(pool_identifier_updatable_unverified, world(choice))[0] is None


def test_pool_identifier_unknown_for_an_imported_pool() -> None:
    w = pool_world("{UsernameAttributes: [email]}", "!ImportValue shared-pool")
    assert ask(pool_identifier_updatable_unverified, w)[0] is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [("", True), ("      GenerateSecret: false\n", True), ("      GenerateSecret: 'TRUE'\n", False),
     ("      GenerateSecret: !ImportValue secret\n", None)],
)
def test_public_client(line: str, expected: Verdict) -> None:
    w = world(CLIENT + line)
    assert ask(public_client, w)[0] is expected
    assert ask(public_client, w, if_unknown=False)[0] is (False if expected is None else expected)


# --------------------------------------------------------------------------------------------- previous versions


def test_previous_file_for_a_single_file(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    policy = Policy.from_mapping
    old.write_text(CLIENT, encoding="utf-8")
    assert previous_file(policy({}), "new.yaml") is None
    assert previous_file(policy({"previous": str(old)}), "new.yaml") == old  # nothing says what was scanned
    assert previous_file(policy({"previous": str(old), "scan_roots": ["./new.yaml"]}), "new.yaml") == old
    assert previous_file(policy({"previous": str(old), "scan_roots": ["other.yaml"]}), "new.yaml") is None
    assert previous_file(policy({"previous": str(tmp_path / "missing.yaml")}), "new.yaml") is None


def test_previous_directory_mirrors_the_scanned_directory(tmp_path: Path) -> None:
    (tmp_path / "old" / "stacks").mkdir(parents=True)
    (tmp_path / "new" / "stacks").mkdir(parents=True)
    (tmp_path / "old" / "stacks" / "auth.yaml").write_text(CLIENT, encoding="utf-8")
    (tmp_path / "new" / "stacks" / "auth.yaml").write_text(CLIENT, encoding="utf-8")
    (tmp_path / "new" / "stacks" / "added.yaml").write_text(CLIENT, encoding="utf-8")
    settings = {"previous": str(tmp_path / "old"), "scan_roots": [str(tmp_path / "new")]}
    scanned = os.path.join(str(tmp_path / "new"), "stacks", "auth.yaml")
    policy = Policy.from_mapping(settings)
    assert previous_file(policy, scanned) == tmp_path / "old" / "stacks" / "auth.yaml"
    assert previous_file(policy, os.path.join(str(tmp_path / "new"), "stacks", "added.yaml")) is None
    # a file named on the command line is looked up by its name in the previous directory
    single = {"previous": str(tmp_path / "old" / "stacks"), "scan_roots": [scanned]}
    assert previous_file(Policy.from_mapping(single), scanned) == tmp_path / "old" / "stacks" / "auth.yaml"


def test_load_previous_rereads_a_changed_file_and_tolerates_garbage(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(CLIENT, encoding="utf-8")
    first = load_previous(old)
    assert first is not None and "Client" in first.resources
    old.write_text(CLIENT.replace("Client:", "Renamed:") + "# longer\n", encoding="utf-8")
    second = load_previous(old)
    assert second is not None and "Renamed" in second.resources
    old.write_text("Resources: [unclosed\n", encoding="utf-8")
    assert load_previous(old) is None
    assert load_previous(tmp_path / "missing.yaml") is None


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("", "      GenerateSecret: true\n", True),
        ("      GenerateSecret: true\n", "", True),
        ("      GenerateSecret: 'false'\n", "", False),
        ("      GenerateSecret: true\n", "      GenerateSecret: 'True'\n", False),
        ("      GenerateSecret: !ImportValue x\n", "      GenerateSecret: true\n", None),
        ("", "      GenerateSecret: !ImportValue x\n", None),
    ],
)
def test_generate_secret_changed(tmp_path: Path, before: str, after: str, expected: Verdict) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(CLIENT + before, encoding="utf-8")
    w = world(CLIENT + after, settings={"previous": str(old)})
    verdict, details = ask(generate_secret_changed, w)
    assert verdict is expected
    if expected:
        assert details["before"] is not details["after"]
        assert details["previous"] == str(old)


def test_generate_secret_changed_abstains_for_new_clients_and_without_a_previous_version(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(CLIENT.replace("  Client:\n    Type: AWS::Cognito::UserPoolClient", "  Client:\n    Type: X"),
                   encoding="utf-8")
    assert ask(generate_secret_changed, world(CLIENT, settings={"previous": str(old)}))[0] is None
    assert ask(generate_secret_changed, world(CLIENT + "      GenerateSecret: true\n"))[0] is None
    gone = tmp_path / "gone.yaml"
    gone.write_text("Resources: {Pool: {Type: AWS::Cognito::UserPool}}\n", encoding="utf-8")
    assert ask(generate_secret_changed, world(CLIENT, settings={"previous": str(gone)}))[0] is None


SAM_TRIGGER = """Transform: AWS::Serverless-2016-10-31
Resources:
  Pool: {{Type: AWS::Cognito::UserPool}}
  Other: {{Type: AWS::Cognito::UserPool}}
  Define:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Events:
        Challenge:
          Type: Cognito
          Properties: {{UserPool: {target}, Trigger: {trigger}}}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
"""


@pytest.mark.parametrize(
    ("target", "trigger", "expected"),
    [
        ("!Ref Pool", "DefineAuthChallenge", False),
        ("!Ref Pool", "[PreSignUp, CreateAuthChallenge]", False),
        ("!Ref Pool", "PreSignUp", True),
        ("!Ref Other", "DefineAuthChallenge", True),  # another pool's trigger
        ("!Ref Pool", "!ImportValue trigger-name", None),
        ("!ImportValue shared-pool", "DefineAuthChallenge", None),
    ],
)
def test_sam_cognito_events_attach_triggers(target: str, trigger: str, expected: Verdict) -> None:
    w = world(SAM_TRIGGER.format(target=target, trigger=trigger))
    assert ask(pool_lacks_custom_auth_triggers, w)[0] is expected


def test_serverless_framework_custom_auth_events_make_the_pool_unknown() -> None:
    text = """service: auth
functions:
  define:
    handler: define.handler
    events:
      - cognitoUserPool: {pool: users, trigger: DefineAuthChallenge}
resources:
  Resources:
    Pool: {Type: AWS::Cognito::UserPool}
    Client:
      Type: AWS::Cognito::UserPoolClient
      Properties:
        UserPoolId: {Ref: Pool}
"""
    assert ask(pool_lacks_custom_auth_triggers, world(text))[0] is None
    plain = text.replace("DefineAuthChallenge", "PreSignUp")
    assert ask(pool_lacks_custom_auth_triggers, world(plain))[0] is True
