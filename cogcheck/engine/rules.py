"""Rules as data: load ``rules/*.yaml``, check each against the rule schema, and keep them compiled."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from cogcheck.engine.fixspec import FixSpec, fix_spec, parse_fix
from cogcheck.findings import SEVERITIES
from cogcheck.record import Record

CFN_LINT_LETTERS = {"error": "E", "warning": "W", "note": "I"}  # cfn-lint's error, warning, informational
# The patterns only the checks of a rule file (and of a cfn-lint id) use are kept as text and compiled on first use
# by re's own cache: a scan builds the shipped rules without checking them, and compiles none of them.
_CFN_LINT_ID = r"^([EWI])9([12])(\d{2})$"

_RULE_KEYS = {"id", "name", "severity", "summary", "docs", "checks", "tags", "precision", "security_severity",
              "when", "message", "property", "for_each", "variants", "policy", "fix"}
_CHECK_KEYS = {"when", "message", "property", "for_each", "severity", "fix"}
_DOC_KEYS = {"what", "why", "example", "use_instead", "references"}
#: optional ``docs`` keys: ``fix``, why the rule's fix is safe or unsafe, or why there is none (docs/fixes.md)
_OPTIONAL_DOC_KEYS = {"fix"}
_ID = re.compile(r"^COG-[ES]\d{3}$")
#: a user rule's id (rule packs): the user's own prefix, a dash, an optional letter and three digits (``ORG-001``,
#: ``ACME-S014``). ``COG`` is cogcheck's, and a prefix that starts like a cfn-lint id (``E9``, ``W3``) is refused, so
#: a user id, its cfn-lint ids and every pattern that selects them never select a shipped rule or a cfn-lint rule.
USER_ID = re.compile(r"^(?!COG-)(?![EWI]\d)[A-Z][A-Z0-9]{1,11}-[A-Z]?\d{3}$")
_USER_CFN_LINT_ID = r"^([EWI])9([A-Z][A-Z0-9]{1,11}-[A-Z]?\d{3})$"
_NAME = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_PLACEHOLDER = r"\{([^{}]+)\}"
_VIEW_KEYS = r"^\$\.(effective|policy)(?:\.([A-Za-z_][\w-]*))?(?:\.([A-Za-z_][\w-]*))?"
_DETAIL = r"^detail\.([A-Za-z_]\w*)$"
_VARIANT = r"\{variant:([^{}|]*)\}"
_NAME_KINDS = ("prop", "type", "cdk")
#: how sure a rule's findings are (SARIF's ``precision`` property, which GitHub code scanning reads)
PRECISIONS = ("very-high", "high", "medium", "low")
#: how a placeholder's value may be rendered: ``{$.X|human}`` (seconds as a duration), ``{$.L|count}`` (a length)
PLACEHOLDER_STYLES = ("human", "count")
#: how a ``{prop:...}`` name may be rendered: ``{prop:RefreshTokenRotation.Feature|key}`` (its last key only)
NAME_STYLES = ("key",)


class RuleError(Exception):
    """A rule file that does not follow the schema; ``problems``: each thing wrong, led by where it is in the rule
    (``checks[0].when.all[1].gt: ...``)."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class Check(Record):
    """One way a rule fires: a condition, where it points and what it says."""

    __slots__ = ("fix", "for_each", "message", "property", "severity", "texts", "when")

    def __init__(
        self, when: dict[str, Any], message: str, property: str | None = None, for_each: tuple[str, ...] = (),
        severity: str | None = None, texts: tuple[tuple[str, str], ...] = (), fix: FixSpec | None = None,
    ) -> None:
        self.when: Final = when
        self.message: Final = message
        self.property: Final = property
        self.for_each: Final = for_each
        self.severity: Final = severity
        self.texts: Final = texts  # (dialect, message) when the message uses {variant:NAME}
        self.fix: Final = fix  # how to fix what the check finds (cogcheck.engine.fixspec)

    def message_for(self, dialect: str) -> str:
        """The message as written for ``dialect`` (its ``{variant:NAME}`` placeholders filled in)."""
        for name, text in self.texts:
            if name == dialect:
                return text
        return self.message


