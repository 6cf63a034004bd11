"""``cogcheck test-rules DIR``: a rule pack's rules against their annotated fixtures and their docs examples.

Fixtures are the templates under ``DIR/fixtures/`` (``.yaml``, ``.yml``, ``.json``, ``.template``; any depth), written
as the shipped rules' fixtures are (``tests/fixtures/rules/<ID>/``):

* ``# ruleid: ID`` (or ``ID, ID2``) expects a finding of that rule on the next line that is neither blank nor a
  comment; ``# ok: ID`` marks a case that must not fire and adds the rule to those checked in the file.
* The rules checked in a file are the ones it annotates, and the rule its directory is named after
  (``fixtures/ORG-001/pass_x.yaml``), or, in a file outside such a directory, every rule of the pack. For each, the
  lines it is reported at must be exactly the annotated lines. A finding at error level of a rule the file does not
  annotate fails too (a fixture should deploy but for what it shows), and so does an input error.
* Settings a fixture needs, in comments: ``# cogcheck scan --production`` / ``--production-stacks GLOB``,
  ``# settings: {"placeholder_hosts": [...]}`` (fields of :class:`cogcheck.model.policy.Policy`),
  ``# policy: {"max_access_token_seconds": 900}`` (the ``$.policy`` keys the pack declares; otherwise each takes its
  declared default) and ``# previous: {Resources: ...}`` (the previous version, one line of YAML).

Each rule's ``docs.example`` must fire it and ``docs.use_instead`` must not (with the same comment settings), and
every rule needs a fixture that expects it. Nothing is read from a configuration file: a pack's test gives the same
answer in every project. The shipped rules pass it too: ``cogcheck test-rules rules --fixtures tests/fixtures/rules``
in a source checkout.
"""

from __future__ import annotations

import json
import re
import shlex
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cogcheck.model.policy import Policy, check_rule_setting
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan

if TYPE_CHECKING:
    from cogcheck.engine.rules import Rule

#: Fixture files read per run.
MAX_FIXTURES = 5_000
FIXTURE_SUFFIXES = (".yaml", ".yml", ".json", ".template")

_ANNOTATION = re.compile(r"#\s*(ruleid|ok)\s*:\s*([A-Za-z0-9, -]+)")
_COMMAND = re.compile(r"^\s*#\s*cogcheck scan (.*)$", re.MULTILINE)
_SETTINGS = re.compile(r"^\s*#\s*settings\s*:\s*(\{.*)$", re.MULTILINE)
_POLICY = re.compile(r"^\s*#\s*policy\s*:\s*(\{.*)$", re.MULTILINE)
_PREVIOUS = re.compile(r"^\s*#\s*previous\s*:\s*(\{.*\})\s*$", re.MULTILINE)


class RuleTestError(Exception):
    """The pack (or its fixtures directory) cannot be used at all: a usage error, exit 2."""


@dataclass
class Outcome:
    rules: int = 0
    fixtures: int = 0
    expectations: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verdict = f"{len(self.failures)} failed" if self.failures else "all hold"
        return (f"{self.rules} rule{'s' * (self.rules != 1)}, {self.fixtures} fixture file"
                f"{'s' * (self.fixtures != 1)}, {self.expectations} expectations: {verdict}")


@dataclass(frozen=True)
class Annotations:
    expected: dict[str, set[int]]  # rule id → lines a finding must be reported at
    named: set[str]  # every id the file annotates (ruleid or ok)


def read_annotations(text: str) -> Annotations:
    """``# ruleid: ID`` expects ID on the next line that is neither blank nor a comment; ``# ok: ID`` names it."""
    expected: dict[str, set[int]] = {}
    named: set[str] = set()
    pending: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        match = _ANNOTATION.search(line)
        if match and stripped.startswith("#"):
            ids = [part.strip().upper() for part in match.group(2).split(",") if part.strip()]
            named.update(ids)
            if match.group(1) == "ruleid":
                pending += ids
            continue
        if pending and stripped and not stripped.startswith("#"):
            for rule_id in pending:
                expected.setdefault(rule_id, set()).add(number)
            pending = []
    return Annotations(expected, named)


