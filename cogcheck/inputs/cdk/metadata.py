"""A CDK stack's metadata → construct paths and the user's source lines, for findings.

Metadata entries are keyed by construct path (``/Prod/Api/Pool/App/Resource``). One stack artifact's entries also
cover its nested stacks: an entry belongs to the deepest stack whose path is a prefix of its own. Logical ids are
unique per template only, so each template gets the ``aws:cdk:logicalId`` entries of its own stack.

Source lines come from stack frames (``fn (FILE:LINE[:COL])``): an ``aws:cdk:propertyAssignment`` for the offending
property (the escape hatch's line) first, else the ``aws:cdk:creationStack``. Only frames inside the source root
count; frames in ``node_modules``, site-packages or the JSII runtime are skipped. Nothing is read here but the
template itself (for the ``aws:cdk:path`` fallback), and only when a finding asks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from cogcheck.findings import Source
from cogcheck.inputs.types import Acknowledgement

LOGICAL_ID = "aws:cdk:logicalId"
CREATION_STACK = "aws:cdk:creationStack"
PROPERTY_ASSIGNMENT = "aws:cdk:propertyAssignment"
TEMPLATE_FILE = "aws:cdk:templateFile"
#: ``Validations.of(scope).acknowledge(Acknowledgment(id="cogcheck::COG-E001", reason=...))`` records
#: ``{"cogcheck::COG-E001": reason}`` under this type at the scope's path (aws-cdk-lib 2.27x). Only scopes inside a
#: stack reach its metadata; for the App or a Stage see :mod:`cogcheck.inputs.cdk.acknowledged`.
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"
#: The CDK validation plugin's name (:mod:`cogcheck.cdk`), which CDK makes the namespace of acknowledgement ids.
ACK_NAMESPACE = "cogcheck"

#: ``Parent/Id.NestedStack/Id.NestedStackResource``: the resource of nested stack ``Parent/Id`` in its parent.
NESTED_RESOURCE = re.compile(r"^(?P<stack>.*/(?P<id>[^/]+))\.NestedStack/(?P=id)\.NestedStackResource$")

_LOCATION = re.compile(r":(?P<line>\d{1,9})(?::\d{1,9})?$")  # searched from the end: FILE:LINE[:COL]
_SKIP_PARTS = {"node_modules", "site-packages", "dist-packages"}
_SKIP_MARKERS = ("jsii-kernel", "jsii-runtime", "/jsii/", "<", "node:", "internal/")

Entries = dict[str, list[dict[str, Any]]]


def merge_entries(*sources: Any) -> Entries:
    """Entries of several metadata mappings, in order (the CDK CLI: the metadata file first, then inline)."""
    merged: Entries = {}
    for source in sources:
        if not isinstance(source, dict):
            continue
        for path, entries in source.items():
            if isinstance(path, str) and isinstance(entries, list):
                merged.setdefault(path, []).extend(e for e in entries if isinstance(e, dict) and "type" in e)
    return merged


def display_path(path: str) -> str:
    """``/Prod/Api/Pool/App/Resource`` → ``Prod/Api/Pool/App``: the L2 construct the user wrote."""
    path = path.strip("/")
    return path[: -len("/Resource")] if path.endswith("/Resource") else path


class FrameFilter:
    """Turns stack frames into source lines relative to the project's root, or ``None`` for foreign frames."""

    def __init__(self, root: Path | None) -> None:
        self.roots: list[PurePosixPath] = []
        self._seen: dict[str, Source | None] = {}  # frames repeat across resources
        if root is not None:
            for candidate in (root.absolute(), root.resolve()):
                pure = PurePosixPath(os.path.normpath(candidate.as_posix()))
                if pure not in self.roots:
                    self.roots.append(pure)

    def source(self, frames: Any) -> Source | None:
        """The first frame (innermost first, as CDK writes them) that points into the project."""
        if not isinstance(frames, list) or not self.roots:
            return None
        for frame in frames:
            if not isinstance(frame, str):
                continue
            if frame not in self._seen:
                self._seen[frame] = self.frame(frame)
            if self._seen[frame] is not None:
                return self._seen[frame]
        return None

    def frame(self, frame: str) -> Source | None:
        frame = frame.strip()
        if frame.startswith("at "):
            frame = frame[3:]
        if frame.endswith(")") and "(" in frame:
            frame = frame[frame.rindex("(") + 1 : -1]
        match = _LOCATION.search(frame, max(0, len(frame) - 24))
        if not match or match.start() == 0:
            return None
        file = frame[: match.start()]
        if file.startswith("file://"):
            file = unquote(file[len("file://") :])
        if any(marker in file for marker in _SKIP_MARKERS) or "\\" in file:
            return None
        relative = self._relative(PurePosixPath(os.path.normpath(file)))
        if relative is None or _SKIP_PARTS.intersection(relative.parts):
            return None
        return Source(relative.as_posix(), int(match.group("line")))

    def _relative(self, path: PurePosixPath) -> PurePosixPath | None:
        if not path.is_absolute():  # already relative (fixtures made portable): relative to the root
            return None if path.parts[:1] == ("..",) or not path.parts else path
        for root in self.roots:
            try:
                return path.relative_to(root)
            except ValueError:
                continue
        return None


