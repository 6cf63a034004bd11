"""Terraform checked by Terraform: ``terraform validate`` (the AWS provider's own validators, offline) on every
Terraform rule fixture and docs example, against cogcheck's findings on the same files.

* What Terraform or the provider rejects, cogcheck reports as a deploy error (an error-level ``COG-E…`` finding on
  the same resource), unless docs/terraform.md explains why Cognito accepts it ("Where the provider rejects what
  Cognito accepts": the table's first column holds patterns of the diagnostic's text).
* What cogcheck calls a deploy error on a resource the provider accepts in full is listed, rule by rule with AWS's
  evidence, in docs/terraform.md ("Where the provider accepts what Cognito rejects"); the list is exactly the set
  observed, so it stays true.
* The plan JSON fixtures are what ``terraform plan`` writes today (``scripts/regenerate_plans.py --check``).

Every fixture is a child module of one root module (one ``init``, one ``validate`` for all of them); a variable
without a default becomes a root variable (unknown to ``validate``, as to cogcheck) and a data source a fixture
reads without declaring it (``data.terraform_remote_state.shared``, the converter's form of an import) is declared
beside it. Skipped, with the reason, where Terraform or the provider mirror is absent (tests/terraform_offline.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cogcheck.inputs.terraform.hcl import Block, parse_hcl
from tests.helpers import FIXTURES, ROOT, header_settings, scan_paths
from tests.terraform_offline import PROVIDER_BLOCK, Terraform, unavailable

pytestmark = [pytest.mark.slow, pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))]

FILES = sorted((FIXTURES / "terraform" / "rules").glob("*/*.tf")) + sorted((ROOT / "rules" / "terraform").glob("*.tf"))
DOC = ROOT / "docs" / "terraform.md"
ACCEPTED_SECTION = "## Where the provider accepts what Cognito rejects"
REJECTED_SECTION = "## Where the provider rejects what Cognito accepts"
_VAR = re.compile(r"\bvar\.[A-Za-z_]")
_DATA = re.compile(r"\bdata\.([a-z0-9_]+)\.([A-Za-z_][\w-]*)")

Key = tuple[str, str]  # (fixture, resource address)


@dataclass
class Observed:
    diagnostics: dict[Key, list[str]] = field(default_factory=dict)  # every error terraform validate gives
    stray: list[str] = field(default_factory=list)  # errors outside any fixture's resource: the harness is wrong
    errors: dict[Key, set[str]] = field(default_factory=dict)  # cogcheck's deploy errors (COG-E…, error)
    resources: set[Key] = field(default_factory=set)
    # resources that read an input variable: ``terraform validate`` holds every variable unknown (defaults and module
    # arguments too), so the provider's checks of those values wait for plan and the oracle cannot see them
    reads_input: set[Key] = field(default_factory=set)


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _settings_text(path: Path) -> str:
    if path.parent.name == "terraform":  # rules/terraform/ID.tf: the rule file's header settings
        return (ROOT / "rules" / f"{path.name.split('.')[0]}.yaml").read_text(encoding="utf-8")
    return path.read_text(encoding="utf-8")


def _resource_at(blocks: list[Block], line: int) -> str | None:
    for block in blocks:
        if block.kind == "resource" and len(block.labels) == 2 and block.line <= line <= block.end_line:
            return f"{block.labels[0]}.{block.labels[1]}"
    return None


def _root_module(work: Path, parsed: dict[Path, list[Block]]) -> None:
    root = [PROVIDER_BLOCK]
    for index, path in enumerate(FILES):
        child = work / "m" / f"{index:03d}"
        child.mkdir(parents=True)
        text = path.read_text(encoding="utf-8")
        shutil.copy(path, child / "main.tf")
        call = [f'module "f{index:03d}" {{', f'  source = "./m/{index:03d}"']
        for block in parsed[path]:
            if block.kind == "variable" and "default" not in block.attributes:
                name = f"f{index:03d}_{block.labels[0]}"
                root.append(f'variable "{name}" {{}}')
                call.append(f"  {block.labels[0]} = var.{name}")
        declared = {block.labels for block in parsed[path] if block.kind == "data"}
        undeclared = sorted(set(_DATA.findall(text)) - declared)
        assert all(kind == "terraform_remote_state" for kind, _ in undeclared), (_name(path), undeclared)
        if undeclared:  # outputs of a remote state are unknown to validate, and to cogcheck
            (child / "declared.tf").write_text(
                "".join(f'data "{kind}" "{name}" {{\n  backend = "local"\n}}\n' for kind, name in undeclared),
                encoding="utf-8",
            )
        root.append("\n".join([*call, "}"]))
    (work / "main.tf").write_text("\n\n".join(root) + "\n", encoding="utf-8")


def _diagnostic_text(diagnostic: dict[str, Any]) -> str:
    """``summary: detail [code: the configuration line]``, whitespace runs made one space."""
    code = str((diagnostic.get("snippet") or {}).get("code", ""))
    text = f"{diagnostic.get('summary', '')}: {diagnostic.get('detail', '')} [code: {code.strip()}]"
    return " ".join(text.split())


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    scratch = tmp_path_factory.mktemp("oracle")
    parsed = {path: parse_hcl(str(path), path.read_text(encoding="utf-8")) for path in FILES}
    work = scratch / "root"
    work.mkdir()
    _root_module(work, parsed)
    terraform = Terraform(scratch / "terraform")
    terraform.init(work)
    report = terraform.validate(work)
    seen = Observed()
    for diagnostic in report.get("diagnostics", []):
        if diagnostic.get("severity") != "error":
            continue
        where = diagnostic.get("range") or {}
        match = re.fullmatch(r"m/(\d{3})/main\.tf", str(where.get("filename", "")))
        path = FILES[int(match.group(1))] if match and int(match.group(1)) < len(FILES) else None
        resource = _resource_at(parsed[path], where["start"]["line"]) if path else None
        if path is None or resource is None:
            seen.stray.append(f"{where.get('filename')}:{where.get('start', {}).get('line')} "
                              f"{_diagnostic_text(diagnostic)}")
            continue
        seen.diagnostics.setdefault((_name(path), resource), []).append(_diagnostic_text(diagnostic))
    for index, path in enumerate(FILES):
        module = scratch / "cogcheck" / f"{index:03d}"
        module.mkdir(parents=True)
        shutil.copy(path, module / "main.tf")
        result = scan_paths(module, settings=header_settings(_settings_text(path), module))
        assert not result.errors, (_name(path), result.errors)
        lines = path.read_text(encoding="utf-8").splitlines()
        for block in parsed[path]:
            if block.kind == "resource" and len(block.labels) == 2:
                key = (_name(path), f"{block.labels[0]}.{block.labels[1]}")
                seen.resources.add(key)
                if _VAR.search("\n".join(lines[block.line - 1 : block.end_line])):
                    seen.reads_input.add(key)
        for finding in result.findings:
            resource = _resource_at(parsed[path], finding.line)
            if finding.severity == "error" and finding.rule_id.startswith("COG-E") and resource:
                seen.errors.setdefault((_name(path), resource), set()).add(finding.rule_id)
    yield seen


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    assert title in text, f"docs/terraform.md has no section {title!r}"
    return text.split(title, 1)[1].split("\n## ", 1)[0]


def _table_first_cells(title: str) -> list[str]:
    rows = [line for line in _section(title).splitlines() if line.startswith("|")]
    cells = [re.split(r"(?<!\\)\|", row)[1].strip() for row in rows[2:]]  # after the header and its rule
    return [cell.replace("\\|", "|") for cell in cells]  # a pipe in a table is written \|


def documented_accepted_rules() -> set[str]:
    return {cell for cell in _table_first_cells(ACCEPTED_SECTION) if re.fullmatch(r"COG-E\d{3}", cell)}


def documented_provider_rejections() -> list[str]:
    """Patterns of the rejections Cognito would accept: the code spans of the first column, regular expressions."""
    return [span for cell in _table_first_cells(REJECTED_SECTION) for span in re.findall(r"`([^`]+)`", cell)]


def _explained(diagnostic: str, patterns: list[str]) -> bool:
    return any(re.search(pattern, diagnostic) for pattern in patterns)


def test_every_fixture_was_validated(observed: Observed) -> None:
    assert not observed.stray, observed.stray
    assert {key[0] for key in observed.resources} == {_name(path) for path in FILES}


def test_what_terraform_rejects_cogcheck_reports_as_a_deploy_error(observed: Observed) -> None:
    texts = documented_provider_rejections()
    missed = {
        f"{fixture} {resource}": [d for d in diagnostics if not _explained(d, texts)]
        for (fixture, resource), diagnostics in observed.diagnostics.items()
        if (fixture, resource) not in observed.errors
    }
    missed = {key: value for key, value in missed.items() if value}
    assert not missed, (
        "terraform validate rejects these resources and cogcheck reports no deploy error on them: a cogcheck bug "
        f"(fix the rule or the mapping), or a provider rejection Cognito accepts (explain it in {REJECTED_SECTION}): "
        f"{missed}"
    )


def test_documented_provider_rejections_are_each_observed(observed: Observed) -> None:
    texts = documented_provider_rejections()
    assert texts, f"{REJECTED_SECTION}: no diagnostic texts in the table's first column"
    unseen = [
        text for text in texts
        if not any(re.search(text, d) for key, ds in observed.diagnostics.items() if key not in observed.errors
                   for d in ds)
    ]
    assert not unseen, f"{REJECTED_SECTION} lists rejections no fixture gives any more: {unseen}"


def test_documented_accepted_deploy_errors_are_exactly_the_observed(observed: Observed) -> None:
    texts = documented_provider_rejections()
    accepted: dict[str, list[str]] = {}
    for key, rules in sorted(observed.errors.items()):
        if key in observed.reads_input:
            continue  # validate saw its variables as unknown: it cannot show what the provider accepts
        # accepted in full: no diagnostic, or only rejections the docs show Cognito would accept
        if all(_explained(d, texts) for d in observed.diagnostics.get(key, [])):
            for rule in rules:
                accepted.setdefault(rule, []).append(" ".join(key))
    documented = documented_accepted_rules()
    missing = {rule: accepted[rule][:2] for rule in sorted(set(accepted) - documented)}
    assert set(accepted) == documented, (
        f"{ACCEPTED_SECTION} must list exactly the deploy errors the provider accepts: add {missing}, "
        f"remove {sorted(documented - set(accepted))}"
    )


def test_plan_fixtures_are_what_terraform_plan_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "regenerate_plans.py"), "--check"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
