"""Suppressions written in the template itself, read from the raw ``Metadata`` (never from resolved values).

Two spellings are honoured, on a resource and at template level (top-level ``Metadata``):

* cogcheck's own, which needs a reason::

      Metadata:
        cogcheck:
          ignore:
            - {id: COG-S001, reason: "legacy SPA, removed in Q3"}

  An entry without a non-empty ``reason`` does not suppress anything: the finding is still reported, and a notice
  says why the suppression was ignored. ``id`` is a rule id, a cfn-lint id (``W9201``) or a prefix of either
  (``COG-S``), as with ``--ignore``.
* cfn-lint's, which needs none: ``Metadata: {cfn-lint: {config: {ignore_checks: [E9101, W9201]}}}``, matched
  against the finding's cfn-lint id at its level (:meth:`~cogcheck.engine.rules.Rule.cfn_lint_id_for`) by prefix,
  as cfn-lint itself does.

A resource's suppressions are tried before the template's, cogcheck's before cfn-lint's; the first match wins.
Suppressed findings are not dropped: they are returned beside the active ones so that reports can show them.

A CDK stack also honours CDK's own acknowledgements recorded in the assembly
(``Validations.of(scope).acknowledge(Acknowledgment(id="cogcheck::COG-E001", reason=...))``, see
:func:`apply_acknowledgements`) when the user trusts the assembly (``--trust-cdk-acknowledgements``), so
``cogcheck scan cdk.out`` right after a synth agrees with the synth-time plugin (:mod:`cogcheck.cdk`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cogcheck.cfn.parse import Template
from cogcheck.engine.rules import Rule, id_matches
from cogcheck.findings import Finding, Notice
from cogcheck.inputs.types import ResourceContext
from cogcheck.record import Record

#: What an ``id`` may look like: a cogcheck rule id or prefix, a rule pack's id or prefix with its dash (``ORG-``,
#: ``ORG-001``), or a cfn-lint id or prefix of the plugin's ranges (``W9``, ``E9101``, ``W9ORG-001``). Compiled when
#: first used (by :mod:`re`'s cache): most templates suppress nothing, and compiling it takes longer than a scan of
#: a small template's suppressions.
_ID_SHAPE = r"(?i)^(COG(-([ES](\d{1,3})?)?)?|[EWI](9(\d{1,3})?)?|([EWI]9)?[A-Z][A-Z0-9]{1,11}-([A-Z]?\d{0,3})?)$"


@dataclass(frozen=True)
class Suppression:
    """Why a finding is not reported as active."""

    source: str  # "cogcheck" (Metadata.cogcheck.ignore) | "cfn-lint" (Metadata.cfn-lint.config.ignore_checks) | "cdk"
    scope: str  # "resource" | "template" | "construct" (a CDK acknowledgement, at a construct or one of its parents)
    id: str  # the id or prefix as written
    reason: str  # the justification; empty for cfn-lint, which takes none

    @property
    def justification(self) -> str:
        if self.reason:
            return self.reason
        return f"cfn-lint ignore_checks {self.id} in {self.scope} Metadata"

    def matches(self, rule_id: str, cfn_lint_id: str) -> bool:
        pattern = self.id.upper()
        if self.source == "cfn-lint":
            return cfn_lint_id.startswith(pattern)
        return id_matches(rule_id, pattern)  # as --ignore: a rule id, or its cfn-lint id at any level, or a prefix

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "scope": self.scope, "id": self.id, "reason": self.justification}


class Spelling(Record):
    """How an input writes cogcheck's suppressions, for the notices that say how to fix one: ``where``, what holds
    them; ``entry``, one suppression, ``{id}`` standing for the rule id."""

    __slots__ = ("entry", "where")

    def __init__(self, where: str, entry: str) -> None:
        self.where: Final = where
        self.entry: Final = entry


#: ``Metadata: {cogcheck: {ignore: [...]}}`` in a CloudFormation template (and in a CDK stack's).
CLOUDFORMATION = Spelling("Metadata.cogcheck.ignore", '{{id: {id}, reason: "why this is acceptable"}}')
#: A ``# cogcheck:ignore`` comment on or above a Terraform block (:mod:`cogcheck.inputs.terraform.module`).
TERRAFORM = Spelling("cogcheck:ignore", "# cogcheck:ignore {id} reason: why this is acceptable")


def read_suppressions(
    metadata: Any, scope: str, spelling: Spelling = CLOUDFORMATION
) -> tuple[list[Suppression], list[str]]:
    """The suppressions of one ``Metadata`` block, and the problems that made entries of it count for nothing
    (said in the input's own ``spelling``)."""
    suppressions: list[Suppression] = []
    problems: list[str] = []
    if not isinstance(metadata, Mapping):
        return suppressions, problems
    own = metadata.get("cogcheck")
    if own is not None:
        entries = own.get("ignore") if isinstance(own, Mapping) else None
        if not isinstance(entries, list):
            problems.append(f"{spelling.where} must be a list of {{id: RULE, reason: WHY}}; nothing is suppressed")
            entries = []
        for entry in entries:
            rule_id = entry.get("id") if isinstance(entry, Mapping) else entry
            reason = entry.get("reason") if isinstance(entry, Mapping) else None
            if not isinstance(rule_id, str) or not re.match(_ID_SHAPE, rule_id.strip()):
                problems.append(f"{spelling.where} entry {_show(entry)} has no cogcheck rule id; it is ignored")
                continue
            rule_id = rule_id.strip()
            if not isinstance(reason, str) or not reason.strip():
                problems.append(
                    f"suppression of {rule_id} has no reason, so it does not suppress: "
                    f"write {spelling.entry.format(id=rule_id)}"
                )
                continue
            suppressions.append(Suppression("cogcheck", scope, rule_id, " ".join(reason.split())))
    cfn_lint = metadata.get("cfn-lint")
    config = cfn_lint.get("config") if isinstance(cfn_lint, Mapping) else None
    checks = config.get("ignore_checks") if isinstance(config, Mapping) else None
    if isinstance(checks, str):
        checks = [checks]
    if isinstance(checks, list):
        named = [check.strip() for check in checks if isinstance(check, str) and check.strip()]
        suppressions += [Suppression("cfn-lint", scope, check, "") for check in named]
    return suppressions, problems


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def template_metadata(template: Template) -> Any:
    """The template-level ``Metadata`` (for a Serverless Framework file, also the one beside ``Resources``)."""
    metadata = template.doc.get("Metadata")
    if metadata is None and len(template.resources_key) > 1:
        node: Any = template.doc
        for key in template.resources_key[:-1]:
            node = node.get(key) if isinstance(node, Mapping) else None
        metadata = node.get("Metadata") if isinstance(node, Mapping) else None
    return metadata


def apply_suppressions(
    template: Template,
    findings: Sequence[Finding],
    rules: Sequence[Rule],
    resource_type: str | tuple[str, ...],
    spelling: Spelling = CLOUDFORMATION,
) -> tuple[list[Finding], list[tuple[Finding, Suppression]], list[Notice]]:
    """Split ``findings`` of one template into (active, suppressed with why, notices about the suppressions).

    Suppressions are read for the template and for every resource of ``resource_type`` (one type or several: the
    types whose findings are reported as theirs, :data:`cogcheck.cfn.types.REPORTED_TYPES`), so that a malformed or
    reasonless one is reported even while it has nothing to suppress; ``spelling``: how the input writes them.
    """
    by_id = {rule.id: rule for rule in rules}
    types = (resource_type,) if isinstance(resource_type, str) else resource_type
    notices: list[Notice] = []
    template_level, problems = read_suppressions(template_metadata(template), "template", spelling)
    notices += [Notice(template.file, None, problem) for problem in problems]
    by_resource: dict[str, list[Suppression]] = {}
    for logical_id, resource in template.resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") not in types:
            continue
        own, problems = read_suppressions(resource.get("Metadata"), "resource", spelling)
        by_resource[logical_id] = own
        notices += [Notice(template.file, logical_id, problem) for problem in problems]
    active: list[Finding] = []
    suppressed: list[tuple[Finding, Suppression]] = []
    for finding in findings:
        rule = by_id.get(finding.rule_id)
        cfn_lint_id = rule.cfn_lint_id_for(finding.severity) if rule is not None else ""  # the id at its level
        candidates = by_resource.get(finding.resource, []) + template_level
        ordered = [s for s in candidates if s.source == "cogcheck"] + [s for s in candidates if s.source != "cogcheck"]
        match = next((s for s in ordered if s.matches(finding.rule_id, cfn_lint_id)), None)
        if match is None:
            active.append(finding)
        else:
            suppressed.append((finding, match))
    return active, suppressed, notices



def apply_acknowledgements(
    findings: Sequence[Finding], context: ResourceContext, trusted: bool = False
) -> tuple[list[Finding], list[tuple[Finding, Suppression]], list[Notice]]:
    """Split ``findings`` into (active, acknowledged in CDK, notices): an ``aws:cdk:acknowledged-rules`` entry for
    ``cogcheck::RULE`` at the resource's construct path or a parent of it, as CDK applies it to the plugin's report,
    or the acknowledgement CDK's validation report records for the resource (:mod:`cogcheck.inputs.cdk.acknowledged`).
    CDK takes any reason, an empty one too, so the scan does as well (the synth and the scan must agree).

    Nothing in an assembly shows that a synth wrote it: a hand-written ``manifest.json`` or a committed
    ``validation-report.json`` reads the same. So acknowledgements count only when ``trusted``
    (``--trust-cdk-acknowledgements``: the user says the scanned ``cdk.out`` is one their own job synthesised);
    otherwise each one that would silence a finding is a notice naming the file that records it, and the finding
    stays active."""
    active: list[Finding] = []
    acknowledged: list[tuple[Finding, Suppression]] = []
    notices: list[Notice] = []
    for finding in findings:
        found = context.acknowledgement(finding.resource, finding.rule_id)
        if found is None:
            active.append(finding)
            continue
        text = " ".join(found.reason.split()) or "no reason given"
        if not trusted:
            active.append(finding)
            at = f" at {found.where}" if found.where else " on the App"
            notices.append(Notice(  # once per resource and rule (a notice is a value: duplicates are dropped below)
                found.recorded_in, finding.resource,
                f"CDK acknowledgement cogcheck::{finding.rule_id}{at} of the finding in {finding.file} is ignored, so "
                "the finding stays: nothing in a cloud assembly shows that a synth wrote it; pass "
                "--trust-cdk-acknowledgements when this job synthesised the scanned cdk.out",
            ))
            continue
        why = f"{text} (acknowledged at {found.where})" if found.where else text
        acknowledged.append((finding, Suppression("cdk", "construct", f"cogcheck::{finding.rule_id}", why)))
    return active, acknowledged, list(dict.fromkeys(notices))
