"""The rule floor: parse the same files and check seven core rules with their lines, in plain Python.

``python bench/floor_rules.py PATH...`` walks the paths as :mod:`floor` does, parses every file that holds a client
(``json.loads``; libyaml's ``CSafeLoader`` with constructors that keep each key's and list item's line) and checks
every ``AWS::Cognito::UserPoolClient`` against the seven rules below, written by hand for this purpose only: no rule
language, no messages, no reports. Prints the number of findings. It is what issue 26 measures cogcheck against:
the least a checker in Python must spend to find these problems and say where they are.

The seven core rules (the deploy errors and security warnings most clients meet, each a property or two of one
client), as cogcheck decides them: COG-E001 (access token validity outside 5 minutes to 1 day, units applied),
COG-E007 (AuthSessionValidity outside 3 to 15), COG-E009 (client_credentials with code or implicit), COG-E010
(client_credentials without a secret), COG-E011 (code or implicit without callback URLs), COG-S001 (the implicit
grant on an OAuth client), COG-S002 (ALLOW_USER_PASSWORD_AUTH). Values are CloudFormation's: numeric strings are
numbers, ``true``/``false`` strings booleans; ``Fn::If`` is decided per assignment of the conditions a client uses
(every assignment, as cogcheck judges each undecided condition), ``AWS::NoValue`` removes, any other intrinsic
function is unknown and the rule abstains. ``tests/test_bench_floor.py`` checks that this agrees with
``cogcheck scan --select`` of these rules on their fixtures.
"""

from __future__ import annotations

import gc
import itertools
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import yaml
from floor import MARKER, files

RULES = ("COG-E001", "COG-E007", "COG-E009", "COG-E010", "COG-E011", "COG-S001", "COG-S002")
CLIENT = "AWS::Cognito::UserPoolClient"
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
PASSWORD_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class Unknown:
    """A value that cannot be known (an intrinsic function other than Fn::If)."""


UNKNOWN = Unknown()
NO_VALUE = object()


class LinedDict(dict[Any, Any]):
    """A mapping and the line of each of its keys (1-based)."""

    lines: dict[Any, int]


class LinedList(list[Any]):
    """A sequence and the line of each of its items."""

    lines: list[int]


class Loader(yaml.CSafeLoader):
    pass


def _mapping(loader: Loader, node: yaml.MappingNode) -> Iterator[LinedDict]:
    data = LinedDict()
    data.lines = {}
    yield data
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = key_node.start_mark.line + 1


def _sequence(loader: Loader, node: yaml.SequenceNode) -> Iterator[LinedList]:
    data = LinedList()
    data.lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)


def _tag(loader: Loader, suffix: str, node: yaml.Node) -> LinedDict:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = next(_sequence(loader, node))
        value.extend(loader.construct_object(item, deep=True) for item in node.value)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    data = LinedDict({name: value})
    data.lines = {name: node.start_mark.line + 1}
    return data


Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
Loader.add_constructor("tag:yaml.org,2002:seq", _sequence)
Loader.add_multi_constructor("!", _tag)


# ------------------------------------------------------------------------------------------------ JSON lines

_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"(\s*:)?')


def _json_lined(text: str) -> Any:
    """``json.loads`` whose mappings and lists carry lines: one scan of the text's strings in document order, matched
    with a walk of the parsed value (keys and string values come in the same order)."""
    data = json.loads(text)
    tokens: list[int] = []  # the line of every string, in order
    line, last = 1, 0
    for match in _STRING.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        tokens.append(line)
    position = 0

    def walk(value: Any, own_line: int) -> Any:
        nonlocal position
        if isinstance(value, dict):
            lined = LinedDict()
            lined.lines = {}
            for key, item in value.items():
                key_line = tokens[position] if position < len(tokens) else own_line
                position += 1
                lined.lines[key] = key_line
                lined[key] = walk(item, key_line)
            return lined
        if isinstance(value, list):
            lined_list = LinedList()
            lined_list.lines = []
            for item in value:
                item_line = tokens[position] if position < len(tokens) else own_line
                if not isinstance(item, (dict, list, str)):
                    item_line = own_line  # numbers and booleans are not counted: the list's line is near enough
                lined_list.lines.append(item_line)
                lined_list.append(walk(item, item_line))
            return lined_list
        if isinstance(value, str):
            position += 1
        return value

    return walk(data, 1)


