"""One linear lexical pass over HCL's native syntax, before python-hcl2 parses a file.

The pass knows comments (``#``, ``//``, ``/* */``), quoted templates with their ``${ … }`` / ``%{ … }`` sequences
(nested strings and braces inside them), and heredocs. It makes two rewrites, both keeping every line number:

* **multi-line interpolations**: HCL allows newlines inside a quoted string's ``${ … }``; python-hcl2 8 does not.
  Those newlines move right after the string's closing quote (a comment inside such an interpolation is blanked,
  since it would otherwise run to the end of the joined line);
* **blocks cogcheck never reads** (data sources, outputs, resources of types cogcheck does not map) are replaced by
  their newlines, so that the parser spends no time on them; their keyword, labels and lines are kept aside
  (:class:`Skipped`). Only a block whose header is plain (the keyword and quoted labels without escapes) and whose
  text names no ``aws_cognito_`` type and holds no ``\\u`` escape is left out: were the pass ever to disagree with
  the parser about where a block ends, what it leaves out cannot be a Cognito resource.

It also says where each top-level block it keeps ends (:attr:`Lexed.ends`), so that a large file can be parsed a
piece at a time (:mod:`cogcheck.inputs.terraform.hcl`).

When the pass meets something it cannot follow (an unterminated string, comment or heredoc, an unbalanced brace),
it changes nothing: the parser then reads the original text and reports what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

#: Top-level blocks whose bodies cogcheck never reads (``resource`` only for the types it does not map).
SKIPPED_BLOCKS = ("resource", "data", "output")

_EXPRESSION = re.compile(r'["{}\n#/<]')  # what can change the state in expression mode
_TEMPLATE = re.compile(r'["\\\n$%]')  # … inside a quoted template
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
_HEADER = re.compile(r'(?:\A|\n)[ \t]*([a-z]+)((?:[ \t]+"[^"\\\n]*")+)[ \t]*\Z')
_LABEL = re.compile(r'"([^"]*)"')


class _Unsure(Exception):
    """The pass cannot follow the text: leave it to the parser."""


@dataclass
class Skipped:
    """A top-level block left out of the text: what cogcheck still needs to know of it."""

    keyword: str
    labels: tuple[str, ...]
    line: int
    end_line: int


@dataclass
class Lexed:
    text: str  # the rewritten text (the original when nothing needed rewriting or the pass was unsure)
    joined: int = 0  # newlines moved out of interpolations
    skipped: list[Skipped] = field(default_factory=list)  # blocks replaced by their newlines
    ends: list[int] = field(default_factory=list)  # offset in ``text`` of the "}" of each top-level block kept


def prepare(text: str, mapped_types: Collection[str]) -> Lexed:
    """``text`` rewritten as described above; ``mapped_types``: the resource types whose blocks are read."""
    try:
        out, joined, blocks = _lex(text)
    except _Unsure:
        return Lexed(text)
    rewritten = "".join(out)
    skipped: list[Skipped] = []
    pieces: list[str] = []
    last = 0  # end of the text already in pieces
    previous_end = 0  # end of the previous top-level block
    line, counted = 1, 0  # the line at offset ``counted``
    ends: list[int] = []
    removed = 0  # characters left out before the current block
    for open_at, close_at in blocks:
        header = _HEADER.search(rewritten, previous_end, open_at)
        previous_end = close_at + 1
        if header is None:
            ends.append(close_at - removed)
            continue
        labels = tuple(_LABEL.findall(header.group(2)))
        start = header.start(1)
        if not _skipped(header.group(1), labels, mapped_types) or "aws_cognito_" in rewritten[start:close_at] \
                or "\\u" in rewritten[open_at:close_at] or "\\U" in rewritten[open_at:close_at]:
            ends.append(close_at - removed)
            continue
        line += rewritten.count("\n", counted, start)
        newlines = rewritten.count("\n", start, close_at)
        skipped.append(Skipped(header.group(1), labels, line, line + newlines))
        pieces += [rewritten[last:start], "\n" * newlines]
        line, counted, last = line + newlines, close_at, close_at + 1
        removed += close_at + 1 - start - newlines
    if skipped:
        pieces.append(rewritten[last:])
        rewritten = "".join(pieces)
    return Lexed(rewritten, joined, skipped, ends)


def _skipped(keyword: str, labels: tuple[str, ...], mapped_types: Collection[str]) -> bool:
    if keyword not in SKIPPED_BLOCKS:
        return False
    if keyword == "resource":
        return len(labels) == 2 and labels[0] not in mapped_types
    return True


def _lex(text: str) -> tuple[list[str], int, list[tuple[int, int]]]:
    """(the rewritten text in pieces, newlines moved, the top-level blocks as (open, close) offsets in it)."""
    out: list[str] = []
    size = 0  # characters in ``out``
    stack: list[str] = []  # "{" a brace, "$" an interpolation or directive, '"' a quoted template
    interpolations = 0  # "$" frames on the stack: newlines there move
    moved = 0
    joined = 0
    blocks: list[tuple[int, int]] = []
    block_open = -1
    index, end = 0, len(text)

    def emit(piece: str) -> None:
        nonlocal size
        out.append(piece)
        size += len(piece)

    while index < end:
        if stack and stack[-1] == '"':
            found = _TEMPLATE.search(text, index)
            if found is None:
                raise _Unsure
            at = found.start()
            emit(text[index:at])
            char = text[at]
            if char == "\\":
                emit(text[at:at + 2])
                index = at + 2
            elif char in "$%":
                if text.startswith(char * 2 + "{", at):
                    emit(text[at:at + 3])
                    index = at + 3
                elif text.startswith("{", at + 1):
                    stack.append("$")
                    interpolations += 1
                    emit(text[at:at + 2])
                    index = at + 2
                else:
                    emit(char)
                    index = at + 1
            elif char == '"':
                stack.pop()
                emit('"')
                index = at + 1
                if interpolations == 0 and moved:
                    emit("\n" * moved)
                    joined += moved
                    moved = 0
            else:  # a newline in a quoted template: not HCL
                raise _Unsure
            continue
        found = _EXPRESSION.search(text, index)
        if found is None:
            emit(text[index:])
            break
        at = found.start()
        emit(text[index:at])
        char = text[at]
        index = at + 1
        if char == '"':
            stack.append('"')
            emit('"')
        elif char == "{":
            if not stack:
                block_open = size
            stack.append("{")
            emit("{")
        elif char == "}":
            if not stack:
                raise _Unsure
            if stack.pop() == "$":
                interpolations -= 1
            elif not stack and block_open >= 0:
                blocks.append((block_open, size))
                block_open = -1
            emit("}")
        elif char == "\n":
            if interpolations:
                emit(" ")
                moved += 1
            else:
                emit("\n")
        elif char == "#" or text.startswith("//", at):
            stop = text.find("\n", at)
            stop = end if stop < 0 else stop
            emit(" " * (stop - at) if interpolations else text[at:stop])
            index = stop
        elif text.startswith("/*", at):
            stop = text.find("*/", at + 2)
            if stop < 0:
                raise _Unsure
            comment = text[at:stop + 2]
            if interpolations:
                lines = comment.count("\n")
                emit(" " * len(comment))
                moved += lines
            else:
                emit(comment)
            index = stop + 2
        elif char == "<":
            heredoc = _HEREDOC.match(text, at)
            if heredoc is None:
                emit("<")
                continue
            if interpolations:
                raise _Unsure
            closing = re.compile(rf"^[ \t]*{re.escape(heredoc.group(1))}[ \t]*\r?$", re.MULTILINE)
            last = closing.search(text, heredoc.end())
            if last is None:
                raise _Unsure
            emit(text[at:last.end()])
            index = last.end()
        else:  # "/" not starting a comment
            emit(char)
    if stack:
        raise _Unsure
    return out, joined, blocks
