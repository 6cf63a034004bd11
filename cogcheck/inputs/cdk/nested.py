"""What a nested stack's template gets from its parent: literal parameter values, and the parent's Cognito resources.

CDK turns a reference to a parent resource into a parameter of the child (``referencetoProdApiPool…Ref``) that the
parent's ``AWS::CloudFormation::Stack`` resource fills with ``{"Ref": "Pool…"}``. Read alone, the child's client
has a user pool nobody knows, so every cross-resource rule abstains. A :class:`ParentLink` lets them see through:

* the parent's Cognito resources (pool, identity providers, resource servers, domains; not its clients, which are
  scanned in the parent) and whatever may add to them (other nested stacks, custom resources) are copied into the
  child's resources under their own logical ids. Their values that only the parent knows (its parameters,
  conditions, other resources) become unknown, so no rule reads a guess;
* the child's ``Ref`` to such a parameter becomes a ``Ref`` to the copied resource;
* every child resource waits (``DependsOn``) for what the nested stack resource waits for in the parent: a
  child resource is created only after them, and only after them.

Nothing is linked when a copied logical id would clash with a name of the child, or when a copied resource has a
``Condition``: then the child reads as before (the pool unknown, the cross-resource rules abstaining).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cogcheck.cfn.types import CLIENT_TYPE, MAY_ADD_TO_POOL

if TYPE_CHECKING:
    from cogcheck.cfn.parse import Template

_PARENT_ONLY = {"AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"}
#: An intrinsic no resolver knows: it reads as an unknown value, with this name as the reason.
UNKNOWN_IN_CHILD = "Fn::ValueOfTheParentStack"


@dataclass
class ParentLink:
    """The parent's resources a nested stack's template borrows (see the module's docstring)."""

    resources: dict[str, Any] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)  # child parameter → parent logical id
    waits_for: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.renames)

    def apply(self, template: Template) -> None:
        if not template.serverless:
            self.apply_to(template.doc)

    def apply_to(self, doc: dict[str, Any]) -> bool:
        """Link the child document in place; False (and nothing changed) when names would clash."""
        resources = doc.get("Resources")
        if not self or not isinstance(resources, dict):
            return False
        taken = set(resources)
        for section in ("Parameters", "Conditions", "Mappings"):
            names = doc.get(section)
            taken |= set(names) if isinstance(names, dict) else set()
        if taken & set(self.resources):
            return False
        for resource in resources.values():
            if not isinstance(resource, dict):
                continue
            if "Properties" in resource:
                resource["Properties"] = _renamed(resource["Properties"], self.renames)
            if self.waits_for:
                depends = resource.get("DependsOn")
                listed = [depends] if isinstance(depends, str) else list(depends) if isinstance(depends, list) else []
                resource["DependsOn"] = listed + [name for name in self.waits_for if name not in listed]
        resources.update(copy.deepcopy(self.resources))
        return True


def parent_link(parent: dict[str, Any], stack_id: str) -> ParentLink:
    """The link of the child deployed by the parent's ``AWS::CloudFormation::Stack`` resource ``stack_id``."""
    resources = parent.get("Resources")
    stack = resources.get(stack_id) if isinstance(resources, dict) else None
    if not isinstance(resources, dict) or not isinstance(stack, dict):
        return ParentLink()
    borrowed: dict[str, Any] = {}
    for logical_id, resource in resources.items():
        if logical_id == stack_id or not isinstance(resource, dict):
            continue
        kind = str(resource.get("Type", ""))
        cognito = kind.startswith("AWS::Cognito::") and kind != CLIENT_TYPE
        if cognito or kind in MAY_ADD_TO_POOL or kind.startswith("Custom::"):
            if "Condition" in resource:
                return ParentLink()  # whether it exists is the parent's business: read the child alone
            borrowed[logical_id] = resource
    keep = set(borrowed)
    link = ParentLink(resources={
        logical_id: {key: _portable(value, keep) for key, value in resource.items() if key in ("Type", "Properties",
                                                                                                  "DependsOn")}
        for logical_id, resource in borrowed.items()
    })
    for copied in link.resources.values():
        if "DependsOn" in copied:
            copied["DependsOn"] = [name for name in _depends_on(copied) if name in keep]
    properties = stack.get("Properties")
    passed = properties.get("Parameters") if isinstance(properties, dict) else None
    for name, value in passed.items() if isinstance(passed, dict) else ():
        if isinstance(value, dict) and len(value) == 1 and value.get("Ref") in keep:
            link.renames[str(name)] = str(value["Ref"])
    link.waits_for = sorted(_waits_for(resources, stack_id) & keep)
    return link


def _renamed(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, list):
        return [_renamed(item, renames) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1 and isinstance(node.get("Ref"), str) and node["Ref"] in renames:
        return {"Ref": renames[node["Ref"]]}
    return {key: _renamed(value, renames) for key, value in node.items()}


def _portable(node: Any, keep: set[str]) -> Any:
    """``node`` as the child may read it: what refers to the parent's other names becomes unknown."""
    if isinstance(node, list):
        return [_portable(item, keep) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        key = next(iter(node))
        if key in ("Ref", "Fn::GetAtt", "Fn::Sub") and not _names(node) <= keep:
            return {UNKNOWN_IN_CHILD: key}
        if key in ("Fn::If", "Condition", "Fn::FindInMap", "Fn::ImportValue"):
            return {UNKNOWN_IN_CHILD: key}
    return {key: _portable(value, keep) for key, value in node.items()}


def _names(node: Any) -> set[str]:
    """Names a node refers to (``Ref``, ``Fn::GetAtt``, ``${}``); pseudo parameters the child shares are left out."""
    from cogcheck.cfn.resolve import references

    return {name for name in references(node)[0] if not name.startswith("AWS::") or name in _PARENT_ONLY}


def _depends_on(resource: dict[str, Any]) -> list[str]:
    value = resource.get("DependsOn")
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _waits_for(resources: dict[str, Any], start: str) -> set[str]:
    """Every parent resource that ``start`` is created after: ``DependsOn`` and references, transitively."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        resource = resources.get(pending.pop())
        if not isinstance(resource, dict):
            continue
        for name in set(_depends_on(resource)) | _names(resource.get("Properties")):
            if name in resources and name not in seen and name != start:
                seen.add(name)
                pending.append(name)
    return seen


def literal_parameters(
    parent: dict[str, Any], resource: dict[str, Any], parent_parameters: Mapping[str, str]
) -> dict[str, str]:
    """Values the parent passes in ``Parameters`` that are known literals (after resolving the parent's own)."""
    from cogcheck.cfn.parse import Template
    from cogcheck.cfn.resolve import ResolveOptions, Resolver, parameter_candidates, references
    from cogcheck.cfn.values import to_text

    properties = resource.get("Properties")
    passed = properties.get("Parameters") if isinstance(properties, dict) else None
    if not isinstance(passed, dict):
        return {}
    options = ResolveOptions(parameters=dict(parent_parameters))
    resolver = Resolver(Template("", parent), options)
    values: dict[str, str] = {}
    for name, node in passed.items():
        refs, _ = references(node)
        declared = [r for r in refs if r in resolver.parameters]
        if any(len(parameter_candidates(resolver.parameters[r], r, options)) > 1 for r in declared):
            continue  # the parent may pass several values: leave it to the child's own reading
        value = resolver.value(node)
        if isinstance(value, list) and all(to_text(item) is not None for item in value):
            values[str(name)] = ",".join(str(to_text(item)) for item in value)
        elif not isinstance(value, dict | list) and to_text(value) is not None:
            values[str(name)] = str(to_text(value))
    return values
