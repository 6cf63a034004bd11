"""CDK cloud assemblies: discovery, metadata, construct paths, source lines, nested stacks (fixture app)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cogcheck.findings import Finding, Source
from cogcheck.inputs.cdk.metadata import FrameFilter, display_path
from cogcheck.inputs.discover import TemplateInput, discover
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan
from cogcheck.scan.result import ScanResult
from tests.helpers import FIXTURES, ROOT

CDK = FIXTURES / "cdk"
ASSEMBLIES = CDK / "assemblies"
APP = CDK / "app.py"
MODES = ("clilike", "default")

#: (stack, construct path) of every client of the fixture app.
CLIENTS = {
    ("Auth", "Auth/Users/Web"),
    ("Auth", "Auth/Users/Mobile"),
    ("Auth", "Auth/Users/Partner"),
    ("Auth", "Auth/Legacy"),
    ("Prod/Api", "Prod/Api/Pool/App"),
    ("Prod/Api", "Prod/Api/Reports"),
    ("Prod/Api/Nested", "Prod/Api/Nested/Internal"),
    ("Prod/Api/Nested", "Prod/Api/Nested/Batch"),
    ("Prod/Api/Nested", "Prod/Api/Nested/Federated"),
}


def run(*paths: Path | str, **options: object) -> ScanResult:
    return scan([str(p) for p in paths], ScanOptions(**options))  # type: ignore[arg-type]


def clients_seen(result: ScanResult) -> set[tuple[str | None, str | None]]:
    """(stack, construct path) of every client with a finding (every fixture client has some)."""
    return {(f.stack, f.construct_path) for f in result.findings}


def app_line(text: str, after: str | None = None) -> int:
    """1-based line of app.py that contains ``text`` (the first one after the line containing ``after``)."""
    lines = APP.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def only(result: ScanResult, rule_id: str, construct_path: str) -> Finding:
    found = [f for f in result.findings if f.rule_id == rule_id and f.construct_path == construct_path]
    assert len(found) == 1, [(f.rule_id, f.construct_path) for f in result.findings]
    return found[0]


# ----------------------------------------------------------------------------------------------------- discovery


@pytest.mark.parametrize("mode", MODES)
def test_every_client_of_stages_and_nested_stacks_once(mode: str) -> None:
    result = run(ASSEMBLIES / mode)
    assert not result.errors and not result.notices, (result.errors, result.notices)
    assert (result.templates, result.clients) == (3, 9)
    assert clients_seen(result) == CLIENTS
    assert {f.file for f in result.findings} == {
        f"{ASSEMBLIES / mode}/Auth.template.json",
        f"{ASSEMBLIES / mode}/assembly-Prod/ProdApi2466CF1F.template.json",
        f"{ASSEMBLIES / mode}/assembly-Prod/ProdApiNested18379C46.nested.template.json",
    }


def test_inputs_name_their_stacks_and_never_repeat(tmp_path: Path) -> None:
    copy = tmp_path / "cdk.out"
    shutil.copytree(ASSEMBLIES / "clilike", copy)
    named = [str(copy), str(copy / "manifest.json"), str(copy / "Auth.template.json"), str(tmp_path)]
    found = [i for i in discover(named) if isinstance(i, TemplateInput)]
    assert len({i.path.resolve() for i in found}) == len(found)  # each file once, as a stack or as a loose file
    items = [i for i in found if i.stack is not None]  # the other files of cdk.out are scanned as loose files
    assert [(i.file.replace(str(tmp_path), "T"), i.stack) for i in items] == [  # in the manifests' order
        ("T/cdk.out/assembly-Prod/ProdApi2466CF1F.template.json", "Prod/Api"),
        ("T/cdk.out/assembly-Prod/ProdApiNested18379C46.nested.template.json", "Prod/Api/Nested"),
        ("T/cdk.out/Auth.template.json", "Auth"),
    ]
    assert items[1].parameters == {"RefreshDays": "9000"}
    assert run(*named).clients == 9


def test_default_path_finds_cdk_out_of_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "app"
    shutil.copytree(ASSEMBLIES / "default", project / "cdk.out")
    (project / "cdk.json").write_text('{"app": "python app.py"}', encoding="utf-8")
    (project / "node_modules" / "x").mkdir(parents=True)
    monkeypatch.chdir(project)
    result = run(".")
    assert result.clients == 9 and not result.errors
    assert {f.file.split("/")[0] for f in result.findings} == {"cdk.out"}


def test_walk_hands_assemblies_over_and_still_scans_loose_templates(tmp_path: Path) -> None:
    shutil.copytree(ASSEMBLIES / "default", tmp_path / "infra" / "cdk.out")
    loose = tmp_path / "templates" / "client.yaml"
    loose.parent.mkdir()
    loose.write_text(
        "Resources:\n  C:\n    Type: AWS::Cognito::UserPoolClient\n    Properties: {UserPoolId: x, IdTokenValidity: 90,"
        " TokenValidityUnits: {IdToken: days}}\n",
        encoding="utf-8",
    )
    result = run(tmp_path)
    assert result.clients == 10 and not result.errors
    assert any(f.stack is None and f.file.endswith("client.yaml") for f in result.findings)


def test_other_artifact_types_are_ignored_and_files_outside_the_manifest_are_loose_templates(tmp_path: Path) -> None:
    copy = tmp_path / "cdk.out"
    shutil.copytree(ASSEMBLIES / "default", copy)
    shutil.copy(copy / "Auth.template.json", copy / "Stale.template.json")  # left by an older synth
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["artifacts"]["Tree"] = {"type": "cdk:tree", "properties": {"file": "../../etc/passwd"}}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    result = run(copy)
    # A template the manifest does not name is no stack of the assembly, but it is scanned: a manifest hides nothing
    # (it was left out before, so a hand-written manifest.json could hide a tree; issue 19).
    assert result.clients == 9 + 4 and not result.errors
    assert {f.stack for f in result.findings if f.file.endswith("Stale.template.json")} == {None}


# ------------------------------------------------------------------------------------------- metadata and paths


def test_construct_paths_stack_names_and_full_paths_in_json() -> None:
    result = run(ASSEMBLIES / "clilike")
    web = only(result, "COG-S019", "Auth/Users/Web")
    assert web.extra == {"construct_path_full": "Auth/Users/Web/Resource", "client_role": "public"}
    legacy = only(result, "COG-E002", "Auth/Legacy")
    assert legacy.stack == "Auth" and legacy.resource == "Legacy"
    assert legacy.as_json()["construct_path_full"] == "Auth/Legacy"
    reports = only(result, "COG-E023", "Prod/Api/Reports")
    assert reports.as_json()["stack_name"] == "Prod-Api"
    nested = only(result, "COG-E003", "Prod/Api/Nested/Batch")
    assert nested.stack == "Prod/Api/Nested" and "stack_name" not in nested.extra


def test_metadata_and_path_metadata_agree() -> None:
    """Bare ``app.synth()`` writes no ``aws:cdk:path``; the metadata's logical ids give the same construct paths."""

    def identities(mode: str) -> set[tuple[str, str | None, str | None, str, str]]:
        return {(f.rule_id, f.stack, f.construct_path, f.resource, f.property) for f in run(ASSEMBLIES / mode).findings}

    assert identities("clilike") == identities("default")


