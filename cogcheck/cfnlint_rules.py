"""cogcheck's rules inside cfn-lint: ``cfn-lint -a cogcheck.cfnlint_rules -- template.yaml``.

cfn-lint imports the module named by ``-a/--append-rules`` (or ``append_rules`` in ``.cfnlintrc``) and instantiates
every class among the module's own members that subclasses ``CloudFormationLintRule``. So this module defines such
classes, generated at import time and set as module globals (``E9104TokenOutlivesRefreshToken`` …); nothing here is
written per rule.

One severity: cfn-lint's level is the first letter of a rule id, so each cogcheck rule gets one class per level, with
the id :meth:`cogcheck.engine.rules.Rule.cfn_lint_id_for` gives (COG-E013, a warning, is ``W9113``; COG-S006, a note
or a warning, is ``I9206`` or ``W9206``), and a finding is reported by the class of its level. The levels a rule does
not give by default exist too, for a ``severity`` override in the configuration: the plugin reads the same
configuration as ``cogcheck scan`` (``.cogcheck.yaml`` or ``[tool.cogcheck]``, found from each template upwards):
``select``, ``ignore``, ``severity``, ``per-path-ignores`` and the policy settings; suppressions with a reason in the
template's ``Metadata`` hold too. A configuration that cannot be used
is reported by cfn-lint once per template as its E0002 rule error, naming the file and the key. With the
environment variable ``COGCHECK_ISOLATED`` set (``1``; anything but empty, ``0``, ``false``, ``no`` or ``off``), no
configuration is looked for, as ``cogcheck scan --isolated``: a gate over a pull request's templates does not let a
``.cogcheck.yaml`` the pull request adds switch rules off.

There is one engine: each template is checked once by :func:`cogcheck.scan.check.check_template` on cfn-lint's
own parsed template (positions come from cfn-lint's node marks), the findings are cached on the template object,
and each generated class hands back the findings of its own rule. Findings are already reduced to one per rule,
resource, property and scenario, so cfn-lint's condition scenarios never multiply them.

Rule packs (docs/custom-rules.md): cfn-lint asks for its rule classes once, when it imports the plugin, so the
packs are loaded then: those named by ``COGCHECK_RULES`` (directories separated by ``os.pathsep``) and by the
configuration found from the working directory. A user rule ``ORG-001`` is ``E9ORG-001`` / ``W9ORG-001`` /
``I9ORG-001`` (one class per level, as for a shipped rule). Each template's own configuration may name packs too;
one whose rules were not loaded at import is reported as a configuration error (E0002), never skipped.

This is the only module of cogcheck that imports :mod:`cfnlint`; ``cogcheck scan`` never imports it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

try:
    from cfnlint.rules import CloudFormationLintRule, RuleMatch
except ImportError as exc:  # cfn-lint is an extra: `cogcheck scan` never needs it
    raise ModuleNotFoundError(
        "cogcheck.cfnlint_rules is a cfn-lint plugin and needs cfn-lint 1.x: pip install 'cfn-lint>=1,<2' (in a "
        "clone of cogcheck: pip install '.[cfn-lint]'), then run: cfn-lint -a cogcheck.cfnlint_rules -- template.yaml",
        name="cfnlint",
    ) from exc

from cogcheck.cfn.parse import PathT, Position, TemplateError, _locate_yaml, as_template, decode
from cogcheck.cfn.types import REPORTED_TYPES
from cogcheck.engine.rules import Rule, load_rules
from cogcheck.findings import SEVERITIES, Finding
from cogcheck.report.ruledocs import reference_url
from cogcheck.scan.check import check_template, drop_ignored_by_path
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.suppress import apply_suppressions

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Located:
    """A finding as cfn-lint reports it: the path written in the file and the 0-based span of its key."""

    finding: Finding
    path: tuple[str | int, ...]
    span: tuple[int, int, int, int]  # start line, start column, end line, end column (0-based, as cfn-lint's marks)

    @property
    def message(self) -> str:
        """The finding's message, plus the scenario as ``cogcheck scan`` prints it (keeps scenarios apart)."""
        finding = self.finding
        return f"{finding.message} ({finding.scenario_text})" if finding.scenario else finding.message


