"""Cross-resource predicates: what they find, the words they leave for the message, and when they abstain."""

from __future__ import annotations

from typing import Any

import pytest

from cogcheck.cfn.parse import parse_template
from cogcheck.cfn.resolve import ResolveOptions
from cogcheck.cfn.scenarios import plan_scenarios
from cogcheck.cfn.values import ResourceRef, Unknown
from cogcheck.engine.expr import EvalContext, Verdict
from cogcheck.engine.paths import Match
from cogcheck.engine.predicates.base import (
    PREDICATES,
    World,
    client_pool,
    pool_is_opaque,
    pool_key,
    resource_exists,
    resource_value,
    same_pool,
)
from cogcheck.engine.predicates.resources import dependencies
from cogcheck.model.client import build_view
from tests.helpers import scan_text

GOOGLE = """
  GoogleIdp:
    Type: AWS::Cognito::UserPoolIdentityProvider
    Properties:
      UserPoolId: !Ref Pool
      ProviderName: Google
      ProviderType: Google
      ProviderDetails: {client_id: id, client_secret: secret, authorize_scopes: openid email}
      AttributeMapping: {email: email, given_name: given_name, username: sub}
"""
API = """
  Api:
    Type: AWS::Cognito::UserPoolResourceServer
    Properties:
      UserPoolId: !Ref Pool
      Identifier: api
      Name: api
      Scopes: [{ScopeName: read, ScopeDescription: read}]
"""


def worlds(text: str, client: str = "Client", **options: Any) -> list[World]:
    """One World per deployment (scenario) of the client."""
    template = parse_template("t.yaml", text.encode(), suffix=".yaml")
    assert template is not None
    found = []
    for _scenario, resolver in plan_scenarios(template, client, ResolveOptions(**options)).scenarios:
        props = resolver.value(template.resources[client].get("Properties", {}))
        assert isinstance(props, dict)
        found.append(World(template, resolver, client, build_view(client, props, {})))
    return found


def world(text: str, client: str = "Client") -> World:
    (only,) = worlds(text, client)
    return only


def template(resources: str, client: str, parameters: str = "", conditions: str = "") -> str:
    """A template with ``Pool``, the given resources and a client ``Client`` whose properties are ``client``."""
    head = f"Parameters:\n{parameters}" if parameters else ""
    head += f"Conditions:\n{conditions}" if conditions else ""
    body = "\n".join("      " + line for line in client.strip().splitlines())
    return (
        head
        + "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n"
        + resources
        + "\n  Client:\n    Type: AWS::Cognito::UserPoolClient\n    Properties:\n"
        + body
        + "\n"
    )


def ask(w: World, name: str, item: Any, args: dict[str, Any] | None = None) -> tuple[Verdict, dict[str, Any]]:
    """Call a predicate on ``item`` as the current ``for_each`` item; return its verdict and its details."""
    ctx = EvalContext(w.view.data, Match(item, ("Item", 0)), lambda *_: None, {})
    return PREDICATES[name](w, args or {}, ctx), ctx.details


def item(w: World, key: str, index: int) -> Any:
    """The resolved list item the engine would hand to the predicate."""
    return w.view.data[key][index]


# ------------------------------------------------------------------------------------------------------ pools


def test_pool_key_ref_getatt_literal_and_imported() -> None:
    text = """
Parameters:
  PoolId: {Type: String}
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: !Ref Pool}}
  ByGetAtt: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: !GetAtt Pool.UserPoolId}}
  ByLiteral: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: eu-west-1_abc}}
  ByImport: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: !ImportValue shared-pool}}
  ByParameter: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: !Ref PoolId}}
  ByArn: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: !GetAtt Pool.Arn}}
"""
    w = world(text)
    assert pool_key(w, "Client") == ("pool", "Pool")
    assert pool_key(w, "ByGetAtt") == ("pool", "Pool")
    assert pool_key(w, "ByLiteral") == ("literal", "eu-west-1_abc")
    assert pool_key(w, "ByImport") == ("expr", '{"Fn::ImportValue": "shared-pool"}')
    assert pool_key(w, "ByParameter") == ("expr", '{"Ref": "PoolId"}')
    assert pool_key(w, "ByArn") is not None and pool_key(w, "ByArn") != ("pool", "Pool")
    assert client_pool(w) == "Pool"
    assert client_pool(world(text, "ByImport")) is None


