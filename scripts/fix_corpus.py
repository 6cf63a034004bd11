"""`cogcheck scan --fix` on a copy of the real-world corpus: what the fixes fix, what they leave, and checks.

    python scripts/fix_corpus.py                     # ../shared/corpus beside the checkout
    python scripts/fix_corpus.py --corpus DIR        # another corpus (its files/ and terraform/files/)
    python scripts/fix_corpus.py --no-multitool      # skip Microsoft's SARIF multitool (the OASIS schema still runs)

The CloudFormation files (``files/``) and the Terraform module directories (``terraform/files/``) are copied to a
temporary directory, scanned (``cogcheck scan --format json``), fixed with ``cogcheck scan --fix`` (safe fixes) and
then ``--fix --unsafe-fixes``, each time through the command line (``python -m cogcheck``, this checkout's code).
After each run it checks that only files with an eligible fix changed, and only on the lines those fixes edit; that
every changed file parses; that a re-scan no longer reports a fixed finding (a fix not applied was rolled back and
said so, or is declined once the text around it changed), reports no new error and no new finding as severe as
the one fixed on that client; and that a second run changes nothing. The SARIF of the unfixed copy (fixes
included) is validated against the OASIS SARIF 2.1.0 schema and, where installed (``.ci/sarif-validate.sh``
installs it), by Microsoft's SARIF multitool with the GitHub rules (``--rule-kind "Sarif;Ghas"``); the rdjson output
against reviewdog's Diagnostic JSON schema (the copy in tests/test_rdjson.py).

Prints Markdown: per rule its fix (safe / unsafe / none) and the corpus counts: findings, fixed by ``--fix``, fixed
by ``--unsafe-fixes`` too, remaining after both, declined (why, grouped below the table). Same corpus, same output.
Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cogcheck.engine.rules import load_rules  # noqa: E402
from cogcheck.findings import SEVERITY_RANK  # noqa: E402

CFN_SUFFIXES = (".yaml", ".yml", ".json", ".template")
Key = tuple[str, str, str, str, str, str]
_INDEX = re.compile(r"\[\d+\]")


def identity(finding: dict[str, Any]) -> Key:
    """A finding as a re-scan is compared by (as cogcheck.scan.fixing: list indexes left out), with its file."""
    return (finding["file"], finding["rule_id"], finding["resource"], _INDEX.sub("[]", finding["property"] or ""),
            json.dumps(finding["scenario"], sort_keys=True), _INDEX.sub("[]", finding["message"]))


@dataclass
class Cli:
    """``python -m cogcheck scan`` in the copy's directory."""

    cwd: Path
    targets: list[str]
    runs: int = 0

    def scan(self, *flags: str) -> tuple[int, dict[str, Any] | None, str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "cogcheck", "scan", "--isolated", *flags, *self.targets],  # noqa: S603
                              cwd=self.cwd, env=env, capture_output=True, text=True, timeout=3600, check=False)
        self.runs += 1
        if done.returncode not in (0, 1, 2) or "Traceback" in done.stderr:
            raise SystemExit(f"cogcheck scan {' '.join(flags)} crashed ({done.returncode}):\n{done.stderr}")
        document = json.loads(done.stdout) if "json" in flags and done.stdout.strip() else None
        return done.returncode, document, done.stderr


@dataclass
class Step:
    """One ``--fix`` run and what was checked."""

    name: str
    fixed: Counter[str] = field(default_factory=Counter)  # findings gone, by rule
    newcomers: Counter[str] = field(default_factory=Counter)  # less severe findings a fix let appear, by rule
    changed: list[str] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)
    summary: str = ""
    failures: list[str] = field(default_factory=list)


def snapshot(files: list[Path]) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in files}


def parses(path: Path) -> str | None:
    """Why ``path`` does not parse (None when it does)."""
    from cogcheck.cfn.parse import TemplateError, parse_template
    from cogcheck.inputs.terraform.hcl import parse_file

    try:
        if path.name.endswith((".tf", ".tofu", ".tf.json")):
            parse_file(str(path), path.read_bytes())
        else:
            parse_template(str(path), path.read_bytes(), suffix=path.suffix)
    except (TemplateError, ValueError) as exc:
        return str(exc)
    except Exception as exc:  # the HCL reader's own error types: any failure is the finding here
        return f"{type(exc).__name__}: {exc}"
    return None


