"""The rendered text of every rule fixture's findings, one file per dialect (``tests/snapshots/``).

Each fixture is scanned alone, with the settings its header asks for (as the fixture tests do): the CloudFormation
fixtures of ``tests/fixtures/rules`` as they are, the Terraform ones of ``tests/fixtures/terraform/rules`` as a
module directory of their own. A line per finding: ``FIXTURE:LINE:COLUMN: RULE SEVERITY [PROPERTY] MESSAGE``.

``python scripts/regenerate.py`` writes the files and ``--check`` (and ``tests/test_generated.py``) fails when one is
stale, so a change of wording — in a rule file, in a predicate's reason, in a dialect's names — is a reviewed diff.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SNAPSHOTS = {
    "cloudformation": "tests/snapshots/messages-cloudformation.txt",
    "terraform": "tests/snapshots/messages-terraform.txt",
}
_HEADER = "# {dialect} messages of the rule fixtures: regenerate with `python scripts/regenerate.py`\n"


def _fixtures(dialect: str) -> list[Path]:
    if dialect == "terraform":
        return sorted((FIXTURES / "terraform" / "rules").glob("*/*.tf"))
    return sorted(p for p in (FIXTURES / "rules").glob("*/*") if p.suffix in (".yaml", ".yml", ".json"))


def _lines(path: Path, dialect: str, workdir: Path) -> Iterator[str]:
    from tests.helpers import header_settings, scan_paths

    target = path
    if dialect == "terraform":
        target = workdir / "module"
        target.mkdir()
        shutil.copy(path, target / "main.tf")
    result = scan_paths(target, settings=header_settings(path.read_text(encoding="utf-8"), workdir))
    shown = path.relative_to(FIXTURES).as_posix()
    lines = [f"{shown}:{error.line or 0}: error {' '.join(error.message.split())}" for error in result.errors]
    lines += [
        f"{shown}:{finding.line}:{finding.column}: {finding.rule_id} {finding.severity} [{finding.property}] "
        f"{finding.message}"
        for finding in sorted(result.findings, key=lambda f: f.sort_key())
    ]
    for line in lines:
        yield line.replace(str(workdir), "<tmp>")  # a previous version written for the fixture (COG-S020)


def render(dialect: str) -> str:
    """The snapshot of ``dialect`` (``cloudformation`` or ``terraform``) as the current code renders it."""
    text = [_HEADER.format(dialect=dialect)]
    for path in _fixtures(dialect):
        with tempfile.TemporaryDirectory(prefix="cogcheck-snapshot-") as workdir:
            text += [line + "\n" for line in _lines(path, dialect, Path(workdir))]
    return "".join(text)


def generators() -> dict[str, Callable[[], str]]:
    """Snapshot file (relative to the repository) → how to make its text: ``scripts/regenerate.py``'s targets."""
    return {name: (lambda dialect=dialect: render(dialect)) for dialect, name in SNAPSHOTS.items()}
