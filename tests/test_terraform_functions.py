"""cogcheck's Terraform evaluator against the table of tests/terraform_function_table.py, and the table against
``terraform console`` when a ``terraform`` binary is on PATH."""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cogcheck.inputs.terraform.ast import Expr
from cogcheck.inputs.terraform.evaluate import EvalError, Scope, contains_opaque, literal_value
from cogcheck.inputs.terraform.functions import FUNCTIONS
from cogcheck.inputs.terraform.hcl import parse_expression, parse_hcl
from tests.terraform_function_table import CONFIG, ERROR, ROWS, TERRAFORM_VERSION, UNKNOWN

IDS = [row[0] for row in ROWS]
SHORT_IDS = [text if len(text) <= 100 else text[:97] + "..." for text in IDS]


def _same(actual: Any, expected: Any) -> bool:
    """Equal in kind and value: a bool is not a number, a string is not a number, 1 and 1.0 are the same number."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and actual == expected
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == expected.keys()
            and all(_same(actual[k], expected[k]) for k in expected)
        )
    return type(actual) is type(expected) and actual == expected


@functools.cache
def _module() -> tuple[dict[str, Any], dict[str, Expr]]:
    variables, local_exprs = {}, {}
    for block in parse_hcl("main.tf", CONFIG):
        if block.kind == "variable":
            variables[block.labels[0]] = literal_value(block.attributes["default"].expr)
        elif block.kind == "locals":
            local_exprs.update({name: attribute.expr for name, attribute in block.attributes.items()})
    return variables, local_exprs


def _scope() -> Scope:
    """A fresh scope in the module of ``CONFIG``: variables at their defaults, its locals (and no resources)."""
    variables, local_exprs = _module()
    return Scope(variables=dict(variables), local_exprs=local_exprs)


def _cogcheck(text: str) -> Any:
    try:
        value = _scope().strict(parse_expression(text))
    except EvalError:
        return ERROR
    return UNKNOWN if contains_opaque(value) else value


def test_the_table_has_one_row_per_expression() -> None:
    assert len(set(IDS)) == len(IDS)
    assert all("\n" not in text for text in IDS)  # the console reads one expression per line


def test_every_function_and_operator_cogcheck_evaluates_is_in_the_table() -> None:
    called = {name for text in IDS for name in re.findall(r"([a-z]+)\(", text)}
    assert set(FUNCTIONS) | {"try", "can"} <= called
    operators = {"+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "!", "?", "${"}
    assert {op for op in operators if any(op in text for text in IDS)} == operators


@pytest.mark.parametrize("row", ROWS, ids=SHORT_IDS)
def test_cogcheck_evaluates_as_terraform_does(row: tuple[Any, ...]) -> None:
    text, expected = row[0], row[1]
    got = _cogcheck(text)
    if expected is UNKNOWN and len(row) > 2:
        assert _same(got, row[2]), f"{text}: cogcheck gives {got!r}, whichever the unknown: {row[2]!r}"
    elif len(row) > 2 or expected is UNKNOWN:
        assert row[2:] in ((), (UNKNOWN,))
        assert got is UNKNOWN, f"{text}: cogcheck gives {got!r} where it is to abstain (Terraform: {expected!r})"
    elif expected is ERROR:
        assert got is ERROR, f"{text}: cogcheck gives {got!r}, Terraform an error"
    else:
        assert _same(got, expected), f"{text}: cogcheck gives {got!r}, Terraform {expected!r}"


# ------------------------------------------------------------------------------------------ terraform console

TERRAFORM = shutil.which("terraform")


def _terraform_version() -> str | None:
    if TERRAFORM is None:
        return None
    out = subprocess.run([TERRAFORM, "version", "-json"], capture_output=True, text=True, timeout=60, check=False)
    try:
        return str(json.loads(out.stdout)["terraform_version"])
    except (ValueError, KeyError, TypeError):
        return None


def _skip_reason() -> str | None:
    if TERRAFORM is None:
        return "no terraform binary on PATH"
    version = _terraform_version()
    if version is None:
        return f"{TERRAFORM} does not report its version"
    if version.split(".")[:2] != TERRAFORM_VERSION.split(".")[:2]:
        return f"the table records Terraform {TERRAFORM_VERSION}; {TERRAFORM} is {version}"
    return None


def _answer(line: str) -> Any:
    """One element of the console's tuple: base64 of the JSON of a value, ``false`` for an error, or unknown."""
    line = line.strip().removesuffix(",")
    if line == "(known after apply)":
        return UNKNOWN
    if line == "false":
        return ERROR
    return json.loads(base64.b64decode(json.loads(line)))


def _console(texts: list[str], directory: Path, env: dict[str, str]) -> list[Any]:
    """Every expression in one console session (it prints only the last line's value): a tuple of
    ``try(base64encode(jsonencode(e)), false)``, one element a line. An error ``try`` cannot catch fails the session:
    then each half is tried on its own."""
    items = ", ".join(f"try(base64encode(jsonencode({text})), false)" for text in texts)
    run = subprocess.run(
        [str(TERRAFORM), "console"], input=f"[{items}]\n", capture_output=True, text=True, cwd=directory, env=env,
        timeout=120, check=False,
    )
    lines = run.stdout.strip().splitlines()
    if run.returncode != 0 or len(lines) != len(texts) + 2:
        if len(texts) == 1:
            return [ERROR]
        half = len(texts) // 2
        return _console(texts[:half], directory, env) + _console(texts[half:], directory, env)
    return [_answer(line) for line in lines[1:-1]]


@pytest.fixture(scope="module")
def terraform_answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    reason = _skip_reason()
    if reason is not None:
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("console")
    config = directory / "empty.tfrc"
    config.write_text("", encoding="utf-8")
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    env.pop("TF_DATA_DIR", None)
    workdir = directory / "root"
    workdir.mkdir()
    # terraform_data is of Terraform's built-in provider (no init, no download): its output is unknown to the console
    (workdir / "main.tf").write_text(CONFIG, encoding="utf-8")
    return dict(zip(IDS, _console(IDS, workdir, env), strict=True))


@pytest.mark.parametrize("row", ROWS, ids=SHORT_IDS)
def test_the_table_is_what_terraform_console_gives(row: tuple[Any, ...], terraform_answers: dict[str, Any]) -> None:
    text, expected = row[0], row[1]
    got = terraform_answers[text]
    if expected is ERROR or expected is UNKNOWN:
        assert got is expected, f"{text}: terraform console gives {got!r}, the table {expected!r}"
    else:
        message = f"{text}: terraform console gives {got!r}, the table {expected!r}"
        assert got is not ERROR and got is not UNKNOWN, message
        assert _same(got, expected), message