def test_same_pool_is_three_valued() -> None:
    assert same_pool(("pool", "A"), ("pool", "A")) is True
    assert same_pool(("pool", "A"), ("pool", "B")) is False
    assert same_pool(("literal", "x"), ("literal", "y")) is False
    assert same_pool(("expr", "e"), ("expr", "e")) is True
    assert same_pool(("expr", "e"), ("expr", "f")) is None  # two expressions may still give the same id
    assert same_pool(("pool", "A"), ("literal", "x")) is None
    assert same_pool(None, ("pool", "A")) is None


def test_resource_value_leaves_an_open_parameter_unknown() -> None:
    text = template(
        "  Idp: {Type: AWS::Cognito::UserPoolIdentityProvider, Properties: {UserPoolId: !Ref Pool, "
        "ProviderName: !Sub 'sso-${Stage}', ProviderType: SAML}}\n",
        "UserPoolId: !Ref Pool",
        parameters="  Stage: {Type: String, AllowedValues: [dev, prod]}\n",
    )
    w = world(text)
    assert isinstance(resource_value(w, "Idp", "ProviderName"), Unknown)  # dev or prod: not a guess
    assert resource_value(w, "Idp", "AttributeMapping", {}) == {}
    pinned = worlds(text.replace("UserPoolId: !Ref Pool\n", "UserPoolId: !Ref Pool\n      ClientName: !Ref Stage\n"))
    assert sorted(resource_value(w, "Idp", "ProviderName") for w in pinned) == ["sso-dev", "sso-prod"]


def test_resource_exists_follows_conditions() -> None:
    text = template(
        "  Created: {Type: AWS::SNS::Topic, Condition: Always}\n"
        "  NotCreated: {Type: AWS::SNS::Topic, Condition: Never}\n"
        "  Maybe: {Type: AWS::SNS::Topic, Condition: Open}\n",
        "UserPoolId: !Ref Pool",
        parameters="  Flag: {Type: String}\n",
        conditions="  Always: !Equals [a, a]\n  Never: !Equals [a, b]\n  Open: !Equals [!Ref Flag, 'on']\n",
    )
    w = world(text)
    assert resource_exists(w, "Created") is True
    assert resource_exists(w, "NotCreated") is False
    assert resource_exists(w, "Maybe") is None
    assert resource_exists(w, "Missing") is False


def test_pool_is_opaque_for_writers_not_for_readers() -> None:
    text = template(
        "  Nested: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: https://x/y.yaml, "
        "Parameters: {Pool: !Ref Pool}}}\n",
        "UserPoolId: !Ref Pool",
    )
    assert pool_is_opaque(world(text), "Pool") == "Nested"
    reader = template(
        "  Describe: {Type: Custom::Describe, Properties: {ServiceToken: arn, Create: !Join ['', "
        "['{\"action\":\"describeUserPool\",\"parameters\":{\"UserPoolId\":\"', !Ref Pool, '\"}}']]}}\n"
        "  Unrelated: {Type: Custom::Thing, Properties: {ServiceToken: arn}}\n",
        "UserPoolId: !Ref Pool",
    )
    assert pool_is_opaque(world(reader), "Pool") is None


def test_dependencies_are_transitive_through_depends_on_and_references() -> None:
    text = """
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  A: {Type: AWS::SNS::Topic, DependsOn: B}
  B: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt C.TopicName}}
  C: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub '${D.TopicName}-c'}}
  D: {Type: AWS::SNS::Topic}
  E: {Type: AWS::SNS::Topic}
  Client:
    Type: AWS::Cognito::UserPoolClient
    DependsOn: [A]
    Properties: {UserPoolId: !Ref Pool}
"""
    assert dependencies(world(text), "Client") == {"A", "B", "C", "D", "Pool"}


# -------------------------------------------------------------------------------------------------- COG-E018


def test_scope_of_a_resource_server_on_the_pool() -> None:
    w = world(template(API, "UserPoolId: !Ref Pool\nAllowedOAuthScopes: [!Join ['', [!Ref Api, /read]], api/write]"))
    assert item(w, "AllowedOAuthScopes", 0) == "api/read"
    assert ask(w, "oauth_scope_unknown", "api/read")[0] is False
    verdict, details = ask(w, "oauth_scope_unknown", "api/write")
    assert verdict is True
    assert details["reason"] == 'resource server "api" on pool Pool has no scope "write" (Api declares read)'
    verdict, details = ask(w, "oauth_scope_unknown", "billing/read")
    assert verdict is True and "no UserPoolResourceServer" in details["reason"]


