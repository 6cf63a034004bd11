"""The cfn-lint plugin: every cogcheck rule inside the real ``cfn-lint``, through the same engine as ``cogcheck scan``.

cfn-lint takes about a second to start and about 0.1 s per template, so the rule fixtures are batched: one cfn-lint
run per output format (text, parseable, JSON, SARIF), each over its share of the fixtures, the runs side by side.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cogcheck.engine.rules import load_rules
from cogcheck.findings import SEVERITIES, Finding
from tests.helpers import ROOT, RULE_FIXTURES, scan_paths, yaml_to_json

PLUGIN = "cogcheck.cfnlint_rules"
RULES = {rule.id: rule for rule in load_rules()}
OURS = re.compile(r"^[EWI]9[12]\d\d$")


def cfn_lint_id(finding: Finding) -> str:
    """The cfn-lint id of a finding: its rule's id at the finding's own level (the letter is the severity)."""
    return RULES[finding.rule_id].cfn_lint_id_for(finding.severity)


def _cfn_lint() -> str:
    beside = Path(sys.executable).with_name("cfn-lint")
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    if found is None:
        pytest.fail("the cfn-lint executable is not installed (it is a dependency of cogcheck)")
    return found


def _env(home: Path) -> dict[str, str]:
    """No user-level ~/.cfnlintrc, and this checkout's cogcheck importable whatever the working directory."""
    env = dict(os.environ, HOME=str(home), PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("PYTHONWARNINGS", None)
    return env


def _start(args: Sequence[str], cwd: Path, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [_cfn_lint(), *args], cwd=cwd, env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(process: subprocess.Popen[str]) -> str:
    stdout, stderr = process.communicate(timeout=300)
    # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational; 1 means it failed.
    assert process.returncode in range(0, 15) and process.returncode & 1 == 0, (process.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    return stdout


# --------------------------------------------------------------------------------------------------- what to expect


@dataclass(frozen=True, order=True)
class Seen:
    """One finding as a report shows it; ``resource`` is None for the formats that do not show it."""

    file: str
    line: int
    column: int
    rule: str
    message: str
    resource: str | None = None

    def without_resource(self) -> Seen:
        return Seen(self.file, self.line, self.column, self.rule, self.message)


def _message(finding: Finding) -> str:
    return f"{finding.message} ({finding.scenario_text})" if finding.scenario else finding.message


def expected(paths: Sequence[Path]) -> list[Seen]:
    """What ``cogcheck scan`` reports for ``paths``, with cfn-lint's ids."""
    result = scan_paths(*paths)
    assert not result.errors, result.errors
    return sorted(
        Seen(os.path.normpath(f.file), f.line, f.column, cfn_lint_id(f), _message(f), f.resource)
        for f in result.findings
    )


# ------------------------------------------------------------------------------------------ cfn-lint's four formats


def parse_text(out: str) -> list[Seen]:
    pattern = re.compile(r"^([EWI]\d{4}) (.*)\n(.+):(\d+):(\d+)$", re.MULTILINE)
    matches = [m for m in pattern.finditer(out) if OURS.match(m[1])]
    return sorted(Seen(os.path.normpath(m[3]), int(m[4]), int(m[5]), m[1], m[2]) for m in matches)


def parse_parseable(out: str) -> list[Seen]:
    pattern = re.compile(r"^(.+):(\d+):(\d+):(\d+):(\d+):([EWI]\d{4}):(.*)$")
    seen = []
    for line in out.splitlines():
        m = pattern.match(line)
        assert m, line
        if OURS.match(m[6]):
            seen.append(Seen(os.path.normpath(m[1]), int(m[2]), int(m[3]), m[6], m[7]))
    return sorted(seen)


def parse_json(out: str) -> list[Seen]:
    seen = []
    for match in json.loads(out):
        rule = match["Rule"]["Id"]
        if not OURS.match(rule):
            continue
        path = match["Location"]["Path"]
        assert path[0] == "Resources", path
        start = match["Location"]["Start"]
        seen.append(
            Seen(os.path.normpath(match["Filename"]), start["LineNumber"], start["ColumnNumber"], rule,
                 match["Message"], path[1])
        )
    return sorted(seen)


def parse_sarif(out: str) -> list[Seen]:
    (run,) = json.loads(out)["runs"]
    seen = []
    for result in run["results"]:
        if not OURS.match(result["ruleId"]):
            continue
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        region = physical["region"]
        seen.append(
            Seen(os.path.normpath(physical["artifactLocation"]["uri"]), region["startLine"], region["startColumn"],
                 result["ruleId"], result["message"]["text"])
        )
    return sorted(seen)


#: cfn-lint's default output (no --format) is the text one.
PARSERS = {"text": parse_text, "parseable": parse_parseable, "json": parse_json, "sarif": parse_sarif}


def refused(fmt: str, out: str) -> set[str]:
    """Files cfn-lint could not decode (E0000, e.g. a duplicate key): it lints nothing in them, the plugin included."""
    if fmt in ("json", "sarif"):
        doc = json.loads(out)
        if fmt == "json":
            return {os.path.normpath(m["Filename"]) for m in doc if m["Rule"]["Id"] == "E0000"}
        return {
            os.path.normpath(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
            for r in doc["runs"][0]["results"] if r["ruleId"] == "E0000"
        }
    pattern = r"^E0000 .*\n(.+):\d+:\d+$" if fmt == "text" else r"^(.+):\d+:\d+:\d+:\d+:E0000:"
    return {os.path.normpath(m[1]) for m in re.finditer(pattern, out, re.MULTILINE)}


@dataclass
class Batch:
    paths: list[Path]
    json_copies: list[Path]
    outputs: dict[str, str]


def _fixture_files() -> list[Path]:
    return sorted(p.resolve() for p in RULE_FIXTURES.glob("*/*") if p.suffix in (".yaml", ".yml", ".json"))


def _batch_paths(fmt: str, fixtures: list[Path], json_copies: list[Path]) -> list[Path]:
    """Each fixture goes through cfn-lint once: the formats take turns over the sorted fixtures.

    The matches are the same objects whatever the format, and what costs is cfn-lint's own checks of each template
    (about 0.1 s each), so every fixture is checked once, in one format, and each format sees a quarter of them.
    JSON also reads the JSON copies.
    """
    turn = list(PARSERS).index(fmt)
    share = [path for index, path in enumerate(fixtures) if index % len(PARSERS) == turn]
    return share + (json_copies if fmt == "json" else [])


def _one_per_rule(paths: list[Path]) -> list[Path]:
    first: dict[str, Path] = {}
    for path in paths:
        first.setdefault(path.parent.name, path)
    return sorted(first.values())


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """The rule fixtures through cfn-lint, one run per format, the runs side by side.

    JSON also reads a JSON copy of one failing fixture per rule: cfn-lint's JSON decoder has its own marks.
    """
    work = tmp_path_factory.mktemp("cfnlint")
    fixtures = _fixture_files()
    assert fixtures, "no rule fixtures"
    copies = []
    for path in _one_per_rule([p for p in fixtures if p.name.startswith("fail")]):
        if path.suffix != ".json":
            copy = work / "as-json" / path.parent.name / (path.stem + ".json")
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(yaml_to_json(path), encoding="utf-8")
            copies.append(copy)
    processes = {
        fmt: _start(
            # -c I: cfn-lint leaves informational rules (cogcheck's note-level I92NN) out unless asked
            ["-a", PLUGIN, "-c", "I", *(["--format", fmt] if fmt != "text" else []), "--",
             *map(str, _batch_paths(fmt, fixtures, copies))],
            work,
            work,
        )
        for fmt in PARSERS
    }
    return Batch(fixtures, copies, {fmt: _finish(process) for fmt, process in processes.items()})


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(PARSERS))
def test_cfn_lint_reports_what_cogcheck_scan_reports(batch: Batch, fmt: str) -> None:
    skipped = refused(fmt, batch.outputs[fmt])
    want = [s for s in expected(_batch_paths(fmt, batch.paths, batch.json_copies)) if s.file not in skipped]
    assert any(s.rule.startswith("E91") for s in want), "the fixtures have deploy-error findings"
    got = PARSERS[fmt](batch.outputs[fmt])
    if fmt != "json":
        want = [s.without_resource() for s in want]
    assert got == want


@pytest.mark.slow
def test_sarif_describes_each_rule(batch: Batch) -> None:
    (run,) = json.loads(batch.outputs["sarif"])["runs"]
    described = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    by_id = {rule.cfn_lint_id_for(level): rule for rule in load_rules() for level in SEVERITIES}
    used = {result["ruleId"] for result in run["results"] if OURS.match(result["ruleId"])}
    assert used, "the fixtures have findings"
    for rule_id in used:
        assert described[rule_id]["shortDescription"]["text"] == by_id[rule_id].summary
        assert described[rule_id]["helpUri"] == by_id[rule_id].docs["references"][0]
        assert by_id[rule_id].id in described[rule_id]["fullDescription"]["text"]


# ------------------------------------------------------------------------------ enabling it, and cfn-lint's controls

TWO_CLIENTS = """\
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  First:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 48
      AuthSessionValidity: 30
      PreventUserExistenceErrors: ENABLED
  Second:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 48
      PreventUserExistenceErrors: ENABLED
"""
IGNORE_E9101 = "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [E9101]\n"


def _deploy_errors(out: str) -> list[tuple[str, str, int]]:
    """(file name, rule, line) of the plugin's E9101 (COG-E001) and E9107 (COG-E007) matches in parseable output."""
    return sorted((Path(s.file).name, s.rule, s.line) for s in parse_parseable(out) if s.rule in ("E9101", "E9107"))


@pytest.mark.slow
def test_ways_of_enabling_it_and_cfn_lint_suppressions(tmp_path: Path) -> None:
    home, plain, with_rc, rules_dir = (tmp_path / name for name in ("home", "plain", "with-rc", "rules-dir"))
    for directory in (home, plain, with_rc, rules_dir):
        directory.mkdir()
    for directory in (plain, with_rc):
        (directory / "two.yaml").write_text(TWO_CLIENTS, encoding="utf-8")
    (with_rc / ".cfnlintrc").write_text(f"append_rules:\n  - {PLUGIN}\n", encoding="utf-8")
    (rules_dir / "cogcheck_rules.py").write_text(f"from {PLUGIN} import *  # noqa: F403\n", encoding="utf-8")
    (plain / "resource-meta.yaml").write_text(
        TWO_CLIENTS.replace("  First:\n", "  First:\n" + textwrap.indent(IGNORE_E9101, "    ")), encoding="utf-8"
    )
    (plain / "template-meta.yaml").write_text(IGNORE_E9101 + TWO_CLIENTS, encoding="utf-8")

    parseable = ["--format", "parseable"]
    runs = {
        # .cfnlintrc in the working directory: append_rules: [cogcheck.cfnlint_rules]
        "rc": _start([*parseable, "--", "two.yaml"], with_rc, home),
        # a rules directory works too, with a one-line module that re-exports the rules; -a takes several values,
        # so the templates go before it (or after --)
        "dir": _start(["two.yaml", "-a", str(rules_dir), *parseable], plain, home),
        "none": _start([*parseable, "--", "two.yaml"], plain, home),
        "append": _start(
            ["--append-rules", PLUGIN, *parseable, "--", "two.yaml", "resource-meta.yaml", "template-meta.yaml"],
            plain, home,
        ),
        "ignore": _start(["-a", PLUGIN, "-i", "E9101", *parseable, "--", "two.yaml"], plain, home),
    }
    out = {name: _deploy_errors(_finish(process)) for name, process in runs.items()}

    two = [("two.yaml", "E9101", 7), ("two.yaml", "E9101", 14), ("two.yaml", "E9107", 8)]
    assert sorted((s.rule, s.line) for s in expected([plain / "two.yaml"]) if s.rule in ("E9101", "E9107")) == [
        ("E9101", 7), ("E9101", 14), ("E9107", 8)
    ]
    assert out["rc"] == two
    assert out["dir"] == two
    assert out["none"] == []  # without the plugin cfn-lint has no such rule
    assert out["append"] == [
        ("resource-meta.yaml", "E9101", 18),  # First's E9101 ignored by its Metadata, Second's not
        ("resource-meta.yaml", "E9107", 12),
        ("template-meta.yaml", "E9107", 12),  # E9101 ignored for the whole template
        *two,
    ]
    assert out["ignore"] == [("two.yaml", "E9107", 8)]  # -i/--ignore-checks


# ------------------------------------------------------------------------------------- in-process: one engine run

CONDITIONAL = """\
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
  Flag: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Other: !Equals [!Ref Flag, x]
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: !If [IsProd, 48, 30]
      IdTokenValidity: !If
        - Other
        - 2
        - 40
      AuthSessionValidity: !If [IsProd, !Ref AWS::NoValue, 30]
"""


def _lint_file(path: Path, **config: Any) -> list[Any]:
    from cfnlint.api import ManualArgs, lint_file

    return lint_file(path, ManualArgs(append_rules=[PLUGIN], include_checks=["I"], **config))  # type: ignore[no-any-return]


@pytest.mark.slow
def test_engine_runs_once_per_template_and_each_scenario_is_reported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cogcheck.cfnlint_rules as plugin
    from cogcheck.scan.check import check_template as real

    calls: list[str] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0].file)
        return real(*args, **kwargs)

    monkeypatch.setattr(plugin, "check_template", counting)
    path = tmp_path / "conditional.yaml"
    path.write_text(CONDITIONAL, encoding="utf-8")
    copy = tmp_path / "conditional.json"
    copy.write_text(yaml_to_json(path), encoding="utf-8")
    for template in (path, copy):
        calls.clear()
        matches = _lint_file(template, regions=["us-east-1", "eu-west-1"])
        assert calls == [str(template)]
        got = sorted(
            Seen(os.path.normpath(m.filename), m.linenumber, m.columnnumber, m.rule.id, m.message, m.path[1])
            for m in matches
            if OURS.match(m.rule.id)
        )
        want = expected([template])
        assert got == want
        # AccessTokenValidity is wrong in both branches, differently: one match per scenario, told apart
        by_scenario = [s.message for s in got if s.rule == "E9101"]
        assert len(set(by_scenario)) == 2 and all("Env=" in m for m in by_scenario), by_scenario


def test_engine_failure_is_reported_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cogcheck.cfnlint_rules as plugin

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(plugin, "check_template", broken)
    path = tmp_path / "two.yaml"
    path.write_text(TWO_CLIENTS, encoding="utf-8")
    matches = _lint_file(path)
    errors = [m for m in matches if "engine exploded" in m.message]
    assert [m.rule.id for m in errors] == ["E0002"]
    assert not [m for m in matches if OURS.match(m.rule.id)]


def test_cfn_lint_parameters_reach_the_engine(tmp_path: Path) -> None:
    path = tmp_path / "conditional.yaml"
    path.write_text(CONDITIONAL, encoding="utf-8")
    matches = _lint_file(path, parameters=[{"Env": "dev", "Flag": "x"}])
    ours = sorted((m.rule.id, m.message) for m in matches if OURS.match(m.rule.id))
    want = sorted(
        (cfn_lint_id(f), _message(f))
        for f in scan_paths(path, resolve=_resolve({"Env": "dev", "Flag": "x"})).findings
    )
    assert ours == want
    assert [rule for rule, _ in ours if rule == "E9101"] == ["E9101"]  # only the dev branch


def _resolve(parameters: dict[str, str]) -> Any:
    from cogcheck.cfn.resolve import ResolveOptions

    return ResolveOptions(parameters=parameters)


# ------------------------------------------------------------------------------------------- the generated classes


def test_one_cfn_lint_rule_per_cogcheck_rule() -> None:
    import cfnlint.helpers

    import cogcheck.cfnlint_rules as plugin

    created = cfnlint.helpers.create_rules(plugin)  # exactly what cfn-lint does with the module `-a` names
    rules = {rule.cfn_lint_id_for(level): (rule, level) for rule in load_rules() for level in SEVERITIES}
    assert sorted(r.id for r in created) == sorted(rules)
    assert len(rules) == 3 * len(load_rules())  # one per rule and level, no two alike
    for instance in created:
        rule, level = rules[instance.id]
        assert type(instance).__name__ == plugin.class_name(rule, level)
        assert getattr(plugin, type(instance).__name__) is type(instance)
        assert instance.shortdesc == rule.summary
        assert instance.description.startswith(f"{rule.id} ({rule.name})")
        assert instance.source_url == rule.docs["references"][0]  # AWS's page: cogcheck has no published site
        # one severity: cfn-lint's level (from the id's letter) is the cogcheck level of the findings it reports
        assert instance.severity == {"error": "error", "warning": "warning", "note": "informational"}[level]


def test_no_plugin_id_collides_with_a_cfn_lint_rule() -> None:
    from cfnlint.core import get_rules

    import cogcheck.cfnlint_rules as plugin

    builtin = {rule.id for rule in get_rules([], [], ["I"], include_experimental=True)}
    assert len(builtin) > 100, "cfn-lint's own rules were loaded"
    assert not builtin & set(plugin.RULE_CLASSES)
    both = {rule.id for rule in get_rules([PLUGIN], [], ["I"], include_experimental=True)}
    assert both == builtin | set(plugin.RULE_CLASSES)


# ----------------------------------------------------------------------------------- cogcheck scan stays cfn-free

_PROBE = textwrap.dedent(
    """
    import json, sys
    from cogcheck.cli import main
    sys.argv = ["cogcheck", "scan", "--format", "json", sys.argv[1]]
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    loaded = sorted(name for name in sys.modules if name == "cfnlint" or name.startswith("cfnlint."))
    with open(OUT, "w") as handle:
        json.dump({"code": code, "cfnlint": loaded}, handle)
    """
)


def test_cogcheck_scan_never_imports_cfnlint(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(TWO_CLIENTS, encoding="utf-8")
    out = tmp_path / "probe.json"
    script = _PROBE.replace("OUT", repr(str(out)))
    proc = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120, cwd=ROOT,
        env=_env(tmp_path), check=False,
    )
    assert out.exists(), proc.stderr
    probe = json.loads(out.read_text(encoding="utf-8"))
    report = json.loads(proc.stdout)
    found = [f["resource"] for f in report["findings"] if f["rule_id"] == "COG-E001"]
    assert probe["code"] == 1 and found == ["First", "Second"]  # the scan did run
    assert probe["cfnlint"] == []


# ----------------------------------------------------------------------------- one severity, one configuration

def test_plugin_levels_and_configuration_match_cogcheck_scan(tmp_path: Path) -> None:
    """The plugin reads the configuration found from the template upwards, and every match's level letter is the
    finding's severity in `cogcheck scan` with the same configuration (an override included)."""
    from cogcheck.config.files import find_config, load_config
    from cogcheck.config.options import build_scan_options

    project = tmp_path / "project"
    (project / "infra").mkdir(parents=True)
    (project / ".cogcheck.yaml").write_text(
        "ignore: [COG-E007]\nseverity: {COG-E001: warning, COG-E013: error}\n", encoding="utf-8"
    )
    path = project / "infra" / "two.yaml"
    path.write_text(
        TWO_CLIENTS.replace("      PreventUserExistenceErrors: ENABLED\n  Second", "      CallbackURLs: [https://a.example]\n"
                            "      PreventUserExistenceErrors: ENABLED\n  Second"),
        encoding="utf-8",
    )
    matches = _lint_file(path)
    got = sorted((m.rule.id, m.linenumber) for m in matches if OURS.match(m.rule.id))
    config = load_config(find_config(path))  # type: ignore[arg-type]
    findings = scan_paths(path, **vars(build_scan_options(config=config, scan_roots=[str(path)]))).findings
    want = sorted((cfn_lint_id(f), f.line) for f in findings)
    assert got == want
    ids = {rule_id for rule_id, _ in got}
    assert "W9101" in ids and "E9101" not in ids  # COG-E001 overridden to a warning
    assert "E9113" in ids  # COG-E013, a warning by default, overridden to an error
    assert not any(i.endswith("07") and i[2] == "1" for i in ids)  # COG-E007 ignored
    severities = {m.rule.id: m.rule.severity for m in matches if OURS.match(m.rule.id)}
    assert severities["W9101"] == "warning" and severities["E9113"] == "error"


def test_plugin_reports_a_bad_configuration_once(tmp_path: Path) -> None:
    (tmp_path / ".cogcheck.yaml").write_text("severity: {COG-E001: fatal}\n", encoding="utf-8")
    path = tmp_path / "two.yaml"
    path.write_text(TWO_CLIENTS, encoding="utf-8")
    matches = _lint_file(path)
    errors = [m for m in matches if m.rule.id == "E0002"]
    assert len(errors) == 1 and ".cogcheck.yaml" in errors[0].message and "COG-E001" in errors[0].message
    assert not [m for m in matches if OURS.match(m.rule.id)]


def test_plugin_without_cfn_lint_says_what_to_install(tmp_path: Path) -> None:
    """cfn-lint is an extra (`cogcheck[cfn-lint]`): importing the plugin without it is one clear message."""
    probe = (
        "import sys\n"
        "sys.modules['cfnlint'] = None  # as if cfn-lint were not installed\n"
        "sys.modules['cfnlint.rules'] = None\n"
        "try:\n"
        "    import cogcheck.cfnlint_rules\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc.name, '|', exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=_env(tmp_path), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    name, message = done.stdout.split(" | ", 1)
    assert name == "cfnlint"
    assert "pip install 'cfn-lint>=1,<2'" in message and "cfn-lint -a cogcheck.cfnlint_rules" in message


def test_cfn_lint_is_an_extra_not_a_dependency() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.replace("_", "-").startswith("cfn-lint")]
    assert any(d.startswith("cfn-lint") for d in project["optional-dependencies"]["cfn-lint"])
    assert any(d.startswith("cfn-lint") for d in project["optional-dependencies"]["test"])  # CI still has it


def test_plugin_honours_suppressions_with_a_reason(tmp_path: Path) -> None:
    suppressed = TWO_CLIENTS.replace(
        "  First:\n    Type: AWS::Cognito::UserPoolClient\n",
        "  First:\n    Type: AWS::Cognito::UserPoolClient\n    Metadata:\n      cogcheck:\n        ignore:\n"
        "          - {id: COG-E001, reason: legacy client}\n",
    )
    path = tmp_path / "t.yaml"
    path.write_text(suppressed, encoding="utf-8")
    got = sorted((m.rule.id, m.linenumber) for m in _lint_file(path) if OURS.match(m.rule.id))
    want = sorted((cfn_lint_id(f), f.line) for f in scan_paths(path).findings)
    assert got == want
    assert len([line for rule, line in got if rule == "E9101"]) == 1  # Second's only (First's is suppressed)
