"""Terraform configurations built to stall the evaluator, exhaust its memory or hide a client behind one of its bounds.

Each is scanned beside a sentinel template (:mod:`tests.hostile`): the scan ends (a subprocess with a generous timeout
is the safety net; speed is measured by ``bench/hostile.py``), its peak memory stays modest, the sentinel is
reported, and the Terraform client is either checked or named in an input error (exit 2) that says why.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cogcheck.cfn.values import Unknown
from cogcheck.inputs.terraform.budget import MAX_STEPS, MAX_TOTAL_STEPS, MAX_VALUE_DEPTH, MAX_VALUE_SIZE
from cogcheck.inputs.terraform.evaluate import Scope
from cogcheck.inputs.terraform.functions import call_function
from cogcheck.inputs.terraform.hcl import parse_expression
from cogcheck.inputs.terraform.module import MAX_INSTANCES, MAX_MODULE_DEPTH
from tests.helpers import ROOT
from tests.hostile import Run, assert_held, run, sentinel

POOL = 'resource "aws_cognito_user_pool" "p" {\n  name = "p"\n}\n'
#: Peak resident memory a hostile scan may reach (the interpreter and its imports take about 100 MiB of it).
MAX_RSS_MIB = 400


def client(name: str = "c", validity: str = "25", extra: str = "", meta: str = "") -> str:
    """A client whose ``access_token_validity`` (COG-E001 when it is 25) is ``validity``."""
    return (f'resource "aws_cognito_user_pool_client" "{name}" {{\n{meta}  name = "{name}"\n'
            f"  user_pool_id = aws_cognito_user_pool.p.id\n  access_token_validity = {validity}\n{extra}}}\n")


def locals_block(pairs: list[tuple[str, str]]) -> str:
    return "locals {\n" + "".join(f"  {name} = {expr}\n" for name, expr in pairs) + "}\n"


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


#: Runs cogcheck in the child and writes the peak resident memory of the child's own address space (``VmHWM``) to
#: stderr when it exits. ``wait4``'s ``ru_maxrss`` is no measure here: a child started from pytest inherits pytest's
#: own high-water mark through fork and exec, so it grows with whatever the test session has loaded.
_MEASURED = (
    "import atexit, runpy, sys\n"
    "def peak():\n"
    "    try:\n"
    "        status = open('/proc/self/status', encoding='ascii').read()\n"
    "    except OSError:\n"
    "        return\n"
    "    for line in status.splitlines():\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('\\n' + MARK + line.split()[1] + '\\n')\n"
    "MARK = sys.argv.pop(1)\n"
    "atexit.register(peak)\n"
    "sys.argv[0] = 'cogcheck'\n"
    "runpy.run_module('cogcheck', run_name='__main__', alter_sys=True)\n"
)
_MARK = "cogcheck-test-peak-kib="


def scan(tmp_path: Path, *args: str, timeout: float = 120) -> Run:
    """``cogcheck scan -f json TMP ARGS`` in a child process; its peak memory must stay under :data:`MAX_RSS_MIB`."""
    sentinel(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", _MEASURED, _MARK, "scan", "-f", "json", str(tmp_path), *args]
    try:
        proc = subprocess.run(command, capture_output=True, env=env, cwd=tmp_path.parent, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the scan did not end in {timeout} s")
    stderr = proc.stderr.decode()
    peak = re.search(rf"\n{_MARK}(\d+)\n", stderr)
    if peak is not None:  # Linux: the child's own peak (KiB)
        stderr = stderr[: peak.start()] + stderr[peak.end():]
        assert int(peak.group(1)) / 1024 < MAX_RSS_MIB
    return Run(proc.returncode, proc.stdout.decode(), stderr)


def findings_of(result: Run, address: str) -> set[str]:
    return {f["rule_id"] for f in result.report["findings"] if f.get("resource") == address}


def notices_of(result: Run, address: str) -> list[str]:
    return [n["message"] for n in result.report["notices"] if n.get("resource") == address]


# ------------------------------------------------------------------------------------- shared values: a DAG


def doubling(form: str, n: int) -> list[tuple[str, str]]:
    start = '{a = "x"}' if form == "merge" else '["x"]'
    step = {
        "list": "[local.v{0}, local.v{0}]",
        "merge": "merge(local.v{0}, {{a = local.v{0}, b = local.v{0}}})",
        "equal": "[local.v{0}, local.v{0}, local.v{0} == local.v{0}]",  # == walks both sides: spent as it walks
    }[form]
    return [("v0", start)] + [(f"v{i}", step.format(i - 1)) for i in range(1, n + 1)]


def cut(message: str) -> bool:
    """Whether a notice says a value was cut by a bound: its size, or the steps building or comparing it took."""
    return f"larger than {MAX_VALUE_SIZE:,}" in message or f"more than {MAX_STEPS:,} evaluation steps" in message


@pytest.mark.parametrize("form", ["list", "merge", "equal"])
def test_locals_doubling_each_other_are_evaluated_once_each(form: str) -> None:
    exprs = {name: parse_expression(text) for name, text in doubling(form, 60)}
    scope = Scope(local_exprs=exprs)
    small = scope.eval(parse_expression("local.v10"))
    assert not isinstance(small, Unknown)
    assert scope.meter.steps < 2_000 + 10 * 2**10  # the first ten: built once each, measured once each
    big = scope.eval(parse_expression("local.v60"))
    size, unknown_inside = scope.meter.measure(big)
    assert size <= MAX_VALUE_SIZE and unknown_inside  # the parts past the bound are unknown
    assert scope.meter.tainted is not None and cut(scope.meter.tainted)
    assert scope.meter.steps < 3 * MAX_VALUE_SIZE  # 2^60 as a tree: cut where its size passes the bound


@pytest.mark.parametrize("form", ["list", "merge", "equal"])
def test_locals_doubling_each_other_beside_a_client(tmp_path: Path, form: str) -> None:
    tf = write(tmp_path / "tf", {"main.tf": POOL + locals_block(doubling(form, 60))
                                 + client(extra="  callback_urls = local.v60\n")})
    result = scan(tmp_path)
    assert_held(result, errors=False)
    assert "COG-E001" in findings_of(result, "aws_cognito_user_pool_client.c")
    assert any(cut(m) for m in notices_of(result, "aws_cognito_user_pool_client.c"))
    assert tf.is_dir()


def test_a_string_doubling_in_locals_is_cut_before_it_fills_memory(tmp_path: Path) -> None:
    pairs = [("s0", '"0123456789abcdef"')] + [(f"s{i}", f'"${{local.s{i - 1}}}${{local.s{i - 1}}}"')
                                              for i in range(1, 41)]
    write(tmp_path / "tf", {"main.tf": POOL + locals_block(pairs)
                            + client(extra="  default_redirect_uri = local.s40\n")})
    result = scan(tmp_path)
    assert_held(result, errors=False)
    assert "COG-E001" in findings_of(result, "aws_cognito_user_pool_client.c")
    assert notices_of(result, "aws_cognito_user_pool_client.c")


def test_locals_nesting_each_other_thousands_deep(tmp_path: Path) -> None:
    pairs = [("a0", '"x"')] + [(f"a{i}", f"[local.a{i - 1}]") for i in range(1, 3001)]
    reads = ", ".join(f"local.a{i}" for i in range(50, 3001, 50))  # each read nests 50 levels past the last
    write(tmp_path / "tf", {"main.tf": POOL + locals_block(pairs) + client(extra=f"  callback_urls = [{reads}]\n")})
    result = scan(tmp_path)
    assert_held(result, errors=False)
    assert "COG-E001" in findings_of(result, "aws_cognito_user_pool_client.c")
    assert any(f"nested more than {MAX_VALUE_DEPTH} levels" in m
               for m in notices_of(result, "aws_cognito_user_pool_client.c"))


# ------------------------------------------------------------------------------------- budgets per instance

#: Locals whose evaluation spends a budget: flattening a doubled list walks its 2^14 leaves; ``s1`` costs about half
#: a budget, ``s3`` (three flattenings) more than one.
HEAVY = doubling("list", 14) + [("s1", "length(flatten(local.v14))"), ("s2", "local.s1 + length(flatten(local.v14))"),
                                ("s3", "local.s2 + length(flatten(local.v14))")]


def test_a_padding_module_does_not_spend_the_budget_of_later_values(tmp_path: Path) -> None:
    keys = ", ".join(f'"k{i}"' for i in range(2000))
    pad = locals_block([(f"p{i}", f'[var.x, "{i}", {{a = var.x, b = [1, 2, 3]}}]') for i in range(30)])
    pad += ('resource "aws_cognito_resource_server" "r" {\n  user_pool_id = var.x\n  identifier = var.x\n'
            "  name = join(\",\", [" + ", ".join(f"local.p{i}[1]" for i in range(30)) + "])\n}\n")
    write(tmp_path / "tf", {
        "main.tf": POOL + f'module "a_pad" {{\n  source = "./pad"\n  for_each = toset([{keys}])\n'
                   '  x = each.key\n}\n' + locals_block([("validity", "25")]) + client(validity="local.validity"),
        "pad/main.tf": 'variable "x" {}\n' + pad,
    })
    result = scan(tmp_path)
    assert_held(result, errors=False)
    assert "COG-E001" in findings_of(result, "aws_cognito_user_pool_client.c")
    assert not notices_of(result, "aws_cognito_user_pool_client.c")


def test_a_spent_budget_is_a_notice_on_the_client_it_silenced(tmp_path: Path) -> None:
    write(tmp_path / "tf", {"main.tf": POOL + locals_block(HEAVY)
                            + client("a_complete", validity="local.s1 > 0 ? 25 : 1")
                            + client("silenced", validity="local.s3 > 0 ? 25 : 1")
                            + client("untouched")})
    result = scan(tmp_path)
    assert_held(result, errors=False)
    assert "COG-E001" not in findings_of(result, "aws_cognito_user_pool_client.silenced")
    assert any(f"more than {MAX_STEPS:,} evaluation steps in the root module" in m
               for m in notices_of(result, "aws_cognito_user_pool_client.silenced"))
    for name in ("a_complete", "untouched"):
        assert "COG-E001" in findings_of(result, f"aws_cognito_user_pool_client.{name}")
        assert not notices_of(result, f"aws_cognito_user_pool_client.{name}")


def test_a_module_argument_cut_by_a_budget_is_a_notice_in_the_module(tmp_path: Path) -> None:
    write(tmp_path / "tf", {
        "main.tf": locals_block(HEAVY) + 'module "m" {\n  source = "./m"\n  validity = local.s3 > 0 ? 25 : 1\n}\n',
        "m/main.tf": POOL + 'variable "validity" {}\n' + client(validity="var.validity"),
    })
    result = scan(tmp_path)
    assert_held(result, errors=False)
    assert any("evaluation steps" in m for m in notices_of(result, "module.m.aws_cognito_user_pool_client.c"))


def test_the_work_of_a_whole_configuration_is_bounded(tmp_path: Path) -> None:
    keys = ", ".join(f'"k{i}"' for i in range(2 * MAX_TOTAL_STEPS // MAX_STEPS))
    write(tmp_path / "tf", {
        "main.tf": f'module "heavy" {{\n  source = "./heavy"\n  for_each = toset([{keys}])\n}}\n',
        "heavy/main.tf": POOL + locals_block(HEAVY) + client(validity="local.s3 > 0 ? 25 : 1"),
    })
    result = scan(tmp_path)
    assert_held(result)
    assert f"takes more than {MAX_TOTAL_STEPS:,} steps" in result.stderr
    assert f"{tmp_path / 'tf'}" in result.stderr


# ------------------------------------------------------------------------------------- collections, instances


def test_toset_and_distinct_are_linear() -> None:
    assert Scope().eval(parse_expression('distinct([{a = 1, b = 2}, {b = 2, a = 1}, {a = 2, b = 1}])')) == [
        {"a": 1, "b": 2}, {"a": 2, "b": 1}]
    many = ", ".join(f'"k{i % 500}"' for i in range(2000))
    keys = Scope().eval(parse_expression(f"toset([{many}])"))
    assert isinstance(keys, list) and len(keys) == 500 and keys == sorted(keys)

    def best_of_three(n: int) -> float:
        items = [f"k{i % (n // 2)}" for i in range(n)]
        times = []
        for _ in range(3):
            start = time.perf_counter()
            call_function("distinct", [items])
            call_function("toset", [items])
            times.append(time.perf_counter() - start)
        return min(times)

    assert best_of_three(40_000) < 30 * best_of_three(4_000) + 0.05  # linear (quadratic would be 100 times)


def test_for_each_over_thousands_of_keys(tmp_path: Path) -> None:
    keys = ", ".join(f'"s{i % 3000}"' for i in range(6000))
    server = ('resource "aws_cognito_resource_server" "api" {\n  for_each = toset(distinct([' + keys + ']))\n'
              '  user_pool_id = aws_cognito_user_pool.p.id\n  identifier = each.key\n  name = each.value\n}\n')
    write(tmp_path / "tf", {"main.tf": POOL + server + client()})
    result = scan(tmp_path)
    assert_held(result, errors=False)
    assert "COG-E001" in findings_of(result, "aws_cognito_user_pool_client.c")


@pytest.mark.parametrize("how", ["count", "for_each", "nested"])
def test_more_instances_than_the_cap_is_an_input_error(tmp_path: Path, how: str) -> None:
    many = MAX_INSTANCES + 1
    if how == "count":
        files = {"main.tf": POOL + client(meta=f"  count = {many}\n")}
    elif how == "for_each":
        keys = ", ".join(f'"k{i}"' for i in range(many))
        files = {"main.tf": POOL + f'variable "keys" {{\n  default = [{keys}]\n}}\n'
                 + client(meta="  for_each = var.keys\n")}
    else:
        files = {"main.tf": 'module "m" {\n  source = "./m"\n  count = 101\n}\n',
                 "m/main.tf": POOL + client(meta="  count = 100\n")}
    write(tmp_path / "tf", files)
    result = scan(tmp_path)
    assert_held(result)
    assert f"{MAX_INSTANCES:,} resource and module instances" in result.stderr
    assert "main.tf:" in result.stderr


@pytest.mark.parametrize("shape", ["chain", "self"])
def test_modules_nested_too_deeply_are_an_input_error(tmp_path: Path, shape: str) -> None:
    files: dict[str, str] = {}
    if shape == "chain":
        depth = MAX_MODULE_DEPTH + 2
        for level in range(depth):
            files[f"m{level}/main.tf"] = f'module "next" {{\n  source = "../m{level + 1}"\n}}\n'
        files[f"m{depth}/main.tf"] = POOL + client()
        files["main.tf"] = 'module "first" {\n  source = "./m0"\n}\n'
    else:
        files["main.tf"] = 'module "loop" {\n  source = "./loop"\n}\n'
        files["loop/main.tf"] = POOL + client() + 'module "again" {\n  source = "./"\n}\n'
    write(tmp_path / "tf", files)
    result = scan(tmp_path)
    assert_held(result)
    assert ("nests module calls more than" if shape == "chain" else "calls a module that calls it") in result.stderr


# ------------------------------------------------------------------------------------------ variable files


DIGITS = "9" * 5000


@pytest.mark.parametrize("where", ["terraform.tfvars.json", "terraform.tfvars", "--var-file json", "--var-file hcl"])
def test_a_five_thousand_digit_number_in_a_variable_file(tmp_path: Path, where: str) -> None:
    write(tmp_path / "tf", {"main.tf": POOL + 'variable "v" {\n  type = number\n}\n' + client(validity="var.v")})
    text = json.dumps({"v": 1}).replace("1", DIGITS) if "json" in where else f"v = {DIGITS}\n"
    args: list[str] = []
    if where.startswith("--var-file"):
        (tmp_path.parent / "vars.tfvars").write_text(text, encoding="utf-8")
        if "json" in where:
            (tmp_path.parent / "vars.tfvars").rename(tmp_path.parent / "vars.tfvars.json")
        args = ["--var-file", str(tmp_path.parent / ("vars.tfvars.json" if "json" in where else "vars.tfvars"))]
    else:
        (tmp_path / "tf" / where).write_text(text, encoding="utf-8")
    result = run(str(tmp_path / "tf"), str(sentinel(tmp_path)), "-f", "json", *args)
    assert_held(result, errors=False)
    found = findings_of(result, "aws_cognito_user_pool_client.c")
    assert "COG-S004" in found  # the client is checked
    assert "COG-E001" not in found  # a number beyond what cogcheck holds exactly is unknown: the rule abstains


@pytest.mark.parametrize("where", ["terraform.tfvars.json", "--var-file"])
def test_a_deeply_nested_tfvars_json_is_an_input_error(tmp_path: Path, where: str) -> None:
    write(tmp_path / "tf", {"main.tf": POOL + 'variable "v" {}\n' + client()})
    text = "[" * 5000 + "1" + "]" * 5000
    path = tmp_path / "tf" / "terraform.tfvars.json" if where != "--var-file" else tmp_path.parent / "v.tfvars.json"
    path.write_text('{"v": ' + text + "}", encoding="utf-8")
    args = ["--var-file", str(path)] if where == "--var-file" else []
    result = run(str(tmp_path / "tf"), str(sentinel(tmp_path)), "-f", "json", *args)
    assert "Traceback" not in result.stderr
    assert result.code == 2 and "nested more than" in result.stderr
    if where != "--var-file":
        assert_held(result)
