"""No rule advises what another rule calls an error.

Every rule's fixed example (``docs.use_instead``, in CloudFormation and, where there is one, in Terraform:
``rules/terraform/ID.use_instead.tf``) is scanned with *all* rules and must give no error finding; and the concrete
changes the messages suggest ("set it to ENABLED", "add them to WriteAttributes", ...) are applied to a template
the rule fires on: the rule must stop firing and no rule may report an error on the result.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from cogcheck.engine.predicates.resources import CLIENT_UNWRITABLE_ATTRIBUTES
from cogcheck.engine.rules import Rule, load_rules
from tests.helpers import header_settings, scan_paths, scan_text

RULES = load_rules()
ROOT = Path(__file__).resolve().parent.parent
TF_EXAMPLES = ROOT / "rules" / "terraform"


def _errors(result: Any) -> list[str]:
    return [f"{f.rule_id} {f.property}: {f.message}" for f in result.findings if f.severity == "error"]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_the_fixed_example_has_no_error_from_any_rule(rule: Rule, tmp_path: Path) -> None:
    settings = header_settings(rule.docs["example"], tmp_path)
    result = scan_text(tmp_path, rule.docs["use_instead"], "use_instead.yaml", settings=settings)
    assert not result.errors
    assert _errors(result) == [], f"{rule.id}: its use_instead example is an error for another rule"


TF_FIXED = sorted(TF_EXAMPLES.glob("*.use_instead.tf"))


@pytest.mark.parametrize("path", TF_FIXED, ids=lambda p: p.name.split(".")[0])
def test_the_fixed_terraform_example_has_no_error_from_any_rule(path: Path, tmp_path: Path) -> None:
    rule_id = path.name.split(".")[0]
    module = tmp_path / "module"
    module.mkdir()
    shutil.copy(path, module / "main.tf")
    settings = header_settings((ROOT / "rules" / f"{rule_id}.yaml").read_text(encoding="utf-8"), tmp_path)
    result = scan_paths(module, settings=settings)
    assert not result.errors
    assert _errors(result) == [], f"{rule_id}: its Terraform use_instead example is an error for another rule"


# ------------------------------------------------------------------------------------------ advice in the messages

POOL = {"Pool": {"Type": "AWS::Cognito::UserPool"}}
FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def _client(**properties: Any) -> dict[str, Any]:
    return {"Resources": {**POOL, "Client": {"Type": "AWS::Cognito::UserPoolClient",
                                             "Properties": {"UserPoolId": {"Ref": "Pool"}, **properties}}}}


def _props(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["Resources"]["Client"]["Properties"]  # type: ignore[no-any-return]


def _idp_doc(mapping: dict[str, str], writable: list[str]) -> dict[str, Any]:
    doc = _client(ExplicitAuthFlows=FLOWS, SupportedIdentityProviders=[{"Ref": "Idp"}], WriteAttributes=writable)
    doc["Resources"]["Idp"] = {
        "Type": "AWS::Cognito::UserPoolIdentityProvider",
        "Properties": {"UserPoolId": {"Ref": "Pool"}, "ProviderName": "Google", "ProviderType": "Google",
                       "ProviderDetails": {"client_id": "i", "client_secret": "s", "authorize_scopes": "openid"},
                       "AttributeMapping": mapping},
    }
    return doc


def _add_mapped(doc: dict[str, Any], message: str) -> None:
    """COG-S018's advice: add the attributes its message names to WriteAttributes."""
    named = message.split(" maps ", 1)[1].split(" in its ", 1)[0]
    _props(doc)["WriteAttributes"] += [name.strip() for name in named.split(",")]


def _oauth_on(doc: dict[str, Any], _message: str) -> None:
    """COG-E013's advice: the flag true together with a flow and a scope."""
    props = _props(doc)
    props["AllowedOAuthFlowsUserPoolClient"] = True
    props.setdefault("AllowedOAuthFlows", ["code"])
    props.setdefault("AllowedOAuthScopes", ["openid"])


def _rotate(doc: dict[str, Any], _message: str) -> None:
    """COG-S019's advice: rotation on, ALLOW_REFRESH_TOKEN_AUTH out (COG-E021 refuses both)."""
    props = _props(doc)
    props["RefreshTokenRotation"] = {"Feature": "ENABLED"}
    props["ExplicitAuthFlows"] = [flow for flow in props["ExplicitAuthFlows"] if flow != "ALLOW_REFRESH_TOKEN_AUTH"]


@dataclass(frozen=True)
class Advice:
    rule_id: str
    words: str  # what the message says to do (so that a reworded message is looked at again)
    template: dict[str, Any]
    apply: Callable[[dict[str, Any], str], None]


