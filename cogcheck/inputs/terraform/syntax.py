"""Lark's syntax tree of HCL (python-hcl2's grammar) read into cogcheck's blocks and expressions in one pass.

python-hcl2 turns lark's tree into a second tree of its own typed rules, with parent links the cyclic collector then
has to free, before anything can be read from it; that transform cost as much as a third of a Terraform scan.
cogcheck reads lark's tree directly and gives every node the reading python-hcl2's rule for it had (an expression
cogcheck does not read is :class:`Opaque` with the same words, ``an expression of kind TemplateStringRule``):

* expressions deeper than :data:`MAX_DEPTH` are opaque, and nested blocks deeper than :data:`MAX_BLOCK_DEPTH` are an
  error (:class:`SyntaxProblem`); nothing here recurses further, whatever the input;
* a template directive (``%{ if }`` … ``%{ endif }``, ``%{ for }`` … ``%{ endfor }``) is one opaque part of its
  string, matched with a stack; one left open is an error, as python-hcl2 made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import Token, Tree

from cogcheck.inputs.terraform.ast import (
    MAX_DEPTH,
    Attribute,
    Binary,
    Block,
    Call,
    Cond,
    Expr,
    Lit,
    Object,
    Opaque,
    Ref,
    Tuple,
    Unary,
    heredoc,
    number,
    template,
    unescape,
)

Node = Tree[Any]  # lark types a child as a token or a tree; the grammar says which it is

#: How deep blocks may nest in blocks (a resource's nested blocks go a few levels deep).
MAX_BLOCK_DEPTH = 100

#: Errors reading one attribute's expression that make it opaque instead of failing the file (as python-hcl2's
#: rules did: an index of 5,000 digits, say).
UNREADABLE = (AttributeError, IndexError, StopIteration, TypeError, ValueError)

_EXPRESSIONS = frozenset({
    "expr_term", "conditional", "binary_op", "unary_op", "for_tuple_expr", "for_object_expr", "get_attr_expr_term",
    "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term", "function_call", "string", "tuple", "object",
    "literal_value", "int_lit", "float_lit", "identifier", "heredoc_template", "heredoc_template_trim",
})
_NAMES = frozenset({"identifier", "keyword", "literal_value"})  # a block type, label or attribute name
_KEY_LITERALS = frozenset({"identifier", "string", "int_lit", "float_lit", "literal_value"})
_OPENERS = {"template_if_start": "if", "template_for_start": "for"}
_DIRECTIVES = frozenset({*_OPENERS, "template_else", "template_endif", "template_endfor"})
_LITERAL_WORDS = {"true": True, "false": False, "null": None}


class SyntaxProblem(Exception):
    """What python-hcl2 would also have refused, found while reading the tree (``line``: in the parsed text)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


def _is_expr(node: object) -> bool:
    return isinstance(node, Tree) and node.data in _EXPRESSIONS


def _is_newline(node: object) -> bool:
    return isinstance(node, Tree) and node.data == "new_line_or_comment"


# ------------------------------------------------------------------------------------------------------- blocks


def read_blocks(
    body: Node, file: str, offset: int, comments: Callable[[int, int], list[str]],
) -> list[Block]:
    """The blocks of a document's ``body``; ``offset``: lines before the parsed text (it is a piece of a file);
    ``comments(first, last)``: the ``cogcheck:ignore`` comments on and above a resource block's lines."""
    return [_block(child, file, offset, comments, 0) for child in body.children
            if isinstance(child, Tree) and child.data == "block"]


def _block(node: Node, file: str, offset: int, comments: Callable[[int, int], list[str]], depth: int) -> Block:
    meta = node.meta
    if depth > MAX_BLOCK_DEPTH:
        raise SyntaxProblem(f"blocks nested more than {MAX_BLOCK_DEPTH} levels deep", meta.line)
    trees = [child for child in node.children if isinstance(child, Tree)]
    labels = [_label(label) for label in trees[:-1]]  # a newline before "{" reads as a label "" (python-hcl2's)
    block = Block(labels[0], tuple(labels[1:]), file, meta.line + offset, meta.end_line + offset)
    for child in trees[-1].children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = str(child.children[0].children[0])
            try:
                expr = expression(child.children[2])
            except UNREADABLE:
                expr = Opaque("an expression cogcheck cannot read")
            where = child.meta
            block.attributes[name] = Attribute(name, expr, where.line + offset, where.column)
        elif child.data == "block":
            block.blocks.append(_block(child, file, offset, comments, depth + 1))
    if labels[0] == "resource":
        block.comments = comments(block.line, block.end_line)
    return block