def test_inline_metadata_of_older_cdk_and_nested_template_by_asset_hash(tmp_path: Path) -> None:
    """aws-cdk-lib 2.150: metadata inline in the manifest, no ``aws:cdk:templateFile`` entries, no asset path."""
    copy = tmp_path / "cdk.out"
    shutil.copytree(ASSEMBLIES / "default", copy)
    for manifest_path in (copy / "manifest.json", copy / "assembly-Prod" / "manifest.json"):
        manifest = json.loads(manifest_path.read_text())
        for artifact in manifest["artifacts"].values():
            name = artifact.pop("additionalMetadataFile", None)
            if name:
                entries = json.loads((manifest_path.parent / name).read_text())
                (manifest_path.parent / name).unlink()
                artifact["metadata"] = {
                    path: [e for e in items if e["type"] != "aws:cdk:templateFile"] for path, items in entries.items()
                }
        manifest["version"] = "36.0.0"
        manifest_path.write_text(json.dumps(manifest))
    assert "aws:asset:path" not in (copy / "assembly-Prod" / "ProdApi2466CF1F.template.json").read_text()
    result = run(copy)
    assert not result.errors and not result.notices
    assert clients_seen(result) == CLIENTS


def test_metadata_file_then_inline_entries(tmp_path: Path) -> None:
    copy = tmp_path / "cdk.out"
    shutil.copytree(ASSEMBLIES / "default", copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    entries = json.loads((copy / "Auth.metadata.json").read_text())
    legacy = entries.pop("/Auth/Legacy")
    (copy / "Auth.metadata.json").write_text(json.dumps(entries))
    manifest["artifacts"]["Auth"]["metadata"] = {"/Auth/Renamed": legacy}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert only(run(copy), "COG-E002", "Auth/Renamed").resource == "Legacy"


def test_path_metadata_is_the_fallback(tmp_path: Path) -> None:
    copy = tmp_path / "cdk.out"
    shutil.copytree(ASSEMBLIES / "clilike", copy)
    (copy / "Auth.metadata.json").write_text("{}")
    result = run(copy)
    assert only(result, "COG-E002", "Auth/Legacy").source is None  # the frames went with the metadata
    assert ("Auth", "Auth/Users/Mobile") in clients_seen(result)


def test_display_path_drops_the_default_child_only() -> None:
    assert display_path("/Prod/Api/Pool/App/Resource") == "Prod/Api/Pool/App"
    assert display_path("/Auth/Legacy") == "Auth/Legacy"
    assert display_path("/Auth/Resources") == "Auth/Resources"


# -------------------------------------------------------------------------------------------------- source lines


def test_escape_hatch_and_creation_lines_point_into_the_app() -> None:
    result = run(ASSEMBLIES / "clilike")  # committed with repository-relative frames; the git root is the root
    app = APP.relative_to(ROOT).as_posix()
    override = only(result, "COG-E001", "Auth/Users/Mobile")
    assert override.source == Source(app, app_line('add_property_override("AccessTokenValidity"'))
    legacy = only(result, "COG-E002", "Auth/Legacy")
    assert legacy.source == Source(app, app_line("cognito.CfnUserPoolClient(", after="# L1"))
    nested = only(result, "COG-E003", "Prod/Api/Nested/Batch")
    assert nested.source == Source(app, app_line("cognito.CfnUserPoolClient(", after="passed by the parent"))
    assert all(f.source is not None and f.source.file == app for f in result.findings)


def test_without_frames_there_are_no_source_lines() -> None:
    assert all(f.source is None for f in run(ASSEMBLIES / "default").findings)


def test_absolute_frames_are_made_relative_to_the_source_root(tmp_path: Path) -> None:
    copy = tmp_path / "cdk.out"
    shutil.copytree(ASSEMBLIES / "clilike", copy)
    for path in copy.rglob("*.metadata.json"):  # as synthesized: absolute paths
        path.write_text(path.read_text().replace("(tests/fixtures/cdk/", "(/elsewhere/project/"))
    assert all(f.source is None for f in run(copy).findings)  # outside the default root
    result = run(copy, source_root=Path("/elsewhere/project"))
    assert only(result, "COG-E002", "Auth/Legacy").source == Source(
        "app.py", app_line("cognito.CfnUserPoolClient(", after="# L1")
    )


def test_text_report_shows_stack_construct_and_source_line() -> None:
    from cogcheck.report import text

    output = text.render(run(ASSEMBLIES / "clilike"))
    line = next(line for line in output.splitlines() if "COG-E001" in line)
    number = app_line('add_property_override("AccessTokenValidity"')
    assert line.endswith(f"at tests/fixtures/cdk/app.py:{number} [Auth/Users/Mobile]")


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ("__init__ (/repo/app.py:18)", Source("app.py", 18)),
        ("new ApiStack (/repo/lib/api.ts:12:5)", Source("lib/api.ts", 12)),
        ("at Object.<anonymous> (/repo/bin/app.js:20:1)", Source("bin/app.js", 20)),
        ("/repo/bin/app.js:7:3", Source("bin/app.js", 7)),
        ("file:///repo/bin/app.mjs:4:1", Source("bin/app.mjs", 4)),
        ("lib/api.ts:3", Source("lib/api.ts", 3)),
        ("new UserPool (/repo/node_modules/aws-cdk-lib/aws-cognito/lib/user-pool.js:1:2)", None),
        ("f (/repo/.venv/lib/python3.11/site-packages/jsii/_kernel/__init__.py:383)", None),
        ("f (/tmp/jsii-kernel-abc/lib/program.js:1:1)", None),
        ("Module._compile (node:internal/modules/cjs/loader:1554:14)", None),
        ("g (/elsewhere/app.py:3)", None),
        ("g (/repo/../elsewhere/app.py:3)", None),
        ("g (../app.py:3)", None),
        ("...jsii runtime, node internals...", None),
        ("(no user code in 10 frames, use --stack-trace-limit to capture more)", None),
    ],
)
def test_frames(frame: str, expected: Source | None) -> None:
    assert FrameFilter(Path("/repo")).frame(frame) == expected


