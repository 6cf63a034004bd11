"""What an input hands to the scan: one template to read and what is known about where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from cogcheck.findings import Source

if TYPE_CHECKING:
    from cogcheck.cfn.parse import Template


class Acknowledgement(NamedTuple):
    """An acknowledgement the input records for a resource (CDK's ``Validations``)."""

    reason: str
    where: str  # the construct path it was given at; "" for the App
    recorded_in: str  # the file that records it, as shown to the user (a manifest, a metadata file, a report)


class ResourceContext(Protocol):
    """What an input knows about its resources beyond the template (a CDK assembly's metadata)."""

    def describe(self, logical_id: str, property_path: str) -> tuple[str | None, Source | None]:
        """(construct path, the user's source line that created or set it), either may be None."""
        ...

    def details(self, logical_id: str) -> Mapping[str, Any]:
        """More about the resource for machine-readable reports (``Finding.extra``), e.g. the full construct path."""
        ...

    def acknowledgement(self, logical_id: str, rule_id: str) -> Acknowledgement | None:
        """The acknowledgement of the rule the input itself records for this resource (CDK's ``Validations``)."""
        ...


class TemplateLink(Protocol):
    """What a nested stack's template borrows from its parent (:class:`cogcheck.inputs.cdk.nested.ParentLink`)."""

    def apply(self, template: Template) -> None:
        """Change the parsed template in place so cross-resource rules see the parent's resources."""
        ...


@dataclass
class TemplateInput:
    """One template to scan and what is known about where it came from."""

    file: str  # as shown to the user: relative stays relative
    path: Path  # where to read it
    stack: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    context: ResourceContext | None = None  # assembly metadata, when the template is a CDK stack
    link: TemplateLink | None = None  # a nested stack's parent resources, applied once parsed
    explicit: bool = False  # named on the command line (not found by a walk): say so when it is not a template
    project_path: str | None = None  # a loose template's path in its project (cogcheck.inputs.project): its identity
    data: bytes | None = field(default=None, repr=False, compare=False)  # its bytes, when discovery read them
    #: whether the bytes read for it may hold a client (``mentions(data, CLIENT_TYPE)``), once asked; not copied by
    #: ``dataclasses.replace`` (new bytes are asked again)
    holds_client: bool | None = field(default=None, init=False, repr=False, compare=False)
    real_path: str | None = field(default=None, init=False, repr=False, compare=False)  # ``path`` resolved, once known
    kind: str = "template"  # "terraform": a Terraform module directory (cogcheck.inputs.terraform)
    dialect: str = "cloudformation"  # whose words messages use (cogcheck.inputs.dialects): "terraform" for Terraform
    root: Path | None = None  # Terraform: the scanned tree, which local module sources must stay inside
