"""Shared test helpers: fixture annotations, scanning text, finding the shared material."""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cogcheck.cfn.parse import parse_template
from cogcheck.findings import Finding
from cogcheck.model.policy import Policy
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan
from cogcheck.scan.result import ScanResult

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"
SHARED = ROOT.parent / "shared"

def hypothesis_profile() -> str:
    """The Hypothesis profile of this run (tests/conftest.py): ``ci`` unless ``COGCHECK_HYPOTHESIS=explore``."""
    name = os.environ.get("COGCHECK_HYPOTHESIS", "ci")
    if name not in ("ci", "explore"):
        raise ValueError(f"COGCHECK_HYPOTHESIS={name!r}: the profiles are ci (the default) and explore")
    return name


def examples(count: int) -> int:
    """A property test's number of examples: ``count`` in CI, ten times as many when exploring."""
    return count * 10 if hypothesis_profile() == "explore" else count


_ANNOTATION = re.compile(r"#\s*(ruleid|ok)\s*:\s*([A-Z0-9, -]+)")


@dataclass(frozen=True)
class Expected:
    rule_id: str
    line: int


def annotations(path: Path) -> set[Expected]:
    """``# ruleid: COG-E001`` expects that rule's finding on the next line that is not a comment (semgrep style).

    ``# ok: COG-E001`` documents a case that must not fire; it adds no expectation. In Terraform's JSON syntax, which
    has no comments, a ``"//": "ruleid: COG-E001"`` entry (its comment key) annotates the line after it.
    """
    expected: set[Expected] = set()
    pending: list[str] = []
    json_comment = path.name.endswith(".json")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if json_comment and stripped.startswith('"//"'):
            stripped = "#" + stripped.split(":", 1)[1].strip(' ",')
            line = stripped
        match = _ANNOTATION.search(line)
        if match and stripped.startswith("#"):
            if match.group(1) == "ruleid":
                pending += [r.strip() for r in match.group(2).split(",") if r.strip()]
            continue
        if pending and stripped:
            expected |= {Expected(rule_id, number) for rule_id in pending}
            pending = []
    return expected


_COMMAND = re.compile(r"^\s*#\s*cogcheck scan (.*)$", re.MULTILINE)
_SETTINGS = re.compile(r"^\s*#\s*settings\s*:\s*(\{.*)$", re.MULTILINE)
_PREVIOUS = re.compile(r"^\s*#\s*previous\s*:\s*(\{.*\})\s*$", re.MULTILINE)


def header_settings(text: str, workdir: Path) -> dict[str, Any]:
    """Scan settings a fixture or a docs example asks for in comments (rules that depend on policy or history).

    ``# cogcheck scan --production`` / ``--production-stacks PATTERN`` as on the command line;
    ``# settings: {"placeholder_hosts": [...]}`` gives policy fields (:meth:`Policy.from_mapping`) as JSON (text
    may follow it);
    ``# previous: {Resources: ...}`` is the previous version of the template as one line of YAML (COG-S020): it is
    written to ``workdir`` and named by the ``previous`` setting.
    """
    settings: dict[str, Any] = {}
    for match in _COMMAND.finditer(text):
        words = shlex.split(match.group(1))
        for index, word in enumerate(words):
            if word == "--production":
                settings["production"] = True
            elif word == "--production-stacks" and index + 1 < len(words):
                settings.setdefault("production_stacks", []).append(words[index + 1])
    for match in _SETTINGS.finditer(text):
        value, _ = json.JSONDecoder().raw_decode(match.group(1))
        settings.update(value)
    previous = _PREVIOUS.search(text)
    if previous:
        path = workdir / "previous-version.yaml"
        path.write_text(previous.group(1) + "\n", encoding="utf-8")
        settings["previous"] = str(path)
    return settings


def scan_paths(*paths: Path | str, **options: Any) -> ScanResult:
    """Scan ``paths``; ``settings`` (field names of :class:`Policy`, as fixtures write them) becomes the policy."""
    if "settings" in options:
        options["policy"] = Policy.from_mapping(options.pop("settings"))
    return scan([str(p) for p in paths], ScanOptions(**options))


def scan_text(tmp_path: Path, text: str, name: str = "template.yaml", **options: Any) -> ScanResult:
    """Scan ``text`` as a file; the settings its comments ask for apply unless ``settings`` is given."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    options.setdefault("settings", header_settings(text, tmp_path))
    return scan_paths(path, **options)


def yaml_to_json(path: Path) -> str:
    """The same template in JSON: short-form tags become their long forms."""
    template = parse_template(str(path), path.read_bytes(), suffix=path.suffix)
    assert template is not None
    return json.dumps(template.doc, indent=2)


def identity(finding: Finding) -> tuple[Any, ...]:
    """What must agree between the YAML and JSON forms of a template (lines differ)."""
    return (finding.rule_id, finding.severity, finding.resource, finding.property, finding.message, finding.scenario)


#: One client whose access token lives 25 hours (COG-E001 on line 7), and the same client at the 24-hour bound.
BAD_CLIENT = """Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 25
"""
GOOD_CLIENT = BAD_CLIENT.replace("25", "24")


def make_finding(**changes: Any) -> Finding:
    """A plausible finding for report tests; keyword arguments override its fields."""
    values: dict[str, Any] = {
        "rule_id": "COG-E001",
        "severity": "error",
        "message": "AccessTokenValidity is 25 hours; Cognito accepts 5 minutes to 1 day",
        "file": "templates/auth.yaml",
        "line": 7,
        "column": 7,
        "resource": "Web",
        "resource_type": "AWS::Cognito::UserPoolClient",
        "property": "AccessTokenValidity",
        "rule_name": "access-token-validity-out-of-range",
    }
    values.update(changes)
    return Finding(**values)
