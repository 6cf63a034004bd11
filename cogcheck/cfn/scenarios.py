"""Scenarios: the deployments a template allows for one resource, and where a finding holds among them.

A scenario fixes a value for each parameter that matters to the resource (the override, else each allowed value) and
an outcome for each condition that cannot be decided. :func:`plan_scenarios` lists them (bounded);
:func:`reduce_scenarios` says, for a finding seen in some of them, the fewest values that describe where it holds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cogcheck.cfn.parse import Template
from cogcheck.cfn.resolve import ResolveOptions, Resolver, parameter_candidates, references
from cogcheck.cfn.values import Unknown, to_text

#: Scenario planning stops after trying this many times ``max_scenarios`` combinations (those where the resource
#: does not exist count too), so 2^40 undecidable conditions cost no more than a few hundred tries.
EXPLORE_FACTOR = 4


@dataclass(frozen=True, order=True)
class Scenario:
    """The parameter values and condition outcomes that one deployment of a template takes."""

    parameters: tuple[tuple[str, str], ...] = ()
    conditions: tuple[tuple[str, bool], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.parameters or self.conditions)

    def as_json(self) -> dict[str, dict[str, Any]]:
        return {"parameters": dict(self.parameters), "conditions": dict(self.conditions)}

    def describe(self) -> str:
        parts = [f"{name}={value}" for name, value in self.parameters]
        parts += [f"{name} is {'true' if value else 'false'}" for name, value in self.conditions]
        return "when " + ", ".join(parts)


@dataclass
class ScenarioPlan:
    """The scenarios one resource is evaluated under, and a note when the bound cut them short."""

    scenarios: list[tuple[Scenario, Resolver]]
    note: str | None = None


def plan_scenarios(template: Template, logical_id: str, options: ResolveOptions | None = None) -> ScenarioPlan:
    """Every deployment of ``logical_id`` the template allows (up to ``max_scenarios``); absent ones are left out."""
    options = options or ResolveOptions()
    resource = template.resources[logical_id]
    refs, used_conditions = references(resource)
    if (not used_conditions and "Condition" not in resource and options.max_scenarios >= 1
            and not refs & _parameter_names(template)):
        # a literal resource (its references are to resources): one deployment, nothing to fix or force
        return ScenarioPlan([(Scenario(), Resolver(template, options, {}, {}))])
    base = Resolver(template, options)
    seen: set[str] = set()
    pending = list(used_conditions)
    while pending:  # conditions pull in the parameters and conditions they are defined with
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        more_refs, more_conditions = references(base.conditions.get(name))
        refs |= more_refs
        pending.extend(more_conditions - seen)
    note = None
    dims: list[tuple[str, list[Any]]] = []
    for name in sorted(refs):
        if name in base.parameters:
            candidates = parameter_candidates(base.parameters[name], name, options)
            if len(candidates) > 1:
                dims.append((name, candidates))
    while dims and _product(len(c) for _, c in dims) > options.max_scenarios:
        dropped, _ = dims.pop()
        note = (
            f"more than {options.max_scenarios} deployments to evaluate; parameter {dropped} is left unknown "
            "(give it with --parameter)"
        )
    fixed = {name: Unknown(f"parameter {name} was not enumerated") for name in refs if name in base.parameters}
    fixed.update({name: candidates[0] for name, candidates in _single_valued(base, refs, options)})
    direct = sorted(used_conditions)
    plans: list[tuple[Scenario, Resolver]] = []
    explored = 0  # every combination tried counts, also those where the resource does not exist
    limit = options.max_scenarios * EXPLORE_FACTOR
    for combo in itertools.product(*(candidates for _, candidates in dims)):
        values = dict(fixed)
        values.update({name: value for (name, _), value in zip(dims, combo, strict=True)})
        scenario_params = tuple((name, _display(value)) for (name, _), value in zip(dims, combo, strict=True))
        for forced in _condition_outcomes(template, options, values, direct):
            explored += 1
            if len(plans) >= options.max_scenarios or explored > limit:
                note = f"more than {options.max_scenarios} deployments to evaluate; the rest were not evaluated"
                break
            resolver = Resolver(template, options, values, dict(forced))
            condition = resource.get("Condition")
            exists = resolver.evaluate_condition({"Condition": condition}) if condition is not None else True
            if exists is False:
                continue
            plans.append((Scenario(scenario_params, tuple(forced)), resolver))
        else:
            continue
        break
    return ScenarioPlan(plans, note)


def _parameter_names(template: Template) -> frozenset[str]:
    """The names of the template's parameters (worked out once per template)."""
    names = template.cache.get("parameter names")
    if names is None:
        parameters = template.doc.get("Parameters")
        names = template.cache["parameter names"] = frozenset(parameters if isinstance(parameters, dict) else ())
    return names


def _single_valued(base: Resolver, refs: set[str], options: ResolveOptions) -> Iterator[tuple[str, list[Any]]]:
    for name in sorted(refs):
        if name in base.parameters:
            candidates = parameter_candidates(base.parameters[name], name, options)
            if len(candidates) == 1:
                yield name, candidates


def _condition_outcomes(
    template: Template, options: ResolveOptions, values: dict[str, Any], names: list[str]
) -> Iterator[tuple[tuple[str, bool], ...]]:
    """Force each undecidable condition both ways; decided ones are not part of the scenario."""
    resolver = Resolver(template, options, values)
    undecided = [name for name in names if resolver.condition(name) is None]
    for outcomes in itertools.product((True, False), repeat=len(undecided)):
        yield tuple(zip(undecided, outcomes, strict=True))


def _product(sizes: Iterator[int]) -> int:
    total = 1
    for size in sizes:
        total *= size
    return total


def _display(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(to_text(item) or "?" for item in value)
    return to_text(value) or "?"


def reduce_scenarios(hit: list[Scenario], evaluated: list[Scenario]) -> list[Scenario | None]:
    """The fewest parameter values / condition outcomes that say where a finding holds (None: everywhere)."""
    hit_set = set(hit)
    if hit_set >= set(evaluated):
        return [None]
    described: set[Scenario] = set()
    for scenario in sorted(hit_set):
        items = [("p", n, v) for n, v in scenario.parameters] + [("c", n, v) for n, v in scenario.conditions]
        for entry in list(items):
            trial = [i for i in items if i != entry]
            covered = [s for s in evaluated if _consistent(s, trial)]
            if all(s in hit_set for s in covered):
                items = trial
        described.add(
            Scenario(
                tuple((n, v) for kind, n, v in items if kind == "p"),  # type: ignore[misc]
                tuple((n, v) for kind, n, v in items if kind == "c"),  # type: ignore[misc]
            )
        )
    return sorted(described)  # type: ignore[return-value]


def _consistent(scenario: Scenario, items: list[tuple[str, str, Any]]) -> bool:
    params, conditions = dict(scenario.parameters), dict(scenario.conditions)
    return all((params if kind == "p" else conditions).get(name) == value for kind, name, value in items)
