"""Fixed Terraform checked by Terraform: every Terraform rule fixture, before and after ``cogcheck scan --fix
--unsafe-fixes`` (on copies), goes through ``terraform validate`` (the AWS provider's own validators, offline). A fix
never brings a diagnostic the file did not have: a fixture that validates before validates after, and the fixes that
remove one (a unit Terraform rejects, a flow name the provider does not know) are counted.

All copies are child modules of one root module (one ``init``, one ``validate``), as in
tests/test_terraform_oracle.py. Skipped, with the reason, where Terraform or the provider mirror is absent
(tests/terraform_offline.py).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from cogcheck.inputs.terraform.hcl import parse_hcl
from tests.fix_fuzz import invoke_cli
from tests.helpers import FIXTURES
from tests.terraform_offline import PROVIDER_BLOCK, Terraform, unavailable

pytestmark = [pytest.mark.slow, pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))]

FILES = sorted((FIXTURES / "terraform" / "rules").glob("*/*.tf"))
_DATA = re.compile(r"\bdata\.([a-z0-9_]+)\.([A-Za-z_][\w-]*)")
_CHILD = re.compile(r"m/(before|after)/(\d{3})/main\.tf")


def _child(work: Path, side: str, index: int, text: str) -> list[str]:
    """Write one fixture as the child module ``m/SIDE/NNN``; the lines of the root's call of it."""
    child = work / "m" / side / f"{index:03d}"
    child.mkdir(parents=True)
    (child / "main.tf").write_text(text, encoding="utf-8")
    blocks = parse_hcl(str(child / "main.tf"), text)
    call = [f'module "{side}_{index:03d}" {{', f'  source = "./m/{side}/{index:03d}"']
    for block in blocks:
        if block.kind == "variable" and "default" not in block.attributes:  # unknown to validate, as to cogcheck
            call.append(f"  {block.labels[0]} = var.{side}_{index:03d}_{block.labels[0]}")
    declared = {block.labels for block in blocks if block.kind == "data"}
    undeclared = sorted(set(_DATA.findall(text)) - declared)
    if undeclared:  # the converter's form of an import: a remote state's outputs, unknown to validate
        (child / "declared.tf").write_text(
            "".join(f'data "{kind}" "{name}" {{\n  backend = "local"\n}}\n' for kind, name in undeclared),
            encoding="utf-8")
    return call + ["}"]


def _variables(work: Path, side: str, index: int) -> list[str]:
    text = (work / "m" / side / f"{index:03d}" / "main.tf").read_text(encoding="utf-8")
    return [f'variable "{side}_{index:03d}_{block.labels[0]}" {{}}' for block in parse_hcl("main.tf", text)
            if block.kind == "variable" and "default" not in block.attributes]


def _diagnostics(report: dict[str, Any], work: Path) -> dict[tuple[str, int], dict[str, list[str]]]:
    """(side, fixture index) → resource address → the errors terraform validate gives there. Compared by resource,
    not by text: the provider names one of several bad values of a resource, not always the same one."""
    found: dict[tuple[str, int], dict[str, list[str]]] = {}
    for diagnostic in report.get("diagnostics", []):
        if diagnostic.get("severity") != "error":
            continue
        where = diagnostic.get("range") or {}
        match = _CHILD.fullmatch(str(where.get("filename", "")))
        assert match, f"a diagnostic outside the fixtures: {diagnostic}"
        text = (work / match.group(0)).read_text(encoding="utf-8")
        line = int(where.get("start", {}).get("line", 0))
        resource = next((f"{b.labels[0]}.{b.labels[1]}" for b in parse_hcl("main.tf", text)
                         if b.kind == "resource" and len(b.labels) == 2 and b.line <= line <= b.end_line),
                        f"line {line}")
        summary = " ".join(f"{diagnostic.get('summary', '')}: {diagnostic.get('detail', '')}".split())
        found.setdefault((match.group(1), int(match.group(2))), {}).setdefault(resource, []).append(summary)
    return found


def test_fixed_terraform_fixtures_still_validate(tmp_path: Path) -> None:
    work = tmp_path / "root"
    fixing = tmp_path / "fix"
    root = [PROVIDER_BLOCK]
    for index, path in enumerate(FILES):
        (fixing / f"{index:03d}").mkdir(parents=True)
        shutil.copy(path, fixing / f"{index:03d}" / "main.tf")
    code, _report, stderr = invoke_cli(["--fix", "--unsafe-fixes", "--fail-on", "never",
                                        *sorted(str(p) for p in fixing.iterdir())])
    assert code == 0, stderr
    changed = []
    for index, path in enumerate(FILES):
        fixed = (fixing / f"{index:03d}" / "main.tf").read_text(encoding="utf-8")
        if fixed != path.read_text(encoding="utf-8"):
            changed.append(index)
        for side, text in (("before", path.read_text(encoding="utf-8")), ("after", fixed)):
            root.append("\n".join(_child(work, side, index, text)))
            root += _variables(work, side, index)
    assert changed, "--fix changed no Terraform fixture"
    (work / "main.tf").write_text("\n\n".join(root) + "\n", encoding="utf-8")
    terraform = Terraform(tmp_path / "terraform")
    terraform.init(work)
    found = _diagnostics(terraform.validate(work), work)
    name = {index: path.relative_to(FIXTURES).as_posix() for index, path in enumerate(FILES)}
    brought = {name[i]: {resource: errors for resource, errors in found.get(("after", i), {}).items()
                         if resource not in found.get(("before", i), {})} for i in range(len(FILES))}
    brought = {fixture: new for fixture, new in brought.items() if new}
    assert not brought, f"terraform validate rejects what --fix wrote: {brought}"
    valid_before = [i for i in range(len(FILES)) if ("before", i) not in found]
    assert valid_before and all(("after", i) not in found for i in valid_before)
    repaired = [name[i] for i in changed if ("before", i) in found and ("after", i) not in found]
    print(f"{len(FILES)} fixtures, {len(changed)} changed by --fix --unsafe-fixes, {len(valid_before)} valid before "
          f"and after, {len(repaired)} rejected before and valid after: {repaired}")
