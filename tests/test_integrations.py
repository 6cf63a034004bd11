"""Integrations: the composite GitHub Action, the pre-commit hook, the SARIF validation script, the sample SARIF."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cogcheck.engine.rules import load_rules
from tests.helpers import BAD_CLIENT, GOOD_CLIENT, ROOT
from tests.sarif_schema import assert_valid_sarif

BAD, GOOD = BAD_CLIENT, GOOD_CLIENT
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def load_action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return data


def cogcheck_command() -> str:
    beside = Path(sys.executable).with_name("cogcheck")
    found = str(beside) if beside.exists() else shutil.which("cogcheck")
    if not found:
        pytest.skip("no cogcheck executable")
    return found


# ----------------------------------------------------------------------------------------------------- action.yml


def test_action_is_a_composite_action_with_the_documented_interface() -> None:
    action = load_action()
    assert action["name"] == "cogcheck" and action["description"]
    assert set(action["inputs"]) >= {"paths", "fail-on", "baseline", "sarif-file"}
    assert action["inputs"]["sarif-file"]["default"] == "cogcheck.sarif"
    assert action["inputs"]["fail-on"]["default"] == "error"
    assert all("description" in spec for spec in action["inputs"].values())
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.scan.outputs.exit-code }}"
    runs = action["runs"]
    assert runs["using"] == "composite"
    setup, install, scan, upload = runs["steps"]
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert 'pip install --disable-pip-version-check --quiet "${{ github.action_path }}"' in install["run"]
    assert scan["id"] == "scan"
    for step in (install, scan):
        assert step["shell"] == "bash"
    # no expression is pasted into the scan script: inputs reach it through env only (no script injection)
    assert not EXPRESSION.search(scan["run"])
    # the upload runs only when SARIF was written (not after a usage error), also after findings failed the step
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "steps.scan.outputs.sarif-written == 'true'" in upload["if"] and "!cancelled()" in upload["if"]
    assert "inputs.upload-sarif == 'true'" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif-file }}"
    assert {m.group(1).split(".")[1] for v in scan["env"].values() for m in EXPRESSION.finditer(v)} >= set(
        action["inputs"]
    ) - {"python-version"}


def run_scan_step(
    workdir: Path, inputs: dict[str, str], tmp_path: Path, pull_request_base: str = ""
) -> tuple[subprocess.CompletedProcess[str], dict[str, str], str]:
    """Run the action's scan step as a runner would (bash -e, env from expressions, GITHUB_* files); on a pull
    request whose base commit is ``pull_request_base`` when one is given."""
    action = load_action()
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()} | inputs
    context = {"steps.install.outputs.cogcheck": cogcheck_command(), "github.action_path": str(ROOT)}
    context["github.event.pull_request.base.sha"] = pull_request_base
    context |= {f"inputs.{name}": value for name, value in values.items()}
    step = action["runs"]["steps"][2]
    env = {key: EXPRESSION.sub(lambda m: context[m.group(1)], value) for key, value in step["env"].items()}
    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    outputs.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    script = tmp_path / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),  # the checkout under test, not whatever is installed
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTIONS": "true",
        "RUNNER_TEMP": str(tmp_path),
        **env,
    }
    completed = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],  # the runner's `shell: bash`
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    recorded = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if "=" in line)
    return completed, recorded, summary.read_text(encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    workdir = tmp_path / "workspace"
    (workdir / "infra" / "nested").mkdir(parents=True)
    (workdir / ".git").mkdir()  # a checkout: URIs are relative to it
    (workdir / "infra" / "auth.yaml").write_text(BAD, encoding="utf-8")
    (workdir / "infra" / "nested" / "ok.yaml").write_text(GOOD, encoding="utf-8")
    return workdir


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is missing")
def test_action_scan_step_fails_on_findings_and_writes_sarif_and_summary(workspace: Path, tmp_path: Path) -> None:
    completed, outputs, summary = run_scan_step(
        workspace, {"paths": "infra\ninfra/nested", "args": "--select COG-E", "annotations": "true"}, tmp_path
    )
    assert completed.returncode == 1, completed.stderr
    assert outputs == {"exit-code": "1", "sarif-file": "cogcheck.sarif", "sarif-written": "true"}
    log = assert_valid_sarif((workspace / "cogcheck.sarif").read_text(encoding="utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"infra/auth.yaml"}
    assert summary.startswith("## cogcheck\n") and "COG-E001" in summary
    assert "::error file=infra/auth.yaml,line=7,col=7,title=COG-E001 " in completed.stdout
    assert "::error title=cogcheck::findings at or above 'error'" in completed.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is missing")
def test_action_scan_step_passes_with_fail_on_never_and_with_a_baseline(workspace: Path, tmp_path: Path) -> None:
    completed, outputs, _ = run_scan_step(workspace, {"paths": "infra", "fail-on": "never"}, tmp_path)
    assert completed.returncode == 0 and outputs["exit-code"] == "0", completed.stderr
    assert "::error" not in completed.stdout
    subprocess.run(
        [cogcheck_command(), "scan", "infra", "--write-baseline", "cogcheck-baseline.json"],
        cwd=workspace,
        check=True,
        capture_output=True,
    )
    completed, outputs, summary = run_scan_step(workspace, {"baseline": "cogcheck-baseline.json"}, tmp_path)
    assert completed.returncode == 0 and outputs["exit-code"] == "0", completed.stderr
    assert "in the baseline" in summary


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is missing")
def test_action_scan_step_reports_a_bad_baseline_as_exit_2(workspace: Path, tmp_path: Path) -> None:
    (workspace / "broken.json").write_text("{", encoding="utf-8")
    completed, outputs, summary = run_scan_step(workspace, {"baseline": "broken.json"}, tmp_path)
    assert completed.returncode == 2 and outputs["exit-code"] == "2" and outputs["sarif-written"] == "false"
    assert "is not JSON" in completed.stderr
    assert not (workspace / "cogcheck.sarif").exists() and summary == ""


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is missing")
def test_action_lists_keep_spaces_and_quotes_and_are_never_evaluated(workspace: Path, tmp_path: Path) -> None:
    odd = workspace / "my infra" / "it's \"here\" $(touch pwned)"
    odd.mkdir(parents=True)
    (odd / "auth.yaml").write_text(BAD, encoding="utf-8")
    (workspace / "legacy").mkdir()
    (workspace / "legacy" / "broken.yaml").write_text("Resources: [AWS::Cognito::UserPoolClient\n", encoding="utf-8")
    inputs = {
        "paths": f"  {odd.relative_to(workspace)}  \n\nlegacy\n",
        "args": "--select\nCOG-E001\n--parameter\nStage=my prod; $(touch pwned2)\n",
        "exclude": "legacy/*\n",
        "fail-on": "never",
    }
    completed, outputs, _ = run_scan_step(workspace, inputs, tmp_path)
    assert completed.returncode == 0 and outputs["exit-code"] == "0", completed.stderr + completed.stdout
    log = assert_valid_sarif((workspace / "cogcheck.sarif").read_text(encoding="utf-8"))
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "COG-E001"
    assert "my%20infra" in result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    notices = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("'Stage'" in n["message"]["text"] for n in notices)  # the parameter arrived whole, and undeclared
    assert not list(workspace.rglob("pwned*")) and not list(Path.cwd().glob("pwned*"))
    # a single line is still split on spaces, as before
    completed, outputs, _ = run_scan_step(workspace, {"paths": "infra legacy", "exclude": "legacy"}, tmp_path)
    assert outputs["exit-code"] == "1", completed.stderr


# ------------------------------------------------------------------------------------------------------ pre-commit


def test_pre_commit_hook_definition() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "cogcheck" and hook["language"] == "python"
    assert hook["entry"].split() == ["cogcheck", "scan"]
    files = re.compile(hook["files"])
    for name in ("template.yaml", "a/b.yml", "stack.template.json", "x.template",
                 "main.tf", "infra/auth.tf.json", "main.tofu", "main.tofu.json", "plan.json"):
        assert files.search(name), name
    for name in ("app.py", "README.md", "yaml.txt", "notes.tfstate", "main.tf.bak"):
        assert not files.search(name), name


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=cogcheck tests", "-c", "user.email=tests@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is missing")
@pytest.mark.slow
@pytest.mark.network  # installs the hook's dependencies from the registry
def test_pre_commit_try_repo_fails_on_a_bad_template_and_passes_on_a_good_one(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    # A committed copy of this checkout (try-repo clones it: uncommitted new files would be missed).
    hooks = tmp_path / "hooks-repo"
    hooks.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("cogcheck", "rules"):
        shutil.copytree(ROOT / name, hooks / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, hooks / name)
    _git("init", "-q", cwd=hooks)
    _git("add", "-A", cwd=hooks)
    _git("commit", "-q", "-m", "hooks", cwd=hooks)

    project = tmp_path / "project"
    project.mkdir()
    _git("init", "-q", cwd=project)
    (project / "template.yaml").write_text(BAD, encoding="utf-8")
    (project / "notes.json").write_text('{"not": "a template"}', encoding="utf-8")
    _git("add", "-A", cwd=project)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "cogcheck", "--all-files"]

    bad = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "template.yaml:7:7: COG-E001 error" in bad.stdout
    assert re.search(r"^cogcheck\.+Failed$", bad.stdout, re.MULTILINE), bad.stdout

    (project / "template.yaml").write_text(GOOD, encoding="utf-8")
    _git("add", "-A", cwd=project)
    good = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"^cogcheck\.+Passed$", good.stdout, re.MULTILINE), good.stdout

    # Terraform: a staged .tf file has its module directory scanned
    (project / "infra").mkdir()
    (project / "infra" / "main.tf").write_text(
        'resource "aws_cognito_user_pool" "pool" {\n  name = "app"\n}\n\n'
        'resource "aws_cognito_user_pool_client" "web" {\n  name                  = "web"\n'
        '  user_pool_id          = aws_cognito_user_pool.pool.id\n  access_token_validity = 25\n}\n',
        encoding="utf-8",
    )
    _git("add", "-A", cwd=project)
    terraform = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert terraform.returncode == 1, terraform.stdout + terraform.stderr
    assert "infra/main.tf:8:3: COG-E001 error" in terraform.stdout, terraform.stdout


# ---------------------------------------------------------------------------------------------- sarif validation


def test_sarif_validate_script_is_executable_bash() -> None:
    script = ROOT / ".ci" / "sarif-validate.sh"
    assert os.access(script, os.X_OK)
    text = script.read_text(encoding="utf-8")
    assert '--rule-kind "Sarif;Ghas"' in text and "': error '" in text
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_sample_sarif_in_examples_is_valid_and_current_in_shape() -> None:
    samples = sorted((ROOT / "examples").rglob("*.sarif"))
    assert samples, "examples/ has no sample SARIF"
    rule_ids = {rule.id for rule in load_rules()}
    for sample in samples:
        log = assert_valid_sarif(sample.read_text(encoding="utf-8"))
        (run,) = log["runs"]
        assert run["results"], sample
        rules = run["tool"]["driver"]["rules"]
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["ruleId"] in rule_ids, f"{sample}: {result['ruleId']} is no longer a rule; regenerate it"
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert (ROOT / uri).is_file(), f"{sample}: {uri} does not exist; regenerate it"
        assert str(ROOT) not in json.dumps(log)
