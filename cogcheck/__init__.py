"""cogcheck: a static policy checker for AWS::Cognito::UserPoolClient resources."""

__version__ = "0.1.0"

__all__ = ["__version__"]
