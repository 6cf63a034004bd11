"""Findings: what the reports print. Sorted, fingerprinted independently of line numbers."""

from __future__ import annotations

import builtins
import functools
import json
import json.encoder
from dataclasses import asdict, dataclass, field
from typing import Any

from cogcheck.cfn.scenarios import Scenario

#: A finding's severity, most severe first (rules, ``--severity``, configuration and reports use these words).
SEVERITIES = ("error", "warning", "note")
SEVERITY_RANK = {"note": 1, "warning": 2, "error": 3}
#: ``--fail-on`` / ``fail-on``: a severity, or never.
FAIL_ON = (*SEVERITIES, "never")


_string = json.encoder.encode_basestring_ascii  # the C function json.dumps uses for strings


def identity_text(rule_id: str, where: str, resource: str, prop: str, scenario: Scenario | None) -> str:
    """``json.dumps([rule_id, where, resource, prop, scenario JSON or None], sort_keys=True)``, what a
    fingerprint hashes — built from the C string encoder and one dump per distinct scenario, not a dump per finding
    (the same text: the fingerprints of every existing baseline stay valid)."""
    names = (rule_id, where, resource, prop)
    if type(rule_id) is str and type(where) is str and type(resource) is str and type(prop) is str:
        try:
            tail = _scenario_text(scenario) if scenario else "null"
        except TypeError:  # an unhashable value in a scenario: no memo, the plain dump below
            pass
        else:
            return "[" + ", ".join(map(_string, names)) + ", " + tail + "]"
    return json.dumps([*names, scenario.as_json() if scenario else None], sort_keys=True)


@functools.lru_cache(maxsize=4096)
def _scenario_text(scenario: Scenario) -> str:
    return json.dumps(scenario.as_json(), sort_keys=True)


@dataclass(frozen=True, slots=True)
class Source:
    """The line of the user's code that created a resource (CDK stack frames)."""

    file: str
    line: int


#: How far a fix may be trusted: ``safe`` (the template cannot deploy as written and the edit makes it say what it
#: evidently meant, or the edit changes nothing a deployed client does) or ``unsafe`` (it changes behaviour).
APPLICABILITIES = ("safe", "unsafe")


@dataclass(frozen=True, order=True, slots=True)
class Edit:
    """Replace the text of ``file`` from (``start_line``, ``start_column``) up to, not including, (``end_line``,
    ``end_column``) with ``text``. Lines and columns are 1-based; columns count Unicode code points, as findings'
    columns do. An insertion has start == end; a deletion has ``text == ""``. ``file`` is the finding's display
    path (:attr:`Finding.file`)."""

    file: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "start": {"line": self.start_line, "column": self.start_column},
            "end": {"line": self.end_line, "column": self.end_column},
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Fix:
    """A change that removes a finding: every edit applies together (the edits of one fix never overlap)."""

    applicability: str  # one of APPLICABILITIES
    description: str
    edits: tuple[Edit, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability,
            "description": self.description,
            "edits": [edit.as_json() for edit in self.edits],
        }


class _Slots:
    """The slot :attr:`Finding.fingerprint` keeps its value in, computed when first asked for (not a field: not
    compared, not copied by ``dataclasses.replace``, not pickled)."""

    __slots__ = ("_fingerprint",)
    _fingerprint: str


