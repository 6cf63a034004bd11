"""Read Terraform files (``.tf`` with python-hcl2's lark parser, ``.tf.json`` with :mod:`json`) into blocks with
positions.

A :class:`Block` keeps what cogcheck needs of one block: its labels, its arguments as expression trees
(:mod:`cogcheck.inputs.terraform.ast`) with the line of each, its nested blocks, and the ``cogcheck:ignore``
comments written on it. lark's own tree is read (:mod:`cogcheck.inputs.terraform.syntax`), not python-hcl2's
dictionaries (which keep no positions) nor its rule tree (a second copy of the first).

Bounded by the work of parsing, not by a file's size alone (docs/limits.md):

* a file is read up to :data:`MAX_FILE_BYTES`; the lexical pass (:mod:`.lexer`) is linear and cheap, and leaves out
  the blocks cogcheck never reads;
* what is left, at most :data:`MAX_PARSED` characters a file, is parsed a piece at a time: consecutive top-level
  blocks of about :data:`PIECE` characters, each piece's tree read and freed before the next is parsed, so memory
  follows the largest piece, not the file. One piece is at most :data:`MAX_PIECE` characters (a single block, a file
  the lexical pass cannot split, a ``.tfvars`` file).

Pieces are cut only after the line that closes a top-level block; if one does not parse on its own, the file is
parsed whole as before (when it is at most :data:`MAX_PIECE` characters), so the blocks read and the errors reported
are those of a whole-file parse.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cogcheck.cfn.parse import TemplateError
from cogcheck.cfn.values import Unknown
from cogcheck.inputs.terraform.ast import MAX_DEPTH, Attribute, Block, Expr, Lit, Object, Opaque, Tuple
from cogcheck.inputs.terraform.values import Abstain, from_decimal

if TYPE_CHECKING:
    from lark import Tree

    from cogcheck.cfn.parse import PathT, Position
    from cogcheck.inputs.terraform.lexer import Skipped

__all__ = ["Attribute", "Block", "parse_expression", "parse_file", "parse_hcl", "parse_values"]

#: Largest ``.tf`` / ``.tf.json`` / ``.tofu`` / ``.tfvars`` file read.
MAX_FILE_BYTES = 32 * 1024 * 1024
#: Characters of one file handed to the parser in all (after the blocks cogcheck never reads are left out), and for
#: a ``.tf.json`` file, characters of its template strings: about 10 s of parsing here, 7,000 clients of the
#: benchmark's kind.
MAX_PARSED = 4_000_000
#: Characters handed to the parser at once: a top-level block, a file the lexical pass cannot split, a ``.tfvars``
#: file (lark's tree takes about a hundred times the text's size while it lives).
MAX_PIECE = 1_000_000
#: Consecutive top-level blocks are parsed together up to about this many characters.
PIECE = 64 * 1024
#: Parser work charged for each template string of a ``.tf.json`` file beside its characters.
PARSE_CALL = 64

#: Nested blocks of the resources cogcheck reads, to tell them from arguments in Terraform's JSON syntax.
JSON_BLOCKS = {
    "token_validity_units", "refresh_token_rotation", "analytics_configuration", "schema", "lambda_config",
    "user_attribute_update_settings", "scope", "custom_domain_config", "lifecycle", "provisioner", "connection",
    "dynamic", "string_attribute_constraints", "number_attribute_constraints", "timeouts",
}

#: A suppression comment; the text runs to the end of the line (a closing ``*/`` is cut off after the match, which
#: keeps the expression free of nested repetitions: linear in the line).
_IGNORE = re.compile(r"(?:#|//|/\*)\s*(cogcheck:ignore\b[^\r\n]*)")
_CUT = re.compile(r"[ \t\r]*\n")  # after a top-level block's "}": the rest of its line
_LINE = re.compile(r"\bline (\d+)")


def _hcl_error(file: str, exc: Exception, offset: int = 0) -> TemplateError:
    """The error of a parse that failed; ``offset``: lines before the piece that was parsed."""
    from cogcheck.inputs.terraform.syntax import SyntaxProblem

    if isinstance(exc, SyntaxProblem):
        return TemplateError(file, f"invalid HCL: {exc.message}", exc.line + offset if exc.line else None)
    line = getattr(exc, "line", None)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if offset:
        first = _LINE.sub(lambda match: f"line {int(match.group(1)) + offset}", first, count=1)
    where = line + offset if isinstance(line, int) and line > 0 else None
    return TemplateError(file, f"invalid HCL: {first[:200]}", where)


def parse_hcl(file: str, text: str) -> list[Block]:
    """Top-level blocks of one ``.tf`` file (raises :class:`TemplateError` when it does not parse).

    The cyclic collector is paused while lark builds a piece's tree and cogcheck reads it: the tree only grows
    meanwhile, holds no cycle, and is freed by reference counting as soon as it has been read.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_blocks(file, text.lstrip("\ufeff"))
    finally:
        if enabled:
            gc.enable()


