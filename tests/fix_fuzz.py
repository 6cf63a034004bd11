"""Mutations of templates and Terraform files, and the check of one ``cogcheck scan --fix --unsafe-fixes`` run
through the CLI (tests/test_fix_fuzz.py, bench-free).

A mutation is data, ``(kind, a, b)`` with two integers choosing where and what, so Hypothesis can draw and shrink it;
:func:`mutate` applies it to a text (a mutation that does not apply leaves the text as it is). The check,
:func:`check_cli_fix`, runs the CLI on copies and asserts what issue 23 asks of every fix: the run never crashes
(exit 0, 1 or 2, no traceback), the fixed file parses, it differs from the original only by the fixes' own splices
(each pass's edits, spliced here independently of :mod:`cogcheck.fix.apply`, give the next text, and the bytes
written are that text), inserted comments survive unless an edit removed the text holding them, a re-scan reports
no fixed finding and nothing new (beyond a less severe finding a fix let appear, see docs/fixes.md) and no new error,
and a second ``--fix`` changes nothing.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cogcheck.findings import SEVERITY_RANK, Edit

Mutation = tuple[str, int, int]
MARK = "fuzz-note-"

# ------------------------------------------------------------------------------------------------------ mutations

_UNITS = ["seconds", "minutes", "hours", "days", "Minutes", "HOURS", "minute", "day", "secs", "Days "]
_FLOWS = ["code", "implicit", "client_credentials", "Code", "implict", "client_credential", "token", "cod",
          "authorization_code", "IMPLICIT"]
_AUTH = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUT",
         "allow_refresh_token_auth", "USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "ALLOW_CUSTOM_AUTH",
         "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH"]
_SCHEMES = ["http://", "https://", "HTTPS://", "ftp://", "myapp://", "http:/", "https://localhost/"]
_PEUE = ["ENABLED", "LEGACY", "Enabled", "ENABLE", "legacy"]
_BOOLEANS = ["true", "false", "True", "FALSE", "'true'", "yes", "1"]
_NAMES = {  # CloudFormation and Terraform names, and near misses of them
    "LogoutURLs": ["LogoutUrls", "LogoutURL", "logoutURLs"],
    "CallbackURLs": ["CallbackUrls", "CallBackURLs", "CallbackURL"],
    "ExplicitAuthFlows": ["ExplicitAuthFlow", "ExplictAuthFlows"],
    "AllowedOAuthFlows": ["AllowedOauthFlows", "AllowedOAuthFlow"],
    "TokenValidityUnits": ["TokenValidityUnit", "TokenValiditiyUnits"],
    "AccessToken": ["Accesstoken", "AccessTokens", "IdToken", "RefreshToken"],
    "EnableTokenRevocation": ["EnableTokenRevokation"],
    "logout_urls": ["logout_url"],
    "callback_urls": ["callback_url"],
    "access_token": ["id_token", "refresh_token", "access_tokens"],
    "explicit_auth_flows": ["explicit_auth_flow"],
}
_WORDS: dict[str, tuple[re.Pattern[str], list[str]]] = {
    "unit": (re.compile(r"\b(?:seconds|minutes|hours|days)\b", re.IGNORECASE), _UNITS),
    "flow": (re.compile(r"\b(?:code|implicit|client_credentials)\b"), _FLOWS),
    "auth": (re.compile(r"\b(?:ALLOW|ADMIN|USER|CUSTOM)_[A-Z_]+\b"), _AUTH),
    "scheme": (re.compile(r"\b[a-z]+://", re.IGNORECASE), _SCHEMES),
    "peue": (re.compile(r"\b(?:ENABLED|LEGACY)\b"), _PEUE),
    "boolean": (re.compile(r"\b(?:true|false)\b", re.IGNORECASE), _BOOLEANS),
    "name": (re.compile(r"\b(?:" + "|".join(_NAMES) + r")\b"), []),
}
#: what a mutation may be: a word swapped, a line changed, the file's layout changed
KINDS = [*_WORDS, "comment", "trailing-comment", "duplicate-line", "swap-lines", "delete-line", "indent", "crlf",
         "bom", "restyle", "reorder"]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _swap_word(text: str, kind: str, a: int, b: int) -> str:
    pattern, choices = _WORDS[kind]
    found = list(pattern.finditer(text))
    if not found:
        return text
    match = found[a % len(found)]
    options = _NAMES.get(match.group(0), []) + list(_NAMES) if kind == "name" else choices
    new = options[b % len(options)]
    return text[:match.start()] + new + text[match.end():]


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _comment(text: str, a: int, b: int, syntax: str) -> str:
    """A full-line comment before line ``a``, indented as that line (or as the line after)."""
    lines = _lines(text)
    if not lines or syntax == "json":
        return text
    at = a % (len(lines) + 1)
    near = lines[at] if at < len(lines) else lines[-1]
    leader = "//" if syntax == "hcl" and b % 3 == 0 else "#"
    newline = "\r\n" if near.endswith("\r\n") else "\n"
    lines.insert(at, f"{_indent_of(near)}{leader} {MARK}{a % 997}-{b % 89}{newline}")
    return "".join(lines)


def _trailing_comment(text: str, a: int, b: int, syntax: str) -> str:
    """`` # note`` at the end of line ``a`` (in YAML only after a plain scalar, a closing bracket or a colon)."""
    lines = _lines(text)
    if not lines or syntax == "json":
        return text
    at = a % len(lines)
    body = lines[at].rstrip("\r\n")
    if not body.strip() or "#" in body or (syntax == "yaml" and body.rstrip()[-1] in "|>'\"\\"):
        return text
    leader = "//" if syntax == "hcl" and b % 2 else "#"
    lines[at] = f"{body} {leader} {MARK}{a % 997}-{b % 89}{lines[at][len(body):]}"
    return "".join(lines)


