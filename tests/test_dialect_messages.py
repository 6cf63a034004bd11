"""Messages in the input's own words: names spelt per dialect from the mapping data, sentence variants from the rule
file, nothing rewritten after rendering; the per-dialect snapshots of every fixture's messages are pinned."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cogcheck.cfn.names import CLOUDFORMATION, Name, Phrase
from cogcheck.engine.evaluate import render
from cogcheck.engine.expr import EvalContext
from cogcheck.engine.predicates.base import PREDICATES
from cogcheck.engine.rules import RuleError, load_rules, parse_rule
from cogcheck.inputs.cdk.names import CDK_PROPS
from cogcheck.inputs.dialects import DIALECTS
from cogcheck.inputs.terraform import mapping
from cogcheck.inputs.terraform.mapping import TERRAFORM, camel, snake
from tests.helpers import ROOT, scan_paths
from tests.message_snapshots import SNAPSHOTS

RULE = {
    "id": "COG-E999",
    "name": "a-bad-thing",
    "severity": "error",
    "summary": "s",
    "docs": {"what": "w", "why": "y", "example": "e", "use_instead": "u", "references": []},
    "when": {"present": "$.CallbackURLs"},
}


def _message(message: str, dialect: str, data: dict[str, Any] | None = None, prop: str = "", **rule: Any) -> str:
    parsed = parse_rule({**RULE, "message": message, **rule}, "rule.yaml", PREDICATES)
    ctx = EvalContext(data or {}, None, lambda *_: None, {}, {})
    return render(parsed.checks[0].message_for(dialect), ctx, {}, prop, DIALECTS[dialect])


@pytest.mark.parametrize(
    ("placeholder", "cloudformation", "terraform"),
    [
        ("{prop:CallbackURLs}", "CallbackURLs", "callback_urls"),
        ("{prop:TokenValidityUnits.AccessToken}", "TokenValidityUnits.AccessToken",
         "token_validity_units.access_token"),
        ("{prop:RefreshTokenRotation.Feature|key}", "Feature", "feature"),
        ("{prop:AllowedOAuthFlowsUserPoolClient}", "AllowedOAuthFlowsUserPoolClient",
         "allowed_oauth_flows_user_pool_client"),
        ("{prop:UserPool/UserPoolTier}", "UserPoolTier", "user_pool_tier"),
        ("{prop:UserPool/Schema.Required|key}", "Required", "required"),
        ("{prop:UserPoolDomain/CustomDomainConfig.CertificateArn}", "CustomDomainConfig.CertificateArn",
         "certificate_arn"),
        ("{type:UserPoolResourceServer}", "UserPoolResourceServer", "aws_cognito_resource_server"),
        ("{type:AWS::Cognito::UserPoolClient}", "AWS::Cognito::UserPoolClient", "aws_cognito_user_pool_client"),
        ("{cdk:CallbackURLs}", "oAuth.callbackUrls", "oAuth.callbackUrls"),
    ],
)
def test_names_are_spelt_by_the_dialect(placeholder: str, cloudformation: str, terraform: str) -> None:
    assert _message(f"see {placeholder} here", "cloudformation") == f"see {cloudformation} here"
    assert _message(f"see {placeholder} here", "terraform") == f"see {terraform} here"


def test_the_property_placeholder_is_the_dialects_path() -> None:
    assert _message("{property} is set", "terraform", prop="TokenValidityUnits.IdToken") == (
        "token_validity_units.id_token is set"
    )
    assert _message("{property} is set", "terraform", prop="CallbackURLs[2]") == "callback_urls[2] is set"
    assert _message("{property} is set", "cloudformation", prop="CallbackURLs[2]") == "CallbackURLs[2] is set"


def test_a_variant_gives_each_dialect_its_own_sentence() -> None:
    variants = {"fix": {"cloudformation": "add DependsOn: {prop:ClientName}", "terraform": "add depends_on"}}
    assert _message("do it — {variant:fix}", "cloudformation", variants=variants) == "do it — add DependsOn: ClientName"
    assert _message("do it — {variant:fix}", "terraform", variants=variants) == "do it — add depends_on"


def test_plain_words_are_never_rewritten() -> None:
    """Only placeholders are spelt: CloudFormation words written as text stay as written in every dialect."""
    text = "CallbackURLs and AWS::Cognito::UserPool — add DependsOn: X"
    assert _message(text, "terraform") == text


def test_names_in_values_are_spelt_and_input_text_is_not() -> None:
    data = {
        "effective": {"oauth_settings": [Name("AllowedOAuthFlows"), Name("CallbackURLs")]},
        "derivation": Phrase(Name("TokenValidityUnits.IdToken"), " is days"),
        "CallbackURLs": ["https://example.com/CallbackURLs"],
    }
    message = "{$.effective.oauth_settings} set ({$.derivation}); {$.CallbackURLs[0]}"
    assert _message(message, "terraform", data) == (
        "allowed_oauth_flows, callback_urls set (token_validity_units.id_token is days); "
        "https://example.com/CallbackURLs"
    )
    assert _message(message, "cloudformation", data) == (
        "AllowedOAuthFlows, CallbackURLs set (TokenValidityUnits.IdToken is days); https://example.com/CallbackURLs"
    )


def test_a_url_that_spells_a_property_name_is_reported_as_written(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_cognito_user_pool" "pool" {\n  name = "p"\n}\n'
        'resource "aws_cognito_user_pool_client" "c" {\n'
        '  name                                 = "c"\n'
        "  user_pool_id                         = aws_cognito_user_pool.pool.id\n"
        "  allowed_oauth_flows_user_pool_client = true\n"
        '  allowed_oauth_flows                  = ["code"]\n'
        '  allowed_oauth_scopes                 = ["openid"]\n'
        '  callback_urls                        = ["http://app.internal/DependsOn/CallbackURLs"]\n'
        '  supported_identity_providers         = ["COGNITO"]\n'
        "}\n",
        encoding="utf-8",
    )
    messages = {f.rule_id: f.message for f in scan_paths(tmp_path).findings}
    assert messages["COG-E015"].startswith("callback_urls[0] is http://app.internal/DependsOn/CallbackURLs;")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"message": "{prop:NoSuchProperty} is set"}, "not a property of AWS::Cognito::UserPoolClient"),
        ({"message": "{prop:ClientSecret} is set"}, "terraform has no argument for"),
        ({"message": "{type:UserPoolGroup} is set"}, "not a resource type cogcheck reads"),
        ({"message": "{cdk:UserPoolId} is set"}, "no CDK prop is known"),
        ({"message": "{prop:CallbackURLs|human} is set"}, "unknown style"),
        ({"message": "x", "property": "{prop:CallbackURLs}"}, "names are for messages"),
        ({"message": "{variant:nope} x"}, "no variants named nope"),
        ({"message": "{variant:v} x", "variants": {"v": {"cloudformation": "a"}}}, "one text for each of"),
        ({"message": "x", "variants": {"v": {"cloudformation": "a", "terraform": "b"}}}, "no message uses it"),
        ({"message": "{variant:v} x", "variants": {"v": {"cloudformation": "{detail.nope}", "terraform": "b"}}},
         "no predicate of this check sets detail"),
    ],
)
def test_a_name_or_variant_no_dialect_can_render_is_a_load_error(change: dict[str, Any], words: str) -> None:
    with pytest.raises(RuleError, match=re.escape(words)):
        parse_rule({**RULE, **change}, "rule.yaml", PREDICATES)


def test_every_shipped_message_has_a_text_for_every_dialect() -> None:
    for rule in load_rules():
        for check in rule.checks:
            for dialect in DIALECTS:
                assert "{variant:" not in check.message_for(dialect), (rule.id, dialect)


def test_snake_inverts_the_readers_camel_case() -> None:
    """Terraform names of the other resources are camel-cased by the reader; the dialect's fallback undoes it."""
    names = [*mapping.CLIENT_ARGS, *(a for _b, (_c, attrs) in mapping.CLIENT_BLOCKS.items() for a in attrs)]
    names += [*mapping.CLIENT_BLOCKS, "user_pool_tier", "attribute_mapping", "provider_name", "scope_name"]
    for name in names:
        assert snake(camel(name)) == name


