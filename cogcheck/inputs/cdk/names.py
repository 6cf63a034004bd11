"""The CDK construct props that write a user pool client's CloudFormation properties.

A message that means the CDK prop (advice to a CDK user, whatever the input) names it ``{cdk:CallbackURLs}``, and
this table says how CDK's ``UserPoolClient`` (``aws-cdk-lib/aws-cognito``, ``UserPoolClientOptions``) calls it.
Source: https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_cognito.UserPoolClientOptions.html and
``OAuthSettings``. Properties CDK derives from several props (``AllowedOAuthFlowsUserPoolClient`` from
``disableOAuth``, ``TokenValidityUnits`` from the durations) have no entry.
"""

from __future__ import annotations

#: UserPoolClient property → the L2 construct's prop path.
CDK_PROPS = {
    "ClientName": "userPoolClientName",
    "GenerateSecret": "generateSecret",
    "ExplicitAuthFlows": "authFlows",
    "AllowedOAuthFlows": "oAuth.flows",
    "AllowedOAuthScopes": "oAuth.scopes",
    "CallbackURLs": "oAuth.callbackUrls",
    "LogoutURLs": "oAuth.logoutUrls",
    "DefaultRedirectURI": "oAuth.defaultRedirectUri",
    "PreventUserExistenceErrors": "preventUserExistenceErrors",
    "SupportedIdentityProviders": "supportedIdentityProviders",
    "AccessTokenValidity": "accessTokenValidity",
    "IdTokenValidity": "idTokenValidity",
    "RefreshTokenValidity": "refreshTokenValidity",
    "AuthSessionValidity": "authSessionValidity",
    "ReadAttributes": "readAttributes",
    "WriteAttributes": "writeAttributes",
    "EnableTokenRevocation": "enableTokenRevocation",
    "EnablePropagateAdditionalUserContextData": "enablePropagateAdditionalUserContextData",
    "AnalyticsConfiguration": "analytics",
}
