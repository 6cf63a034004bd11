"""One identity: a finding's fingerprint does not depend on the working directory or on how its path was written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cogcheck.cli import app
from cogcheck.inputs.project import ProjectPaths, project_path
from tests.helpers import scan_paths

runner = CliRunner()

CLIENT = """Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Web:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 25
      RefreshTokenValidity: 0
"""


def fingerprints(*args: str) -> list[str]:
    outcome = runner.invoke(app, ["scan", *args, "--format", "json", "--fail-on", "never"])
    assert outcome.exit_code == 0, outcome.stderr
    return [f["fingerprint"] for f in json.loads(outcome.stdout)["findings"]]


@pytest.fixture(params=["git", "git-file", "config"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A project whose root is known (git or a configuration file), with a template two directories down."""
    root = tmp_path / "repo"
    (root / "infra" / "envs").mkdir(parents=True)
    (root / "infra" / "envs" / "client.yaml").write_text(CLIENT, encoding="utf-8")
    if request.param == "git":
        (root / ".git").mkdir()
    elif request.param == "git-file":  # a worktree or submodule: .git is a file
        (root / ".git").write_text("gitdir: /elsewhere\n", encoding="utf-8")
    else:
        (root / ".cogcheck.yaml").write_text("fail-on: error\n", encoding="utf-8")
    return root


def test_three_spellings_one_fingerprint(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = repo / "infra" / "envs" / "client.yaml"
    relative_from_root = os.path.relpath(target, repo)
    monkeypatch.chdir(repo)
    from_root = fingerprints(relative_from_root)
    dotted = fingerprints("./" + relative_from_root.replace("envs", "envs/../envs"))
    monkeypatch.chdir(target.parent)
    from_subdir = fingerprints("client.yaml")
    monkeypatch.chdir("/")
    absolute = fingerprints(str(target))
    assert from_root and from_root == dotted == from_subdir == absolute


def test_without_git_or_configuration_the_named_directory_is_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "infra" / "envs").mkdir(parents=True)
    (tmp_path / "infra" / "envs" / "client.yaml").write_text(CLIENT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    from_above = fingerprints("infra")
    monkeypatch.chdir(tmp_path / "infra" / "envs")
    assert from_above and fingerprints("..") == from_above == fingerprints(str(tmp_path / "infra"))


def test_directory_scans_agree_from_anywhere(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    here = fingerprints(os.path.relpath(repo / "infra", repo))
    monkeypatch.chdir(repo / "infra" / "envs")
    assert here and fingerprints("..") == here == fingerprints(str(repo / "infra"))


def test_project_path_is_relative_to_the_git_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)
    file = tmp_path / "a" / "b" / "t.yaml"
    file.write_text(CLIENT, encoding="utf-8")
    assert ProjectPaths().root(file) == str(tmp_path.resolve())
    assert project_path(file) == "a/b/t.yaml"
    # a configuration or the scanned directory only count without git
    assert project_path(file, config_base=tmp_path / "a", fallback=tmp_path / "a" / "b") == "a/b/t.yaml"


def test_without_git_config_directory_then_scanned_directory(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    file = tmp_path / "a" / "b" / "t.yaml"
    file.write_text(CLIENT, encoding="utf-8")
    assert project_path(file, config_base=tmp_path / "a", fallback=tmp_path / "a" / "b") == "b/t.yaml"
    assert project_path(file, fallback=tmp_path / "a") == "b/t.yaml"
    assert project_path(file, config_base=tmp_path / "elsewhere", fallback=tmp_path) == "a/b/t.yaml"


def test_symlinked_spelling_is_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "t.yaml").write_text(CLIENT, encoding="utf-8")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert fingerprints("real/t.yaml") == fingerprints("alias/t.yaml")


def test_baseline_written_in_one_directory_applies_from_another(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    baseline = repo.parent / "baseline.json"
    monkeypatch.chdir(repo)
    outcome = runner.invoke(app, ["scan", os.path.relpath(repo / "infra", repo), "--write-baseline", str(baseline)])
    assert "wrote" in outcome.stderr
    written = json.loads(baseline.read_text(encoding="utf-8"))
    assert {e["where"] for e in written["fingerprints"]} == {"infra/envs/client.yaml"}
    monkeypatch.chdir(repo / "infra" / "envs")
    for spelling in ("client.yaml", ".", str(repo / "infra" / "envs" / "client.yaml")):
        outcome = runner.invoke(app, ["scan", spelling, "--baseline", str(baseline), "--format", "json"])
        report = json.loads(outcome.stdout)
        assert report["findings"] == [], (spelling, report["findings"])
        assert report["summary"]["baselined"] == len(written["fingerprints"])


def test_sarif_partial_fingerprints_do_not_depend_on_the_working_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def partial(*args: str) -> list[dict[str, str]]:
        outcome = runner.invoke(app, ["scan", *args, "--format", "sarif", "--fail-on", "never"])
        return [r["partialFingerprints"] for r in json.loads(outcome.stdout)["runs"][0]["results"]]

    monkeypatch.chdir(repo)
    first = partial(os.path.relpath(repo / "infra" / "envs" / "client.yaml", repo))
    monkeypatch.chdir(repo / "infra")
    assert first and partial("envs/client.yaml") == first


def test_library_scan_sets_the_project_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "t.yaml").write_text(CLIENT, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "x")
    findings = scan_paths("t.yaml").findings
    assert findings and {f.where for f in findings} == {"x/t.yaml"}


def test_a_baseline_that_matches_nothing_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    (tmp_path / ".git").mkdir()
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "client.yaml").write_text(CLIENT, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "infra")
    findings = scan_paths("client.yaml").findings
    # what an earlier cogcheck wrote from infra/: the path as typed there, "client.yaml"
    old = [
        hashlib.sha256(json.dumps([f.rule_id, "client.yaml", f.resource, f.property, None]).encode()).hexdigest()[:32]
        for f in findings
    ]
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps({"version": 1, "fingerprints": [{"fingerprint": fp} for fp in old]}), "utf-8")
    outcome = runner.invoke(app, ["scan", "client.yaml", "--baseline", str(baseline), "--format", "json"])
    report = json.loads(outcome.stdout)
    (notice,) = [n for n in report["notices"] if n["file"] == str(baseline)]
    assert f"{len(old)} of {len(old)} baseline entries matched no finding" in notice["message"]
    assert "--write-baseline" in notice["message"]
    new = tmp_path / "new.json"
    runner.invoke(app, ["scan", "client.yaml", "--write-baseline", str(new)])
    report = json.loads(runner.invoke(app, ["scan", "client.yaml", "--baseline", str(new), "--format", "json"]).stdout)
    assert report["findings"] == [] and report["notices"] == []