def header_settings(text: str, workdir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The policy fields and the pack's ``$.policy`` values a fixture or docs example asks for in comments."""
    settings: dict[str, Any] = {}
    for match in _COMMAND.finditer(text):
        words = shlex.split(match.group(1), comments=False)
        for index, word in enumerate(words):
            if word == "--production":
                settings["production"] = True
            elif word == "--production-stacks" and index + 1 < len(words):
                settings.setdefault("production_stacks", []).append(words[index + 1])
    for match in _SETTINGS.finditer(text):
        settings.update(_json_object(match.group(1), "# settings:"))
    values: dict[str, Any] = {}
    for match in _POLICY.finditer(text):
        values.update(_json_object(match.group(1), "# policy:"))
    previous = _PREVIOUS.search(text)
    if previous:
        path = workdir / "previous-version.yaml"
        path.write_text(previous.group(1) + "\n", encoding="utf-8")
        settings["previous"] = str(path)
    return settings, values


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        value, _end = json.JSONDecoder().raw_decode(text)
    except ValueError as exc:
        raise ValueError(f"{where} is not a JSON object: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{where} is not a JSON object")
    return value


def run_rule_tests(directory: Path, fixtures: Path | None = None) -> Outcome:
    """Test the rules of ``directory`` (a rule pack, or the shipped rules directory) against ``fixtures``."""
    from cogcheck.engine.packs import PackError, load_packs, pack
    from cogcheck.engine.rules import RuleError, load_rules, rules_dir

    if not directory.is_dir():
        raise RuleTestError(f"{directory}: not a directory")
    try:
        shipped = load_rules()
        is_shipped = directory.resolve() == rules_dir().resolve()
        tested = list(shipped) if is_shipped else list(load_packs([pack(directory)]))
    except (PackError, RuleError) as exc:
        raise RuleTestError(str(exc)) from None
    if fixtures is None:
        if is_shipped:
            raise RuleTestError("the shipped rules' fixtures are not installed: give --fixtures (tests/fixtures/rules "
                                "in a source checkout)")
        fixtures = directory / "fixtures"
    every: list[Rule] = list(shipped) if is_shipped else [*shipped, *tested]
    outcome = Outcome(rules=len(tested))
    with tempfile.TemporaryDirectory(prefix="cogcheck-test-rules-") as work:
        tester = _Tester(every, tested, Path(work), outcome)
        tester.fixtures(fixtures)
        for rule in tested:
            tester.docs(rule)
        for rule in tested:
            if rule.id not in tester.exercised:
                outcome.failures.append(f"{rule.source or rule.id}: {rule.id}: no fixture expects it "
                                        f"(# ruleid: {rule.id} above a line it reports)")
    return outcome


@dataclass
class _Tester:
    every: Sequence[Rule]
    tested: Sequence[Rule]
    work: Path
    outcome: Outcome
    exercised: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.ids = {rule.id for rule in self.every}
        self.tested_ids = {rule.id for rule in self.tested}
        self.declared = {key: d for rule in self.tested for key, d in rule.policy}

    def options(self, text: str) -> ScanOptions:
        """The scan options for one fixture or example: its comment settings, the declared defaults."""
        settings, values = header_settings(text, self.work)
        rule_values: dict[str, Any] = {}
        for key, declaration in sorted(self.declared.items()):
            if key in values:
                try:
                    rule_values[key] = check_rule_setting(declaration.type, values.pop(key))
                except ValueError as exc:
                    raise ValueError(f"# policy: {key} {exc}") from None
            elif declaration.default is not None:
                rule_values[key] = declaration.default
            else:
                raise ValueError(f'$.policy.{key} has no default: give it in a comment, # policy: {{"{key}": ...}}')
        if values:
            raise ValueError(f"# policy: no rule of the pack declares {', '.join(sorted(values))}")
        policy = Policy.from_mapping({**settings, "rule_settings": rule_values})
        return ScanOptions(rules=self.every, policy=policy)

    def fixtures(self, root: Path) -> None:
        if not root.is_dir():
            self.outcome.failures.append(f"{root}: no fixtures directory (annotated templates the rules must report)")
            return
        files = []
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in FIXTURE_SUFFIXES and path.is_file() and not path.is_symlink():
                files.append(path)
                if len(files) > MAX_FIXTURES:
                    raise RuleTestError(f"{root}: more than {MAX_FIXTURES} fixture files; refusing")
        for path in files:
            self.fixture(path, root)

    def fixture(self, path: Path, root: Path) -> None:
        self.outcome.fixtures += 1
        failures = self.outcome.failures
        try:
            text = path.read_text(encoding="utf-8")
            options = self.options(text)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            failures.append(f"{path}: {exc}")
            return
        found = read_annotations(text)
        owner = next((part for part in path.relative_to(root).parts[:-1] if part in self.ids), None)
        checked = set(found.named) | ({owner} if owner else set(self.tested_ids))
        for rule_id in sorted(found.named - self.ids):
            failures.append(f"{path}: annotates {rule_id}, which is not a rule (see `cogcheck rules`)")
        result = scan([str(path)], options)
        failures += [f"{path}:{error.line or 1}: input error: {error.message}" for error in result.errors]
        actual: dict[str, dict[int, str]] = {}
        for finding in result.findings:
            actual.setdefault(finding.rule_id, {}).setdefault(finding.line, finding.message)
        for rule_id in sorted(checked & self.ids):
            wanted = found.expected.get(rule_id, set())
            got = actual.get(rule_id, {})
            self.outcome.expectations += len(wanted) + (0 if wanted else 1)
            if wanted and rule_id in self.tested_ids:
                self.exercised.add(rule_id)
            failures += [f"{path}:{line}: {rule_id} expected here, not reported" for line in sorted(wanted - set(got))]
            failures += [f"{path}:{line}: {rule_id} reported here, not expected: {got[line]}"
                         for line in sorted(set(got) - wanted)]
        for finding in result.findings:
            if finding.severity == "error" and finding.rule_id not in checked:
                failures.append(f"{path}:{finding.line}: {finding.rule_id} (error) reported here and not annotated: "
                                f"{finding.message}")

    def docs(self, rule: Rule) -> None:
        for key, must_fire in (("example", True), ("use_instead", False)):
            where = f"{rule.source or rule.id}: {rule.id} docs.{key}"
            text = str(rule.docs.get(key, ""))
            self.outcome.expectations += 1
            path = self.work / f"{key}.yaml"
            try:
                path.write_text(text, encoding="utf-8")
                options = self.options(text)
            except (OSError, ValueError) as exc:
                self.outcome.failures.append(f"{where}: {exc}")
                continue
            result = scan([str(path)], options)
            hits = [f for f in result.findings if f.rule_id == rule.id]
            if result.errors:
                self.outcome.failures += [f"{where}: input error: {error.message}" for error in result.errors]
            elif must_fire and not hits:
                self.outcome.failures.append(f"{where}: {rule.id} does not fire")
            elif not must_fire and hits:
                self.outcome.failures.append(f"{where}: {rule.id} fires: {hits[0].message}")

