"""The JSON Schema of a rule file, made from the tables the engine loads rules with: ``cogcheck/data/rule.schema.json``.

Operators and their argument shapes come from :data:`cogcheck.engine.expr.OPERATORS`, predicates with their declared
arguments and details from :data:`cogcheck.engine.signatures.PREDICATE_SIGNATURES`, the keys of ``$.effective`` and
``$.policy`` from :data:`cogcheck.model.client.EFFECTIVE_KEYS` and :meth:`cogcheck.model.policy.Policy.rule_keys`, rule
keys, doc keys and placeholders from :mod:`cogcheck.engine.rules`. ``python scripts/regenerate.py`` writes the file
(and ``docs/rule-schema.md``), and ``--check`` fails while either is stale, so the schema cannot drift from the
engine. It is draft-07, which editors (the YAML language server's ``# yaml-language-server: $schema=...``) read.

The engine does not read the schema: it checks rules with the same tables (:func:`cogcheck.engine.rules.parse_rule`)
and adds what a JSON Schema cannot say (a regular expression that does not compile, a detail no predicate of the
check sets, a ``{prop:...}`` name a dialect cannot spell). Everything the schema rejects, the engine rejects too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cogcheck.engine.signatures import EXPR, PREDICATE_CALL, PREDICATE_SIGNATURES, Kind, Param, Signature

#: where the schema is, inside the installed package
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "rule.schema.json"
SCHEMA_ID = "https://github.com/cogcheck/cogcheck/blob/main/cogcheck/data/rule.schema.json"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/definitions/{name}"}


def _kind_schema(kind: Kind, definitions: dict[str, Schema]) -> Schema:
    if kind not in (EXPR, PREDICATE_CALL):  # those two are the schema's own definitions
        definitions.setdefault(kind.name, kind.schema)
    return _ref(kind.name)


def _described(schema: Schema, description: str) -> Schema:
    """``description`` beside a ``$ref`` (draft-07 ignores the siblings of ``$ref``)."""
    if "$ref" in schema:
        return {"description": description, "allOf": [schema]}
    return {**schema, "description": description}


def _operator(name: str, signature: Signature, definitions: dict[str, Schema]) -> Schema:
    kinds = [_kind_schema(kind, definitions) for kind in signature.args]
    description = f"{signature.doc}: {{{name}: {signature.text}}}"
    if not signature.listed:
        return _described(kinds[0], description)
    size = len(kinds)
    return {"description": description, "type": "array", "items": kinds, "additionalItems": False,
            "minItems": size, "maxItems": size}


def _param(param: Param, definitions: dict[str, Schema]) -> Schema:
    return _described(_kind_schema(param.kind, definitions), param.doc or param.kind.text)


def _predicate_call(definitions: dict[str, Schema]) -> Schema:
    bare = sorted(name for name, s in PREDICATE_SIGNATURES.items() if not any(p.required for p in s.params.values()))
    calls: list[Schema] = [{"enum": bare, "description": "a predicate that needs no arguments, by name"}]
    for name, signature in sorted(PREDICATE_SIGNATURES.items()):
        details = ", ".join(f"{{detail.{d}}}" for d in sorted(signature.details))
        args: Schema = {
            "type": "object",
            "additionalProperties": False,
            "properties": {key: _param(param, definitions) for key, param in signature.params.items()},
        }
        required = sorted(key for key, param in signature.params.items() if param.required)
        if required:
            args["required"] = required
        calls.append({
            "type": "object",
            "description": signature.doc + (f" Leaves {details}." if details else ""),
            "properties": {"name": {"const": name}, "args": args},
            "required": ["name", "args"] if required else ["name"],
            "additionalProperties": False,
        })
    return {"description": "a named predicate (cogcheck/engine/predicates)", "anyOf": calls}


def view_paths() -> list[str]:
    """Every key of ``$.effective`` and ``$.policy`` as a path (an editor offers them)."""
    from cogcheck.model.client import EFFECTIVE_KEYS
    from cogcheck.model.policy import Policy

    paths = []
    for key, subs in sorted(EFFECTIVE_KEYS.items()):
        paths.append(f"$.effective.{key}")
        paths += [f"$.effective.{key}.{sub}" for sub in subs]
    return paths + [f"$.policy.{key}" for key in sorted(Policy.rule_keys())]


def view_path_pattern() -> str:
    """A pattern a path matches unless it names a key ``$.effective`` does not have, or a key under a ``$.policy``
    setting (the schema's form of :func:`cogcheck.engine.rules.view_key_problem`)."""
    from cogcheck.model.client import EFFECTIVE_KEYS

    end = r"(?![\w-])"
    no_sub = r"(?!\.[A-Za-z_])"
    plain = "|".join(re.escape(key) for key, subs in sorted(EFFECTIVE_KEYS.items()) if not subs)
    forms = [rf"\$\.effective\.(?:{plain}){end}{no_sub}"]
    for key, subs in sorted(EFFECTIVE_KEYS.items()):
        if subs:
            under = "|".join(re.escape(sub) for sub in subs)
            forms.append(rf"\$\.effective\.{re.escape(key)}{end}(?:{no_sub}|\.(?:{under}){end})")
    # $.policy: the built-in keys and those the rule declares (policy:), which a schema cannot see; none has keys
    forms.append(rf"\$\.policy\.[A-Za-z_][\w-]*{end}{no_sub}")
    return rf"^(?:(?!\$\.(?:effective|policy)\.[A-Za-z_])|{'|'.join(forms)})"


def message_pattern() -> str:
    """A pattern every message and ``property`` matches: each ``{...}`` is a placeholder the engine knows."""
    from cogcheck.engine.rules import NAME_STYLES, PLACEHOLDER_STYLES

    styles = "|".join(map(re.escape, PLACEHOLDER_STYLES))
    name_styles = "|".join(map(re.escape, NAME_STYLES))
    value = rf"(?:[$@][^{{}}|]*|detail\.[A-Za-z_]\w*|property)\s*(?:\|\s*(?:{styles})\s*)?"
    name = rf"(?:prop:[^{{}}|]+(?:\|\s*(?:{name_styles})\s*)?|(?:type|cdk):[^{{}}|]+)"
    placeholder = rf"\{{\s*(?:{value}|{name}|variant:[^{{}}|]*)\}}"
    return rf"^(?:[^{{]|\{{(?![^{{}}]+\}})|{placeholder})*$"


def _declarations() -> Schema:
    """``policy:``: the ``$.policy`` settings a rule pack's rule declares (``cogcheck.engine.rules._declarations``)."""
    from cogcheck.engine.rules import _DECLARATION_KEYS, _POLICY_KEY
    from cogcheck.model.policy import RULE_SETTING_TYPES, Policy

    values: dict[str, Schema] = {"integer": {"type": "integer"}, "number": {"type": "number"},
                                 "string": {"type": "string"}, "boolean": {"type": "boolean"},
                                 "strings": {"type": "array", "items": {"type": "string"}}}
    if set(values) != set(RULE_SETTING_TYPES):
        raise AssertionError(f"setting types of the schema {sorted(values)} != the engine's {RULE_SETTING_TYPES}")
    declaration: Schema = {
        "type": "object", "required": ["type"], "additionalProperties": False,
        "properties": {"type": {"enum": list(RULE_SETTING_TYPES)}, "default": {}, "doc": {"type": "string"}},
        "allOf": [{"if": {"properties": {"type": {"const": kind}}},
                   "then": {"properties": {"default": {"anyOf": [schema, {"type": "null"}]}}}}
                  for kind, schema in values.items()],
    }
    if set(declaration["properties"]) != _DECLARATION_KEYS:
        raise AssertionError(f"declaration keys {sorted(declaration['properties'])} != {sorted(_DECLARATION_KEYS)}")
    return {
        "description": "the $.policy settings this rule reads beyond the built-in ones: KEY: {type, default, doc}; "
                       "a key without a default must be set in the configuration's policy table",
        "type": "object",
        "propertyNames": {"pattern": _POLICY_KEY, "not": {"enum": list(Policy.rule_keys())}},
        "additionalProperties": declaration,
    }


def rule_schema() -> Schema:
    """The JSON Schema (draft-07) of one rule file."""
    from cogcheck.engine.expr import OPERATORS
    from cogcheck.engine.fixspec import fix_schema
    from cogcheck.engine.rules import (
        _CHECK_KEYS,
        _DOC_KEYS,
        _ID,
        _NAME,
        _OPTIONAL_DOC_KEYS,
        _RULE_KEYS,
        PRECISIONS,
        USER_ID,
    )
    from cogcheck.findings import SEVERITIES
    from cogcheck.inputs.dialects import DIALECTS

    definitions: dict[str, Schema] = {}
    operators = {name: _operator(name, signature, definitions) for name, signature in
                 ((name, entry[1]) for name, entry in sorted(OPERATORS.items()))}
    definitions["path"] = {
        **definitions["path"],
        "allOf": [{"pattern": view_path_pattern(),
                   "description": "$.effective and $.policy have only the keys listed in examples"}],
        "examples": view_paths(),
    }
    definitions["expression"] = {
        "description": "a condition: a mapping with exactly one operator",
        "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
        "properties": operators,
    }
    definitions["predicate_call"] = _predicate_call(definitions)
    text = {"type": "string", "pattern": message_pattern()}
    severity = {"enum": list(SEVERITIES)}
    absolute = {"allOf": [_ref("path"), {"pattern": "^\\$"}]}
    check_keys: dict[str, Schema] = {
        "when": _described(_ref("expression"), "the condition: the check fires when it is true"),
        "message": {**text, "description": "what a finding says; placeholders: {$.path}, {@}, {detail.NAME}, "
                    "{property}, {prop:Name}, {type:Name}, {cdk:Name}, {variant:NAME}, styles |human |count"},
        "property": {**text, "description": "where a finding points when the check has no for_each"},
        "for_each": {"description": "run the check once per selected item, @ bound to it",
                     "anyOf": [absolute, {"type": "array", "items": absolute}]},
        "severity": {**severity, "description": "this check's severity (default: the rule's)"},
        "fix": fix_schema(),
    }
    if set(check_keys) != _CHECK_KEYS:
        raise AssertionError(f"check keys of the schema {sorted(check_keys)} != the engine's {sorted(_CHECK_KEYS)}")
    definitions["check"] = {"type": "object", "required": ["when", "message"], "additionalProperties": False,
                            "properties": check_keys}
    properties: dict[str, Schema] = {
        "id": {"type": "string", "description": "the rule id; the file name is the id",
               "anyOf": [{"pattern": _ID.pattern, "description": "a shipped rule: COG-E### or COG-S###"},
                         {"pattern": USER_ID.pattern, "description": "a rule pack's rule: PREFIX-### (ORG-001)"}]},
        "name": {"type": "string", "pattern": _NAME, "description": "kebab-case"},
        "severity": {**severity, "description": "the rule's severity"},
        "summary": {"type": "string", "description": "one line"},
        "docs": {
            "type": "object", "additionalProperties": False, "required": sorted(_DOC_KEYS),
            "properties": {
                **{key: {"type": "string"} for key in sorted(_DOC_KEYS - {"references"})},
                **{key: {"type": "string", "description": "why the fix is safe or unsafe, or why there is none"}
                   for key in sorted(_OPTIONAL_DOC_KEYS)},
                "references": {"type": "array", "items": {"type": "string"}},
            },
        },
        "checks": {"type": "array", "minItems": 1, "items": _ref("check"),
                   "description": "the ways the rule fires (or give one check's keys at the top level)"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "precision": {"enum": list(PRECISIONS)},
        "security_severity": {"type": "number", "minimum": 0, "maximum": 10},
        "variants": {
            "description": "NAME: one text per dialect, for {variant:NAME} in a message",
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": False, "required": list(DIALECTS),
                                     "properties": dict.fromkeys(DIALECTS, text)},
        },
        "policy": _declarations(),
        **{key: check_keys[key] for key in sorted(_CHECK_KEYS - {"severity"})},
    }
    if set(properties) != _RULE_KEYS:
        raise AssertionError(f"rule keys of the schema {sorted(properties)} != the engine's {sorted(_RULE_KEYS)}")
    single = ["when", "message", "property", "for_each", "fix"]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "cogcheck rule",
        "description": "One cogcheck rule file (rules/*.yaml). Generated by python scripts/regenerate.py from the "
                       "engine's tables; see docs/rule-schema.md.",
        "type": "object",
        "required": ["id", "name", "severity", "summary", "docs"],
        "additionalProperties": False,
        "properties": properties,
        "oneOf": [
            {"required": ["checks"], "not": {"anyOf": [{"required": [key]} for key in single]}},
            {"required": ["when", "message"], "not": {"required": ["checks"]}},
        ],
        "definitions": dict(sorted(definitions.items())),
    }


