"""Input text made harmless for the channels that print it: text, GitHub workflow commands, Markdown and stderr.

Templates, file names, logical ids, construct paths, stack names and parameter values are written by whoever wrote
the pull request. Printed raw, they could add lines, colour or hide output with escape sequences, reorder it with
bidirectional overrides, or issue commands to the CI runner (``::add-mask::``, ``::error::`` at the start of a line,
``##[`` anywhere in a line). Each channel's text goes through one function here; JSON and SARIF stay exact, as their
format escapes them.

* :func:`text` — one line: line breaks, C0/C1 control characters (ANSI CSI/OSC start with ESC or C1), DEL, line and
  paragraph separators, bidirectional and zero-width format characters become visible escapes (``\\n``, ``\\x1b``,
  ``\\u202e``); ``##[`` becomes ``##\\[``; a value starting with ``::`` gets ``./`` before it (a path stays the same
  path). Used for text reports, stderr and GitHub's plain log lines.
* :func:`result` — a copy of a scan result whose every input-derived string went through :func:`text`: what the text,
  GitHub and Markdown renderers print (they add their own escaping for their syntax on top).
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

from cogcheck.findings import Finding, Notice
from cogcheck.scan.result import ScanResult

T = TypeVar("T")

#: What never reaches a text channel raw: C0 controls (tab included), DEL, C1 controls, line/paragraph separators,
#: bidirectional embeddings, overrides and isolates, zero-width and directional marks, the BOM / zero-width no-break.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(value: str) -> str:
    """One harmless line (see the module's docstring)."""
    value = _UNSAFE.sub(_visible, value)
    value = value.replace("##[", "##\\[")
    if value.lstrip().startswith("::"):
        value = "./" + value
    return value


def optional(value: str | None) -> str | None:
    return text(value) if value is not None else None


def _deep(value: Any) -> Any:
    if isinstance(value, str):
        return text(value)
    if isinstance(value, list):
        return [_deep(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_deep(item) for item in value)
    if isinstance(value, dict):
        return {_deep(key): _deep(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _deep(getattr(value, f.name)) for f in fields(value) if f.init})
    return value


def finding(item: Finding) -> Finding:
    return _deep(item)  # type: ignore[no-any-return]


def result(scan: ScanResult) -> ScanResult:
    """``scan`` with every string of its findings, errors, notices and suppressions neutralised by :func:`text`."""
    return replace(
        scan,
        findings=[finding(f) for f in scan.findings],
        errors=[replace(e, file=text(e.file), message=text(e.message)) for e in scan.errors],
        notices=[Notice(text(n.file), optional(n.resource), text(n.message)) for n in scan.notices],
        suppressed=[(finding(f), _deep(s)) for f, s in scan.suppressed],
        baselined=[finding(f) for f in scan.baselined],
        config=optional(scan.config),
    )



