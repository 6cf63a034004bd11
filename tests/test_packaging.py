"""A plain `pip install .` ships the rules inside the wheel; installed cogcheck finds them from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.network]  # pip builds the wheel with hatchling from the registry


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {done.stderr.strip()[-300:]}")
    (path,) = out.glob("cogcheck-*.whl")
    return path


def test_wheel_contains_every_rule(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("cogcheck/rules/") and n.endswith(".yaml")}
    assert shipped == {p.name for p in (ROOT / "rules").glob("*.yaml")}
    assert "cogcheck/cli/__init__.py" in names
    assert "cogcheck/data/rule.schema.json" in names  # editors' schema of rule files (docs/rule-schema.md)
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_runs_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    (workdir / "t.yaml").write_text(
        "Resources:\n  C:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {AuthSessionValidity: 30}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import cogcheck, sys; from cogcheck.cli import main; "
        "assert cogcheck.__file__.startswith(sys.argv[1]), cogcheck.__file__; "
        "sys.argv = ['cogcheck', 'scan', 't.yaml', '--select', 'COG-E007']; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(target)], cwd=workdir, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "COG-E007" in done.stdout
