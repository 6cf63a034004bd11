"""What the Cognito API says of session configuration (the 2026 surface): bounds, values and tiers, as data.

Source: the ``cognito-idp`` API model botocore 1.44.18 ships (``service-2.json``, API version 2016-04-18):

* ``SetUserPoolClientSessionConfiguration``
  (CloudFormation: ``AWS::Cognito::UserPoolClientSessionConfigurationAttachment``):
  ``SSOSession.MaxValidityMinutes`` is ``SSOSessionMaxValidityMinutesType`` (integer 0–129600, default 60); "session
  tracking must be enabled for the user pool. The user pool must be in the Essentials or Plus tier. Otherwise, this
  operation returns a FeatureUnavailableInTierException."
* ``SetUserPoolSessionConfiguration`` (``AWS::Cognito::UserPoolSessionConfigurationAttachment``):
  ``UserSessionTracking`` is ``UserSessionTrackingType`` (``ENABLED``/``DISABLED``: an on/off switch, a closed
  vocabulary), ``TokenSession.MaxPerUser`` is ``MaxSessionsPerUserType`` (integer 1–100, default 20); the same tier
  requirement.
* ``CreateUserPool.UserPoolTier`` "Defaults to ESSENTIALS": a pool without ``UserPoolTier`` allows both.
* ``CreateUserPoolClient.ClientSecret`` is ``ClientSecretType`` (24–64 characters of ``[\\w+]``); "You cannot specify
  both GenerateSecret as true and provide a ClientSecret value". ``PublishSecretsInAWSSecretsManager`` "Applies only
  when GenerateSecret is true".

The CloudFormation resource reference pages of both attachment types give the same bounds. ``tests/test_drift.py``
compares every value here with the installed botocore's model, so a change of the API fails CI.
"""

from __future__ import annotations

from cogcheck.cfn.types import CLIENT_SESSION_TYPE, POOL_SESSION_TYPE

#: Who says so, in messages.
API_MODEL = "the Cognito API"

#: SSOSession.MaxValidityMinutes: (minimum, maximum) minutes, and the service default.
SSO_SESSION_MINUTES = (0, 129600)
SSO_SESSION_DEFAULT_MINUTES = 60

#: TokenSession.MaxPerUser: (minimum, maximum) token sessions per user, and the service default.
TOKEN_SESSIONS_PER_USER = (1, 100)
TOKEN_SESSIONS_DEFAULT = 20

#: The service defaults neither attachment type can declare: the CloudFormation resource types' own descriptions
#: (aws-cdk-lib 2.278's generated types repeat them) say "The service default (SSOSession MaxValidityMinutes 60)
#: cannot be declared" and "The service default (UserSessionTracking DISABLED with TokenSession MaxPerUser 20)
#: cannot be declared; remove the resource to return the user pool to the default."

#: UserSessionTracking: every value the API takes (closed: an on/off switch).
SESSION_TRACKING = ("ENABLED", "DISABLED")

#: The pool tiers (UserPoolTier) whose pools may configure sessions; a pool without UserPoolTier is ESSENTIALS.
TIERS_WITH_SESSIONS = ("ESSENTIALS", "PLUS")
DEFAULT_TIER = "ESSENTIALS"

#: ClientSecret: (minimum, maximum) length and the pattern every character matches (the API's ``\w`` is ASCII).
CLIENT_SECRET_LENGTH = (24, 64)
CLIENT_SECRET_PATTERN = r"[\w+]+"  # noqa: S105 - the pattern of a secret, not a secret

#: The properties (and nested keys) of each attachment type cogcheck reads: all of them, as CDK 2.278 generates the
#: types (the drift test says when CDK's generated types list another one).
ATTACHMENT_PROPERTIES = {
    CLIENT_SESSION_TYPE: ("ClientId", "SSOSession", "SSOSession.MaxValidityMinutes", "UserPoolId"),
    POOL_SESSION_TYPE: ("TokenSession", "TokenSession.MaxPerUser", "UserPoolId", "UserSessionTracking"),
}