@pytest.mark.parametrize("scope", ["openid", "aws.cognito.signin.user.admin", "bad scope", "", 'a"b', 42])
def test_standard_and_malformed_scopes_are_not_this_predicates_business(scope: Any) -> None:
    w = world(template("", "UserPoolId: !Ref Pool"))
    assert ask(w, "oauth_scope_unknown", scope)[0] is False


def test_scope_without_prefix_is_wrong_even_for_an_imported_pool() -> None:
    w = world(template("", "UserPoolId: !ImportValue shared-pool"))
    verdict, details = ask(w, "oauth_scope_unknown", "Cognito")
    assert verdict is True and "no resource-server prefix" in details["reason"]


@pytest.mark.parametrize(
    ("resources", "client", "parameters"),
    [
        ("", "UserPoolId: !ImportValue shared-pool", ""),  # server may be in the other stack
        ("", "UserPoolId: eu-west-1_abc", ""),  # literal pool id
        (API.replace("Identifier: api", "Identifier: !Ref Id"), "UserPoolId: !Ref Pool", "  Id: {Type: String}\n"),
        (API.replace("Scopes: [", "Scopes: !Ref NoScopes\n      X: ["), "UserPoolId: !Ref Pool",
         "  NoScopes: {Type: String}\n"),
        (API.replace("Identifier: api", "Identifier: !Ref Stage"), "UserPoolId: !Ref Pool",
         "  Stage: {Type: String, AllowedValues: [dev, api]}\n"),
        ("  Nested: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: https://x/y, Parameters: "
         "{P: !Ref Pool}}}\n", "UserPoolId: !Ref Pool", ""),
    ],
    ids=["imported-pool", "literal-pool", "identifier-unknown", "scopes-unknown", "identifier-open", "nested-stack"],
)
def test_scope_abstains_when_the_server_cannot_be_known(resources: str, client: str, parameters: str) -> None:
    w = world(template(resources, client, parameters=parameters))
    assert ask(w, "oauth_scope_unknown", "api/write")[0] is None


def test_scope_abstains_for_a_server_that_may_not_exist() -> None:
    text = template(
        API.replace("    Properties:", "    Condition: Open\n    Properties:", 1),
        "UserPoolId: !Ref Pool",
        parameters="  Flag: {Type: String}\n",
        conditions="  Open: !Equals [!Ref Flag, 'on']\n",
    )
    assert ask(world(text), "oauth_scope_unknown", "api/read")[0] is None
    assert ask(world(text), "oauth_scope_unknown", "other/read")[0] is True  # no server could be "other"


def test_unknown_scope_item_abstains() -> None:
    w = world(template(API, "UserPoolId: !Ref Pool"))
    assert ask(w, "oauth_scope_unknown", Unknown("x"))[0] is None
    assert ask(w, "oauth_scope_unknown", ResourceRef("Ref to resource Api", "Api"))[0] is None


# -------------------------------------------------------------------------------------------------- COG-E026


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "it is empty"), ("x" * 33, "33 characters long"), ("Corp\tSSO", "U+0009")],
)
def test_malformed_provider_names(name: str, reason: str) -> None:
    w = world(template("", "UserPoolId: !ImportValue shared-pool"))
    verdict, details = ask(w, "identity_provider_name_malformed", name)
    assert verdict is True and reason in details["reason"]


@pytest.mark.parametrize("name", ["COGNITO", "x" * 32, "Corp SSO (EU) — ünïcode", 7])
def test_well_formed_provider_names(name: Any) -> None:
    w = world(template("", "UserPoolId: !Ref Pool"))
    assert ask(w, "identity_provider_name_malformed", name)[0] is False
    assert ask(w, "identity_provider_name_malformed", Unknown("x"))[0] is None


