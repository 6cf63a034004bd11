"""The CloudFormation resource types cogcheck names, each spelled once."""

from __future__ import annotations

CLIENT_TYPE = "AWS::Cognito::UserPoolClient"
POOL_TYPE = "AWS::Cognito::UserPool"
IDP_TYPE = "AWS::Cognito::UserPoolIdentityProvider"
SERVER_TYPE = "AWS::Cognito::UserPoolResourceServer"
DOMAIN_TYPE = "AWS::Cognito::UserPoolDomain"
#: The session configuration of one app client (SSO session reuse) and of a pool (session tracking), 2026.
CLIENT_SESSION_TYPE = "AWS::Cognito::UserPoolClientSessionConfigurationAttachment"
POOL_SESSION_TYPE = "AWS::Cognito::UserPoolSessionConfigurationAttachment"
NESTED_STACK = "AWS::CloudFormation::Stack"
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
SERVERLESS_APPLICATION = "AWS::Serverless::Application"
SERVERLESS_FUNCTION = "AWS::Serverless::Function"

#: Resource types that may add identity providers, resource servers or attributes to a user pool they are handed
#: (and so do ``Custom::`` types): what they do is not in the template.
MAY_ADD_TO_POOL = (NESTED_STACK, SERVERLESS_APPLICATION, CUSTOM_RESOURCE)

#: Resource types whose findings cogcheck reports as theirs: the client, and the session configuration attachments
#: it checks while checking the client they configure (suppressions are read from each one's ``Metadata``).
REPORTED_TYPES = (CLIENT_TYPE, CLIENT_SESSION_TYPE, POOL_SESSION_TYPE)
