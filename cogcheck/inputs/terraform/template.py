"""Configurations → templates the engine reads: one per file that declares clients, holding every Cognito resource
of the configuration (so cross-resource rules see pools, servers and providers wherever they are declared)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cogcheck.cfn.parse import PathT, Position, Template
from cogcheck.cfn.shapes import TERRAFORM
from cogcheck.cfn.types import CLIENT_TYPE
from cogcheck.findings import Source
from cogcheck.inputs.terraform.module import Configuration, TfResource
from cogcheck.inputs.types import Acknowledgement


@dataclass
class TerraformContext:
    """What findings of a Terraform template need beyond the template: construct paths (CDK for Terraform)."""

    resources: Mapping[str, TfResource] = field(default_factory=dict)

    def describe(self, logical_id: str, property_path: str) -> tuple[str | None, Source | None]:
        resource = self.resources.get(logical_id)
        return (resource.construct_path if resource is not None else None), None

    def acknowledgement(self, logical_id: str, rule_id: str) -> Acknowledgement | None:
        return None  # Terraform's own suppressions are comments, read into the resource's Metadata

    def details(self, logical_id: str) -> Mapping[str, Any]:
        resource = self.resources.get(logical_id)
        details: dict[str, Any] = {"terraform_address": logical_id}
        if resource is not None:
            details["terraform_type"] = resource.tf_type
        return details


@dataclass
class TerraformTemplate:
    template: Template
    path: Path  # the file holding the clients
    context: TerraformContext


def _locator(resources: Mapping[str, TfResource]) -> Any:
    def locate(path: PathT) -> Position:
        if len(path) < 2 or not isinstance(path[1], str) or path[1] not in resources:
            return (1, 1)
        resource = resources[path[1]]
        props = tuple(str(p) for p in path[3:] if isinstance(p, str)) if len(path) > 3 else ()
        for size in range(len(props), 0, -1):
            if props[:size] in resource.lines:
                return resource.lines[props[:size]]
        return (resource.line, 1)

    return locate


def templates_of(config: Configuration, client_types: tuple[str, ...] = (CLIENT_TYPE,)) -> list[TerraformTemplate]:
    """One template per file that declares clients, in file order."""
    others = {a: r.resource for a, r in config.resources.items() if r.resource.get("Type") not in client_types}
    by_file: dict[str, dict[str, TfResource]] = {}
    for address, resource in config.resources.items():
        if resource.resource.get("Type") in client_types:
            by_file.setdefault(resource.file, {})[address] = resource
    out: list[TerraformTemplate] = []
    for file in sorted(by_file):
        clients = by_file[file]
        doc = {"Resources": {**others, **{a: r.resource for a, r in sorted(clients.items())}}}
        template = Template(file, doc, ("Resources",), False, _locator({**config.resources}), dialect=TERRAFORM)
        first = next(iter(clients.values()))
        out.append(TerraformTemplate(template, first.path, TerraformContext(dict(config.resources))))
    return out