ADVICE = [
    Advice("COG-S004", "set it to ENABLED", _client(ExplicitAuthFlows=FLOWS),
           lambda d, _m: _props(d).update(PreventUserExistenceErrors="ENABLED")),
    Advice("COG-S018", "add them to", _idp_doc({"email": "email", "given_name": "given_name",
                                                "email_verified": "email_verified"}, ["email"]), _add_mapped),
    Advice("COG-E013", "set it to true together with", _client(
        ExplicitAuthFlows=FLOWS, AllowedOAuthFlowsUserPoolClient=False, CallbackURLs=["https://app.example.org/cb"]),
        _oauth_on),
    Advice("COG-E013", "set it to true together with", _client(
        ExplicitAuthFlows=FLOWS, CallbackURLs=["https://app.example.org/cb"], LogoutURLs=["https://app.example.org"]),
        _oauth_on),
    Advice("COG-S019", "remove ALLOW_REFRESH_TOKEN_AUTH from", _client(ExplicitAuthFlows=FLOWS), _rotate),
    Advice("COG-E003", "omit the property", _client(ExplicitAuthFlows=FLOWS, RefreshTokenValidity=0),
           lambda d, _m: _props(d).pop("RefreshTokenValidity")),
    Advice("COG-E029", "remove it", _client(ExplicitAuthFlows=FLOWS, WriteAttributes=["email", "email_verified"]),
           lambda d, _m: _props(d)["WriteAttributes"].remove("email_verified")),
    Advice("COG-S015", "set ExplicitAuthFlows to [ALLOW_REFRESH_TOKEN_AUTH]", _client(
        GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[{"Fn::Sub": "${Server}/read"}]),
        lambda d, _m: _props(d).update(ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"])),
    Advice("COG-S015", "[ALLOW_CLIENT_TOKEN_AUTH] for GetClientToken", _client(
        GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[{"Fn::Sub": "${Server}/read"}]),
        lambda d, _m: _props(d).update(ExplicitAuthFlows=["ALLOW_CLIENT_TOKEN_AUTH"])),
]
for advice in ADVICE:  # a machine client's custom scope needs its resource server
    if advice.rule_id == "COG-S015":
        advice.template["Resources"]["Server"] = {
            "Type": "AWS::Cognito::UserPoolResourceServer",
            "Properties": {"UserPoolId": {"Ref": "Pool"}, "Identifier": "api", "Name": "api",
                           "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}]},
        }
        advice.template["Resources"]["Client"]["DependsOn"] = "Server"


@pytest.mark.parametrize("advice", ADVICE, ids=lambda a: f"{a.rule_id}: {a.words}")
def test_following_a_message_s_advice_leaves_no_error(advice: Advice, tmp_path: Path) -> None:
    import copy

    doc = copy.deepcopy(advice.template)
    before = scan_text(tmp_path, yaml.safe_dump(doc), "before.yaml")
    messages = [f.message for f in before.findings if f.rule_id == advice.rule_id]
    assert messages, f"{advice.rule_id} does not fire on the template of this case"
    message = next((m for m in messages if advice.words in m), None)
    assert message is not None, f"{advice.rule_id}'s message no longer says {advice.words!r}: {messages}"
    advice.apply(doc, message)
    after = scan_text(tmp_path, yaml.safe_dump(doc), "after.yaml")
    assert not after.errors
    assert advice.rule_id not in {f.rule_id for f in after.findings}, "the advice does not fix what it reports"
    assert _errors(after) == [], f"following {advice.rule_id}'s advice is an error for another rule"


def test_s018_never_asks_for_an_attribute_that_e029_refuses() -> None:
    e029 = next(rule for rule in RULES if rule.id == "COG-E029")
    refused: set[str] = set()
    for check in e029.checks:
        when = check.when
        values = when.get("in", [None, []])[1] if "in" in when else [when["equals"][1]]
        refused |= set(values)
    assert refused == CLIENT_UNWRITABLE_ATTRIBUTES


def test_an_empty_value_is_shown_as_two_quotes(tmp_path: Path) -> None:
    result = scan_text(tmp_path, yaml.safe_dump(_client(AccessTokenValidity="")))
    (message,) = [f.message for f in result.findings if f.rule_id == "COG-E006"]
    assert 'is "", which' in message and "is , " not in message


def test_no_message_ends_in_a_lifetime_it_cannot_tell(tmp_path: Path) -> None:
    for validity in ("thirty", {"Ref": "Days"}):
        doc = _client(ExplicitAuthFlows=FLOWS, EnableTokenRevocation=False, RefreshTokenValidity=validity)
        doc["Parameters"] = {"Days": {"Type": "Number"}}
        result = scan_text(tmp_path, yaml.safe_dump(doc))
        (message,) = [f.message for f in result.findings if f.rule_id == "COG-S005"]
        assert message.endswith("before it expires"), message
        (message,) = [f.message for f in result.findings if f.rule_id == "COG-S019"]
        assert "(invalid)" not in message and "(unknown)" not in message, message
