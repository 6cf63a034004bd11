"""Byte-for-byte: do two checkouts of cogcheck write the same JSON and SARIF for the same inputs?

``python bench/compare.py BEFORE AFTER [--corpus DIR]`` generates the benchmark's workloads (small sizes, see
:mod:`workloads`) into a temporary directory, scans each of them (and the corpus, when present, and ``examples/``)
with the ``cogcheck`` of each checkout (``PYTHONPATH`` set to it), once as JSON and once as SARIF, with ``--jobs 1``
and with the default, and compares the bytes of stdout, stderr and the exit code. Prints one line per comparison and
exits 1 when any differs. Used to show that a speed change changes no output.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads

PY = sys.executable


def run(root: Path, args: list[str], cwd: Path) -> tuple[int, bytes, bytes]:
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1"}
    done = subprocess.run([PY, "-m", "cogcheck", "scan", *args], capture_output=True, env=env, cwd=cwd)  # noqa: S603
    return done.returncode, done.stdout, done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cogcheck-compare-") as tmp:
        work = Path(tmp)
        inputs: dict[str, list[str]] = {}
        workloads.many_templates(work / "many", 100, 5)
        inputs["many"] = [str(work / "many")]
        for name in ("one-1000.yaml", "one-1000.json"):
            workloads.one_template(work / name, 1000)
            inputs[name] = [str(work / name)]
        workloads.assembly(work / "cdk.out", 60)
        inputs["assembly"] = [str(work / "cdk.out")]
        inputs["examples"] = [str(args.after / "examples")]
        if args.corpus.is_dir():
            for part in ("files", "assemblies", "terraform"):
                if (args.corpus / part).is_dir():
                    inputs[f"corpus/{part}"] = [str(args.corpus / part)]
        failed = 0
        for name, paths in inputs.items():
            for fmt in ("json", "sarif"):
                for jobs in (["--jobs", "1"], []):
                    argv = [*paths, "--format", fmt, *jobs]
                    before = run(args.before, argv, work)
                    after = run(args.after, argv, work)
                    same = before == after
                    failed += not same
                    size = len(after[1])
                    print(f"{'same' if same else 'DIFFERENT'}: {name} --format {fmt} {' '.join(jobs)} "
                          f"(exit {after[0]}, {size:,} bytes)")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
