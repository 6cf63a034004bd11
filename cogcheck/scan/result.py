"""What a scan found: :class:`ScanResult`, the one value every report renders (reports import this, not the
pipeline, so printing a result loads no reader)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from cogcheck.findings import Finding, InputError, Notice

if TYPE_CHECKING:
    from cogcheck.scan.suppress import Suppression


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    templates: int = 0
    clients: int = 0
    suppressed: list[tuple[Finding, Suppression]] = field(default_factory=list)  # by template Metadata, with why
    baselined: list[Finding] = field(default_factory=list)  # matched by --baseline (see cogcheck.scan.baseline)
    declared_parameters: set[str] = field(default_factory=set)  # names the scanned templates declare
    declared_variables: set[str] = field(default_factory=set)  # names the scanned Terraform root modules declare
    inputs: set[str] = field(default_factory=set)  # real paths of the files discovered: outputs never replace them
    config: str | None = None  # the configuration file used, as named (None: none); reports say which
    scenarios: str = "all"  # the deployments judged (cogcheck.cfn.resolve.SCENARIO_MODES); reports say which



def packed(result: ScanResult) -> tuple[Any, ...]:
    """``result`` for a pipe: its findings (and suppressed findings) as plain tuples (:meth:`Finding.as_tuple`), the
    rest (errors, notices, counts: few) as it is. A worker process sends this; :func:`unpacked` reverses it."""
    return (
        [finding.as_tuple() for finding in result.findings],
        [(finding.as_tuple(), why) for finding, why in result.suppressed],
        replace(result, findings=[], suppressed=[]),
    )


def unpacked(values: tuple[Any, ...]) -> ScanResult:
    """The :class:`ScanResult` :func:`packed` gave ``values`` for."""
    findings, suppressed, result = values
    result.findings = list(map(Finding.from_tuple, findings))
    result.suppressed = [(Finding.from_tuple(finding), why) for finding, why in suppressed]
    return result  # type: ignore[no-any-return]