def edited_lines(before: dict[str, Any], eligible: Any) -> dict[str, list[tuple[int, int]]]:
    """File → the line spans the eligible fixes offered in ``before`` edit."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for finding in before["findings"]:
        if eligible(finding):
            for edit in finding["fix"]["edits"]:
                spans[edit["file"]].append((edit["start"]["line"], edit["end"]["line"]))
    return spans


def outside(old: str, new: str, spans: list[tuple[int, int]]) -> list[int]:
    """Lines of ``old`` (1-based) the change touches that no fix's edit spans (an insertion counts at the line it
    follows)."""
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    stray = []
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        lines = range(i1 + 1, i2 + 1) if i2 > i1 else range(i1, i1 + 1)
        for line in lines:
            if not any(start - 1 <= line <= end + 1 for start, end in spans):
                stray.append(line)
    return stray


def fix_step(cli: Cli, files: list[Path], name: str, unsafe: bool) -> tuple[Step, dict[str, Any]]:
    step = Step(name)
    _code, before, _ = cli.scan("--format", "json", "--fail-on", "never")
    assert before is not None

    def eligible(finding: dict[str, Any]) -> bool:
        return bool(finding.get("fix")) and (unsafe or finding["fix"]["applicability"] == "safe")

    spans = edited_lines(before, eligible)
    originals = snapshot(files)
    flags = ["--fix", "--unsafe-fixes"] if unsafe else ["--fix"]
    _code, _doc, stderr = cli.scan(*flags, "--format", "json", "--fail-on", "never")
    step.summary = next((line.removeprefix("cogcheck: ") for line in stderr.splitlines()
                         if re.match(r"cogcheck: \d+ fixed", line)), "")
    step.rolled_back = sorted(line for line in stderr.splitlines() if "rolled back" in line)
    for path in files:
        data = path.read_bytes()
        if data == originals[path]:
            continue
        shown = str(path.relative_to(cli.cwd))
        step.changed.append(shown)
        if str(path) not in spans and shown not in spans:
            step.failures.append(f"{shown}: changed, but no eligible fix was offered in it")
        why = parses(path)
        if why is not None:
            step.failures.append(f"{shown}: does not parse once fixed: {why}")
        stray = outside(originals[path].decode("utf-8-sig"), data.decode("utf-8-sig"),
                        spans.get(str(path), spans.get(shown, [])))
        if stray:
            step.failures.append(f"{shown}: lines {stray[:5]} changed outside every fix's edits")
    _code, after, _ = cli.scan("--format", "json", "--fail-on", "never")
    assert after is not None
    old_errors = Counter(e["message"] for e in before["errors"])
    step.failures += [f"a new error: {e['message']}" for e in after["errors"] if not old_errors[e["message"]]]
    old, new = Counter(map(identity, before["findings"])), Counter(map(identity, after["findings"]))
    gone = [f for f in before["findings"] if new[identity(f)] < old[identity(f)]]
    for key, count in (old - new).items():
        step.fixed[key[1]] += count
    severity = {identity(f): f["severity"] for f in after["findings"]}
    for key, count in (new - old).items():
        if any(f["file"] == key[0] and f["resource"] == key[2]
               and SEVERITY_RANK[f["severity"]] > SEVERITY_RANK[severity[key]] for f in gone):
            step.newcomers[key[1]] += count
        else:
            step.failures.append(f"a re-scan reports a new finding: {key[:4]}")
    for finding in before["findings"]:
        key = identity(finding)
        if eligible(finding) and new[key] >= old[key]:
            still = [f for f in after["findings"] if identity(f) == key]
            if not any(f" {finding['rule_id']} " in line for line in step.rolled_back) and any(
                    eligible(f) for f in still):
                step.failures.append(f"{key[:4]}: offered a fix, neither fixed nor rolled back")
    fixed = snapshot(files)
    cli.scan(*flags, "--fail-on", "never")
    again = [str(p.relative_to(cli.cwd)) for p in files if p.read_bytes() != fixed[p]]
    if again:
        step.failures.append(f"a second {' '.join(flags)} changed {again}")
    return step, after


def multitool() -> Path | None:
    """Microsoft's SARIF multitool as .ci/sarif-validate.sh installs it (None when it is not installed)."""
    version = os.environ.get("SARIF_MULTITOOL_VERSION", "5.7.0")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    prefix = Path(os.environ.get("SARIF_MULTITOOL_DIR", cache / "cogcheck" / f"sarif-multitool-{version}"))
    if not prefix.is_dir() or shutil.which("node") is None:
        return None
    done = subprocess.run(["node", "-p", "require('@microsoft/sarif-multitool')"], cwd=prefix,  # noqa: S607
                          capture_output=True,
                          text=True, check=False)
    path = Path(done.stdout.strip()) if done.returncode == 0 else None
    return path if path is not None and path.is_file() and os.access(path, os.X_OK) else None