def render_schema() -> str:
    """The text of ``cogcheck/data/rule.schema.json``."""
    return json.dumps(rule_schema(), indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    """``docs/rule-schema.md``: how to use the schema, and the tables it is made from."""
    from cogcheck.engine.expr import OPERATORS
    from cogcheck.model.client import EFFECTIVE_KEYS
    from cogcheck.model.policy import Policy

    lines = [
        "# The rule schema",
        "",
        "Generated from the engine's tables by `python scripts/regenerate.py`; do not edit by hand.",
        "",
        "A rule file (the shipped `rules/*.yaml`; the language is described in",
        "[CONTRIBUTING.md](../CONTRIBUTING.md#the-rule-language)) is checked when cogcheck loads it: every key, every",
        "operator's arguments, every predicate's arguments, every path into `$.effective` / `$.policy` and every",
        "placeholder. A mistake is a load error naming the file, the rule and the check, for example",
        "`COG-E999.yaml (COG-E999): checks[0].when.in[1]: expects a non-empty list of literals, got the string",
        "'ENABLED' (write [ENABLED])`.",
        "",
        "The same tables give a JSON Schema (draft-07) of a rule file,",
        "[cogcheck/data/rule.schema.json](../cogcheck/data/rule.schema.json), shipped in the package. Editors use it",
        "to complete and check rule files as you type; the engine's check is the stricter of the two (it also compiles",
        "regular expressions, matches `{detail.NAME}` to the predicates of the check, and asks each dialect to spell",
        "`{prop:...}` names), and everything the schema rejects, the engine rejects too.",
        "",
        "## In an editor",
        "",
        "With the YAML language server (VS Code's YAML extension by Red Hat, and editors that run",
        "`yaml-language-server`), the first line of a rule file names its schema:",
        "",
        "```",
        "# yaml-language-server: $schema=../cogcheck/data/rule.schema.json",
        "```",
        "",
        "(a path relative to the rule file, or a URL). Outside this repository, copy the schema of the installed",
        "cogcheck next to your rules; this prints where it is:",
        "",
        "```sh",
        'python -c "from cogcheck.engine.ruleschema import SCHEMA_PATH; print(SCHEMA_PATH)"',
        "```",
        "",
        "Or map it to a folder once, in VS Code's `settings.json`:",
        "`\"yaml.schemas\": {\"./rule.schema.json\": \"policies/*.yaml\"}`.",
        "",
        "## Operators",
        "",
        "A condition (`when`) is a mapping with exactly one operator. Arguments in brackets are a list of exactly",
        "that many; a *literal* is a string, number or boolean that does not start with `$` or `@`.",
        "",
        "| operator | arguments | true when |",
        "|---|---|---|",
    ]
    for name, (_compiler, signature) in sorted(OPERATORS.items()):
        lines.append(f"| `{name}` | {_cell(signature.text)} | {_cell(signature.doc)} |")
    lines += [
        "",
        "## Predicates",
        "",
        "`{predicate: NAME}`, or `{predicate: {name: NAME, args: {...}}}` with the arguments below; an argument not",
        "listed, a required one left out, or one of another kind is a load error. A message may use the details a",
        "predicate of its check leaves (`{detail.NAME}`).",
        "",
        "| predicate | arguments | details | true when |",
        "|---|---|---|---|",
    ]
    for name, declared in sorted(PREDICATE_SIGNATURES.items()):
        args = ", ".join(f"`{key}`{'' if param.required else '?'}: {param.kind.text}"
                         for key, param in declared.params.items()) or "none"
        details = ", ".join(f"`{detail}`" for detail in sorted(declared.details)) or "none"
        lines.append(f"| `{name}` | {_cell(args)} | {details} | {_cell(declared.doc)} |")
    lines += [
        "",
        "(`?`: optional.)",
        "",
        "## The client view",
        "",
        "`$.<Property>` reads the client's resolved property (not enumerated); `$.effective` (values with units and",
        "service defaults applied) and `$.policy` (settings) have these keys:",
        "",
    ]
    for key, subs in sorted(EFFECTIVE_KEYS.items()):
        under = f" (a mapping: {', '.join(f'`{sub}`' for sub in subs)})" if subs else ""
        lines.append(f"* `$.effective.{key}`{under}")
    lines += [f"* `$.policy.{key}`" for key in sorted(Policy.rule_keys())]
    lines += ["", "Any other key of `$.effective` or `$.policy` is a load error.", ""]
    return "\n".join(lines)
