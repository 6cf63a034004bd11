"""What CloudFormation would deploy: parameters, conditions and intrinsic functions, per scenario.

A :class:`Resolver` evaluates a template under one scenario (see :mod:`cogcheck.cfn.scenarios`): a value for each
parameter that matters, an outcome for each condition that cannot be decided. Anything that cannot be known becomes an
:class:`Unknown`; ``AWS::NoValue`` becomes :data:`NO_VALUE` and is dropped from mappings and lists.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cogcheck.cfn.parse import PathT, Template
from cogcheck.cfn.shapes import TERRAFORM, cloudformation_shape, terraform_attribute, terraform_shape, terraform_type
from cogcheck.cfn.values import NO_VALUE, ResourceRef, Shape, Unknown, to_number, to_text

MAX_SCENARIOS = 64
#: How deeply values may nest while resolving (intrinsics in intrinsics, mappings in mappings, condition chains):
#: deeper is unknown, so cycles (a ``Fn::FindInMap`` that finds itself) and long chains end quickly.
MAX_RESOLVE_DEPTH = 150

#: A Serverless Framework variable, also in ``Resources`` fragments that serverless.yml includes with ``${file(...)}``.
_SLS_VAR = re.compile(r"\$\{\s*(?:(?:self|opt|env|sls|ssm|cf|s3|aws|param)[:(]|file\(|strToBool\()")


#: ``--scenarios`` / ``scenarios``: which deployments a client is judged in. ``all``: every deployment the template
#: allows (each of a parameter's ``AllowedValues``, each outcome of a condition that cannot be decided); ``defaults``:
#: the one the parameters' defaults describe (a parameter without a default stays unknown).
SCENARIO_MODES = ("all", "defaults")


@dataclass
class ResolveOptions:
    """What the user told us about the deployment: parameter overrides and pseudo-parameter values."""

    parameters: Mapping[str, str] = field(default_factory=dict)
    pseudo: Mapping[str, str] = field(default_factory=dict)
    max_scenarios: int = MAX_SCENARIOS
    scenarios: str = "all"  # one of SCENARIO_MODES


#: the types of scalars that resolve to themselves (a string does too, unless it holds ``${``)
_PLAIN = frozenset({int, float, bool, type(None)})


def is_intrinsic(node: Any) -> bool:
    if not isinstance(node, dict) or len(node) != 1:
        return False
    (key,) = node
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))


class Resolver:
    """Resolves values of one template under one scenario."""

    def __init__(
        self,
        template: Template,
        options: ResolveOptions | None = None,
        parameter_values: Mapping[str, Any] | None = None,
        conditions: Mapping[str, bool] | None = None,
    ) -> None:
        self.template = template
        self.options = options or ResolveOptions()
        doc = template.doc if not template.serverless else template.doc.get("resources", {})
        self.parameters: dict[str, Any] = _mapping(template.doc.get("Parameters"))
        self.conditions: dict[str, Any] = _mapping(doc.get("Conditions"))
        self.mappings: dict[str, Any] = _mapping(doc.get("Mappings"))
        self.resources = template.resources
        self._param_values = dict(parameter_values or {})
        self._forced = dict(conditions or {})
        self._condition_cache: dict[str, bool | None] = {}
        self._evaluating: set[str] = set()
        self._depth = 0

    # ------------------------------------------------------------------------------------------------ parameters

    @property
    def fixed_parameters(self) -> Mapping[str, Any]:
        """The parameter values this scenario fixes."""
        return self._param_values

    @property
    def forced_conditions(self) -> Mapping[str, bool]:
        """The condition outcomes this scenario decides (conditions that could not be evaluated)."""
        return self._forced

    def parameter(self, name: str) -> Any:
        if name in self._param_values:
            return self._param_values[name]
        candidates = parameter_candidates(self.parameters.get(name), name, self.options)
        if len(candidates) > 1:  # not part of this scenario: taking one of its values would be a guess
            return Unknown(f"parameter {name} can take several values")
        return candidates[0]

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return Unknown("Ref to a non-string")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameter(name)
        if name.startswith("AWS::"):
            if name in self.options.pseudo:
                return self.options.pseudo[name]
            return Unknown(f"pseudo parameter {name}")
        resource = self.resources.get(name)
        if isinstance(resource, dict):
            return self._resource_ref(name, resource)
        return Unknown(f"Ref to {name}, not defined in this template")

    def _resource_ref(self, name: str, resource: dict[str, Any]) -> Any:
        """``Ref`` of the few resources whose ``Ref`` value is one of their own properties."""
        props = resource.get("Properties")
        key = {
            "AWS::Cognito::UserPoolResourceServer": "Identifier",
            "AWS::Cognito::UserPoolIdentityProvider": "ProviderName",
        }.get(resource.get("Type", ""))
        if key and isinstance(props, dict) and key in props:
            value = self.value(props[key])
            if isinstance(value, str):
                return value
        return ResourceRef(f"Ref to resource {name}", name, shape=self._shape(name, resource, "Ref"))

    def _shape(self, name: str, resource: dict[str, Any], attribute: str) -> Shape | None:
        """The shape of ``Ref`` / ``Fn::GetAtt`` of a resource of the template (see :mod:`cogcheck.cfn.shapes`)."""
        rtype = resource.get("Type")
        if not isinstance(rtype, str):
            return None
        if self.template.dialect == TERRAFORM:
            tf_type = terraform_type(name)
            if attribute == "Ref":  # the attribute whose value CloudFormation's Ref gives: the same shape
                return cloudformation_shape(rtype, "Ref", name)
            return terraform_shape(tf_type, attribute, f"{name}.{terraform_attribute(tf_type, attribute)}")
        origin = f"Ref {name}" if attribute == "Ref" else f"Fn::GetAtt {name}.{attribute}"
        return cloudformation_shape(rtype, attribute, origin)

    def _get_att(self, arg: Any, reason: str = "Fn::GetAtt") -> Unknown:
        """``Fn::GetAtt``: unknown until deploy, with the shape of the attribute where it is known."""
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not (isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg)):
            return Unknown(reason)
        resource = self.resources.get(arg[0])
        shape = self._shape(arg[0], resource, arg[1]) if isinstance(resource, dict) else None
        return Unknown(reason, shape=shape)

    # ------------------------------------------------------------------------------------------------ conditions

    def condition(self, name: Any) -> bool | None:
        """The outcome of a named condition; ``None`` when it cannot be decided."""
        if not isinstance(name, str):
            return None
        if name in self._forced:
            return self._forced[name]
        if name in self._condition_cache:
            return self._condition_cache[name]
        if name in self._evaluating or name not in self.conditions:
            return None
        self._evaluating.add(name)
        try:
            result = self.evaluate_condition(self.conditions[name])
        finally:
            self._evaluating.discard(name)
        self._condition_cache[name] = result
        return result

    def evaluate_condition(self, node: Any) -> bool | None:
        if self._depth >= MAX_RESOLVE_DEPTH:
            return None
        self._depth += 1
        try:
            return self._evaluate_condition(node)
        finally:
            self._depth -= 1

    def _evaluate_condition(self, node: Any) -> bool | None:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict) or len(node) != 1:
            return None
        ((key, arg),) = node.items()
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            left, right = self.value(arg[0]), self.value(arg[1])
            if _contains_unknown(left) or _contains_unknown(right):
                return None
            return bool(_normalize(left) == _normalize(right))
        if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            inner = self.evaluate_condition(arg[0])
            return None if inner is None else not inner
        if key in ("Fn::And", "Fn::Or") and isinstance(arg, list):
            results = [self.evaluate_condition(item) for item in arg]
            decisive: bool = key == "Fn::Or"
            if decisive in results:
                return decisive
            return None if None in results else not decisive
        return None

    # ---------------------------------------------------------------------------------------------------- values

    def value(
        self, node: Any, raw: PathT = (), out: PathT = (), origins: dict[PathT, PathT] | None = None
    ) -> Any:
        """Resolve ``node``. When ``origins`` is given, record for each produced path the raw path it came from."""
        if self._depth >= MAX_RESOLVE_DEPTH:
            return Unknown(f"nested more than {MAX_RESOLVE_DEPTH} levels deep while resolving")
        self._depth += 1
        try:
            return self._value(node, raw, out, origins)
        finally:
            self._depth -= 1

    def _value(self, node: Any, raw: PathT, out: PathT, origins: dict[PathT, PathT] | None) -> Any:
        if origins is not None:
            origins[out] = raw
        if isinstance(node, dict):
            if is_intrinsic(node):
                return self._intrinsic(node, raw, out, origins)
            result: dict[Any, Any] = {}
            plain = self._depth < MAX_RESOLVE_DEPTH  # a plain scalar under it resolves to itself, without a call
            for key, item in node.items():
                if plain and (type(item) in _PLAIN or (type(item) is str and "${" not in item)):
                    if origins is not None:
                        origins[out + (key,)] = raw + (key,)
                    result[key] = item
                    continue
                resolved = self.value(item, raw + (key,), out + (key,), origins)
                if resolved is not NO_VALUE:
                    result[key] = resolved
            return result
        if isinstance(node, list):
            items: list[Any] = []
            plain = self._depth < MAX_RESOLVE_DEPTH
            for index, item in enumerate(node):
                if plain and (type(item) in _PLAIN or (type(item) is str and "${" not in item)):
                    if origins is not None:
                        origins[out + (len(items),)] = raw + (index,)
                    items.append(item)
                    continue
                resolved = self.value(item, raw + (index,), out + (len(items),), origins)
                if resolved is not NO_VALUE:
                    items.append(resolved)
            return items
        if isinstance(node, str) and "${" in node and (self.template.serverless or _SLS_VAR.search(node)):
            return Unknown("Serverless Framework variable")
        return node

    def _intrinsic(self, node: dict[str, Any], raw: PathT, out: PathT, origins: dict[PathT, PathT] | None) -> Any:
        ((key, arg),) = node.items()
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::If":
            if not (isinstance(arg, list) and len(arg) == 3):
                return Unknown("malformed Fn::If")
            outcome = self.condition(arg[0])
            if outcome is None:
                return Unknown(f"condition {arg[0]} cannot be decided")
            branch = 1 if outcome else 2
            return self.value(arg[branch], raw + (key, branch), out, origins)
        if key == "Fn::GetAtt":
            return self._get_att(arg)
        handler = _SIMPLE.get(key)
        if handler is None:
            return Unknown(key)
        return handler(self, arg)

    # Simple intrinsics: resolve their arguments fully, then compute.

    def _sub(self, arg: Any) -> Any:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            text, variables = arg[0], arg[1]
        else:
            return Unknown("malformed Fn::Sub")
        unknown: list[Unknown] = []

        def replace(name: str) -> str:
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                value = self.value(variables[name])
            elif "." in name and not name.startswith("AWS::"):
                value = self._get_att(name, f"Fn::GetAtt {name}")
            else:
                value = self.ref(name)
            text_value = to_text(value)
            if text_value is None:
                unknown.append(value if isinstance(value, Unknown) else Unknown(f"${{{name}}}"))
                return ""
            return text_value

        parts: list[str] = []
        pos = 0
        for start, end, name in sub_variables(text):
            parts += [text[pos:start], replace(name)]
            pos = end
        parts.append(text[pos:])
        if unknown and "".join(parts) == "" and len(parts) == 3:  # "${Pool.Arn}" alone: that value, with its shape
            return Unknown(unknown[0].reason, shape=unknown[0].shape)
        return _opaque(unknown[0]) if unknown else "".join(parts)

    def _join(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return Unknown("malformed Fn::Join")
        delimiter, items = self.value(arg[0]), self.value(arg[1])
        if not isinstance(delimiter, str) or not isinstance(items, list):
            return _first_unknown(delimiter, items) or Unknown("malformed Fn::Join")
        texts = [to_text(item) for item in items]
        if any(text is None for text in texts):
            return _first_unknown(*items) or Unknown("Fn::Join of a non-scalar")
        return delimiter.join(t for t in texts if t is not None)

    def _select(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return Unknown("malformed Fn::Select")
        index, items = self.value(arg[0]), self.value(arg[1])
        number = to_number(index)
        if not isinstance(number, int) or not isinstance(items, list):
            return _first_unknown(index, items) or Unknown("malformed Fn::Select")
        if not 0 <= number < len(items):
            return Unknown("Fn::Select index out of range")
        return items[number]

    def _split(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return Unknown("malformed Fn::Split")
        delimiter, text = self.value(arg[0]), self.value(arg[1])
        if not isinstance(delimiter, str) or not isinstance(text, str) or not delimiter:
            return _first_unknown(delimiter, text) or Unknown("malformed Fn::Split")
        return text.split(delimiter)

    def _find_in_map(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            return Unknown("malformed Fn::FindInMap")
        keys = [self.value(item) for item in arg[:3]]
        texts = [to_text(key) for key in keys]
        if any(text is None for text in texts):
            return _first_unknown(*keys) or Unknown("Fn::FindInMap with a non-scalar key")
        node: Any = self.mappings
        for text in texts:
            node = node.get(text) if isinstance(node, dict) else None
        if node is None and len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            return self.value(arg[3]["DefaultValue"])
        if node is None:
            return Unknown("Fn::FindInMap key not in the mapping")
        return self.value(node)

    def _length(self, arg: Any) -> Any:
        items = self.value(arg)
        return len(items) if isinstance(items, list) else _first_unknown(items) or Unknown("Fn::Length")

    def _to_json_string(self, arg: Any) -> Any:
        value = self.value(arg)
        if value is NO_VALUE:
            return Unknown("Fn::ToJsonString of AWS::NoValue")
        if _contains_unknown(value):
            return Unknown("Fn::ToJsonString of an unknown value")
        return json.dumps(value, separators=(",", ":"))

    def _base64(self, arg: Any) -> Any:
        value = self.value(arg)
        text = to_text(value)
        if text is None:
            return _first_unknown(value) or Unknown("Fn::Base64")
        return base64.b64encode(text.encode()).decode()


_SIMPLE = {
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Length": Resolver._length,
    "Fn::ToJsonString": Resolver._to_json_string,
    "Fn::Base64": Resolver._base64,
}


def sub_variables(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, name) of each ``${name}`` of a ``Fn::Sub`` text, in one pass (no regex backtracking)."""
    pos = 0
    while True:
        start = text.find("${", pos)
        if start < 0:
            return
        end = text.find("}", start + 2)
        if end < 0:
            return
        yield start, end + 1, text[start + 2 : end]
        pos = end + 1


