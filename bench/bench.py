"""A benchmark that tells the truth: cogcheck side by side with the parse floor, measured in one run.

Run from a checkout: ``python bench/bench.py`` (a few minutes), ``python bench/bench.py --quick`` (under a minute,
smaller workloads), ``--output docs/table.md`` to write the Markdown tables too.

Every workload is generated deterministically (:mod:`workloads`) into a temporary directory. Every command runs in a
fresh child process started through :mod:`child`, which writes the command's own peak RSS (``VmHWM``, and the
largest of its ``--jobs`` workers) as it exits: ``ru_maxrss`` from :func:`os.wait4` would carry this benchmark's own
high-water mark into every child through fork and exec. CPU time comes from :func:`os.wait4` and counts the
workers. Rounds are interleaved across the commands of a workload so that a change of machine load hits all of
them alike. Times are the minimum and median wall seconds of the rounds; ratios divide minimum CPU seconds (wall for
``--jobs``), which a shared machine disturbs least. The parse floor (:mod:`floor`) reads and parses the same files in
one Python process with the same C parsers; the rule floor (:mod:`floor_rules`), which cogcheck's ratios divide by as
issue 26 asks, also checks seven core rules with their lines in plain Python. Nothing here is a test: tests never
time anything.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads

ROOT = Path(__file__).resolve().parents[1]
FLOOR = str(Path(__file__).resolve().parent / "floor.py")
FLOOR_RULES = str(Path(__file__).resolve().parent / "floor_rules.py")
CHILD = str(Path(__file__).resolve().parent / "child.py")
PY = sys.executable


@dataclass
class Series:
    label: str
    argv: list[str]
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)  # MiB
    codes: set[int] = field(default_factory=set)

    @property
    def best(self) -> float:
        return min(self.walls)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def peak(self) -> float:
        return max(self.rss)

    @property
    def cpu(self) -> float:
        return min(self.cpus)


def measure(series: Series, env: dict[str, str]) -> None:
    """One round of ``series`` in a fresh child: wall time, CPU time and peak RSS of that child alone."""
    report = tempfile.NamedTemporaryFile(prefix="cogcheck-rss-", delete=False)  # noqa: SIM115
    report.close()
    argv = [series.argv[0], CHILD, report.name, *series.argv[1:]]
    start = time.perf_counter()
    proc = subprocess.Popen(argv,  # noqa: S603 - our own commands
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    series.walls.append(time.perf_counter() - start)
    series.cpus.append(usage.ru_utime + usage.ru_stime)
    try:
        own, workers = (int(n) for n in Path(report.name).read_text(encoding="ascii").split())
    except ValueError:  # the command died before it could say
        own, workers = usage.ru_maxrss, 0
    os.unlink(report.name)
    series.rss.append(max(own, workers) / 1024)  # KiB
    series.codes.add(proc.returncode)
    if proc.returncode not in (0, 1) and len(series.codes) == 1 and len(series.walls) == 1:  # said once
        last = (err.decode(errors="replace").strip().splitlines() or [""])[-1]
        sys.stderr.write(f"note: {series.label} exited {proc.returncode}: {last[:200]}\n")


def run_all(group: Sequence[Series], rounds: int, env: dict[str, str]) -> None:
    for _ in range(rounds):
        for series in group:
            measure(series, env)


def cogcheck(*args: str) -> list[str]:
    return [PY, "-m", "cogcheck", "scan", *args]


def floor(*paths: str, clients_only: bool = False) -> list[str]:
    return [PY, FLOOR, *(["--clients-only"] if clients_only else []), *paths]


def rule_floor(*paths: str) -> list[str]:
    """The floor issue 26 measures against: parse the client files and check seven core rules with lines."""
    return [PY, FLOOR_RULES, *paths]


RULE_FLOOR = "floor: parse and check 7 rules"


def peer_commands(checkov: str | None) -> dict[str, Callable[[str, bool], list[str]]]:
    """cfn-lint (if importable here) bare and with cogcheck's plugin; checkov (if installed, any Python)."""
    found: dict[str, Callable[[str, bool], list[str]]] = {}
    lint = "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())"
    if subprocess.run([PY, "-c", "import cfnlint"], capture_output=True).returncode == 0:  # noqa: S603
        found["peer: cfn-lint"] = lambda path, _tf: [PY, "-c", lint, _lint_target(path)]
        # "--" before the templates: -a takes several values (without it, the template was taken for a rule module)
        found["peer: cfn-lint -a cogcheck.cfnlint_rules"] = \
            lambda path, _tf: [PY, "-c", lint, "-a", "cogcheck.cfnlint_rules", "--", _lint_target(path)]
    if checkov:
        python = _python_of(checkov)
        found["checkov (peer)"] = lambda path, tf: [
            python, "-c", "import sys; from checkov.main import Checkov; sys.exit(Checkov().run())",
            "-d" if Path(path).is_dir() else "-f", path, "--framework", "terraform" if tf else "cloudformation",
            "--quiet", "--compact", "-o", "json"]
    return found