def test_javascript_frames_by_default(shared: Path) -> None:
    result = run(shared / "formats" / "assemblies" / "js_clilike", source_root=Path("/home/user/app"))
    assert only(result, "COG-E001", "CognitoStack/RawClient").source == Source("app.js", 9)


# ------------------------------------------------------------------------------------------------- nested stacks


def test_parent_passes_literal_parameters() -> None:
    """RefreshDays is 9000 only because the parent says so; the child alone would abstain."""
    finding = only(run(ASSEMBLIES / "default"), "COG-E003", "Prod/Api/Nested/Batch")
    assert "9000 days" in finding.message


def test_nested_client_sees_the_parents_pool_and_providers() -> None:
    """Federated names the parent's "Okta" provider and its stack does not wait for it: found through the link."""
    finding = only(run(ASSEMBLIES / "clilike"), "COG-E027", "Prod/Api/Nested/Federated")
    assert "OktaAEAF4CA7" in finding.message


def test_without_the_link_the_nested_client_abstains(monkeypatch: pytest.MonkeyPatch) -> None:
    import cogcheck.inputs.cdk.assembly as assembly
    from cogcheck.inputs.cdk.nested import ParentLink

    monkeypatch.setattr(assembly, "parent_link", lambda doc, logical_id: ParentLink())
    result = run(ASSEMBLIES / "clilike")
    assert not [f for f in result.findings if f.rule_id == "COG-E027" and f.stack == "Prod/Api/Nested"]


