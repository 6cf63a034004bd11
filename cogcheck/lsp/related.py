"""Related information for cross-resource findings: where the other resources a finding names are written (the user
pool, the identity provider, a session attachment, the client whose check found an attachment's finding).

A finding's message names the other resources it is about by their logical ids (Terraform: addresses), as the rules'
``{detail.pool}``, ``{detail.provider}``, ``{detail.attachment}`` write them; each name the buffer defines as a
resource (other than the finding's own) becomes a related location, at the resource's key (Terraform: its
``resource`` line). The buffer's resources are indexed once per publish: from the YAML node graph the diagnostics'
ranges already composed, or the Terraform ``resource`` lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cogcheck.findings import Finding
from cogcheck.lsp.spans import Ends

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

    def __init__(self, ends: Ends) -> None:
        self.places: dict[str, Place] = {}
        if ends.syntax == "terraform":
            for match in _TF_RESOURCE.finditer(ends.text):
                line, column = ends.position(match.start())
                self.places.setdefault(f"{match.group(1)}.{match.group(2)}", Place(line, column, match.group(1)))
        else:
            self._from_yaml(ends.composed())

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
        names = []
        client = finding.extra.get("client")
        if isinstance(client, str):
            names.append(client)
        for word in _WORD.findall(finding.message):
            names += [word, word.rstrip(".,;:"), word.strip('"')]
        found: dict[str, Place] = {}
        for name in names:
            place = self.places.get(name)
            if place is not None and name != finding.resource and name not in found:
                found[name] = place
        return list(found.items())


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
