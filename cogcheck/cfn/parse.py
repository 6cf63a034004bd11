"""Parse CloudFormation templates (JSON and YAML with short-form tags), keeping a way back to positions.

Positions are located lazily, only for findings: JSON is parsed with :func:`json.loads` and its containers are
read again, each once, where a position is asked for (:mod:`cogcheck.cfn.jsontext`); YAML keeps libyaml's node graph
(marks) beside the constructed document.
"""

from __future__ import annotations

import codecs
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cogcheck.cfn.duplicates import MAX_RECORDED, Duplicates, has_transform, json_duplicates, yaml_duplicates
from cogcheck.cfn.jsontext import JsonText

if TYPE_CHECKING:
    import yaml

PathT = tuple[str | int, ...]
Position = tuple[int, int]

#: Upper bound on the size of a YAML document once aliases are expanded (a "billion laughs" guard).
MAX_EXPANDED_NODES = 1_000_000
#: Deepest nesting of mappings and lists a template may have (real templates stay under 20); deeper is an error.
MAX_DEPTH = 100
#: Integer literals longer than this are kept as their text (Python refuses to convert more than 4,300 digits).
MAX_INT_DIGITS = 4000

#: Short-form tags and their long forms. ``!GetAtt a.b`` and ``!Ref`` / ``!Condition`` are special-cased.
_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "Sub", "If", "Join", "Select", "Split", "FindInMap", "Equals", "And", "Or", "Not", "ImportValue",
            "Base64", "Cidr", "GetAZs", "Transform", "Length", "ToJsonString", "ForEach",
        )
    },
}


