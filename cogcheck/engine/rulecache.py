"""The shipped rules, parsed and checked once per version of them: start-up does not re-parse 50-odd YAML files.

The cache is a pickle of the loaded rules in the user's cache directory (``$COGCHECK_CACHE_DIR``, else
``$XDG_CACHE_HOME/cogcheck``, else ``~/.cache/cogcheck``; ``COGCHECK_CACHE_DIR=`` turns it off). Its name is a hash of
everything the loaded rules depend on: the rule files' names and bytes, the size and modification time of every
module of the cogcheck package (the schema, predicates and keys that loading checks against), cogcheck's and
Python's versions. Any change gives a new name, so a stale cache is never read.

Only a file the current user owns, that no one else may write, and that is not a symbolic link is read; writing
goes through a private temporary file renamed into place. Any failure (read-only home, a corrupt file) falls back
to parsing the YAML: the cache can make start-up faster, never different.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cogcheck

# The C modules themselves: ``pickle`` and ``hashlib`` cost more to import (about 5 ms) than this cache saves.
try:
    import _pickle as pickle
except ImportError:  # pragma: no cover - another Python implementation
    import pickle  # type: ignore[no-redef]
try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover
    from hashlib import blake2b

PREFIX = "rules-"


def cache_dir() -> Path | None:
    configured = os.environ.get("COGCHECK_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        return Path(base) / "cogcheck" if base else Path.home() / ".cache" / "cogcheck"
    except RuntimeError:  # no home directory
        return None


def cache_key(files: Sequence[Path]) -> str:
    digest = blake2b(f"{cogcheck.__version__}\0{sys.version}\0{PROTOCOL}".encode(), digest_size=20)
    package = Path(cogcheck.__file__).resolve().parent
    for module in sorted(package.rglob("*.py")):
        stat = module.stat()
        digest.update(f"\0{module.relative_to(package)}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    for path in files:
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load(key: str) -> Any | None:
    """What :func:`store` saved under ``key``, or None."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        fd = os.open(directory / f"{PREFIX}{key}.pickle", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            stat = os.fstat(handle.fileno())
            if hasattr(os, "getuid") and (stat.st_uid != os.getuid() or stat.st_mode & 0o022):
                return None
            return pickle.load(handle)  # noqa: S301 - our own file, owned by this user, named by its content
    except Exception:  # a corrupt or foreign file: parse the YAML instead
        return None


def store(key: str, value: Any) -> None:
    directory = cache_dir()
    if directory is None:
        return
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if directory.is_symlink():
            return
        import tempfile

        fd, temporary = tempfile.mkstemp(prefix=".rules-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=PROTOCOL)
            os.replace(temporary, directory / f"{PREFIX}{key}.pickle")
        except BaseException:
            os.unlink(temporary)
            raise
        for old in directory.glob(f"{PREFIX}*.pickle"):
            if old.name != f"{PREFIX}{key}.pickle":
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        return


PROTOCOL = 5