def _label(node: Node) -> str:
    if node.data in _NAMES:
        return str(node.children[0])
    if node.data == "string":
        expr = expression(node)
        return str(expr.value) if isinstance(expr, Lit) else ""
    return ""


def attributes(body: Node, guarded: bool = True) -> list[tuple[str, Expr]]:
    """The attributes of a document's ``body`` in order (a ``.tfvars`` file, an expression parsed as ``x = …``);
    ``guarded``: an expression that cannot be read is opaque (else the error is raised)."""
    found = []
    for child in body.children:
        if isinstance(child, Tree) and child.data == "attribute":
            try:
                expr = expression(child.children[2])
            except UNREADABLE:
                if not guarded:
                    raise
                expr = Opaque("an expression cogcheck cannot read")
            found.append((str(child.children[0].children[0]), expr))
    return found


def check_directives(tree: Node) -> None:
    """Raise :class:`SyntaxProblem` for a template directive left open in any string of ``tree`` (also where no
    value is read: in a ``for`` expression, a label), as python-hcl2 did for the whole document."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if node.data == "string":
            parts, index = node.children[1:-1], 0
            while index < len(parts):
                content = parts[index].children[0]
                opens = isinstance(content, Tree) and content.data in _OPENERS
                index = _directive_end(parts, index) if opens else index + 1
        pending += [child for child in node.children if isinstance(child, Tree)]


# -------------------------------------------------------------------------------------------------- expressions


def expression(node: Node, depth: int = 0) -> Expr:
    """The expression tree of one node of lark's tree."""
    if depth > MAX_DEPTH:
        return Opaque("an expression nested too deeply")
    reader = _READERS.get(node.data)
    if reader is None:
        return Opaque(f"an expression of kind {_rule_name(node.data)}")
    return reader(node, depth + 1)


def _rule_name(data: str) -> str:
    """python-hcl2's name for the rule of a node (``template_string`` → ``TemplateStringRule``)."""
    return "".join(part.capitalize() for part in str(data).split("_")) + "Rule"


def _expr_term(node: Node, nxt: int) -> Expr:
    inner = [child for child in node.children
             if not (isinstance(child, Token) and child.type in ("LPAR", "RPAR")) and not _is_newline(child)]
    if not inner:
        return Opaque("an empty expression")
    return expression(inner[0], nxt)


def _literal_value(node: Node, nxt: int) -> Expr:
    word = str(node.children[0])
    return Lit(_LITERAL_WORDS.get(word, word))


def _number(node: Node, nxt: int) -> Expr:
    return number(str(node.children[0]))


def _identifier(node: Node, nxt: int) -> Expr:
    return Ref(str(node.children[0]), ())


def _string(node: Node, nxt: int) -> Expr:
    parts = node.children[1:-1]
    out: list[str | Expr] = []
    index = 0
    while index < len(parts):
        content = parts[index].children[0]
        if isinstance(content, Tree):
            if content.data in _OPENERS:
                index = _directive_end(parts, index)
                out.append(Opaque("a template directive"))
                continue
            if content.data in _DIRECTIVES:
                out.append(Opaque("a template directive"))  # an else, endif or endfor of no directive
            elif content.data == "interpolation":
                exprs = [child for child in content.children if _is_expr(child)]
                out.append(expression(exprs[0], nxt) if exprs else Opaque("an empty interpolation"))
            else:
                out.append(Opaque("a template directive"))
        elif content.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
            out.append(str(content)[1:])  # $${ → ${, %%{ → %{
        else:
            out.append(unescape(str(content)))
        index += 1
    return template(out)


def _directive_end(parts: list[Node], start: int) -> int:
    """The index after the ``endif`` / ``endfor`` that closes the directive opened at ``start`` (nested ones
    matched on a stack; an ``else`` belongs to the innermost open ``if`` before its ``else``)."""
    stack = [_OPENERS[parts[start].children[0].data]]  # "if", "else" (an if past its else) or "for"
    index = start + 1
    while stack:
        if index >= len(parts):
            directive = "for" if stack[-1] == "for" else "if"
            raise SyntaxProblem(f"unterminated template {directive} directive", parts[start].meta.line)
        content = parts[index].children[0]
        kind = content.data if isinstance(content, Tree) else None
        top = stack[-1]
        if kind == "template_else" and top == "if":
            stack[-1] = "else"
        elif (kind == "template_endif" and top in ("if", "else")) or (kind == "template_endfor" and top == "for"):
            stack.pop()
        elif kind in _OPENERS:
            stack.append(_OPENERS[kind])
        index += 1
    return index


