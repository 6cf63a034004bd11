"""Helpers for the hostile-input tests: run the gate on a hostile input beside a sentinel template, and check it held.

A sentinel is :data:`tests.helpers.BAD_CLIENT` (COG-E001 on line 7): its finding must survive whatever the hostile
input beside it does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cogcheck.cli import app
from tests.helpers import BAD_CLIENT, ROOT

SENTINEL = "sentinel.yaml"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.stdout)  # type: ignore[no-any-return]


def sentinel(directory: Path) -> Path:
    path = directory / SENTINEL
    path.write_text(BAD_CLIENT, encoding="utf-8")
    return path


def run(*args: str, cwd: Path | None = None) -> Run:
    """``cogcheck scan ARGS`` in-process; an exception escaping the CLI fails the test with its traceback."""
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(app, ["scan", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return Run(result.exit_code, result.stdout, result.stderr)


def run_process(*args: str, cwd: Path | None = None, timeout: float = 120) -> Run:
    """``cogcheck scan ARGS`` in a subprocess (a generous timeout is the safety net of the tests about time)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "cogcheck", "scan", *args],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env, check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_held(result: Run, *, errors: bool = True, sentinel_file: str | None = SENTINEL) -> None:
    """Exit 2 (or not), one-line errors on stderr, no traceback, and the sentinel's finding reported."""
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    for line in result.stderr.splitlines():
        assert line.startswith("cogcheck: "), line
    if errors:
        assert result.code == 2, (result.code, result.stderr)
        assert "cogcheck: error: " in result.stderr
    else:
        assert result.code in (0, 1), (result.code, result.stderr)
    if sentinel_file is not None:
        found = result.report["findings"] if result.stdout.lstrip().startswith("{") else None
        if found is not None:
            assert any(
                f["file"].endswith(sentinel_file) and f["rule_id"] == "COG-E001" and f["line"] == 7 for f in found
            ), found
        else:
            assert f"{sentinel_file}:7:" in result.stdout and "COG-E001" in result.stdout, result.stdout
