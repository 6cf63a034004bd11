"""Hover on a token validity: its effective value ("60 → 60 hours; Cognito accepts 5 minutes to 1 day").

The value is resolved as the rules see it (the client's first scenario; its unit from ``TokenValidityUnits`` or the
default), and the accepted range is read from the shipped rules' own checks of the token's seconds, so
hover and diagnostics cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cogcheck.cfn.parse import Template
from cogcheck.cfn.types import CLIENT_TYPE
from cogcheck.engine.rules import Rule
from cogcheck.scan.options import ScanOptions

#: (CloudFormation property, token) of each validity.
VALIDITIES = (("AccessTokenValidity", "access_token"), ("IdTokenValidity", "id_token"),
              ("RefreshTokenValidity", "refresh_token"))


def validity_hover(path: Path, text: str, kind: str, options: ScanOptions, line: int) -> str | None:
    """The effective value of the validity written on ``line`` (1-based) of the buffer, or None."""
    from cogcheck.cfn.scenarios import plan_scenarios
    from cogcheck.model.client import human_duration, token_validity

    for template in _templates(path, text, kind, options):
        for logical_id, resource in template.resources.items():
            if not isinstance(resource, dict) or resource.get("Type") != CLIENT_TYPE:
                continue
            for prop, token in VALIDITIES:
                if not isinstance(resource.get("Properties"), dict) or prop not in resource["Properties"]:
                    continue
                if template.locate_in_resources((logical_id, "Properties", prop))[0] != line:
                    continue
                plan = plan_scenarios(template, logical_id, options.resolve)
                if not plan.scenarios:
                    return None
                _scenario, resolver = plan.scenarios[0]
                props = resolver.value(resource.get("Properties", {}), ("Properties",), (), {})
                if not isinstance(props, dict):
                    return None
                found = token_validity(props, token)
                written = _written(props.get(prop))
                text_ = f"{written} → {found['text']}"
                accepted = accepted_range(options.enabled_rules(), token)
                if accepted is not None:
                    text_ += f"; Cognito accepts {human_duration(accepted[0])} to {human_duration(accepted[1])}"
                if kind == "terraform":
                    from cogcheck.inputs.terraform.mapping import terraform_property

                    prop = terraform_property(prop)
                return f"{prop}: {text_}"
    return None


def _written(value: Any) -> str:
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else "the value"


def accepted_range(rules: Sequence[Rule], token: str) -> tuple[int, int] | None:
    """The (lowest, highest) seconds a rule accepts for ``token``, if a rule says: an ``outside`` check of the
    token's seconds, or a call of the ``token_validity_outside`` predicate."""
    wanted = f"$.effective.{token}.seconds"
    for rule in rules:
        for check in rule.checks:
            for node in _walk(check.when):
                bounds = node.get("outside")
                call = node.get("predicate")
                args = call.get("args") if isinstance(call, dict) and call.get("name") == "token_validity_outside" \
                    else None
                if isinstance(args, dict) and args.get("token") == token:
                    bounds = [wanted, args.get("low"), args.get("high")]
                if isinstance(bounds, list) and len(bounds) == 3 and bounds[0] == wanted \
                        and all(isinstance(b, int) for b in bounds[1:]):
                    return bounds[1], bounds[2]
    return None


def _walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 20:
        return
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, depth + 1)


def _templates(path: Path, text: str, kind: str, options: ScanOptions) -> list[Template]:
    """The buffer's parsed template(s): the template itself, or a Terraform module's templates of this file."""
    data = text.encode("utf-8")
    if len(data) > options.max_file_size:
        return []
    if kind == "terraform":
        from cogcheck.inputs.terraform.module import load_configuration
        from cogcheck.inputs.terraform.template import templates_of

        directory = path.parent
        config = load_configuration(directory, str(directory), directory, {}, opentofu=options.opentofu,
                                    overlay={path.resolve(): data})
        target = path.resolve()
        return [built.template for built in templates_of(config) if built.path.resolve() == target]
    from cogcheck.cfn.parse import TemplateError, parse_template

    try:
        template = parse_template(str(path), data, suffix=path.suffix.lower())
    except TemplateError:
        return []
    return [template] if template is not None else []
