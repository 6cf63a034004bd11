"""The change to make in a CDK app's code for a finding in its cloud assembly.

cogcheck never edits a template CDK generated, so what fixes such a finding is a change of the app: the
``UserPoolClient`` prop (:data:`~cogcheck.inputs.cdk.names.CDK_PROPS`) or the ``CfnUserPoolClient`` property that
writes the value, and, when the rule has a fix, the edit itself. ``--format json`` carries it as each CDK finding's
``cdk_fix``, and both CDK validation plugins (Python's :mod:`cogcheck.cdk` and the npm package in ``cdk-plugin/``)
show it as the violation's suggested fix: one text, written here.
"""

from __future__ import annotations

from cogcheck.inputs.cdk.names import CDK_PROPS

#: How a CDK finding's declined fix (:mod:`cogcheck.fix.offer`) starts its advice, after saying why the template is
#: not edited.
CDK_ADVICE = "make the change in the CDK code"


def cdk_change(rule_id: str, prop: str, declined: str | None) -> str:
    """The change to make in the CDK code for a finding of ``rule_id`` at property path ``prop``: the finding's own
    (``declined``, its declined fix: why the template is not edited, then the prop and the edit) when it has one, from
    the advice on; else the prop to change and the command that shows what to use instead (and, when the rule said
    why it offers no fix, that reason)."""
    start = declined.find(CDK_ADVICE) if declined else -1
    if declined and start >= 0:  # why the generated template is not edited goes without saying
        return declined[start:]
    top = prop.split(".")[0].split("[")[0]
    name = CDK_PROPS.get(top)
    if name:
        where = f"the UserPoolClient prop {name} (or {top} of a CfnUserPoolClient)"
    elif top:
        where = f"what writes Properties.{prop} (a CfnUserPoolClient's {top}, or an override)"
    else:
        where = "the client"
    why = f" (no single edit: {declined})" if declined else ""  # the rule's reason for offering no fix
    return f"in the CDK code, change {where}; `cogcheck rule {rule_id}` shows what to use instead{why}"