def _lint_target(path: str) -> str:
    return str(Path(path) / "**" / "*") if Path(path).is_dir() else path


def _python_of(script: str) -> str:
    """The interpreter a console script runs with (its ``#!`` line)."""
    with open(script, encoding="utf-8", errors="replace") as handle:
        first = handle.readline()
    return first[2:].strip() if first.startswith("#!") else PY


@contextlib.contextmanager
def spinning() -> Iterator[None]:
    """A process that keeps one CPU busy for the length of the block."""
    spinner = subprocess.Popen([PY, "-c", "while True: pass"])  # noqa: S603
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def has_jobs(env: dict[str, str]) -> bool:
    argv = [PY, "-m", "cogcheck", "scan", "--help"]
    out = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT)  # noqa: S603
    return "--jobs" in out.stdout


@dataclass
class Row:
    workload: str
    series: Series
    reference: Series | None = None

    def cells(self) -> list[str]:
        s = self.series
        ratio = f"{s.cpu / self.reference.cpu:.2f}×" if self.reference is not None else ""
        return [self.workload, s.label, f"{s.best:.3f}", f"{s.median:.3f}", f"{s.cpu:.3f}",
                f"{s.peak:.0f}", ratio]


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller workloads and 3 rounds")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per command (default 5, quick 3)")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--only", default="", help="comma-separated workloads: startup,many,one,terraform,assembly,corpus,sarif")
    parser.add_argument("--output", type=Path, help="also write the Markdown tables to this file")
    parser.add_argument("--keep", type=Path, help="generate the workloads here and keep them")
    parser.add_argument("--no-peers", action="store_true", help="skip cfn-lint and checkov (one round each)")
    parser.add_argument("--checkov", default=shutil.which("checkov"), help="checkov's Python (default: on PATH)")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 5)
    only = set(filter(None, args.only.split(",")))

    def wanted(name: str) -> bool:
        return not only or name in only

    work = args.keep or Path(tempfile.mkdtemp(prefix="cogcheck-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # as installed: byte-compiled modules (a checkout compiles them on first import unless told not to), and the
    # parsed-rules cache in the work directory (the first round fills it, as a user's first run does)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COGCHECK_CACHE_DIR": str(work / "cache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "cogcheck")], env=env, check=False)  # noqa: S603
    templates, sizes, stacks = (200, (1000, 2000), 100) if args.quick else (800, (1000, 2000, 4000, 16000), 400)
    peers = peer_commands(args.checkov) if not args.no_peers else {}
    jobs = has_jobs(env)
    load_before = os.getloadavg()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows: list[Row] = []
    targets: list[list[str]] = []
    started = time.perf_counter()

    def target(name: str, value: float, limit: float, unit: str = "×", lower: bool = True) -> None:
        met = value <= limit if lower else value >= limit
        targets.append([name, f"{value:.2f}{unit}", f"≤ {limit:g}{unit}", "met" if met else "**not met**"])

    def progress(text: str) -> None:
        sys.stderr.write(f"[{time.perf_counter() - started:6.1f}s] {text}\n")

    def peer(name: str, path: str, rows: list[Row], terraform: bool = False) -> None:
        """The peers on the same input, one round each (they are slow): cfn-lint bare and with cogcheck's plugin,
        checkov. Ratios are against cogcheck's row of this workload (CPU)."""
        ours = next((row.series for row in reversed(rows) if row.workload == name and row.reference is not None),
                    None)
        for label, argv in peers.items():
            if terraform and not label.startswith("checkov"):
                continue  # cfn-lint reads CloudFormation only
            series = Series(label, argv(path, terraform))
            progress(f"{name}: {label}")
            run_all([series], 1, env)
            rows.append(Row(name, series, ours))

    try:
        small = work / "small.yaml"
        small.write_text(workloads.yaml_template(5), encoding="utf-8")
        if wanted("startup"):
            progress("start-up")
            imports = Series('python -c "import yaml, json"', [PY, "-c", "import yaml, json"])
            version = Series("cogcheck --version", [PY, "-m", "cogcheck", "--version"])
            one = Series("cogcheck scan (1 template, 5 clients)", cogcheck(str(small)))
            run_all([imports, version, one], rounds * 2, env)
            rows += [Row("start-up", imports), Row("start-up", version, imports), Row("start-up", one, imports)]
            target("one-template scan / `import yaml, json` (CPU)", one.cpu / imports.cpu, 2)

        many = work / "many"
        if (wanted("many") or wanted("sarif")) and not many.is_dir():
            workloads.many_templates(many, templates, 5)
        if wanted("many"):
            name = f"{templates} templates × 5 clients ({workloads.size_mib(many):.1f} MiB YAML)"
            progress(name)
            parse = Series("floor: parse all files", floor(str(many)))
            fl = Series(RULE_FLOOR, rule_floor(str(many)))
            group = [parse, fl]
            one_job = Series("cogcheck --jobs 1", cogcheck(str(many), "--format", "json", "--jobs", "1"))
            one_job = one_job if jobs else None
            default = Series("cogcheck (default jobs)", cogcheck(str(many), "--format", "json"))
            group += [s for s in (one_job, default) if s is not None]
            run_all(group, rounds, env)
            rows += [Row(name, parse), Row(name, fl)] + [Row(name, s, fl) for s in group[2:]]
            target("templates full of clients / rule floor (default jobs, CPU)", default.cpu / fl.cpu, 3)
            if one_job is not None:
                target("templates full of clients / rule floor (--jobs 1, CPU)", one_job.cpu / fl.cpu, 3)
                # the other core busy (as on a shared machine): a spinning process for the length of these rounds
                busy_one = Series("cogcheck --jobs 1, other core busy", one_job.argv)
                busy_default = Series("cogcheck (default jobs), other core busy", default.argv)
                with spinning():
                    run_all([busy_one, busy_default], rounds, env)
                rows += [Row(name, busy_one), Row(name, busy_default)]
                target("default jobs / --jobs 1 (wall, other core busy)", busy_default.best / busy_one.best, 1.0)
                target("default jobs / --jobs 1 (wall, as the machine was)", default.best / one_job.best, 1.0)

        if wanted("one"):
            per_client: dict[str, list[tuple[int, float]]] = {}
            base = Series("cogcheck scan (empty directory)", cogcheck(str(work / "empty")))
            (work / "empty").mkdir(exist_ok=True)
            run_all([base], rounds, env)
            for suffix in (".yaml", ".json"):
                for count in sizes:
                    path = work / f"one-{count}{suffix}"
                    if not path.exists():
                        workloads.one_template(path, count)
                    name = f"one template, {count} clients ({suffix[1:].upper()}, {workloads.size_mib(path):.1f} MiB)"
                    progress(name)
                    parse = Series("floor: parse the file", floor(str(path)))
                    fl = Series(RULE_FLOOR, rule_floor(str(path)))
                    cc = Series("cogcheck", cogcheck(str(path), "--format", "json"))
                    run_all([parse, fl, cc], max(2, rounds - 2) if count >= 4000 else rounds, env)
                    rows += [Row(name, parse), Row(name, fl), Row(name, cc, fl)]
                    if count == 2000:
                        target(f"one template, 2000 clients ({suffix[1:].upper()}) / rule floor (CPU)",
                               cc.cpu / fl.cpu, 2.5 if suffix == ".yaml" else 10)
                        peer(name, str(path), rows)
                    per_client.setdefault(suffix, []).append((count, (cc.cpu - base.cpu) / count * 1e6))
            rows.append(Row("baseline for per-client time", base))
            for suffix, points in per_client.items():
                (low, first), (high, last) = points[0], points[-1]
                text = ", ".join(f"{n}: {us:.0f} µs" for n, us in points)
                progress(f"per client {suffix}: {text}")
                target(f"time per client {high} / {low} clients ({suffix[1:].upper()}: {text})", last / first, 1.15)

        if wanted("terraform"):
            module = work / "tf-2000"
            if not module.is_dir():
                workloads.terraform_module(module, 2000)
            name = f"one .tf file, 2000 clients ({workloads.size_mib(module):.1f} MiB)"
            progress(name)
            lark = Series("floor: lark parse of the .tf file", floor("--terraform", str(module)))
            tf = Series("cogcheck --jobs 1", cogcheck(str(module), "--format", "json", "--jobs", "1"))
            run_all([lark, tf], 2, env)
            rows += [Row(name, lark), Row(name, tf, lark)]

        if wanted("assembly"):
            cdk = work / "cdk.out"
            if not cdk.is_dir():
                workloads.assembly(cdk, stacks)
            name = f"CDK assembly, {stacks} stacks ({workloads.size_mib(cdk):.0f} MiB)"
            progress(name)
            fl_all = Series("floor: parse all files", floor(str(cdk)))
            parse = Series("floor: parse only client templates", floor(str(cdk), clients_only=True))
            fl = Series(RULE_FLOOR, rule_floor(str(cdk)))
            group = [fl_all, parse, fl]
            one_job = Series("cogcheck --jobs 1", cogcheck(str(cdk), "--format", "json", "--jobs", "1"))
            one_job = one_job if jobs else None
            default = Series("cogcheck (default jobs)", cogcheck(str(cdk), "--format", "json"))
            group += [s for s in (one_job, default) if s is not None]
            run_all(group, rounds, env)
            rows += [Row(name, fl_all), Row(name, parse), Row(name, fl)] + [Row(name, s, fl) for s in group[3:]]
            target("66 MB assembly / rule floor of client templates (default jobs, CPU)", default.cpu / fl.cpu, 2)
            if one_job is not None:
                target("66 MB assembly / rule floor of client templates (--jobs 1, CPU)", one_job.cpu / fl.cpu, 2)

        if wanted("corpus") and args.corpus.is_dir():
            paths = [str(p) for p in (args.corpus / "files", args.corpus / "assemblies") if p.is_dir()]
            name = f"real corpus ({workloads.size_mib(args.corpus):.1f} MiB)"
            progress(name)
            fl_all = Series("floor: parse all files", floor(*paths))
            parse = Series("floor: parse only client files", floor(*paths, clients_only=True))
            fl = Series(RULE_FLOOR, rule_floor(*paths))
            default = Series("cogcheck (default jobs)", cogcheck(*paths, "--format", "json"))
            group = [fl_all, parse, fl, default]
            if jobs:
                group.insert(3, Series("cogcheck --jobs 1", cogcheck(*paths, "--format", "json", "--jobs", "1")))
            run_all(group, rounds, env)
            rows += [Row(name, fl_all), Row(name, parse), Row(name, fl)] + [Row(name, s, fl) for s in group[3:]]
            peer(name, str(args.corpus / "files"), rows)
            terraform = args.corpus / "terraform"
            if terraform.is_dir():
                name = f"real Terraform corpus ({workloads.size_mib(terraform):.1f} MiB)"
                progress(name)
                lark = Series("floor: lark parse of the .tf files", floor("--terraform", str(terraform)))
                tf = Series("cogcheck --jobs 1", cogcheck(str(terraform), "--format", "json", "--jobs", "1"))
                run_all([lark, tf], rounds, env)
                rows += [Row(name, lark), Row(name, tf, lark)]
                target("Terraform corpus / lark parse (--jobs 1, CPU)", tf.cpu / lark.cpu, 1.5)
                peer(name, str(terraform), rows, terraform=True)

        if wanted("sarif"):
            out = work / "out.sarif"
            name = f"SARIF of {templates} templates × 5 clients"
            progress(name)
            sarif = Series("cogcheck --format sarif", cogcheck(str(many), "--format", "sarif", "-o", str(out)))
            group = [sarif]
            if jobs:
                group.append(Series("cogcheck --format sarif --jobs 1",
                                    cogcheck(str(many), "--format", "sarif", "-o", str(out), "--jobs", "1")))
            run_all(group, max(2, rounds - 2), env)
            import json

            count = len(json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"])
            name = f"SARIF, {count:,} findings ({out.stat().st_size / 2**20:.0f} MiB)"
            rows += [Row(name, s) for s in group]
            target(f"SARIF peak RSS, {count:,} findings", max(s.peak for s in group), 250, " MiB")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    load_after = os.getloadavg()
    header = [
        f"Machine: {cpus} usable CPUs, Python {sys.version.split()[0]}, load average "
        f"{load_before[0]:.1f} before and {load_after[0]:.1f} after the run; {rounds} rounds"
        f"{' (quick)' if args.quick else ''}; --jobs {'available' if jobs else 'not available'}.",
    ]
    text = "\n".join(header) + "\n\n" + table(
        ["workload", "command", "min s", "median s", "cpu s (median)", "peak MiB", "× floor"],
        [row.cells() for row in rows],
    ) + "\n\n" + table(["target", "measured", "wanted", ""], targets) + "\n"
    sys.stdout.write(text)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