def _tree(text: str) -> Tree[Any]:
    from hcl2.api import parses_to_tree

    return parses_to_tree(text)


def _parse_blocks(file: str, text: str) -> list[Block]:
    from cogcheck.inputs.terraform.lexer import prepare
    from cogcheck.inputs.terraform.mapping import TYPES

    lexed = prepare(text, TYPES)
    prepared, skipped = lexed.text, lexed.skipped
    if len(prepared) > MAX_PARSED:
        raise TemplateError(file, f"more than {MAX_PARSED:,} characters of HCL to parse (outside the blocks "
                            "cogcheck does not read): not read")
    lines = text.splitlines()  # comments are read from the text as written

    def comments(first: int, last: int) -> list[str]:
        return _comments(lines, first, last)

    pieces = _pieces(prepared, lexed.ends)
    try:
        top = _read(file, pieces, comments)
    except _Failed as failed:
        first, offset = failed.exc, failed.offset
        if len(pieces) > 1:  # the pieces do not parse apart: the whole text, as it was always read
            if len(prepared) > MAX_PIECE:
                raise _hcl_error(file, first, offset) from None
            try:
                return _with_skipped(file, _read(file, [(0, prepared)], comments), skipped)
            except _Failed as whole:
                first, offset = whole.exc, 0
        if prepared == text or len(text) > MAX_PIECE:
            raise _hcl_error(file, first, offset) from None
        try:
            return _read(file, [(0, text)], comments)  # never worse than the text as written
        except _Failed:
            raise _hcl_error(file, first, offset) from None
    return _with_skipped(file, top, skipped)


def _with_skipped(file: str, top: list[Block], skipped: list[Skipped]) -> list[Block]:
    """Blocks left unparsed are present, without arguments (nothing of them is read), in the order of the file."""
    if skipped:
        top += [Block(s.keyword, s.labels, file, s.line, s.end_line) for s in skipped]
        top.sort(key=lambda block: block.line)
    return top


class _Failed(Exception):
    """A piece did not parse (``exc``: why; ``offset``: lines before the piece)."""

    def __init__(self, exc: Exception, offset: int) -> None:
        super().__init__(str(exc))
        self.exc, self.offset = exc, offset


def _read(file: str, pieces: list[tuple[int, str]], comments: Callable[[int, int], list[str]]) -> list[Block]:
    """The blocks of the pieces of a file, each piece's tree freed once read."""
    from cogcheck.inputs.terraform.syntax import check_directives, read_blocks

    top: list[Block] = []
    for offset, piece in pieces:
        if len(piece) > MAX_PIECE:
            raise TemplateError(file, f"more than {MAX_PIECE:,} characters from line {offset + 1} without the end of "
                                "a top-level block between them: not read")
        try:
            tree = _tree(piece)
            if "%{" in piece:
                check_directives(tree)
            top += read_blocks(tree.children[0], file, offset, comments)
        except Exception as exc:  # lark raises many kinds; any of them means "does not parse"
            raise _Failed(exc, offset) from None
        del tree
    return top


def _pieces(text: str, ends: list[int]) -> list[tuple[int, str]]:
    """``text`` cut after the lines that close top-level blocks, in pieces of about :data:`PIECE` characters:
    (lines before the piece, the piece)."""
    cuts = [match.end() for end in ends if (match := _CUT.match(text, end + 1)) is not None]
    pieces: list[tuple[int, str]] = []
    start = line = 0
    for cut in cuts:
        if cut - start >= PIECE:
            pieces.append((line, text[start:cut]))
            line += text.count("\n", start, cut)
            start = cut
    if start < len(text) or not pieces:
        pieces.append((line, text[start:]))
    return pieces


def _comments(lines: list[str], start: int, end: int) -> list[str]:
    """``cogcheck:ignore`` comments in the block and in the comment lines right above it."""
    first = start - 1
    while first > 0 and lines[first - 1].strip().startswith(("#", "//", "/*", "*")):
        first -= 1
    found = []
    for line in lines[first:end]:
        match = _IGNORE.search(line)
        if match:
            comment = match.group(1).rstrip()
            found.append(comment.removesuffix("*/").rstrip() if comment.endswith("*/") else comment)
    return found


