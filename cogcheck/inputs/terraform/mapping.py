"""The AWS provider's Cognito resources written as CloudFormation resources, and the names back for findings.

Sources: the provider's schema (``hashicorp/terraform-provider-aws`` ``internal/service/cognitoidp/``
``user_pool_client.go``, ``user_pool.go``, ``resource_server.go``, ``identity_provider.go``,
``user_pool_domain.go``) and its documentation (``website/docs/r/cognito_user_pool_client.html.markdown``).

Defaults: on create, every optional argument the configuration leaves out (or sets to ``null``) is not sent, so
Cognito's API defaults apply, and they are the ones cogcheck's model already applies for CloudFormation
(:mod:`cogcheck.model.client`). Two provider behaviours differ and are applied here:

* arguments tagged ``autoflex:",legacy"`` in the provider send nothing for a zero value: ``""`` for
  ``prevent_user_existence_errors`` and ``default_redirect_uri``, and an empty set for the list arguments, are
  the same as leaving the argument out;
* inside ``token_validity_units`` a unit left out is ``hours`` / ``hours`` / ``days`` (the block's schema
  defaults): the same as CloudFormation's default units, so nothing is added.
"""

from __future__ import annotations

import re

from cogcheck.cfn.names import Dialect
from cogcheck.cfn.types import CLIENT_TYPE, DOMAIN_TYPE, IDP_TYPE, POOL_TYPE, SERVER_TYPE

CLIENT = "aws_cognito_user_pool_client"
POOL = "aws_cognito_user_pool"
SERVER = "aws_cognito_resource_server"
IDP = "aws_cognito_identity_provider"
DOMAIN = "aws_cognito_user_pool_domain"

#: Terraform resource type → CloudFormation resource type.
TYPES = {
    CLIENT: CLIENT_TYPE,
    "aws_cognito_managed_user_pool_client": CLIENT_TYPE,
    POOL: POOL_TYPE,
    SERVER: SERVER_TYPE,
    IDP: IDP_TYPE,
    DOMAIN: DOMAIN_TYPE,
}

#: The attribute whose value CloudFormation's ``Ref`` gives (pool id, provider name, server identifier…).
REF_ATTRIBUTE = {CLIENT: "id", POOL: "id", SERVER: "identifier", IDP: "provider_name", DOMAIN: "id"}

#: aws_cognito_user_pool_client argument → UserPoolClient property (and nested block attributes).
CLIENT_ARGS = {
    "name": "ClientName",
    "user_pool_id": "UserPoolId",
    "access_token_validity": "AccessTokenValidity",
    "id_token_validity": "IdTokenValidity",
    "refresh_token_validity": "RefreshTokenValidity",
    "auth_session_validity": "AuthSessionValidity",
    "allowed_oauth_flows": "AllowedOAuthFlows",
    "allowed_oauth_flows_user_pool_client": "AllowedOAuthFlowsUserPoolClient",
    "allowed_oauth_scopes": "AllowedOAuthScopes",
    "callback_urls": "CallbackURLs",
    "logout_urls": "LogoutURLs",
    "default_redirect_uri": "DefaultRedirectURI",
    "explicit_auth_flows": "ExplicitAuthFlows",
    "supported_identity_providers": "SupportedIdentityProviders",
    "read_attributes": "ReadAttributes",
    "write_attributes": "WriteAttributes",
    "prevent_user_existence_errors": "PreventUserExistenceErrors",
    "enable_token_revocation": "EnableTokenRevocation",
    "enable_propagate_additional_user_context_data": "EnablePropagateAdditionalUserContextData",
    "generate_secret": "GenerateSecret",
}
CLIENT_BLOCKS = {
    "token_validity_units": ("TokenValidityUnits", {
        "access_token": "AccessToken", "id_token": "IdToken", "refresh_token": "RefreshToken",
    }),
    "refresh_token_rotation": ("RefreshTokenRotation", {
        "feature": "Feature", "retry_grace_period_seconds": "RetryGracePeriodSeconds",
    }),
    "analytics_configuration": ("AnalyticsConfiguration", {
        "application_arn": "ApplicationArn", "application_id": "ApplicationId", "external_id": "ExternalId",
        "role_arn": "RoleArn", "user_data_shared": "UserDataShared",
    }),
}
#: Arguments the provider does not send when they hold their zero value (``autoflex:",legacy"``).
LEGACY_ZERO = {
    "prevent_user_existence_errors", "default_redirect_uri", "allowed_oauth_flows", "allowed_oauth_scopes",
    "callback_urls", "logout_urls", "explicit_auth_flows", "supported_identity_providers", "read_attributes",
    "write_attributes",
}

