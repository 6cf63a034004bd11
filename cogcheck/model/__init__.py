"""The client model: one view per ``AWS::Cognito::UserPoolClient`` (effective values) and the policy settings."""
