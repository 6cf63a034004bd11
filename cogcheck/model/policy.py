"""The policy: every setting that changes what the rules report, in one typed, frozen value.

Built by :mod:`cogcheck.config.options` from the configuration file and the command line, carried by
``ScanOptions.policy``, read by predicates (``World.policy``) and, for the fields marked ``for_rules``, by rules as
``$.policy.<field>`` in the client view.

Adding a setting: add a field here (its type and default say everything :meth:`Policy.from_mapping` and the
configuration reader need), then a row in :data:`cogcheck.config.files.POLICY_KEYS` when users may set it in a
configuration file. Mark it ``for_rules`` when rules should read it as ``$.policy.<name>``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def setting(default: Any, *, for_rules: bool = False, doc: str = "") -> Any:
    """A policy field; ``for_rules`` puts it in the client view as ``$.policy.<name>``."""
    return field(default=default, metadata={"for_rules": for_rules, "doc": doc})


@dataclass(frozen=True)
class Policy:
    production: bool = setting(False, doc="every input is a production template (COG-S009)")
    production_stacks: tuple[str, ...] = setting(
        (), doc="inputs whose stack name or file path matches one of these globs are production (COG-S009)"
    )
    placeholder_hosts: tuple[str, ...] | None = setting(
        None, doc="hosts COG-S010 treats as placeholders (None: the built-in list); a name covers its subdomains"
    )
    previous: str | None = setting(None, doc="the previous version of the scanned template or directory (COG-S020)")
    scan_roots: tuple[str, ...] = setting((), doc="the paths given to the scan (to mirror them under previous)")
    refresh_token_note_seconds: int = setting(30 * 86400, for_rules=True, doc="COG-S006: a note above this")
    refresh_token_warning_seconds: int = setting(365 * 86400, for_rules=True, doc="COG-S006: a warning above this")
    token_note_seconds: int = setting(3600, for_rules=True, doc="COG-S007: a note above this (access and ID tokens)")
    known_values: tuple[tuple[str, tuple[str, ...]], ...] = setting(
        (), doc="values AWS added after cogcheck's data, per enumeration (cogcheck.model.known.ENUMERATIONS)"
    )
    rule_settings: tuple[tuple[str, Any], ...] = setting(
        (), doc="the $.policy keys rule packs declare, with the configuration's value or the rule's default "
        "(the configuration's policy table); checked against each declaration by cogcheck.config.options"
    )

    def known(self, enumeration: str) -> tuple[str, ...]:
        """The values ``known_values`` adds to one enumeration."""
        return next((values for name, values in self.known_values if name == enumeration), ())

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Policy:
        """A policy from field names to plain values (JSON-like: lists for tuples); a mistake is a ``ValueError``."""
        kinds = field_types()
        changes: dict[str, Any] = {}
        for name, value in values.items():
            if name == "rule_settings":
                items = value.items() if isinstance(value, Mapping) else value
                changes[name] = tuple(sorted((str(k), _frozen(v)) for k, v in items))
                continue
            if name not in kinds:
                raise ValueError(f"unknown policy setting {name!r} (known: {', '.join(sorted(kinds))})")
            changes[name] = coerce(name, kinds[name], value)
        return cls(**changes)

    def for_rules(self) -> dict[str, Any]:
        """``$.policy`` of the client view: the built-in settings marked ``for_rules`` and the rule packs' own."""
        view = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.metadata["for_rules"]}
        view.update((key, _plain(value)) for key, value in self.rule_settings)
        return view

    @classmethod
    def rule_keys(cls) -> tuple[str, ...]:
        """The keys of ``$.policy`` (rules naming any other key fail to load)."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata["for_rules"])


def field_types() -> dict[str, Any]:
    """Policy field name → its type."""
    hints = typing.get_type_hints(Policy)
    return {f.name: hints[f.name] for f in dataclasses.fields(Policy)}


def coerce(name: str, kind: Any, value: Any) -> Any:
    """``value`` as a ``kind`` (bool, int, str, tuple[str, ...], optionally ``| None``); ``ValueError`` otherwise."""
    args = typing.get_args(kind)
    if isinstance(kind, types.UnionType) and type(None) in args:
        if value is None:
            return None
        (kind,) = (arg for arg in args if arg is not type(None))
    if kind is bool and isinstance(value, bool):
        return value
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    args = typing.get_args(kind)
    if typing.get_origin(kind) is tuple and args and typing.get_origin(args[0]) is tuple:  # name → strings
        if isinstance(value, Mapping):
            value = list(value.items())
        if isinstance(value, list | tuple) and all(isinstance(p, list | tuple) and len(p) == 2 for p in value):
            return tuple(sorted((str(k), coerce(name, tuple[str, ...], v)) for k, v in value))
        raise ValueError(f"policy setting {name!r} must map names to lists of strings, not {value!r}")
    if typing.get_origin(kind) is tuple:
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list | tuple) and all(isinstance(item, str) for item in items):
            return tuple(items)
        raise ValueError(f"policy setting {name!r} must be a list of strings, not {value!r}")
    raise ValueError(f"policy setting {name!r} must be {getattr(kind, '__name__', kind)}, not {value!r}")


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


#: The types a rule pack may declare for a ``$.policy`` key (``policy: {KEY: {type: ...}}`` in a rule file).
RULE_SETTING_TYPES = ("integer", "number", "string", "boolean", "strings")


def check_rule_setting(kind: str, value: Any) -> Any:
    """``value`` as a rule-declared setting of ``kind`` (:data:`RULE_SETTING_TYPES`): ``integer`` a whole number,
    ``number`` any number, ``string``, ``boolean``, ``strings`` a list of strings (kept as a tuple); ``ValueError``
    otherwise. Booleans are never numbers and numbers never strings, as in JSON Schema."""
    if isinstance(value, bool):
        ok = kind == "boolean"
    elif isinstance(value, int):
        ok = kind in ("integer", "number")
    elif isinstance(value, float):
        ok = kind == "number" and value == value and abs(value) != float("inf")
    elif isinstance(value, str):
        ok = kind == "string"
    elif isinstance(value, list | tuple):
        ok = kind == "strings" and all(isinstance(item, str) for item in value)
        value = tuple(value)
    else:
        ok = False
    if not ok:
        wanted = {"integer": "a whole number", "number": "a number", "string": "a string", "boolean": "true or false",
                  "strings": "a list of strings"}.get(kind, kind)
        shown = repr(value if not isinstance(value, tuple) else list(value))
        raise ValueError(f"must be {wanted} (type {kind}), not {shown[:80]}")
    return value
