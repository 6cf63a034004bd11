"""Related information for cross-resource findings: where the other resources a finding names are written (the user
pool, the identity provider, a session attachment, the client whose check found an attachment's finding).

A finding's message names the other resources it is about by their logical ids (Terraform: addresses), as the rules'
``{detail.pool}``, ``{detail.provider}``, ``{detail.attachment}`` write them; each name the buffer defines as a
resource (other than the finding's own) becomes a related location, at the resource's key (Terraform: its
``resource`` line). The buffer's resources are indexed once per publish: from the YAML node graph the diagnostics'
ranges already composed (or the template the check parsed), or the Terraform ``resource`` lines.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cogcheck.findings import Finding
from cogcheck.lsp.spans import Ends

if TYPE_CHECKING:
    from cogcheck.cfn.parse import Template

#: How a related location names a resource type (CloudFormation and the Terraform provider's names).
KINDS = {
    "AWS::Cognito::UserPool": "the user pool",
    "aws_cognito_user_pool": "the user pool",
    "AWS::Cognito::UserPoolIdentityProvider": "the identity provider",
    "aws_cognito_identity_provider": "the identity provider",
    "AWS::Cognito::UserPoolClient": "the user pool client",
    "aws_cognito_user_pool_client": "the user pool client",
    "AWS::Cognito::UserPoolResourceServer": "the resource server",
    "aws_cognito_resource_server": "the resource server",
    "AWS::Cognito::UserPoolDomain": "the user pool domain",
    "aws_cognito_user_pool_domain": "the user pool domain",
}

_TF_RESOURCE = re.compile(r'^[ \t]*resource[ \t]+"([^"\n]+)"[ \t]+"([^"\n]+)"', re.M)
_WORD = re.compile(r"[\w.\-\[\]\"]+")


@dataclass(frozen=True)
class Place:
    line: int  # 1-based
    column: int  # 1-based, code points
    kind: str  # the resource type ("" when not written as a string)


class ResourceIndex:
    """Where each resource of one buffer is defined."""

    def __init__(self, ends: Ends, template: Template | None = None) -> None:
        self.places: dict[str, Place] = {}
        if ends.syntax == "terraform":
            for match in _TF_RESOURCE.finditer(ends.text):
                line, column = ends.position(match.start())
                self.places.setdefault(f"{match.group(1)}.{match.group(2)}", Place(line, column, match.group(1)))
        elif template is not None:
            self._from_template(template)
        else:
            self._from_yaml(ends.composed())

    def _from_template(self, template: Template) -> None:
        """From the template the check parsed the buffer into: each resource where its key is written."""
        for name, resource in template.resources.items():
            kind = resource.get("Type") if isinstance(resource, dict) else None
            line, column = template.locate_in_resources((name,))
            self.places.setdefault(str(name), Place(line, column, kind if isinstance(kind, str) else ""))

    def _from_yaml(self, root: Any) -> None:
        import yaml

        resources = _entry(root, "Resources")
        if resources is None:
            resources = _entry(_entry(root, "resources"), "Resources")  # Serverless Framework
        if not isinstance(resources, yaml.MappingNode):
            return
        for key, value in resources.value:
            if isinstance(key, yaml.ScalarNode):
                kind = _entry(value, "Type")
                self.places.setdefault(str(key.value), Place(
                    key.start_mark.line + 1, key.start_mark.column + 1,
                    str(kind.value) if isinstance(kind, yaml.ScalarNode) else "",
                ))

    def named(self, finding: Finding) -> list[tuple[str, Place]]:
        """The resources the finding's message names (or the client whose check found it), other than its own."""
        client = finding.extra.get("client")
        order, words = _candidates(finding.message)
        if (not isinstance(client, str) or client not in self.places) and self.places.keys().isdisjoint(words):
            return []  # most findings name no other resource: one set operation, no loop
        found: dict[str, Place] = {}
        for name in ((client,) if isinstance(client, str) else ()) + order:
            place = self.places.get(name)
            if place is not None and name != finding.resource and name not in found:
                found[name] = place
        return list(found.items())


@functools.lru_cache(maxsize=4096)
def _candidates(message: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The words of a message that may name a resource, in order (each also without trailing punctuation or
    quotes), and as a set; the same message comes back on every change, so it is split once."""
    names: list[str] = []
    for word in _WORD.findall(message):
        names += [word, word.rstrip(".,;:"), word.strip('"')]
    order = tuple(dict.fromkeys(names))
    return order, frozenset(order)


def describe(name: str, place: Place, finding: Finding) -> str:
    if finding.extra.get("client") == name:
        return f"the user pool client {name}, whose check found this"
    return f"{KINDS.get(place.kind, 'the resource')} {name}"


def _entry(node: Any, key: str) -> Any:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    found = None
    for key_node, value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found = value
    return found
