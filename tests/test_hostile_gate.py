"""Issue 19, the gate's own ground: identity-provider lookups, dying workers, the Action's baseline, the rule cache,
outputs through symlinked directories, mentions in Markdown, NUL in YAML, the cfn-lint plugin's isolated mode.

Each reproducer runs beside a sentinel client (:func:`tests.hostile.sentinel`) whose finding must survive it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cogcheck.engine import rulecache
from cogcheck.engine.predicates import named
from cogcheck.report import markdown
from tests.helpers import BAD_CLIENT, GOOD_CLIENT, ROOT
from tests.hostile import SENTINEL, assert_held, run, run_process, sentinel
from tests.test_integrations import cogcheck_command, run_scan_step

# ------------------------------------------------------------------------------- the Action's baseline (item 6)


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    )
    return done.stdout.strip()


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose base commit has a clean template and an empty baseline, and a pull request on top that
    adds a finding and regenerates the baseline to hide it (the issue's reproducer)."""
    if shutil.which("git") is None or shutil.which("bash") is None:
        pytest.skip("git or bash is missing")
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "infra" / "auth.yaml").write_text(GOOD_CLIENT, encoding="utf-8")
    subprocess.run([cogcheck_command(), "scan", "infra", "--write-baseline", "baseline.json"], cwd=repo, check=True,
                   capture_output=True)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "infra" / "auth.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    subprocess.run([cogcheck_command(), "scan", "infra", "--write-baseline", "baseline.json"], cwd=repo, check=True,
                   capture_output=True)
    assert "COG-E001" in (repo / "baseline.json").read_text(encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "pull request: a finding, baselined by the pull request itself")
    return repo, base


def test_action_reads_the_baseline_from_the_pull_requests_base(pull_request: tuple[Path, str], tmp_path: Path) -> None:
    repo, base = pull_request
    inputs = {"paths": "infra", "baseline": "baseline.json"}
    completed, outputs, summary = run_scan_step(repo, inputs, tmp_path, pull_request_base=base)
    assert completed.returncode == 1 and outputs["exit-code"] == "1", completed.stdout + completed.stderr
    assert f"baseline baseline.json read from {base}" in completed.stdout
    assert "COG-E001" in summary and "WARNING" not in summary