def test_every_client_argument_is_spelt_back() -> None:
    for tf, cfn in mapping.CLIENT_ARGS.items():
        assert TERRAFORM.property_path(cfn) == tf
    assert TERRAFORM.property_path("AnalyticsConfiguration.UserDataShared[0]") == (
        "analytics_configuration.user_data_shared[0]"
    )
    assert CLOUDFORMATION.property_path("AnalyticsConfiguration.UserDataShared") == (
        "AnalyticsConfiguration.UserDataShared"
    )


def test_cdk_props_name_client_properties() -> None:
    from cogcheck.model.schema import known_properties

    assert set(CDK_PROPS) <= set(known_properties())


# ------------------------------------------------------------------------------------------------------ snapshots


@pytest.mark.parametrize("dialect", sorted(SNAPSHOTS))
def test_snapshots_hold_rendered_text_only(dialect: str) -> None:
    text = (ROOT / SNAPSHOTS[dialect]).read_text(encoding="utf-8")
    lines = text.splitlines()[1:]
    assert len(lines) > 500, "every fixture's findings are pinned"
    assert not [line for line in lines if re.search(r"\{(prop|type|cdk|variant):", line)]


def test_terraform_snapshot_names_no_cloudformation_client_property() -> None:
    text = (ROOT / SNAPSHOTS["terraform"]).read_text(encoding="utf-8")
    names = sorted({part for path in mapping.PROPERTY_NAMES for part in path.split(".")}, key=len, reverse=True)
    words = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    assert not [line for line in text.splitlines() if words.search(line)]
    assert "DependsOn" not in text and "!Ref" not in text


def test_values_empty_absent_and_quoted() -> None:
    """An empty string is shown as "" unless the message quotes it; nothing selected reads (absent)."""
    data = {"ClientName": "", "CallbackURLs": ["https://a", "https://b"]}
    assert _message("name {$.ClientName}, which", "cloudformation", data) == 'name "", which'
    assert _message('name "{$.ClientName}", which', "cloudformation", data) == 'name "", which'
    assert _message("{$.ClientName}", "cloudformation", data) == '""'
    assert _message("{prop:CallbackURLs}{$.ClientName}", "terraform", data) == 'callback_urls""'
    assert _message("urls {$.CallbackURLs|count}: {$.CallbackURLs}", "cloudformation", data) == (
        "urls 2: https://a, https://b")
    assert _message("logout {$.LogoutURLs}", "cloudformation", data) == "logout (absent)"
