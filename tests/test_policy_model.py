"""The typed policy: one frozen dataclass, built from configuration and command line, read by rules as $.policy."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from cogcheck.config.files import load_config
from cogcheck.config.options import POLICY_KEYS, OptionError, build_policy
from cogcheck.model.client import build_view
from cogcheck.model.policy import Policy, field_types

CLI_ONLY = {"previous", "scan_roots"}  # set by --previous and the scanned paths, not by a configuration file


def test_policy_is_frozen_and_every_field_is_settable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Policy().production = True  # type: ignore[misc]
    fields = set(field_types())
    assert {key.field for key in POLICY_KEYS.values()} <= fields  # every config key sets a real field
    assert fields - {key.field for key in POLICY_KEYS.values()} == CLI_ONLY


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"production": True}, Policy(production=True)),
        ({"production_stacks": ["Prod*"]}, Policy(production_stacks=("Prod*",))),
        ({"production_stacks": "Prod*"}, Policy(production_stacks=("Prod*",))),
        ({"placeholder_hosts": []}, Policy(placeholder_hosts=())),
        ({"placeholder_hosts": None}, Policy()),
        ({"token_note_seconds": 60}, Policy(token_note_seconds=60)),
    ],
)
def test_from_mapping_reads_plain_values(values: dict[str, Any], expected: Policy) -> None:
    assert Policy.from_mapping(values) == expected


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"productoin": True}, "unknown policy setting 'productoin'"),
        ({"production": "yes"}, "must be bool"),
        ({"token_note_seconds": True}, "must be int"),
        ({"production_stacks": [1]}, "list of strings"),
        ({"previous": 3}, "must be str"),
    ],
)
def test_from_mapping_refuses_mistakes(values: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Policy.from_mapping(values)


def test_rules_see_only_the_fields_marked_for_them() -> None:
    view = build_view("C", {}, {}, Policy(token_note_seconds=120, production=True))
    assert view.data["policy"] == {
        "refresh_token_note_seconds": 30 * 86400,
        "refresh_token_warning_seconds": 365 * 86400,
        "token_note_seconds": 120,
    }
    assert set(view.data["policy"]) == set(Policy.rule_keys())


def test_configuration_and_command_line_build_one_policy(tmp_path: Path) -> None:
    (tmp_path / ".cogcheck.yaml").write_text(
        "production-stacks: [Prod*]\nplaceholder-hosts: example.net\nrefresh-token-note-days: 7\n"
        "token-note-minutes: 5\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / ".cogcheck.yaml")
    policy = build_policy(config, production_stacks=["Live*"])
    assert policy == Policy(
        production_stacks=("Prod*", "Live*"),
        placeholder_hosts=("example.net",),
        refresh_token_note_seconds=7 * 86400,
        token_note_seconds=300,
    )
    assert build_policy(None, production=True) == Policy(production=True)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("production: 1\n", "production must be true or false"),
        ("production-stacks: [1]\n", "production-stacks must be a list of strings"),
        ("token-note-minutes: 0\n", "at least 1"),
        ("refresh-token-note-days: 1.5\n", "a whole number"),
    ],
)
def test_configuration_values_are_checked_against_the_field_type(tmp_path: Path, text: str, words: str) -> None:
    (tmp_path / ".cogcheck.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(OptionError, match=words):
        load_config(tmp_path / ".cogcheck.yaml")