@dataclass
class StackMetadata:
    """All metadata of one stack artifact (nested stacks included) and how to split it per template."""

    entries: Entries
    root: str  # the artifact's construct path, e.g. "/Prod/Api"
    frames: FrameFilter
    nested: set[str] = field(default_factory=set)
    #: construct path → the file recording its acknowledgements, as shown (the metadata file, else the manifest)
    ack_files: dict[str, str] = field(default_factory=dict)
    _logical: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for path, entries in self.entries.items():
            match = NESTED_RESOURCE.match(path)
            if match:
                self.nested.add(match.group("stack"))
            if path != self.root and any(e.get("type") == TEMPLATE_FILE for e in entries):
                self.nested.add(path)

    def owner(self, path: str) -> str:
        """The construct path of the stack (the root or a nested one) whose template holds ``path``.

        The deepest nested stack that is a prefix of ``path``: its prefixes are looked up, longest first (linear in
        the length of ``path``, whatever the number of nested stacks).
        """
        end = len(path)
        while True:
            end = path.rfind("/", 0, end)
            if end <= 0:
                return self.root
            prefix = path[:end]
            if prefix in self.nested and len(prefix) > len(self.root):
                return prefix
            if len(prefix) <= len(self.root):
                return self.root

    def logical_ids(self, stack: str) -> dict[str, str]:
        """logical id → construct path, for the template of ``stack``."""
        if stack not in self._logical:
            table: dict[str, str] = {}
            for path, entries in self.entries.items():
                for entry in entries:
                    data = entry.get("data")
                    if entry.get("type") == LOGICAL_ID and isinstance(data, str) and self.owner(path) == stack:
                        table.setdefault(data, path)
            self._logical[stack] = table
        return self._logical[stack]

    def template_file(self, stack: str) -> str | None:
        """The ``aws:cdk:templateFile`` entry at a (nested) stack's path."""
        for entry in self.entries.get(stack, []):
            if entry.get("type") == TEMPLATE_FILE and isinstance(entry.get("data"), str):
                return str(entry["data"])
        return None

    def acknowledgement(self, path: str, rule_id: str) -> Acknowledgement | None:
        """The acknowledgement of ``cogcheck::RULE`` closest to construct ``path``, as CDK finds it: the path itself,
        then each parent up to the stack (the id must match exactly; CDK's normalisation of spaces to ``-`` is moot
        for rule ids)."""
        wanted = f"{ACK_NAMESPACE}::{rule_id}"
        scope = path.rstrip("/")
        while scope:
            for entry in self.entries.get(scope, []):
                data = entry.get("data")
                if entry.get("type") == ACKNOWLEDGED_RULES and isinstance(data, dict) and wanted in data:
                    reason = data[wanted]
                    recorded = self.ack_files.get(scope, "the stack's metadata")
                    return Acknowledgement(reason if isinstance(reason, str) else "", scope.strip("/"), recorded)
            scope = scope[: scope.rfind("/")] if "/" in scope else ""
        return None

    def source(self, path: str, property_path: str) -> Source | None:
        entries = self.entries.get(path, [])
        top = re.split(r"[.\[]", property_path, maxsplit=1)[0] if property_path else ""
        if top:  # the last assignment of the property wins: an override after the L2's own
            for entry in reversed(entries):
                data = entry.get("data")
                assigned = data.get("propertyName") if isinstance(data, dict) else None
                if entry.get("type") == PROPERTY_ASSIGNMENT and isinstance(data, dict) and assigned == top:
                    found = self.frames.source(data.get("stackTrace"))
                    if found is not None:
                        return found
        for entry in entries:
            if entry.get("type") == CREATION_STACK:
                found = self.frames.source(entry.get("data"))
                if found is not None:
                    return found
        for entry in entries:  # older CDK: a trace on the entries themselves
            if entry.get("type") == LOGICAL_ID:
                found = self.frames.source(entry.get("trace"))
                if found is not None:
                    return found
        return None


