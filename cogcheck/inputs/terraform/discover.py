"""Which directories of a walked tree are Terraform root modules worth reading.

Found by content, like templates: a directory with ``.tf`` files is read only when it, or a local module it calls
(inside the tree, hidden directories included), mentions ``aws_cognito_user_pool_client``, or when it calls a local
module that cannot be read (the reader then says why); a directory that another directory of the tree calls as a
local module is read through its caller (with the caller's arguments), not on its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from cogcheck.cfn.parse import mentions
from cogcheck.inputs.files import ReadError, read_limited
from cogcheck.inputs.terraform.hcl import MAX_FILE_BYTES
from cogcheck.inputs.terraform.module import listing

MARKERS = ("aws_cognito_user_pool_client", "aws_cognito_managed_user_pool_client")
_LOCAL_SOURCE = re.compile(rb"""["']?source["']?\s*[=:]\s*"(\.{1,2}[/\\][^"\n]*)\"""")


def scan_directory(directory: Path) -> tuple[bool, list[Path]]:
    """(mentions a client, the local module directories it calls), from the bytes only."""
    marker = False
    sources: list[Path] = []
    try:
        names = listing(directory)
    except OSError:
        return True, []  # let the reader report it
    for name in names:
        try:
            data = read_limited(directory / name, MAX_FILE_BYTES)
        except ReadError:
            marker = True  # let the reader report it
            continue
        marker = marker or any(mentions(data, m) for m in MARKERS)  # widened past escapes: no client hides
        for match in _LOCAL_SOURCE.finditer(data):
            try:
                sources.append((directory / match.group(1).decode("utf-8", "replace")).resolve())
            except (OSError, RuntimeError):
                continue
    return marker, sources


def root_modules(directories: list[Path], top: Path | None = None) -> list[Path]:
    """The directories to read as root modules, in the given order.

    ``directories`` are those the walk found (it skips hidden ones); a local module they call is followed wherever it
    is, hidden directories included: it is scanned here when the walk did not list it, so that a client in
    ``./.mod`` makes its caller a root. A call that leaves ``top`` (or names no directory) makes its caller a root
    too: reading it is what reports that the module cannot be read.
    """
    info = {d.resolve(): scan_directory(d) for d in directories}
    boundary = top.resolve() if top is not None else None
    listed = set(info)

    def known(directory: Path) -> bool:
        """Whether ``directory`` is scanned (scanning it now when it is inside ``top``); False: it cannot be."""
        if directory in info:
            return True
        if boundary is None or not _inside(directory, boundary) or not directory.is_dir():
            return False
        info[directory] = scan_directory(directory)
        return True

    # every module reachable by calls, and who calls whom; then "reaches a client" flows back from the callees
    callers: dict[Path, list[Path]] = {}
    reaching: list[Path] = []
    pending = list(info)
    while pending:
        directory = pending.pop()
        marker, sources = info[directory]
        unreadable = False
        for source in sources:
            new = source not in info
            if not known(source):
                unreadable = True  # the reader reports the module it cannot read
                continue
            callers.setdefault(source, []).append(directory)
            if new:
                pending.append(source)
        if marker or unreadable:
            reaching.append(directory)
    reaches = set(reaching)
    while reaching:
        for caller in callers.get(reaching.pop(), []):
            if caller not in reaches:
                reaches.add(caller)
                reaching.append(caller)

    called = set(callers)
    roots = [d for d in directories if d.resolve() not in called and d.resolve() in reaches]
    covered: set[Path] = set()

    def cover(directory: Path) -> None:
        stack = [directory]
        while stack:
            current = stack.pop()
            if current in covered:
                continue
            covered.add(current)
            stack += [source for source in info.get(current, (False, []))[1] if source in info]

    for root in roots:
        cover(root.resolve())
    # a module only called in a cycle, or by nothing that reaches it: read on its own
    roots += [d for d in directories if d.resolve() not in covered and d.resolve() in listed and info[d.resolve()][0]]
    return roots


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