class Rule(Record):
    """A rule: what it is called and says, and its checks. ``pack``: the rule pack (its directory as the user named
    it) a user rule came from, "" for a shipped rule; ``policy``: the ``$.policy`` settings the rule declares
    (``policy:`` in its file), key → declaration."""

    __slots__ = (
        "checks",
        "docs",
        "extra",
        "id",
        "name",
        "pack",
        "policy",
        "precision",
        "security_severity",
        "severity",
        "source",
        "summary",
        "tags",
    )

    def __init__(
        self, id: str, name: str, severity: str, summary: str, docs: dict[str, Any], checks: tuple[Check, ...],
        tags: tuple[str, ...] = (), precision: str = "high", security_severity: float | None = None,
        source: str = "", extra: dict[str, Any] | None = None, pack: str = "",
        policy: tuple[tuple[str, PolicyDeclaration], ...] = (),
    ) -> None:
        self.id: Final = id
        self.name: Final = name
        self.severity: Final = severity
        self.summary: Final = summary
        self.docs: Final = docs
        self.checks: Final = checks
        self.tags: Final = tags
        self.precision: Final = precision
        self.security_severity: Final = security_severity
        self.source: Final = source
        self.extra: Final[dict[str, Any]] = {} if extra is None else extra
        self.pack: Final = pack
        self.policy: Final = policy

    @property
    def fix_applicability(self) -> str:
        """What ``cogcheck rule`` and docs/rules.md say of the rule's fixes: ``safe``, ``unsafe``, ``safe / unsafe``
        (checks differ) or ``none``."""
        given = {check.fix.applicability for check in self.checks if check.fix is not None}
        return " / ".join(level for level in ("safe", "unsafe") if level in given) or "none"

    @property
    def levels(self) -> tuple[str, ...]:
        """The severities this rule's checks give by default, most severe first."""
        given = {self.severity, *(check.severity for check in self.checks if check.severity)}
        return tuple(level for level in SEVERITIES if level in given)

    def cfn_lint_id_for(self, level: str) -> str:
        """The cfn-lint id of this rule's findings at ``level``: the letter is the level (``E`` error, ``W`` warning,
        ``I`` note — cfn-lint's informational), then ``91`` for a deploy error (COG-E) or ``92`` for a security rule
        (COG-S), then the rule's number: COG-E001 → E9101, COG-E013 (a warning) → W9113, COG-S006 → W9206 and I9206.
        A user rule's is the letter, ``9`` and its id: ORG-001 → E9ORG-001, W9ORG-001, I9ORG-001 (see
        :func:`cfn_lint_aliases`). So ``cfn-lint`` and ``cogcheck scan`` give every finding the same severity (an
        override included)."""
        return cfn_lint_aliases(self.id)[SEVERITIES.index(level)]

    @property
    def cfn_lint_ids(self) -> tuple[str, ...]:
        """The cfn-lint ids of the levels this rule gives by default, most severe first."""
        return tuple(self.cfn_lint_id_for(level) for level in self.levels)

    @property
    def cfn_lint_id(self) -> str:
        """The cfn-lint id at the rule's own severity (see :meth:`cfn_lint_id_for`)."""
        return self.cfn_lint_id_for(self.severity)

    @property
    def group(self) -> str:
        if self.pack:
            return "policy"
        return "deploy-error" if self.id[4] == "E" else "security"


class PolicyDeclaration(Record):
    """A ``$.policy`` key a rule declares: its type (:data:`cogcheck.model.policy.RULE_SETTING_TYPES`), its
    default (None: the configuration must set it) and what it means."""

    __slots__ = ("default", "doc", "type")

    def __init__(self, type: str, default: Any = None, doc: str = "") -> None:
        self.type: Final = type
        self.default: Final = default
        self.doc: Final = doc


