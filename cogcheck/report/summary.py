"""Counts shared by every report."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cogcheck.findings import SEVERITIES
from cogcheck.scan.result import ScanResult


def summary(result: ScanResult) -> dict[str, Any]:
    by_severity = Counter(f.severity for f in result.findings)
    by_rule = Counter(f.rule_id for f in result.findings)
    return {
        "findings": len(result.findings),
        "by_severity": {level: by_severity.get(level, 0) for level in SEVERITIES},
        "by_rule": dict(sorted(by_rule.items())),
        "templates": result.templates,
        "clients": result.clients,
        "errors": len(result.errors),
        "suppressed": len(result.suppressed),
        "baselined": len(result.baselined),
        "scenarios": result.scenarios,  # all | defaults (--scenarios)
    }


def error_phrases(result: ScanResult) -> list[str]:
    """What the errors of a run were, counted by kind: ``["1 input could not be read"]``."""
    inputs = sum(1 for error in result.errors if error.kind == "input")
    parameters = len(result.errors) - inputs
    phrases = [f"{plural(inputs, 'input')} could not be read"] if inputs else []
    if parameters:
        phrases.append(f"{plural(parameters, 'parameter value')} outside AllowedValues")
    return phrases


def scenario_phrases(result: ScanResult) -> list[str]:
    """What the run judged when it was not every deployment (``--scenarios defaults``), for the summary lines."""
    return ["judged with the parameter defaults only (--scenarios defaults)"] if result.scenarios == "defaults" else []


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