def test_action_flags_a_baseline_read_from_the_pull_requests_tree(
    pull_request: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = pull_request
    inputs = {"paths": "infra", "baseline": "baseline.json", "baseline-from": "tree"}
    completed, outputs, summary = run_scan_step(repo, inputs, tmp_path, pull_request_base=base)
    assert outputs["exit-code"] == "0"  # what was asked for, but said loudly
    assert summary.startswith("> [!WARNING]\n> cogcheck: the baseline `baseline.json` was read from the pull request")
    assert "::warning title=cogcheck::the baseline `baseline.json` was read from the pull request's own tree" in (
        completed.stdout
    )
    # outside a pull request (a push), the tree is the reviewed one: no warning
    completed, outputs, summary = run_scan_step(repo, {"paths": "infra", "baseline": "baseline.json"}, tmp_path)
    assert outputs["exit-code"] == "0" and "WARNING" not in summary and "::warning" not in completed.stdout


def test_action_baseline_missing_at_the_base_baselines_nothing(pull_request: tuple[Path, str], tmp_path: Path) -> None:
    repo, base = pull_request
    _git(repo, "mv", "baseline.json", "moved.json")
    _git(repo, "commit", "-q", "-m", "a baseline the base does not have")
    inputs = {"paths": "infra", "baseline": "moved.json"}
    completed, outputs, summary = run_scan_step(repo, inputs, tmp_path, pull_request_base=base)
    assert outputs["exit-code"] == "1", completed.stdout + completed.stderr
    assert "the baseline `moved.json` does not exist in " + base in summary
    # a revision that cannot be found is exit 2, not a scan without the baseline
    inputs["baseline-from"] = "0" * 40
    completed, outputs, _ = run_scan_step(repo, inputs, tmp_path, pull_request_base=base)
    assert completed.returncode == 2 and outputs["exit-code"] == "2" and outputs["sarif-written"] == "false"
    assert "cannot read the baseline from 0000" in completed.stderr
    inputs["baseline-from"] = "--upload-pack=touch pwned"
    completed, _, _ = run_scan_step(repo, inputs, tmp_path, pull_request_base=base)
    assert completed.returncode == 2 and not list(repo.rglob("pwned"))


# ------------------------------------------------------------------------------- identity providers (item 4)


def _providers_template(count: int) -> dict[str, Any]:
    """One client naming ``count`` providers; every other one is defined on its pool, the rest nowhere."""
    resources: dict[str, Any] = {"Pool": {"Type": "AWS::Cognito::UserPool"}}
    for i in range(0, count, 2):
        resources[f"P{i}"] = {"Type": "AWS::Cognito::UserPoolIdentityProvider", "Properties": {
            "UserPoolId": {"Ref": "Pool"}, "ProviderName": f"idp{i}", "ProviderType": "OIDC"}}
    resources["C"] = {"Type": "AWS::Cognito::UserPoolClient", "DependsOn": [f"P{i}" for i in range(0, count, 2)],
                      "Properties": {"UserPoolId": {"Ref": "Pool"},
                                     "SupportedIdentityProviders": [f"idp{i}" for i in range(count)]}}
    return {"Resources": resources}


def test_a_client_naming_2500_providers_is_checked_in_seconds(tmp_path: Path) -> None:
    sentinel(tmp_path)
    (tmp_path / "providers.json").write_text(json.dumps(_providers_template(2_500)), encoding="utf-8")
    result = run_process("-f", "json", str(tmp_path), timeout=60)  # minutes before: a lookup per name and provider
    assert_held(result, errors=False)
    unknown = [f for f in result.report["findings"] if f["rule_id"] == "COG-E026"]
    assert len(unknown) == 21  # 20 listed, then how many more
    listed = [f["message"] for f in unknown if 'names "idp1",' in f["message"]]
    assert len(listed) == 1 and "(here: COGNITO, idp0, idp10, " in listed[0]
    assert ", idp1030 and 1230 more)" in listed[0]  # 1,250 defined: 20 named
    assert any("1230 more COG-E026 findings" in f["message"] for f in unknown)


def test_provider_lookups_grow_linearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The work per provider is done once per scenario and pool, not once per name the client lists."""
    calls = {"n": 0}
    real = named.resource_value

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(named, "resource_value", counted)
    counts = []
    for size in (100, 1_000):
        calls["n"] = 0
        path = tmp_path / f"p{size}.json"
        path.write_text(json.dumps(_providers_template(size)), encoding="utf-8")
        assert run(str(path)).code == 1
        counts.append(calls["n"])
    assert counts[0] >= 50 and counts[1] <= 11 * counts[0], counts


PROVIDER_BY_SCENARIO = """\
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Idp:
    Type: AWS::Cognito::UserPoolIdentityProvider
    Properties: {UserPoolId: !Ref Pool, ProviderName: !If [IsProd, Prod, Dev], ProviderType: OIDC}
  PerScenario:
    Type: AWS::Cognito::UserPoolClient
    DependsOn: Idp
    Properties:
      UserPoolId: !Ref Pool
      ClientName: !If [IsProd, a, b]
      SupportedIdentityProviders: [Prod]
  Undecided:
    Type: AWS::Cognito::UserPoolClient
    DependsOn: Idp
    Properties: {UserPoolId: !Ref Pool, SupportedIdentityProviders: [Prod]}
"""


def test_provider_index_is_per_scenario(tmp_path: Path) -> None:
    """Two clients share the template's index only where their scenarios agree on what the providers read."""
    (tmp_path / "t.yaml").write_text(PROVIDER_BY_SCENARIO, encoding="utf-8")
    findings = run("-f", "json", str(tmp_path / "t.yaml")).report["findings"]
    unknown = [(f["resource"], f["scenario"]) for f in findings if f["rule_id"] == "COG-E026"]
    # Undecided: the provider's name may be Prod, so it abstains
    assert unknown == [("PerScenario", {"parameters": {"Env": "dev"}, "conditions": {}})]


# ------------------------------------------------------------------------------------- no code in the cache (item 7)


class _Plant:
    """Unpickling this creates the file it names: proof that a cache was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def test_a_planted_pickle_in_any_cache_directory_is_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    marker = tmp_path / "executed"
    bait = pickle.dumps(_Plant(marker))
    home = tmp_path / "home"
    for directory in (tmp_path / "cache", home / ".cache" / "cogcheck", tmp_path / "xdg" / "cogcheck"):
        directory.mkdir(parents=True)
        directory.chmod(0o700)
        for name in ("rules-0.pickle", "rules.pickle", "rules.json", rulecache.NAME):
            (directory / name).write_bytes(bait)
    for key, value in {"COGCHECK_CACHE_DIR": tmp_path / "cache", "XDG_CACHE_HOME": tmp_path / "xdg",
                       "HOME": home}.items():
        monkeypatch.setenv(key, str(value))
    work = tmp_path / "work"
    work.mkdir()
    sentinel(work)
    assert_held(run_process("-f", "json", str(work), cwd=work), errors=False)
    assert not marker.exists()


def test_a_relative_cache_directory_is_ignored_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COGCHECK_CACHE_DIR", ".cache-cog")
    sentinel(tmp_path)
    assert_held(run_process("-f", "json", ".", cwd=tmp_path), errors=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sentinel.yaml"]


# ------------------------------------------------------------------------------------------- a killed worker (item 5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the patch reaches only forked workers")
def test_a_worker_killed_by_the_kernel_is_an_error_naming_its_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the pool waited forever for the result of a worker the out-of-memory killer had ended."""
    import cogcheck.scan.pipeline as pipeline

    sentinel(tmp_path)
    filler = "".join(f"  Topic{i}: {{Type: AWS::SNS::Topic}}\n" for i in range(3000))  # enough for a pool
    for name in ("a.yaml", "killer.yaml", "z.yaml"):
        (tmp_path / name).write_text(GOOD_CLIENT.rstrip("\n") + "\n" + filler, encoding="utf-8")
    real = pipeline.check_template
    parent = os.getpid()

    def check(template: Any, *args: Any, **kwargs: Any) -> Any:
        if template.file.endswith("killer.yaml") and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # what the kernel does to a worker out of memory
        return real(template, *args, **kwargs)

    monkeypatch.setattr(pipeline, "check_template", check)
    result = run("-f", "json", "--jobs", "2", str(tmp_path))
    assert_held(result)
    (error,) = result.report["errors"]
    assert error["file"].endswith("killer.yaml") and "killed by SIGKILL" in error["message"]
    assert result.report["summary"]["clients"] == 3  # the sentinel, a.yaml and z.yaml


# ------------------------------------------------------------------------- outputs through a symlinked directory (8)


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_outputs_are_not_written_through_a_directory_link_leading_out_of_the_workspace(
    tmp_path: Path, option: str
) -> None:
    workspace, outside = tmp_path / "workspace", tmp_path / "home-runner-ssh"
    workspace.mkdir()
    outside.mkdir()
    sentinel(workspace)
    (workspace / "reports").symlink_to(outside)  # committed by the pull request
    result = run("sentinel.yaml", option, "reports/authorized_keys", cwd=workspace)
    assert result.code == 2 and "reports is a symbolic link leading out of the working directory" in result.stderr
    assert not list(outside.iterdir())
    # `..` after a link inside goes up from where the link leads
    (workspace / "nested").mkdir()
    (workspace / "nested" / "up").symlink_to(outside / "..")
    result = run("sentinel.yaml", option, "nested/up/home-runner-ssh/x", cwd=workspace)
    assert result.code == 2 and "nested/up is a symbolic link" in result.stderr and not list(outside.iterdir())


def test_outputs_may_go_through_links_that_stay_inside_or_are_the_machines(tmp_path: Path) -> None:
    workspace, machine = tmp_path / "workspace", tmp_path / "private-tmp"
    (workspace / "build" / "out").mkdir(parents=True)
    machine.mkdir()
    sentinel(workspace)
    (workspace / "out").symlink_to("build/out")  # stays inside
    (tmp_path / "tmp").symlink_to(machine)  # outside the workspace: as macOS's /tmp
    for target in ("out/report.json", str(tmp_path / "tmp" / "report.json")):
        result = run("sentinel.yaml", "-f", "json", "--output", target, cwd=workspace)
        assert result.code == 1, result.stderr
    assert (workspace / "build" / "out" / "report.json").is_file() and (machine / "report.json").is_file()


# ------------------------------------------------------------------------------------------- Markdown mentions (8)


def test_mentions_in_a_finding_do_not_notify_through_markdown(tmp_path: Path) -> None:
    sentinel(tmp_path)
    (tmp_path / "t.yaml").write_text(
        BAD_CLIENT.replace("Client:", "Client:\n    Metadata: {note: x}").replace(
            "AccessTokenValidity: 25", "AccessTokenValidity: 25\n      ClientName: '@acme/security @octocat'"
        ).replace("UserPoolId: !Ref Pool", "UserPoolId: !Ref Pool\n      CallbackURLs: ['@acme/security']"),
        encoding="utf-8",
    )
    result = run("-f", "markdown", "--min-severity", "note", str(tmp_path))
    assert result.code in (1, 2)
    assert "sentinel.yaml" in result.stdout and "COG-E001" in result.stdout
    assert "@&#8203;acme/security" in result.stdout  # reads @acme/security, notifies no one
    assert not re.search(r"(?<![\w&#;])@(?=[A-Za-z0-9])", result.stdout.replace("@&#8203;", "")), result.stdout
    assert "user@example.com" in markdown.escape("user@example.com")  # an address is not a mention


# -------------------------------------------------------------------------------------------- NUL in YAML (item 8)


def test_a_yaml_file_refused_for_a_nul_character_names_its_line(tmp_path: Path) -> None:
    sentinel(tmp_path)
    text = 'Description: "ééé€"\n' + BAD_CLIENT.replace("AccessTokenValidity: 25", 'ClientName: "a\x00b"')
    (tmp_path / "nul.yaml").write_bytes(text.encode("utf-8"))
    result = run("-f", "json", str(tmp_path))
    assert_held(result)
    (error,) = result.report["errors"]
    (line,) = [n for n, x in enumerate(text.splitlines(), start=1) if "\x00" in x]
    column = text.splitlines()[line - 1].index("\x00") + 1
    assert error["file"].endswith("nul.yaml") and error["line"] == line == 8  # after non-ASCII text: not a byte count
    assert error["message"] == f"invalid YAML: control characters are not allowed: U+0000 at column {column}"


# ---------------------------------------------------------------------------------- cfn-lint isolated mode (item 8)


def test_cfn_lint_plugin_isolated_mode_reads_no_configuration(tmp_path: Path) -> None:
    """``COGCHECK_ISOLATED`` as ``cogcheck scan --isolated``: a ``.cogcheck.yaml`` beside the templates is not read.

    The real cfn-lint in child processes (side by side): cfn-lint in this process would add ~150 MiB to it."""
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    if not cfn_lint.exists():
        pytest.skip("cfn-lint is not installed")
    (tmp_path / ".cogcheck.yaml").write_text("ignore: [COG-E001]\n", encoding="utf-8")  # added by the pull request
    sentinel(tmp_path)
    base = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    base.pop("COGCHECK_ISOLATED", None)
    values = [None, "1", "true", "yes-please", "0"]  # an unknown value isolates too (fail closed)
    runs = [
        subprocess.Popen([str(cfn_lint), "-a", "cogcheck.cfnlint_rules", "--", SENTINEL], cwd=tmp_path,
                         env=base if value is None else {**base, "COGCHECK_ISOLATED": value},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for value in values
    ]
    reported = {value: "E9101" in run.communicate(timeout=300)[0] for value, run in zip(values, runs, strict=True)}
    assert reported == {None: False, "1": True, "true": True, "yes-please": True, "0": False}
