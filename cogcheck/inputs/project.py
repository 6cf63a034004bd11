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


class ProjectPaths:
    """Project paths of many files, with the answers per directory remembered (one per discovery: the file system
    is looked at once per directory, not once per file and parent)."""

    def __init__(self, config_base: Path | None = None) -> None:
        self.config_base = str(_real(config_base)) if config_base is not None else None
        self._real_dirs: dict[str, str] = {}
        self._git: dict[str, str | None] = {}

    def real(self, file: Path) -> str:
        """The real path of ``file`` (symbolic links resolved, ``..`` as the file system reads it)."""
        if os.path.islink(file):
            return str(_real(file))
        directory, name = os.path.split(os.path.join(os.getcwd(), os.fspath(file)))
        real_dir = self._real_dirs.get(directory)
        if real_dir is None:
            real_dir = self._real_dirs[directory] = str(_real(Path(directory)))
        return os.path.join(real_dir, name)

    def git_root(self, directory: str) -> str | None:
        """The nearest directory at or above ``directory`` (real, absolute) that holds a ``.git`` entry."""
        chain: list[str] = []
        current, root = directory, None
        while True:
            if current in self._git:
                root = self._git[current]
                break
            chain.append(current)
            if os.path.lexists(os.path.join(current, ".git")):
                root = current
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        for visited in chain:
            self._git[visited] = root
        return root

    def root(self, file: Path, fallback: Path | None = None) -> str:
        real = self.real(file)
        root = self.git_root(os.path.dirname(real))
        if root is not None:
            return root
        for base in (self.config_base, str(_real(fallback)) if fallback is not None else None):
            if base is not None and (real == base or real.startswith(base.rstrip(os.sep) + os.sep)):
                return base
        return os.path.dirname(real)

    def path(self, file: Path, fallback: Path | None = None) -> str:
        """``file`` relative to its project root, with forward slashes."""
        real = self.real(file)
        try:
            return PurePath(os.path.relpath(real, self.root(file, fallback))).as_posix()
        except ValueError:  # pragma: no cover - another drive on Windows
            return PurePath(real).as_posix()


def git_root(directory: Path) -> Path | None:
    """The nearest directory at or above ``directory`` that holds a ``.git`` entry (a directory, or a file for
    worktrees and submodules): the one search for a git root, used by project paths, CDK source lines and reports."""
    found = ProjectPaths().git_root(os.path.abspath(directory))
    return Path(found) if found is not None else None


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: the lexical absolute path is the best we know
        return Path(os.path.abspath(path))


def project_path(file: Path, config_base: Path | None = None, fallback: Path | None = None) -> str:
    """``file`` relative to its project root, with forward slashes."""
    return ProjectPaths(config_base).path(file, fallback)
