"""Path globs written relative to a base directory (per-path ignores, exclusions)."""

from __future__ import annotations

import contextlib
import fnmatch
from pathlib import Path, PurePosixPath


def path_matches(file: str, pattern: str, base: Path) -> bool:
    """Whether ``file`` (as reported) matches a per-path glob, written relative to the config's directory."""
    candidates = {PurePosixPath(file).as_posix()}
    with contextlib.suppress(ValueError):
        candidates.add(Path(file).resolve().relative_to(base.resolve()).as_posix())
    return any(
        fnmatch.fnmatch(candidate, pattern) or fnmatch.fnmatch(candidate, pattern.rstrip("/") + "/*")
        for candidate in candidates
    )
