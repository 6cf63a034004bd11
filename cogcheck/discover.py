"""Inputs: the paths a user gave → the templates to scan (loose files now; CDK assemblies plug in here)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cogcheck.findings import InputError, Source

TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
SKIP_DIRS = {"node_modules", "__pycache__", "venv", "site-packages"}


class ResourceContext(Protocol):
    """What an input knows about its resources beyond the template (a CDK assembly's metadata)."""

    def describe(self, logical_id: str, property_path: str) -> tuple[str | None, Source | None]:
        """(construct path, the user's source line that created or set it), either may be None."""
        ...


@dataclass
class TemplateInput:
    """One template to scan and what is known about where it came from."""

    file: str  # as shown to the user: relative stays relative
    path: Path  # where to read it
    stack: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    context: ResourceContext | None = None  # assembly metadata, when the template is a CDK stack


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def discover(paths: list[str]) -> Iterator[TemplateInput | InputError]:
    """Templates under ``paths`` in a stable order. Missing paths are errors; other files are skipped silently."""
    for arg in paths or ["."]:
        path = Path(arg)
        if not path.exists():
            yield InputError(arg, None, "no such file or directory")
        elif path.is_dir():
            yield from _walk(arg, path)
        else:
            yield TemplateInput(os.path.normpath(arg), path)


def _walk(arg: str, top: Path) -> Iterator[TemplateInput | InputError]:
    root = top.resolve()
    for directory, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(filenames):
            if not name.lower().endswith(TEMPLATE_SUFFIXES):
                continue
            path = Path(directory, name)
            if path.is_symlink() and not _inside(path, root):
                continue  # never follow a link out of the tree the user named
            yield TemplateInput(os.path.normpath(os.path.join(arg, os.path.relpath(path, top))), path)
