"""User rule packs: directories of rule files (``DIR/*.yaml``) loaded beside the shipped rules on every run.

A pack is named by the configuration (``rules = ["policies/"]``, relative to the configuration file), by
``cogcheck scan --rules DIR``, by ``COGCHECK_RULES`` for the cfn-lint plugin and by ``CogcheckValidation(rules=...)``
for the CDK plugin. Its rules are written in the language of the shipped ones (CONTRIBUTING.md, docs/custom-rules.md)
and checked by the same code (:func:`cogcheck.engine.rules.parse_rule`), with three differences: the id is the
user's (``ORG-001``; ``COG-`` is cogcheck's), the file is read from YAML on each run (the shipped rules' generated
``rules.compiled`` is never used for a pack), and every problem is reported with its file and line.

Bounded: at most :data:`MAX_PACKS` directories, :data:`MAX_PACK_RULES` rule files in all, each at most
:data:`MAX_RULE_FILE_SIZE` bytes and :data:`MAX_RULE_NODES` values once YAML aliases are followed (docs/limits.md).
Regular files only, inside the pack's directory; hidden files (``.cogcheck.yaml``) are not rule files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cogcheck.engine.rules import PolicyDeclaration, Rule, RuleError, parse_rule

#: Rule pack directories per run (configuration and command line together).
MAX_PACKS = 32
#: Rule files in all the packs of one run.
MAX_PACK_RULES = 500
#: Size of one rule file (the largest shipped rule is about 5 KB).
MAX_RULE_FILE_SIZE = 64 * 1024
#: Values (mappings, lists, scalars) in one rule file once YAML aliases are followed.
MAX_RULE_NODES = 10_000
#: A pack's rule files: ``*.yaml`` and ``*.yml`` (both, so that no rule file is skipped for its spelling).
SUFFIXES = (".yaml", ".yml")

_LEAD = re.compile(r"^[A-Za-z_][\w-]*(?:\[\d+\])*(?:\.[A-Za-z_$@][\w$-]*(?:\[\d+\])*)*")
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_UNKNOWN = re.compile(r"unknown keys \['([^']+)'")
_PATH_IN = re.compile(r"[$@][\w.\[\]*'\"-]*")


class PackError(Exception):
    """Rule packs that cannot be used: every problem, each as ``file:line: ...``."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Pack:
    """A rule pack directory, and how messages name it (as the user wrote it, or relative to the working
    directory)."""

    directory: Path
    shown: str


def pack(directory: Path, base: Path | None = None) -> Pack:
    """The pack ``directory`` names (relative to ``base``, a configuration file's directory, when given)."""
    full = directory if directory.is_absolute() or base is None else base / directory
    try:
        shown = os.path.relpath(full) if not full.is_absolute() or full.resolve().is_relative_to(Path.cwd()) \
            else str(full)
    except (OSError, ValueError, RuntimeError):
        shown = str(full)
    return Pack(full, Path(shown).as_posix())


def rule_files(packs: Sequence[Pack]) -> list[tuple[Pack, Path]]:
    """Every rule file of ``packs`` in order (by name in each); a missing or empty directory is an error."""
    if len(packs) > MAX_PACKS:
        raise PackError([f"{len(packs)} rule packs: at most {MAX_PACKS}"])
    found: list[tuple[Pack, Path]] = []
    problems: list[str] = []
    for one in packs:
        try:
            if not one.directory.is_dir():
                problems.append(f"{one.shown}: rule pack: not a directory")
                continue
            names = sorted(
                entry.name for entry in os.scandir(one.directory)
                if entry.name.lower().endswith(SUFFIXES) and not entry.name.startswith(".")
            )
        except OSError as exc:
            problems.append(f"{one.shown}: rule pack cannot be listed: {exc.strerror or exc}")
            continue
        if not names:
            problems.append(f"{one.shown}: rule pack holds no rule file (*.yaml)")
        found += [(one, one.directory / name) for name in names]
        if len(found) > MAX_PACK_RULES:
            raise PackError([f"{one.shown}: more than {MAX_PACK_RULES} rule files in the rule packs; refusing"])
    if problems:
        raise PackError(problems)
    return found


def load_packs(packs: Sequence[Pack]) -> tuple[Rule, ...]:
    """The rules of ``packs``, sorted by id; :class:`PackError` lists every problem of every file."""
    from cogcheck.engine.rules import load_rules

    load_rules()  # registers the predicates (and the shipped rules are needed anyway)
    from cogcheck.engine.predicates.base import PREDICATES

    seen: dict[Path, Pack] = {}
    for one in packs:  # a directory named twice (configuration and --rules) is one pack
        key = _real(one.directory)
        seen.setdefault(key, one)
    rules: list[Rule] = []
    where: dict[str, tuple[str, int]] = {}
    problems: list[str] = []
    for one, path in rule_files(list(seen.values())):
        shown = f"{one.shown.rstrip('/')}/{path.name}"
        try:
            rule, line = _load_file(one, path, shown, PREDICATES)
        except PackError as exc:
            problems += exc.problems
            continue
        if rule.id in where:
            first = where[rule.id]
            problems.append(f"{shown}:{line}: rule {rule.id} is also defined in {first[0]}:{first[1]}")
            continue
        where[rule.id] = (shown, line)
        rules.append(rule)
    problems += _conflicting_declarations(rules, where)
    if problems:
        raise PackError(problems)
    return tuple(sorted(rules, key=lambda rule: rule.id))