def _mapping(node: Any) -> dict[str, Any]:
    return node if isinstance(node, dict) else {}


def _opaque(value: Unknown) -> Unknown:
    """A value computed from an unknown one: it no longer *is* the resource a ``Ref`` pointed at, nor has the shape
    of the attribute it was computed from."""
    return Unknown(value.reason) if type(value) is not Unknown or value.shape is not None else value


def _first_unknown(*values: Any) -> Unknown | None:
    for value in values:
        if isinstance(value, Unknown):
            return _opaque(value)
        if isinstance(value, list):
            found = _first_unknown(*value)
            if found:
                return found
    return None


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(_contains_unknown(item) for item in value)
    if isinstance(value, dict):
        return any(_contains_unknown(item) for item in value.values())
    return False


def _normalize(value: Any) -> Any:
    if isinstance(value, list):
        return [_normalize(item) for item in value]
    text = to_text(value)
    return text if text is not None else value


# ----------------------------------------------------------------------------------------------------- parameters


def parameter_candidates(declaration: Any, name: str, options: ResolveOptions) -> list[Any]:
    """Every value a parameter can take in a deployment: the override, else each allowed value, else the default.

    With ``scenarios="defaults"``: the override, else the default, else the only allowed value when there is one;
    otherwise unknown."""
    if not isinstance(declaration, dict):
        return [Unknown(f"parameter {name} is not declared")]
    kind = str(declaration.get("Type", "String"))
    if kind.startswith("AWS::SSM::Parameter::Value"):
        return [Unknown(f"parameter {name} is read from SSM")]
    allowed = declaration.get("AllowedValues")
    allowed = allowed if isinstance(allowed, list) and allowed else None
    if name in options.parameters:
        raw_values: list[Any] = [options.parameters[name]]
    elif options.scenarios == "defaults" and "Default" in declaration:
        raw_values = [declaration["Default"]]
    elif allowed is not None and (options.scenarios != "defaults" or len(allowed) == 1):
        raw_values = list(allowed)
    elif "Default" in declaration:
        raw_values = [declaration["Default"]]
    else:
        return [Unknown(f"parameter {name} has no default")]
    values: list[Any] = []
    seen: set[Any] = set()
    for raw in raw_values:  # deduplicated in one pass: AllowedValues may be long
        typed = _typed_parameter(kind, raw)
        key = ("list", *typed) if isinstance(typed, list) else typed
        if key not in seen:
            seen.add(key)
            values.append(typed)
    return values


