"""Files, safely: reading an input (regular files only, never more than a size limit) and writing an output
(never through a symbolic link, never over an input, atomically).

Every input file (templates, cloud assembly manifests, metadata and asset manifests) and every option file
(configuration, ``--parameters-file``, ``--baseline``) is read through :func:`read_limited`. A FIFO, a device
(``/dev/zero``, also through a symbolic link), a socket or a directory is refused before a byte is read, and so is a
file larger than the limit — checked on the open file, and again while reading (a file that grows is cut off).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TextIO

#: Default largest input file, in bytes (``--max-file-size``): far above the 1 MB CloudFormation accepts from S3.
MAX_FILE_SIZE = 32 * 1024 * 1024
#: Largest option file (configuration, parameters, baseline), in bytes.
MAX_OPTION_FILE_SIZE = 8 * 1024 * 1024


class ReadError(Exception):
    """A file that cannot be read; ``message`` is one line without the file name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def describe_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def read_limited(path: Path | str, limit: int = MAX_FILE_SIZE) -> bytes:
    """The bytes of the regular file ``path``; :class:`ReadError` for anything else or anything over ``limit``."""
    try:
        before = os.stat(path)
    except (OSError, ValueError) as exc:
        raise ReadError(f"cannot read: {_reason(exc)}") from None
    if not stat.S_ISREG(before.st_mode):
        raise ReadError(f"not a regular file ({_kind(before.st_mode)}); not read")
    if before.st_size > limit:
        raise ReadError(f"larger than {describe_size(limit)} ({describe_size(before.st_size)}); not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ReadError(f"cannot read: {_reason(exc)}") from None
    try:
        info = os.fstat(fd)  # what was opened, not what was looked at (a swapped link)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(f"not a regular file ({_kind(info.st_mode)}); not read")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ReadError(f"larger than {describe_size(limit)}; not read")
        return b"".join(chunks)
    except OSError as exc:
        raise ReadError(f"cannot read: {_reason(exc)}") from None
    finally:
        os.close(fd)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def write_safely(path: Path | str, content: str | Callable[[TextIO], None], inputs: Collection[str] = ()) -> None:
    """Write ``content`` (a text, or a function writing to a stream) to ``path`` atomically: a temporary file in
    the same directory, then :func:`os.replace`.

    :class:`ReadError` (a one-line reason) when ``path`` is a symbolic link (never written through, nor replaced),
    when a directory on its way is a symbolic link inside the working directory that leads out of it (see
    :func:`escaping_link`), when it is not a regular file, or is one of ``inputs`` (real paths of the files scanned).
    """
    path = Path(path)
    if os.path.islink(path):
        raise ReadError("is a symbolic link; not written through")
    link = escaping_link(path.parent)
    if link is not None:
        raise ReadError(
            f"its directory {link} is a symbolic link leading out of the working directory; not written through"
        )
    if os.path.exists(path) and not os.path.isfile(path):
        raise ReadError("exists and is not a regular file; not written")
    if os.path.realpath(path) in inputs:
        raise ReadError("is one of the scanned inputs; not overwritten")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        import tempfile  # only to write (tempfile brings shutil, bz2, lzma, random: about 2 ms a scan need not pay)

        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ReadError(f"cannot write: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            if isinstance(content, str):
                out.write(content)
            else:
                content(out)
            out.flush()
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(temporary, 0o666 & ~mask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ReadError(f"cannot write: {_reason(exc)}") from None


def escaping_link(directory: Path | str, workspace: Path | str | None = None) -> str | None:
    """The first directory on the way to ``directory`` that is a symbolic link inside ``workspace`` (the working
    directory) and leads out of it, as written; None when there is none.

    The components are followed one by one as the system would (``..`` after a link goes up from where the link
    leads). A checkout is what a pull request controls: a link it commits (``reports -> /home/runner/.ssh``) must not
    aim an output outside it. Links outside the working directory (macOS's ``/tmp`` → ``/private/tmp``, a runner's
    temporary directory) are the machine's and are followed; so are links that stay inside it.
    """
    root = os.path.realpath(workspace if workspace is not None else os.getcwd())
    given = os.fspath(directory) or "."
    current = os.path.realpath(os.sep) if os.path.isabs(given) else root
    written = ""
    for part in Path(given).parts:
        if part == os.sep or (os.path.isabs(part) and not written):
            current, written = os.path.realpath(part), part
            continue
        written = os.path.join(written, part) if written else part
        if part == ".":
            continue
        if part == "..":
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, part)
        if os.path.islink(candidate):
            target = os.path.realpath(candidate)
            if _inside(current, root) and not _inside(target, root):
                return written
            current = target
        else:
            current = candidate
    return None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