def test_provider_must_exist_on_the_same_pool() -> None:
    other = "  Other: {Type: AWS::Cognito::UserPool}\n" + GOOGLE.replace("GoogleIdp", "OktaIdp").replace(
        "ProviderName: Google", "ProviderName: Okta"
    ).replace("UserPoolId: !Ref Pool", "UserPoolId: !Ref Other")
    w = world(template(GOOGLE + other, "UserPoolId: !Ref Pool\nSupportedIdentityProviders: [!Ref GoogleIdp]"))
    assert item(w, "SupportedIdentityProviders", 0) == "Google"
    assert ask(w, "identity_provider_unknown", "Google")[0] is False
    assert ask(w, "identity_provider_unknown", "COGNITO")[0] is False
    verdict, details = ask(w, "identity_provider_unknown", "google")  # case matters
    assert verdict is True and details == {"pool": "Pool", "known": "COGNITO, Google"}
    assert ask(w, "identity_provider_unknown", "Okta")[0] is True  # exists, but on the other pool
    assert ask(w, "identity_provider_unknown", "Facebook")[0] is True  # built-in names need a resource too
    assert ask(w, "identity_provider_unknown", "")[0] is False  # malformed: the other check reports it


def test_provider_by_ref_with_an_unknown_name_is_found() -> None:
    idp = GOOGLE.replace("ProviderName: Google", "ProviderName: !Ref Name")
    w = world(template(idp, "UserPoolId: !Ref Pool\nSupportedIdentityProviders: [!Ref GoogleIdp]",
                       parameters="  Name: {Type: String}\n"))
    ref = item(w, "SupportedIdentityProviders", 0)
    assert isinstance(ref, ResourceRef) and ref.logical_id == "GoogleIdp"
    assert ask(w, "identity_provider_unknown", ref)[0] is False
    assert ask(w, "identity_provider_unknown", "Okta")[0] is None  # GoogleIdp's name may be Okta


@pytest.mark.parametrize(
    ("resources", "client", "parameters", "conditions"),
    [
        ("", "UserPoolId: !ImportValue shared-pool", "", ""),
        ("", "UserPoolId: eu-west-1_abc", "", ""),
        (GOOGLE.replace("    Properties:", "    Condition: Open\n    Properties:", 1), "UserPoolId: !Ref Pool",
         "  Flag: {Type: String}\n", "  Open: !Equals [!Ref Flag, 'on']\n"),
        (GOOGLE.replace("UserPoolId: !Ref Pool", "UserPoolId: !ImportValue maybe-this-pool"), "UserPoolId: !Ref Pool",
         "", ""),
        ("  Providers: {Type: Custom::HostedUIProviders, Properties: {ServiceToken: arn, userPoolId: !Ref Pool}}\n",
         "UserPoolId: !Ref Pool", "", ""),
    ],
    ids=["imported-pool", "literal-pool", "provider-may-not-exist", "provider-pool-unknown", "custom-resource"],
)
def test_provider_existence_abstains(resources: str, client: str, parameters: str, conditions: str) -> None:
    w = world(template(resources, client, parameters=parameters, conditions=conditions))
    assert ask(w, "identity_provider_unknown", "Google")[0] is None
    assert ask(w, "identity_provider_unknown", Unknown("parameter"))[0] is None


# -------------------------------------------------------------------------------------------------- COG-E027


def test_literal_name_without_dependency() -> None:
    w = world(template(GOOGLE, "UserPoolId: !Ref Pool\nSupportedIdentityProviders: [Google]"))
    verdict, details = ask(w, "identity_provider_without_dependency", "Google")
    assert verdict is True and details == {"provider": "GoogleIdp"}
    assert ask(w, "identity_provider_without_dependency", "COGNITO")[0] is False
    assert ask(w, "identity_provider_without_dependency", "Facebook")[0] is False  # not defined here: COG-E026


@pytest.mark.parametrize(
    "client",
    [
        "UserPoolId: !Ref Pool\nSupportedIdentityProviders: [!Ref GoogleIdp]",
        "UserPoolId: !Ref Pool\nSupportedIdentityProviders: [Google]\nClientName: !Sub '${GoogleIdp}-web'",
    ],
)
def test_a_reference_anywhere_in_the_client_is_a_dependency(client: str) -> None:
    assert ask(world(template(GOOGLE, client)), "identity_provider_without_dependency", "Google")[0] is False


