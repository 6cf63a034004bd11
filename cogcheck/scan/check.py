"""The per-template check: every user pool client of one parsed template × its scenarios → findings, and the
configuration's per-path ignores. The pipeline, the Terraform scan and the cfn-lint plugin all check through it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cogcheck.cfn.scenarios import Scenario, reduce_scenarios
from cogcheck.cfn.types import CLIENT_TYPE
from cogcheck.findings import Finding, Notice

if TYPE_CHECKING:  # the engine is imported when a template with a client is met, not at start-up
    from cogcheck.cfn.names import Dialect
    from cogcheck.cfn.parse import Template
    from cogcheck.cfn.resolve import ResolveOptions
    from cogcheck.engine.evaluate import Hit
    from cogcheck.engine.rules import Rule
    from cogcheck.inputs.types import TemplateInput
    from cogcheck.scan.memo import Evaluated
    from cogcheck.scan.options import ScanOptions

#: A client gets at most this many findings of one rule; the rest are counted in one more finding of that rule.
MAX_FINDINGS_PER_RULE = 20


def drop_ignored_by_path(findings: list[Finding], options: ScanOptions) -> list[Finding]:
    """``findings`` without those the configuration's ``per-path-ignores`` ignore."""
    if not options.per_path_ignores:
        return findings
    return [f for f in findings if not _ignored_by_path(f, options)]


def _ignored_by_path(finding: Finding, options: ScanOptions) -> bool:
    from cogcheck.inputs.globs import path_matches

    base = options.config_base or Path.cwd()
    return any(
        finding.rule_id.startswith(ids) and path_matches(finding.file, glob, base)
        for glob, ids in options.per_path_ignores
    )


def check_template(
    template: Template, rules: Sequence[Rule], options: ScanOptions, item: TemplateInput | None = None
) -> tuple[list[Finding], list[Notice], int]:
    """Findings for every client of one parsed template (a client's evaluation reused from ``options.client_memo``
    when it still holds: :mod:`cogcheck.scan.memo`).

    While it runs, everything alive before it (the parsed template, the rules) is kept out of the collector's young
    generations (:func:`gc.freeze`, undone after): the check's garbage collections walk only what the check made.
    Without it, a template of 16,000 clients spent a quarter of its CPU in two middle-generation collections that
    walked the whole template again (time per client 1.23× that of 1,000 clients). Only where nothing else froze the
    heap (the editor's server and forked workers freeze their own, and keep it frozen)."""
    import gc

    if gc.get_freeze_count():
        return _check_template(template, rules, options, item)
    gc.freeze()
    try:
        return _check_template(template, rules, options, item)
    finally:
        gc.unfreeze()


def _check_template(
    template: Template, rules: Sequence[Rule], options: ScanOptions, item: TemplateInput | None
) -> tuple[list[Finding], list[Notice], int]:
    from cogcheck.inputs.dialects import DIALECTS

    dialect = DIALECTS[item.dialect if item is not None else "cloudformation"]

    resolve = options.resolve
    if item is not None and item.parameters:
        resolve = replace(resolve, parameters={**item.parameters, **resolve.parameters})
    findings: list[Finding] = []
    notices: list[Notice] = duplicate_notices(template) if template.duplicates else []
    clients = 0
    #: findings of other resources (session configuration attachments) already reported through another client
    reported: set[tuple[Any, ...]] = set()
    memo = options.client_memo.session(template, item, options.policy.previous) if options.client_memo else None
    for logical_id, resource in template.resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != CLIENT_TYPE:
            continue
        clients += 1
        done = memo.get(logical_id) if memo is not None else None
        if done is None:
            done = _evaluate_client(template, logical_id, resource, rules, options, resolve, dialect, item)
            if memo is not None:
                memo.put(logical_id, done)
        notices += done.notices
        hits, first, roles, evaluated = done.hits, done.first, done.roles, done.evaluated
        per_rule: dict[str, int] = {}
        dropped: dict[str, tuple[Hit, dict[Any, Any], str]] = {}
        for key, scenarios in hits.items():
            hit, origins = first[key]
            role = "/".join(sorted(roles[key]))  # one role, or e.g. "public/server" when scenarios disagree
            for described in reduce_scenarios(scenarios, evaluated):
                if hit.resource is not None:  # another resource's finding: once, whichever client found it
                    identity = (hit.rule.id, hit.severity, hit.message, hit.resource, hit.property, described)
                    if identity in reported:
                        continue
                    reported.add(identity)
                per_rule[hit.rule.id] = per_rule.get(hit.rule.id, 0) + 1
                if per_rule[hit.rule.id] <= MAX_FINDINGS_PER_RULE:
                    findings.append(
                        _finding(template, logical_id, hit, origins, described, item, role, options.offer_fixes)
                    )
                else:
                    dropped.setdefault(hit.rule.id, (hit, origins, role))
        for rule_id, (hit, origins, role) in sorted(dropped.items()):
            more = per_rule[rule_id] - MAX_FINDINGS_PER_RULE
            from cogcheck.engine.evaluate import Hit  # imported already: the hit came from it

            summary = Hit(
                hit.rule, hit.severity, (),
                f"{more} more {rule_id} finding{'s' if more != 1 else ''} on this client not listed "
                f"(at most {MAX_FINDINGS_PER_RULE} per rule and client)",
                hit.resource, None, hit.fix_declined,
            )
            findings.append(_finding(template, logical_id, summary, origins, None, item, role, options.offer_fixes))
    if memo is not None:
        memo.close()
    return findings, notices, clients


