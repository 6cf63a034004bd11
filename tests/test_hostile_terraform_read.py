"""Hostile Terraform directories built to hide a client from the reader or to stall it: each one is scanned beside a
sentinel template, and the hidden client is reported (or exit 2 says why it could not be). Speed is measured by
bench/hostile.py; here a subprocess with a generous timeout is only the safety net."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cogcheck.inputs.terraform import hcl, module
from cogcheck.inputs.terraform.lexer import prepare
from cogcheck.inputs.terraform.mapping import TYPES
from tests.hostile import assert_held, run, run_process, sentinel

POOL = 'resource "aws_cognito_user_pool" "pool" {\n  name = "app"\n}\n'


def client(name: str = "hidden", pool: str = "aws_cognito_user_pool.pool.id") -> str:
    """A client whose ``access_token_validity`` (its 4th line) is out of range: COG-E001 there."""
    return (f'resource "aws_cognito_user_pool_client" "{name}" {{\n  name = "{name}"\n  user_pool_id = {pool}\n'
            "  access_token_validity = 25\n}\n")


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def e001(result: Any) -> list[tuple[str, int, str]]:
    """(file name, line, address) of each COG-E001 finding outside the sentinel."""
    return sorted((Path(f["file"]).name, f["line"], f["resource"]) for f in result.report["findings"]
                  if f["rule_id"] == "COG-E001" and not f["file"].endswith("sentinel.yaml"))


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


# ------------------------------------------------------------------------------------------ comments and strings


MULTILINE = 'locals {\n  joined = "${\n  1}"\n}\n'  # HCL allows it; the parser does not: the text is rewritten


@pytest.mark.parametrize("comment", [
    '/* "${ */ #\n',  # the reproducer: the old rewrite read a string from the comment and joined the client into "#"
    '# "${\n',
    '// "${ {{\n',
    '/* "${\n } */\n',
])
def test_a_brace_in_a_comment_cannot_move_a_client_into_one(tmp_path: Path, comment: str) -> None:
    text = MULTILINE + comment + client() + '# } "\n'
    write(tmp_path, {"pool.tf": POOL, "main.tf": text})
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    assert e001(result) == [("main.tf", line_of(text, "access_token_validity"), "aws_cognito_user_pool_client.hidden")]


def test_heredocs_and_strings_holding_braces_and_quotes_are_skipped_whole(tmp_path: Path) -> None:
    heredoc = 'locals {\n  doc = <<-EOT\n    "$${x} /* } #\n    EOT\n  s = "} \\" ${"}"} $${x} /*"\n}\n'
    text = MULTILINE + heredoc + client()
    write(tmp_path, {"pool.tf": POOL, "main.tf": text})
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    assert e001(result) == [("main.tf", line_of(text, "access_token_validity"), "aws_cognito_user_pool_client.hidden")]


def test_the_lexer_keeps_lines_and_blanks_comments_inside_interpolations() -> None:
    text = 'x = "${a # c }\n  b}" # after\ny = 1\n'
    lexed = prepare(text, TYPES)
    assert lexed.text.count("\n") == text.count("\n") and lexed.joined == 1
    assert lexed.text.splitlines()[0] == 'x = "${a' + " " * 9 + 'b}"'  # the comment is blanked, the newline moved
    assert lexed.text.splitlines()[2] == "y = 1"


@pytest.mark.parametrize("text", ['x = "open\n', "x = <<EOT\nno end\n", "/* open\n", "}\n", "a = {\n"])
def test_what_the_lexer_cannot_follow_is_left_to_the_parser(text: str) -> None:
    assert prepare(text, TYPES).text == text


def test_unread_blocks_are_left_out_but_never_one_that_names_a_cognito_type() -> None:
    text = ('data "aws_caller_identity" "me" {\n  x = "}"\n}\n'
            'resource "aws_s3_bucket" "b" {\n  depends_on = [aws_cognito_user_pool_client.hidden]\n}\n'
            'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n' + client())
    lexed = prepare(text, TYPES)
    assert [(s.keyword, s.labels, s.line, s.end_line) for s in lexed.skipped] == [
        ("data", ("aws_caller_identity", "me"), 1, 3), ("resource", ("aws_sns_topic", "t"), 7, 9)]
    assert lexed.text.count("\n") == text.count("\n") and "aws_s3_bucket" in lexed.text
    blocks = hcl.parse_hcl("main.tf", text)
    assert [(b.kind, b.labels, b.line) for b in blocks] == [
        ("data", ("aws_caller_identity", "me"), 1), ("resource", ("aws_s3_bucket", "b"), 4),
        ("resource", ("aws_sns_topic", "t"), 7), ("resource", ("aws_cognito_user_pool_client", "hidden"), 10)]
    assert blocks[-1].attributes["access_token_validity"].line == 13


# --------------------------------------------------------------------------------------------------- modules


def test_a_module_in_a_hidden_directory_is_followed(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'module "m" {\n  source = "./.mod"\n}\n', ".mod/c.tf": POOL + client()})
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    assert e001(result) == [("c.tf", 7, "module.m.aws_cognito_user_pool_client.hidden")]


def test_a_hidden_module_calling_a_listed_one_makes_the_caller_the_only_root(tmp_path: Path) -> None:
    write(tmp_path, {
        "root/main.tf": 'module "m" {\n  source = "../.hidden"\n}\n',
        ".hidden/main.tf": 'module "shared" {\n  source = "../shared"\n}\n',
        "shared/c.tf": POOL + client(),
    })
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    assert e001(result) == [("c.tf", 7, "module.m.module.shared.aws_cognito_user_pool_client.hidden")]


@pytest.mark.parametrize(("source", "why"), [
    ('"./missing"', "is not a directory"),
    ('"../outside"', "is outside the scanned paths"),
    ('"./${var.x}"', "is not a literal string"),
])
def test_a_module_call_that_cannot_be_read_is_an_error_naming_it(tmp_path: Path, source: str, why: str) -> None:
    scanned = write(tmp_path / "scanned", {"main.tf": f'variable "x" {{}}\nmodule "m" {{\n  source = {source}\n}}\n'})
    write(tmp_path, {"outside/c.tf": POOL + client()})
    sentinel(scanned)
    result = run(str(scanned), "-f", "json")
    assert_held(result, errors=True)
    assert "main.tf:3: module.m: " in result.stderr and why in result.stderr, result.stderr


def test_more_files_than_read_in_a_module_directory_is_an_error(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(module, "MAX_FILES", 3)
    write(tmp_path, {f"f{i}.tf": "" for i in range(4)} | {"z.tf": POOL + client()})
    config = module.load_configuration(tmp_path, "d", tmp_path)
    assert [message for _file, _line, message in config.errors] == [
        "more than 3 Terraform files: only the first 3 are read"]


def test_a_module_called_60_times_is_parsed_once(tmp_path: Path, monkeypatch: Any) -> None:
    calls = "".join(f'module "m{i}" {{\n  source = "./mod"\n  pool = aws_cognito_user_pool.pool.id\n}}\n'
                    for i in range(60))
    write(tmp_path, {"main.tf": POOL + calls, "mod/c.tf": 'variable "pool" {}\n' + client(pool="var.pool")})
    parsed: list[str] = []
    original = module.parse_file

    def counting(file: str, data: bytes) -> list[hcl.Block]:
        parsed.append(file)
        return original(file, data)

    monkeypatch.setattr(module, "parse_file", counting)
    config = module.load_configuration(tmp_path, "d", tmp_path)
    assert sorted(parsed) == ["d/main.tf", "d/mod/c.tf"]
    assert len([a for a in config.resources if a.endswith("aws_cognito_user_pool_client.hidden")]) == 60
    sentinel(tmp_path)
    result = run_process(str(tmp_path), "-f", "json", timeout=120)
    assert_held(result, errors=False)
    assert len(e001(result)) == 60


# --------------------------------------------------------------------------------------------------- sizes


def test_a_suppression_comment_with_thousands_of_spaces(tmp_path: Path) -> None:
    line = "# cogcheck:ignore" + " " * 30_000 + "COG-E001 reason: " + " " * 30_000 + "x */" + " " * 30_000
    assert hcl._comments([line, "resource"], 2, 2) == ["cogcheck:ignore" + " " * 30_000 + "COG-E001 reason: "
                                                       + " " * 30_000 + "x"]
    spaces = "# cogcheck:ignore" + " " * 3000 + "x\n"
    write(tmp_path, {"main.tf": POOL + spaces + client()})
    sentinel(tmp_path)
    result = run_process(str(tmp_path), "-f", "json", timeout=120)
    assert_held(result, errors=False)
    assert e001(result) == [("main.tf", 8, "aws_cognito_user_pool_client.hidden")]  # "x" is no rule id


def test_ten_large_files_of_other_resources(tmp_path: Path) -> None:
    for index in range(10):
        blocks, size = [], 0
        while size < 200_000:
            block = f'resource "aws_s3_bucket" "b{index}_{len(blocks)}" {{\n  bucket = "b{len(blocks)}"\n}}\n'
            blocks.append(block)
            size += len(block)
        (tmp_path / f"f{index}.tf").write_text("".join(blocks), encoding="utf-8")
    (tmp_path / "z.tf").write_text(POOL + client(), encoding="utf-8")
    sentinel(tmp_path)
    result = run_process(str(tmp_path), "-f", "json", timeout=120)
    assert_held(result, errors=False)
    assert e001(result) == [("z.tf", 7, "aws_cognito_user_pool_client.hidden")]


# ---------------------------------------------------------------------------------------------- .tf and .tofu


def test_an_empty_main_tofu_does_not_hide_main_tf(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": POOL + client(), "main.tofu": ""})
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json")
    assert_held(result, errors=False)
    assert e001(result) == [("main.tf", 7, "aws_cognito_user_pool_client.hidden")]
    notices = [n for n in result.report["notices"] if n["file"].endswith("main.tofu")]
    assert len(notices) == 1 and "main.tofu hides main.tf for OpenTofu" in notices[0]["message"]


def test_opentofu_reads_the_tofu_file_instead(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": POOL + client(), "main.tofu": POOL + client("tofu").replace("= 25", "= 26")})
    sentinel(tmp_path)
    for args in (["--opentofu"], ["--config", str(write(tmp_path / "cfg", {".cogcheck.yaml": "opentofu: true\n"})
                                                   / ".cogcheck.yaml")]):
        result = run(str(tmp_path), "-f", "json", *args)
        assert_held(result, errors=False)
        assert e001(result) == [("main.tofu", 7, "aws_cognito_user_pool_client.tofu")]
        assert not [n for n in result.report["notices"] if "OpenTofu" in n["message"]]


def test_opentofu_configuration_key_must_be_a_boolean(tmp_path: Path) -> None:
    config = write(tmp_path, {".cogcheck.yaml": "opentofu: yes please\n"}) / ".cogcheck.yaml"
    result = run(str(tmp_path), "--config", str(config))
    assert result.code == 2 and "opentofu must be true or false" in result.stderr


def test_the_json_report_of_the_reproducers_is_valid(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MULTILINE + '/* "${ */ #\n' + client() + '# } "\n', "main.tofu": "",
                     "pool.tf": POOL})
    result = run(str(tmp_path), "-f", "json")
    assert json.loads(result.stdout)["summary"]["clients"] == 1


def test_a_plan_holds_its_clients_so_its_configuration_may_call_a_module_that_is_not_there(tmp_path: Path) -> None:
    import shutil

    from tests.helpers import FIXTURES, scan_paths

    plan_dir = FIXTURES / "terraform" / "plan"
    shutil.copytree(plan_dir, tmp_path / "config", ignore=shutil.ignore_patterns("plan.json"))
    write(tmp_path / "config", {"extra.tf": 'module "gone" {\n  source = "./missing"\n}\n'})
    shutil.copy(plan_dir / "plan.json", tmp_path / "plan.json")
    result = scan_paths(tmp_path / "plan.json", terraform_root=tmp_path / "config")
    assert not result.errors and any(f.rule_id == "COG-E015" for f in result.findings)
    direct = scan_paths(tmp_path / "config")  # read as a configuration, the call could hide a client: an error
    assert [(Path(e.file).name, e.line) for e in direct.errors] == [("extra.tf", 2)]
    assert "module.gone: local module './missing' is not a directory" in direct.errors[0].message
