"""The npm package (cdk-plugin/, ``@cogcheck/cdk-validator``): a TypeScript CDK app synthesized with aws-cdk-lib from
npm, its report compared with the Python plugin's on the same app and with ``cogcheck scan cdk.out``, and the
failure modes (cogcheck missing, too old, crashing, hanging, a configuration error, an unreadable input).

The same app synthesized by the real CDK CLI (``cdk synth``, the ``aws-cdk`` devDependency), as users run it.

The npm packages are installed once into cdk-plugin/node_modules (``npm ci`` from the committed lock file; ignored by
git) and reused by later runs. Skipped, with the reason, without Node.js or when the registry cannot be reached.
"""

from __future__ import annotations

import filecmp
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES, ROOT

PACKAGE = ROOT / "cdk-plugin"
APP = PACKAGE / "build" / "app" / "app.js"
PY_APP = FIXTURES / "cdk_plugin" / "app.py"
VARIANTS = ("bad", "fixed", "acknowledged")
#: cogcheck as the plugin runs it: this checkout's, whatever is on PATH
COMMAND = [sys.executable, "-m", "cogcheck"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None, reason="needs Node.js and npm"),
]


def _environment(**extra: str) -> dict[str, str]:
    """The user's environment as `cdk synth` would hand it to the app: nothing of pytest (CDK reads PYTEST_* and
    NODE_ENV to guess it runs in a unit test), no CDK or JSII setting of this machine; this checkout's cogcheck."""
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "CDK_", "JSII_")) and key != "NODE_ENV"
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1"
    env["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1"
    env["COGCHECK_COMMAND"] = json.dumps(COMMAND)
    env.update(extra)
    return env


def _npm(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm") or "npm"
    return subprocess.run([npm, *args], cwd=PACKAGE, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def package() -> Path:
    """The package's dependencies installed (once: node_modules is kept) and the test app compiled."""
    if not all((PACKAGE / "node_modules" / name / "package.json").is_file()
               for name in ("aws-cdk-lib", "typescript", "aws-cdk")):
        done = _npm("ci", "--no-audit", "--no-fund")
        if done.returncode != 0:
            pytest.skip(f"npm ci failed (is the npm registry reachable?): {done.stderr.strip()[-500:]}")
    done = _npm("exec", "--", "tsc", "-p", "test/app/tsconfig.json", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return PACKAGE


def _node(script: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", "-e", script], cwd=cwd, env=_environment(**extra), capture_output=True, text=True, timeout=300,
        check=False,
    )


# ----------------------------------------------------------------------------------------------- the package


def test_committed_javascript_is_the_compiled_typescript(package: Path, tmp_path: Path) -> None:
    """lib/ is committed (users install the package from a path, without a build step): it is src/ compiled."""
    done = _npm("exec", "--", "tsc", "-p", "tsconfig.json", "--outDir", str(tmp_path), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == sorted(p.name for p in (package / "lib").iterdir())
    _, mismatch, errors = filecmp.cmpfiles(tmp_path, package / "lib", fresh, shallow=False)
    assert not mismatch and not errors, f"rebuild cdk-plugin/lib (npm run build): {mismatch + errors}"


def test_the_typescript_examples_of_the_docs_compile_and_run(package: Path, tmp_path: Path) -> None:
    """Every ``ts`` block of docs/cdk.md, as written: compiled against the package (as installed in an app, by its
    name) and aws-cdk-lib, then run with node."""
    import re

    text = (ROOT / "docs" / "cdk.md").read_text(encoding="utf-8")
    examples = re.findall(r"^```ts\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert len(examples) >= 2  # the two lines in bin/app.ts, and every option
    assert any("timeoutSeconds" in example for example in examples)
    work = package / "build" / "docs"
    shutil.rmtree(work, ignore_errors=True)
    (work / "node_modules" / "@cogcheck").mkdir(parents=True)
    (work / "node_modules" / "@cogcheck" / "cdk-validator").symlink_to(package, target_is_directory=True)
    for number, example in enumerate(examples):
        (work / f"example{number}.ts").write_text(example, encoding="utf-8")
    (work / "tsconfig.json").write_text(json.dumps({
        "extends": "../../tsconfig.json", "include": ["*.ts"],
        "compilerOptions": {"rootDir": ".", "outDir": "out", "declaration": False},
    }), encoding="utf-8")
    done = _npm("exec", "--", "tsc", "-p", "build/docs/tsconfig.json", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for number in range(len(examples)):
        ran = subprocess.run(["node", str(work / "out" / f"example{number}.js")], cwd=tmp_path, env=_environment(),
                             capture_output=True, text=True, timeout=300, check=False)
        assert ran.returncode == 0, f"docs/cdk.md ts example {number}: {ran.stderr[-2000:]}"


# -------------------------------------------------------------------------------------------- a real synth


@pytest.fixture(scope="module")
def synths(package: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each variant synthesized by `node app.js VARIANT` as `cdk synth` runs an app (CDK_OUTDIR set)."""
    work = tmp_path_factory.mktemp("ts")
    out: dict[str, Any] = {"work": work}
    for variant in VARIANTS:
        done = subprocess.run(
            ["node", str(APP), variant], cwd=work, env=_environment(CDK_OUTDIR=str(work / variant)),
            capture_output=True, text=True, timeout=600, check=False,
        )
        out[variant] = done
    return out


def _report(out: Path) -> dict[str, Any] | None:
    data = json.loads((out / "validation-report.json").read_text(encoding="utf-8"))
    found = [r for r in data["pluginReports"] if r["pluginName"] == "cogcheck"]
    return found[0] if found else None


def _constructs(report: dict[str, Any] | None, severity: str = "error") -> set[tuple[str, str]]:
    return {
        (v["ruleName"], c["constructPath"]) for v in (report or {}).get("violations", []) if v["severity"] == severity
        for c in v["violatingConstructs"]
    }


EXPECTED = {
    ("COG-E001", "Auth/Web"),  # a top-level stack
    ("COG-E023", "Prod/Api/Reports"),  # a stack of a stage
    ("COG-E003", "Prod/Api/Clients/Batch"),  # a nested stack in the stage
}


def test_deploy_errors_fail_the_typescript_synth_at_their_construct_paths(synths: dict[str, Any]) -> None:
    done = synths["bad"]
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Validation failed" in done.stderr
    for rule_id, construct in EXPECTED:
        assert f"ERROR {rule_id}: " in done.stderr
        assert f"   {construct} (" in done.stderr
        assert f"Acknowledge with 'cogcheck::{rule_id}'" in done.stderr
    # each violation: the property and its value, and the change to make in the CDK code (never a template)
    assert "ERROR COG-E003: RefreshTokenValidity is 9000 days" in done.stderr
    assert "Suggested fix: in the CDK code, change the UserPoolClient prop refreshTokenValidity" in done.stderr
    assert "Suggested fix: Resources:" not in done.stderr
    report = _report(synths["work"] / "bad")
    assert report is not None and report["conclusion"] == "failure"
    assert _constructs(report) == EXPECTED
    assert report["metadata"]["templates"] == "3" and report["metadata"]["clients"] == "3"


def test_the_fixed_typescript_app_synthesizes(synths: dict[str, Any]) -> None:
    done = synths["fixed"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert _report(synths["work"] / "fixed") is None  # a plugin with no violation is left out of CDK's report
    assert "cogcheck: note:" not in done.stderr  # the nested stack was found and scanned


def test_acknowledged_errors_synthesize_with_their_reasons(synths: dict[str, Any]) -> None:
    done = synths["acknowledged"]
    assert done.returncode == 0, done.stderr[-3000:]
    report = _report(synths["work"] / "acknowledged")
    assert report is not None and report["conclusion"] == "success" and not _constructs(report)
    assert {(v["acknowledgedId"], v["acknowledgedAt"], v["reason"]) for v in report["suppressedViolations"]} == {
        ("cogcheck::COG-E001", "Auth/Web", "replaced by the v2 client before release"),
        ("cogcheck::COG-E003", "Prod/Api/Clients", "batch jobs re-authenticate every run"),
        ("cogcheck::COG-E023", "Prod", "the secret is added by the rollout job"),
    }


def _scan(path: Path, cwd: Path) -> dict[str, Any]:
    done = subprocess.run([*COMMAND, "scan", str(path), "--format", "json", "--fail-on", "never"], cwd=cwd,
                          env=_environment(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_plugin_reports_what_cogcheck_scan_reports(synths: dict[str, Any]) -> None:
    """Every finding of `cogcheck scan cdk.out` is a violation at its construct path with its message, and the
    files the plugin hands cogcheck (CDK's stacks and their nested stacks) give the same fingerprints."""
    work = synths["work"]
    scanned = _scan(work / "bad", work)
    report = _report(work / "bad")
    assert report is not None
    shown = {
        (v["ruleName"], key, message) for v in report["violations"] for key, message in v["ruleMetadata"].items()
        if key not in ("rule", "docs")
    }
    assert shown == {
        (f["rule_id"], f"{f['construct_path_full']} {f['property']}", f["message"]) for f in scanned["findings"]
    }
    templates = json.dumps(sorted(str(p) for p in (work / "bad").rglob("*.template.json")
                                  if not p.name.endswith(".nested.template.json")))
    listing = _node(f"const r = require({json.dumps(str(PACKAGE / 'lib' / 'nested.js'))});"
                    f"process.stdout.write(JSON.stringify(r.withNested({templates})));", work)
    assert listing.returncode == 0, listing.stderr
    files = json.loads(listing.stdout)
    assert not files["missing"] and len(files["files"]) == 3
    done = subprocess.run([*COMMAND, "scan", "--format", "json", "--fail-on", "never", "--", *files["files"]],
                          cwd=work, env=_environment(), capture_output=True, text=True, timeout=300, check=False)
    by_files = json.loads(done.stdout)
    fingerprints = sorted(f["fingerprint"] for f in scanned["findings"])
    assert sorted(f["fingerprint"] for f in by_files["findings"]) == fingerprints


NESTED_ASSEMBLY = FIXTURES / "cdk" / "assemblies" / "clilike"


def _strip(copy: Path, *what: str) -> None:
    """Take from the assembly the entries that name the nested stack's template: ``asset-path`` (the resource's
    ``Metadata["aws:asset:path"]``), ``template-file`` (``aws:cdk:templateFile`` in the stack's metadata), ``hash``
    (the asset manifest's source of the ``TemplateURL`` hash); ``outside`` makes the metadata name a file outside."""
    stage = copy / "assembly-Prod"
    template = stage / "ProdApi2466CF1F.template.json"
    doc = json.loads(template.read_text(encoding="utf-8"))
    for resource in doc["Resources"].values():
        if resource["Type"] == "AWS::CloudFormation::Stack" and "asset-path" in what:
            resource["Metadata"].pop("aws:asset:path")
    template.write_text(json.dumps(doc), encoding="utf-8")
    metadata = stage / "ProdApi2466CF1F.metadata.json"
    entries = json.loads(metadata.read_text(encoding="utf-8"))
    for key, items in entries.items():
        if key != "/Prod/Api":
            for entry in items:
                if entry["type"] == "aws:cdk:templateFile" and "outside" in what:
                    entry["data"] = "../../outside.json"
            entries[key] = [e for e in items if e["type"] != "aws:cdk:templateFile" or "template-file" not in what]
    metadata.write_text(json.dumps(entries), encoding="utf-8")
    if "hash" in what:
        (stage / "ProdApi2466CF1F.assets.json").write_text('{"version": "55.0.0", "files": {}}', encoding="utf-8")


@pytest.mark.parametrize("what", [
    (), ("asset-path",), ("asset-path", "hash"), ("asset-path", "template-file"),
    ("asset-path", "template-file", "hash"), ("asset-path", "outside"),
])
def test_nested_templates_are_found_as_cogcheck_finds_them(
    what: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files the npm plugin hands `cogcheck scan` are those cogcheck's assembly reader (the Python plugin's
    `stack_inputs`) reads for the same stacks, by whichever entry names a nested stack's template; a nested stack
    whose template nothing names is the same notice, one whose name leads outside the same input error."""
    from cogcheck.cdk.validation import stack_inputs
    from cogcheck.findings import InputError, Notice
    from cogcheck.inputs.types import TemplateInput

    copy = tmp_path / "app" / "cdk.out"
    shutil.copytree(NESTED_ASSEMBLY, copy)
    _strip(copy, *what)
    stacks = [str(copy / "Auth.template.json"), str(copy / "assembly-Prod" / "ProdApi2466CF1F.template.json")]
    monkeypatch.chdir(tmp_path)
    items = list(stack_inputs(stacks))
    listing = _node(f"const r = require({json.dumps(str(PACKAGE / 'lib' / 'nested.js'))});"
                    f"process.stdout.write(JSON.stringify(r.withNested({json.dumps(stacks)})));", tmp_path)
    assert listing.returncode == 0, listing.stderr
    found = json.loads(listing.stdout)
    assert sorted(found["files"]) == sorted(str(i.path.resolve()) for i in items if isinstance(i, TemplateInput))
    assert found["missing"] == [str(i) for i in items if isinstance(i, Notice) and "nested stack" in i.message]
    assert [(e["file"], e["line"], e["message"]) for e in found["errors"]] == [
        (e.file, e.line, e.message) for e in items if isinstance(e, InputError)
    ]
    if what in ((), ("asset-path", "hash"), ("asset-path", "template-file")):  # one entry is enough
        assert len(found["files"]) == 3 and not found["missing"] and not found["errors"]
    if what == ("asset-path", "template-file", "hash"):
        assert len(found["files"]) == 2 and len(found["missing"]) == 1
    if what == ("asset-path", "outside"):
        assert len(found["errors"]) == 1 and "leads outside the assembly directory" in found["errors"][0]["message"]


def _python_cdk() -> bool:
    try:
        return importlib.util.find_spec("aws_cdk") is not None and importlib.util.find_spec("constructs") is not None
    except (ImportError, ValueError):
        return False


def _comparable(report: dict[str, Any] | None) -> Any:
    """A plugin's report without what depends on the app's language (stack traces, the construct library)."""
    if report is None:
        return None
    keep = ("constructPath", "cloudFormationResource")
    return {
        "conclusion": report["conclusion"],
        "pluginVersion": report["pluginVersion"],
        "metadata": report["metadata"],
        "violations": [
            {**{k: v for k, v in violation.items() if k != "violatingConstructs"},
             "violatingConstructs": [{k: c[k] for k in keep} for c in violation["violatingConstructs"]]}
            for violation in report["violations"]
        ],
        "suppressed": sorted(
            (s["ruleName"], s["acknowledgedId"], s["acknowledgedAt"], s["reason"],
             json.dumps([c["constructPath"] for c in s.get("violatingConstructs", [])]))
            for s in report.get("suppressedViolations", [])
        ),
    }


@pytest.mark.skipif(not _python_cdk(), reason="needs aws-cdk-lib and constructs for Python (pip install '.[cdk]')")
def test_the_two_plugins_report_the_same_on_the_same_app(synths: dict[str, Any]) -> None:
    work = synths["work"]
    done = subprocess.run(
        [sys.executable, str(PY_APP), "--out", str(work / "py"), *VARIANTS], cwd=work, env=_environment(),
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for variant in VARIANTS:
        python = _comparable(_report(work / "py" / variant))
        typescript = _comparable(_report(work / variant))
        assert typescript == python, variant
        fingerprints = [sorted(f["fingerprint"] for f in _scan(work / where / variant, work)["findings"])
                        for where in (".", "py")]
        assert fingerprints[0] == fingerprints[1], variant


def test_a_failing_plugin_fails_the_synth_with_its_message(package: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        ["node", str(APP), "bad"], cwd=tmp_path,
        env=_environment(CDK_OUTDIR=str(tmp_path / "cdk.out"), COGCHECK_COMMAND='["/nonexistent/cogcheck"]'),
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode != 0
    assert "Validation plugin 'cogcheck' failed" in done.stderr or "cogcheck: /nonexistent/cogcheck not found" in (
        done.stderr
    ), done.stderr[-3000:]
    assert "pip install" in done.stderr


# -------------------------------------------------------------------------------------------- the CDK CLI

CDK = PACKAGE / "node_modules" / ".bin" / "cdk"
#: `cdk synth` offline and quiet: no version check, no telemetry, no notices (flags below), no AWS account or region
#: lookup beyond the environment (no credentials, no instance metadata, an empty home); a request that slips through
#: fails at once on a closed local port instead of waiting on the network
OFFLINE = {
    "CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true", "AWS_EC2_METADATA_DISABLED": "true",
    "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
}
QUIET = ["--no-notices", "--no-version-reporting"]


def _cdk(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """The CDK CLI, in its own process group so that a timeout stops the app it runs and that app's cogcheck too."""
    env = {
        key: value for key, value in _environment(HOME=str(cwd / "home")).items()
        if not key.startswith("AWS_") and key.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    }
    env.update(OFFLINE)
    with subprocess.Popen([str(CDK), *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            pytest.fail(f"cdk {shlex.join(args)} did not finish within {timeout} seconds: {err[-2000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture(scope="module")
def cli(package: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The `cdk` CLI of the package's devDependencies (aws-cdk), its version; skipped when it cannot run here."""
    if not CDK.is_file():
        pytest.skip("the CDK CLI (aws-cdk) is not installed in cdk-plugin/node_modules (npm ci)")
    work = tmp_path_factory.mktemp("cdk-version")
    done = _cdk(["--version"], work, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"the CDK CLI does not run here: {(done.stderr or done.stdout).strip()[-500:]}")
    return done.stdout.strip()


@pytest.fixture(scope="module")
def cli_synths(cli: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`cdk synth -q '**'` (every stack, those of stages too, as docs/cdk.md tells) on each variant, and plain
    `cdk synth -q` (the app's top-level stacks only) on `bad` and on `stage-only` (errors only in the stage)."""
    work = tmp_path_factory.mktemp("cli")
    out: dict[str, Any] = {"work": work}
    runs = [(variant, variant, ["**"]) for variant in VARIANTS]
    runs += [(f"plain-{variant}", variant, []) for variant in ("bad", "stage-only")]
    for name, variant, stacks in runs:
        app = f"node {shlex.quote(str(APP))} {variant}"
        out[name] = _cdk(["synth", "-q", "--app", app, "--output", str(work / name), *QUIET, *stacks], work)
    return out


def _printed(stderr: str) -> list[str]:
    """The violations a synth printed: each its lines (severity, rule and message; construct; fix; how to
    acknowledge), in order."""
    return re.findall(r"^(?:ERROR|WARNING|INFO) COG-\w+: .*(?:\n   .*)*", stderr, re.MULTILINE)


def test_cdk_synth_fails_on_the_deploy_errors_at_their_construct_paths(cli_synths: dict[str, Any]) -> None:
    done = cli_synths["bad"]
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Synthesis finished with errors" in done.stderr
    for rule_id, construct in EXPECTED:
        assert f"ERROR {rule_id}: " in done.stderr
        assert f"   {construct} (" in done.stderr
        assert f"Acknowledge with 'cogcheck::{rule_id}'" in done.stderr
    assert _constructs(_report(cli_synths["work"] / "bad")) == EXPECTED
    assert "cdk synth -q '**'" in (ROOT / "docs" / "cdk.md").read_text(encoding="utf-8")  # the command tested here


def test_cdk_synth_passes_the_fixed_and_the_acknowledged_app(cli_synths: dict[str, Any]) -> None:
    for variant in ("fixed", "acknowledged"):
        done = cli_synths[variant]
        assert done.returncode == 0, f"{variant}: {done.stderr[-3000:]}"
        assert not [line for line in _printed(done.stderr) if line.startswith("ERROR")], variant
    report = _report(cli_synths["work"] / "acknowledged")
    assert report is not None and report["conclusion"] == "success" and len(report["suppressedViolations"]) == 3


def test_cdk_synth_prints_and_writes_what_the_app_alone_does(
    cli_synths: dict[str, Any], synths: dict[str, Any]
) -> None:
    """The CLI prints the report itself (it tells the app not to fail, reads validation-report.json and fails the
    synth): the same violations, line for line, as `node app.js` prints, and the same report."""
    for variant in VARIANTS:
        printed = _printed(cli_synths[variant].stderr)
        assert printed == _printed(synths[variant].stderr), variant
        assert printed or variant == "fixed"
        assert _comparable(_report(cli_synths["work"] / variant)) == _comparable(_report(synths["work"] / variant))


def test_plain_cdk_synth_reports_only_the_top_level_stacks(cli_synths: dict[str, Any]) -> None:
    """Without a stack selection `cdk synth` selects the app's top-level stacks, and the CLI prints (and fails on)
    the violations of the selected stacks only: those of a stage's stacks pass unseen. The report file still holds
    them, and `cogcheck scan cdk.out` after the synth fails on them (docs/cdk.md)."""
    work = cli_synths["work"]
    bad = cli_synths["plain-bad"]
    assert bad.returncode == 1 and [block.split(":")[0] for block in _printed(bad.stderr)] == [
        "ERROR COG-E001", "INFO COG-S007"
    ], bad.stderr[-3000:]
    stage_only = cli_synths["plain-stage-only"]
    assert stage_only.returncode == 0 and not _printed(stage_only.stderr), stage_only.stderr[-3000:]
    assert _constructs(_report(work / "plain-stage-only")) == {c for c in EXPECTED if c[1].startswith("Prod/")}
    done = subprocess.run([*COMMAND, "scan", str(work / "plain-stage-only")], cwd=work, env=_environment(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "COG-E003" in done.stdout and "COG-E023" in done.stdout


# --------------------------------------------------------------------------------------------- failure modes


def _validate(cwd: Path, command: list[str], templates: list[str], **options: Any) -> dict[str, Any]:
    """`new CogcheckValidation({command, ...}).validate({templatePaths})`: the report, or the error it throws."""
    props = json.dumps({"command": command, **options})
    script = (
        f"const {{ CogcheckValidation }} = require({json.dumps(str(PACKAGE / 'lib'))});"
        f"let out; try {{ out = {{ report: new CogcheckValidation({props}).validate("
        f"{{ templatePaths: {json.dumps(templates)} }}) }}; }} catch (e) {{ out = {{ error: String(e.message) }}; }}"
        "process.stdout.write(JSON.stringify(out));"
    )
    done = _node(script, cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _fake(code: str) -> list[str]:
    """A command that stands for cogcheck: Python running ``code`` (its arguments in sys.argv)."""
    return [sys.executable, "-c", code]


@pytest.fixture
def template(tmp_path: Path) -> Path:
    from tests.helpers import BAD_CLIENT

    path = tmp_path / "template.yaml"
    path.write_text(BAD_CLIENT, encoding="utf-8")
    return path


def test_cogcheck_missing_says_how_to_install(template: Path) -> None:
    out = _validate(template.parent, ["/nonexistent/cogcheck"], [str(template)])
    assert "/nonexistent/cogcheck not found" in out["error"] and "pip install" in out["error"]


def test_cogcheck_too_old_is_refused(template: Path) -> None:
    out = _validate(template.parent, _fake("print('cogcheck 0.0.9')"), [str(template)])
    assert "older than" in out["error"] and "pip install" in out["error"]


def test_a_cogcheck_whose_report_lacks_the_cdk_change_is_too_old(template: Path) -> None:
    """A cogcheck of the right version number whose CDK findings do not carry `cdk_fix` (older than the plugin):
    refused with how to install, never violations without their suggested fix."""
    finding = {"rule_id": "COG-E001", "severity": "error", "message": "m", "file": "t.json", "line": 1, "column": 1,
               "resource": "Web", "property": "AccessTokenValidity", "scenario": None, "stack": "Auth"}
    report = {"version": 1, "findings": [finding], "errors": [], "notices": [],
              "summary": {"templates": 1, "clients": 1, "suppressed": 0}}
    code = (f"import sys\nif '--version' in sys.argv: print('cogcheck 0.1.0')\nelse: print({json.dumps(report)!r})")
    out = _validate(template.parent, _fake(code), [str(template)])
    assert "older than this plugin" in out["error"] and "pip install" in out["error"], out


def test_not_cogcheck_is_refused(template: Path) -> None:
    out = _validate(template.parent, _fake("print('something else')"), [str(template)])
    assert "did not print cogcheck's version" in out["error"]


def test_a_crash_is_an_error_with_its_output(template: Path) -> None:
    code = ("import sys\nif '--version' in sys.argv: print('cogcheck 9.0.0')\n"
            "else: sys.stderr.write('Traceback: boom\\n'); sys.exit(70)")
    out = _validate(template.parent, _fake(code), [str(template)])
    assert "exit 70" in out["error"] and "boom" in out["error"]


def test_a_hang_is_stopped_by_the_timeout(template: Path) -> None:
    code = "import sys, time\nif '--version' in sys.argv: print('cogcheck 9.0.0')\nelse: time.sleep(60)"
    out = _validate(template.parent, _fake(code), [str(template)], timeoutSeconds=1)
    assert "did not finish within 1 seconds" in out["error"]


def test_a_configuration_error_is_cogchecks_message(template: Path) -> None:
    (template.parent / ".cogcheck.yaml").write_text("select: [COG-X999]\n", encoding="utf-8")
    out = _validate(template.parent, COMMAND, [str(template)])
    assert "COG-X999" in out["error"], out


def test_an_unreadable_input_is_one_fatal_violation(template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cogcheck.cdk.validation import Settings, validate

    broken = template.parent / "broken.json"
    broken.write_text('{"Resources": {"Web": {"Type": "AWS::Cognito::UserPoolClient"', encoding="utf-8")
    out = _validate(template.parent, COMMAND, [str(template), str(broken)])
    report = out["report"]
    assert report["success"] is False
    fatal = [v for v in report["violations"] if v["severity"] == "fatal"]
    assert [v["ruleName"] for v in fatal] == ["input-error"]
    assert fatal[0]["violatingResources"][0]["templatePath"] == str(broken)
    assert "broken.json:1: invalid JSON" in fatal[0]["description"]
    assert {v["ruleName"] for v in report["violations"] if v["severity"] == "error"}  # the other input is checked
    # the unreadable input exactly as the Python plugin maps it (the findings are compared on a real app above)
    monkeypatch.chdir(template.parent)
    python = validate([str(template), str(broken)], Settings())
    ours = [(v["ruleName"], v["severity"], v["description"]) for v in fatal]
    assert ours == [(v.rule_name, v.severity, v.description) for v in python.violations if v.severity == "fatal"]


def test_options_reach_the_scan(template: Path) -> None:
    out = _validate(template.parent, COMMAND, [str(template)], select=["COG-E"], severity={"COG-E001": "warning"})
    rules = {(v["ruleName"], v["severity"]) for v in out["report"]["violations"]}
    assert rules and all(rule.startswith("COG-E") for rule, _ in rules)
    assert ("COG-E001", "warning") in rules


def test_a_wrong_option_throws_where_the_app_is_written(template: Path) -> None:
    out = _validate(template.parent, COMMAND, [str(template)], severity={"COG-E001": "fatal"})
    assert "error, warning, note" in out["error"]