class TemplateError(Exception):
    """An input that could not be read or parsed. ``line`` is 1-based when known."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.message = message
        self.line = line

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass
class Template:
    """One parsed template: the document and a way to find where a path of it was written."""

    file: str
    doc: dict[str, Any]
    resources_key: PathT = ("Resources",)
    serverless: bool = False
    _locate: Callable[[PathT], Position] = field(default=lambda _p: (1, 1), repr=False)
    #: keys written twice in one mapping, the last value kept (only in a template with a ``Transform``; see
    #: :mod:`cogcheck.cfn.duplicates`)
    duplicates: Duplicates = field(default_factory=Duplicates, repr=False)
    #: answers computed once per template for all its clients (resources by type, predicate results)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    #: the language the template was written in: "cloudformation", or "terraform" for resources cogcheck wrote from a
    #: Terraform configuration (``Fn::GetAtt`` then names a provider attribute: :mod:`cogcheck.cfn.shapes`)
    dialect: str = "cloudformation"
    #: the text the template was parsed from and its syntax ("yaml" or "json"): what a fix splices (cogcheck.fix);
    #: "" for a document cogcheck built (Terraform, a nested stack's parent)
    source: str = field(default="", repr=False, compare=False)
    syntax: str = ""
    #: where the values of a JSON ``source`` are written, as the parser found them: the map findings' positions
    #: come from, which fixes reuse instead of reading the text again
    written: JsonText | None = field(default=None, repr=False, compare=False)
    #: the node graph of a YAML ``source`` as libyaml composed it for the parse, which fixes reuse instead of
    #: composing the text again (None when constructing the document changed it: :func:`_parse_yaml`)
    composed: yaml.Node | None = field(default=None, repr=False, compare=False)

    @property
    def resources(self) -> dict[str, Any]:
        node: Any = self.doc
        for key in self.resources_key:
            node = node[key]
        return node  # type: ignore[no-any-return]

    def locate(self, path: PathT) -> Position:
        """(line, column), both 1-based, of the deepest part of ``path`` that is written in the file."""
        return self._locate(path)

    def locate_in_resources(self, path: PathT) -> Position:
        return self._locate(self.resources_key + path)


# ---------------------------------------------------------------------------------------------------------- YAML


def _yaml_loader_class() -> type[Any]:
    import yaml

    base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class CfnLoader(base):  # type: ignore[misc]
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self.repeated: list[tuple[Any, Any]] = []  # (mapping node, key node) of each key written again
            self.repeated_total = 0
            self.merged = False  # a merge key (``<<``) was flattened into its mapping

    def construct_tag(loader: Any, tag_suffix: str, node: Any) -> Any:
        tag = "!" + tag_suffix
        name = _TAGS.get(tag, "Fn::" + tag_suffix)
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "!GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    def construct_timestamp(loader: Any, node: Any) -> Any:
        return loader.construct_scalar(node)  # CloudFormation reads dates as strings

    def construct_int(loader: Any, node: Any) -> Any:
        text = loader.construct_scalar(node)
        if len(text) > MAX_INT_DIGITS:
            return text  # kept as written: cogcheck.cfn.values.to_number reads it as a (huge) number
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)

    def construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:
        """Keys are strings, verbatim: a logical id `Off` or `Yes` is not a boolean to CloudFormation.

        A key written twice in one mapping keeps its last value and is recorded in ``loader.repeated`` (the caller
        decides whether that is an error: CloudFormation rejects it, SAM CLI keeps the last value).
        """
        written: set[str] = set()
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in written:
                    loader.repeated_total += 1
                    if len(loader.repeated) < MAX_RECORDED:
                        loader.repeated.append((node, key_node))
                written.add(key_node.value)
            elif isinstance(key_node, yaml.ScalarNode):
                loader.merged = True  # flatten_mapping rewrites the node: the graph is no longer the text's
        loader.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key: Any = key_node.value
            else:
                key = loader.construct_object(key_node, deep=deep)
                if not isinstance(key, str | int | float | bool | None):
                    raise yaml.constructor.ConstructorError(
                        None, None, "a mapping key must be a scalar", key_node.start_mark
                    )
            mapping[key] = loader.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_map(loader: Any, node: Any) -> Any:
        data: dict[Any, Any] = {}
        yield data
        data.update(construct_mapping(loader, node))

    CfnLoader.construct_mapping = construct_mapping
    CfnLoader.add_constructor("tag:yaml.org,2002:map", construct_yaml_map)
    CfnLoader.add_multi_constructor("!", construct_tag)
    CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
    CfnLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
    return CfnLoader


_LOADER: type[Any] | None = None


def _check_yaml_graph(file: str, root: Any) -> None:
    """Refuse a node graph whose expansion (aliases followed) is too large or too deep; iterative, bounded."""
    import yaml

    count = 0
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_EXPANDED_NODES:
            raise TemplateError(file, f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes; refusing")
        if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
            if depth >= MAX_DEPTH:
                raise TemplateError(
                    file, f"nested more than {MAX_DEPTH} levels deep; refusing", node.start_mark.line + 1
                )
            if isinstance(node, yaml.SequenceNode):
                stack.extend((child, depth + 1) for child in node.value)
            else:
                for key, value in node.value:
                    stack.append((key, depth + 1))
                    stack.append((value, depth + 1))


def _locate_yaml(root: Any, path: PathT, index: dict[int, dict[str, tuple[Any, Any]]] | None = None) -> Position:
    import yaml

    index = index if index is not None else {}
    node = root
    mark = root.start_mark
    for part in path:
        if isinstance(part, str) and node.tag in _TAGS and _TAGS[node.tag] == part:
            continue  # a short-form tag stands for the one-key mapping {part: ...}
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            entries = index.get(id(node))
            if entries is None:  # index each mapping once, in one pass: many findings in a big template
                entries = index[id(node)] = _yaml_entries(node)
            found = entries.get(part)
            if found is None:
                break
            key_node, node = found
            mark = key_node.start_mark
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1


def _yaml_entries(node: Any) -> dict[str, tuple[Any, Any]]:
    """key → (key node, value node) of a mapping node, merge keys (``<<``) included; its own keys win, and of a
    key written twice in one mapping the last (the value kept)."""
    import yaml

    entries: dict[str, tuple[Any, Any]] = {}
    pending = [node]
    visited: set[int] = set()
    while pending:  # the mapping first, then what it merges, breadth first: the first mapping to write a key wins
        current = pending.pop(0)
        if id(current) in visited:
            continue
        visited.add(id(current))
        merged: list[Any] = []
        own: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in current.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.append(value_node)
            else:
                own[key_node.value] = (key_node, value_node)
        for key, entry in own.items():
            entries.setdefault(key, entry)
        for value_node in merged:
            for candidate in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
                if isinstance(candidate, yaml.MappingNode):
                    pending.append(candidate)
    return entries


def _reader_error(file: str, text: str, exc: Any) -> TemplateError:
    """The line and column of the character the YAML reader refused. The reader stops at the first character it does
    not allow, so that character's first occurrence is the place (libyaml counts its offset in UTF-8 bytes)."""
    code = exc.character if isinstance(exc.character, int) else None
    position = text.find(chr(code)) if code is not None and 0 <= code <= 0x10FFFF else -1
    if position < 0:
        return TemplateError(file, f"invalid YAML: {exc.reason}")
    line_start = text.rfind("\n", 0, position) + 1
    where = f"U+{code:04X} at column {position - line_start + 1}"
    return TemplateError(file, f"invalid YAML: {exc.reason}: {where}", text.count("\n", 0, position) + 1)


