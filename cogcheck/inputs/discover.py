"""Inputs: the paths a user gave → the templates to scan: loose files, and CDK cloud assemblies (``cdk.out``).

A directory that holds a cloud assembly (its ``manifest.json``), met as an argument or during a walk, is read by
:mod:`cogcheck.inputs.cdk.assembly` for the templates its manifest names (with their stacks and metadata); the walk
then goes on through it and below it as through any directory, so every other template and Terraform file is still
scanned as a loose input. No file is scanned twice: what the assembly read is in ``seen``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from cogcheck.findings import InputError, Notice
from cogcheck.inputs.files import MAX_FILE_SIZE
from cogcheck.inputs.project import ProjectPaths
from cogcheck.inputs.types import ResourceContext, TemplateInput, TemplateLink
from cogcheck.record import Record

__all__ = ["Discovery", "ResourceContext", "TemplateInput", "TemplateLink", "discover"]

TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
SKIP_DIRS = {"node_modules", "__pycache__", "venv", "site-packages"}


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11/3.12)
        return False
    return True


class Discovery(Record):
    """How to walk: where CDK stack frames are made relative (``source_root``; default: the git root above each
    assembly), what to leave out (``exclude``: (glob, its base; None: the current directory)), what a project is
    (``config_base``: the configuration file's directory, a project root when there is no git), and ``max_size``:
    larger files are errors, never read (cogcheck.inputs.files)."""

    __slots__ = ("_projects", "config_base", "exclude", "max_size", "source_root")

    def __init__(self, source_root: Path | None = None, exclude: tuple[tuple[str, Path | None], ...] = (),
                 config_base: Path | None = None, max_size: int = MAX_FILE_SIZE) -> None:
        self.source_root: Final = source_root
        self.exclude: Final = exclude
        self.config_base: Final = config_base
        self.max_size: Final = max_size
        self._projects: ProjectPaths | None = None

    def _fields(self) -> tuple[object, ...]:
        return self.source_root, self.exclude, self.config_base, self.max_size

    @property
    def projects(self) -> ProjectPaths:
        """The project paths of this discovery's files (cogcheck.inputs.project), remembered per directory."""
        if self._projects is None:
            self._projects = ProjectPaths(self.config_base)
        return self._projects

    def excluded(self, display: str, path: Path) -> bool:
        """Whether ``path`` (shown as ``display``) matches an exclusion: a glob relative to its base, or to the path
        as written; a glob without ``/`` also matches a file or directory name anywhere (``node_modules``)."""
        if not self.exclude:
            return False
        import fnmatch

        from cogcheck.inputs.globs import path_matches

        for glob, base in self.exclude:
            pattern = glob.removeprefix("./")
            if path_matches(display, pattern, base or Path.cwd()):
                return True
            if "/" not in pattern and fnmatch.fnmatch(path.name, pattern):
                return True
        return False


def discover(
    paths: list[str], source_root: Path | None = None, how: Discovery | None = None
) -> Iterator[TemplateInput | InputError | Notice]:
    """Templates under ``paths`` in a stable order, each once. Missing paths are errors; other files are skipped.

    ``source_root``: where CDK stack frames are made relative (default: the git root above each assembly).
    A path named explicitly that is excluded, is not a template, or is a directory without templates gets a
    :class:`Notice`, so that "0 templates" never goes unexplained.
    """
    how = how or Discovery(source_root=source_root)
    source_root = how.source_root if source_root is None else source_root
    seen: set[Path] = set()
    for arg in paths or ["."]:
        try:
            yield from _discover(arg, seen, source_root, how)
        except Exception as exc:  # never lose the other paths
            yield InputError(arg, None, f"cannot read: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}")


def _discover(
    arg: str, seen: set[Path], source_root: Path | None, how: Discovery
) -> Iterator[TemplateInput | InputError | Notice]:
    path = Path(arg)
    try:
        os.stat(path)
        missing = None
    except OSError as exc:
        missing = exc
    if missing is not None:
        reason = missing.strerror if os.path.islink(path) else None  # e.g. a symlink loop
        yield InputError(arg, None, f"cannot read: {reason}" if reason else "no such file or directory")
    elif how.excluded(os.path.normpath(arg), path):
        yield Notice(arg, None, "excluded by --exclude or the configuration's exclude: not read")
    elif path.is_dir():
        found = False
        for item in _walk(arg, path, seen, source_root, how):
            found = True
            yield item
        if not found:
            yield Notice(arg, None, "nothing to scan found: no CloudFormation template (files ending in "
                         f"{', '.join(TEMPLATE_SUFFIXES)}), cdk.out cloud assembly, or Terraform / OpenTofu "
                         "configuration (.tf, .tf.json, .tofu) or plan JSON with a user pool client")
    elif path.is_file() and _is_terraform_file(path.name):
        yield from _terraform([path.parent], os.path.dirname(os.path.normpath(arg)) or ".", path.parent, how,
                              seen, explicit=True)
    elif path.name == "manifest.json" and _is_assembly(path.parent):
        yield from _assembly(path.parent, os.path.normpath(os.path.dirname(arg) or "."), seen, source_root, how)
    else:
        yield from _file(arg, path, seen, source_root, how)


def _file(
    arg: str, path: Path, seen: set[Path], source_root: Path | None, how: Discovery
) -> Iterator[TemplateInput]:
    """One template named by the user; a stack of a cloud assembly keeps its stack, construct paths and sources."""
    if _is_assembly(path.parent):
        from cogcheck.inputs.cdk.assembly import read_assembly

        key = path.resolve()
        display = os.path.dirname(os.path.normpath(arg)) or "."
        for item in read_assembly(path.parent, display, set(), source_root, how.max_size):
            if isinstance(item, TemplateInput) and item.path.resolve() == key:
                if _first(path, seen):
                    yield item
                return
    if _first(path, seen):
        identity = how.projects.path(path, path.parent)
        yield TemplateInput(os.path.normpath(arg), path, explicit=True, project_path=identity)


def _first(path: Path, seen: set[Path]) -> bool:
    """Whether ``path`` is met for the first time (so a template named twice is scanned once)."""
    try:
        key = path.resolve()
    except (OSError, RuntimeError):
        return True
    if key in seen:
        return False
    seen.add(key)
    return True


def _assembly(
    directory: Path, display: str, seen: set[Path], source_root: Path | None, how: Discovery
) -> Iterator[TemplateInput | InputError | Notice]:
    """The templates a cloud assembly names, unless its manifest was read already (a stage of an outer assembly)."""
    try:
        read = (directory / "manifest.json").resolve() in seen
    except (OSError, RuntimeError):
        read = False
    if not read:
        from cogcheck.inputs.cdk.assembly import read_assembly

        yield from read_assembly(directory, display, seen, source_root, how.max_size)


def _is_assembly(directory: Path) -> bool:
    """:func:`cogcheck.inputs.cdk.assembly.is_assembly`, imported only where a ``manifest.json`` exists."""
    if not os.path.lexists(directory / "manifest.json"):
        return False
    from cogcheck.inputs.cdk.assembly import is_assembly

    return is_assembly(directory)


def _is_terraform_file(name: str) -> bool:
    from cogcheck.inputs.terraform.names import is_tf_file

    return is_tf_file(name)


def _terraform(
    directories: list[Path], display: str, top: Path, how: Discovery, seen: set[Path], explicit: bool = False
) -> Iterator[TemplateInput]:
    """Terraform root modules among ``directories`` (see :mod:`cogcheck.inputs.terraform.discover`)."""
    from cogcheck.inputs.terraform.discover import root_modules

    roots = directories if explicit else root_modules(directories, top)
    for directory in roots:
        if not _first(directory, seen):
            continue
        shown = os.path.normpath(os.path.join(display, os.path.relpath(directory, top)))
        yield TemplateInput(
            shown, directory, explicit=explicit, kind="terraform", root=top.resolve(),
            project_path=how.projects.path(directory / "main.tf", top),
        )


def _walk(
    arg: str, top: Path, seen: set[Path], source_root: Path | None, how: Discovery
) -> Iterator[TemplateInput | InputError | Notice]:
    terraform: list[Path] = []
    yield from _walk_templates(arg, top, seen, source_root, how, terraform)
    if terraform:
        yield from _terraform(terraform, arg, top, how, seen)


def _walk_templates(
    arg: str, top: Path, seen: set[Path], source_root: Path | None, how: Discovery, terraform: list[Path]
) -> Iterator[TemplateInput | InputError | Notice]:
    root = top.resolve()
    unreadable: list[OSError] = []
    for directory, dirnames, filenames in os.walk(top, onerror=unreadable.append, followlinks=False):
        yield from _unreadable(arg, top, unreadable)
        display = os.path.normpath(os.path.join(arg, os.path.relpath(directory, top)))
        if "manifest.json" in filenames and _is_assembly(Path(directory)):
            # the templates it names, with their stacks; the walk goes on for everything else (nothing hides)
            yield from _assembly(Path(directory), display, seen, source_root, how)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and d not in SKIP_DIRS
            and not how.excluded(os.path.join(display, d), Path(directory, d))
        )
        if any(_is_terraform_file(name) for name in filenames):
            terraform.append(Path(directory))
        for name in sorted(filenames):
            if not name.lower().endswith(TEMPLATE_SUFFIXES) or _is_terraform_file(name):
                continue
            path = Path(directory, name)
            shown = os.path.normpath(os.path.join(display, name))
            if how.excluded(shown, path):
                continue  # never read
            if path.is_symlink():
                try:
                    path.resolve(strict=True)
                except (OSError, RuntimeError) as exc:  # a loop or a dangling link: an error, not a silent skip
                    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "symbolic link loop"
                    yield InputError(shown, None, f"cannot read: {reason}")
                    continue
                if not _inside(path, root):
                    continue  # never follow a link out of the tree the user named
            if _first(path, seen):
                yield TemplateInput(shown, path, project_path=how.projects.path(path, top))
    yield from _unreadable(arg, top, unreadable)


def _unreadable(arg: str, top: Path, errors: list[OSError]) -> Iterator[InputError]:
    """A directory the walk could not list is an error, not an empty directory."""
    while errors:
        exc = errors.pop(0)
        where = os.path.normpath(os.path.join(arg, os.path.relpath(exc.filename, top))) if exc.filename else arg
        yield InputError(where, None, f"cannot read directory: {exc.strerror or exc}")