# ------------------------------------------------------------------------------------------------ values


def _choices(value: Any, parameters: dict[str, Any], found: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """What a client's scenarios choose: each condition of an ``Fn::If`` (true or false), each parameter it refers
    to (each allowed value, else its default; a parameter with neither stays unknown)."""
    if isinstance(value, dict):
        if len(value) == 1 and "Fn::If" in value:
            args = value["Fn::If"]
            if isinstance(args, list) and args and isinstance(args[0], str):
                found[args[0]] = [True, False]
        if len(value) == 1 and isinstance(value.get("Ref"), str) and value["Ref"] in parameters:
            found["Ref " + value["Ref"]] = _parameter_values(parameters[value["Ref"]])
        for item in value.values():
            _choices(item, parameters, found)
    elif isinstance(value, list):
        for item in value:
            _choices(item, parameters, found)
    return found


def _parameter_values(declaration: Any) -> list[Any]:
    if not isinstance(declaration, dict):
        return [UNKNOWN]
    kind = str(declaration.get("Type", "String"))
    listed = kind == "CommaDelimitedList" or kind.startswith("List<")
    allowed = declaration.get("AllowedValues")
    values = allowed if isinstance(allowed, list) and allowed else [declaration["Default"]] \
        if "Default" in declaration else [UNKNOWN]
    if listed:
        return [[part.strip() for part in v.split(",")] if isinstance(v, str) else v for v in values]
    return [v if isinstance(v, str | Unknown) else str(v) for v in values]


def _resolve(value: Any, decided: dict[str, Any]) -> Any:
    """``value`` with Fn::If decided, AWS::NoValue removed and other intrinsic functions unknown."""
    if isinstance(value, LinedDict | dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Fn::If":
                if not (isinstance(arg, list) and len(arg) == 3 and arg[0] in decided):
                    return UNKNOWN
                return _resolve(arg[1] if decided[arg[0]] else arg[2], decided)
            if key == "Ref":
                if arg == "AWS::NoValue":
                    return NO_VALUE
                return decided.get(f"Ref {arg}", UNKNOWN)
            if key.startswith("Fn::"):
                return UNKNOWN
        out = LinedDict()
        out.lines = getattr(value, "lines", {})
        for key, item in value.items():
            resolved = _resolve(item, decided)
            if resolved is not NO_VALUE:
                out[key] = resolved
        return out
    if isinstance(value, list):
        lines = getattr(value, "lines", [0] * len(value))
        out_list = LinedList()
        out_list.lines = []
        for item, line in zip(value, lines, strict=False):
            resolved = _resolve(item, decided)
            if resolved is not NO_VALUE:
                out_list.append(resolved)
                out_list.lines.append(_chosen_line(item, decided, line))
        return out_list
    return value


def _chosen_line(item: Any, decided: dict[str, Any], line: int) -> int:
    """The line of what a list item resolves to: the chosen branch of an ``Fn::If``, as cogcheck points there."""
    while isinstance(item, dict) and len(item) == 1 and "Fn::If" in item:
        args = item["Fn::If"]
        if not (isinstance(args, list) and len(args) == 3 and args[0] in decided):
            break
        branch = 1 if decided[args[0]] else 2
        line = getattr(args, "lines", [line] * 3)[branch]
        item = args[branch]
    return line


def _number(value: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value)
    return None


def _flag(props: dict[str, Any], key: str) -> Any:
    value = props.get(key, False)
    if isinstance(value, bool | Unknown):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return UNKNOWN


def _flows(props: dict[str, Any]) -> Any:
    value = props.get("AllowedOAuthFlows", [])
    return value if isinstance(value, list | Unknown) else [value]


def _contains(items: Any, wanted: tuple[str, ...]) -> Any:
    """True, False or UNKNOWN: some item is one of ``wanted``."""
    if isinstance(items, Unknown):
        return UNKNOWN
    if any(item in wanted for item in items if isinstance(item, str)):
        return True
    return UNKNOWN if any(isinstance(item, Unknown) for item in items) else False


def _check(props: LinedDict) -> Iterator[tuple[str, int]]:
    """(rule, line) of every finding of the seven rules on one client's resolved properties."""
    line = props.lines.get
    validity = props.get("AccessTokenValidity")
    if validity is not None:
        units = props.get("TokenValidityUnits")
        unit = units.get("AccessToken", "hours") if isinstance(units, dict) else UNKNOWN if units else "hours"
        number = _number(validity)
        if isinstance(number, int | float) and isinstance(unit, str) and unit in UNIT_SECONDS:
            seconds = number * UNIT_SECONDS[unit]
            if seconds < 300 or seconds > 86400:
                yield "COG-E001", line("AccessTokenValidity", 0)
    session = _number(props.get("AuthSessionValidity"))
    if isinstance(session, int | float) and (session < 3 or session > 15):
        yield "COG-E007", line("AuthSessionValidity", 0)
    flows = _flows(props)
    machine = _contains(flows, ("client_credentials",))
    user = _contains(flows, ("code", "implicit"))
    if machine is True and user is True:
        yield "COG-E009", line("AllowedOAuthFlows", 0)
    if machine is True:
        generate = _flag(props, "GenerateSecret")
        secret = props.get("ClientSecret")
        if generate is False and secret is None:
            yield "COG-E010", line("AllowedOAuthFlows", 0)
    if user is True:
        callbacks = props.get("CallbackURLs", NO_VALUE)
        if callbacks is NO_VALUE:
            yield "COG-E011", line("AllowedOAuthFlows", 0)
        elif isinstance(callbacks, list) and not callbacks:
            yield "COG-E011", line("CallbackURLs", 0)
    if _flag(props, "AllowedOAuthFlowsUserPoolClient") is True and _contains(flows, ("implicit",)) is True:
        yield "COG-S001", line("AllowedOAuthFlows", 0)
    auth = props.get("ExplicitAuthFlows")
    if isinstance(auth, LinedList):
        for item, item_line in zip(auth, auth.lines, strict=True):
            if item in PASSWORD_FLOWS:
                yield "COG-S002", item_line


def check_template(template: Any) -> set[tuple[str, int]]:
    """The findings of the seven rules in one parsed template: (rule, line), every scenario merged."""
    found: set[tuple[str, int]] = set()
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        return found
    parameters = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
    for resource in resources.values():
        if not isinstance(resource, dict) or resource.get("Type") != CLIENT:
            continue
        props = resource.get("Properties", {})
        if not isinstance(props, dict):
            continue
        choices = _choices(props, parameters, {})
        names = sorted(choices)[:8]
        for values in itertools.product(*(choices[name] for name in names)):
            resolved = _resolve(props, dict(zip(names, values, strict=True)))
            if isinstance(resolved, LinedDict):
                found.update(_check(resolved))
    return found


def check_file(path: str) -> set[tuple[str, int]] | None:
    """The findings in one file, or None when it holds no client or cannot be parsed."""
    with open(path, "rb") as handle:
        data = handle.read()
    if MARKER not in data:
        return None
    text = data.decode("utf-8-sig")
    try:
        if path.endswith(".json") or text.lstrip().startswith("{"):
            template = _json_lined(text)
        else:
            template = yaml.load(text, Loader=Loader)  # noqa: S506 - a safe loader
    except (ValueError, yaml.YAMLError):
        return None  # the corpus holds some broken files on purpose; the attempt is the cost
    return check_template(template)


def main(argv: list[str]) -> int:
    gc.set_threshold(100_000, 50, 100)  # as cogcheck scan does
    count = 0
    for path in files(argv):
        count += len(check_file(path) or ())
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
