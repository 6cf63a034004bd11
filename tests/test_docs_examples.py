"""Every command and configuration example in README.md and docs/*.md runs as written.

The fenced blocks are read from the documents themselves: ``sh`` blocks are commands, run line by line with bash.
A command about cogcheck itself (installing it, ``examples/``, ``bench/``) runs in a copy of the repository (its
tracked and unignored files: what a clone holds); a command about the user's project runs in a project directory
where the names the examples use (``templates/``, ``infra/``, ``template.yaml``, ``cdk.out``, ...) are small
fixtures. A command whose tool is absent or that would change this environment (``pip install``: checked with
``--dry-run``) skips or is adapted, with the reason. ``toml`` / ``yaml`` blocks that are cogcheck configurations are
scanned through the CLI, the cfn-lint plugin and the CDK validation plugin; the GitHub workflow, the pre-commit
configuration and ``.cfnlintrc`` are checked against what they name. docs/rules.md (generated;
tests/test_rules_catalogue.py scans its examples) and docs/options.md (generated from the CLI) are not walked.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import BAD_CLIENT, FIXTURES, ROOT

GENERATED = {"rules.md", "options.md"}
DOCUMENTS = [ROOT / "README.md", *(p for p in sorted((ROOT / "docs").glob("*.md")) if p.name not in GENERATED)]
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    language: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.document.relative_to(ROOT).as_posix()}:{self.line}"


def blocks(*languages: str) -> list[Block]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            if match.group(1) in languages:
                line = text.count("\n", 0, match.start()) + 1
                found.append(Block(document, line, match.group(1), match.group(2)))
    return found


# ------------------------------------------------------------------------------------------------- the sandbox

TERRAFORM = """\
variable "callback_domain" {
  default = "app.example.org"
}

resource "aws_cognito_user_pool" "pool" {
  name = "app"
}

resource "aws_cognito_user_pool_client" "web" {
  name                  = "web"
  user_pool_id          = aws_cognito_user_pool.pool.id
  access_token_validity = 60
  callback_urls         = ["https://${var.callback_domain}/cb"]
}
"""


def _copy_repository(into: Path) -> None:
    """The files a clone holds: tracked and untracked-but-not-ignored (so the test sees work in progress too)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=False,
    )
    if listed.returncode != 0:  # not a git checkout (an unpacked sdist): everything but caches
        shutil.copytree(ROOT, into, ignore=shutil.ignore_patterns("__pycache__", ".*cache*", ".git", ".hypothesis"))
        return
    for name in sorted({n for n in listed.stdout.decode().split("\0") if n}):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    subprocess.run(["git", "init", "-q"], cwd=into, check=True)  # docs use `git rev-parse`, as in a clone
    subprocess.run(["git", "add", "-A"], cwd=into, check=True)
    subprocess.run(["git", "-c", "user.name=docs", "-c", "user.email=docs@example.invalid", "commit", "-qm", "copy"],
                   cwd=into, check=True)


