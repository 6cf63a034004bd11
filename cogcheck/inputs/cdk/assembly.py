"""CDK cloud assemblies (``cdk.out``) → the templates to scan, each with its stack and metadata.

The manifest is walked, never globbed: every ``aws:cloudformation:stack`` artifact's ``templateFile``, every stage
(``cdk:cloud-assembly``, ``properties.directoryName``, its own manifest) to any depth, and every nested stack's
template, found by ``Metadata["aws:asset:path"]``, by the ``aws:cdk:templateFile`` entry, or by the hash in
``TemplateURL`` looked up in the asset manifests (``files[hash].source.path``) — so every CDK version works. Other
artifact types are ignored.

Safe by construction: a file named by the assembly (template, metadata, stage directory, asset manifest) is read
only when it is a relative path without ``..`` that stays inside the assembly directory once symlinks are resolved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from cogcheck.cfn.parse import JsonError, hides, load_json
from cogcheck.cfn.types import CLIENT_TYPE, NESTED_STACK
from cogcheck.findings import InputError, Notice
from cogcheck.inputs.cdk.acknowledged import REPORT, Acks, Table, read_report
from cogcheck.inputs.cdk.metadata import (
    FrameFilter,
    MetadataSource,
    StackContext,
    StackMetadata,
    nested_stack_path,
    resource_paths,
)
from cogcheck.inputs.cdk.nested import ParentLink, literal_parameters, parent_link
from cogcheck.inputs.files import MAX_FILE_SIZE, MAX_OPTION_FILE_SIZE, ReadError, read_limited
from cogcheck.inputs.project import git_root
from cogcheck.inputs.types import TemplateInput

#: The newest cloud assembly schema major version this reader was checked against (aws-cdk-lib 2.276).
KNOWN_MAJOR = 55
MAX_DEPTH = 16  # stages in stages, nested stacks in nested stacks

STACK = "aws:cloudformation:stack"
STAGE = "cdk:cloud-assembly"
ASSET_MANIFEST = "cdk:asset-manifest"

Item = TemplateInput | InputError | Notice
_HASH = re.compile(r"([0-9a-f]{64})\.json")


def is_assembly(directory: Path) -> bool:
    """Whether ``directory`` looks like a cloud assembly: its ``manifest.json`` is an object with ``version`` and
    ``artifacts``, or the ``cdk.out`` marker file CDK writes is beside it. One that looks like an assembly is read as
    one, and a manifest that cannot be is an error (:func:`read_assembly`); the rest of the directory is scanned as
    loose files either way (:mod:`cogcheck.inputs.discover`)."""
    manifest = directory / "manifest.json"
    try:
        if inside(directory, "manifest.json") is None or not manifest.is_file():
            return False
        if (directory / "cdk.out").is_file():
            return True
        data = load_json(read_limited(manifest, MAX_OPTION_FILE_SIZE))
    except (OSError, ValueError, ReadError):
        return False
    return isinstance(data, dict) and "artifacts" in data and "version" in data


def inside(base: Path, relative: Any) -> Path | None:
    """``base / relative`` when it is a relative path that stays in ``base`` (symlinks resolved), else ``None``."""
    try:
        found = _inside(base, base.resolve(), relative)
    except (OSError, RuntimeError):
        return None
    return found[0] if found is not None else None


def _inside(base: Path, resolved_base: Path, relative: Any) -> tuple[Path, Path] | None:
    """(``base / relative``, resolved) when it stays in ``base`` (resolved as ``resolved_base``), else ``None``."""
    if not isinstance(relative, str) or not relative or "\x00" in relative:
        return None
    pure = PurePosixPath(relative.replace("\\", "/"))
    if pure.is_absolute() or PureWindowsPath(relative).drive or ".." in pure.parts:
        return None
    target = base.joinpath(pure)
    try:
        resolved = target.resolve()
        resolved.relative_to(resolved_base)
    except (OSError, ValueError, RuntimeError):
        return None
    return target, resolved


def _join(display: str, relative: str) -> str:
    return str(PurePosixPath(display, relative)) if display not in ("", ".") else relative


def _load_json(path: Path, display: str, what: str, max_size: int = MAX_FILE_SIZE) -> tuple[Any, InputError | None]:
    if not path.exists() and not path.is_symlink():
        return None, InputError(display, None, f"{what} is missing")
    try:
        return load_json(read_limited(path, max_size)), None
    except ReadError as exc:
        return None, InputError(display, None, f"{what}: {exc.message}")
    except JsonError as exc:
        return None, InputError(display, exc.line, f"{what} is not valid JSON: {exc.reason}")


def read_assembly(
    directory: Path,
    display: str,
    seen: set[Path],
    source_root: Path | None = None,
    max_size: int = MAX_FILE_SIZE,
    stacks: Collection[Path] | None = None,
) -> Iterator[Item]:
    """Every template the assembly in ``directory`` names (``display`` is how the user named it).

    ``stacks``: only the stack artifacts whose template is one of these (resolved) paths, with their nested stacks,
    e.g. the stacks CDK hands a validation plugin. Each template and each manifest read (stages included) is added to
    ``seen`` (resolved), so that a walk reads neither again.
    """
    root = source_root
    if root is None:
        absolute = directory.absolute()
        root = git_root(absolute) or absolute.parent
    yield from _Reader(FrameFilter(root), seen, max_size, stacks).manifest(directory, display, 0)


class _Reader:
    def __init__(
        self,
        frames: FrameFilter,
        seen: set[Path],
        max_size: int = MAX_FILE_SIZE,
        stacks: Collection[Path] | None = None,
    ) -> None:
        self.frames = frames
        self.seen = seen
        self.max_size = max_size
        self.stacks = None if stacks is None else set(stacks)
        self.directories: set[Path] = set()
        self.root: Path | None = None  # the outermost assembly directory, where CDK writes its validation report
        self.reported: Table = {}
        self.report_file = ""
        self.resolved: dict[Path, Path] = {}  # assembly directory → resolved, asked once

    def manifest(self, directory: Path, display: str, depth: int) -> Iterator[Item]:
        manifest_display = _join(display, "manifest.json")
        key = directory.resolve()
        if key in self.directories or depth > MAX_DEPTH:
            yield InputError(manifest_display, None, "cloud assembly is nested in itself or too deep; not read")
            return
        self.directories.add(key)
        if inside(directory, "manifest.json") is None:
            yield InputError(manifest_display, None, "manifest leads outside the assembly directory; not read")
            return
        manifest = directory / "manifest.json"
        self.seen.add(manifest.resolve())  # read as a manifest (CloudFormation refuses its keys as a template)
        data, error = _load_json(manifest, manifest_display, "cloud assembly manifest", self.max_size)
        if error is not None:
            yield error
            return
        why = _not_a_manifest(data)
        if why is not None:
            yield InputError(manifest_display, None, f"not a cloud assembly manifest ({why}); not read as one")
            return
        artifacts = data.get("artifacts") or {}
        yield from _version_notices(data, manifest_display)
        if depth == 0:
            self.root = directory
            self.reported, notice = read_report(directory, display, self.max_size)
            self.report_file = _join(display, REPORT)
            if notice is not None:
                yield notice
        assets = _AssetFiles(directory, display, artifacts, self.max_size)
        for artifact_id, artifact in artifacts.items():
            try:
                yield from self.artifact(directory, display, str(artifact_id), artifact, assets, depth)
            except Exception as exc:  # one broken artifact never hides the others
                reason = " ".join(str(exc).split())[:200]
                yield InputError(manifest_display, None, f"artifact {artifact_id}: {type(exc).__name__}: {reason}")
        yield from assets.errors

    def artifact(
        self, directory: Path, display: str, artifact_id: str, artifact: Any, assets: _AssetFiles, depth: int
    ) -> Iterator[Item]:
        manifest_display = _join(display, "manifest.json")
        properties = artifact.get("properties") if isinstance(artifact, dict) else None
        if not isinstance(artifact, dict) or not isinstance(artifact.get("type"), str) or not isinstance(
            properties, dict | None
        ):
            what = "is not an object" if not isinstance(artifact, dict) else (
                "has no type" if not isinstance(artifact.get("type"), str) else "has properties that are not an object"
            )
            yield InputError(manifest_display, None, f"artifact {artifact_id} {what}; not a manifest CDK writes")
            return
        properties = properties or {}
        if artifact.get("type") == STACK:
            yield from self.stack(directory, display, str(artifact_id), artifact, properties, assets)
        elif artifact.get("type") == STAGE:
            name = properties.get("directoryName")
            stage = inside(directory, name)
            if stage is None:
                yield InputError(
                    manifest_display, None,
                    f"stage {artifact_id}: directoryName {name!r} leads outside the assembly directory; not read",
                )
            elif not (stage / "manifest.json").is_file():
                yield InputError(_join(display, str(name)), None, f"stage {artifact_id}: no manifest.json")
            else:
                yield from self.manifest(stage, _join(display, str(name)), depth + 1)

    def stack(
        self,
        directory: Path,
        display: str,
        artifact_id: str,
        artifact: dict[str, Any],
        properties: dict[str, Any],
        assets: _AssetFiles,
    ) -> Iterator[Item]:
        manifest_display = _join(display, "manifest.json")
        name = properties.get("templateFile")
        found = self.inside(directory, name)
        template, resolved = found if found is not None else (None, None)
        if template is None or resolved is None:
            why = (
                f"templateFile {name!r} leads outside the assembly directory; not read"
                if isinstance(name, str)
                else "has no templateFile"
            )
            yield InputError(manifest_display, None, f"stack {artifact_id}: {why}")
            return
        if self.stacks is not None and resolved not in self.stacks:
            return
        template_display = _join(display, str(name))
        stack_display = str(artifact.get("displayName") or artifact_id)
        entries: list[tuple[Any, str]] = []  # (metadata, the file it is in, as shown)
        metadata_file = artifact.get("additionalMetadataFile")
        if metadata_file is not None:
            path = inside(directory, metadata_file)
            if path is None:
                yield InputError(
                    manifest_display, None,
                    f"stack {artifact_id}: additionalMetadataFile {metadata_file!r} leads outside the assembly "
                    "directory; not read",
                )
            else:
                loaded, error = _load_json(
                    path, _join(display, str(metadata_file)), "stack metadata file", self.max_size
                )
                if error is not None:
                    yield Notice(error.file, None, f"{error.message}; construct paths and source lines are missing")
                entries.append((loaded, _join(display, str(metadata_file))))
        entries.append((artifact.get("metadata"), manifest_display))
        metadata = MetadataSource(entries, "/" + stack_display.strip("/"), self.frames)  # merged if asked for
        stack_name = properties.get("stackName") or artifact_id
        extra = {"stack_name": stack_name} if stack_name != stack_display else {}
        yield from self.template(
            template, resolved, template_display, stack_display, metadata, metadata.root, {}, extra, assets, 0
        )

    def template(
        self,
        path: Path,
        key: Path,
        display: str,
        stack_display: str,
        metadata: MetadataSource,
        stack_path: str,
        parameters: Mapping[str, str],
        extra: Mapping[str, Any],
        assets: _AssetFiles,
        depth: int,
        link: ParentLink | None = None,
    ) -> Iterator[Item]:
        if not path.is_file():
            yield InputError(display, None, f"template of stack {stack_display} is missing")
            return
        if key in self.seen:
            return
        self.seen.add(key)
        context = StackContext(metadata, stack_path, path, extra, self._reported(key), self.report_file)
        item = TemplateInput(display, path, stack_display, dict(parameters), context, link or None)
        item.real_path = str(key)
        try:
            data = item.data = read_limited(path, self.max_size)  # read once: the scan takes these bytes
        except ReadError:
            yield item  # scanning the template reports it
            return
        # One widened scan of the bytes for both questions (mentions(data, CLIENT_TYPE) and NESTED_STACK alike):
        # escapes, NUL bytes and byte order marks do not depend on the text asked for.
        hidden = hides(data)
        item.holds_client = CLIENT_TYPE.encode() in data or hidden
        has_nested = NESTED_STACK.encode() in data or hidden
        yield item
        try:
            doc = load_json(data) if has_nested else None
        except JsonError:
            return  # scanning the template reports it
        resources = doc.get("Resources") if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or not isinstance(resources, dict):
            return
        own = list(resources.items())
        if link:
            link.apply_to(doc)  # so that grandchildren find what this template borrowed
        cdk_paths = resource_paths(doc)
        for logical_id, resource in own:
            if not isinstance(resource, dict) or resource.get("Type") != NESTED_STACK:
                continue
            nested = nested_stack_path(metadata.get(), stack_path, logical_id, cdk_paths.get(logical_id))
            nested_display = nested.strip("/") if nested else f"{stack_display}/{logical_id}"
            found = self.nested_template(resource, metadata.get(), nested, assets)
            where = f"nested stack {nested_display} ({logical_id} in {display})"
            if found is None:
                yield Notice(display, logical_id, f"{where}: its template is not in the assembly; not scanned")
                continue
            child, child_key, name = found
            if child is None or child_key is None:
                yield InputError(
                    display, None, f"{where}: template path {name!r} leads outside the assembly directory; not read"
                )
                continue
            if depth >= MAX_DEPTH:
                yield InputError(display, None, f"{where}: nested stacks nested too deep; not read")
                continue
            child_parameters = literal_parameters(doc, resource, parameters)
            yield from self.template(
                child, child_key, _join(assets.display, name), nested_display, metadata, nested or "/" + nested_display,
                child_parameters, {}, assets, depth + 1, parent_link(doc, logical_id),
            )

    def nested_template(
        self, resource: dict[str, Any], metadata: StackMetadata, nested: str | None, assets: _AssetFiles
    ) -> tuple[Path | None, Path | None, str] | None:
        """(the child template's path, resolved, its name in the assembly); the paths are None when the name leads
        outside."""
        names: list[Any] = []
        resource_metadata = resource.get("Metadata")
        if isinstance(resource_metadata, dict):
            names.append(resource_metadata.get("aws:asset:path"))
        if nested:
            names.append(metadata.template_file(nested))
        properties = resource.get("Properties")
        url = properties.get("TemplateURL") if isinstance(properties, dict) else None
        for digest in sorted(set(_HASH.findall(json.dumps(url)))):
            names.append(assets.source(digest))
        for name in names:
            if isinstance(name, str) and name:
                child, key = self.inside(assets.directory, name) or (None, None)
                return child, key, name
        return None

    def inside(self, base: Path, relative: Any) -> tuple[Path, Path] | None:
        """:func:`inside`, and the target resolved; each assembly directory is resolved once."""
        if base not in self.resolved:
            try:
                self.resolved[base] = base.resolve()
            except (OSError, RuntimeError):
                return None
        return _inside(base, self.resolved[base], relative)

    def _reported(self, template: Path) -> Acks:
        """The acknowledgements CDK's validation report records for ``template`` (resolved)."""
        if not self.reported or self.root is None:
            return {}
        try:
            name = template.relative_to(self.resolved.get(self.root) or self.root.resolve()).as_posix()
        except (OSError, ValueError, RuntimeError):
            return {}
        return self.reported.get(name, {})


class _AssetFiles:
    """``files[hash].source.path`` of the asset manifests of one cloud assembly, read when first asked."""

    def __init__(self, directory: Path, display: str, artifacts: dict[str, Any], max_size: int) -> None:
        self.max_size = max_size
        self.directory = directory
        self.display = display
        self.names = [
            a["properties"]["file"]
            for a in artifacts.values()
            if isinstance(a, dict) and a.get("type") == ASSET_MANIFEST and isinstance(a.get("properties"), dict)
            and isinstance(a["properties"].get("file"), str)
        ]
        self.errors: list[Item] = []
        self._sources: dict[str, str] | None = None

    def source(self, digest: str) -> str | None:
        if self._sources is None:
            self._sources = {}
            for name in self.names:
                path = inside(self.directory, name)
                if path is None:
                    self.errors.append(InputError(
                        _join(self.display, "manifest.json"), None,
                        f"asset manifest {name!r} leads outside the assembly directory; not read",
                    ))
                    continue
                data, error = _load_json(path, _join(self.display, name), "asset manifest", self.max_size)
                files = data.get("files") if isinstance(data, dict) else None
                if error is not None:
                    self.errors.append(Notice(error.file, None, error.message))
                for file_digest, file in files.items() if isinstance(files, dict) else ():
                    source = file.get("source") if isinstance(file, dict) else None
                    if isinstance(source, dict) and isinstance(source.get("path"), str):
                        self._sources.setdefault(file_digest, source["path"])
        return self._sources.get(digest)


def _not_a_manifest(data: Any) -> str | None:
    """Why a parsed ``manifest.json`` is not a cloud assembly manifest (None when it is one): an object with a string
    ``version`` and, when present, an object of ``artifacts``."""
    if not isinstance(data, dict):
        return "not an object"
    if not isinstance(data.get("version"), str):
        return "no version" if "version" not in data else "version is not a string"
    if not isinstance(data.get("artifacts", {}), dict):
        return "artifacts is not an object"
    return None


def _version_notices(data: dict[str, Any], display: str) -> Iterator[Notice]:
    version = data.get("version")
    major = re.match(r"^(\d{1,9})\.", version) if isinstance(version, str) else None
    if major is None:
        yield Notice(display, None, f"cloud assembly version {version!r} is not understood; read as best it can")
    elif int(major.group(1)) > KNOWN_MAJOR:
        yield Notice(
            display, None,
            f"cloud assembly version {version} is newer than cogcheck knows ({KNOWN_MAJOR}.x); read as best it can",
        )
    missing = data.get("missing")
    if isinstance(missing, list) and missing:
        keys = sorted({str(m.get("key")) for m in missing if isinstance(m, dict) and m.get("key")})
        shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
        yield Notice(
            display, None,
            f"incomplete cloud assembly: {len(missing)} context value(s) missing ({shown or 'unnamed'}); "
            "synthesize with `cdk synth` (it looks them up) before scanning",
        )
