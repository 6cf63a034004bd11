"""Terraform expressions as a small tree, built from python-hcl2's typed rules or from Terraform JSON strings.

Only what a static reading can use is kept apart: literals, string templates, tuples and objects, references
(``var.x``, ``local.y``, ``aws_cognito_user_pool.pool.id``, ``each.value.k``), function calls, conditionals and
operators. Everything else (``for`` expressions, splats, template directives) is :class:`Opaque`: unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


def _name(node: Any) -> str:
    return str(node.children[0].value) if hasattr(node, "children") else str(node)


def from_rule(node: Any, depth: int = 0) -> Expr:
    """The tree of one python-hcl2 expression rule."""
    if depth > MAX_DEPTH:
        return Opaque("an expression nested too deeply")
    kind = type(node).__name__
    kids = [c for c in getattr(node, "children", ()) if c is not None]
    nxt = depth + 1
    if kind == "ExprTermRule":
        inner = [c for c in kids if type(c).__name__ not in ("LPAR_TOKEN", "RPAR_TOKEN", "NewLineOrCommentRule")]
        if not inner:
            return Opaque("an empty expression")
        return from_rule(inner[0], nxt)
    if kind == "LiteralValueRule":
        word = str(kids[0].value)
        return Lit({"true": True, "false": False, "null": None}.get(word, word))
    if kind in ("IntLitRule", "FloatLitRule"):
        return _number(str(kids[0].value))
    if kind == "IdentifierRule":
        return Ref(_name(node), ())
    if kind == "StringRule":
        return _string(kids[1:-1], nxt)
    if kind in ("HeredocTemplateRule", "HeredocTrimTemplateRule"):
        return _heredoc(str(kids[0].value), kind == "HeredocTrimTemplateRule")
    if kind == "TupleRule":
        return Tuple(tuple(from_rule(c, nxt) for c in kids if _is_expr(c)))
    if kind == "ObjectRule":
        items = []
        for elem in kids:
            if type(elem).__name__ != "ObjectElemRule":
                continue
            parts = [
                c for c in elem.children
                if c is not None and (_is_expr(c) or type(c).__name__.startswith("ObjectElemKey"))
            ]
            key_rule, value_rule = parts[0], parts[-1]
            items.append((_object_key(key_rule, nxt), from_rule(value_rule, nxt)))
        return Object(tuple(items))
    if kind in ("GetAttrExprTermRule", "IndexExprTermRule"):
        base = from_rule(kids[0], nxt)
        step = _step(kids[1], nxt)
        if isinstance(base, Ref) and step is not None:
            return Ref(base.root, (*base.steps, step))
        return Opaque("an attribute or index of a computed value")
    if kind == "FunctionCallRule":
        name_rules = [c for c in kids if type(c).__name__ == "IdentifierRule"]
        name = "::".join(_name(c) for c in name_rules)
        args: list[Expr] = []
        expand = False
        for child in kids:
            if type(child).__name__ == "ArgumentsRule":
                for arg in child.children:
                    if arg is None:
                        continue
                    if type(arg).__name__ == "ELLIPSIS_TOKEN":
                        expand = True
                    elif _is_expr(arg):
                        args.append(from_rule(arg, nxt))
        return Call(name, tuple(args), expand)
    if kind == "ConditionalRule":
        exprs = [c for c in kids if _is_expr(c)]
        if len(exprs) != 3:
            return Opaque("a malformed conditional")
        return Cond(*(from_rule(e, nxt) for e in exprs))
    if kind == "UnaryOpRule":
        op = str(kids[0].value)
        return Unary(op, from_rule(kids[1], nxt))
    if kind == "BinaryOpRule":
        exprs = [c for c in kids if type(c).__name__ != "NewLineOrCommentRule"]
        left = from_rule(exprs[0], nxt)
        term = exprs[1]
        term_kids = [c for c in term.children if c is not None]
        op_rule = next(c for c in term_kids if type(c).__name__ == "BinaryOperatorRule")
        operand = next(c for c in term_kids if _is_expr(c))
        return Binary(str(op_rule.children[0].value), left, from_rule(operand, nxt))
    if kind in ("ForTupleExprRule", "ForObjectExprRule"):
        return Opaque("a for expression")
    if "Splat" in kind:
        return Opaque("a splat expression")
    return Opaque(f"an expression of kind {kind}")


_EXPR_KINDS = {
    "ExprTermRule", "ConditionalRule", "BinaryOpRule", "UnaryOpRule", "ForTupleExprRule", "ForObjectExprRule",
    "GetAttrExprTermRule", "IndexExprTermRule", "AttrSplatExprTermRule", "FullSplatExprTermRule", "FunctionCallRule",
    "StringRule", "TupleRule", "ObjectRule", "LiteralValueRule", "IntLitRule", "FloatLitRule", "IdentifierRule",
    "HeredocTemplateRule", "HeredocTrimTemplateRule",
}


def _is_expr(node: Any) -> bool:
    return type(node).__name__ in _EXPR_KINDS


def _object_key(node: Any, depth: int) -> Expr:
    kids = [c for c in node.children if c is not None]
    inner = kids[0] if kids else None
    if type(inner).__name__ == "IdentifierRule":
        return Lit(_name(inner))  # a bare key is a name, not a reference
    if inner is None:
        return Opaque("an empty object key")
    if type(node).__name__ == "ObjectElemKeyExpressionRule":
        exprs = [c for c in kids if _is_expr(c)]
        return from_rule(exprs[0], depth) if exprs else Opaque("an object key")
    return from_rule(inner, depth)


def _step(node: Any, depth: int) -> str | Expr | None:
    kind = type(node).__name__
    kids = [c for c in node.children if c is not None]
    if kind == "GetAttrRule":
        ident = next((c for c in kids if type(c).__name__ == "IdentifierRule"), None)
        return _name(ident) if ident is not None else None
    if kind == "SqbIndexRule":
        exprs = [c for c in kids if _is_expr(c)]
        return from_rule(exprs[0], depth) if exprs else None
    if kind == "ShortIndexRule":  # legacy ``list.0``
        return Lit(int(str(kids[-1].value).lstrip(".")))
    return None


def _number(text: str) -> Expr:
    """A number literal as the exact value Terraform reads (``1e300`` is 10**300, not a float's digits)."""
    try:
        return Lit(from_decimal(Decimal(text)))
    except (Abstain, ArithmeticError, ValueError):
        return Opaque("a number literal cogcheck does not hold exactly")


def _string(parts: list[Any], depth: int) -> Expr:
    out: list[str | Expr] = []
    for part in parts:
        content = part.children[0] if getattr(part, "children", None) else part
        kind = type(content).__name__
        if kind == "InterpolationRule":
            exprs = [c for c in content.children if c is not None and _is_expr(c)]
            out.append(from_rule(exprs[0], depth) if exprs else Opaque("an empty interpolation"))
        elif kind == "ESCAPED_INTERPOLATION_TOKEN" or "ESCAPED" in kind:
            out.append(str(content.value)[1:])  # $${ → ${, %%{ → %{
        elif kind.startswith("Template"):
            out.append(Opaque("a template directive"))
        else:
            out.append(unescape(str(getattr(content, "value", ""))))
    return _template(out)


def _template(parts: list[str | Expr]) -> Expr:
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


def _heredoc(token: str, trim: bool) -> Expr:
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