@dataclass
class _Outcome:
    doc: Any  # the cfn-lint document the findings were computed on
    by_rule: dict[str, list[Located]]
    error: Exception | None = None
    error_reported: bool = False


_CACHE: weakref.WeakKeyDictionary[Any, _Outcome] = weakref.WeakKeyDictionary()


def _marks(node: Any) -> tuple[Any, Any] | None:
    start, end = getattr(node, "start_mark", None), getattr(node, "end_mark", None)
    if start is None or end is None:
        return None
    return start, end


@dataclass(frozen=True)
class _Mark:
    line: int  # 0-based, as yaml's and cfn-lint's marks
    column: int


class _Key(str):
    """A mapping key as written in the file, with its marks."""

    start_mark: _Mark
    end_mark: _Mark


class _Mapping(dict[Any, Any]):
    start_mark: Any
    end_mark: Any


class _List(list[Any]):
    start_mark: Any
    end_mark: Any


class _Source:
    """The template's text, read lazily, to compose a node's span again with YAML (JSON is YAML too)."""

    def __init__(self, filename: str | None) -> None:
        self.filename = filename
        self._lines: list[str] | None = None

    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = []
            if self.filename:
                with contextlib.suppress(OSError, TemplateError):
                    text = decode(self.filename, Path(self.filename).read_bytes())
                    self._lines = [*text.splitlines(keepends=True), ""]  # "": an end mark past the last line break
        return self._lines

    def compose(self, node: Any) -> tuple[Any, int] | None:
        """yaml's node graph of ``node``'s source span, and the line it starts on (columns are the file's)."""
        import yaml

        start, end = _marks(node) or (None, None)
        lines = self.lines()
        if start is None or end is None or not start.line <= end.line < len(lines):
            return None
        text = [" " * start.column + lines[start.line][start.column:]] + lines[start.line + 1:end.line + 1]
        text[-1] = text[-1][: end.column]  # the first line is padded, so columns are the file's on every line
        try:
            root = yaml.compose("".join(text), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            return None
        return (root, start.line) if root is not None else None

    def keys(self, node: Any) -> list[_Key] | None:
        """The keys of mapping ``node`` as written, in order; None when they cannot be told (merge keys, aliases)."""
        import yaml

        composed = self.compose(node)
        if composed is None or not isinstance(composed[0], yaml.MappingNode):
            return None
        root, offset = composed
        keys = []
        for key_node, _value in root.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                return None
            key = _Key(key_node.value)
            key.start_mark = _Mark(offset + key_node.start_mark.line, key_node.start_mark.column)
            key.end_mark = _Mark(offset + key_node.end_mark.line, key_node.end_mark.column)
            keys.append(key)
        return keys


def verbatim_keys(node: Any, source: _Source) -> Any:
    """cfn-lint's document with every mapping key a string as written in the file.

    cfn-lint's YAML reads a key such as ``Yes``, ``Off`` or ``123456789012`` as a boolean or a number; CloudFormation
    and ``cogcheck scan`` read keys verbatim (a logical id ``Yes``, an account id in ``Mappings``). Copy on write: only
    mappings with such keys, and what contains them, are rebuilt, keeping their marks.
    """
    if isinstance(node, Mapping):
        items = [(key, verbatim_keys(value, source)) for key, value in node.items()]
        changed = any(new is not node[key] for key, new in items)
        if any(not isinstance(key, str) for key, _ in items):
            written = source.keys(node)
            if written is None or len(written) != len(items):
                items = [(key if isinstance(key, str) else str(key), value) for key, value in items]
            else:
                pairs = zip(items, written, strict=True)
                items = [(key if isinstance(key, str) else text, value) for (key, value), text in pairs]
            changed = True
        if not changed:
            return node
        mapping = _Mapping(items)
        mapping.start_mark, mapping.end_mark = _marks(node) or (None, None)
        return mapping
    if isinstance(node, list):
        values = [verbatim_keys(value, source) for value in node]
        if all(new is old for new, old in zip(values, node, strict=True)):
            return node
        sequence = _List(values)
        sequence.start_mark, sequence.end_mark = _marks(node) or (None, None)
        return sequence
    return node


class _NodeLocator:
    """``locate(path)`` over cfn-lint's decoded nodes, with cogcheck's conventions.

    A mapping entry is located at its key, a sequence item at the item; the walk stops at the deepest part of the
    path that is written in the file. Keys without marks (``!If [...]`` becomes ``{"Fn::If": [...]}``) keep the mark
    reached so far, like cogcheck's own locator does for short-form tags.

    cfn-lint keeps marks on strings, mappings and sequences only: a number or boolean inside a sequence (``!If [C, 48,
    30]``) has none. Then the source text of the innermost value that has marks is composed again and the rest of the
    path is located in it, so positions stay those of ``cogcheck scan``.

    Each answer is remembered with the path that was found and the span of its mark, for the cfn-lint match.
    """

    def __init__(self, doc: Any, source: _Source) -> None:
        self.doc = doc
        self.source = source
        self.found: dict[Position, tuple[tuple[str | int, ...], tuple[int, int, int, int]]] = {}

    def __call__(self, path: PathT) -> Position:
        node = self.doc
        marks = _marks(node)
        anchor: tuple[Any, int] | None = (node, 0) if marks else None  # innermost value with marks, and its depth
        exact = True
        found: list[str | int] = []
        for part in path:
            if isinstance(node, Mapping) and isinstance(part, str) and part in node:
                key = next(k for k in node if k == part)
                marks = _marks(key) or marks
                node = node[part]
            elif isinstance(node, Sequence) and not isinstance(node, str) and isinstance(part, int) \
                    and 0 <= part < len(node):
                node = node[part]
                item_marks = _marks(node)
                exact = exact and item_marks is not None
                marks = item_marks or marks
            else:
                break
            found.append(part)
            if exact and _marks(node) is not None:
                anchor = (node, len(found))
        span = self._span(marks)
        if not exact and anchor is not None:
            span = self._recompose(anchor[0], path[anchor[1]:len(found)]) or span
        position = (span[0] + 1, span[1] + 1)
        self.found.setdefault(position, (tuple(found), span))
        return position

    @staticmethod
    def _span(marks: tuple[Any, Any] | None) -> tuple[int, int, int, int]:
        if marks is None:
            return 0, 0, 0, 1
        start, end = marks
        return start.line, start.column, end.line, end.column

    def _recompose(self, node: Any, rest: PathT) -> tuple[int, int, int, int] | None:
        """The span of ``rest`` inside ``node``, found in ``node``'s source text composed again."""
        composed = self.source.compose(node)
        if composed is None:
            return None
        root, offset = composed
        line, column = _locate_yaml(root, rest)
        return offset + line - 1, column - 1, offset + line - 1, column


def _parameters(cfn: Any) -> dict[str, str]:
    """Parameter values given to cfn-lint (``--parameters`` / ``--parameter-files``) when there is exactly one set."""
    sets = getattr(getattr(cfn, "context", None), "parameter_sets", None) or []
    if len(sets) != 1:
        return {}
    values: dict[str, str] = {}
    for name, value in (getattr(sets[0], "parameters", None) or {}).items():
        if isinstance(value, (list, tuple)):
            values[str(name)] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            values[str(name)] = "true" if value else "false"
        else:
            values[str(name)] = str(value)
    return values


def run_engine(cfn: Any) -> dict[str, list[Located]]:
    """Every cogcheck finding of one cfn-lint template, by cogcheck rule id (the engine runs once)."""
    source = _Source(cfn.filename)
    doc = verbatim_keys(cfn.template, source)
    locator = _NodeLocator(doc, source)
    template = as_template(cfn.filename or "-", doc, locator)
    by_rule: dict[str, list[Located]] = {}
    if template is None:
        return by_rule
    options = scan_options(cfn.filename)
    options.resolve = replace(options.resolve, parameters=_parameters(cfn))
    rules = options.enabled_rules()
    findings, notices, _clients = check_template(template, rules, options)
    findings = drop_ignored_by_path(findings, options)
    # suppressions with a reason in the template's Metadata hold here too, as in `cogcheck scan` (cfn-lint's own
    # ignore_checks are honoured by cfn-lint and by this alike)
    findings, _suppressed, more = apply_suppressions(template, findings, rules, REPORTED_TYPES)
    notices = [*notices, *more]
    for notice in notices:
        LOGGER.info("cogcheck: %s", notice)
    for finding in sorted(findings, key=Finding.sort_key):
        path, span = locator.found.get(
            (finding.line, finding.column),
            ((*template.resources_key, finding.resource), (finding.line - 1, finding.column - 1) * 2),
        )
        by_rule.setdefault(f"{finding.rule_id}/{finding.severity}", []).append(Located(finding, path, span))
    return by_rule


_OPTIONS: dict[Path | None, ScanOptions] = {}


#: The environment variable of the isolated mode, and the values that leave it off.
ISOLATED_VARIABLE = "COGCHECK_ISOLATED"
_NOT_ISOLATED = ("", "0", "false", "no", "off")


def isolated() -> bool:
    """Whether ``COGCHECK_ISOLATED`` asks for no configuration discovery (an unknown value asks for it: fail closed)."""
    return os.environ.get(ISOLATED_VARIABLE, "").strip().lower() not in _NOT_ISOLATED


def scan_options(filename: str | None) -> ScanOptions:
    """The options ``cogcheck scan`` would use for the template ``filename``: its configuration, found upwards
    (none in the isolated mode, ``COGCHECK_ISOLATED=1``, as ``cogcheck scan --isolated``).

    A configuration that cannot be used raises :class:`cogcheck.config.options.OptionError` (cfn-lint reports it).
    """
    from cogcheck.config.files import find_config, load_config
    from cogcheck.config.options import build_scan_options

    found = find_config(Path(filename)) if filename and filename != "-" and not isolated() else None
    if found not in _OPTIONS:
        config = load_config(found) if found is not None else None
        built = build_scan_options(config=config, scan_roots=[filename] if filename else [], rule_dirs=env_packs())
        _check_classes(built.extra_rules)
        _OPTIONS[found] = built
    options = _OPTIONS[found]
    return ScanOptions(
        rules=options.rules, enabled=options.enabled, resolve=options.resolve, severity=options.severity,
        policy=options.policy, per_path_ignores=options.per_path_ignores, config_base=options.config_base,
        extra_rules=options.extra_rules,
    )


#: The environment variable naming rule packs for the plugin (directories separated by ``os.pathsep``).
RULES_ENV = "COGCHECK_RULES"


def env_packs() -> list[str]:
    """The rule pack directories ``COGCHECK_RULES`` names."""
    return [part for part in os.environ.get(RULES_ENV, "").split(os.pathsep) if part.strip()]


def _check_classes(rules: Sequence[Rule]) -> None:
    """Every user rule a template's configuration loads must have had its classes made at import."""
    from cogcheck.config.options import OptionError

    if _PACK_ERROR is not None:
        raise OptionError(_PACK_ERROR)
    missing = [rule for rule in rules if rule.cfn_lint_id not in RULE_CLASSES]
    if missing:
        raise OptionError(
            f"rule {missing[0].id} of the rule pack {missing[0].pack} has no cfn-lint rule: cfn-lint makes its rules "
            f"when it imports the plugin, from the packs named by {RULES_ENV} and by the configuration found from the "
            "working directory; name the pack there"
        )


def _import_rules() -> tuple[list[Rule], str | None]:
    """The rules to make classes for: the shipped ones and the packs of ``COGCHECK_RULES`` and of the configuration
    found from the working directory (an error in them is kept, and reported for each template)."""
    from cogcheck.config.files import find_config, load_config
    from cogcheck.config.options import OptionError, load_user_rules

    try:
        found = None if isolated() else find_config(Path.cwd())
        config = load_config(found) if found is not None else None
        return [*load_rules(), *load_user_rules(config, env_packs())], None
    except OptionError as exc:
        return list(load_rules()), str(exc)


def _outcome(cfn: Any) -> _Outcome:
    outcome = _CACHE.get(cfn)
    if outcome is None or outcome.doc is not cfn.template:
        try:
            outcome = _Outcome(cfn.template, run_engine(cfn))
        except Exception as exc:  # reported once, by the first rule that asks (see _match)
            outcome = _Outcome(cfn.template, {}, exc)
        _CACHE[cfn] = outcome
    return outcome


def _match(self: Any, cfn: Any) -> list[RuleMatch]:
    """``CloudFormationLintRule.match`` of every generated rule: this rule's share of the template's findings."""
    outcome = _outcome(cfn)
    if outcome.error is not None:
        if outcome.error_reported:
            return []
        outcome.error_reported = True  # cfn-lint reports it once as E0002 instead of once per rule
        raise outcome.error
    return [
        RuleMatch(list(located.path), located.message, location=located.span, cogcheck_rule=located.finding.rule_id)
        for located in outcome.by_rule.get(f"{self.cogcheck_id}/{self.cogcheck_level}", [])
    ]


def class_name(rule: Rule, level: str | None = None) -> str:
    """``E9104TokenOutlivesRefreshToken``: the cfn-lint id at ``level`` (default: the rule's own) and the rule's
    name in CamelCase."""
    cfn_lint_id = rule.cfn_lint_id_for(level or rule.severity).replace("-", "_")  # E9ORG_001...: an identifier
    return cfn_lint_id + "".join(part.capitalize() for part in rule.name.split("-"))


def _description(rule: Rule, level: str) -> str:
    what = re.sub(r"\s+", " ", str(rule.docs.get("what", ""))).strip()
    text = f"{rule.id} ({rule.name}): {what}" if what else f"{rule.id} ({rule.name})"
    if level not in rule.levels:
        text += f" [reported at this id only when the configuration sets its severity to {level}]"
    return text


def make_rule_class(rule: Rule, level: str | None = None) -> type[CloudFormationLintRule]:
    """A ``CloudFormationLintRule`` subclass for one cogcheck rule at one level (default: the rule's own)."""
    level = level or rule.severity
    name = class_name(rule, level)
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": f"{rule.id} {rule.name} ({level}): {rule.summary}",
        "id": rule.cfn_lint_id_for(level),
        "shortdesc": rule.summary,
        "description": _description(rule, level),
        "source_url": reference_url(rule),  # cfn-lint's SARIF helpUri: AWS's page on what the rule checks
        "tags": ["cogcheck", "resources", "cognito", *rule.tags],
        "cogcheck_id": rule.id,
        "cogcheck_level": level,
        "match": _match,
    }
    return type(name, (CloudFormationLintRule,), namespace)


def _generate(rules: Sequence[Rule], into: dict[str, Any]) -> dict[str, type[CloudFormationLintRule]]:
    classes: dict[str, type[CloudFormationLintRule]] = {}
    for rule in rules:
        for level in SEVERITIES:
            cls = make_rule_class(rule, level)
            classes[rule.cfn_lint_id_for(level)] = cls
            into[cls.__name__] = cls
    return classes


#: cfn-lint id → generated rule class, three per rule (each is also a module global, which is what cfn-lint looks for).
_IMPORTED, _PACK_ERROR = _import_rules()
RULE_CLASSES: dict[str, type[CloudFormationLintRule]] = _generate(_IMPORTED, globals())

__all__ = ["RULE_CLASSES", "class_name", "make_rule_class", "run_engine", *(c.__name__ for c in RULE_CLASSES.values())]