@dataclass(frozen=True, slots=True)
class Finding(_Slots):
    """One rule's finding on one client (or resource) and scenario. Slotted: a scan makes one per finding, and a
    worker process sends them back as tuples (:meth:`as_tuple`)."""

    rule_id: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    resource: str
    resource_type: str
    property: str
    stack: str | None = None
    construct_path: str | None = None
    source: Source | None = None
    scenario: Scenario | None = None
    rule_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    project_path: str | None = field(default=None, compare=False)  # see cogcheck.inputs.project
    #: the edit that removes this finding, when the rule declares one and the value is written in this file
    fix: Fix | None = field(default=None, compare=False)
    #: why no fix is offered although the rule has one (the value comes from a parameter, the input is generated…)
    fix_declined: str | None = field(default=None, compare=False)
    #: a finding of a CDK cloud assembly: the change to make in the app's code (cogcheck.inputs.cdk.advice)
    cdk_fix: str | None = field(default=None, compare=False)

    @builtins.property
    def where(self) -> str:
        """What identifies the template: its CDK stack, else its path in the project (never the working directory
        nor the spelling of the path; :mod:`cogcheck.inputs.project`), else the file as given."""
        if self.stack is not None:
            return self.stack
        return self.project_path if self.project_path is not None else self.file

    @builtins.property
    def fingerprint(self) -> str:
        """sha256 of rule, :attr:`where`, resource, property and scenario — no lines, no working directory.

        Computed once per finding (reports ask for it several times)."""
        try:
            return self._fingerprint
        except AttributeError:
            pass
        from hashlib import sha256  # not at start-up: OpenSSL's module costs ~2 ms, and text reports never ask

        value = sha256(identity_text(
            self.rule_id, self.where, self.resource, self.property, self.scenario,
        ).encode()).hexdigest()[:32]
        object.__setattr__(self, "_fingerprint", value)
        return value

    def as_tuple(self) -> tuple[Any, ...]:
        """Every field as plain values (tuples, strings, numbers; ``extra`` as its items): what a worker process
        sends back, pickled far cheaper than the objects (:meth:`from_tuple` makes the same finding again)."""
        source, scenario, fix = self.source, self.scenario, self.fix
        return (
            self.rule_id, self.severity, self.message, self.file, self.line, self.column, self.resource,
            self.resource_type, self.property, self.stack, self.construct_path,
            None if source is None else (source.file, source.line),
            None if scenario is None else (scenario.parameters, scenario.conditions),
            self.rule_name, tuple(self.extra.items()), self.project_path,
            None if fix is None else (fix.applicability, fix.description, tuple(
                (e.file, e.start_line, e.start_column, e.end_line, e.end_column, e.text) for e in fix.edits)),
            self.fix_declined, self.cdk_fix,
        )

    @classmethod
    def from_tuple(cls, values: tuple[Any, ...]) -> Finding:
        """The finding :meth:`as_tuple` gave ``values`` for."""
        fields = list(values)
        source, scenario, fix = fields[11], fields[12], fields[16]
        if source is not None:
            fields[11] = Source(*source)
        if scenario is not None:
            fields[12] = Scenario(*scenario)
        fields[14] = dict(fields[14])
        if fix is not None:
            fields[16] = Fix(fix[0], fix[1], tuple([Edit(*edit) for edit in fix[2]]))
        finding = object.__new__(cls)  # what __init__ does (it sets every field), without a call per field
        for set_field, value in zip(_SETTERS, fields, strict=True):
            set_field(finding, value)
        return finding

    @builtins.property
    def scenario_text(self) -> str:
        return self.scenario.describe() if self.scenario else ""

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.file, self.line, self.column, self.rule_id, self.resource, self.property,
            self.scenario or Scenario(), self.message,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "resource": self.resource,
            "resource_type": self.resource_type,
            "property": self.property,
            "stack": self.stack,
            "construct_path": self.construct_path,
            "source": asdict(self.source) if self.source else None,
            "scenario": self.scenario.as_json() if self.scenario else None,
            "fingerprint": self.fingerprint,
            **({"fix": self.fix.as_json()} if self.fix is not None else {}),
            **({"fix_declined": self.fix_declined} if self.fix_declined is not None else {}),
            **({"cdk_fix": self.cdk_fix} if self.cdk_fix is not None else {}),
            **self.extra,
        }


#: the slot setter of each field of :class:`Finding`, in order (:meth:`Finding.from_tuple`)
_SETTERS = tuple(getattr(Finding, name).__set__ for name in Finding.__dataclass_fields__)


@dataclass(frozen=True, order=True)
class InputError:
    """An error that makes the run exit 2: an input that could not be read or parsed (``kind`` ``"input"``), or a
    ``--parameter`` value outside the template's ``AllowedValues`` (``"parameter"``: the template is still checked)."""

    file: str
    line: int | None
    message: str
    kind: str = "input"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message, "kind": self.kind}


@dataclass(frozen=True, order=True)
class Notice:
    """Something the user should know that is not a finding nor an error (a bound hit, an abstention)."""

    file: str
    resource: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.resource + ': ' if self.resource else ''}{self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "resource": self.resource, "message": self.message}


def one_line(exc: BaseException) -> str:
    """An unforeseen exception as one line (an :class:`InputError`'s message): its type and its message's start."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "too large to read in memory"
    text = " ".join(str(exc).split())[:200]
    return f"internal error: {type(exc).__name__}" + (f": {text}" if text else "")
