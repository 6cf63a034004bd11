"""`cogcheck lsp` end to end: pygls's own client drives the server over stdio, as an editor does.

For every rule fixture (YAML, the same templates as JSON, Terraform) the diagnostics equal the findings of
`cogcheck scan --format json` (rule ids, lines, severities); edits move them; hovers show the rule's docs and a
validity's effective value; the suppression action silences the finding it names; a hostile buffer leaves the server
up; the server writes no file.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls", reason="cogcheck lsp needs the lsp extra (pygls)")

from lsprotocol import types

from cogcheck.cfn.parse import parse_template
from cogcheck.findings import Edit, Finding, Fix
from tests.helpers import FIXTURES, ROOT
from tests.lsp_session import apply, session

LEVELS = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
          "note": types.DiagnosticSeverity.Information}


def _scan_json(*paths: Path, cwd: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "cogcheck", "scan", "--format", "json", *map(str, paths)],
                         capture_output=True, text=True, cwd=cwd, env=env, timeout=600, check=False)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def _by_file(report: dict[str, Any], cwd: Path) -> dict[Path, Counter[tuple[str, int, int]]]:
    found: dict[Path, Counter[tuple[str, int, int]]] = {}
    for f in report["findings"]:
        path = (cwd / f["file"]).resolve()
        found.setdefault(path, Counter())[(f["rule_id"], f["line"], LEVELS[f["severity"]])] += 1
    return found


def _diagnosed(diagnostics: list[types.Diagnostic]) -> Counter[tuple[str, int, int]]:
    return Counter((str(d.code), d.range.start.line + 1, int(d.severity or 0)) for d in diagnostics if d.code)


def _yaml_tree(root: Path) -> list[Path]:
    files = []
    for path in sorted((FIXTURES / "rules").glob("*/*.yaml")):
        target = root / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        files.append(target)
    return files


def _json_tree(root: Path) -> list[Path]:
    files = []
    for path in sorted((FIXTURES / "rules").glob("*/*.yaml")):
        try:
            template = parse_template(str(path), path.read_bytes())
            text = json.dumps(template.doc if template is not None else None, indent=2)
        except Exception:  # a fixture YAML alone can write (a duplicate key, a date): not in the JSON set
            continue
        target = root / path.parent.name / (path.stem + ".json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
        files.append(target)
    return files


def _terraform_tree(root: Path) -> list[Path]:
    files = []
    for path in sorted((FIXTURES / "terraform" / "rules").glob("*/*.tf")):
        target = root / path.parent.name / path.stem / "main.tf"  # each a module of its own, as the rule tests do
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
        files.append(target)
    return files


@pytest.mark.parametrize("tree", [_yaml_tree, _json_tree, _terraform_tree], ids=["yaml", "json", "terraform"])
def test_diagnostics_equal_scan_findings_for_every_rule_fixture(tree: Any, tmp_path: Path) -> None:
    files = tree(tmp_path / "t")
    assert len(files) > 100
    expected = _by_file(_scan_json(tmp_path / "t", cwd=tmp_path), tmp_path)
    assert sum(len(c) for c in expected.values()) > 100  # the fixtures do fire

    async def run() -> dict[Path, Counter[tuple[str, int, int]]]:
        got = {}
        async with session(cwd=tmp_path) as s:
            for path in files:
                got[path.resolve()] = _diagnosed(await s.open(path))
                s.close(path)
        return got

    got = asyncio.run(run())
    mismatched = [p for p in files if got[p.resolve()] != expected.get(p.resolve(), Counter())]
    assert not mismatched, [(p, got[p.resolve()], expected.get(p.resolve())) for p in mismatched[:3]]


E001 = FIXTURES / "rules" / "COG-E001" / "fail_units.yaml"
E001_TF = FIXTURES / "terraform" / "rules" / "COG-E001" / "fail_units.tf"


def _copy(source: Path, directory: Path, name: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / (name or source.name)
    shutil.copy(source, target)
    return target


def _e001_lines(diagnostics: list[types.Diagnostic]) -> list[int]:
    return sorted(d.range.start.line for d in diagnostics if d.code == "COG-E001")


def test_an_edit_is_diagnosed_from_the_buffer_and_stale_versions_are_dropped(tmp_path: Path) -> None:
    path = _copy(E001, tmp_path)
    text = path.read_text(encoding="utf-8")
    on_disk = {p: p.read_bytes() for p in tmp_path.iterdir()}
    first_line = text.split("\n").index("      AccessTokenValidity: 60          # no unit => 60 hours")

    async def run() -> None:
        async with session(cwd=tmp_path) as s:
            opened = await s.open(path)
            assert first_line in _e001_lines(opened)
            fixed = text.replace("AccessTokenValidity: 60          #", "AccessTokenValidity: 1           #")
            seen: list[int | None] = []
            original = s.on_publish

            def record(params: types.PublishDiagnosticsParams) -> None:
                seen.append(params.version)
                original(params)

            s.on_publish = record  # type: ignore[method-assign]
            for _ in range(4):  # typed quickly: only the last version is checked
                s.change(path, text)
            last = s.change(path, fixed)
            after = await s.diagnostics(path.resolve().as_uri(), last)
            assert first_line not in _e001_lines(after)
            assert _e001_lines(after) == [n for n in _e001_lines(opened) if n != first_line]
            assert seen == [last]
            # the range spans the value on its line, the comment left out
            e001 = next(d for d in opened if d.code == "COG-E001" and d.range.start.line == first_line)
            assert (e001.range.start.character, e001.range.end.character) == (6, 29)
            assert e001.severity == types.DiagnosticSeverity.Error
            assert e001.code_description is not None and e001.code_description.href.endswith("#cog-e001")

    asyncio.run(run())
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == on_disk  # the server wrote nothing


def test_hover_shows_the_effective_validity_and_the_rules_docs(tmp_path: Path) -> None:
    yaml_path = _copy(E001, tmp_path / "cfn")
    tf_path = _copy(E001_TF, tmp_path / "tf", "main.tf")

    async def run() -> None:
        async with session(cwd=tmp_path) as s:
            for path, word in ((yaml_path, "AccessTokenValidity"), (tf_path, "access_token_validity")):
                diagnostics = await s.open(path)
                line = min(_e001_lines(diagnostics))
                text = await s.hover(path, line, 8)
                assert text is not None
                assert f"{word}: 60 → 60 hours; Cognito accepts 5 minutes to 1 day" in text
                assert "COG-E001" in text and "## Use instead" in text
                assert await s.hover(path, 0, 0) is None  # a line without a finding or a validity

    asyncio.run(run())


@pytest.mark.parametrize("kind", ["yaml", "json", "terraform"])
def test_suppress_action_silences_the_finding(kind: str, tmp_path: Path) -> None:
    if kind == "terraform":
        path = _copy(E001_TF, tmp_path, "main.tf")
    elif kind == "json":
        path = tmp_path / "t.json"
        template = parse_template(str(E001), E001.read_bytes())
        assert template is not None
        path.write_text(json.dumps(template.doc, indent=2) + "\n", encoding="utf-8")
    else:
        path = _copy(E001, tmp_path)

    async def run() -> None:
        async with session(cwd=tmp_path) as s:
            diagnostics = await s.open(path)
            target = next(d for d in diagnostics if d.code == "COG-E001")
            found = await s.code_actions(path, target.range, ["quickfix"])
            action = next(a for a in found if a.title.startswith("Suppress COG-E001"))
            assert action.edit is not None and action.edit.changes is not None
            text = apply(path.read_text(encoding="utf-8"), list(action.edit.changes[path.resolve().as_uri()]))
            after = await s.diagnostics(path.resolve().as_uri(), s.change(path, text))
            assert len(_e001_lines(after)) == len(_e001_lines(diagnostics)) - 1
            assert not [d for d in after if d.code is None and d.severity == types.DiagnosticSeverity.Error]

    asyncio.run(run())


def test_a_terraform_buffer_is_checked_with_its_module_from_disk(tmp_path: Path) -> None:
    module = tmp_path / "module"
    module.mkdir()
    (module / "pool.tf").write_text('resource "aws_cognito_user_pool" "pool" {\n  name = "p"\n}\n', encoding="utf-8")
    (module / "variables.tf").write_text('variable "hours" {\n  default = 60\n}\n', encoding="utf-8")
    client = module / "client.tf"  # not on disk: a new, unsaved file
    text = ('resource "aws_cognito_user_pool_client" "c" {\n  name = "c"\n'
            '  user_pool_id = aws_cognito_user_pool.pool.id\n  access_token_validity = var.hours\n}\n')

    async def run() -> None:
        async with session(cwd=tmp_path) as s:
            diagnostics = await s.open(client, text)
            assert _e001_lines(diagnostics) == [3]  # the variable's default, read from the other file on disk
            after = await s.diagnostics(client.resolve().as_uri(), s.change(client, text.replace("var.hours", "1")))
            assert _e001_lines(after) == []

    asyncio.run(run())
    assert not client.exists()


def test_a_hostile_buffer_never_stops_the_server(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    client = "Resources:\n  C:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: "
    deep = client + "[" * 50_000 + "\n"
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(12)) + client + "*m\n"
    broken = "Resources: {C: {Type: AWS::Cognito::UserPoolClient, Properties: 7"

    async def run() -> None:
        async with session(cwd=tmp_path) as s:
            said = await s.open(path, deep)
            for text in (laughs, broken):
                said += await s.diagnostics(path.resolve().as_uri(), s.change(path, text))
            assert len([d for d in said if d.severity == types.DiagnosticSeverity.Error and d.code is None]) >= 2
            ok = await s.diagnostics(path.resolve().as_uri(), s.change(path, E001.read_text(encoding="utf-8")))
            assert _e001_lines(ok)

    asyncio.run(run())
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_fix_edits_are_the_findings_edits_in_utf16() -> None:
    from cogcheck.lsp import actions
    from cogcheck.lsp.convert import Lines

    text = 'Description: "😀 x"\nResources:\n  C:\n    Properties: {AllowedOAuthFlows: [implicit]}\n'
    lines = Lines(text)
    edit = Edit("t.yaml", 1, 17, 1, 18, "y")  # the x after an astral character: code point 17, UTF-16 unit 17
    fix = Fix("safe", "say y", (edit,))
    finding = Finding("COG-X", "error", "m", "t.yaml", 1, 1, "C", "T", "P", fix=fix)
    (converted,) = actions.fix_edits(finding, lines) or []
    assert (converted.range.start.character, converted.range.end.character) == (17, 18)
    assert apply(text, [converted]).startswith('Description: "😀 y"')
    unsafe = Finding("COG-Y", "error", "m", "t.yaml", 1, 1, "C", "T", "P",
                     fix=Fix("unsafe", "u", (Edit("t.yaml", 2, 1, 2, 1, "#"),)))
    assert actions.fix_all_edits([finding, unsafe, finding], lines) == [converted]  # safe ones, each once


def test_code_actions_equal_scan_fix_edits(tmp_path: Path) -> None:
    files = _yaml_tree(tmp_path / "t")
    report = _scan_json(tmp_path / "t", cwd=tmp_path)
    fixed = [f for f in report["findings"] if f.get("fix")]
    if not fixed:
        pytest.skip("no shipped rule declares a fix yet (scan --format json reports none)")
    by_file: dict[Path, list[dict[str, Any]]] = {}
    for f in fixed:
        by_file.setdefault((tmp_path / f["file"]).resolve(), []).append(f)

    async def run() -> None:
        async with session(cwd=tmp_path) as s:
            for path in files:
                wanted = by_file.get(path.resolve())
                if not wanted:
                    continue
                text = path.read_text(encoding="utf-8")
                diagnostics = await s.open(path)
                for f in wanted:
                    at = next(d.range for d in diagnostics if d.code == f["rule_id"]  # the fixtures are ASCII
                              and (d.range.start.line, d.range.start.character) == (f["line"] - 1, f["column"] - 1))
                    found = await s.code_actions(path, at, ["quickfix"])
                    title = f"{f['rule_id']}: {f['fix']['description']} ({f['resource']})"
                    expected = _apply_json_edits(text, f["fix"]["edits"])
                    results = []  # one rule may fix two properties of one client on one line: one action each
                    for action in (a for a in found if a.title == title):
                        assert action.edit is not None and action.edit.changes is not None
                        results.append(apply(text, list(action.edit.changes[path.resolve().as_uri()])))
                    assert expected in results, (path, f)
                s.close(path)

    asyncio.run(run())


def _apply_json_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """The fix's edits (1-based lines, code-point columns) applied to ``text``, as ``scan --fix`` applies them."""
    lines = text.split("\n")

    def offset(position: dict[str, int]) -> int:
        return sum(len(line) + 1 for line in lines[: position["line"] - 1]) + position["column"] - 1

    for edit in sorted(edits, key=lambda e: (e["start"]["line"], e["start"]["column"]), reverse=True):
        text = text[: offset(edit["start"])] + edit["text"] + text[offset(edit["end"]):]
    return text


