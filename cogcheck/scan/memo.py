"""What the rule engine found for each client, kept from one check of a file to the next (``cogcheck lsp`` checks a
buffer again on every change): a client whose own resource and whose surroundings are written the same is not
evaluated again. Findings are still made afresh from the new text (positions, fixes), so a reused result is the
one a fresh evaluation gives, only cheaper.

What one client's evaluation reads (the resolver, the rules, the predicates): its own resource; the template's
parameters, conditions, mappings and other sections; the options (rules, policy, severities, parameter values);
and other resources, found by type (pools, identity providers, resource servers, attachments, functions) or
reached through references (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``DependsOn``). It never reads another user
pool client except through a reference. So a client's result is reused when

* its resource is written the same (compared as canonical JSON: ``1``, ``1.0`` and ``true`` differ, and so does
  the order of keys), and
* its *context* is the same: the whole document but for the clients no other part of it names (only the
  ``Outputs``, which nothing evaluates, may name a client and leave it out of the context). A client another
  resource names is part of every client's context: a change to it evaluates them all again, as does any change
  to a pool, an identity provider, a parameter or a condition.

Names are found conservatively: every run of name characters in every key and string of the other parts, and
each of its prefixes before a ``.`` or ``[`` (``${Client.Arn}``, ``aws_cognito_user_pool_client.c1.id``), so a
name written inside a longer text may count as a mention (then the client is in the context: slower, never
wrong). Not used with the ``previous`` setting (COG-S020 reads a file on disk) or in a template with keys written
twice (the duplicates recorded are bounded per template). Memory: the last check's results of at most
:data:`MAX_FILES` files, and the last template checked (:attr:`ClientMemo.template`: the Language Server reads where
its resources are written from it, instead of parsing the buffer again).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter, OrderedDict
from typing import TYPE_CHECKING, Any

from cogcheck.cfn.types import CLIENT_TYPE
from cogcheck.findings import Notice

if TYPE_CHECKING:
    from cogcheck.cfn.parse import Template
    from cogcheck.cfn.scenarios import Scenario
    from cogcheck.engine.evaluate import Hit
    from cogcheck.inputs.types import TemplateInput

#: Files whose clients' results are kept (the least recently checked is forgotten first).
MAX_FILES = 64

_NAMES = re.compile(r"[\w.\[\]:-]+")
_INSTANCE = re.compile(r"\[[^\]]*\]$")


class Evaluated:
    """What the engine found for one client under each of its scenarios, before findings are made. (Plain classes
    here, not dataclasses: every scan imports this module.)"""

    __slots__ = ("evaluated", "first", "hits", "notices", "roles")

    def __init__(self) -> None:
        self.hits: dict[tuple[Any, ...], list[Scenario]] = {}
        self.first: dict[tuple[Any, ...], tuple[Hit, dict[Any, Any]]] = {}
        self.roles: dict[tuple[Any, ...], set[str]] = {}
        self.evaluated: list[Scenario] = []
        self.notices: list[Notice] = []


class _Kept:
    """A file's clients as last checked: ``clients``, logical id → (its resource as canonical JSON, its result);
    ``names``, canonical JSON → the names it mentions (:func:`_names`)."""

    __slots__ = ("clients", "context", "names")

    def __init__(self, context: str, clients: dict[str, tuple[str, Evaluated]],
                 names: dict[str, set[str]] | None = None) -> None:
        self.context = context
        self.clients = clients
        self.names: dict[str, set[str]] = {} if names is None else names


class ClientMemo:
    """The clients' results of the files checked last; one per checker whose options do not change (a new
    configuration is a new memo)."""

    def __init__(self) -> None:
        self._files: OrderedDict[str, _Kept] = OrderedDict()
        self.reused = 0  # clients whose result was reused, and evaluated: for tests and the benchmark
        self.evaluated = 0
        self.template: Template | None = None  # the template of the last check (only the last: one at a time)

    def session(self, template: Template, item: TemplateInput | None, on_disk: str | None) -> Session | None:
        """The look-ups of one check of ``template``, or None when its clients' results are not kept (``on_disk``:
        the policy's previous template, which COG-S020 reads from disk)."""
        self.template = template
        if on_disk or template.duplicates:
            return None
        resources = template.resources
        try:
            texts = {name: _canonical(resource) for name, resource in resources.items()}
            rest = _canonical(_without(template.doc, template.resources_key, "Outputs"))
            outputs = _canonical(_outputs(template.doc, template.resources_key))
            where = _canonical([
                template.file, template.resources_key, template.serverless, template.dialect,
                item.stack if item is not None else None, dict(item.parameters) if item is not None else None,
                item.dialect if item is not None else None,
            ])
        except (TypeError, ValueError, RecursionError):  # a value JSON cannot write: evaluated afresh
            return None
        kept = self._files.get(template.file)
        known = kept.names if kept is not None else {}
        names: dict[str, set[str]] = {}  # most texts are those of the last check: their names are known

        def named(text: str) -> set[str]:
            found = names[text] = known.get(text) or _names(text)
            return found

        mentions: Counter[str] = Counter()
        own: dict[str, set[str]] = {}
        for name, text in texts.items():
            found = named(text)
            own[name] = found
            mentions.update(found)
        mentions.update(named(rest))
        free = {
            name for name, resource in resources.items()
            if isinstance(resource, dict) and resource.get("Type") == CLIENT_TYPE
            and mentions[_base(name)] - (_base(name) in own[name]) == 0
        }
        context = "\n".join([where, rest, outputs, *(f"{json.dumps(name)}:{text}" for name, text in texts.items()
                                                     if name not in free), json.dumps(sorted(free))])
        previous = kept.clients if kept is not None and kept.context == context else {}
        return Session(self, template.file, context, texts, previous, names)

    def _store(self, file: str, kept: _Kept) -> None:
        self._files[file] = kept
        self._files.move_to_end(file)
        while len(self._files) > MAX_FILES:
            self._files.popitem(last=False)


