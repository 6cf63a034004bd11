"""``--jobs``: the same report from any number of processes; no pool for small work; failures stay per input."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

import cogcheck.scan.pipeline as pipeline
from cogcheck.report import json as json_report
from cogcheck.report import sarif
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.parallel import MIN_PARALLEL_BYTES, free_cpus, usable_cpus
from cogcheck.scan.pipeline import scan
from tests.helpers import BAD_CLIENT


def _project(tmp_path: Path, count: int = 12) -> list[str]:
    """Templates big enough together that ``--jobs 2`` starts a pool; some broken, one without a client."""
    filler = "".join(f"  Topic{i}: {{Type: AWS::SNS::Topic, Properties: {{TopicName: t{i}}}}}\n" for i in range(400))
    for i in range(count):
        (tmp_path / f"t{i:02d}.yaml").write_text(BAD_CLIENT.rstrip("\n") + "\n" + filler, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("Resources: [AWS::Cognito::UserPoolClient\n", encoding="utf-8")
    (tmp_path / "noclient.json").write_text('{"Resources": {}}', encoding="utf-8")
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) > 2 * MIN_PARALLEL_BYTES
    return [str(tmp_path)]


def _reports(paths: list[str], jobs: int) -> tuple[str, str]:
    options = ScanOptions(jobs=jobs)
    result = scan(paths, options)
    return json_report.render(result), sarif.render(result, options.enabled_rules(), root=paths[0], cwd=paths[0])


def test_any_number_of_jobs_gives_the_same_bytes(tmp_path: Path) -> None:
    paths = _project(tmp_path)
    one = _reports(paths, 1)
    assert '"COG-E001"' in one[0] and "broken.yaml" in one[0]
    assert _reports(paths, 2) == one
    assert _reports(paths, 3) == one


def test_a_pool_is_started_only_when_worth_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    real = multiprocessing.get_context

    def spy(method: str | None = None) -> Any:
        started.append(str(method))
        return real(method)

    monkeypatch.setattr(multiprocessing, "get_context", spy)
    small = tmp_path / "small"
    small.mkdir()
    (small / "a.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    (small / "b.yaml").write_text(BAD_CLIENT, encoding="utf-8")
    assert scan([str(small)], ScanOptions(jobs=4)).clients == 2
    assert started == []
    big = tmp_path / "big"
    big.mkdir()
    assert scan(_project(big), ScanOptions(jobs=2)).clients == 12
    assert len(started) == 1


def test_a_crash_on_one_input_is_an_error_for_that_input_in_any_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _project(tmp_path)
    real = pipeline.check_template

    def check(template: Any, *args: Any, **kwargs: Any) -> Any:
        if template.file.endswith("t03.yaml"):
            raise RuntimeError("boom\nline two")
        return real(template, *args, **kwargs)

    monkeypatch.setattr(pipeline, "check_template", check)  # workers are forked: they see it too
    for jobs in (1, 2) if sys.platform.startswith("linux") else (1,):  # spawned workers do not see the patch
        result = scan(paths, ScanOptions(jobs=jobs))
        crashed = [e for e in result.errors if e.file.endswith("t03.yaml")]
        assert [e.message for e in crashed] == ["internal error: RuntimeError: boom line two"]
        assert result.clients == 11 and {f.file for f in result.findings} == {
            str(tmp_path / f"t{i:02d}.yaml") for i in range(12) if i != 3
        }


def test_usable_cpus_is_at_least_one() -> None:
    assert 1 <= usable_cpus() <= (multiprocessing.cpu_count() or 1)


def test_default_jobs_leave_out_busy_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    import cogcheck.scan.parallel as parallel

    monkeypatch.setattr(parallel, "usable_cpus", lambda: 4)
    for load, expected in ((0.0, 4), (1.4, 3), (2.6, 1), (9.0, 1)):
        monkeypatch.setattr(parallel.os, "getloadavg", lambda load=load: (load, load, load))
        assert free_cpus() == expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the patch reaches only forked workers")
def test_a_killed_worker_loses_only_its_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker the kernel kills (SIGKILL, as the out-of-memory killer does) is an error naming its input."""
    paths = _project(tmp_path)
    real = pipeline.check_template
    parent = os.getpid()
    deadly = ("t00.yaml", "t03.yaml", "t07.yaml")

    def check(template: Any, *args: Any, **kwargs: Any) -> Any:
        if template.file.endswith(deadly) and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(template, *args, **kwargs)

    monkeypatch.setattr(pipeline, "check_template", check)
    result = scan(paths, ScanOptions(jobs=2))
    killed = {(Path(e.file).name, e.message) for e in result.errors if not e.file.endswith("broken.yaml")}
    why = "the worker process scanning it was killed by SIGKILL (the out-of-memory killer sends it); not scanned"
    # the worker is sent the first two tasks (broken.yaml, t00.yaml); the parent scans a share of the rest itself:
    # the templates a worker was scanning when it was killed are lost, and only those
    assert ("t00.yaml", why) in killed and killed <= {(name, why) for name in deadly}
    lost = {name for name, _why in killed}
    assert result.clients == 12 - len(lost) and {Path(f.file).name for f in result.findings} == {
        f"t{i:02d}.yaml" for i in range(12)
    } - lost