def _real(directory: Path) -> Path:
    try:
        return directory.resolve()
    except (OSError, RuntimeError):
        return directory


def _load_file(one: Pack, path: Path, shown: str, predicates: Any) -> tuple[Rule, int]:
    """One rule file: read safely, parsed with positions, checked; the rule and the line of its id."""
    from cogcheck.cfn.parse import TemplateError, parse_yaml_located
    from cogcheck.inputs.files import ReadError, read_limited

    if not _real(path).is_relative_to(_real(one.directory)):
        raise PackError([f"{shown}: a link out of the rule pack's directory; refusing"])
    try:
        data = read_limited(path, MAX_RULE_FILE_SIZE)
        document, locate = parse_yaml_located(shown, data)
    except ReadError as exc:
        raise PackError([f"{shown}: {exc.message}"]) from None
    except TemplateError as exc:
        raise PackError([f"{shown}:{exc.line or 1}: {exc.message}"]) from None
    if _too_big(document):
        raise PackError([f"{shown}:1: more than {MAX_RULE_NODES:,} values once YAML aliases are followed; refusing"])
    single = isinstance(document, dict) and "checks" not in document
    rule_id = document.get("id") if isinstance(document, dict) else None
    label = f"rule {rule_id}: " if isinstance(rule_id, str) else ""
    try:
        rule = parse_rule(document, shown, predicates, pack=one.shown)
    except RuleError as exc:
        problems = tuple(dict.fromkeys(exc.problems)) or (str(exc),)  # a path in when and message: once
        lines = data.decode("utf-8", "replace").splitlines()
        raise PackError([f"{shown}:{_line(p, locate, single, lines)}: {label}{p}" for p in problems]) from None
    id_line = locate(("id",))[0]
    rule.extra["line"] = id_line
    rule.extra["policy_lines"] = {key: locate(("policy", key))[0] for key, _declaration in rule.policy}
    if path.stem != rule.id:
        raise PackError([f"{shown}:{id_line}: {label}the file name must be the rule id: {rule.id}{path.suffix}"])
    return rule, id_line


def _too_big(document: Any) -> bool:
    """Whether the document holds more than :data:`MAX_RULE_NODES` values (aliases followed; stops early)."""
    count, pending = 0, [document]
    while pending:
        node = pending.pop()
        count += 1
        if count > MAX_RULE_NODES:
            return True
        if isinstance(node, dict):
            pending += node.keys()
            pending += node.values()
        elif isinstance(node, list):
            pending += node
    return False


def _line(
    problem: str, locate: Callable[[tuple[str | int, ...]], tuple[int, int]], single: bool, text: Sequence[str]
) -> int:
    """The line a problem of :func:`parse_rule` is about: the path it starts with (``checks[0].when.all[1].gt``,
    ``policy.max_seconds.default``, ``id``), the first unknown key it names, or the first line at or after that
    holding the JSONPath it is about (``checks[0]: $.policy.x: ...``); 1 when it names nothing."""
    lead = _LEAD.match(problem)
    parts: list[str | int] = []
    if lead is not None:
        for name, index in _PART.findall(lead.group(0)):
            parts.append(int(index) if index else name)
    if single and parts[:2] == ["checks", 0]:
        parts = parts[2:]  # a rule with one check writes when/message at the top
    unknown = _UNKNOWN.search(problem)
    if unknown is not None and problem.find(unknown.group(0)) <= len(lead.group(0) if lead else "") + 2:
        parts.append(unknown.group(1))
    line = locate(tuple(parts))[0] if parts else 1
    after = problem[len(lead.group(0)) if lead else 0:].lstrip(": ")
    path = _PATH_IN.match(after)
    if path is not None:
        found = next((n for n, t in enumerate(text[line - 1:], start=line) if path.group(0) in t), None)
        return found or line
    return line


def _conflicting_declarations(rules: Sequence[Rule], where: dict[str, tuple[str, int]]) -> list[str]:
    """A ``$.policy`` key declared by several rules must have one type and one default: it is one setting."""
    first: dict[str, tuple[Rule, PolicyDeclaration]] = {}
    problems = []
    for rule in rules:
        for key, declaration in rule.policy:
            if key not in first:
                first[key] = (rule, declaration)
                continue
            other, earlier = first[key]
            if (earlier.type, earlier.default) != (declaration.type, declaration.default):
                problems.append(
                    f"{where[rule.id][0]}:{where[rule.id][1]}: rule {rule.id}: policy.{key} is declared as "
                    f"{declaration.type} (default {declaration.default!r}) but {other.id} ({where[other.id][0]}) "
                    f"declares it as {earlier.type} (default {earlier.default!r}): one key, one declaration"
                )
    return problems


def declarations(rules: Sequence[Rule]) -> dict[str, tuple[Rule, PolicyDeclaration]]:
    """Every ``$.policy`` key the rules declare, with the first rule that declares it."""
    found: dict[str, tuple[Rule, PolicyDeclaration]] = {}
    for rule in rules:
        for key, declaration in rule.policy:
            found.setdefault(key, (rule, declaration))
    return found