def _parse_yaml(file: str, text: str) -> tuple[Any, Callable[[PathT], Position], Duplicates, yaml.Node | None]:
    """The document, where its paths are written, its repeated keys, and its node graph when that is still the
    text's as composed (no merge key flattened into a mapping, no byte order mark libyaml's marks leave uncounted):
    the nodes fixes splice at (:mod:`cogcheck.fix.nodes`), composed once for both."""
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _yaml_loader_class()
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, lambda _p: (1, 1), Duplicates(), None
        _check_yaml_graph(file, root)
        doc = loader.construct_document(root)
        duplicates = (
            yaml_duplicates(root, loader.repeated, loader.repeated_total, _TAGS) if loader.repeated else Duplicates()
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise TemplateError(file, f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other controls): its line
        raise _reader_error(file, text, exc) from None
    except yaml.YAMLError as exc:
        raise TemplateError(file, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise TemplateError(file, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    index: dict[int, dict[str, tuple[Any, Any]]] = {}
    composed = root if not loader.merged and "\ufeff" not in text else None
    return doc, functools.partial(_locate_yaml, root, index=index), duplicates, composed


# ---------------------------------------------------------------------------------------------------------- JSON

#: JSON strings and the punctuation that gives structure (numbers and literals need no attention here).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]')


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
    return result


def _parse_int(text: str) -> int | str:
    return int(text) if len(text) <= MAX_INT_DIGITS else text


def _json_problem(text: str, duplicates: bool = True) -> tuple[int, str] | None:
    """(offset, message) of the first key written twice in an object (when ``duplicates``), or of nesting past
    :data:`MAX_DEPTH`."""
    stack: list[set[str] | None] = []  # per open container: the keys seen so far (None for an array)
    last: re.Match[str] | None = None
    for match in _JSON_TOKEN.finditer(text):
        mark = match.group()
        if mark in "{[":
            stack.append(set() if mark == "{" else None)
            if len(stack) > MAX_DEPTH:
                return match.start(), f"nested more than {MAX_DEPTH} levels deep; refusing"
        elif mark in "}]":
            if stack:
                stack.pop()
        elif duplicates and mark == ":" and last is not None and last.group().startswith('"') and stack \
                and stack[-1] is not None:
            key = json.loads(last.group())
            if key in stack[-1]:
                return last.start(), f"duplicate key {key!r} in an object"
            stack[-1].add(key)
        last = match
    return None


def _too_deep(doc: Any) -> bool:
    """Whether a container of ``doc`` (as :func:`json.loads` builds it: plain dicts and lists) sits
    :data:`MAX_DEPTH` levels down. One level at a time, containers only: a few C loops per level."""
    level = [doc] if type(doc) is dict or type(doc) is list else []
    depth = 0
    while level:
        if depth >= MAX_DEPTH:
            return True
        following: list[Any] = []
        for node in level:
            following += [c for c in (node.values() if type(node) is dict else node) if type(c) in _CONTAINERS]
        level = following
        depth += 1
    return False


_CONTAINERS = (dict, list)


class JsonError(ValueError):
    """JSON that cannot be used: ``line`` is 1-based when known; ``message`` is one line."""

    def __init__(self, message: str, line: int | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.reason = reason or message  # without "invalid JSON" and the column


def load_json(text: str | bytes) -> Any:
    """``json.loads`` for untrusted input: duplicate keys, nesting past :data:`MAX_DEPTH` and bad bytes are
    :class:`JsonError` (with a line when known); integers past :data:`MAX_INT_DIGITS` digits stay text."""
    if isinstance(text, bytes):
        try:
            text = decode_text(text)
        except UnicodeDecodeError as exc:
            raise JsonError(f"not UTF-8 text (byte {exc.start})") from None
    return _load_json(text, keep_duplicates=False)[0]


def _load_json(text: str, keep_duplicates: bool) -> tuple[Any, bool]:
    """(document, whether a key is written twice in an object); with ``keep_duplicates`` the last value is kept
    (as :func:`json.loads` does), otherwise a repeated key is a :class:`JsonError` at its line."""
    repeated: list[bool] = []

    def last_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs) and not repeated:
            repeated.append(True)
        return result

    try:
        hook = last_wins if keep_duplicates else _no_duplicates
        doc = json.loads(text, parse_int=_parse_int, object_pairs_hook=hook)
        problem = (0, f"nested more than {MAX_DEPTH} levels deep; refusing") if _too_deep(doc) else None
    except json.JSONDecodeError as exc:
        raise JsonError(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno, exc.msg) from None
    except _DuplicateKey:
        problem = (0, "duplicate key in an object")
    except RecursionError:
        problem = (0, f"nested more than {MAX_DEPTH} levels deep; refusing")
    if problem is not None:
        found = _json_problem(text, duplicates=not keep_duplicates)
        offset, message = found or problem
        raise JsonError(message, text.count("\n", 0, offset) + 1 if found else None)
    return doc, bool(repeated)


def _parse_json(file: str, text: str) -> tuple[Any, JsonText, Duplicates]:
    """The document, the map of where its values are written (positions and fixes share it) and its repeated keys."""
    try:
        doc, repeated = _load_json(text, keep_duplicates=True)
    except JsonError as exc:
        raise TemplateError(file, exc.message, exc.line) from None
    return doc, JsonText(text), json_duplicates(text) if repeated else Duplicates()


def parse_json_document(file: str, text: str) -> tuple[Any, Callable[[PathT], Position]]:
    """A JSON document with a way to its positions (Terraform's ``.tf.json``); a key written twice in an object is
    an error at its line."""
    doc, written, duplicates = _parse_json(file, text)
    _refuse(file, duplicates, "duplicate key{} in an object")
    return doc, written.locate


# ------------------------------------------------------------------------------------------------------ entry point


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> str:
    """UTF-8, or UTF-16/32 when a byte order mark says so (UTF-32's marks first: they start like UTF-16's)."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    return data.decode(encoding)


#: Escapes that can spell a letter or join lines inside a quoted scalar: JSON ``\u0043``, YAML ``\x43``, ``\u``,
#: ``\U`` and a backslash before a line break (a double-quoted YAML scalar continued on the next line).
_HIDING_ESCAPE = re.compile(rb"\\[xuU]|\\\r?\n")


def mentions(data: bytes, text: str, hidden: bool | None = None) -> bool:
    """Whether ``data`` may hold ``text`` once decoded and unescaped: the byte pre-filter that lets a file skip parsing.

    Widened, never narrowed: the bytes themselves; else any escape that could spell it; else a byte order mark or a
    NUL byte (UTF-16/32 text, decoded and parsed, or refused with an error). ``hidden``: :func:`hides` of the same
    bytes when already known (it does not depend on ``text``), so that asking for several texts scans them once.
    """
    if text.encode() in data:
        return True
    return hides(data) if hidden is None else hidden


def hides(data: bytes) -> bool:
    """Whether ``data`` may spell text other than as its bytes: an escape that could spell a letter, a NUL byte, or a
    byte order mark of UTF-16/32 (what :func:`mentions` widens by)."""
    if b"\x00" in data or _HIDING_ESCAPE.search(data):
        return True
    return any(data.startswith(bom) for bom, _name in _BOMS if bom != codecs.BOM_UTF8)


def decode(file: str, data: bytes) -> str:
    try:
        return decode_text(data)
    except UnicodeDecodeError as exc:
        raise TemplateError(file, f"not {exc.encoding.upper()} text (byte {exc.start})") from None


def parse_yaml_document(file: str, data: bytes) -> Any:
    """A YAML document read with the bounds of templates (aliases, depth, integers); a key written twice in one
    mapping is an error."""
    doc, _locate, duplicates, _composed = _parse_yaml(file, decode(file, data))
    _refuse(file, duplicates, "invalid YAML: duplicate key{} in a mapping")
    return doc


def parse_yaml_located(file: str, data: bytes) -> tuple[Any, Callable[[PathT], Position]]:
    """:func:`parse_yaml_document`, and where each path of it is written (line and column, 1-based)."""
    doc, locate, duplicates, _composed = _parse_yaml(file, decode(file, data))
    _refuse(file, duplicates, "invalid YAML: duplicate key{} in a mapping")
    return doc, locate


def _refuse(file: str, duplicates: Duplicates, words: str) -> None:
    """The error of a key written twice in one mapping, at the first one (what CloudFormation and cfn-lint say)."""
    if duplicates:
        first = duplicates.found[0] if duplicates.found else None
        raise TemplateError(file, words.format(f" {first.key!r}" if first else ""), first.line if first else None)


def parse_template(file: str, data: bytes, *, suffix: str = "") -> Template | None:
    """Parse ``data`` read from ``file``. ``None`` when it parses but is not a template (no ``Resources``).

    Raises :class:`TemplateError` for bytes that are neither valid JSON nor valid YAML, and for a key written twice
    in one mapping unless the template has a ``Transform`` (then the last value is kept and the template records
    the keys: :mod:`cogcheck.cfn.duplicates`).
    """
    text = decode(file, data)
    stripped = text.lstrip()
    words = "invalid YAML: duplicate key{} in a mapping"
    syntax = "yaml"
    written: JsonText | None = None
    composed: yaml.Node | None = None
    locate: Callable[[PathT], Position]
    if suffix == ".json" or stripped.startswith("{"):
        try:
            doc, written, duplicates = _parse_json(file, text)
            locate = written.locate
            words, syntax = "duplicate key{} in an object", "json"
        except TemplateError:
            if suffix == ".json":
                raise
            doc, locate, duplicates, composed = _parse_yaml(file, text)  # YAML flow style, e.g. `{Resources: ...}`
    else:
        doc, locate, duplicates, composed = _parse_yaml(file, text)
    if duplicates and not has_transform(doc):
        _refuse(file, duplicates, words)
    template = as_template(file, doc, locate, duplicates)
    if template is not None:
        template.source, template.syntax = text, syntax
        template.written, template.composed = written, composed
    return template


def as_template(
    file: str, doc: Any, locate: Callable[[PathT], Position] | None = None, duplicates: Duplicates | None = None
) -> Template | None:
    """Wrap an already-parsed document; recognizes CloudFormation and Serverless Framework (``resources.Resources``)."""
    if not isinstance(doc, dict):
        return None
    loc = locate or (lambda _p: (1, 1))
    repeated = duplicates or Duplicates()
    if isinstance(doc.get("Resources"), dict):
        return Template(file, doc, ("Resources",), False, loc, repeated)
    nested = doc.get("resources")
    if isinstance(nested, dict) and isinstance(nested.get("Resources"), dict):
        return Template(file, doc, ("resources", "Resources"), True, loc, repeated)
    return None
