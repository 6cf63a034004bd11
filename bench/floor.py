"""The parse floor: the least any checker written in Python spends on the same files — read and parse them.

``python bench/floor.py [--clients-only] PATH...`` walks the paths like cogcheck does (``.json``, ``.yaml``, ``.yml``,
``.template``; sorted; hidden directories skipped), reads every file once and parses it in this one process with the
C parsers cogcheck uses: :func:`json.loads` and libyaml's ``CSafeLoader`` (with CloudFormation's short-form tags).
``--clients-only`` parses only the files whose bytes hold ``AWS::Cognito::UserPoolClient``. ``--terraform`` parses
the ``.tf`` files instead, with python-hcl2's lark parser only (:func:`hcl2.parses_to_tree`; no transform). Prints the
count.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys

import yaml

SUFFIXES = (".json", ".yaml", ".yml", ".template")
MARKER = b"AWS::Cognito::UserPoolClient"


class Loader(yaml.CSafeLoader):
    pass


def _tag(loader: Loader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


Loader.add_multi_constructor("!", _tag)


def files(paths: list[str], suffixes: tuple[str, ...] = SUFFIXES) -> list[str]:
    found = []
    for top in paths:
        if os.path.isfile(top):
            found.append(top)
            continue
        for directory, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            found += [os.path.join(directory, n) for n in sorted(filenames) if n.lower().endswith(suffixes)]
    return found


def main(argv: list[str]) -> int:
    gc.set_threshold(100_000, 50, 100)  # as cogcheck scan does: the floor gets every advantage cogcheck takes
    clients_only = "--clients-only" in argv
    paths = [a for a in argv if a not in ("--clients-only", "--terraform")]
    if "--terraform" in argv:
        return terraform(paths)
    parsed = 0
    for path in files(paths):
        with open(path, "rb") as handle:
            data = handle.read()
        if clients_only and MARKER not in data:
            continue
        text = data.decode("utf-8-sig")
        try:
            if path.endswith(".json") or text.lstrip().startswith("{"):
                json.loads(text)
            else:
                yaml.load(text, Loader=Loader)  # noqa: S506 - a safe loader
        except (ValueError, yaml.YAMLError):
            pass  # the corpus holds some broken files on purpose; the attempt is the cost
        parsed += 1
    print(parsed)
    return 0


def terraform(paths: list[str]) -> int:
    import hcl2

    parsed = 0
    for path in files(paths, (".tf",)):
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8-sig", errors="replace")
        with contextlib.suppress(Exception):  # a broken file still cost its attempt
            hcl2.parses_to_tree(text)
        parsed += 1
    print(parsed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