def rules_dir() -> Path:
    """Where the shipped rules are: inside the installed package, or ``rules/`` of a source checkout."""
    here = Path(__file__).resolve().parent.parent  # the cogcheck package
    for candidate in (here / "rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise RuleError(f"no rules directory next to {here}")


def parse_rule(data: Any, source: str, predicates: Iterable[str], pack: str = "") -> Rule:
    """One rule from its file's data; ``pack``: the rule pack of a user rule ("" for a shipped one)."""
    from cogcheck.engine.expr import validate

    problems: list[str] = []
    if not isinstance(data, dict):
        raise RuleError(f"{source}: a rule file is a mapping")
    unknown = set(data) - _RULE_KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    for key in ("id", "name", "severity", "summary", "docs"):
        if key not in data:
            problems.append(f"missing {key!r}")
    if problems:
        raise RuleError(f"{source}: " + "; ".join(problems))
    rule_id, name, severity = data["id"], data["name"], data["severity"]
    if pack and (not isinstance(rule_id, str) or not USER_ID.match(rule_id)):
        reserved = " (COG- is cogcheck's own)" if isinstance(rule_id, str) and rule_id.startswith("COG") else ""
        problems.append(f"id {rule_id!r} is not PREFIX-### or PREFIX-X### (e.g. ORG-001){reserved}")
    elif not pack and (not isinstance(rule_id, str) or not _ID.match(rule_id)):
        problems.append(f"id {rule_id!r} is not COG-E### or COG-S###")
    if not isinstance(name, str) or not re.match(_NAME, name):
        problems.append(f"name {name!r} is not kebab-case")
    if severity not in SEVERITIES:
        problems.append(f"severity {severity!r} is not one of {SEVERITIES}")
    docs = data["docs"]
    if not isinstance(docs, dict) or not _DOC_KEYS <= set(docs) <= _DOC_KEYS | _OPTIONAL_DOC_KEYS:
        problems.append(f"docs must have exactly {sorted(_DOC_KEYS)}, and may have {sorted(_OPTIONAL_DOC_KEYS)}")
    else:
        problems += [f"docs.{key} must be a string" for key in sorted(set(docs) - {"references"})
                     if not isinstance(docs[key], str)]
        if not isinstance(docs["references"], list) or not all(isinstance(r, str) for r in docs["references"]):
            problems.append("docs.references must be a list of strings")
    problems += _metadata_problems(data)
    raw_checks = data.get("checks")
    if raw_checks is None and "when" in data:
        raw_checks = [{k: data[k] for k in _CHECK_KEYS if k in data}]
    elif any(k in data for k in ("when", "message", "property", "for_each", "fix")):
        problems.append("give either 'checks' or a single 'when'/'message', not both")
    if not isinstance(raw_checks, list) or not raw_checks:
        problems.append("no checks: give 'when' + 'message' or a list of 'checks'")
        raw_checks = []
    known_predicates = set(predicates)
    declared = _declarations(data.get("policy", {}), problems)
    variants = _variants(data.get("variants", {}), problems)
    used: set[str] = set()
    for index, raw in enumerate(raw_checks):
        where = f"checks[{index}]"
        if not isinstance(raw, dict) or "when" not in raw or "message" not in raw:
            problems.append(f"{where}: needs 'when' and 'message'")
            continue
        if set(raw) - _CHECK_KEYS:
            problems.append(f"{where}: unknown keys {sorted(set(raw) - _CHECK_KEYS)}")
        problems += validate(raw["when"], f"{where}.when", known_predicates)
        for_each = raw.get("for_each", [])
        if not isinstance(for_each, str | list):
            problems.append(f"{where}.for_each: expects a JSONPath or a list of them")
            for_each = ()
        for_each = (for_each,) if isinstance(for_each, str) else tuple(for_each)
        if raw.get("severity", severity) not in SEVERITIES:
            problems.append(f"{where}: severity {raw.get('severity')!r} is not one of {SEVERITIES}")
        texts = _dialect_texts(raw["message"], variants, used, where, problems)
        for _dialect, text in texts or (("", raw["message"]),):
            problems += _check_references({**raw, "message": text}, for_each, where, dict(declared))
        if "fix" in raw:
            from cogcheck.engine.expr import predicates_in
            from cogcheck.engine.predicates.base import PREDICATE_DETAILS

            details = set().union(*(PREDICATE_DETAILS.get(n, frozenset()) for n in predicates_in(raw["when"])))
            parse_fix(raw["fix"], f"{where}.fix", details, bool(for_each), problems)
    problems += [f"variants.{name}: no message uses it" for name in sorted(set(variants) - used)]
    if problems:
        raise RuleError(f"{source} ({rule_id}): " + "; ".join(problems), problems)
    return build_rule(data, source, pack, declared)


def build_rule(
    data: dict[str, Any], source: str, pack: str = "",
    declared: tuple[tuple[str, PolicyDeclaration], ...] | None = None,
) -> Rule:
    """The rule ``data`` describes, which :func:`parse_rule` has checked (or ``scripts/regenerate.py`` did, for the
    shipped catalogue ``load_rules`` reads from ``rules.compiled``): nothing is checked here. ``declared``: its
    ``policy:`` declarations when already made."""
    raw_checks = data.get("checks")
    if raw_checks is None:
        raw_checks = [{k: data[k] for k in _CHECK_KEYS if k in data}]
    variants = {str(name): texts for name, texts in data.get("variants", {}).items()}
    checks = []
    for raw in raw_checks:
        for_each = raw.get("for_each", ())
        fix = raw.get("fix")
        checks.append(Check(
            raw["when"], raw["message"], raw.get("property"),
            (for_each,) if isinstance(for_each, str) else tuple(for_each), raw.get("severity"),
            _variant_texts(raw["message"], variants) if "{variant:" in raw["message"] else (),
            None if fix is None else fix_spec(fix),
        ))
    if declared is None:
        declared = _declarations(data.get("policy", {}), []) if "policy" in data else ()
    security = data.get("security_severity")
    return Rule(
        id=data["id"],
        name=data["name"],
        severity=data["severity"],
        summary=str(data["summary"]).strip(),
        docs=data["docs"],
        checks=tuple(checks),
        tags=tuple(data.get("tags", ())),
        precision=str(data.get("precision", "high")),
        security_severity=float(security) if security is not None else None,
        source=source,
        pack=pack,
        policy=declared,
    )


def _metadata_problems(data: dict[str, Any]) -> list[str]:
    """The optional keys that describe a rule: ``summary``, ``tags``, ``precision``, ``security_severity``."""
    problems = []
    if not isinstance(data["summary"], str):
        problems.append("summary must be a string")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        problems.append("tags must be a list of strings")
    if data.get("precision", "high") not in PRECISIONS:
        problems.append(f"precision {data.get('precision')!r} is not one of {', '.join(PRECISIONS)}")
    security = data.get("security_severity", 0.0)
    if isinstance(security, bool) or not isinstance(security, int | float) or not 0.0 <= security <= 10.0:
        problems.append(f"security_severity {security!r} is not a number from 0.0 to 10.0")
    return problems


def view_key_problem(path: str, declared: Mapping[str, PolicyDeclaration] | None = None) -> str | None:
    """Why ``path`` names no key of the client view's ``$.effective`` or ``$.policy`` (None when it does, or when
    it reads the template's own properties, which AWS extends and cogcheck does not enumerate). ``declared``: the
    ``$.policy`` keys the rule declares besides the built-in ones."""
    from cogcheck.model.client import EFFECTIVE_KEYS
    from cogcheck.model.policy import Policy

    match = re.match(_VIEW_KEYS, path)
    if match is None or match.group(2) is None:
        return None
    section, key, sub = match.groups()
    known = EFFECTIVE_KEYS if section == "effective" else dict.fromkeys([*Policy.rule_keys(), *(declared or {})], ())
    if key not in known:
        hint = " (a rule pack's rule declares its own keys under policy:)" if section == "policy" else ""
        return f"{path}: $.{section} has no key {key!r} (known: {', '.join(sorted(known))}){hint}"
    if sub is not None and sub not in known[key]:
        under = f"known: {', '.join(known[key])}" if known[key] else "it is not a mapping"
        return f"{path}: $.{section}.{key} has no key {sub!r} ({under})"
    return None


def _check_references(
    raw: dict[str, Any], for_each: tuple[str, ...], where: str, declared: Mapping[str, PolicyDeclaration] | None = None
) -> list[str]:
    """Paths and placeholders of one check must name something that exists: a key of ``$.effective``/``$.policy``,
    a detail a predicate of the check leaves, ``@`` only under ``for_each``, a known rendering style."""
    from cogcheck.engine.expr import operands_in, paths_in, predicates_in
    from cogcheck.engine.paths import compile_path
    from cogcheck.engine.predicates.base import PREDICATE_DETAILS

    problems: list[str] = []
    paths = paths_in(raw["when"])
    for path in for_each:
        if not isinstance(path, str) or not path.startswith("$"):
            problems.append(f"{where}.for_each: {path!r} is not an absolute JSONPath")
            continue
        try:
            compile_path(path)
        except ValueError as exc:
            problems.append(f"{where}.for_each: {exc}")
        paths.append(path)
    details = set().union(*(PREDICATE_DETAILS.get(name, frozenset()) for name in predicates_in(raw["when"])))
    for field_name in ("message", "property"):
        text = raw.get(field_name)
        if text is None:
            continue
        if not isinstance(text, str):
            problems.append(f"{where}.{field_name}: is not a string")
            continue
        for placeholder in re.findall(_PLACEHOLDER, text):
            spec, _, style = (part.strip() for part in placeholder.partition("|"))
            here = f"{where}.{field_name}: placeholder {{{placeholder}}}"
            if style and style not in PLACEHOLDER_STYLES and not spec.startswith("prop:"):
                problems.append(f"{here}: unknown style {style!r} (known: {', '.join(PLACEHOLDER_STYLES)})")
            detail = re.match(_DETAIL, spec)
            if spec == "property" and field_name == "message":
                continue
            kind, colon, name = spec.partition(":")
            if colon and kind in _NAME_KINDS:
                if field_name != "message":
                    problems.append(f"{here}: names are for messages; property is a CloudFormation path")
                elif style and (kind != "prop" or style not in NAME_STYLES):
                    problems.append(f"{here}: unknown style {style!r} for a {kind} name")
                else:
                    problems += [f"{here}: {problem}" for problem in name_problems(kind, name)]
                continue
            if detail:
                if detail.group(1) not in details:
                    known = ", ".join(sorted(details)) or "none"
                    problems.append(f"{here}: no predicate of this check sets detail {detail.group(1)!r} "
                                    f"(set here: {known})")
                continue
            if spec[:1] not in ("$", "@"):
                problems.append(f"{here}: not a JSONPath, {{detail.NAME}}, {{property}} or a name "
                                "({prop:NAME}, {type:NAME}, {cdk:NAME})")
                continue
            try:
                compile_path(spec)
            except ValueError as exc:
                problems.append(f"{here}: {exc}")
                continue
            paths.append(spec)
    for path in paths:
        if path.startswith("@") and not for_each:
            problems.append(f"{where}: {path!r} reads the for_each item, but the check has no for_each")
        problem = view_key_problem(path, declared)
        if problem:
            problems.append(f"{where}: {problem}")
    for path, kind in operands_in(raw["when"]):
        problem = _setting_use_problem(path, kind.setting_types, declared or {})
        if problem:
            problems.append(f"{where}.when: {problem}")
    return problems


def _setting_use_problem(
    path: str, wanted: tuple[str, ...] | None, declared: Mapping[str, PolicyDeclaration]
) -> str | None:
    """Why the ``$.policy`` setting ``path`` reads cannot be used where a value of the ``wanted`` types is (None when
    it can, or when the path reads no setting)."""
    from cogcheck.model.policy import field_types

    match = re.match(_VIEW_KEYS, path)
    if wanted is None or match is None or match.group(1) != "policy" or match.group(2) is None:
        return None
    key = match.group(2)
    if key in declared:
        kind = declared[key].type
    else:
        python_type = field_types().get(key)
        names: dict[Any, str] = {int: "integer", float: "number", str: "string", bool: "boolean"}
        kind = "strings" if typing.get_origin(python_type) is tuple else names.get(python_type, "")
        if not kind:  # a setting that may be None: its use is not checked
            return None
    if kind in wanted:
        return None
    return f"{path} is a setting of type {kind}, used where {' or '.join(wanted)} is needed"


_POLICY_KEY = r"^[a-z][a-z0-9_]{0,63}$"
_DECLARATION_KEYS = {"type", "default", "doc"}


def _declarations(raw: Any, problems: list[str]) -> tuple[tuple[str, PolicyDeclaration], ...]:
    """``policy``: KEY → {type, default?, doc?}, the ``$.policy`` keys a rule reads beyond the built-in ones; each
    value the configuration gives is checked against its type, and the default too."""
    from cogcheck.model.policy import RULE_SETTING_TYPES, Policy, check_rule_setting

    if not isinstance(raw, dict):
        problems.append("policy must map keys to {type: ..., default: ..., doc: ...}")
        return ()
    found = []
    for key, spec in raw.items():
        here = f"policy.{key}"
        if not isinstance(key, str) or not re.match(_POLICY_KEY, key):
            problems.append(f"{here}: a key is snake_case: lower-case letters, digits and _ (at most 64)")
            continue
        if key in Policy.rule_keys():
            problems.append(f"{here}: is a built-in setting; read it as $.policy.{key} without declaring it")
            continue
        if not isinstance(spec, dict) or "type" not in spec or set(spec) - _DECLARATION_KEYS:
            problems.append(f"{here}: give {{type: {'|'.join(RULE_SETTING_TYPES)}, default: VALUE, doc: TEXT}} "
                            "(default and doc optional)")
            continue
        if spec["type"] not in RULE_SETTING_TYPES:
            problems.append(f"{here}.type: {spec['type']!r} is not one of {', '.join(RULE_SETTING_TYPES)}")
            continue
        default = spec.get("default")
        if default is not None:
            try:
                default = check_rule_setting(spec["type"], default)
            except ValueError as exc:
                problems.append(f"{here}.default: {exc}")
                continue
        if not isinstance(spec.get("doc", ""), str):
            problems.append(f"{here}.doc: is not a string")
            continue
        found.append((key, PolicyDeclaration(spec["type"], default, " ".join(str(spec.get("doc", "")).split()))))
    return tuple(sorted(found))


def _variants(raw: Any, problems: list[str]) -> dict[str, dict[str, str]]:
    """``variants``: NAME → {dialect: text}, one text for every dialect (:mod:`cogcheck.inputs.dialects`)."""
    from cogcheck.inputs.dialects import DIALECTS

    if not isinstance(raw, dict):
        problems.append("variants must map names to {dialect: text}")
        return {}
    found: dict[str, dict[str, str]] = {}
    for name, texts in raw.items():
        if not isinstance(texts, dict) or set(texts) != set(DIALECTS):
            problems.append(f"variants.{name}: give exactly one text for each of {', '.join(DIALECTS)}")
            continue
        if not all(isinstance(text, str) and "{variant:" not in text for text in texts.values()):
            problems.append(f"variants.{name}: each text is a string without {{variant:...}}")
            continue
        found[str(name)] = dict(texts)
    return found


def _dialect_texts(
    message: Any, variants: dict[str, dict[str, str]], used: set[str], where: str, problems: list[str]
) -> tuple[tuple[str, str], ...]:
    """(dialect, message) for each dialect when ``message`` has ``{variant:NAME}`` placeholders, else ()."""
    if not isinstance(message, str) or "{variant:" not in message:
        return ()
    names = re.findall(_VARIANT, message)
    missing = sorted(set(names) - set(variants))
    if missing:
        problems.append(f"{where}.message: no variants named {', '.join(missing)}")
        return ()
    used.update(names)
    return _variant_texts(message, variants)


def _variant_texts(message: str, variants: dict[str, dict[str, str]]) -> tuple[tuple[str, str], ...]:
    """(dialect, ``message`` with its ``{variant:NAME}`` placeholders filled in) for each dialect."""
    from cogcheck.inputs.dialects import DIALECTS

    pieces = re.split(_VARIANT, message)  # text, name, text, name, ..., text
    return tuple((dialect, "".join(variants[p][dialect] if i % 2 else p for i, p in enumerate(pieces)))
                 for dialect in DIALECTS)


def parse_name(kind: str, spec: str) -> Any:
    """``{prop:NAME}``, ``{prop:Resource/NAME}`` or ``{type:NAME}`` as a :class:`cogcheck.cfn.names.Name`;
    ``{cdk:NAME}`` as the CDK prop path."""
    from cogcheck.cfn.names import Name, full_type
    from cogcheck.cfn.types import CLIENT_TYPE as CLIENT
    from cogcheck.inputs.cdk.names import CDK_PROPS

    if kind == "type":
        return Name(spec, kind="type")
    if kind == "cdk":
        return CDK_PROPS.get(spec, spec)
    resource, slash, path = spec.rpartition("/")
    return Name(path, full_type(resource) if slash else CLIENT)


def name_problems(kind: str, spec: str) -> list[str]:
    """Why a name placeholder cannot be rendered in every dialect (empty when it can)."""
    from cogcheck.cfn.names import full_type
    from cogcheck.cfn.types import CLIENT_TYPE as CLIENT
    from cogcheck.inputs.cdk.names import CDK_PROPS
    from cogcheck.inputs.dialects import DIALECTS
    from cogcheck.model.schema import known_properties

    if kind == "cdk":
        return [] if spec in CDK_PROPS else [f"no CDK prop is known for {spec!r} (cogcheck.inputs.cdk.names)"]
    name = parse_name(kind, spec)
    types = {full_type(t) for d in DIALECTS.values() for t in d.types} or {CLIENT}
    resource = full_type(name) if kind == "type" else name.resource
    if resource not in types:
        return [f"{resource} is not a resource type cogcheck reads"]
    if kind == "prop" and resource == CLIENT and name.split(".")[0].split("[")[0] not in known_properties():
        return [f"{name.split('.')[0]!r} is not a property of {CLIENT}"]
    return [problem for dialect in DIALECTS.values() if (problem := dialect.knows(name))]


_CACHE: dict[Path, tuple[Rule, ...]] = {}


def rule_ids(directory: Path | None = None) -> list[str]:
    """The ids of the shipped rules, read off the file names: no parsing (cheap enough for option checks)."""
    return sorted(path.stem for path in (directory or rules_dir()).glob("COG-*.yaml") if _ID.match(path.stem))


def cfn_lint_aliases(rule_id: str) -> tuple[str, ...]:
    """Every cfn-lint id ``rule_id`` can be reported under, one per level of :data:`SEVERITIES` in that order (see
    :meth:`Rule.cfn_lint_id_for`). A shipped rule's: ``E9101``, ``W9101``, ``I9101``; a user rule's: the letter,
    ``9`` and the id (``E9ORG-001``), which no shipped id (a digit after the ``9``) nor cfn-lint's own (four
    digits) can be."""
    if not rule_id.startswith("COG-"):
        return tuple(f"{CFN_LINT_LETTERS[level]}9{rule_id}" for level in SEVERITIES)
    group = "1" if rule_id[4] == "E" else "2"
    return tuple(f"{CFN_LINT_LETTERS[level]}9{group}{rule_id[-2:]}" for level in SEVERITIES)


def rule_id_of(cfn_lint_id: str) -> str | None:
    """``W9113`` → ``COG-E013``, ``W9ORG-001`` → ``ORG-001``; None when ``cfn_lint_id`` is not one of cogcheck's
    cfn-lint ids."""
    wanted = cfn_lint_id.strip().upper()
    user = re.match(_USER_CFN_LINT_ID, wanted)
    if user is not None:
        return user.group(2) if USER_ID.match(user.group(2)) else None
    match = re.match(_CFN_LINT_ID, wanted)
    if match is None:
        return None
    return f"COG-{'E' if match.group(2) == '1' else 'S'}0{match.group(3)}"


def id_matches(rule_id: str, pattern: str) -> bool:
    """``pattern`` is a rule id or prefix (``COG-S``), or a cfn-lint id or prefix (``E9101``, ``W92``) of any level."""
    pattern = pattern.strip().upper()
    if rule_id.startswith(pattern):
        return True
    return len(pattern) >= 2 and any(alias.startswith(pattern) for alias in cfn_lint_aliases(rule_id))


def load_rules(directory: Path | None = None) -> tuple[Rule, ...]:
    """Every rule of ``directory`` (the shipped rules by default), sorted by id."""
    from cogcheck.engine import rulecache

    directory = directory or rules_dir()
    if directory in _CACHE:
        return _CACHE[directory]
    files = sorted(directory.glob("*.yaml"))
    # the YAML's data as JSON, generated beside the shipped rules and checked against them by hash; its rules were
    # checked by scripts/regenerate.py when it was written (and its --check checks them again), so they are built
    # as they are, without checking each rule again at every start
    documents = rulecache.load(directory, files)
    result = _rules(directory, files, documents, checked=False) if documents is not None else check_rules(directory)
    _CACHE[directory] = result
    return result


def check_rules(directory: Path) -> tuple[Rule, ...]:
    """Every rule of ``directory`` parsed from its YAML and checked (what ``scripts/regenerate.py`` does before it
    writes ``rules.compiled``), sorted by id."""
    files = sorted(directory.glob("*.yaml"))
    return _rules(directory, files, rule_documents(files), checked=True)


def _rules(directory: Path, files: Sequence[Path], documents: Sequence[Any], checked: bool) -> tuple[Rule, ...]:
    import cogcheck.engine.predicates.policy
    import cogcheck.engine.predicates.resources
    import cogcheck.engine.predicates.schema
    import cogcheck.engine.predicates.sessions
    import cogcheck.engine.predicates.template
    import cogcheck.engine.predicates.tokens
    import cogcheck.engine.predicates.values  # noqa: F401  (registers the COG-E predicates)
    from cogcheck.engine.predicates.base import PREDICATES

    rules = []
    for path, data in zip(files, documents, strict=True):
        rule = parse_rule(data, path.name, PREDICATES) if checked else build_rule(data, path.name)
        if path.stem != rule.id:
            raise RuleError(f"{path.name}: file name must be the rule id {rule.id}")
        rules.append(rule)
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise RuleError(f"duplicate rule ids in {directory}")
    return tuple(sorted(rules, key=lambda r: r.id))


def rule_documents(files: Sequence[Path]) -> list[Any]:
    """What each rule file holds, parsed as YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents = []
    for path in files:
        with path.open("rb") as handle:
            documents.append(yaml.load(handle, Loader=loader))  # noqa: S506 - a safe loader
    return documents
