"""``--format junit``: JUnit XML for the test tabs of Jenkins, GitLab and Azure DevOps (as cfn-lint and checkov
write it).

One ``<testsuite>`` per enabled rule (``name`` its id and name); in it one ``<testcase>`` per finding of the rule,
named by file, line, resource and property (and scenario), with ``classname`` the rule id. A finding at or above the
``--fail-on`` level fails its test case: ``<failure message=… type=SEVERITY>`` whose text says the file and line, the
resource, the message and the rule's docs. A finding below the threshold is a passing test case whose
``<system-out>`` says what it found, so the tab agrees with the exit code. A rule without findings is one passing
test case, so the tab lists everything that was checked. Inputs that could not be read are ``<error>`` test cases in
a last suite, ``cogcheck: inputs``.

The elements and attributes are those of the Jenkins xUnit plugin's ``junit-10.xsd`` (the schema pytest validates
its ``xunit2`` output against): ``file`` and ``line`` attributes are not in it, so the location is in the name and the
failure. No timestamps or durations (``time="0"``): same input, same bytes. Text from templates is made valid XML 1.0
(characters XML cannot carry become U+FFFD) and escaped by :mod:`xml.etree.ElementTree`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from cogcheck.engine.rules import Rule
from cogcheck.findings import SEVERITY_RANK, Finding
from cogcheck.report.ruledocs import docs_command
from cogcheck.report.sarif import describe
from cogcheck.scan.result import ScanResult

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold (control characters, lone surrogates) replaced."""
    return _NOT_XML.sub("\ufffd", text)


def _case_name(finding: Finding) -> str:
    name = f"{finding.file}:{finding.line} {finding.resource}"
    if finding.property:
        name += f" {finding.property}"
    if finding.scenario:
        name += f" ({finding.scenario_text})"
    return name


def render(result: ScanResult, rules: Sequence[Rule], *, fail_on: str = "error") -> str:
    """The JUnit XML of ``result``. ``rules``: the enabled rules; ``fail_on``: the level at and above which a finding
    fails its test case (``never``: none does)."""
    threshold = SEVERITY_RANK.get(fail_on, 99)
    by_rule: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    names = {rule.id: rule.name for rule in rules}
    for rule_id in by_rule:
        names.setdefault(rule_id, by_rule[rule_id][0].rule_name)
    root = ET.Element("testsuites", name="cogcheck")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for rule_id in sorted(names):
        findings = by_rule.get(rule_id, [])
        suite = ET.SubElement(root, "testsuite", name=f"{rule_id} {names[rule_id]}".strip())
        failures = 0
        if not findings:
            ET.SubElement(suite, "testcase", name=f"{rule_id} {names[rule_id]}: no findings", classname=rule_id,
                          time="0")
        for finding in findings:
            case = ET.SubElement(suite, "testcase", name=xml_text(_case_name(finding)), classname=rule_id, time="0")
            text = xml_text(
                f"{finding.file}:{finding.line}:{finding.column}: {finding.severity}: {describe(finding)}\n"
                f"docs: {docs_command(rule_id)}\n"
            )
            if SEVERITY_RANK.get(finding.severity, 0) >= threshold:
                failures += 1
                failure = ET.SubElement(
                    case, "failure", message=xml_text(f"{finding.severity}: {finding.message}"),
                    type=finding.severity,
                )
                failure.text = text
            else:
                ET.SubElement(case, "system-out").text = text
        tests = max(1, len(findings))
        suite.attrib.update(tests=str(tests), failures=str(failures), errors="0", skipped="0", time="0")
        totals["tests"] += tests
        totals["failures"] += failures
    if result.errors:
        suite = ET.SubElement(root, "testsuite", name="cogcheck: inputs")
        for error in result.errors:
            case = ET.SubElement(suite, "testcase", name=xml_text(error.file), classname="cogcheck.inputs", time="0")
            ET.SubElement(case, "error", message=xml_text(error.message), type=f"{error.kind}-error").text = xml_text(
                str(error) + "\n"
            )
        count = str(len(result.errors))
        suite.attrib.update(tests=count, failures="0", errors=count, skipped="0", time="0")
        totals["tests"] += len(result.errors)
        totals["errors"] += len(result.errors)
    root.attrib.update({key: str(value) for key, value in totals.items()}, time="0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