class MetadataSource:
    """A stack artifact's metadata as read — the entries of its metadata file and of the manifest, each with the file
    it is in, as shown — merged into one :class:`StackMetadata` when first asked for. Only a stack whose template is
    scanned for a client, or that has nested stacks, asks: most stacks of a large assembly never do."""

    def __init__(self, sources: list[tuple[Any, str]], root: str, frames: FrameFilter) -> None:
        self.root = root  # the artifact's construct path, e.g. "/Prod/Api"
        self._sources = sources
        self._frames = frames
        self._merged: StackMetadata | None = None

    def get(self) -> StackMetadata:
        if self._merged is None:
            merged = StackMetadata(merge_entries(*(e for e, _ in self._sources)), self.root, self._frames)
            for source, shown in self._sources:  # where each acknowledgement is recorded, for the notice ignoring it
                for path, items in source.items() if isinstance(source, dict) else ():
                    if isinstance(items, list) and any(
                        isinstance(e, dict) and e.get("type") == ACKNOWLEDGED_RULES for e in items
                    ):
                        merged.ack_files.setdefault(str(path), shown)
            self._merged, self._sources = merged, []
        return self._merged


class StackContext:
    """The :class:`~cogcheck.inputs.discover.ResourceContext` of one template of an assembly."""

    def __init__(
        self,
        metadata: StackMetadata | MetadataSource,
        stack: str,
        template: Path,
        extra: Mapping[str, Any] | None = None,
        reported: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
        report_file: str = "",
    ) -> None:
        self._metadata = metadata
        self.stack = stack  # construct path of this template's stack
        self.template = template
        self.extra = dict(extra or {})
        self.reported = reported or {}  # acknowledged in validation-report.json (cogcheck.inputs.cdk.acknowledged)
        self.report_file = report_file  # that report, as shown
        self._cdk_paths: dict[str, str] | None = None

    @property
    def metadata(self) -> StackMetadata:
        if isinstance(self._metadata, MetadataSource):
            self._metadata = self._metadata.get()
        return self._metadata

    def construct_path(self, logical_id: str) -> str | None:
        """Full construct path with a leading ``/``, from the metadata, else the template's ``aws:cdk:path``."""
        path = self.metadata.logical_ids(self.stack).get(logical_id)
        if path is not None:
            return path
        if self._cdk_paths is None:
            self._cdk_paths = cdk_paths(self.template)
        found = self._cdk_paths.get(logical_id)
        return "/" + found if found else None

    def describe(self, logical_id: str, property_path: str) -> tuple[str | None, Source | None]:
        path = self.construct_path(logical_id)
        if path is None:
            return None, None
        return display_path(path), self.metadata.source(path, property_path)

    def acknowledgement(self, logical_id: str, rule_id: str) -> Acknowledgement | None:
        """The acknowledgement of ``cogcheck::RULE`` for the resource: in the stack's metadata, else (an
        acknowledgement on a Stage or the App) in CDK's validation report."""
        path = self.construct_path(logical_id)
        found = self.metadata.acknowledgement(path, rule_id) if path else None
        if found is not None:
            return found
        reported = self.reported.get(logical_id, {}).get(rule_id)
        return Acknowledgement(reported[0], reported[1], self.report_file) if reported is not None else None

    def details(self, logical_id: str) -> dict[str, Any]:
        path = self.construct_path(logical_id)
        full = {"construct_path_full": path.strip("/")} if path else {}
        return {**full, **self.extra}


def cdk_paths(template: Path) -> dict[str, str]:
    """logical id → ``Metadata["aws:cdk:path"]`` (written only with path metadata on, e.g. by the CDK CLI)."""
    from cogcheck.cfn.parse import load_json
    from cogcheck.inputs.files import ReadError, read_limited

    try:
        doc = load_json(read_limited(template))
    except (ReadError, ValueError):
        return {}
    return resource_paths(doc)


def resource_paths(doc: Any) -> dict[str, str]:
    resources = doc.get("Resources") if isinstance(doc, dict) else None
    paths: dict[str, str] = {}
    for logical_id, resource in resources.items() if isinstance(resources, dict) else ():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        path = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
        if isinstance(path, str):
            paths[logical_id] = path
    return paths


def nested_stack_path(metadata: StackMetadata, parent: str, logical_id: str, cdk_path: str | None) -> str | None:
    """Construct path of the nested stack that the ``AWS::CloudFormation::Stack`` ``logical_id`` deploys."""
    from_metadata = metadata.logical_ids(parent).get(logical_id)
    for path in (from_metadata, "/" + cdk_path if cdk_path else None):
        match = NESTED_RESOURCE.match(path) if path else None
        if match:
            return match.group("stack")
    return None
