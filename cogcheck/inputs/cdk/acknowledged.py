"""Acknowledgements CDK recorded in ``cdk.out/validation-report.json`` for cogcheck's validation plugin.

An acknowledgement on a construct inside a stack is in the stack's metadata (see
:meth:`cogcheck.inputs.cdk.metadata.StackMetadata.acknowledgement`); one on the App or a Stage is in no stack's
metadata. CDK does record how it applied every acknowledgement, though: when cogcheck's plugin ran in the synth, the
report CDK writes into the root of the assembly (aws-cdk-lib 2.258 and later) lists the violations it acknowledged
under ``pluginReports[pluginName="cogcheck"].suppressedViolations``, each with ``acknowledgedId``
(``cogcheck::COG-E023``), ``reason``, ``acknowledgedAt`` (a construct path, absent for the App) and the resources
(``cloudFormationResource.templatePath`` relative to the assembly root, and ``logicalId``).

So that ``cogcheck scan cdk.out`` agrees with the synth, those are honoured too, for exactly that rule, template and
logical id. A report older than the manifest (left from an earlier synth) is not used.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from cogcheck.cfn.parse import JsonError, load_json
from cogcheck.findings import Notice
from cogcheck.inputs.cdk.metadata import ACK_NAMESPACE
from cogcheck.inputs.files import ReadError, read_limited

REPORT = "validation-report.json"

#: logical id → rule id → (reason, construct path where it was given; "" for the App)
Acks = dict[str, dict[str, tuple[str, str]]]
#: template path relative to the assembly root → its acknowledgements
Table = dict[str, Acks]


def parse_report(doc: Any) -> Table:
    """The acknowledged violations of cogcheck's plugin in a parsed ``validation-report.json``."""
    table: Table = {}
    reports = doc.get("pluginReports") if isinstance(doc, dict) else None
    for report in reports if isinstance(reports, list) else ():
        if not isinstance(report, dict) or report.get("pluginName") != ACK_NAMESPACE:
            continue
        suppressed = report.get("suppressedViolations")
        for violation in suppressed if isinstance(suppressed, list) else ():
            if not isinstance(violation, dict):
                continue
            ack_id, rule = violation.get("acknowledgedId"), violation.get("ruleName")
            if not isinstance(rule, str) or ack_id != f"{ACK_NAMESPACE}::{rule}":
                continue
            reason = violation.get("reason")
            where = violation.get("acknowledgedAt")
            entry = (reason if isinstance(reason, str) else "", where if isinstance(where, str) else "")
            constructs = violation.get("violatingConstructs")
            for construct in constructs if isinstance(constructs, list) else ():
                resource = construct.get("cloudFormationResource") if isinstance(construct, dict) else None
                template = resource.get("templatePath") if isinstance(resource, dict) else None
                logical_id = resource.get("logicalId") if isinstance(resource, dict) else None
                if isinstance(template, str) and isinstance(logical_id, str):
                    name = PurePosixPath(template.replace("\\", "/")).as_posix()
                    table.setdefault(name, {}).setdefault(logical_id, {}).setdefault(rule, entry)
    return table


def read_report(directory: Path, display: str, max_size: int) -> tuple[Table, Notice | None]:
    """The table of the report in the root assembly ``directory``; empty when there is none or it is stale."""
    path = directory / REPORT
    if not path.is_file() or path.is_symlink():
        return {}, None
    shown = f"{display}/{REPORT}" if display not in ("", ".") else REPORT
    try:
        if path.stat().st_mtime < (directory / "manifest.json").stat().st_mtime:
            return {}, None  # from an earlier synth: the templates may have changed since
        doc = load_json(read_limited(path, max_size))
    except (OSError, ReadError, JsonError) as exc:
        detail = getattr(exc, "message", None) or getattr(exc, "reason", None) or exc
        why = f"cannot be read ({detail}); acknowledgements recorded only there are not applied"
        return {}, Notice(shown, None, why)
    return parse_report(doc), None