def check_reports(cli: Cli, use_multitool: bool) -> list[str]:
    """SARIF with fixes under both validators, rdjson under reviewdog's schema: lines for the report."""
    from tests.sarif_schema import assert_valid_sarif
    from tests.test_rdjson import assert_valid

    lines = []
    sarif = cli.cwd / "corpus.sarif"
    cli.scan("--format", "sarif", "--fail-on", "never", "--output", str(sarif))
    log = assert_valid_sarif(sarif.read_text(encoding="utf-8"))
    results = [r for run in log["runs"] for r in run.get("results", [])]
    with_fixes = sum(1 for r in results if r.get("fixes"))
    replacements = sum(len(change["replacements"]) for r in results for fix in r.get("fixes", [])
                       for change in fix["artifactChanges"])
    lines.append(f"* SARIF: {len(results)} results, {with_fixes} with `fixes` ({replacements} replacements): "
                 "valid under the OASIS SARIF 2.1.0 schema")
    tool = multitool() if use_multitool else None
    if tool is None:
        lines.append("* SARIF multitool: not run (" + ("--no-multitool" if not use_multitool else
                     "not installed: run .ci/sarif-validate.sh once") + ")")
    else:
        done = subprocess.run([str(tool), "validate", str(sarif), "--rule-kind", "Sarif;Ghas"],  # noqa: S603
                              capture_output=True,
                              text=True, timeout=600, check=False)
        errors = [line for line in done.stdout.splitlines() if ": error " in line]
        warnings = [line for line in done.stdout.splitlines() if ": warning " in line]
        complete = "Analysis completed successfully" in done.stdout
        lines.append(f"* SARIF multitool (rule kinds Sarif;Ghas): {len(errors)} errors, {len(warnings)} warnings"
                     + ("" if complete else " — the analysis did not complete"))
        lines += [f"  * {line.split(': ', 1)[-1].strip()}" for line in (errors + warnings)[:10]]
        if errors or not complete:
            lines.append("FAIL: the SARIF multitool rejects the SARIF")
    _code, _doc, _ = cli.scan("--format", "rdjson", "--fail-on", "never", "--output", str(cli.cwd / "corpus.rdjson"))
    document = assert_valid((cli.cwd / "corpus.rdjson").read_text(encoding="utf-8"))
    diagnostics = document["diagnostics"]
    suggested = sum(1 for d in diagnostics if d.get("suggestions"))
    lines.append(f"* rdjson: {len(diagnostics)} diagnostics, {suggested} with `suggestions`: valid under reviewdog's "
                 "DiagnosticResult schema (and with no property outside it)")
    return lines


def decline_reason(text: str) -> str:
    """A reason to decline with its particulars left out, so reasons group."""
    text = re.sub(r"parameter [\w:]+", "parameter …", text)
    text = re.sub(r"comes from [\w:.]+ \(a Ref\)", "comes from … (a Ref)", text)
    text = re.sub(r"^\S+ is not written once", "the item is not written once", text)
    text = re.sub(r"^[\d.]+ is in range", "the number is in range", text)
    text = re.sub(r"(may come from inputs|the CDK and is not edited|is not edited: in the configuration).*",
                  r"\1: change it where they are set", text)
    return text