def test_depends_on_directly_or_transitively() -> None:
    text = template(GOOGLE + "  Gate: {Type: AWS::SNS::Topic, DependsOn: GoogleIdp}\n", "UserPoolId: !Ref Pool")
    for depends_on in ("GoogleIdp", "[Gate]"):
        w = world(text.replace("    Type: AWS::Cognito::UserPoolClient\n",
                               f"    Type: AWS::Cognito::UserPoolClient\n    DependsOn: {depends_on}\n"))
        assert ask(w, "identity_provider_without_dependency", "Google")[0] is False


def test_same_imported_pool_races_too() -> None:
    idp = GOOGLE.replace("UserPoolId: !Ref Pool", "UserPoolId: !ImportValue shared-pool")
    w = world(template(idp, "UserPoolId: !ImportValue shared-pool"))
    assert ask(w, "identity_provider_without_dependency", "Google")[0] is True
    maybe_elsewhere = world(template(idp, "UserPoolId: !ImportValue other-export"))
    assert ask(maybe_elsewhere, "identity_provider_without_dependency", "Google")[0] is None  # may be one pool


def test_dependency_abstains_when_the_provider_may_not_exist() -> None:
    text = template(
        GOOGLE.replace("    Properties:", "    Condition: Open\n    Properties:", 1),
        "UserPoolId: !Ref Pool",
        parameters="  Flag: {Type: String}\n",
        conditions="  Open: !Equals [!Ref Flag, 'on']\n",
    )
    assert ask(world(text), "identity_provider_without_dependency", "Google")[0] is None


# -------------------------------------------------------------------------------------------------- COG-E028


SCHEMA_POOL = """Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      Schema:
        - {Name: email, AttributeDataType: String, Required: true}
        - {Name: tenant, AttributeDataType: String}
  Client: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: !Ref Pool}}
"""


@pytest.mark.parametrize("name", ["email", "email_verified", "zoneinfo", "custom:tenant", "dev:custom:tenant", 3])
def test_attributes_the_pool_has(name: Any) -> None:
    assert ask(world(SCHEMA_POOL), "attribute_not_in_pool", name)[0] is False


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("custom:tier", 'declares no custom attribute "tier" (it declares tenant)'),
        ("custom:email", 'declares no custom attribute "email"'),  # a standard name in Schema is not custom
        ("emial", "not a standard attribute"),
        ("sub", "not a standard attribute"),
        ("Email", "not a standard attribute"),
    ],
)
def test_attributes_the_pool_does_not_have(name: str, reason: str) -> None:
    verdict, details = ask(world(SCHEMA_POOL), "attribute_not_in_pool", name)
    assert verdict is True and reason in details["reason"] and details["pool"] == "Pool"


@pytest.mark.parametrize(
    "text",
    [
        SCHEMA_POOL.replace("UserPoolId: !Ref Pool", "UserPoolId: !ImportValue shared-pool"),
        SCHEMA_POOL.replace("        - {Name: tenant, AttributeDataType: String}\n",
                            "        - {Name: !Ref Custom, AttributeDataType: String}\n")
        .replace("Resources:", "Parameters:\n  Custom: {Type: String}\nResources:"),
        SCHEMA_POOL.replace("      Schema:\n", "      Schema: !Ref Schema\n      X:\n")
        .replace("Resources:", "Parameters:\n  Schema: {Type: String}\nResources:"),
    ],
    ids=["imported-pool", "attribute-name-unknown", "schema-unknown"],
)
def test_attribute_check_abstains(text: str) -> None:
    assert ask(world(text), "attribute_not_in_pool", "custom:tier")[0] is None
    assert ask(world(text), "attribute_not_in_pool", Unknown("x"))[0] is None


# -------------------------------------------------------------------------------------------------- COG-E031


def test_pool_property_equals() -> None:
    args = {"property": "UserPoolTier", "value": "LITE"}
    bare = "Pool: {Type: AWS::Cognito::UserPool}"
    lite = world(template("", "UserPoolId: !Ref Pool").replace(bare, bare[:-1] + ", Properties: {UserPoolTier: LITE}}"))
    verdict, details = ask(lite, "pool_property_equals", None, args)
    assert verdict is True and details == {"pool": "Pool"}
    assert ask(world(template("", "UserPoolId: !Ref Pool")), "pool_property_equals", None, args)[0] is False
    unknown = template("", "UserPoolId: !Ref Pool", parameters="  Tier: {Type: String}\n").replace(
        bare, bare[:-1] + ", Properties: {UserPoolTier: !Ref Tier}}"
    )
    assert ask(world(unknown), "pool_property_equals", None, args)[0] is None
    imported = world(template("", "UserPoolId: !ImportValue lite-pool"))
    assert ask(imported, "pool_property_equals", None, args)[0] is None


