"""Inputs: the paths a user gave → the templates to scan: loose files, and CDK cloud assemblies (``cdk.out``).

A directory that holds a cloud assembly (its ``manifest.json``), met as an argument or during a walk, is read by
:mod:`cogcheck.inputs.cdk.assembly` and never walked as loose files, so no template is scanned twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from cogcheck.findings import InputError, Notice
from cogcheck.inputs.cdk.assembly import is_assembly, read_assembly
from cogcheck.inputs.types import ResourceContext, TemplateInput, TemplateLink

__all__ = ["ResourceContext", "TemplateInput", "TemplateLink", "discover"]

TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
SKIP_DIRS = {"node_modules", "__pycache__", "venv", "site-packages"}


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def discover(
    paths: list[str], source_root: Path | None = None
) -> Iterator[TemplateInput | InputError | Notice]:
    """Templates under ``paths`` in a stable order, each once. Missing paths are errors; other files are skipped.

    ``source_root``: where CDK stack frames are made relative (default: the git root above each assembly).
    """
    seen: set[Path] = set()
    for arg in paths or ["."]:
        path = Path(arg)
        if not path.exists():
            yield InputError(arg, None, "no such file or directory")
        elif path.is_dir():
            yield from _walk(arg, path, seen, source_root)
        elif path.name == "manifest.json":
            yield from _assembly(path.parent, os.path.normpath(os.path.dirname(arg) or "."), seen, source_root)
        else:
            yield from _file(arg, path, seen, source_root)


def _file(arg: str, path: Path, seen: set[Path], source_root: Path | None) -> Iterator[TemplateInput]:
    """One template named by the user; a stack of a cloud assembly keeps its stack, construct paths and sources."""
    if is_assembly(path.parent):
        key = path.resolve()
        for item in read_assembly(path.parent, os.path.dirname(os.path.normpath(arg)) or ".", set(), source_root):
            if isinstance(item, TemplateInput) and item.path.resolve() == key:
                if _first(path, seen):
                    yield item
                return
    if _first(path, seen):
        yield TemplateInput(os.path.normpath(arg), path)


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
    directory: Path, display: str, seen: set[Path], source_root: Path | None
) -> Iterator[TemplateInput | InputError | Notice]:
    yield from read_assembly(directory, display, seen, source_root)


def _walk(
    arg: str, top: Path, seen: set[Path], source_root: Path | None
) -> Iterator[TemplateInput | InputError | Notice]:
    root = top.resolve()
    for directory, dirnames, filenames in os.walk(top, followlinks=False):
        display = os.path.normpath(os.path.join(arg, os.path.relpath(directory, top)))
        if "manifest.json" in filenames and is_assembly(Path(directory)):
            dirnames[:] = []  # the assembly knows its templates, stages and nested stacks
            yield from _assembly(Path(directory), display, seen, source_root)
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(filenames):
            if not name.lower().endswith(TEMPLATE_SUFFIXES):
                continue
            path = Path(directory, name)
            if path.is_symlink() and not _inside(path, root):
                continue  # never follow a link out of the tree the user named
            if _first(path, seen):
                yield TemplateInput(os.path.normpath(os.path.join(display, name)), path)
