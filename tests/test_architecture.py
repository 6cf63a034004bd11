"""The package layout: no import cycles (imports inside functions count), and the layer contract covers it all."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from tests.helpers import ROOT


def import_cycles(package: str) -> list[list[str]]:
    """Strongly connected groups of modules of ``package`` that import each other (every import statement, also
    inside functions and under ``TYPE_CHECKING``), each sorted; a module importing itself is a group of one."""
    graph = grimp.build_graph(package, cache_dir=None)
    edges = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, 0)]
        while work:  # Tarjan's algorithm, iterative
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges.get(node, []):
                    groups.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(groups)


def test_cogcheck_has_no_import_cycles() -> None:
    assert import_cycles("cogcheck") == []


def test_the_cycle_finder_sees_a_cycle_through_a_function_level_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "cyclepkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (package / "a.py").write_text("from cyclepkg.sub import b\n", encoding="utf-8")
    (package / "sub" / "b.py").write_text("def f():\n    from cyclepkg import c\n", encoding="utf-8")
    (package / "c.py").write_text("import cyclepkg.a\n", encoding="utf-8")
    (package / "d.py").write_text("import cyclepkg.a\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("cyclepkg") == [["cyclepkg.a", "cyclepkg.c", "cyclepkg.sub.b"]]
    sys.modules.pop("cyclepkg", None)


def _contract_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(contract for contract in contracts if contract["type"] == "layers")["layers"]
    return {name.strip() for layer in layers for name in layer.split("|")}


def test_the_layer_contract_names_every_package_and_top_level_module() -> None:
    """A new package (or top-level module) must be given its place in the layers of ``[tool.importlinter]``."""
    children = {
        f"cogcheck.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "cogcheck").iterdir()
        if (path.is_dir() and (path / "__init__.py").is_file())
        or (path.suffix == ".py" and path.stem not in ("__init__", "__main__"))
    }
    named = _contract_modules()
    assert children - named == set(), "add these to the layers of [tool.importlinter] in pyproject.toml"
    assert named - children == set(), "the layer contract names modules that do not exist"


def _any_aliases(source: str) -> list[str]:
    """Names a module binds to ``typing.Any`` (``X = Any``, ``X: TypeAlias = Any``): types erased to dodge an import."""
    import ast

    aliases = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        value = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        is_any = (isinstance(value, ast.Name) and value.id == "Any") or (
            isinstance(value, ast.Attribute) and value.attr == "Any"
        )
        if is_any:
            aliases += [target.id for target in targets if isinstance(target, ast.Name)]
    return aliases


def test_no_module_declares_a_type_as_any() -> None:
    erased = {
        str(path.relative_to(ROOT)): names
        for path in sorted((ROOT / "cogcheck").rglob("*.py"))
        if (names := _any_aliases(path.read_text(encoding="utf-8")))
    }
    assert erased == {}, "import the real type (under TYPE_CHECKING when only annotations need it)"


def test_the_any_alias_finder_sees_one() -> None:
    assert _any_aliases("from typing import Any\nScanOptions = Any\nX: TypeAlias = typing.Any\ny = 1\n") == [
        "ScanOptions", "X"
    ]