# -------------------------------------------------------------------------------------------------- COG-S018


def test_mapped_attributes_must_be_writable() -> None:
    w = world(template(GOOGLE, "UserPoolId: !Ref Pool\nSupportedIdentityProviders: [!Ref GoogleIdp]\n"
                                "WriteAttributes: [email]"))
    verdict, details = ask(w, "idp_mapped_attributes_not_writable", "Google")
    assert verdict is True and details == {"provider": "GoogleIdp", "missing": "given_name"}  # username ignored
    assert ask(w, "idp_mapped_attributes_not_writable", "COGNITO")[0] is False
    assert ask(w, "idp_mapped_attributes_not_writable", "Okta")[0] is False  # not defined in this template
    writable = world(template(GOOGLE, "UserPoolId: !Ref Pool\nWriteAttributes: [email, given_name]"))
    assert ask(writable, "idp_mapped_attributes_not_writable", "Google")[0] is False
    default = world(template(GOOGLE, "UserPoolId: !Ref Pool"))
    assert ask(default, "idp_mapped_attributes_not_writable", "Google")[0] is False


def test_malformed_mapping_entries_are_ignored() -> None:
    idp = GOOGLE.replace("AttributeMapping: {email: email, given_name: given_name, username: sub}",
                         "AttributeMapping: {email: email, ProviderDetails: {client_id: x}, IdpIdentifiers: []}")
    w = world(template(idp, "UserPoolId: !Ref Pool\nWriteAttributes: [email]"))
    assert ask(w, "idp_mapped_attributes_not_writable", "Google")[0] is False


@pytest.mark.parametrize(
    ("client", "parameters"),
    [
        ("UserPoolId: !Ref Pool\nWriteAttributes: !Ref Writable", "  Writable: {Type: CommaDelimitedList}\n"),
        ("UserPoolId: !Ref Pool\nWriteAttributes: [email, !Ref Extra]", "  Extra: {Type: String}\n"),
    ],
    ids=["list-unknown", "item-unknown"],
)
def test_writable_check_abstains(client: str, parameters: str) -> None:
    w = world(template(GOOGLE, client, parameters=parameters))
    assert ask(w, "idp_mapped_attributes_not_writable", "Google")[0] is None


def test_mapping_unknown_abstains() -> None:
    idp = GOOGLE.replace("AttributeMapping: {email: email, given_name: given_name, username: sub}",
                         "AttributeMapping: !If [Open, {email: email}, {given_name: given_name}]")
    text = template(idp, "UserPoolId: !Ref Pool\nWriteAttributes: [email]",
                    parameters="  Flag: {Type: String}\n", conditions="  Open: !Equals [!Ref Flag, 'on']\n")
    assert ask(world(text), "idp_mapped_attributes_not_writable", "Google")[0] is None


# ----------------------------------------------------------------------------- model behaviour the rules rely on


def test_comma_delimited_list_members_are_trimmed(tmp_path: Any) -> None:
    text = template("", "UserPoolId: !Ref Pool\nAllowedOAuthFlowsUserPoolClient: true\nAllowedOAuthFlows: [code]\n"
                        "CallbackURLs: [https://app.example.org/cb]\nAllowedOAuthScopes: !Ref Scopes",
                    parameters="  Scopes: {Type: CommaDelimitedList, Default: 'openid, email, profile'}\n")
    assert world(text).view.data["AllowedOAuthScopes"] == ["openid", "email", "profile"]
    assert not [f for f in scan_text(tmp_path, text).findings if f.rule_id == "COG-E018"]


def test_serverless_variables_in_an_included_fragment_are_unknown(tmp_path: Any) -> None:
    text = template("", "UserPoolId: !Ref Pool\nClientName: ${self:custom.stage}-client")
    assert isinstance(world(text).view.data["ClientName"], Unknown)
    assert not [f for f in scan_text(tmp_path, text).findings if f.rule_id == "COG-E025"]
    literal = world(template("", "UserPoolId: !Ref Pool\nClientName: 'cost-${dollars}'"))
    assert literal.view.data["ClientName"] == "cost-${dollars}"  # not a Serverless variable source
