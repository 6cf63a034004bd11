"""The CloudFormation resource types cogcheck names, each spelled once."""

from __future__ import annotations

CLIENT_TYPE = "AWS::Cognito::UserPoolClient"
POOL_TYPE = "AWS::Cognito::UserPool"
IDP_TYPE = "AWS::Cognito::UserPoolIdentityProvider"
SERVER_TYPE = "AWS::Cognito::UserPoolResourceServer"
DOMAIN_TYPE = "AWS::Cognito::UserPoolDomain"
NESTED_STACK = "AWS::CloudFormation::Stack"
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
SERVERLESS_APPLICATION = "AWS::Serverless::Application"
SERVERLESS_FUNCTION = "AWS::Serverless::Function"

#: Resource types that may add identity providers, resource servers or attributes to a user pool they are handed
#: (and so do ``Custom::`` types): what they do is not in the template.
MAY_ADD_TO_POOL = (NESTED_STACK, SERVERLESS_APPLICATION, CUSTOM_RESOURCE)