def _evaluate_client(
    template: Template, logical_id: str, resource: dict[str, Any], rules: Sequence[Rule], options: ScanOptions,
    resolve: ResolveOptions, dialect: Dialect, item: TemplateInput | None,
) -> Evaluated:
    """What the rules find for one client under each of its scenarios (hits keyed by what makes a finding)."""
    from cogcheck.cfn.scenarios import plan_scenarios
    from cogcheck.engine.evaluate import evaluate_rules
    from cogcheck.engine.predicates.base import World
    from cogcheck.model.client import build_view, role_name
    from cogcheck.scan.memo import Evaluated

    done = Evaluated()
    plan = plan_scenarios(template, logical_id, resolve)
    if plan.note:
        done.notices.append(Notice(template.file, logical_id, plan.note))
    for scenario, resolver in plan.scenarios:
        origins: dict[Any, Any] = {}
        props = resolver.value(resource.get("Properties", {}), ("Properties",), (), origins)
        done.evaluated.append(scenario)
        if not isinstance(props, dict):
            done.notices.append(Notice(template.file, logical_id, "Properties cannot be resolved; rules abstain"))
            continue
        view = build_view(logical_id, props, origins, options.policy)
        world = World(template, resolver, logical_id, view, options.policy, item.stack if item is not None else None)
        for hit in evaluate_rules(rules, view, world, options.severity, dialect):
            key = (hit.rule.id, hit.severity, hit.message, hit.property, hit.resource)
            done.hits.setdefault(key, []).append(scenario)
            done.first.setdefault(key, (hit, origins))
            done.roles.setdefault(key, set()).add(role_name(view.data["effective"]["role"]))
    return done


#: A template gets at most this many notices of keys written twice outside its clients; the rest are counted.
MAX_DUPLICATE_NOTICES = 20


def duplicate_notices(template: Template) -> list[Notice]:
    """A notice for each key written twice outside the template's user pool clients (a template with a
    ``Transform``: :mod:`cogcheck.cfn.duplicates`); inside a client, COG-E038 reports it."""
    from cogcheck.cfn.duplicates import MAX_RECORDED, describe

    depth = len(template.resources_key)
    notices: list[Notice] = []
    outside = 0
    for duplicate in template.duplicates.found:
        logical_id = duplicate.path[depth] if duplicate.path[:depth] == template.resources_key \
            and len(duplicate.path) > depth else None
        resource = template.resources.get(logical_id) if isinstance(logical_id, str) else None
        if isinstance(resource, dict) and resource.get("Type") == CLIENT_TYPE:
            continue
        outside += 1
        if outside <= MAX_DUPLICATE_NOTICES:
            notices.append(Notice(
                template.file, logical_id if isinstance(logical_id, str) else None,
                f"line {duplicate.line}: {describe(duplicate)} is written more than once in one mapping; the template "
                "has a Transform, so cogcheck keeps the last value, as SAM CLI does (CloudFormation without SAM CLI "
                "rejects it)",
            ))
    unlisted = max(0, outside - MAX_DUPLICATE_NOTICES)
    unrecorded = template.duplicates.total - len(template.duplicates.found)
    if unlisted or unrecorded:
        notices.append(Notice(
            template.file, None,
            f"{unlisted + unrecorded} more keys written more than once in one mapping are not listed (at most "
            f"{MAX_DUPLICATE_NOTICES} notices per template, of the first {MAX_RECORDED} such keys found)",
        ))
    return notices


def _finding(
    template: Template,
    logical_id: str,
    hit: Hit,
    origins: dict[Any, Any],
    scenario: Scenario | None,
    item: TemplateInput | None,
    role: str | None = None,
    fixes: bool = True,
) -> Finding:
    from cogcheck.engine.paths import format_property

    client, resource_type = logical_id, CLIENT_TYPE
    if hit.resource is not None:  # a session configuration attachment: the finding is its own, at its property
        logical_id = hit.resource
        found = template.resources.get(logical_id)
        resource_type = str(found.get("Type")) if isinstance(found, dict) else CLIENT_TYPE
        at = (logical_id, "Properties", *hit.property) if hit.property else (logical_id,)
        line, column = template.locate_in_resources(at)
    else:
        path = hit.property
        while path and path not in origins:
            path = path[:-1]
        raw = origins[path] if path else ()
        line, column = template.locate_in_resources((logical_id,) + tuple(raw))
    context = item.context if item is not None else None
    construct_path = source = None
    prop = format_property(hit.property)
    extra: dict[str, Any] = {}
    if context is not None:
        construct_path, source = context.describe(logical_id, prop)
        extra = dict(context.details(logical_id))
    if hit.resource is not None:
        extra["client"] = client  # additive JSON key: the client whose check found the attachment's finding
    elif role is not None:
        extra["client_role"] = role  # additive JSON key: machine | server | public | native | none | unknown
    fix = declined = None
    if hit.fix is not None and hit.resource is None and fixes:  # fixes edit the client's own properties
        from cogcheck.fix.offer import offer

        fix, declined = offer(template, logical_id, hit.property, origins, hit.fix, context is not None, item)
    elif hit.fix_declined is not None and hit.resource is None:
        declined = hit.fix_declined
    cdk_fix = None
    if context is not None:  # a CDK app's template: the change to make in its code
        from cogcheck.inputs.cdk.advice import cdk_change

        cdk_fix = cdk_change(hit.rule.id, prop, declined)
    return Finding(
        rule_id=hit.rule.id,
        severity=hit.severity,
        message=hit.message,
        file=template.file,
        line=line,
        column=column,
        resource=logical_id,
        resource_type=resource_type,
        property=prop,
        stack=item.stack if item is not None else None,
        construct_path=construct_path,
        source=source,
        scenario=scenario,
        rule_name=hit.rule.name,
        extra=extra,
        project_path=item.project_path if item is not None else None,
        fix=fix,
        fix_declined=declined,
        cdk_fix=cdk_fix,
    )

