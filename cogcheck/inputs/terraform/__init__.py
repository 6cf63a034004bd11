"""Terraform and OpenTofu: module directories, plan JSON and CDK for Terraform output, read as templates whose
resources are CloudFormation-shaped (``aws_cognito_user_pool_client`` → ``AWS::Cognito::UserPoolClient``) and keyed
by their Terraform address, so that the same model and rules apply. See ``docs/terraform.md``.
"""
