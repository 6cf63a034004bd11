"""Reading ``.tf`` files from lark's tree, a piece of top-level blocks at a time: the blocks read do not depend on
where the pieces are cut, errors keep the file's lines, and the bounds count the work of parsing (docs/limits.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cogcheck.cfn.parse import TemplateError
from cogcheck.inputs.terraform import hcl, syntax
from cogcheck.inputs.terraform.ast import Lit, Opaque, Ref, Template
from tests.hostile import assert_held, run, sentinel

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"
TF_FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".tf", ".tofu") and p.is_file())


def client(n: int, validity: int = 60) -> str:
    return (f'resource "aws_cognito_user_pool_client" "c{n}" {{\n  name = "c{n}"\n'
            f"  user_pool_id = aws_cognito_user_pool.pool.id\n  access_token_validity = {validity}\n}}\n\n")


POOL = 'resource "aws_cognito_user_pool" "pool" {\n  name = "app"\n}\n\n'


def parse(text: str) -> Any:
    try:
        return hcl.parse_hcl("main.tf", text)
    except TemplateError as exc:
        return (exc.line, exc.message)


def test_there_are_terraform_fixtures() -> None:
    assert len(TF_FILES) > 50


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_a_block_per_piece_reads_what_the_whole_file_reads(path: Path, monkeypatch: Any) -> None:
    text = path.read_text(encoding="utf-8")
    whole = parse(text)
    monkeypatch.setattr(hcl, "PIECE", 1)  # every top-level block is parsed on its own
    assert parse(text) == whole


def test_pieces_are_cut_after_the_line_closing_a_top_level_block(monkeypatch: Any) -> None:
    parsed: list[str] = []
    original = hcl._tree

    def recording(text: str) -> Any:
        parsed.append(text)
        return original(text)

    monkeypatch.setattr(hcl, "_tree", recording)
    monkeypatch.setattr(hcl, "PIECE", 200)
    text = POOL + "".join(client(i) for i in range(40)) + "locals { a = 1 } # after\nlocals {\n  b = 2\n}"
    blocks = hcl.parse_hcl("main.tf", text)
    assert len(parsed) > 10 and "".join(parsed) == text
    assert max(map(len, parsed)) < 200 + len(client(10))
    assert [b.line for b in blocks] == [1] + [5 + 6 * i for i in range(40)] + [245, 246]
    assert blocks[-1].attributes["b"].line == 247 and blocks[10].attributes["access_token_validity"].line == 62


def test_an_error_in_a_later_piece_names_the_files_line(monkeypatch: Any) -> None:
    monkeypatch.setattr(hcl, "PIECE", 1)
    monkeypatch.setattr(hcl, "MAX_PIECE", 300)  # the whole text is not parsed again: the piece's error, its line moved
    bad = 'resource "aws_cognito_user_pool_client" "bad" {\n  name = = "x"\n}\n'
    text = POOL + "".join(client(i) for i in range(5)) + bad
    line, message = parse(text)
    assert line == 36 and "line 36" in message and message.startswith("invalid HCL: Unexpected token")
    monkeypatch.setattr(hcl, "MAX_PIECE", 1_000_000)
    assert parse(text) == (line, message)  # the same as the whole text's


def test_more_to_parse_than_the_bound_is_an_error_naming_it(monkeypatch: Any) -> None:
    monkeypatch.setattr(hcl, "MAX_PARSED", 1_000)
    text = POOL + "".join(client(i) for i in range(20))
    assert parse(text) == (None, "more than 1,000 characters of HCL to parse (outside the blocks cogcheck does not "
                                 "read): not read")
    others = "".join(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "b{i}"\n}}\n' for i in range(200))
    assert len(parse(others + client(1))) == 201  # blocks cogcheck does not read are not parsed, nor counted


def test_a_block_larger_than_a_piece_may_be_is_an_error(monkeypatch: Any) -> None:
    monkeypatch.setattr(hcl, "MAX_PIECE", 500)
    big = "locals {\n" + "".join(f"  v{i} = {i}\n" for i in range(100)) + "}\n"
    line, message = parse(POOL + big)
    assert line is None and message == ("more than 500 characters from line 1 without the end of a top-level block "
                                        "between them: not read")


def test_a_template_directive_left_open_is_an_error_at_its_line() -> None:
    for value in ('"%{ if a }x"', '[for s in l : "%{ for x in s }"]', '"%{ if a }%{ else }%{ for b in c }%{ endif }"'):
        line, message = parse(POOL + f"locals {{\n  a = 1\n  x = {value}\n}}\n")
        assert line == 7 and message.startswith("invalid HCL: unterminated template"), (value, message)
    blocks = parse(POOL + 'locals {\n  x = "a%{ if b }c%{ else }d%{ endif }e%{ endif }"\n}\n')
    x = blocks[1].attributes["x"].expr
    assert x == Template(("a", Opaque("a template directive"), "e", Opaque("a template directive")))


def test_expressions_read_from_lark_s_tree() -> None:
    text = ('locals {\n  a = "x${var.y}\\n$${z}"\n  b = f(1, c...)\n  c = d.e[0].f.1\n  d = {k = 1, "s" = 2, (g) = 3}\n'
            "  e = <<-EOT\n    hi\n    EOT\n  f = 1\n    == 2\n  g = [for x in y : x]\n  h = a.*.b\n}\n")
    attrs = {name: a.expr for name, a in parse(text)[0].attributes.items()}
    assert attrs["a"] == Template(("x", Ref("var", ("y",)), "\n${z}"))
    assert repr(attrs["b"]) == "Call(name='f', args=(Lit(value=1), Ref(root='c', steps=())), expand=True)"
    assert attrs["c"] == Ref("d", ("e", Lit(0), "f", Lit(1)))
    assert [(k, v) for k, v in attrs["d"].items] == [(Lit("k"), Lit(1)), (Lit("s"), Lit(2)), (Ref("g", ()), Lit(3))]
    assert attrs["e"] == Lit("hi\n")
    assert repr(attrs["f"]) == "Binary(op='==', left=Lit(value=1), right=Lit(value=2))"
    assert attrs["g"] == Opaque("a for expression") and attrs["h"] == Opaque("a splat expression")


def test_deep_nesting_is_opaque_or_an_error_never_a_recursion_error() -> None:
    deep = "[" * 5000 + "1" + "]" * 5000
    blocks = parse(f"locals {{\n  x = {deep}\n}}\n")
    assert repr(blocks[0].attributes["x"].expr).count("Tuple") == syntax.MAX_DEPTH // 2  # a bracket: 2 levels
    assert "nested too deeply" in repr(blocks[0].attributes["x"].expr)
    nested = "a {\n" * 5000 + "}\n" * 5000
    assert parse(nested) == (syntax.MAX_BLOCK_DEPTH + 2, f"invalid HCL: blocks nested more than "
                                                         f"{syntax.MAX_BLOCK_DEPTH} levels deep")


def test_templates_of_a_tf_json_file_count_as_parsing(monkeypatch: Any) -> None:
    monkeypatch.setattr(hcl, "MAX_PARSED", 2_000)
    strings = ", ".join(f'"${{var.v{i}}}"' for i in range(100))
    text = '{"locals": {"x": [' + strings + "]}}"
    with pytest.raises(TemplateError, match="more than 2,000 characters of templates to parse"):
        hcl.parse_file("main.tf.json", text.encode())
    assert len(hcl.parse_file("main.tf.json", b'{"locals": {"x": ["${var.v}"]}}')) == 1


def test_a_2000_client_file_is_scanned(tmp_path: Path) -> None:
    text = POOL + "".join(client(i, validity=25 if i % 500 == 7 else 1) for i in range(2000))
    text += "# padding\n" * max(0, (1_050_000 - len(text)) // 10)
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    sentinel(tmp_path)
    result = run(str(tmp_path), "-f", "json", "--select", "COG-E001")
    assert_held(result, errors=False)
    assert len(text.encode()) > 1_000_000  # past the old cap of a file
    e001 = sorted((f["line"], f["resource"]) for f in result.report["findings"] if f["file"].endswith("main.tf"))
    assert e001 == [(5 + 6 * i + 3, f"aws_cognito_user_pool_client.c{i}") for i in (7, 507, 1007, 1507)]
