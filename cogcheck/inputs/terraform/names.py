"""What marks Terraform input, without importing the Terraform reader: file suffixes of a module and the byte check
for plan JSON. Discovery and the scan of every CloudFormation file ask these; the reader is imported only when one
answers yes."""

from __future__ import annotations

#: Files that belong to a Terraform / OpenTofu module.
TF_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")
#: Resource types of a client in plan JSON (:func:`may_be_plan`).
MARKERS = ("aws_cognito_user_pool_client", "aws_cognito_managed_user_pool_client")


def is_tf_file(name: str) -> bool:
    return name.endswith(TF_SUFFIXES)


def may_be_plan(data: bytes, widened: bool = True) -> bool:
    """Whether ``data`` may be plan JSON with a client (a widened byte check; the plan reader decides).

    ``widened=False`` when :func:`cogcheck.cfn.parse.mentions` already said no for another text of the same bytes:
    what it widens by (escapes, NUL bytes, byte order marks) is the same for every text, so the bytes alone decide."""
    if not widened:
        return any(marker.encode() in data for marker in MARKERS)
    from cogcheck.cfn.parse import mentions

    return any(mentions(data, marker) for marker in MARKERS)
