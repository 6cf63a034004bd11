"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning (one run, every enabled rule, no timestamps).

What GitHub reads: ``tool.driver.rules`` (descriptions, help, tags, ``security-severity``, precision), and per result
the level, the message and the first location, which must be a file in the repository. So:

* URIs are relative to the repository root (``uriBaseId: %SRCROOT%``), with forward slashes; a file outside it keeps
  a relative path relative (``../shared/t.yaml``) and an absolute one absolute (a ``file://`` URI), as every format
  does (:meth:`Locator.path`); GitHub cannot show either, other viewers can;
* a finding traced to the user's CDK source line gets that line as its primary location and the template position
  as a related location (a ``cdk.out`` is rarely committed), linked from the message;
* GitHub ignores logical locations, so the message also names the resource, construct path, stack and scenario;
* ``partialFingerprints`` come from :attr:`~cogcheck.findings.Finding.fingerprint`, which has no line numbers and
  uses the template's path in its project (:mod:`cogcheck.inputs.project`), so an alert keeps its identity when lines
  move and whichever directory the scan runs from;
* a finding cogcheck can fix carries ``fixes``: one fix, its edits as ``replacements`` of regions of the template
  (columns in Unicode code points, as the run's ``columnKind`` says; an insertion is an empty region). Unsafe fixes
  are included too, their description starting "Unsafe fix" and ``properties.applicability`` saying ``unsafe``
  (``safe`` otherwise): a viewer that applies SARIF fixes shows the reader both, GitHub shows neither. A finding whose
  fix was declined says why in ``properties.fixDeclined``;
* findings suppressed in the template are left out by default: GitHub code scanning ignores SARIF ``suppressions``
  and would open an alert for each (github/codeql-action#1230); ``include_suppressed`` (``--sarif-include-suppressed``)
  keeps them, with ``suppressions`` (``inSource``) and the reason, for viewers that honour them. They are counted in
  the run's ``properties.suppressed`` either way, and listed with their reasons by ``--format json/markdown
  --show-suppressed``.

:func:`render` is a pure function of the scan result, the enabled rules and two directories;
:func:`repository_root` finds the root the CLI passes.
"""

from __future__ import annotations

import functools
import io
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from cogcheck import __version__
from cogcheck.engine.rules import Rule
from cogcheck.findings import Finding, Fix
from cogcheck.report.ruledocs import render_rule, sections
from cogcheck.report.stream import Lazy, dump
from cogcheck.scan.result import ScanResult

if TYPE_CHECKING:
    from cogcheck.scan.suppress import Suppression

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "cogcheck/v1"
MAX_TAGS = 20  # GitHub reads at most 20 tags per rule

#: ``security-severity`` of a security rule that gives none, by its level (GitHub: ≥ 9 critical, ≥ 7 high, ≥ 4 medium).
DEFAULT_SECURITY_SEVERITY = {"error": 7.0, "warning": 5.0, "note": 2.0}

# Characters kept as they are in a relative URI path: RFC 3986 unreserved + sub-delims + "@" and "/".
# ":" is encoded so that a first segment such as "c:x" is never read as a scheme.
_SAFE = "/-._~!$&'()*+,;=@"
_LINK = re.compile(r"\[[^\[\]]*\]\(")


def repository_root(cwd: Path | None = None) -> Path:
    """The git work tree above ``cwd`` (a ``.git`` directory or file), else ``cwd`` itself."""
    from cogcheck.inputs.project import git_root

    start = Path(os.path.abspath(cwd or Path.cwd()))
    return git_root(start) or start


@dataclass(frozen=True)
class Locator:
    """Turns the paths of findings into repository paths and SARIF artifact locations.

    Template paths are as the user gave them: relative to ``cwd``, or absolute. Source lines of CDK apps
    (:class:`~cogcheck.findings.Source`) are relative to the source root of the scan (``--source-root``, by default
    the git root above the ``cdk.out``): ``source_root``, which defaults to ``root``.
    """

    root: PurePath
    cwd: PurePath
    source_root: PurePath | None = None

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def path(self, file: str, source: bool = False) -> str:
        """``file`` relative to the root with forward slashes. Outside the root, a path given relative stays relative
        (``../shared/t.yaml``, from the root), one given absolute stays absolute: never the machine's path for a path
        that did not name it, so the report is the same wherever the checkout is."""
        path = PurePath(file)
        base = (self.source_root or self.root) if source else self.cwd
        absolute = PurePath(os.path.normpath(path if path.is_absolute() else base / path))
        try:
            relative = absolute.relative_to(self.root).as_posix()
        except ValueError:
            if path.is_absolute():
                return absolute.as_posix()
            try:
                return PurePath(os.path.relpath(absolute, self.root)).as_posix()
            except ValueError:  # pragma: no cover - another drive on Windows
                return absolute.as_posix()
        return relative if relative not in ("", ".") else absolute.name or "."

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - a few small locators per run; findings share files
    def artifact(self, file: str, source: bool = False) -> dict[str, Any]:
        """The artifact location of ``file`` (shared by the results in it: never changed once made)."""
        path = self.path(file, source)
        if PurePath(path).is_absolute():
            return {"uri": Path(path).as_uri()}
        return {"uri": quote(path, safe=_SAFE), "uriBaseId": SRCROOT}

    def inside(self, file: str, source: bool = False) -> bool:
        """Whether ``file`` is in the repository (a path the repository's viewers can show and link)."""
        path = self.path(file, source)
        return not PurePath(path).is_absolute() and path != ".." and not path.startswith("../")

    @classmethod
    def create(
        cls, root: Path | str | None = None, cwd: Path | str | None = None, source_root: Path | str | None = None
    ) -> Locator:
        """``cwd`` defaults to the current directory, ``root`` to :func:`repository_root` of ``cwd``."""
        here = PurePath(os.path.abspath(cwd or Path.cwd()))
        top = PurePath(os.path.abspath(root)) if root is not None else PurePath(repository_root(Path(here)))
        sources = PurePath(os.path.abspath(source_root)) if source_root is not None else None
        return cls(top, here, sources)


def render(
    result: ScanResult,
    rules: Sequence[Rule],
    *,
    root: Path | str | None = None,
    cwd: Path | str | None = None,
    source_root: Path | str | None = None,
    severity: Mapping[str, str] | None = None,
    category: str = "cogcheck",
    include_suppressed: bool = False,
) -> str:
    """The SARIF log of ``result``. ``rules``: the enabled rules (each listed, found or not).

    ``root`` is the repository root URIs are relative to (default: :func:`repository_root` of ``cwd``); ``cwd`` is
    what relative paths in findings are relative to (default: the current directory); ``source_root`` what CDK
    source lines are relative to (default: ``root``). ``severity``: the
    ``--severity`` overrides, shown as the rules' configured levels. ``include_suppressed``: keep findings suppressed
    in templates, marked with ``suppressions`` (GitHub ignores the mark, so they are left out by default).
    """
    out = io.StringIO()
    write(
        result, rules, out, root=root, cwd=cwd, source_root=source_root, severity=severity, category=category,
        include_suppressed=include_suppressed,
    )
    return out.getvalue()


def write(
    result: ScanResult,
    rules: Sequence[Rule],
    out: TextIO,
    *,
    root: Path | str | None = None,
    cwd: Path | str | None = None,
    source_root: Path | str | None = None,
    severity: Mapping[str, str] | None = None,
    category: str = "cogcheck",
    include_suppressed: bool = False,
) -> None:
    """:func:`render` written to ``out`` a result at a time (big logs are never held whole in memory)."""
    locator = Locator.create(root, cwd, source_root)
    overrides = severity or {}
    index = {rule.id: position for position, rule in enumerate(rules)}
    pairs: list[tuple[Finding, Suppression | None]] = [(finding, None) for finding in result.findings]
    if include_suppressed:
        pairs += [(finding, why) for finding, why in result.suppressed]
    pairs.sort(key=lambda pair: pair[0].sort_key())

    def results() -> Iterator[dict[str, Any]]:
        occurrences: Counter[str] = Counter()
        for finding, why in pairs:
            occurrences[finding.fingerprint] += 1
            yield _result(finding, why, index, locator, occurrences[finding.fingerprint])

    notifications = [_error_notification(error.file, error.line, error.message, locator) for error in result.errors]
    notifications += [_notice_notification(n.file, n.resource, n.message, locator) for n in result.notices]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "cogcheck",
                "semanticVersion": __version__,
                "version": __version__,
                "rules": [_rule(rule, overrides.get(rule.id, rule.severity)) for rule in rules],
            }
        },
        "automationDetails": {"id": f"{category}/"},
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The root of the repository that was scanned (its git work tree)."}}
        },
        "invocations": [
            {
                "executionSuccessful": not result.errors,
                "toolExecutionNotifications": notifications,
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": Lazy(results()),
        "properties": {
            "templates": result.templates,
            "clients": result.clients,
            "suppressed": len(result.suppressed),
            "baselined": len(result.baselined),
            "config": result.config,  # the configuration file used (None: none, e.g. with --isolated)
            "scenarios": result.scenarios,  # the deployments judged: all | defaults (--scenarios)
        },
    }
    log = {"$schema": SCHEMA, "version": VERSION, "runs": [run]}
    dump(log, out)
    out.write("\n")


# ------------------------------------------------------------------------------------------------------------ rules


def _rule(rule: Rule, level: str) -> dict[str, Any]:
    tags = list(dict.fromkeys([rule.group, *rule.tags]))[:MAX_TAGS]
    properties: dict[str, Any] = {"tags": tags, "precision": rule.precision}
    score = rule.security_severity
    if score is None and rule.group == "security":
        score = DEFAULT_SECURITY_SEVERITY[rule.severity]
    if score is not None:
        properties["security-severity"] = f"{score:.1f}"
    properties["cfn-lint-id"] = rule.cfn_lint_id
    properties["cfn-lint-ids"] = list(rule.cfn_lint_ids)  # one per level the rule gives (the letter is the level)
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": pascal_case(rule.name),  # SARIF's convention for a rule's friendly name
        "shortDescription": {"text": _sentence(rule.summary)},
        "fullDescription": {"text": _sentence(" ".join(str(rule.docs["what"]).split()))},
        "help": {"text": help_text(rule), "markdown": render_rule(rule)},
        # no helpUri: cogcheck has no published documentation site; the help above is the rule's whole page
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }
    if rule.pack:  # a rule pack's rule: the directory it came from
        properties["rule-pack"] = rule.pack
    return descriptor


def pascal_case(name: str) -> str:
    """``implicit-grant-enabled`` → ``ImplicitGrantEnabled``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", name) if part)


def help_text(rule: Rule) -> str:
    """The rule's docs as plain text (what GitHub shows where it cannot render Markdown)."""

    def block(text: str) -> str:
        return "\n".join("    " + line if line.strip() else "" for line in text.rstrip().splitlines())

    def para(text: str) -> str:
        return "\n\n".join(" ".join(p.split()) for p in text.strip().split("\n\n"))

    head = f"{rule.id} {rule.name} ({rule.severity}; cfn-lint {', '.join(rule.cfn_lint_ids)})"
    parts = [head, "", _sentence(rule.summary)]
    for heading, text, code in sections(rule):
        label = heading if heading.endswith("?") else heading + ":"
        parts += ["", label, block(text) if code else para(text)]
    if rule.docs["references"]:
        parts += ["", "References:", *(f"- {ref}" for ref in rule.docs["references"])]
    return "\n".join(parts) + "\n"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


# ---------------------------------------------------------------------------------------------------------- results


def _result(
    finding: Finding, why: Suppression | None, index: Mapping[str, int], locator: Locator, occurrence: int
) -> dict[str, Any]:
    template = _physical(locator, finding.file, finding.line, finding.column)
    related: list[dict[str, Any]] = []
    if uses_source(finding, locator) and finding.source is not None:
        primary = _physical(locator, finding.source.file, finding.source.line, None, source=True)
        related.append(
            {"id": 1, "physicalLocation": template, "message": {"text": "The resource in the synthesized template"}}
        )
    else:
        primary = template
    qualified = finding.construct_path or (f"{finding.stack}/{finding.resource}" if finding.stack else finding.resource)
    location: dict[str, Any] = {
        "physicalLocation": primary,
        "logicalLocations": [{"name": finding.resource, "fullyQualifiedName": qualified, "kind": "resource"}],
    }
    entry: dict[str, Any] = {"ruleId": finding.rule_id}
    if finding.rule_id in index:
        entry["ruleIndex"] = index[finding.rule_id]
    entry["level"] = finding.severity
    entry["message"] = {"text": message_text(finding, template_link=bool(related))}
    entry["locations"] = [location]
    if related:
        entry["relatedLocations"] = related
    entry["partialFingerprints"] = {
        FINGERPRINT_KEY: finding.fingerprint,
        "primaryLocationLineHash": f"{finding.fingerprint}:{occurrence}",
    }
    if finding.fix is not None:
        entry["fixes"] = [_fix(finding.fix, locator)]
    if why is not None:
        entry["suppressions"] = [{"kind": "inSource", "justification": why.justification}]
    properties: dict[str, Any] = {
        "resource": finding.resource,
        "resourceType": finding.resource_type,
        "property": finding.property,
    }
    if finding.stack is not None:
        properties["stack"] = finding.stack
    if finding.construct_path is not None:
        properties["constructPath"] = finding.construct_path
    if finding.scenario:
        properties["scenario"] = finding.scenario.as_json()
    if finding.fix_declined is not None:
        properties["fixDeclined"] = finding.fix_declined  # why no fix (for CDK, the change to make in the CDK code)
    entry["properties"] = properties
    return entry


def _fix(fix: Fix, locator: Locator) -> dict[str, Any]:
    """A SARIF ``fix``: the edits grouped by file (in the order given), each a replacement of a region."""
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        replacement: dict[str, Any] = {
            "deletedRegion": {
                "startLine": edit.start_line, "startColumn": edit.start_column,
                "endLine": edit.end_line, "endColumn": edit.end_column,
            },
        }
        if edit.text:  # no inserted content: the region is deleted
            replacement["insertedContent"] = {"text": edit.text}
        changes.setdefault(edit.file, []).append(replacement)
    label = "Fix" if fix.applicability == "safe" else "Unsafe fix (changes behaviour)"
    return {
        "description": {"text": _sentence(f"{label}: {fix.description}")},
        "artifactChanges": [
            {"artifactLocation": locator.artifact(file), "replacements": replacements}
            for file, replacements in changes.items()
        ],
        "properties": {"applicability": fix.applicability},
    }


def uses_source(finding: Finding, locator: Locator) -> bool:
    """Whether the finding's primary location is the user's source line (known and inside the repository)."""
    return finding.source is not None and locator.inside(finding.source.file, source=True)


def describe(finding: Finding) -> str:
    """The finding's message and where it is: resource, construct path, stack, scenario (plain text)."""
    text = _sentence(finding.message)
    where = [f"Resource {finding.resource}"]
    if finding.construct_path:
        where.append(f"construct {finding.construct_path}")
    if finding.stack and not (finding.construct_path or "").startswith(finding.stack + "/"):
        where.append(f"stack {finding.stack}")  # a construct path names its stack first
    text += " " + ", ".join(where)
    if finding.scenario:
        text += f" ({finding.scenario_text})"
    return text + "."


def message_text(finding: Finding, template_link: bool = False) -> str:
    """:func:`describe` for SARIF (GitHub shows no logical location) and, if asked, a link to the template position
    (related location 1)."""
    text = _escape_links(describe(finding))
    if template_link:
        text += f" Template: [{_escape_links(finding.file)}:{finding.line}](1)."
    return text


def _escape_links(text: str) -> str:
    """Backslash the brackets of anything that a SARIF viewer would take for an embedded link ``[text](id)``."""
    return _LINK.sub(lambda m: m.group(0).replace("[", "\\[").replace("]", "\\]"), text)


def _physical(
    locator: Locator, file: str, line: int | None, column: int | None, source: bool = False
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": locator.artifact(file, source)}
    region: dict[str, Any] = {"startLine": max(1, line or 1)}
    if column:
        region["startColumn"] = max(1, column)
    physical["region"] = region
    return physical


def _error_notification(file: str, line: int | None, message: str, locator: Locator) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": locator.artifact(file)}
    if line:
        physical["region"] = {"startLine": max(1, line)}
    return {
        "level": "error",
        "message": {"text": _sentence(f"{file}: {message}")},
        "locations": [{"physicalLocation": physical}],
        "descriptor": {"id": "input-error"},
    }


def _notice_notification(file: str, resource: str | None, message: str, locator: Locator) -> dict[str, Any]:
    text = f"{file}: {resource + ': ' if resource else ''}{message}"
    return {
        "level": "note",
        "message": {"text": _sentence(text)},
        "locations": [{"physicalLocation": {"artifactLocation": locator.artifact(file)}}],
        "descriptor": {"id": "notice"},
    }
