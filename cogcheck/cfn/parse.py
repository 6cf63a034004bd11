"""Parse CloudFormation templates (JSON and YAML with short-form tags), keeping a way back to positions.

Positions are located lazily, only for findings: JSON is parsed with :func:`json.loads` and re-scanned along one
path when a position is asked for; YAML keeps libyaml's node graph (marks) beside the constructed document.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

PathT = tuple[str | int, ...]
Position = tuple[int, int]

#: Upper bound on the size of a YAML document once aliases are expanded (a "billion laughs" guard).
MAX_EXPANDED_NODES = 1_000_000

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
    #: answers computed once per template for all its clients (resources by type, predicate results)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

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
        pass

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

    def construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:
        """Keys are strings, verbatim: a logical id `Off` or `Yes` is not a boolean to CloudFormation."""
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
    return CfnLoader


_LOADER: type[Any] | None = None


def _expanded_size(root: Any, limit: int) -> int:
    """Number of nodes once aliases are expanded, stopping early past ``limit``."""
    import yaml

    memo: dict[int, int] = {}

    def size(node: Any) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = limit + 1  # a cycle counts as too large
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
                if total > limit:
                    break
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > limit:
                    break
        memo[key] = total
        return total

    return size(root)


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
            if entries is None:  # index each mapping once: positions of many findings in a big template
                entries = index[id(node)] = {}
                for key_node, _value in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value not in entries:
                        found = _yaml_mapping_entry(node, key_node.value)
                        if found is not None:
                            entries[key_node.value] = found
            found = entries.get(part) or _yaml_mapping_entry(node, part)
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


def _yaml_mapping_entry(node: Any, key: str) -> tuple[Any, Any] | None:
    import yaml

    merged: list[Any] = []
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            if key_node.value == key:
                return key_node, value_node
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.append(value_node)
    for value_node in merged:
        for candidate in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
            if isinstance(candidate, yaml.MappingNode):
                found = _yaml_mapping_entry(candidate, key)
                if found is not None:
                    return found
    return None


def _parse_yaml(file: str, text: str) -> tuple[Any, Callable[[PathT], Position]]:
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _yaml_loader_class()
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, lambda _p: (1, 1)
        if _expanded_size(root, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
            raise TemplateError(file, f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes; refusing")
        doc = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise TemplateError(file, f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise TemplateError(file, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise TemplateError(file, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    index: dict[int, dict[str, tuple[Any, Any]]] = {}
    return doc, lambda path: _locate_yaml(root, path, index)


# ---------------------------------------------------------------------------------------------------------- JSON

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@dataclass
class _JsonIndex:
    """What earlier lookups learned about one JSON text: where each key's value starts, and line starts."""

    entries: dict[PathT, tuple[int, int]] = field(default_factory=dict)  # path → (value offset, key offset)
    indexed: set[PathT] = field(default_factory=set)  # objects whose keys are all in ``entries``
    lines: list[int] = field(default_factory=list)

    def position(self, text: str, offset: int) -> Position:
        if not self.lines:
            self.lines = [0, *(m.end() for m in re.finditer("\n", text))]
        line = bisect.bisect_right(self.lines, offset)
        return line, offset - self.lines[line - 1] + 1


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def _index_object(text: str, pos: int, prefix: PathT, index: _JsonIndex) -> None:
    """Record every key of the object starting at ``pos`` (the first of duplicates wins, as positions go)."""
    from json.decoder import scanstring  # type: ignore[attr-defined]

    pos = _skip(text, pos + 1)
    while text[pos] == '"':
        key_start = pos
        key, pos = scanstring(text, pos + 1)
        pos = _skip(text, _skip(text, pos) + 1)  # past ':'
        index.entries.setdefault((*prefix, key), (pos, key_start))
        _value, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    index.indexed.add(prefix)


def _locate_json(text: str, path: PathT, index: _JsonIndex | None = None) -> Position:
    index = index if index is not None else _JsonIndex()
    pos = found = _skip(text, 0)
    try:
        for depth, part in enumerate(path, start=1):
            prefix, here = path[: depth - 1], path[:depth]
            if here in index.entries:
                pos, found = index.entries[here]
                continue
            opener = text[pos]
            if opener == "{" and isinstance(part, str):
                if prefix not in index.indexed:
                    _index_object(text, pos, prefix, index)
                if here not in index.entries:
                    break
                pos, found = index.entries[here]
            elif opener == "[" and isinstance(part, int):
                pos = _skip(text, pos + 1)
                for _ in range(part):
                    if text[pos] == "]":
                        return index.position(text, found)
                    _value, pos = _DECODER.raw_decode(text, pos)
                    pos = _skip(text, pos)
                    if text[pos] == ",":
                        pos = _skip(text, pos + 1)
                if text[pos] == "]":
                    break
                found = pos
                index.entries[here] = (pos, found)
            else:
                break
    except (IndexError, ValueError):
        pass
    return index.position(text, found)


def _parse_json(file: str, text: str) -> tuple[Any, Callable[[PathT], Position]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(file, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise TemplateError(file, "invalid JSON: nested too deeply") from None
    index = _JsonIndex()
    return doc, lambda path: _locate_json(text, path, index)


# ------------------------------------------------------------------------------------------------------ entry point


def decode(file: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(file, f"not UTF-8 text (byte {exc.start})") from None


def parse_template(file: str, data: bytes, *, suffix: str = "") -> Template | None:
    """Parse ``data`` read from ``file``. ``None`` when it parses but is not a template (no ``Resources``).

    Raises :class:`TemplateError` for bytes that are neither valid JSON nor valid YAML.
    """
    text = decode(file, data)
    stripped = text.lstrip()
    if suffix == ".json" or stripped.startswith("{"):
        try:
            doc, locate = _parse_json(file, text)
        except TemplateError:
            if suffix == ".json":
                raise
            doc, locate = _parse_yaml(file, text)  # YAML flow style, e.g. `{Resources: ...}`
    else:
        doc, locate = _parse_yaml(file, text)
    return as_template(file, doc, locate)


def as_template(file: str, doc: Any, locate: Callable[[PathT], Position] | None = None) -> Template | None:
    """Wrap an already-parsed document; recognizes CloudFormation and Serverless Framework (``resources.Resources``)."""
    if not isinstance(doc, dict):
        return None
    loc = locate or (lambda _p: (1, 1))
    if isinstance(doc.get("Resources"), dict):
        return Template(file, doc, ("Resources",), False, loc)
    nested = doc.get("resources")
    if isinstance(nested, dict) and isinstance(nested.get("Resources"), dict):
        return Template(file, doc, ("resources", "Resources"), True, loc)
    return None


def iter_resource_ids(template: Template, resource_type: str) -> Sequence[str]:
    return [
        logical_id
        for logical_id, resource in template.resources.items()
        if isinstance(resource, dict) and resource.get("Type") == resource_type
    ]
