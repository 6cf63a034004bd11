"""Benchmarks: start-up, throughput, the no-client fast path, a large template, and peak memory.

Run: ``python bench/bench.py [--corpus ../shared/corpus] [--runs 7]``. Prints one line per measurement (median of
the runs, wall and CPU seconds of child processes). Numbers depend on the machine and its load: compare runs made
on the same quiet machine. Nothing here is a test: tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLIENT = """  Client{n}:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: {access}
      TokenValidityUnits: {{AccessToken: minutes}}
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthFlows: [code, implicit]
      AllowedOAuthScopes: [openid, email]
      CallbackURLs: [https://app{n}.example.org/cb, http://localhost:3000/cb]
      ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
"""


def template(clients: int, offset: int = 0) -> str:
    body = "".join(CLIENT.format(n=offset + i, access=30 + (i % 3) * 1000) for i in range(clients))
    return "Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n" + body


def run(args: list[str], runs: int) -> tuple[float, float, float]:
    """Median wall seconds, median CPU seconds and max peak RSS (MiB) of ``cogcheck ARGS``."""
    walls, cpus, peak = [], [], 0.0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cogcheck", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        peak = max(peak, after.ru_maxrss / 1024)
    return statistics.median(walls), statistics.median(cpus), peak


def rss_of(args: list[str]) -> float:
    """Peak RSS (MiB) of one run, measured in a fresh child so earlier runs do not mask it."""
    code = (
        "import resource, subprocess, sys; subprocess.run([sys.executable, '-m', 'cogcheck', *sys.argv[1:]], "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return float(out.stdout)


def imported_by_scan(path: str) -> list[str]:
    code = (
        "import sys; from cogcheck.scan.pipeline import scan; scan([sys.argv[1]]); "
        "print(','.join(m for m in ('cfnlint', 'jsonpath_ng', 'pydantic', 'rich', 'aws_cdk') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cogcheck-bench-"))
    try:
        empty = work / "empty"
        empty.mkdir()
        line = "{:<44} wall {:7.3f} s   cpu {:7.3f} s   peak {:6.1f} MiB"
        print(line.format("start-up: cogcheck --version", *run(["--version"], args.runs)))
        print(line.format("start-up: scan an empty directory", *run(["scan", str(empty)], args.runs)))

        noclient = work / "noclient"
        noclient.mkdir()
        blob = json.dumps({"Resources": {f"Bucket{i}": {"Type": "AWS::S3::Bucket"} for i in range(300)}})
        for i in range(1000):
            (noclient / f"t{i}.json").write_text(blob, encoding="utf-8")
        size = sum(p.stat().st_size for p in noclient.iterdir()) / 2**20
        print(line.format(f"1000 templates without clients ({size:.0f} MiB)", *run(["scan", str(noclient)], 3)))

        many = work / "many"
        many.mkdir()
        for i in range(200):
            (many / f"t{i}.yaml").write_text(template(5, i * 5), encoding="utf-8")
        wall, cpu, _ = run(["scan", str(many), "--format", "json"], 3)
        print(line.format("200 templates x 5 clients", wall, cpu, 0.0) + f"   {1000 / wall:6.0f} clients/s")

        few = work / "few"
        few.mkdir()
        for i in range(10):
            (few / f"t{i}.yaml").write_text(template(5, i * 5), encoding="utf-8")
        print(f"{'peak RSS: 10 vs 200 templates':<44} {rss_of(['scan', str(few)]):.1f} MiB vs "
              f"{rss_of(['scan', str(many)]):.1f} MiB (one template in memory at a time)")

        big = work / "big.yaml"
        big.write_text(template(500), encoding="utf-8")
        wall, cpu, peak = run(["scan", str(big), "--format", "json"], 3)
        print(line.format("one template with 500 clients", wall, cpu, peak))

        if args.corpus.is_dir():
            corpus = [str(args.corpus / "files"), str(args.corpus / "assemblies")]
            wall, cpu, peak = run(["scan", *corpus, "--format", "json"], 3)
            print(line.format("real-world corpus (152 files, 4 cdk.out)", wall, cpu, peak))
        print(f"{'heavy modules imported by a scan':<44} {imported_by_scan(str(many)) or 'none'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    main()
