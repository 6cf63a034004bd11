"""Named, typed predicates for what a JSONPath over one client cannot say: the other resources of the template.

Each predicate answers ``True`` (the bad pattern holds), ``False`` or ``None`` (cannot be known: an imported pool,
a provider from another stack, an unresolvable value). Predicates may leave words for the message in
``ctx.details`` (``{detail.NAME}`` in a rule's message).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cogcheck.client import ClientView
from cogcheck.expr import EvalContext, Verdict
from cogcheck.parse import Template
from cogcheck.resolve import Resolver
from cogcheck.values import ResourceRef, Unknown


@dataclass
class World:
    """What a predicate may look at: the client, its template, and the scenario's resolver."""

    template: Template
    resolver: Resolver
    logical_id: str
    view: ClientView
    settings: Mapping[str, Any] = field(default_factory=dict)  # ScanOptions.settings: policy knobs

    @property
    def resource(self) -> dict[str, Any]:
        return self.template.resources[self.logical_id]  # type: ignore[no-any-return]

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.template.resources.items()
            if isinstance(resource, dict) and resource.get("Type") == resource_type
        }

    def pool(self) -> tuple[str, dict[str, Any]] | None:
        """The client's user pool when it is defined in this template (``UserPoolId: !Ref Pool``)."""
        return self.pool_of(self.view.data.get("UserPoolId"))

    def pool_of(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        if isinstance(value, ResourceRef):
            resource = self.template.resources.get(value.logical_id)
            if isinstance(resource, dict) and resource.get("Type") == "AWS::Cognito::UserPool":
                return value.logical_id, resource
        return None

    def properties(self, logical_id: str) -> dict[str, Any] | Unknown:
        """A resource's properties resolved under the client's scenario."""
        resource = self.template.resources.get(logical_id, {})
        value = self.resolver.value(resource.get("Properties", {})) if isinstance(resource, dict) else {}
        return value if isinstance(value, dict | Unknown) else Unknown("Properties is not a mapping")


PredicateFn = Callable[[World, Mapping[str, Any], EvalContext], Verdict]
PREDICATES: dict[str, PredicateFn] = {}


def predicate(name: str) -> Callable[[PredicateFn], PredicateFn]:
    def register(function: PredicateFn) -> PredicateFn:
        PREDICATES[name] = function
        return function

    return register