def parse_expression(text: str) -> Expr:
    """One expression written as HCL text (the strings of Terraform's JSON syntax are such templates)."""
    try:
        return _parse_attribute(text)
    except Exception:  # a template that does not parse is unknown, never a crash
        return Opaque("a template cogcheck cannot read")


def _parse_attribute(text: str) -> Expr:
    from cogcheck.inputs.terraform.syntax import attributes, check_directives

    enabled = gc.isenabled()
    gc.disable()
    try:
        tree = _tree(f"x = {text}\n")
        if "%{" in text:
            check_directives(tree)
        found = attributes(tree.children[0], guarded=False)  # what cannot be read: the template is unknown
    finally:
        if enabled:
            gc.enable()
    return found[0][1] if found else Opaque("an empty template")


# ------------------------------------------------------------------------------------------------ .tf.json files


def parse_tf_json(file: str, text: str) -> list[Block]:
    """Top-level blocks of a ``.tf.json`` file in Terraform's JSON syntax, with positions."""
    from cogcheck.cfn.parse import parse_json_document

    doc, locate = parse_json_document(file, text.lstrip("\ufeff"))
    if not isinstance(doc, dict):
        raise TemplateError(file, "Terraform JSON must be an object at the top")
    try:
        return _json_blocks(file, doc, locate, _Budget())
    except _TooMuch:
        raise TemplateError(file, f"more than {MAX_PARSED:,} characters of templates to parse: not read") from None


def _json_blocks(
    file: str, doc: dict[str, Any], locate: Callable[[PathT], Position], budget: _Budget,
) -> list[Block]:
    blocks: list[Block] = []

    def line_of(path: tuple[str | int, ...]) -> int:
        return locate(path)[0]

    for kind, value in doc.items():
        if kind == "//" or not isinstance(value, dict | list):
            continue
        for body, path in _bodies(value, (kind,)):
            if kind in ("resource", "data"):
                for rtype, named in body.items():
                    if not isinstance(named, dict):
                        continue
                    for name, inner in named.items():
                        for item, ipath in _bodies(inner, (*path, rtype, name)):
                            blocks.append(_json_block(file, kind, (rtype, name), item, ipath, line_of, budget=budget))
            elif kind in ("module", "variable", "output", "provider"):
                for name, inner in body.items():
                    if name == "//":
                        continue
                    for item, ipath in _bodies(inner, (*path, name)):
                        literal = kind == "variable"
                        blocks.append(_json_block(file, kind, (name,), item, ipath, line_of, literal, budget))
            elif kind == "locals":
                blocks.append(_json_block(file, kind, (), body, path, line_of, budget=budget))
    return blocks


def _bodies(value: Any, path: tuple[str | int, ...]) -> list[tuple[dict[str, Any], tuple[str | int, ...]]]:
    if isinstance(value, dict):
        return [(value, path)]
    if isinstance(value, list):
        return [(item, (*path, i)) for i, item in enumerate(value) if isinstance(item, dict)]
    return []


def _json_block(
    file: str, kind: str, labels: tuple[str, ...], body: dict[str, Any], path: tuple[str | int, ...],
    line_of: Any, literal: bool = False, budget: _Budget | None = None,
) -> Block:
    line = line_of(path)
    block = Block(kind, labels, file, line, line)
    for key, value in body.items():
        here = (*path, key)
        if key == "//":
            metadata = value.get("metadata") if isinstance(value, dict) else None
            if isinstance(metadata, dict) and isinstance(metadata.get("path"), str):
                block.construct_path = metadata["path"]  # a CDK for Terraform construct
            texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            block.comments += [
                t.strip() for t in texts if isinstance(t, str) and t.strip().startswith("cogcheck:ignore")
            ]
            continue
        if kind != "locals" and key in JSON_BLOCKS and isinstance(value, dict | list):
            if key == "dynamic" and isinstance(value, dict):
                for label, inner in value.items():
                    for item, ipath in _bodies(inner, (*here, label)):
                        block.blocks.append(_json_block(file, "dynamic", (label,), item, ipath, line_of, budget=budget))
                continue
            for item, ipath in _bodies(value, here):
                block.blocks.append(_json_block(file, key, (), item, ipath, line_of, budget=budget))
            continue
        if literal or (kind == "module" and key in ("source", "version")):
            expr: Expr = _literal(value)
        else:
            expr = from_json_value(value, budget=budget)
        block.attributes[key] = Attribute(key, expr, line_of(here))
    return block