def _fixtures(into: Path) -> None:
    """The names the examples scan, in a project."""
    into.mkdir()
    (into / "templates").mkdir()
    for template in sorted((ROOT / "examples").glob("*.yaml")):
        shutil.copy2(template, into / "templates" / template.name)
    shutil.copy2(ROOT / "examples" / "web-client.yaml", into / "template.yaml")
    (into / "infra").mkdir()
    (into / "infra" / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    (into / "prod.tfvars").write_text('callback_domain = "login.example.org"\n', encoding="utf-8")
    shutil.copy2(FIXTURES / "terraform" / "plan" / "plan.json", into / "plan.json")
    shutil.copytree(FIXTURES / "cdk" / "assemblies" / "clilike", into / "cdk.out")
    shutil.copytree(FIXTURES / "terraform" / "cdktf.out", into / "cdktf.out")


@dataclass(frozen=True)
class Sandbox:
    repository: Path  # a copy of the repository
    project: Path  # a user's project


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    if shutil.which("git") is None:
        pytest.skip("git is missing (the copy of the repository is made with git ls-files)")
    root = tmp_path_factory.mktemp("docs")
    (root / "cogcheck").mkdir()
    _copy_repository(root / "cogcheck")
    _fixtures(root / "project")
    return Sandbox(root / "cogcheck", root / "project")


def _env(home: Path) -> dict[str, str]:
    """This checkout's cogcheck on PYTHONPATH and the venv's scripts on PATH; no user-level tool configuration."""
    env = dict(os.environ, HOME=str(home), PYTHONPATH=str(ROOT), COGCHECK_CACHE_DIR="", NO_COLOR="1")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("PYTHONWARNINGS", None)
    return env


# ---------------------------------------------------------------------------------------------------- commands

#: first word → why it does not run here (None: it runs)
SKIPPED = {
    "pytest": "the test suite itself",
    "cdk": "needs a CDK app (cdk.json) and the CDK CLI; the cdk.out it writes is a fixture here",
    "npx": "needs a CDK app (cdk.json) and the CDK CLI; the cdk.out it writes is a fixture here",
}
SLOW = {"cfn-lint", "pip", "python"}


@dataclass(frozen=True)
class Command:
    block: Block
    line: int
    text: str  # one part of a line (lines are split at `&&`)

    @property
    def words(self) -> list[str]:
        """The command's words, without the ``NAME=value`` environment assignments before it."""
        words = shlex.split(self.text, comments=True)
        while len(words) > 1 and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
            words = words[1:]
        return words

    def skip_reason(self) -> str | None:
        words = self.words
        tool = words[0]
        if tool in SKIPPED:
            return SKIPPED[tool]
        if tool == "terraform":
            return "needs a saved plan (`terraform plan -out`, a provider and credentials); plan.json is a fixture"
        if tool == "pipx":
            return "pipx is not installed" if shutil.which("pipx") is None else None
        if words[:2] == ["python", "bench/bench.py"] and "--quick" not in words:
            return "a benchmark at full size takes minutes on a shared machine (the documented --quick run runs)"
        if shutil.which(tool) is None and not Path(sys.executable).with_name(tool).exists():
            return f"{tool} is not installed"
        return None

    def about_cogcheck(self) -> bool:
        """Run in the copy of the repository: installs, tests and benchmarks cogcheck, or names its files."""
        words = self.words
        return words[0] in ("pip", "pipx", "pytest", "python") or any(
            (ROOT / word.split("/")[0]).exists() and word not in (".", "./") for word in words[1:]
        )

    def runnable(self) -> str:
        """The command as written, except that ``pip install`` only resolves (``--dry-run``, no dependencies)."""
        words = self.words
        if words[:2] == ["pip", "install"]:
            return self.text.replace("pip install", f"{shlex.quote(sys.executable)} -m pip install --dry-run --no-deps "
                                     "--disable-pip-version-check -q", 1)
        if words[0] == "python":
            return shlex.quote(sys.executable) + self.text.removeprefix("python")
        return self.text


def commands() -> Iterator[Any]:
    for block in blocks("sh"):
        for offset, line in enumerate(block.text.splitlines(), start=1):
            if not shlex.split(line, comments=True):
                continue
            for part in line.split(" && "):
                command = Command(block, block.line + offset, part.strip())
                marks = [pytest.mark.slow] if command.words[0] in SLOW else []
                if command.words[:2] == ["pip", "install"]:
                    marks.append(pytest.mark.network)
                yield pytest.param(command, marks=marks, id=f"{block.name}+{offset}: {command.words[0]}")


def test_the_walk_finds_the_documented_commands() -> None:
    texts = [p.values[0].text for p in commands()]
    assert "cogcheck scan examples/" in texts and any(t.startswith("cfn-lint -a cogcheck") for t in texts)
    assert any("--var-file prod.tfvars" in t for t in texts)


@pytest.mark.parametrize("command", list(commands()))
def test_documented_command_runs_as_written(command: Command, sandbox: Sandbox, tmp_path: Path) -> None:
    reason = command.skip_reason()
    if reason:
        pytest.skip(f"{command.text!r}: {reason}")
    if command.words[:2] == ["pip", "install"] and not shutil.which("git"):
        pytest.skip("git is missing")
    done = subprocess.run(
        ["bash", "-c", command.runnable()], cwd=sandbox.repository if command.about_cogcheck() else sandbox.project,
        env=_env(tmp_path), capture_output=True, text=True,
        timeout=900, check=False,
    )
    where = f"{command.block.document.name}:{command.line}: {command.text}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, where
    if command.words[0] == "cfn-lint":  # a bit mask: 2 errors, 4 warnings, 8 informational; 1 is a failure
        assert done.returncode != 1 and "E0002" not in done.stdout, where
        assert re.search(r"\bE91\d\d\b", done.stdout), where  # the plugin ran: the example's deploy errors
    else:
        assert done.returncode in (0, 1), where  # 1: findings at or above --fail-on, as documented


# ------------------------------------------------------------------------------------------ configuration files


def _kind(block: Block) -> str:
    """What a toml / yaml block is: a cogcheck configuration, another tool's configuration, or a template."""
    if block.language == "toml":
        if "[language-server." in block.text:
            return "helix"  # an editor's languages.toml (docs/editors.md): tests/test_lsp.py checks it
        return "cogcheck" if "[tool.cogcheck]" in block.text else "other"
    data = yaml.safe_load(block.text.replace("Properties: ...", "Properties: {}"))
    if not isinstance(data, dict):
        return "other"
    if "Resources" in data:
        return "template"
    if "jobs" in data:
        return "workflow"
    if data and all(isinstance(job, dict) and "script" in job for job in data.values()):
        return "gitlab-ci"
    if "repos" in data:
        return "pre-commit"
    if "append_rules" in data:
        return "cfnlintrc"
    if {"id", "docs"} <= set(data):
        return "rule"  # a rule pack's rule file (docs/custom-rules.md)
    from cogcheck.config.files import _KEYS

    return "cogcheck" if set(data) <= _KEYS else "other"


def configurations(kind: str) -> list[Any]:
    return [pytest.param(b, id=b.name) for b in blocks("toml", "yaml") if _kind(b) == kind]


def test_every_configuration_block_is_known() -> None:
    kinds = {b.name: _kind(b) for b in blocks("toml", "yaml")}
    assert "other" not in kinds.values(), kinds
    assert "cogcheck" in kinds.values() and "workflow" in kinds.values() and "pre-commit" in kinds.values()


def _project(tmp_path: Path, block: Block) -> Path:
    """A project holding the configuration block as written, and a template with a deploy error."""
    project = tmp_path / "project"
    project.mkdir()
    name = "pyproject.toml" if block.language == "toml" else ".cogcheck.yaml"
    (project / name).write_text(block.text, encoding="utf-8")
    (project / "template.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    for pack in _packs(block):  # the rule packs it names: the example pack (docs/custom-rules.md)
        shutil.copytree(ROOT / "examples" / "policies", project / pack, dirs_exist_ok=True)
    return project


def _packs(block: Block) -> list[str]:
    """The rule pack directories a configuration block names (``rules``)."""
    import tomllib

    data = tomllib.loads(block.text).get("tool", {}).get("cogcheck", {}) if block.language == "toml" \
        else yaml.safe_load(block.text)
    return list(data.get("rules", [])) if isinstance(data, dict) else []


@pytest.mark.parametrize("block", configurations("rule"))
def test_rule_example_loads_as_a_rule_pack(block: Block, tmp_path: Path) -> None:
    from cogcheck.engine.packs import load_packs, pack

    data = yaml.safe_load(block.text)
    (tmp_path / f"{data['id']}.yaml").write_text(block.text, encoding="utf-8")
    assert [rule.id for rule in load_packs([pack(tmp_path)])] == [data["id"]]


@pytest.mark.parametrize("block", configurations("cogcheck"))
def test_configuration_example_scans_through_the_cli(block: Block, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cogcheck.cli import app

    project = _project(tmp_path, block)
    done = CliRunner().invoke(app, ["scan", str(project), "--format", "json"])
    assert done.exit_code in (0, 1), done.output
    report = json.loads(done.stdout)
    assert report["errors"] == [] and report["summary"]["clients"] >= 1
    assert report["config"] and Path(report["config"]).parent == project


@pytest.mark.parametrize("block", configurations("cogcheck"))
def test_configuration_example_scans_in_the_cfn_lint_plugin(block: Block, tmp_path: Path) -> None:
    from cfnlint.api import ManualArgs, lint_file

    if _packs(block):
        pytest.skip("cfn-lint makes the plugin's rules at import: packs come from COGCHECK_RULES or the working "
                    "directory's configuration (tests/test_rule_packs.py runs the cfn-lint CLI so)")
    project = _project(tmp_path, block)
    matches = lint_file(project / "template.yaml", ManualArgs(append_rules=["cogcheck.cfnlint_rules"]))
    assert not [m.message for m in matches if m.rule.id == "E0002"]  # a configuration or engine failure
    assert any(re.fullmatch(r"[EWI]9[12]\d\d", m.rule.id) for m in matches)


@pytest.mark.parametrize("block", configurations("cogcheck"))
def test_configuration_example_scans_in_the_cdk_plugin(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cogcheck.cdk.validation import INPUT_ERROR, Settings, validate

    project = _project(tmp_path, block)
    monkeypatch.chdir(project)
    outcome = validate([str(project / "template.yaml")], Settings())
    assert not [v for v in outcome.violations if v.rule_name == INPUT_ERROR]
    assert outcome.result.errors == [] and outcome.result.clients >= 1


@pytest.mark.parametrize("block", configurations("workflow"))
def test_workflow_example_uses_the_actions_inputs(block: Block) -> None:
    workflow = yaml.safe_load(block.text)
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    ours = [step for step in steps if "cogcheck" in step.get("uses", "") or step.get("id") == "cogcheck"]
    runs = [step["run"] for step in steps if "cogcheck scan" in step.get("run", "")]
    assert ours or runs, "the workflow has no cogcheck step"
    _check_commands("\n".join(runs))
    for step in ours:
        assert step["uses"].startswith("./"), f"{step['uses']}: no published action exists; use it by path"
        assert set(step.get("with", {})) <= set(action["inputs"]), set(step["with"]) - set(action["inputs"])


def _check_commands(script: str) -> None:
    """The cogcheck commands of a CI script: cogcheck installed from its source by path (no published package
    yet), formats that exist, and reviewdog reading the format it is given."""
    from cogcheck.report.formats import RENDERERS

    lines = script.replace("\\\n", " ").splitlines()
    for line in (line for line in lines if "cogcheck scan" in line):
        assert re.search(r"pip install \./tools/cogcheck", script), "cogcheck is installed from its source by path"
        formats = re.findall(r"(?:--format|-f)[ =](\w+)", line.split("|")[0])
        assert formats and set(formats) <= set(RENDERERS), line
        if "reviewdog" in line:
            assert f"-f={formats[0]}" in line.split("|", 1)[1], line


@pytest.mark.parametrize("block", configurations("gitlab-ci"))
def test_gitlab_ci_example_runs_cogcheck_commands_that_exist(block: Block) -> None:
    jobs = yaml.safe_load(block.text)
    _check_commands("\n".join(line for job in jobs.values() for line in job["script"]))


@pytest.mark.parametrize("block", configurations("pre-commit"))
def test_pre_commit_example_names_the_hook_and_a_full_commit(block: Block) -> None:
    config = yaml.safe_load(block.text)
    (hooks,) = yaml.safe_load_all((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = {hook["id"] for hook in hooks}
    for repo in config["repos"]:
        assert re.fullmatch(r"[0-9a-f]{40}", repo["rev"]), "pre-commit fetches a full commit id"
        assert {hook["id"] for hook in repo["hooks"]} <= ids


@pytest.mark.slow
@pytest.mark.parametrize("block", configurations("cfnlintrc"))
def test_cfnlintrc_example_enables_the_plugin(block: Block, tmp_path: Path) -> None:
    (tmp_path / ".cfnlintrc").write_text(block.text, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    done = subprocess.run([str(cfn_lint) if cfn_lint.exists() else "cfn-lint", "template.yaml"], cwd=tmp_path,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 1 and re.search(r"\bE9101\b", done.stdout), done.stdout + done.stderr


@pytest.mark.parametrize("block", configurations("template"))
def test_template_example_parses_or_is_a_marked_fragment(block: Block) -> None:
    from cogcheck.cfn.parse import parse_template

    if "Properties: ..." in block.text:
        pytest.skip("a fragment: `Properties: ...` stands for the client's properties")
    template = parse_template("example.yaml", block.text.encode(), suffix="yaml")
    assert template is not None


# -------------------------------------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", [[], ["scan"], ["rules"], ["rule"]], ids=lambda c: " ".join(["cogcheck", *c]))
def test_help_is_readable_at_80_columns(command: list[str], tmp_path: Path) -> None:
    """Every line fits, and every option appears whole (a narrow table cut `--max-file-size` to `--max-file-…`)."""
    import typer.main

    from cogcheck.cli import app

    env = {**_env(tmp_path), "COLUMNS": "80", "TERM": "xterm"}
    done = subprocess.run([sys.executable, "-m", "cogcheck", *command, "--help"], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert all(len(line) <= 80 for line in done.stdout.splitlines()), done.stdout
    group: Any = typer.main.get_command(app)
    target = group.commands[command[0]] if command else group
    for param in target.params:
        for name in [*param.opts, *param.secondary_opts]:
            if name.startswith("-"):
                assert re.search(rf"(^|[\s,]){re.escape(name)}([\s,]|$)", done.stdout, re.MULTILINE), name


@pytest.mark.slow
@pytest.mark.parametrize("block", configurations("cogcheck"))
def test_configuration_example_scans_in_the_cdk_plugin_class(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plugin CDK calls (`CogcheckValidation.validate`), with the configuration found from the template."""
    pytest.importorskip("aws_cdk", reason="needs the cdk extra (aws-cdk-lib) and Node.js")
    from types import SimpleNamespace

    from cogcheck.cdk import CogcheckValidation

    project = _project(tmp_path, block)
    monkeypatch.chdir(project)
    report = CogcheckValidation().validate(SimpleNamespace(template_paths=[str(project / "template.yaml")]))
    names = [violation.rule_name for violation in report.violations]
    assert "input-error" not in names and "COG-E001" in names, names
    assert report.metadata["templates"] == "1" and report.metadata["clients"] == "1"
