"""The project a template belongs to, and the template's path inside it: the identity of its findings.

A finding's fingerprint (:attr:`cogcheck.findings.Finding.fingerprint`) must not depend on the working directory or
on how a path was written (``examples/a.json``, ``a.json`` from ``examples/``, ``/abs/examples/a.json``). So each
loose template gets a *project path*: its real path (symbolic links resolved) relative to the *project root*, with
forward slashes. The project root of a file is, in order:

1. the git work tree above it: the nearest directory holding ``.git`` (a directory, or a file for worktrees and
   submodules), found by looking at the file system only, never by running git;
2. else the directory of the configuration file in use (``--config``, or the one found from the scanned path up);
3. else the directory named on the command line (a file's own directory when a file was named), so that scanning
   the same directory from anywhere gives the same identity.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath


def git_root(directory: Path) -> Path | None:
    """The nearest directory at or above ``directory`` (absolute) that holds a ``.git`` entry."""
    for candidate in (directory, *directory.parents):
        try:
            if os.path.lexists(candidate / ".git"):
                return candidate
        except OSError:  # pragma: no cover - an unreadable directory: keep looking up
            continue
    return None


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: the lexical absolute path is the best we know
        return Path(os.path.abspath(path))


def project_root(file: Path, config_base: Path | None = None, fallback: Path | None = None) -> Path:
    """The project root of ``file`` (see the module's documentation)."""
    real = _real(file)
    root = git_root(real.parent)
    if root is not None:
        return root
    for base in (config_base, fallback):
        if base is not None:
            resolved = _real(base)
            if real == resolved or resolved in real.parents:
                return resolved
    return real.parent


def project_path(file: Path, config_base: Path | None = None, fallback: Path | None = None) -> str:
    """``file`` relative to its project root, with forward slashes."""
    real = _real(file)
    root = project_root(file, config_base, fallback)
    try:
        return PurePath(os.path.relpath(real, root)).as_posix()
    except ValueError:  # pragma: no cover - another drive on Windows
        return real.as_posix()
