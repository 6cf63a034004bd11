"""Rule documentation: ``cogcheck rule ID`` (ruff-style) and the rule reference in Markdown."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from cogcheck.engine.rules import Rule

#: Where a rule's documentation is published (``cogcheck rule ID`` prints the same text).
DOCS_URL = "https://github.com/cogcheck/cogcheck/blob/main/docs/rules.md#{anchor}"


def _para(text: str) -> str:
    return "\n".join(textwrap.fill(p, 100) for p in str(text).strip().split("\n\n"))


def sections(rule: Rule) -> list[tuple[str, str, bool]]:
    """The parts of a rule's docs in order, as (heading, text, is a YAML template): every renderer walks these."""
    docs = rule.docs
    return [
        ("What it does", str(docs["what"]), False),
        ("Why is this bad?", str(docs["why"]), False),
        ("Example", str(docs["example"]), True),
        ("Use instead", str(docs["use_instead"]), True),
    ]


def render_rule(rule: Rule) -> str:
    """The rule's docs as Markdown-flavoured text: What it does / Why is this bad? / Example / Use instead."""
    parts = [
        f"# {rule.name} ({rule.id})",
        "",
        f"Severity: {rule.severity} · cfn-lint id: {', '.join(rule.cfn_lint_ids)}"
        + (f" · tags: {', '.join(rule.tags)}" if rule.tags else ""),
        "",
        rule.summary,
    ]
    for heading, text, code in sections(rule):
        body = ["```yaml", text.rstrip(), "```"] if code else [_para(text)]
        parts += ["", f"## {heading}", *body]
    if rule.docs["references"]:
        parts += ["", "## References", *(f"- {ref}" for ref in rule.docs["references"])]
    return "\n".join(parts) + "\n"


def rule_summary(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "severity": rule.severity,
        "summary": rule.summary,
        "cfn_lint_id": rule.cfn_lint_id,
        "cfn_lint_ids": list(rule.cfn_lint_ids),
    }


def render_reference(rules: Sequence[Rule]) -> str:
    """``docs/rules.md``: a table of every rule, then each rule's docs."""
    lines = [
        "# cogcheck rules",
        "",
        "Generated from `rules/` by `python scripts/regenerate.py` (the same as `cogcheck rules --format markdown`); "
        "do not edit by hand.",
        "",
        "| id | name | severity | cfn-lint | summary |",
        "|---|---|---|---|---|",
    ]
    for rule in rules:
        lines.append(
            f"| [{rule.id}](#{rule.id.lower()}) | {rule.name} | {rule.severity} | {', '.join(rule.cfn_lint_ids)} "
            f"| {rule.summary} |"
        )
    for rule in rules:
        body = render_rule(rule).replace(f"# {rule.name} ({rule.id})", f"## {rule.id}\n\n`{rule.name}`", 1)
        body = body.replace("\n## ", "\n### ")
        lines += ["", body.rstrip()]
    return "\n".join(lines) + "\n"
