"""The shipped rules' source data as JSON, generated beside them: start-up does not parse 50-odd YAML files.

``rules/rules.compiled`` is written by ``python scripts/regenerate.py`` (and shipped in the wheel with the rules). It is
data only: the mapping each ``rules/*.yaml`` file holds, which :func:`cogcheck.engine.rules.load_rules` builds into
the same rules as the YAML gives. ``regenerate.py`` writes it only once every rule passes the checks of
:func:`cogcheck.engine.rules.parse_rule` (and ``--check`` checks them again), so start-up does not check each rule
again; a user's rule pack is always read from its YAML and checked. Nothing is unpickled, and nothing is read from
or written to a per-user cache directory: an earlier cogcheck kept a pickle there, which any writer of that
directory (a build step of a pull request on a persistent runner, a relative ``COGCHECK_CACHE_DIR`` inside the
workspace) could turn into code run by later scans, or into rules that check nothing. ``COGCHECK_CACHE_DIR`` is no
longer read.

The file is used only when it is what its header says: the header line holds the content hash (BLAKE2b) of the
rule files it was made from and of the JSON after it; both are checked before use. A rule file edited since (a
source checkout before ``regenerate.py``), a truncated or altered file: the YAML is parsed instead, so the file can
make start-up faster, never different.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:  # the C module itself: ``hashlib`` costs more to import than hashing the rules takes
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b

NAME = "rules.compiled"  # not .json: a directory walk must not take it for a template
FORMAT = 1
#: The generated file is refused beyond this size (the shipped one is about 150 KB).
MAX_SIZE = 4 * 1024 * 1024


def source_digest(files: Sequence[Path]) -> str:
    """The content hash of the rule files: their names and bytes, in the given order."""
    digest = blake2b(f"cogcheck rules {FORMAT}".encode(), digest_size=20)
    for path in files:
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def render(files: Sequence[Path], documents: Sequence[Any]) -> str:
    """The text of ``rules.compiled`` for the rule files and the documents parsed from them (the same order)."""
    entries = [{"file": path.name, "data": data} for path, data in zip(files, documents, strict=True)]
    payload = "[\n" + ",\n".join(  # a line per rule: readable diffs
        json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for entry in entries
    ) + "\n]"
    if json.loads(payload) != entries:
        raise ValueError("a rule file holds a value JSON cannot carry")
    header = {"format": FORMAT, "sources": source_digest(files), "payload": _digest(payload)}
    return json.dumps(header, sort_keys=True) + "\n" + payload + "\n"


def load(directory: Path, files: Sequence[Path]) -> list[Any] | None:
    """The documents of ``files`` from ``directory/rules.compiled``; None unless its hashes match files and itself."""
    try:
        with open(directory / NAME, "rb") as handle:
            raw = handle.read(MAX_SIZE + 1)
        if len(raw) > MAX_SIZE:
            return None
        text = raw.decode("utf-8")
        first, _, payload = text.partition("\n")
        header = json.loads(first)
        payload = payload.removesuffix("\n")
        if (
            not isinstance(header, dict)
            or header.get("format") != FORMAT
            or header.get("payload") != _digest(payload)
            or header.get("sources") != source_digest(files)
        ):
            return None
        entries = json.loads(payload)
    except (OSError, ValueError):  # absent, unreadable, not UTF-8 or not JSON: parse the YAML
        return None
    names = [path.name for path in files]
    if not isinstance(entries, list) or [e.get("file") if isinstance(e, dict) else None for e in entries] != names:
        return None
    return [entry.get("data") for entry in entries]


def _digest(text: str) -> str:
    return blake2b(text.encode("utf-8"), digest_size=20).hexdigest()