def _typed_parameter(kind: str, raw: Any) -> Any:
    if isinstance(raw, list):
        raw = ",".join(to_text(item) or "" for item in raw)
    text = to_text(raw)
    if text is None:
        return Unknown("parameter value is not a scalar")
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        return [item.strip() for item in text.split(",")]  # CloudFormation trims each member
    if kind == "Number":
        number = to_number(text)
        return number if number is not None else text
    return text


def references(node: Any) -> tuple[set[str], set[str]]:
    """(names a raw node points at, condition names it uses with ``Fn::If``/``Condition``).

    Names are parameters, pseudo parameters and logical ids used by ``Ref``, ``Fn::GetAtt`` (its resource) and
    ``${}`` in ``Fn::Sub`` (``${Res.Attr}`` gives ``Res``).
    """
    refs: set[str] = set()
    conditions: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if len(item) == 1:
                ((key, arg),) = item.items()
                if key == "Ref" and isinstance(arg, str):
                    refs.add(arg)
                elif key == "Fn::GetAtt":
                    target = arg.split(".", 1) if isinstance(arg, str) else arg
                    if isinstance(target, list) and target and isinstance(target[0], str):
                        refs.add(target[0])
                elif key == "Condition" and isinstance(arg, str):
                    conditions.add(arg)
                elif key == "Fn::If" and isinstance(arg, list) and arg and isinstance(arg[0], str):
                    conditions.add(arg[0])
                elif key == "Fn::Sub":
                    text = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg else ""
                    if isinstance(text, str):
                        refs.update(
                            m.strip().split(".", 1)[0] for _s, _e, m in sub_variables(text) if not m.startswith("!")
                        )
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return refs, conditions