def _literal(value: Any) -> Expr:
    """A JSON value read without templates (a variable's ``default``, a module's ``source``)."""
    if isinstance(value, list):
        return Tuple(tuple(_literal(v) for v in value))
    if isinstance(value, dict):
        return Object(tuple((Lit(str(k)), _literal(v)) for k, v in value.items()))
    return Lit(value)


def _text(file: str, data: bytes) -> str:
    """A Terraform file's text: at most ``MAX_FILE_BYTES``, UTF-8 (a byte order mark dropped)."""
    if len(data) > MAX_FILE_BYTES:
        raise TemplateError(file, f"larger than {MAX_FILE_BYTES:,} bytes: not read")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(file, f"not UTF-8 text (byte {exc.start})") from None


def parse_file(file: str, data: bytes) -> list[Block]:
    """Blocks of a ``.tf`` / ``.tofu`` or ``.tf.json`` / ``.tofu.json`` file."""
    text = _text(file, data)
    if file.endswith(".json"):
        return parse_tf_json(file, text)
    return parse_hcl(file, text)


def parse_values(file: str, data: bytes) -> dict[str, Any]:
    """A ``.tfvars`` or ``.tfvars.json`` file: variable name → literal value (Terraform reads them with no context)."""
    from cogcheck.inputs.terraform.evaluate import literal_value

    text = _text(file, data)
    if file.endswith(".json"):
        try:
            doc = json.loads(text, parse_int=_json_number, parse_float=_json_number)
            deep = _depth(doc) > MAX_DEPTH
        except json.JSONDecodeError as exc:
            raise TemplateError(file, f"invalid JSON: {exc.msg}", exc.lineno) from None
        except RecursionError:
            deep = True
        if deep:
            raise TemplateError(file, f"values nested more than {MAX_DEPTH} levels deep")
        if not isinstance(doc, dict):
            raise TemplateError(file, "a .tfvars.json file must hold an object")
        return {str(k): v for k, v in doc.items() if k != "//"}
    if len(text) > MAX_PIECE:
        raise TemplateError(file, f"larger than {MAX_PIECE:,} characters: not read")
    try:
        from cogcheck.inputs.terraform.syntax import attributes, check_directives

        tree = _tree(text)
        if "%{" in text:
            check_directives(tree)
        found = attributes(tree.children[0])
    except Exception as exc:
        raise _hcl_error(file, exc) from None
    return {name: literal_value(expr) for name, expr in found}


def _json_number(text: str) -> Any:
    """A number of a ``.tfvars.json`` file as a number literal reads (exact; beyond what cogcheck holds, unknown),
    never Python's refusal of more than 4,300 digits."""
    try:
        return from_decimal(Decimal(text))
    except Abstain as exc:
        return Unknown(str(exc))


def _depth(doc: Any) -> int:
    """How deep the containers of a JSON document nest (one level at a time: no recursion)."""
    level, depth = [doc], 0
    while level:
        level = [c for node in level if isinstance(node, dict | list)
                 for c in (node.values() if isinstance(node, dict) else node)]
        depth += 1
    return depth - 1


# ------------------------------------------------------------------------------------------- Terraform JSON syntax

_NEEDS_PARSE = re.compile(r"(?<!\$)\$\{|(?<!%)%\{")


class _Budget:
    """Characters of template strings a ``.tf.json`` file may still hand to the parser (:data:`MAX_PARSED`)."""

    def __init__(self) -> None:
        self.left = MAX_PARSED

    def spend(self, text: str) -> None:
        self.left -= len(text) + PARSE_CALL
        if self.left < 0:
            raise _TooMuch


class _TooMuch(Exception):
    pass


def from_json_string(text: str, budget: _Budget | None = None) -> Expr:
    """A string in an expression position of a ``.tf.json`` file: a template (``"${var.x}"`` is ``var.x``)."""
    if not _NEEDS_PARSE.search(text):
        return Lit(text.replace("$${", "${").replace("%%{", "%{"))
    if budget is not None:
        budget.spend(text)
    return parse_expression(json.dumps(text))


def from_json_value(value: Any, depth: int = 0, budget: _Budget | None = None) -> Expr:
    """A JSON value in an expression position of a ``.tf.json`` file."""
    if depth > MAX_DEPTH:
        return Opaque("an expression nested too deeply")
    if isinstance(value, str):
        return from_json_string(value, budget)
    if isinstance(value, list):
        return Tuple(tuple(from_json_value(v, depth + 1, budget) for v in value))
    if isinstance(value, dict):
        return Object(tuple((Lit(str(k)), from_json_value(v, depth + 1, budget)) for k, v in value.items()))
    return Lit(value)
