"""A fingerprint hashes the same text as ``json.dumps(identity, sort_keys=True)`` did: baselines stay valid."""

from __future__ import annotations

import json

import pytest

from cogcheck.cfn.scenarios import Scenario
from cogcheck.findings import identity_text

SCENARIOS = [
    None,
    Scenario(),
    Scenario(parameters=(("Stage", "prod"), ("Env", "dév \"q\" \\ \u2028")), conditions=(("IsProd", True),)),
    Scenario(conditions=(("B", False), ("A", True))),
]
NAMES = ["COG-E001", "t.yaml", "Client1", "CallbackURLs", "ünïcødé", "quote \" back \\ tab \t nl \n", "\x00\x1f",
         "😀", ""]


def _dumped(names: tuple[object, ...], scenario: Scenario | None) -> str:
    return json.dumps([*names, scenario.as_json() if scenario else None], sort_keys=True)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("name", NAMES)
def test_identity_text_is_the_json_dump(name: str, scenario: Scenario | None) -> None:
    names = ("COG-E001", name, f"Res{name}", "Prop")
    assert identity_text(*names, scenario) == _dumped(names, scenario)


def test_identity_text_of_values_that_are_not_strings() -> None:
    class Text(str):
        pass

    names = ("COG-E001", Text("w"), "r", "p")
    assert identity_text(*names, None) == _dumped(names, None)
    odd = Scenario(parameters=(("P", ["not", "hashable"]),))  # type: ignore[arg-type]
    assert identity_text("COG-E001", "w", "r", "p", odd) == _dumped(("COG-E001", "w", "r", "p"), odd)
