"""What the CDK validation plugin adds to a synth: ``cogcheck.cdk.validation.validate`` timed in one process.

Run from a checkout: ``python bench/cdk_validation.py``. It times the plugin's work (no CDK needed: the templates CDK
would hand over are given directly) on the committed fixture assembly (two stacks, a stage, a nested stack, nine
clients) and on generated assemblies of growing size (stacks × clients, each stack in its own stage half of the
time), against ``cogcheck scan`` of the same directory, and the peak memory Python allocates for one call. Times are
the minimum and median of the rounds, after one warm-up call that parses the rule files. Nothing here is a test.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cogcheck.cdk.validation import Settings, validate  # noqa: E402
from cogcheck.scan.options import ScanOptions  # noqa: E402
from cogcheck.scan.pipeline import scan  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "cdk" / "assemblies" / "clilike"
ROUNDS = 5


def client(index: int) -> dict[str, object]:
    return {
        "Type": "AWS::Cognito::UserPoolClient",
        "Properties": {
            "UserPoolId": {"Ref": "Pool"},
            "AccessTokenValidity": 48 if index % 3 == 0 else 1,  # a third of them break COG-E001
            "TokenValidityUnits": {"AccessToken": "hours"},
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"],
        },
        "Metadata": {"aws:cdk:path": f"Stack/Client{index}/Resource"},
    }


def generate(directory: Path, stacks: int, clients: int) -> list[str]:
    """An assembly of ``stacks`` stacks (every other one inside a stage) of ``clients`` clients each."""
    artifacts: dict[str, object] = {}
    stage_artifacts: dict[str, object] = {}
    stage = directory / "assembly-Stage"
    stage.mkdir(parents=True)
    paths = []
    for n in range(stacks):
        where, table = (stage, stage_artifacts) if n % 2 else (directory, artifacts)
        name = f"Stack{n}"
        resources: dict[str, object] = {"Pool": {"Type": "AWS::Cognito::UserPool"}}
        resources.update({f"Client{i}": client(i) for i in range(clients)})
        (where / f"{name}.template.json").write_text(json.dumps({"Resources": resources}), encoding="utf-8")
        table[name] = {"type": "aws:cloudformation:stack", "properties": {"templateFile": f"{name}.template.json"}}
        paths.append(str(where / f"{name}.template.json"))
    artifacts["assembly-Stage"] = {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Stage"}}
    for where, table in ((directory, artifacts), (stage, stage_artifacts)):
        manifest = {"version": "48.0.0", "artifacts": table}
        (where / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        (where / "cdk.out").write_text('{"version":"48.0.0"}', encoding="utf-8")
    return paths


def timed(call: Callable[[], object]) -> tuple[float, float]:
    call()  # warm-up: the rule files are parsed once per process
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def row(name: str, out: Path, paths: list[str]) -> str:
    outcome = validate(paths, Settings())
    plugin = timed(lambda: validate(paths, Settings()))
    offline = timed(lambda: scan([str(out)], ScanOptions()))
    tracemalloc.start()
    validate(paths, Settings())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (
        f"| {name} | {outcome.result.templates} | {outcome.result.clients} | {len(outcome.violations)} | "
        f"{plugin[0] * 1000:.0f} / {plugin[1] * 1000:.0f} | {offline[0] * 1000:.0f} / {offline[1] * 1000:.0f} | "
        f"{peak / 2**20:.1f} |"
    )


def main() -> None:
    print("| assembly | templates | clients | violations | plugin ms (min / median) | scan ms (min / median) "
          "| plugin peak MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as scratch:
        fixture = Path(scratch) / "fixture" / "cdk.out"
        shutil.copytree(FIXTURE, fixture)
        tops = [str(fixture / "Auth.template.json"), str(fixture / "assembly-Prod" / "ProdApi2466CF1F.template.json")]
        print(row("fixture (stage, nested stack)", fixture, tops))
        for stacks, clients in ((10, 10), (20, 20), (40, 20)):
            out = Path(scratch) / f"gen{stacks}x{clients}" / "cdk.out"
            print(row(f"{stacks} stacks × {clients} clients", out, generate(out, stacks, clients)))


if __name__ == "__main__":
    main()
