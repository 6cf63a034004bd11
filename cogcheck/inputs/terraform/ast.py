"""Terraform expressions as a small tree, and the blocks that hold them (built by :mod:`.syntax` from lark's tree of a
``.tf`` file, or from Terraform's JSON syntax by :mod:`.hcl`).

Only what a static reading can use is kept apart: literals, string templates, tuples and objects, references
(``var.x``, ``local.y``, ``aws_cognito_user_pool.pool.id``, ``each.value.k``), function calls, conditionals and
operators. Everything else (``for`` expressions, splats, template directives) is :class:`Opaque`: unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cogcheck.inputs.terraform.values import Abstain, from_decimal

#: How deep an expression may nest before it is read as opaque (a guard against crafted input).
MAX_DEPTH = 64


class Expr:
    """Base of the expression tree."""


@dataclass(frozen=True)
class Lit(Expr):
    value: Any  # str, int, float, bool or None


@dataclass(frozen=True)
class Template(Expr):
    parts: tuple[str | Expr, ...]


@dataclass(frozen=True)
class Tuple(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Object(Expr):
    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True)
class Ref(Expr):
    """A traversal: ``root`` then attribute names (``str``) and index expressions (:class:`Expr`)."""

    root: str
    steps: tuple[str | Expr, ...]

    def text(self) -> str:
        out = self.root
        for step in self.steps:
            out += f".{step}" if isinstance(step, str) else "[…]"
        return out


@dataclass(frozen=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]
    expand: bool = False  # the last argument ends with ``...``


@dataclass(frozen=True)
class Cond(Expr):
    test: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class Unary(Expr):
    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Opaque(Expr):
    """An expression cogcheck does not evaluate; ``what`` says which kind."""

    what: str


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """HCL's string escapes (``\\n``, ``\\"``, ``\\uNNNN``…) resolved."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except ValueError:
                return match.group(0)
        return _SIMPLE_ESCAPES.get(code, match.group(0))

    return _ESCAPE.sub(one, text)


def number(text: str) -> Expr:
    """A number literal as the exact value Terraform reads (``1e300`` is 10**300, not a float's digits)."""
    try:
        return Lit(from_decimal(Decimal(text)))
    except (Abstain, ArithmeticError, ValueError):
        return Opaque("a number literal cogcheck does not hold exactly")


def template(parts: list[str | Expr]) -> Expr:
    """A string's parts as one expression: the text alone, the interpolation alone (its own value and type), or a
    :class:`Template`."""
    merged: list[str | Expr] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if not merged:
        return Lit("")
    if len(merged) == 1 and isinstance(merged[0], str):
        return Lit(merged[0])
    if len(merged) == 1 and isinstance(merged[0], Expr):
        return merged[0]  # "${expr}" alone is the expression's own value (and type)
    return Template(tuple(merged))


def heredoc(token: str, trim: bool) -> Expr:
    """A heredoc token's text (``<<EOT`` … ``EOT``; ``trim``: ``<<-``, indentation removed); with a template sequence,
    opaque."""
    lines = token.split("\n")
    body = lines[1:-1] if len(lines) > 2 else []
    if body and body[-1].strip() == lines[0].lstrip("<-").strip():
        body = body[:-1]
    if len(lines) > 1 and lines[-1].strip() and lines[-1].strip() == lines[0].lstrip("<-").strip():
        pass
    if trim and body:
        indent = min((len(b) - len(b.lstrip()) for b in body if b.strip()), default=0)
        body = [b[indent:] for b in body]
    text = "\n".join(body) + ("\n" if body else "")
    if "${" in text.replace("$${", "") or "%{" in text.replace("%%{", ""):
        return Opaque("a heredoc template")
    return Lit(text.replace("$${", "${").replace("%%{", "%{"))


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