def _heredoc(node: Node, nxt: int) -> Expr:
    return heredoc(str(node.children[0]), node.data == "heredoc_template_trim")


def _tuple(node: Node, nxt: int) -> Expr:
    return Tuple(tuple(expression(child, nxt) for child in node.children if _is_expr(child)))


def _object(node: Node, nxt: int) -> Expr:
    items = []
    for elem in node.children:
        if not (isinstance(elem, Tree) and elem.data == "object_elem"):
            continue
        parts = [child for child in elem.children
                 if _is_expr(child) or (isinstance(child, Tree) and child.data == "object_elem_key")]
        items.append((_object_key(parts[0], nxt), expression(parts[-1], nxt)))
    return Object(tuple(items))


def _object_key(node: Node, depth: int) -> Expr:
    key = node.children[0]
    if key.data == "keyword":
        return Lit(str(key.children[0]))  # ``in = 1``: a name
    if key.data == "expr_term":
        inner = next(child for child in key.children if isinstance(child, Tree) and not _is_newline(child))
        if inner.data in ("identifier", "literal_value"):
            return Lit(str(inner.children[0]))  # a bare key is a name, not a reference (``(k)`` is one)
        if inner.data in _KEY_LITERALS:
            return expression(inner, depth)
    return expression(key, depth)


def _traversal(node: Node, nxt: int) -> Expr:
    base = expression(node.children[0], nxt)
    step = _step(node.children[1], nxt)
    if isinstance(base, Ref) and step is not None:
        return Ref(base.root, (*base.steps, step))
    return Opaque("an attribute or index of a computed value")


def _step(node: Node, depth: int) -> str | Expr | None:
    if node.data == "get_attr":
        name = next((child for child in node.children if isinstance(child, Tree) and child.data in _NAMES), None)
        return str(name.children[0]) if name is not None else None
    if node.data == "braces_index":
        exprs = [child for child in node.children if _is_expr(child)]
        return expression(exprs[0], depth) if exprs else None
    if node.data == "short_index":  # legacy ``list.0``
        return Lit(int(str(node.children[-1]).lstrip(".")))
    return None


def _call(node: Node, nxt: int) -> Expr:
    name = "::".join(str(child.children[0]) for child in node.children
                     if isinstance(child, Tree) and child.data == "identifier")
    args: list[Expr] = []
    expand = False
    for child in node.children:
        if isinstance(child, Tree) and child.data == "arguments":
            for arg in child.children:
                if isinstance(arg, Token):
                    expand = expand or arg.type == "ELLIPSIS"
                elif _is_expr(arg):
                    args.append(expression(arg, nxt))
    return Call(name, tuple(args), expand)


def _conditional(node: Node, nxt: int) -> Expr:
    exprs = [child for child in node.children if _is_expr(child)]
    if len(exprs) != 3:
        return Opaque("a malformed conditional")
    return Cond(*(expression(e, nxt) for e in exprs))


def _unary(node: Node, nxt: int) -> Expr:
    return Unary(str(node.children[0]), expression(node.children[1], nxt))


def _binary(node: Node, nxt: int) -> Expr:
    exprs = [child for child in node.children if not _is_newline(child)]
    left = expression(exprs[0], nxt)
    term = exprs[1].children
    operator = next(child for child in term if isinstance(child, Tree) and child.data == "binary_operator")
    operand = next(child for child in term if _is_expr(child))
    # a line break before the operator is joined to its token by python-hcl2's post-lexer
    return Binary(str(operator.children[0]).lstrip("\n \t"), left, expression(operand, nxt))


def _opaque(what: str) -> Callable[[Node, int], Expr]:
    return lambda node, nxt: Opaque(what)


_READERS: dict[str, Callable[[Node, int], Expr]] = {
    "expr_term": _expr_term, "literal_value": _literal_value, "int_lit": _number, "float_lit": _number,
    "identifier": _identifier, "string": _string, "heredoc_template": _heredoc, "heredoc_template_trim": _heredoc,
    "tuple": _tuple, "object": _object, "get_attr_expr_term": _traversal, "index_expr_term": _traversal,
    "function_call": _call, "conditional": _conditional, "unary_op": _unary, "binary_op": _binary,
    "for_tuple_expr": _opaque("a for expression"), "for_object_expr": _opaque("a for expression"),
    "attr_splat_expr_term": _opaque("a splat expression"), "full_splat_expr_term": _opaque("a splat expression"),
}
