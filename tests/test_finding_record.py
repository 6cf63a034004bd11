"""The finding record: slotted, equal and hashed by its identity fields, copied by ``dataclasses.replace``, pickled,
and sent from a worker process as plain tuples that make the same finding again."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from cogcheck.cfn.scenarios import Scenario
from cogcheck.findings import Edit, Finding, Fix, Source
from cogcheck.scan.result import ScanResult, packed, unpacked

PLAIN = Finding("COG-E001", "error", "m", "t.yaml", 3, 5, "C", "AWS::Cognito::UserPoolClient", "A")
FULL = Finding(
    rule_id="COG-S003", severity="warning", message="m \u2028 é", file="cdk.out/S.template.json", line=9, column=2,
    resource="C", resource_type="AWS::Cognito::UserPoolClient", property="CallbackURLs[1]", stack="S",
    construct_path="S/Pool/Client", source=Source("app.ts", 12),
    scenario=Scenario(parameters=(("Stage", "prod"),), conditions=(("IsProd", True),)), rule_name="name",
    extra={"client_role": "public", "cdk": {"path": "S/C", "list": [1, 2]}}, project_path="cdk.out/S.template.json",
    fix=Fix("unsafe", "d", (Edit("t.yaml", 3, 5, 3, 9, "x"), Edit("t.yaml", 4, 1, 4, 1, "y\n"))),
    fix_declined=None, cdk_fix="change the prop",
)


def _all_fields(finding: Finding) -> dict[str, Any]:
    return {f.name: getattr(finding, f.name) for f in dataclasses.fields(finding)}


@pytest.mark.parametrize("finding", [PLAIN, FULL, dataclasses.replace(PLAIN, scenario=Scenario())])
def test_a_tuple_makes_the_same_finding(finding: Finding) -> None:
    values = finding.as_tuple()
    back = Finding.from_tuple(pickle.loads(pickle.dumps(values)))
    assert _all_fields(back) == _all_fields(finding)
    assert back.as_json() == finding.as_json() and back.fingerprint == finding.fingerprint
    assert type(back.scenario) is type(finding.scenario)  # an empty scenario stays one, None stays None


def _plain_values(value: Any) -> bool:
    if isinstance(value, tuple | list):
        return all(_plain_values(item) for item in value)
    return value is None or isinstance(value, str | int | float | bool | dict)


def test_a_tuple_holds_plain_values() -> None:
    assert _plain_values(FULL.as_tuple())


def test_slotted_equal_hashed_pickled() -> None:
    assert not hasattr(FULL, "__dict__")
    first = FULL.fingerprint
    assert FULL.fingerprint is first  # computed once
    copy = pickle.loads(pickle.dumps(FULL))
    assert copy == FULL and hash(copy) == hash(FULL) and copy.fingerprint == first
    assert dataclasses.replace(FULL, fix=None) == FULL  # a fix is not part of the identity
    moved = dataclasses.replace(FULL, resource="D")
    assert moved != FULL and moved.fingerprint != first  # replace computes it afresh
    with pytest.raises(dataclasses.FrozenInstanceError):
        FULL.line = 1  # type: ignore[misc]


def test_a_result_packed_for_the_pipe() -> None:
    result = ScanResult(findings=[FULL, PLAIN], templates=1, clients=2, declared_parameters={"Stage"})
    values = packed(result)
    assert all(isinstance(item, tuple) for item in values[0])
    back = unpacked(pickle.loads(pickle.dumps(values)))
    assert [_all_fields(f) for f in back.findings] == [_all_fields(f) for f in result.findings]
    assert (back.templates, back.clients, back.declared_parameters) == (1, 2, {"Stage"})
    assert result.findings == [FULL, PLAIN]  # the result packed is left as it was