def _line_edit(text: str, kind: str, a: int) -> str:
    lines = _lines(text)
    if len(lines) < 2:
        return text
    at = a % len(lines)
    if kind == "duplicate-line":
        lines.insert(at, lines[at])
    elif kind == "delete-line":
        del lines[at]
    else:  # swap a line with the next one at the same indentation: two keys or items change places
        nxt = at + 1
        if nxt >= len(lines) or _indent_of(lines[at]) != _indent_of(lines[nxt]):
            return text
        ending_a, ending_b = lines[at][len(lines[at].rstrip("\r\n")):], lines[nxt][len(lines[nxt].rstrip("\r\n")):]
        lines[at], lines[nxt] = lines[nxt].rstrip("\r\n") + ending_a, lines[at].rstrip("\r\n") + ending_b
    return "".join(lines)


def _indent(text: str, a: int, syntax: str) -> str:
    """Every line's indentation doubled, or made tabs (HCL and JSON only: indentation means nothing there)."""
    if syntax == "yaml":
        return text
    unit = ["\t", "    ", " ", ""][a % 4]
    return "".join(
        (unit * ((len(_indent_of(line)) + 1) // 2) if unit else "") + line.lstrip(" \t") if line.strip() else line
        for line in _lines(text)
    )


def _reordered(value: Any, seed: int) -> Any:
    """Every mapping's keys rotated by ``seed`` (a different, still readable order)."""
    if isinstance(value, dict):
        keys = list(value)
        if keys:
            shift = seed % len(keys)
            keys = keys[shift:] + keys[:shift]
        return {key: _reordered(value[key], seed // 3 + 1) for key in keys}
    if isinstance(value, list):
        return [_reordered(item, seed) for item in value]
    return value


def _restyle(text: str, a: int, b: int, syntax: str, reorder: bool) -> tuple[str, str]:
    """The template written again (YAML block, flow or mixed style, JSON with any indentation), keys reordered when
    asked; (text, syntax). HCL is left as it is."""
    if syntax == "hcl":
        return text, syntax
    try:
        doc = json.loads(text) if syntax == "json" else yaml.load(text, Loader=_TagLoader)
    except (ValueError, yaml.YAMLError):
        return text, syntax
    if not isinstance(doc, dict):
        return text, syntax
    if reorder:
        doc = _reordered(doc, b)
    if a % 2:
        indent = [None, 1, 2, 4, "\t"][b % 5]
        return json.dumps(doc, indent=indent, separators=(",", ":") if b % 7 == 0 else None, default=str) + "\n", "json"
    style = [False, True, None][b % 3]
    try:
        dumped = yaml.dump(doc, Dumper=_TagDumper, default_flow_style=style, indent=[2, 4, 3][a % 3 // 1 % 3],
                           sort_keys=False, width=[80, 10**6][b % 2], allow_unicode=True)
    except yaml.YAMLError:
        return text, syntax
    return dumped, "yaml"


class _TagLoader(yaml.SafeLoader):
    """Short-form intrinsics (``!Ref X``) read as their long form (``{Ref: X}``), as cogcheck reads them."""


class _TagDumper(yaml.SafeDumper):
    pass


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {f"Fn::{suffix}" if suffix not in ("Ref", "Condition") else suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {f"Fn::{suffix}": loader.construct_sequence(node, deep=True)}
    return {f"Fn::{suffix}": loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


_TagLoader.add_multi_constructor("!", _construct_tag)


def syntax_of(path: Path) -> str:
    if path.name.endswith((".tf", ".tofu")):
        return "hcl"
    return "json" if path.suffix == ".json" else "yaml"


def mutate(text: str, syntax: str, mutations: list[Mutation]) -> tuple[str, str]:
    """``text`` (``syntax`` ``yaml``, ``json`` or ``hcl``) with ``mutations`` applied in order; (text, syntax: a
    restyle may turn YAML into JSON)."""
    for kind, a, b in mutations:
        if kind in _WORDS:
            text = _swap_word(text, kind, a, b)
        elif kind == "comment":
            text = _comment(text, a, b, syntax)
        elif kind == "trailing-comment":
            text = _trailing_comment(text, a, b, syntax)
        elif kind in ("duplicate-line", "swap-lines", "delete-line"):
            text = _line_edit(text, kind, a)
        elif kind == "indent":
            text = _indent(text, a, syntax)
        elif kind == "crlf":
            text = text.replace("\r\n", "\n").replace("\n", "\r\n") if a % 2 == 0 else text.replace("\r\n", "\n")
        elif kind == "bom":
            text = text if text.startswith("\ufeff") else "\ufeff" + text
        elif kind in ("restyle", "reorder"):
            text, syntax = _restyle(text.lstrip("\ufeff"), a, b, syntax, kind == "reorder")
    return text, syntax


# ---------------------------------------------------------------------------------------------------------- check


@dataclass
class Run:
    """What one checked run saw."""

    exit_codes: list[int] = field(default_factory=list)
    changed: int = 0  # files the fix changed
    fixed: int = 0  # findings a re-scan no longer reports
    rolled_back: int = 0
    newcomers: Counter[str] = field(default_factory=Counter)


def _identity(finding: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """A finding as the re-scan is compared by (as cogcheck.scan.fixing compares: list indexes left out)."""
    index = re.compile(r"\[\d+\]")
    return (finding["rule_id"], finding["resource"], index.sub("[]", finding["property"] or ""),
            json.dumps(finding["scenario"], sort_keys=True), index.sub("[]", finding["message"]))


def invoke_cli(args: list[str]) -> tuple[int, dict[str, Any] | None, str]:
    """``cogcheck scan --isolated ARGS`` through the console script's entry (:func:`cogcheck.cli.main`), in this
    process: (exit code, the JSON report when asked for, stderr). The entry turns an unforeseen exception into
    ``cogcheck: error: internal error: TYPE...`` and exit 2 (an input's errors too: ``FILE: internal error...``), so
    ``internal error`` is refused here as a traceback is."""
    import io
    import sys
    from contextlib import redirect_stderr, redirect_stdout

    from cogcheck.cli import main

    stdout, stderr, argv = io.StringIO(), io.StringIO(), sys.argv
    sys.argv = ["cogcheck", "scan", "--isolated", *args]
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    finally:
        sys.argv = argv
    out, err = stdout.getvalue(), stderr.getvalue()
    assert "Traceback" not in out + err and "internal error" not in out + err, (args, err)
    assert code in (0, 1, 2), (args, code, err)
    document = json.loads(out) if "--format" in args and out.strip() else None
    return code, document, err


def _offset(text: str, starts: list[int], line: int, column: int) -> int:
    offset = starts[line - 1] + column - 1
    assert starts[line - 1] <= offset <= len(text), (line, column)
    return offset


def splice(text: str, edits: list[Edit]) -> tuple[str, list[str]]:
    """``text`` with ``edits`` (1-based lines and code-point columns of ``text``) applied, written independently of
    cogcheck.fix.apply; (new text, the texts removed)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    ranges = sorted((_offset(text, starts, e.start_line, e.start_column), _offset(text, starts, e.end_line,
                                                                                   e.end_column), e.text)
                    for e in edits)
    for (_s1, e1, _t1), (s2, _e2, _t2) in itertools.pairwise(ranges):
        assert e1 <= s2, f"edits applied together overlap: {ranges}"
    removed = [text[start:end] for start, end, _new in ranges]
    for start, end, new in reversed(ranges):
        text = text[:start] + new + text[end:]
    return text, removed


@contextmanager
def recorded_passes() -> Iterator[list[tuple[str, str, list[Edit]]]]:
    """Every splice ``--fix`` makes, as (text before, text after, edits), recorded around the real function."""
    import cogcheck.scan.fixing as fixing

    real: Callable[..., Any] = getattr(fixing, "apply_fixes")  # noqa: B009 - the name the module calls
    calls: list[tuple[str, str, list[Edit]]] = []

    def recording(text: str, fixes: Any) -> Any:
        new, applied, left = real(text, fixes)
        calls.append((text, new, [edit for fix in applied for edit in fix.edits]))
        return new, applied, left

    setattr(fixing, "apply_fixes", recording)  # noqa: B010
    try:
        yield calls
    finally:
        setattr(fixing, "apply_fixes", real)  # noqa: B010


def _path_of_passes(before: str, after: str, calls: list[tuple[str, str, list[Edit]]]
                    ) -> list[tuple[str, str, list[Edit]]]:
    """The recorded splices leading from ``before`` to ``after`` (breadth first): (text, next text, edits)."""
    edges: dict[str, list[tuple[str, list[Edit]]]] = {}
    for old, new, edits in calls:
        if new != old:
            edges.setdefault(old, []).append((new, edits))
    came: dict[str, tuple[str, list[Edit]]] = {}
    frontier, seen = [before], {before}
    while frontier and after not in seen:
        following = []
        for text in frontier:
            for new, edits in edges.get(text, []):
                if new not in seen:
                    seen.add(new)
                    came[new] = (text, edits)
                    following.append(new)
        frontier = following
    assert after in seen, "the fixed file is not the original with the fixes' splices applied"
    chain: list[tuple[str, str, list[Edit]]] = []
    text = after
    while text != before:
        previous, edits = came[text]
        chain.append((previous, text, edits))
        text = previous
    return chain[::-1]


def _parses(path: Path, data: bytes) -> None:
    if syntax_of(path) == "hcl" or path.name.endswith(".tf.json"):
        from cogcheck.inputs.terraform.hcl import parse_file

        parse_file(str(path), data)
    else:
        from cogcheck.cfn.parse import parse_template

        parse_template(str(path), data, suffix=path.suffix)


def check_cli_fix(files: list[Path], targets: list[Path], unsafe: bool = True) -> Run:
    """``cogcheck scan --fix`` over ``targets`` (copies: they are written; directories for Terraform modules), with
    ``files`` the files it may edit, checked as this module's documentation says."""
    run = Run()
    named = [str(t) for t in targets]
    flags = ["--fix", "--unsafe-fixes"] if unsafe else ["--fix"]
    code, before, _ = invoke_cli([*named, "--format", "json"])
    assert before is not None
    run.exit_codes.append(code)
    originals = {path: path.read_bytes() for path in files}
    with recorded_passes() as calls:
        code, _, stderr = invoke_cli([*named, *flags, "--format", "json"])
    run.exit_codes.append(code)
    run.rolled_back = stderr.count("rolled back")
    for path in files:
        data = path.read_bytes()
        if data == originals[path]:
            continue
        run.changed += 1
        bom = originals[path].startswith(b"\xef\xbb\xbf")
        assert data.startswith(b"\xef\xbb\xbf") == bom, f"{path.name}: the byte order mark changed"
        old, new = (raw.decode("utf-8").removeprefix("\ufeff") for raw in (originals[path], data))
        removed: list[str] = []
        for text, following, edits in _path_of_passes(old, new, calls):
            spliced, cut = splice(text, edits)
            assert spliced == following, f"{path.name}: a pass changed more than its edits"
            removed += cut
        _parses(path, data)
        lost = [mark for mark in re.findall(MARK + r"[\d-]+", old) if mark not in new
                and not any(mark in text for text in removed)]
        assert not lost, f"{path.name}: comments lost: {lost}"
    code, after, _ = invoke_cli([*named, "--format", "json"])
    assert after is not None
    run.exit_codes.append(code)
    old_errors = Counter(e["message"] for e in before["errors"])
    new_errors = [e["message"] for e in after["errors"] if not old_errors[e["message"]]]
    assert not new_errors, f"the fix brought errors: {new_errors}"
    old_ids = Counter(map(_identity, before["findings"]))
    new_ids = Counter(map(_identity, after["findings"]))
    eligible = [f for f in before["findings"] if f.get("fix") and (unsafe or f["fix"]["applicability"] == "safe")]
    gone = [f for f in before["findings"] if new_ids[_identity(f)] < old_ids[_identity(f)]]
    run.fixed = len(gone)
    for key in new_ids - old_ids:  # only a finding less severe than one fixed on the same client may appear
        severity: str = next(f["severity"] for f in after["findings"] if _identity(f) == key)
        assert any(g["resource"] == key[1] and SEVERITY_RANK[g["severity"]] > SEVERITY_RANK[severity] for g in gone), \
            f"a re-scan reports a new finding: {key}"
        run.newcomers[key[0]] += 1
    rolled = [line for line in stderr.splitlines() if "rolled back" in line]
    for finding in eligible:  # a fix offered is applied (its finding gone), rolled back and said so, or declined
        key = _identity(finding)  # once another fix changed the text around it (a re-scan says why)
        if new_ids[key] >= old_ids[key]:
            still = [f for f in after["findings"] if _identity(f) == key]
            assert any(f" {finding['rule_id']} " in line for line in rolled) or not any(
                f.get("fix") and (unsafe or f["fix"]["applicability"] == "safe") for f in still), \
                f"{key} was neither fixed nor rolled back: {stderr}"
    fixed_files = {p: p.read_bytes() for p in files}
    code, _, _ = invoke_cli([*named, *flags])
    run.exit_codes.append(code)
    again = [p.name for p in files if p.read_bytes() != fixed_files[p]]
    assert not again, f"a second --fix changed {again}"
    return run
