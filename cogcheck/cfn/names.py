"""CloudFormation names inside generated text, and the dialects that spell them otherwise.

Messages name properties and resource types. They are written once, the CloudFormation way, and an input's
*dialect* spells every name its own way when a message is rendered: ``CallbackURLs`` is ``callback_urls`` to
Terraform, ``TokenValidityUnits.AccessToken`` is ``token_validity_units.access_token``,
``AWS::Cognito::UserPoolResourceServer`` is ``aws_cognito_resource_server``. Nothing rewrites a finished sentence:

* a rule's message marks each name with a placeholder (``{prop:CallbackURLs}``, :mod:`cogcheck.engine.rules`);
* text made in code (a token's derivation, a predicate's reason) is a :class:`Phrase` whose names are :class:`Name`
  parts. Both are ``str`` subclasses that read as CloudFormation text, so everything that does not render for a
  dialect sees plain CloudFormation wording.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from cogcheck.cfn.types import CLIENT_TYPE as CLIENT
from cogcheck.record import Record

_PREFIX = "AWS::Cognito::"


def full_type(name: str) -> str:
    """``UserPoolResourceServer`` → ``AWS::Cognito::UserPoolResourceServer`` (a full name is kept)."""
    return name if "::" in name else _PREFIX + name


class Name(str):
    """A property path of ``resource`` (or, with ``kind="type"``, a resource type), spelt as CloudFormation does."""

    resource: str
    kind: str

    def __new__(cls, text: str, resource: str = CLIENT, kind: str = "property") -> Name:
        name = super().__new__(cls, text)
        name.resource, name.kind = resource, kind
        return name

    def __reduce__(self) -> tuple[Any, ...]:
        return (Name, (str(self), self.resource, self.kind))


class Phrase(str):
    """Text with names in it (:class:`Name` parts); as a ``str`` it is the CloudFormation wording."""

    parts: tuple[str, ...]

    def __new__(cls, *parts: str) -> Phrase:
        phrase = super().__new__(cls, "".join(parts))
        phrase.parts = parts
        return phrase

    def __reduce__(self) -> tuple[Any, ...]:
        return (Phrase, self.parts)


def split_path(path: str) -> tuple[str, str]:
    """``CallbackURLs[2]`` → (``CallbackURLs``, ``[2]``): the dotted names and the rest from the first index on."""
    head, bracket, rest = path.partition("[")
    return head, bracket + rest


class Dialect(Record):
    """How one kind of input spells CloudFormation's names.

    ``properties``: resource type → dotted CloudFormation property path → the dialect's spelling (for nested
    properties, the full path each way). ``types``: CloudFormation resource type → the dialect's. ``fallback``
    spells one segment no table lists (None: as CloudFormation does). ``closed``: resource types whose property
    table is complete, so a rule may name no other property of them (others: ``fallback`` is exact by
    construction, as the Terraform reader makes their names with its inverse).
    """

    __slots__ = ("closed", "fallback", "name", "properties", "types")

    def __init__(
        self, name: str, properties: Mapping[str, Mapping[str, str]] | None = None,
        types: Mapping[str, str] | None = None, fallback: Callable[[str], str] | None = None,
        closed: frozenset[str] = frozenset(),
    ) -> None:
        self.name: Final = name
        self.properties: Final[Mapping[str, Mapping[str, str]]] = {} if properties is None else properties
        self.types: Final[Mapping[str, str]] = {} if types is None else types
        self.fallback: Final = fallback
        self.closed: Final = closed

    @property
    def identity(self) -> bool:
        return not self.properties and not self.types and self.fallback is None

    def property_path(self, path: str, resource: str = CLIENT) -> str:
        """A property path as this dialect writes it: the longest listed prefix, the rest segment by segment."""
        if self.identity or not path:
            return path
        head, index = split_path(path)
        table = self.properties.get(full_type(resource), {})
        parts = head.split(".")
        for size in range(len(parts), 0, -1):
            key = ".".join(parts[:size])
            if key in table:
                tail = [self._segment(part) for part in parts[size:]]
                return ".".join([table[key], *tail]) + index
        return ".".join(self._segment(part) for part in parts) + index

    def _segment(self, part: str) -> str:
        return self.fallback(part) if self.fallback is not None and part else part

    def type_name(self, name: str) -> str:
        """A resource type as this dialect writes it (``name`` may leave out ``AWS::Cognito::``)."""
        return self.types.get(full_type(name), name)

    def spell(self, name: Name) -> str:
        if name.kind == "type":
            return self.type_name(name)
        return self.property_path(name, name.resource)

    def knows(self, name: Name) -> str | None:
        """Why this dialect cannot spell ``name`` for a rule's message (None when it can)."""
        if self.identity:
            return None
        if name.kind == "type":
            return None if full_type(name) in self.types else f"{self.name} has no resource type for {name}"
        resource = full_type(name.resource)
        head, _index = split_path(name)
        if resource in self.closed and head not in self.properties.get(resource, {}):
            return f"{self.name} has no argument for {resource} property {head}"
        return None

    def text(self, value: str) -> str:
        """``value`` in this dialect's words: a :class:`Name` spelt, a :class:`Phrase` name by name."""
        if self.identity:
            return str(value)
        if isinstance(value, Name):
            return self.spell(value)
        if isinstance(value, Phrase):
            return "".join(self.text(part) for part in value.parts)
        return str(value)


#: CloudFormation (and CDK cloud assemblies, whose findings point at template properties): names as written.
CLOUDFORMATION = Dialect("cloudformation")