def copy_corpus(corpus: Path, work: Path) -> tuple[list[Path], list[str]]:
    """(files that may be edited, scan targets): CloudFormation files one by one, Terraform module directories."""
    files, targets = [], []
    for source in sorted((corpus / "files").rglob("*")):
        if source.is_file() and source.suffix in CFN_SUFFIXES:
            target = work / "files" / source.relative_to(corpus / "files")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            files.append(target)
            targets.append(str(target.relative_to(work)))
    terraform = corpus / "terraform" / "files"
    modules = sorted({p.parent for p in terraform.rglob("*.tf")}) if terraform.is_dir() else []
    for module in modules:
        target = work / "terraform" / module.relative_to(terraform)
        target.mkdir(parents=True, exist_ok=True)
        for source in sorted(module.iterdir()):
            if source.is_file():
                shutil.copyfile(source, target / source.name)
                files.append(target / source.name)
        targets.append(str(target.relative_to(work)))
    return files, targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--no-multitool", action="store_true", help="skip Microsoft's SARIF multitool")
    args = parser.parse_args(argv)
    if not (args.corpus / "files").is_dir():
        print(f"fix_corpus: {args.corpus} has no files/ directory", file=sys.stderr)
        return 2
    rules = sorted(load_rules(), key=lambda r: r.id)
    with tempfile.TemporaryDirectory(prefix="cogcheck-fix-corpus-") as temporary:
        work = Path(temporary)
        files, targets = copy_corpus(args.corpus, work)
        cli = Cli(work, targets)
        report_lines = check_reports(cli, not args.no_multitool)
        _code, first, _ = cli.scan("--format", "json", "--fail-on", "never")
        assert first is not None
        safe, _after = fix_step(cli, files, "--fix", unsafe=False)
        unsafe, last = fix_step(cli, files, "--fix --unsafe-fixes", unsafe=True)
    findings = Counter(f["rule_id"] for f in first["findings"])
    offered = Counter(f["rule_id"] for f in first["findings"] if f.get("fix"))
    remaining = Counter(f["rule_id"] for f in last["findings"])
    declined: dict[str, Counter[str]] = defaultdict(Counter)
    for finding in first["findings"]:
        if finding.get("fix_declined"):
            declined[finding["rule_id"]][decline_reason(finding["fix_declined"])] += 1
    cfn = sum(1 for t in targets if t.startswith("files"))
    out = [
        "## `cogcheck scan --fix` on a copy of the corpus",
        "",
        f"`python scripts/fix_corpus.py` — {cfn} CloudFormation files and {len(targets) - cfn} Terraform module "
        f"directories ({len(files)} files), {len(first['findings'])} findings, {len(first['errors'])} input errors "
        "(files that are not templates).",
        "",
        "| rule | fix | findings | with a fix | fixed by `--fix` | fixed by `--unsafe-fixes` | remaining | declined |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for rule in rules:
        out.append(f"| {rule.id} | {rule.fix_applicability} | {findings[rule.id]} | {offered[rule.id]} | "
                   f"{safe.fixed[rule.id]} | {unsafe.fixed[rule.id]} | {remaining[rule.id]} | "
                   f"{sum(declined[rule.id].values())} |")
    total_declined = sum(sum(c.values()) for c in declined.values())
    out.append(f"| **all** | {sum(r.fix_applicability == 'safe' for r in rules)} safe, "
               f"{sum(r.fix_applicability == 'unsafe' for r in rules)} unsafe, "
               f"{sum(r.fix_applicability == 'none' for r in rules)} none | {sum(findings.values())} | "
               f"{sum(offered.values())} | {sum(safe.fixed.values())} | {sum(unsafe.fixed.values())} | "
               f"{sum(remaining.values())} | {total_declined} |")
    out += ["", "A finding counts as fixed when the re-scan no longer reports it (a fix may remove other findings of "
            "the same client too). Remaining: what a re-scan reports after both runs, counting the less severe "
            "findings a fix let appear (" + (", ".join(f"{rule} {n}" for rule, n in sorted(
                (safe.newcomers + unsafe.newcomers).items())) or "none") + "). Declined: findings whose rule has a "
            "fix but whose value is not written where it can be edited.", "", "### Why fixes were declined", ""]
    for rule_id in sorted(declined):
        for reason, count in sorted(declined[rule_id].items(), key=lambda item: (-item[1], item[0])):
            out.append(f"* {rule_id} ({count}): {reason}")
    out += ["", "### Checks", ""]
    for step in (safe, unsafe):
        out.append(f"* `{step.name}`: {step.summary}; {len(step.changed)} files changed, "
                   f"{len(step.rolled_back)} fixes rolled back; " + ("every check passed (only files with an "
                   "eligible fix changed, only on the lines its edits name; they parse; the re-scan has no fixed "
                   "finding, no new error, nothing new as severe as what was fixed; a second run changes nothing)"
                   if not step.failures else f"{len(step.failures)} FAILED"))
        if not step.name.endswith("--unsafe-fixes"):  # what the safe fixes changed, file by file
            out += [f"  * changed: {name}" for name in step.changed]
        out += [f"  * rolled back: {line.removeprefix('cogcheck: fix: ')}" for line in step.rolled_back]
        out += [f"  * FAIL: {failure}" for failure in step.failures]
    out += report_lines
    text = "\n".join(out).replace(str(Path(temporary)) + os.sep, "")
    print(text)
    return 1 if safe.failures or unsafe.failures or any(line.startswith("FAIL") for line in report_lines) else 0


if __name__ == "__main__":
    sys.exit(main())