def test_without_pygls_the_command_says_how_to_install_it() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pygls', 'lsprotocol'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "sys.argv = ['cogcheck', 'lsp']\n"
        "from cogcheck.cli import main\n"
        "main()\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert run.returncode == 2
    assert "pip install 'cogcheck[lsp]'" in run.stderr


def test_the_editor_setups_start_cogcheck_lsp() -> None:
    """docs/editors.md: each editor's block parses and starts `cogcheck lsp` (the docs walk runs no editor)."""
    import re
    import tomllib

    text = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```(\w+)\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    settings = [json.loads(body) for kind, body in blocks if kind == "json"]
    assert settings[0]["glspc.server.command"] == "cogcheck" and settings[0]["glspc.server.commandArguments"] == ["lsp"]
    assert settings[1]["lsp"]["cogcheck"]["binary"] == {"path": "cogcheck", "arguments": ["lsp"]}
    (helix,) = [tomllib.loads(body) for kind, body in blocks if kind == "toml"]
    assert helix["language-server"]["cogcheck"] == {"command": "cogcheck", "args": ["lsp"]}
    assert all("cogcheck" in language["language-servers"] for language in helix["language"])
    (lua,) = [body for kind, body in blocks if kind == "lua"]
    assert 'cmd = { "cogcheck", "lsp" }' in lua


SPAN_YAML = """Resources:
  C:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: x
      AccessTokenValidity: 60   # a comment is not the value
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthFlows:
        - implicit
        - code
      AllowedOAuthScopes: [openid]
      CallbackURLs:
        - http://example.com/cb
"""
SPAN_FLOW = ("Resources: {C: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: x, "
             "AccessTokenValidity: 60, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: [implicit, code], "
             "AllowedOAuthScopes: [openid], CallbackURLs: ['http://example.com/cb']}}}\n")
SPAN_TF = """resource "aws_cognito_user_pool_client" "c" {
  name                                 = "c"
  user_pool_id                         = "x"
  access_token_validity                = 60 # a comment is not the value
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows = [
    "implicit", "code",
  ]
  allowed_oauth_scopes = ["openid"]
  callback_urls        = ["http://example.com/cb"]
}
"""


@pytest.mark.parametrize("name", ["block.yaml", "flow.yaml", "t.json", "main.tf"])
def test_a_diagnostic_spans_the_whole_value_as_the_parser_reads_it(name: str, tmp_path: Path) -> None:
    from cogcheck.lsp import convert
    from cogcheck.lsp.check import Checker
    from cogcheck.lsp.server import _ends

    text = {"block.yaml": SPAN_YAML, "flow.yaml": SPAN_FLOW, "main.tf": SPAN_TF,
            "t.json": json.dumps(parse_template("t.yaml", SPAN_YAML.encode()).doc, indent=2)}[name]  # type: ignore[union-attr]
    path = tmp_path / name
    outcome = Checker(isolated=True).check(path, text)
    lines, ends = convert.Lines(text), _ends(path, text)

    def offset(at: types.Position) -> int:
        return len(apply(text, [types.TextEdit(range=types.Range(start=at, end=at), new_text="\0")]).split("\0")[0])

    def spanned(rule: str) -> str:
        finding = next(f for f in outcome.findings if f.rule_id == rule)
        at = convert.finding_range(finding, lines, ends)
        return text[offset(at.start):offset(at.end)]

    quote = '"' if name == "t.json" else ""
    flows = {"block.yaml": "AllowedOAuthFlows:\n        - implicit\n        - code",
             "flow.yaml": "AllowedOAuthFlows: [implicit, code]",
             "t.json": '"AllowedOAuthFlows": [\n          "implicit",\n          "code"\n        ]',
             "main.tf": 'allowed_oauth_flows = [\n    "implicit", "code",\n  ]'}[name]
    assert spanned("COG-S001") == flows  # a list over several lines, or in flow style, to its end
    if name == "main.tf":
        assert spanned("COG-E001") == "access_token_validity                = 60"
        assert spanned("COG-S004") == 'resource "aws_cognito_user_pool_client" "c"'  # absent: the resource
    else:
        assert spanned("COG-E001") == f"{quote}AccessTokenValidity{quote}: 60"  # the comment left out
        assert spanned("COG-E015") == {"flow.yaml": "'http://example.com/cb'", "t.json": '"http://example.com/cb"'}.get(
            name, "http://example.com/cb")  # a list item
        assert spanned("COG-S004") == f"{quote}C{quote}"  # an absent property: its resource's key alone


@pytest.mark.parametrize("source", [
    FIXTURES / "rules" / "COG-E027" / "fail_no_dependency.yaml",
    FIXTURES / "terraform" / "rules" / "COG-E027" / "fail_no_dependency.tf",
    FIXTURES / "rules" / "COG-E028" / "fail_custom.yaml",
], ids=["provider-yaml", "provider-terraform", "pool-yaml"])
def test_a_cross_resource_finding_relates_the_resource_it_names(source: Path, tmp_path: Path) -> None:
    path = _copy(source, tmp_path, "main.tf" if source.suffix == ".tf" else None)
    text = path.read_text(encoding="utf-8")
    rule = source.parent.name

    async def run() -> list[types.Diagnostic]:
        async with session(cwd=tmp_path) as s:
            return [d for d in await s.open(path) if d.code == rule]

    found = asyncio.run(run())
    assert found
    for diagnostic in found:
        assert diagnostic.related_information, diagnostic
        for related in diagnostic.related_information:
            assert related.location.uri == path.resolve().as_uri()
            kind, name = related.message.rsplit(" ", 1)
            assert kind in ("the identity provider", "the user pool") and name in diagnostic.message
            defined = text.split("\n")[related.location.range.start.line]
            assert defined.strip().startswith((f"{name}:", 'resource "aws_cognito_identity_provider" "'
                                               f'{name.split(".")[-1]}"')), defined


_PROPS = {"UserPoolId": "x", "AccessTokenValidity": 60}
_KEPT = {"id": "COG-S004", "reason": "kept"}
SUPPRESSIBLE = {
    "flow": "Resources: {C: {Type: AWS::Cognito::UserPoolClient,\n"
            "  Properties: {UserPoolId: x, AccessTokenValidity: 60}}}\n",
    "flow-metadata": "Resources: {C: {Type: AWS::Cognito::UserPoolClient, Metadata: {Owner: me},\n"
                     "  Properties: {UserPoolId: x, AccessTokenValidity: 60}}}\n",
    "flow-ignore": "Resources: {C: {Type: AWS::Cognito::UserPoolClient, Properties: {UserPoolId: x, "
                   "AccessTokenValidity: 60},\n  Metadata: {cogcheck: {ignore: [{id: COG-S004, reason: kept}]}}}}\n",
    "block-ignore": "Resources:\n  C:\n    Type: AWS::Cognito::UserPoolClient\n    Metadata:\n      cogcheck:\n"
                    "        ignore:\n          - {id: COG-S004, reason: kept}\n    Properties:\n      UserPoolId: x\n"
                    "      AccessTokenValidity: 60\n",
    "block-empty-metadata": "Resources:\n  C:\n    Type: AWS::Cognito::UserPoolClient\n    Metadata: {}\n"
                            "    Properties:\n      UserPoolId: x\n      AccessTokenValidity: 60\n",
    "json-metadata": json.dumps({"Resources": {"C": {"Type": "AWS::Cognito::UserPoolClient",
                                                     "Metadata": {"Owner": "me"}, "Properties": _PROPS}}}, indent=2),
    "json-ignore": json.dumps({"Resources": {"C": {"Type": "AWS::Cognito::UserPoolClient", "Properties": _PROPS,
                                                   "Metadata": {"cogcheck": {"ignore": [_KEPT]}}}}}, indent=2),
    "json-cogcheck": json.dumps({"Resources": {"C": {"Type": "AWS::Cognito::UserPoolClient", "Properties": _PROPS,
                                                     "Metadata": {"cogcheck": {}}}}}),
}


@pytest.mark.parametrize("name", sorted(SUPPRESSIBLE))
def test_suppress_merges_into_the_metadata_the_resource_has_in_its_style(name: str, tmp_path: Path) -> None:
    from cogcheck.lsp import actions, convert
    from cogcheck.lsp.check import Checker

    text = SUPPRESSIBLE[name]
    path = tmp_path / ("t.json" if name.startswith("json") else "t.yaml")
    checker = Checker(isolated=True)
    before = checker.check(path, text)
    assert not before.errors
    finding = next(f for f in before.findings if f.rule_id == "COG-E001")
    edit = actions.suppression_edit(finding, convert.Lines(text), "template")
    assert edit is not None
    after_text = apply(text, [edit])
    doc = parse_template(str(path), after_text.encode())
    assert doc is not None
    metadata = doc.resources["C"]["Metadata"]
    assert metadata["cogcheck"]["ignore"][-1] == {"id": "COG-E001", "reason": actions.REASON}
    assert len([k for k in doc.resources["C"] if k == "Metadata"]) == 1
    if "metadata" in name:
        assert metadata["Owner" if name != "block-empty-metadata" else "cogcheck"]  # merged, not replaced
    if "ignore" in name:
        assert metadata["cogcheck"]["ignore"][0] == _KEPT
    after = checker.check(path, after_text)
    assert not after.errors and not [f for f in after.findings if f.rule_id == "COG-E001"]
    added = after_text.count("\n") - text.count("\n")
    assert added == {"block-ignore": 1, "json-metadata": 1, "json-ignore": 1}.get(name, 0)  # each in its own style


def test_a_terraform_buffers_fixes_edit_the_buffer_not_the_file_on_disk(tmp_path: Path) -> None:
    from cogcheck.lsp.check import Checker

    def edits(path: Path, buffer: str, moved: int) -> list[tuple[Any, ...]]:
        found = Checker(isolated=True).check(path, buffer, True).findings
        return [tuple((e.start_line - moved, e.start_column, e.end_line - moved, e.end_column, e.text)
                      for e in f.fix.edits) for f in found if f.fix is not None]

    compared = 0
    for source in sorted((FIXTURES / "terraform" / "rules").glob("*/fail_*.tf"))[::3]:
        path = _copy(source, tmp_path / source.parent.name / source.stem, "main.tf")
        text = path.read_text(encoding="utf-8")
        on_disk = edits(path, text, 0)
        compared += len(on_disk)
        assert edits(path, "# unsaved\n# lines\n" + text, 2) == on_disk, source  # lines the disk does not have
    assert compared > 10


def _cfn_lsp_extra() -> str | None:
    return os.environ.get("COGCHECK_CFN_LSP_EXTRA") or shutil.which("cfn-lsp-extra")


@pytest.mark.skipif(_cfn_lsp_extra() is None, reason="cfn-lsp-extra is not installed: it needs aws-sam-translator and "
                    "an older attrs than the project's environment, so it lives in an environment of its own; set "
                    "COGCHECK_CFN_LSP_EXTRA to its executable (that environment needs cogcheck's dependencies)")
def test_cfn_lsp_extra_shows_the_cfn_lint_plugins_findings_with_append_rules(tmp_path: Path) -> None:
    from pygls.lsp.client import LanguageClient

    path = _copy(E001, tmp_path, "template.yaml")
    (tmp_path / ".cfnlintrc.yaml").write_text("append_rules:\n  - cogcheck.cfnlint_rules\n", encoding="utf-8")
    expected = {f["line"] for f in _scan_json(path, cwd=tmp_path)["findings"]}

    async def run() -> list[types.Diagnostic]:
        client = LanguageClient("cogcheck-tests", "1")
        published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(params: types.PublishDiagnosticsParams) -> None:
            published.put_nowait(params)

        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        await client.start_io(str(_cfn_lsp_extra()), cwd=str(tmp_path), env=env)
        try:
            await client.initialize_async(types.InitializeParams(
                capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri(), process_id=os.getpid()))
            client.initialized(types.InitializedParams())
            client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="yaml", version=1, text=path.read_text(encoding="utf-8"))))
            diagnostics = list((await asyncio.wait_for(published.get(), 120)).diagnostics)
            await asyncio.wait_for(client.shutdown_async(None), 30)
            client.exit(None)
            return diagnostics
        finally:
            await asyncio.wait_for(client.stop(), 30)

    diagnostics = asyncio.run(run())
    assert {d.range.start.line + 1 for d in diagnostics} == expected  # cogcheck's findings, through cfn-lint
    assert any("Cognito accepts 5 minutes to 1 day" in d.message for d in diagnostics)
