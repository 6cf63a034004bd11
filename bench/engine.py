"""CPU per client of each stage of checking one template, in process: scenarios, resolution, view, rules.

``python bench/engine.py FILE...`` (e.g. a template from :func:`workloads.one_template`) prints, for each file, the
minimum over ``--passes`` passes of the CPU microseconds per client that each stage costs when every client of the
file is checked with the shipped rules: planning its scenarios (:func:`cogcheck.cfn.scenarios.plan_scenarios`),
resolving its properties, building its view (:func:`cogcheck.model.client.build_view`) and evaluating the rules
(:func:`cogcheck.engine.evaluate.evaluate_rules`). Run it with ``PYTHONPATH`` set to the checkout to measure. Not a
test: tests never time anything.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any


def _stages(path: Path, passes: int) -> dict[str, float]:
    from cogcheck.cfn.parse import parse_template
    from cogcheck.cfn.scenarios import plan_scenarios
    from cogcheck.cfn.types import CLIENT_TYPE
    from cogcheck.engine.evaluate import compile_rules, evaluate_rules
    from cogcheck.engine.predicates.base import World
    from cogcheck.engine.rules import load_rules
    from cogcheck.model.client import build_view
    from cogcheck.model.policy import Policy

    rules = load_rules()
    compile_rules(rules)
    policy = Policy()
    template = parse_template(str(path), path.read_bytes(), suffix=path.suffix.lower())
    assert template is not None
    clients = [(lid, r) for lid, r in template.resources.items()
               if isinstance(r, dict) and r.get("Type") == CLIENT_TYPE]
    best: dict[str, float] = {}
    for _ in range(passes):
        spent = dict.fromkeys(("scenarios", "resolve", "view", "rules"), 0.0)
        hits = 0
        clock = time.process_time
        for logical_id, resource in clients:
            start = clock()
            plan = plan_scenarios(template, logical_id)
            planned = clock()
            spent["scenarios"] += planned - start
            for _scenario, resolver in plan.scenarios:
                start = clock()
                origins: dict[Any, Any] = {}
                props = resolver.value(resource.get("Properties", {}), ("Properties",), (), origins)
                resolved = clock()
                view = build_view(logical_id, props, origins, policy)
                world = World(template, resolver, logical_id, view, policy)
                viewed = clock()
                hits += len(evaluate_rules(rules, view, world))
                done = clock()
                spent["resolve"] += resolved - start
                spent["view"] += viewed - resolved
                spent["rules"] += done - viewed
        for stage, seconds in spent.items():
            per_client = seconds / len(clients) * 1e6
            best[stage] = min(best.get(stage, per_client), per_client)
        best["hits/client"] = hits / len(clients)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    for path in args.files:
        best = _stages(path, args.passes)
        cells = "  ".join(f"{stage} {value:7.1f}" for stage, value in best.items())
        print(f"{path.name}: µs/client  {cells}")


if __name__ == "__main__":
    main()
