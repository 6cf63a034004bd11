"""Generated files are what ``python scripts/regenerate.py`` writes today; the docs stay small and linked."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import ROOT


def _regenerate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "scripts" / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_generated_file_is_stale() -> None:
    regenerate = _regenerate()
    assert regenerate.stale() == [], f"generated files are stale: run `{regenerate.COMMAND}`"


def test_the_check_names_a_stale_file(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    regenerate = _regenerate()
    monkeypatch.setattr(regenerate, "GENERATED", {"docs/rules.md": lambda: "not what is committed\n"})
    assert regenerate.main(["--check"]) == 1
    assert capsys.readouterr().out == "docs/rules.md is stale: run `python scripts/regenerate.py`\n"


# ------------------------------------------------------------------------------------------------------- the docs


def _code_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL)]


def test_readme_is_small_and_keeps_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) < 10_000
    blocks = _code_blocks(readme)
    assert "pip install . && cogcheck scan examples/" in blocks
    test_command = "pip install -e '.[test]' && pytest"
    assert test_command in blocks
    ci_lines = [line.strip().strip("()").strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines, (
        ".ci/run must run the README's test command as written"
    )


def _documents() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_lead_to_files_and_headings_that_exist(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.exists(), f"{document.name}: {target} does not exist"
        if anchor and linked.suffix == ".md":
            headings = re.findall(r"^#+ (.*)$", linked.read_text(encoding="utf-8"), re.MULTILINE)
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}
            assert anchor in slugs, f"{document.name}: no heading #{anchor} in {path or document.name}"


def test_generated_docs_never_split_a_word_at_its_hyphen() -> None:
    """Markdown joins wrapped lines with a space: "cfn-" at a line's end and "lint" on the next reads "cfn- lint"."""
    for name in ("docs/rules.md", "docs/options.md"):
        prose = re.sub(r"^```.*?^```", "", (ROOT / name).read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
        split = [line for line in prose.splitlines() if re.search(r"\w-$", line)]
        assert split == [], f"{name}: {split[:3]}"


def test_regenerate_is_right_after_one_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The Terraform examples docs/rules.md embeds are written before the docs (a new rule needed two runs)."""
    regenerate = _regenerate()
    written: list[str] = []

    class Converter:
        @staticmethod
        def main(argv: list[str]) -> int:
            written.append("rules/terraform")
            return 0

    monkeypatch.setattr(regenerate, "ROOT", tmp_path)
    monkeypatch.setattr(regenerate, "_terraform_converter", lambda: Converter)
    monkeypatch.setattr(regenerate, "GENERATED", {"docs.md": lambda: written.append("docs.md") or "text\n"})
    assert regenerate.main([]) == 0
    assert written == ["rules/terraform", "docs.md"]
    assert (tmp_path / "docs.md").read_text(encoding="utf-8") == "text\n"