def _nested_pair(tmp_path: Path, stack_extra: dict[str, object]) -> Path:
    """A hand-made assembly: the pool and a provider in the parent, a client naming it in the nested stack."""
    out = tmp_path / "cdk.out"
    out.mkdir(parents=True)
    (out / "cdk.out").write_text('{"version":"55.0.0"}')
    parent = {
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": {"Ref": "Name"}}},
            "Idp": {
                "Type": "AWS::Cognito::UserPoolIdentityProvider",
                "Properties": {"UserPoolId": {"Ref": "Pool"}, "ProviderName": "Okta", "ProviderType": "OIDC"},
            },
            "Child": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": "https://x/y.json", "Parameters": {"PoolParam": {"Ref": "Pool"}}},
                "Metadata": {"aws:asset:path": "ParentChild.nested.template.json"},
                **stack_extra,
            },
        },
        "Parameters": {"Name": {"Type": "String"}},
    }
    child = {
        "Parameters": {"PoolParam": {"Type": "String"}, "Name": {"Type": "String", "Default": "x"}},
        "Resources": {
            "Client": {
                "Type": "AWS::Cognito::UserPoolClient",
                "Properties": {"UserPoolId": {"Ref": "PoolParam"}, "SupportedIdentityProviders": ["Okta"]},
            }
        },
    }
    (out / "Parent.template.json").write_text(json.dumps(parent))
    (out / "ParentChild.nested.template.json").write_text(json.dumps(child))
    manifest = {
        "version": "55.0.0",
        "artifacts": {
            "Parent": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Parent.template.json"}}
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def test_nested_stack_that_waits_for_the_provider_is_no_finding(tmp_path: Path) -> None:
    waits = run(_nested_pair(tmp_path / "a", {"DependsOn": "Idp"}))
    races = run(_nested_pair(tmp_path / "b", {}))
    assert [f.stack for f in races.findings if f.rule_id == "COG-E027"] == ["Parent/Child"]
    assert not [f for f in waits.findings if f.rule_id == "COG-E027"]
    assert waits.clients == races.clients == 1 and not waits.errors


def test_a_name_clash_leaves_the_child_alone(tmp_path: Path) -> None:
    out = _nested_pair(tmp_path, {})
    child = json.loads((out / "ParentChild.nested.template.json").read_text())
    child["Resources"]["Idp"] = {"Type": "AWS::SNS::Topic"}
    (out / "ParentChild.nested.template.json").write_text(json.dumps(child))
    assert not [f for f in run(out).findings if f.rule_id == "COG-E027"]


def test_the_parents_values_are_unknown_in_the_child(tmp_path: Path) -> None:
    from cogcheck.inputs.cdk.nested import UNKNOWN_IN_CHILD, parent_link

    out = _nested_pair(tmp_path, {})
    link = parent_link(json.loads((out / "Parent.template.json").read_text()), "Child")
    assert link.renames == {"PoolParam": "Pool"} and link.waits_for == ["Pool"]
    assert link.resources["Pool"]["Properties"]["UserPoolName"] == {UNKNOWN_IN_CHILD: "Ref"}
    assert set(link.resources) == {"Pool", "Idp"}


def test_no_absolute_paths_are_committed() -> None:
    for path in ASSEMBLIES.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert str(ROOT) not in text, path
            assert not re.search(r"\((/|[A-Za-z]:\\)|\"(/tmp|/work|/home|/root|/Users|/var)/", text), path
    assert not list(ASSEMBLIES.rglob("tree.json")) and not list(ASSEMBLIES.rglob("asset.*"))


def test_a_stack_template_named_alone_keeps_its_assembly_context() -> None:
    nested = ASSEMBLIES / "clilike" / "assembly-Prod" / "ProdApiNested18379C46.nested.template.json"
    result = run(nested)
    assert result.templates == 1 and result.clients == 3
    assert {f.stack for f in result.findings} == {"Prod/Api/Nested"}
    assert only(result, "COG-E003", "Prod/Api/Nested/Batch").source is not None  # parameters from the parent
    assert only(result, "COG-E027", "Prod/Api/Nested/Federated")  # the parent's provider
