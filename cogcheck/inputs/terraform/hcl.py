"""Read Terraform files (``.tf`` with python-hcl2, ``.tf.json`` with :mod:`json`) into blocks with positions.

A :class:`Block` keeps what cogcheck needs of one block: its labels, its arguments as expression trees
(:mod:`cogcheck.inputs.terraform.ast`) with the line of each, its nested blocks, and the ``cogcheck:ignore``
comments written on it. python-hcl2 8 does not report positions in its dictionaries, so the typed rule tree is
walked instead (each rule carries lark's ``meta``).
"""

from __future__ import annotations

import gc
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cogcheck.cfn.parse import TemplateError
from cogcheck.cfn.values import Unknown
from cogcheck.inputs.terraform.ast import MAX_DEPTH, Expr, Lit, Object, Opaque, Tuple, from_rule
from cogcheck.inputs.terraform.values import Abstain, from_decimal

#: Largest ``.tf`` / ``.tf.json`` / ``.tfvars`` file read (python-hcl2 parses about 100 KB a second).
MAX_FILE_BYTES = 1_000_000

#: Nested blocks of the resources cogcheck reads, to tell them from arguments in Terraform's JSON syntax.
JSON_BLOCKS = {
    "token_validity_units", "refresh_token_rotation", "analytics_configuration", "schema", "lambda_config",
    "user_attribute_update_settings", "scope", "custom_domain_config", "lifecycle", "provisioner", "connection",
    "dynamic", "string_attribute_constraints", "number_attribute_constraints", "timeouts",
}

#: A suppression comment; the text runs to the end of the line (a closing ``*/`` is cut off after the match, which
#: keeps the expression free of nested repetitions: linear in the line).
_IGNORE = re.compile(r"(?:#|//|/\*)\s*(cogcheck:ignore\b[^\r\n]*)")


@dataclass
class Attribute:
    name: str
    expr: Expr
    line: int
    column: int = 1


@dataclass
class Block:
    kind: str  # resource, data, module, variable, locals, output, token_validity_units, dynamic…
    labels: tuple[str, ...]
    file: str
    line: int
    end_line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # ``cogcheck:ignore …`` texts on or just above the block
    construct_path: str | None = None  # CDK for Terraform: ``"//": {"metadata": {"path": …}}``

    def nested(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.kind == kind]


def _hcl_error(file: str, exc: Exception) -> TemplateError:
    line = getattr(exc, "line", None)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return TemplateError(file, f"invalid HCL: {first[:200]}", line if isinstance(line, int) and line > 0 else None)