class Session:
    """One check of one template: the results reused, and those evaluated for the next check."""

    def __init__(
        self, memo: ClientMemo, file: str, context: str, texts: dict[str, str],
        previous: dict[str, tuple[str, Evaluated]], names: dict[str, set[str]],
    ) -> None:
        self._memo, self._file, self._context, self._texts, self._previous = memo, file, context, texts, previous
        self._names = names
        self._now: dict[str, tuple[str, Evaluated]] = {}

    def get(self, logical_id: str) -> Evaluated | None:
        """The client's result of the last check, when it still holds."""
        found = self._previous.get(logical_id)
        if found is None or found[0] != self._texts.get(logical_id):
            return None
        self._now[logical_id] = found
        self._memo.reused += 1
        return found[1]

    def put(self, logical_id: str, evaluated: Evaluated) -> None:
        self._now[logical_id] = (self._texts[logical_id], evaluated)
        self._memo.evaluated += 1

    def close(self) -> None:
        """Keep this check's results (of this template's clients) for the next check."""
        self._memo._store(self._file, _Kept(self._context, self._now, self._names))


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_opaque)


def _opaque(value: Any) -> Any:
    """A value JSON has no word for (an unknown value, its shape): a dataclass as its type and every field; anything
    else as its type and ``repr`` (one whose ``repr`` names its address never matches: evaluated afresh)."""
    kind = [type(value).__module__, type(value).__qualname__]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [*kind, {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}]
    return [*kind, repr(value)]


def _names(text: str) -> set[str]:
    found = set(_NAMES.findall(text))
    for name in [n for n in found if "." in n or "[" in n]:
        for index, char in enumerate(name):
            if char in ".[":
                found.add(name[:index])
    return found


def _base(logical_id: str) -> str:
    """A Terraform instance's address without its key (``aws_x.y["k"]`` → ``aws_x.y``): a mention of any instance
    counts for all."""
    return _INSTANCE.sub("", logical_id)


def _without(doc: Any, path: tuple[str | int, ...], section: str) -> Any:
    """``doc`` with the mapping at ``path`` (the resources) and the ``section`` beside it left out."""
    if not path or not isinstance(doc, dict):
        return None
    head, rest = path[0], path[1:]
    out = {key: value for key, value in doc.items() if key != head and not (not rest and key == section)}
    if rest:
        out[head] = _without(doc.get(head), rest, section)
    return out


def _outputs(doc: Any, path: tuple[str | int, ...]) -> Any:
    for key in path[:-1]:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc.get("Outputs") if isinstance(doc, dict) else None
