"""cogcheck as a CDK policy-validation plugin: ``from cogcheck.cdk import CogcheckValidation`` (needs
``pip install '.[cdk]'`` in a clone). See :mod:`cogcheck.cdk.plugin` and docs/cdk.md.

The plugin (and with it ``aws_cdk``) is imported when first asked for, so :mod:`cogcheck.cdk.validation`, which does
the work without CDK, can be used and tested without aws-cdk-lib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cogcheck.cdk.plugin import PLUGIN_NAME, CogcheckValidation

__all__ = ["PLUGIN_NAME", "CogcheckValidation"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from cogcheck.cdk import plugin

        return getattr(plugin, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