def parse_hcl(file: str, text: str) -> list[Block]:
    """Top-level blocks of one ``.tf`` file (raises :class:`TemplateError` when it does not parse).

    The cyclic collector is paused while python-hcl2 builds its tree and cogcheck reads it (the tree only grows
    meanwhile: a collection would walk it again and again); the tree's cycles are then freed in one collection of
    the youngest generation, which holds exactly what was made here, before the garbage of many files piles up.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        top = _parse_blocks(file, text.lstrip("\ufeff"))
    finally:
        if enabled:
            gc.enable()
            if len(text) > _COLLECT_AFTER:
                gc.collect(0)
    return top


#: After parsing a file longer than this (characters), the cyclic garbage of its parse tree is collected at once.
_COLLECT_AFTER = 64_000


def _parse_blocks(file: str, text: str) -> list[Block]:
    from hcl2.query.body import DocumentView

    from cogcheck.inputs.terraform.lexer import prepare
    from cogcheck.inputs.terraform.mapping import TYPES

    lexed = prepare(text, TYPES)
    prepared, skipped = lexed.text, lexed.skipped
    try:
        doc = DocumentView.parse(prepared)
    except RecursionError:
        raise TemplateError(file, "invalid HCL: nested too deeply") from None
    except Exception as exc:  # lark raises many kinds; any of them means "does not parse"
        if prepared == text:
            raise _hcl_error(file, exc) from None
        try:
            doc = DocumentView.parse(text)  # never worse than the text as written
        except Exception:
            raise _hcl_error(file, exc) from None
        skipped = []
    lines = text.splitlines()  # comments are read from the text as written
    top = [_block(file, view.raw, lines) for view in doc.blocks()]
    if skipped:  # blocks left unparsed: present, without arguments (nothing of them is read)
        top += [Block(s.keyword, s.labels, file, s.line, s.end_line) for s in skipped]
        top.sort(key=lambda block: block.line)
    return top


def _label(rule: Any) -> str:
    kind = type(rule).__name__
    if kind == "IdentifierRule":
        return str(rule.children[0].value)
    expr = from_rule(rule)
    return str(expr.value) if isinstance(expr, Lit) else ""


def _block(file: str, rule: Any, lines: list[str]) -> Block:
    labels = [_label(label) for label in rule.labels]
    meta = rule._meta
    block = Block(labels[0], tuple(labels[1:]), file, meta.line, meta.end_line)
    for child in rule.body.children:
        kind = type(child).__name__
        if kind == "AttributeRule":
            name = str(child.children[0].children[0].value)
            expr_rule = child.children[2]
            try:
                expr = from_rule(expr_rule)
            except (AttributeError, IndexError, StopIteration, TypeError, ValueError):
                expr = Opaque("an expression cogcheck cannot read")
            block.attributes[name] = Attribute(name, expr, child._meta.line, child._meta.column)
        elif kind == "BlockRule":
            block.blocks.append(_block(file, child, lines))
    if labels[0] == "resource":
        block.comments = _comments(lines, meta.line, meta.end_line)
    return block


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
        blocks_and_attrs = _parse_attribute(text)
    except Exception:  # a template that does not parse is unknown, never a crash
        return Opaque("a template cogcheck cannot read")
    return blocks_and_attrs


def _parse_attribute(text: str) -> Expr:
    from hcl2.query.body import DocumentView

    doc = DocumentView.parse(f"x = {text}\n")
    for attribute in doc.body.attributes():
        raw: Any = attribute.raw
        return from_rule(raw.children[2])
    return Opaque("an empty template")


# ------------------------------------------------------------------------------------------------ .tf.json files


def parse_tf_json(file: str, text: str) -> list[Block]:
    """Top-level blocks of a ``.tf.json`` file in Terraform's JSON syntax, with positions."""
    from cogcheck.cfn.parse import parse_json_document

    doc, locate = parse_json_document(file, text.lstrip("\ufeff"))
    if not isinstance(doc, dict):
        raise TemplateError(file, "Terraform JSON must be an object at the top")
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
                            blocks.append(_json_block(file, kind, (rtype, name), item, ipath, line_of))
            elif kind in ("module", "variable", "output", "provider"):
                for name, inner in body.items():
                    if name == "//":
                        continue
                    for item, ipath in _bodies(inner, (*path, name)):
                        literal = kind == "variable"
                        blocks.append(_json_block(file, kind, (name,), item, ipath, line_of, literal))
            elif kind == "locals":
                blocks.append(_json_block(file, kind, (), body, path, line_of))
    return blocks


def _bodies(value: Any, path: tuple[str | int, ...]) -> list[tuple[dict[str, Any], tuple[str | int, ...]]]:
    if isinstance(value, dict):
        return [(value, path)]
    if isinstance(value, list):
        return [(item, (*path, i)) for i, item in enumerate(value) if isinstance(item, dict)]
    return []


def _json_block(
    file: str, kind: str, labels: tuple[str, ...], body: dict[str, Any], path: tuple[str | int, ...],
    line_of: Any, literal: bool = False,
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
                        block.blocks.append(_json_block(file, "dynamic", (label,), item, ipath, line_of))
                continue
            for item, ipath in _bodies(value, here):
                block.blocks.append(_json_block(file, key, (), item, ipath, line_of))
            continue
        if literal or (kind == "module" and key in ("source", "version")):
            expr: Expr = _literal(value)
        else:
            expr = from_json_value(value)
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
    try:
        from hcl2.query.body import DocumentView

        doc_view = DocumentView.parse(text)
    except Exception as exc:
        raise _hcl_error(file, exc) from None
    values: dict[str, Any] = {}
    for attribute in doc_view.body.attributes():
        raw: Any = attribute.raw
        values[str(raw.children[0].children[0].value)] = literal_value(from_rule(raw.children[2]))
    return values


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


def from_json_string(text: str) -> Expr:
    """A string in an expression position of a ``.tf.json`` file: a template (``"${var.x}"`` is ``var.x``)."""
    if not _NEEDS_PARSE.search(text):
        return Lit(text.replace("$${", "${").replace("%%{", "%{"))
    return parse_expression(json.dumps(text))


def from_json_value(value: Any, depth: int = 0) -> Expr:
    """A JSON value in an expression position of a ``.tf.json`` file."""
    if depth > MAX_DEPTH:
        return Opaque("an expression nested too deeply")
    if isinstance(value, str):
        return from_json_string(value)
    if isinstance(value, list):
        return Tuple(tuple(from_json_value(v, depth + 1) for v in value))
    if isinstance(value, dict):
        return Object(tuple((Lit(str(k)), from_json_value(v, depth + 1)) for k, v in value.items()))
    return Lit(value)
