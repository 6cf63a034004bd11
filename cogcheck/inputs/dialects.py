"""Every input dialect messages are rendered in (:mod:`cogcheck.cfn.names`), by name.

``cloudformation`` is also the dialect of CDK cloud assemblies, the cfn-lint plugin and the CDK plugin: their
findings point at template properties. A rule's sentence variants (``variants`` in a rule file) give one text per
dialect listed here.
"""

from __future__ import annotations

from cogcheck.cfn.names import CLOUDFORMATION, Dialect
from cogcheck.inputs.terraform.mapping import TERRAFORM

DIALECTS: dict[str, Dialect] = {dialect.name: dialect for dialect in (CLOUDFORMATION, TERRAFORM)}