#: The client's set(string) arguments.
SET_ARGS = LEGACY_ZERO - {"prevent_user_existence_errors", "default_redirect_uri"}

#: The client's bool arguments (and ``analytics_configuration``'s): Terraform converts the strings ``"true"``,
#: ``"1"``, ``"false"`` and ``"0"`` to bool and refuses every other string (``"TRUE"`` too) before the provider runs.
BOOL_ARGS = {
    "generate_secret", "allowed_oauth_flows_user_pool_client", "enable_token_revocation",
    "enable_propagate_additional_user_context_data", "user_data_shared",
}
TERRAFORM_BOOL_STRINGS = {"true": True, "1": True, "false": False, "0": False}

#: Other resources: arguments whose CloudFormation name is not the CamelCase of the Terraform name.
OTHER_ARGS = {
    POOL: {"name": "UserPoolName", "schema": "Schema", "mfa_configuration": "MfaConfiguration"},
    SERVER: {"scope": "Scopes"},
    IDP: {},
    DOMAIN: {"certificate_arn": "CustomDomainConfig.CertificateArn"},
}
#: Nested blocks that may repeat (a list in CloudFormation); the others hold at most one block (a mapping).
REPEATED_BLOCKS = {"schema", "scope"}

_ACRONYMS = {"arn": "Arn", "id": "Id", "url": "URL", "urls": "URLs", "oauth": "OAuth", "sms": "Sms", "mfa": "Mfa"}


def camel(name: str) -> str:
    """``define_auth_challenge`` → ``DefineAuthChallenge``; ``scope_name`` → ``ScopeName``."""
    return "".join(_ACRONYMS.get(part, part[:1].upper() + part[1:]) for part in name.split("_"))


# --------------------------------------------------------------------------------------------- names back

_CAMEL_PART = re.compile(r"OAuth|URLs|URL|[A-Z][a-z0-9]*|[a-z0-9]+")


def snake(name: str) -> str:
    """The inverse of :func:`camel`: ``UserPoolTier`` → ``user_pool_tier``; ``CallbackURLs`` → ``callback_urls``."""
    return "_".join(part.lower() for part in _CAMEL_PART.findall(name)) or name


def _client_property_names() -> dict[str, str]:
    names = {cfn: tf for tf, cfn in CLIENT_ARGS.items()}
    for tf_block, (cfn_block, attrs) in CLIENT_BLOCKS.items():
        names[cfn_block] = tf_block
        for tf_attr, cfn_attr in attrs.items():
            names[f"{cfn_block}.{cfn_attr}"] = f"{tf_block}.{tf_attr}"
    return names


#: CloudFormation property path (dotted) → Terraform attribute path.
PROPERTY_NAMES = _client_property_names()

#: How Terraform inputs spell CloudFormation's names in messages (:mod:`cogcheck.cfn.names`): the client's
#: arguments from the table above (closed: a rule may name no property the provider lacks); the other resources'
#: listed exceptions, else the snake case their CamelCase was made from.
TERRAFORM = Dialect(
    "terraform",
    properties={
        TYPES[CLIENT]: PROPERTY_NAMES,
        **{TYPES[tf_type]: {cfn: tf for tf, cfn in args.items()} for tf_type, args in OTHER_ARGS.items()},
    },
    types={cfn: tf for tf, cfn in TYPES.items() if tf != "aws_cognito_managed_user_pool_client"},
    fallback=snake,
    closed=frozenset({TYPES[CLIENT]}),
)


def terraform_property(path: str) -> str:
    """``TokenValidityUnits.AccessToken`` → ``token_validity_units.access_token``; ``CallbackURLs[2]`` →
    ``callback_urls[2]``."""
    return TERRAFORM.property_path(path)
