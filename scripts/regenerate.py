#!/usr/bin/env python3
"""Rewrite every generated file of the repository from its source: ``python scripts/regenerate.py``.

* ``docs/rules.md`` from ``rules/*.yaml`` (the same text as ``cogcheck rules --format markdown``);
* ``cogcheck/data/rule.schema.json`` and ``docs/rule-schema.md``: the JSON Schema of a rule file and its reference,
  from the tables the engine checks rules with (``cogcheck.engine.ruleschema``);
* ``rules/rules.compiled``: the rule files' data as JSON with their content hash, which start-up reads instead of the
  YAML and builds without checking each rule again (``cogcheck.engine.rulecache``): it is written, and ``--check``
  passes, only when every rule passes the checks of ``cogcheck.engine.rules.parse_rule``;
* ``docs/options.md``, every command-line option, from the CLI's own parameters (``cogcheck.cli``: what ``--help``
  prints);
* ``cogcheck/data/shape-relations.json``: every shape compared with every pattern of the resource schema and the
  shipped rules (``cogcheck.cfn.shapes.relation_table``), so a scan need not import interegular;
* ``examples/sarif/cogcheck.sarif``: what ``cogcheck scan examples --format sarif`` writes today;
* ``tests/snapshots/messages-cloudformation.txt`` and ``messages-terraform.txt``: the rendered findings of every
  rule fixture, per dialect (``tests/message_snapshots.py``), so a change of wording is a reviewed diff;
* the Terraform forms of the rule fixtures (``tests/fixtures/terraform/rules``) and of the docs examples
  (``rules/terraform``), by ``tests/fixtures/terraform/convert.py``. These are written first: ``docs/rules.md``
  embeds the examples, so one run leaves every file right.

The plan JSON fixtures are written by the real ``terraform plan``: ``python scripts/regenerate_plans.py`` (it needs
Terraform and the AWS provider mirror, so it is a script of its own).

``--check`` writes nothing and exits 1 naming the stale files (``tests/test_generated.py`` runs it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python scripts/regenerate.py"


def _rules_reference() -> str:
    from cogcheck.engine.rules import load_rules
    from cogcheck.report.ruledocs import render_reference

    return render_reference(load_rules(ROOT / "rules"))


def _rules_json() -> str:
    """The shipped rules' data, written only once every rule is checked: start-up builds them without checking."""
    from cogcheck.engine import rulecache
    from cogcheck.engine.rules import check_rules, rule_documents

    check_rules(ROOT / "rules")  # a RuleError stops regenerate.py (and fails --check)
    files = sorted((ROOT / "rules").glob("*.yaml"))
    return rulecache.render(files, rule_documents(files))


def _options_reference() -> str:
    """Every command's arguments and options as ``--help`` gives them (the CLI's click parameters), as Markdown."""
    import typer.main

    from cogcheck.cli import app

    group: Any = typer.main.get_command(app)  # a click Group (typer may vendor click: no isinstance checks)
    root = group.context_class(group, info_name="cogcheck", **group.context_settings)
    lines = [
        "# Command-line options",
        "",
        f"Generated from the command's own parameters by `{COMMAND}`: what `cogcheck COMMAND --help` prints.",
        "Options given on the command line win over the [configuration file](configuration.md); repeatable options",
        "add to its lists.",
    ]
    commands = [("cogcheck", group, root)]
    commands += [
        (f"cogcheck {name}", command, command.context_class(command, info_name=name, parent=root))
        for name, command in group.commands.items()
    ]
    for title, command, context in commands:
        usage = " ".join(command.get_usage(context).removeprefix("Usage:").split())
        lines += ["", f"## {title}", "", "```text", usage, "```"]
        lines += ["", _one_paragraph(command.help or ""), "", "| option | what it does |", "|---|---|"]
        for param in command.get_params(context):
            record = param.get_help_record(context)
            if record is None:
                continue
            spelled, what = record
            if getattr(param, "multiple", False) and "repeatable" not in what:
                what = f"{what} Repeatable."
            lines.append(f"| {_cell(spelled, code=True)} | {_cell(what)} |")
    return "\n".join(lines) + "\n"


def _one_paragraph(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str, code: bool = False) -> str:
    """Text for a Markdown table cell (``|`` escaped, also inside code, as GitHub's tables need)."""
    text = _one_paragraph(text).replace("|", "\\|")
    return f"`{text}`" if code else text


def _rule_schema() -> str:
    from cogcheck.engine.rules import load_rules
    from cogcheck.engine.ruleschema import render_schema

    load_rules(ROOT / "rules")  # registers every predicate
    return render_schema()


def _rule_schema_docs() -> str:
    from cogcheck.engine.rules import load_rules
    from cogcheck.engine.ruleschema import render_markdown

    load_rules(ROOT / "rules")
    return render_markdown()


def _shape_relations() -> str:
    """Every pattern a shaped value may meet in the shipped rules and the resource schema, compared with each shape."""
    import json

    import yaml

    from cogcheck.cfn.shapes import relation_table

    patterns: list[str] = []

    def walk(node: Any, rule: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str) and not rule:
                    patterns.append(value)
                if key == "matches" and rule and isinstance(value, list) and len(value) == 2:
                    patterns.append(str(value[1]))
                walk(value, rule)
        elif isinstance(node, list):
            for item in node:
                walk(item, rule)

    walk(json.loads((ROOT / "cogcheck" / "data" / "aws-cognito-userpoolclient.json").read_text(encoding="utf-8")),
         rule=False)
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), rule=True)
    return relation_table(patterns)


def _sample_sarif() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cogcheck", "scan", "examples", "--format", "sarif", "--fail-on", "never"],
        cwd=ROOT, capture_output=True, text=True, check=False, env=_env(),
    )
    if done.returncode != 0:
        raise SystemExit(f"cogcheck scan examples failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def _env() -> dict[str, str]:
    import os

    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


def _message_snapshots() -> dict[str, Callable[[], str]]:
    from tests.message_snapshots import generators

    return generators()


#: every generated file → how to make its text
GENERATED: dict[str, Callable[[], str]] = {
    "docs/rules.md": _rules_reference,
    "rules/rules.compiled": _rules_json,
    "cogcheck/data/rule.schema.json": _rule_schema,
    "docs/rule-schema.md": _rule_schema_docs,
    "docs/options.md": _options_reference,
    "cogcheck/data/shape-relations.json": _shape_relations,
    "examples/sarif/cogcheck.sarif": _sample_sarif,
    **_message_snapshots(),  # tests/snapshots/messages-*.txt: every rule fixture's rendered findings, per dialect
}


def stale() -> list[str]:
    """The generated files whose committed text is not what the generator gives today."""
    found = []
    for name, make in GENERATED.items():
        path = ROOT / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != make():
            found.append(name)
    return found


def _terraform_converter() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("convert", ROOT / "tests" / "fixtures" / "terraform" / "convert.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a generated file is stale")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"{name} is stale: run `{COMMAND}`")
        terraform = _terraform_converter().main(["--check"])
        return 1 if names or terraform else 0
    converted = _terraform_converter().main([])  # first: docs/rules.md embeds the Terraform examples it writes
    for name, make in GENERATED.items():
        path = ROOT / name
        text = make()
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {name}")
    return int(converted)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
