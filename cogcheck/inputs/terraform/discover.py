"""Which directories of a walked tree are Terraform root modules worth reading.

Found by content, like templates: a directory with ``.tf`` files is read only when it, or a local module it calls
(inside the tree), mentions ``aws_cognito_user_pool_client``; a directory that another directory of the tree calls
as a local module is read through its caller (with the caller's arguments), not on its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from cogcheck.cfn.parse import mentions
from cogcheck.inputs.files import ReadError, read_limited
from cogcheck.inputs.terraform.hcl import MAX_FILE_BYTES
from cogcheck.inputs.terraform.module import module_files

MARKERS = ("aws_cognito_user_pool_client", "aws_cognito_managed_user_pool_client")
_LOCAL_SOURCE = re.compile(rb"""["']?source["']?\s*[=:]\s*"(\.{1,2}[/\\][^"\n]*)\"""")


def scan_directory(directory: Path) -> tuple[bool, list[Path]]:
    """(mentions a client, the local module directories it calls), from the bytes only."""
    marker = False
    sources: list[Path] = []
    for name in module_files(directory):
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


def root_modules(directories: list[Path]) -> list[Path]:
    """The directories to read as root modules, in the given order."""
    info = {d.resolve(): scan_directory(d) for d in directories}
    called = {source for _marker, sources in info.values() for source in sources if source in info}
    reaches: dict[Path, bool] = {}

    def reach(directory: Path, seen: frozenset[Path]) -> bool:
        if directory in reaches:
            return reaches[directory]
        marker, sources = info.get(directory, (False, []))
        found = marker or any(reach(s, seen | {directory}) for s in sources if s in info and s not in seen)
        reaches[directory] = found
        return found

    roots = [d for d in directories if d.resolve() not in called and reach(d.resolve(), frozenset())]
    covered: set[Path] = set()

    def cover(directory: Path) -> None:
        if directory in covered:
            return
        covered.add(directory)
        for source in info.get(directory, (False, []))[1]:
            if source in info:
                cover(source)

    for root in roots:
        cover(root.resolve())
    # a module only called in a cycle, or by nothing that reaches it: read on its own
    roots += [d for d in directories if d.resolve() not in covered and info[d.resolve()][0]]
    return roots
