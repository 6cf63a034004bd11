"""Fuzzing ``cogcheck scan --fix --unsafe-fixes`` through the CLI: rule fixtures (CloudFormation YAML and JSON,
Terraform) and, when ../shared/corpus is present, corpus templates and Terraform modules, mutated (a unit, flow,
auth flow or URL scheme swapped, a property name misspelt, comments inserted, lines duplicated, swapped or deleted,
keys reordered, block and flow style switched, indentation changed, CRLF line ends, a byte order mark) and fixed on
copies. Every run is checked by tests/fix_fuzz.py (never a crash, the fixed file parses and differs only by the
fixes' splices, comments survive, a re-scan reports no fixed finding and nothing new, a second --fix changes nothing).

The default run draws a fixed, derandomised set of examples (tests/conftest.py); the ``slow`` tests mutate every
fixture and corpus file. ``COGCHECK_HYPOTHESIS=explore`` searches randomly, ten times as long.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fix_fuzz import KINDS, Mutation, check_cli_fix, mutate, syntax_of
from tests.helpers import RULE_FIXTURES, SHARED, examples

TF_RULE_FIXTURES = RULE_FIXTURES.parent / "terraform" / "rules"
CORPUS = Path(os.environ.get("COGCHECK_CORPUS", str(SHARED / "corpus")))
CFN_SEEDS = sorted(p for p in RULE_FIXTURES.glob("*/*") if p.suffix in (".yaml", ".yml", ".json"))
TF_SEEDS = sorted(TF_RULE_FIXTURES.glob("*/*.tf"))
CORPUS_CFN = sorted(p for p in (CORPUS / "files").rglob("*") if p.is_file() and p.suffix in (
    ".yaml", ".yml", ".json", ".template")) if CORPUS.is_dir() else []
#: a corpus Terraform module: its directory and the files in it declaring a client
CORPUS_TF = sorted({p.parent for p in (CORPUS / "terraform" / "files").rglob("*.tf")
                    if "aws_cognito_user_pool_client" in p.read_text(encoding="utf-8", errors="replace")}
                   ) if CORPUS.is_dir() else []
NO_CORPUS = "../shared/corpus is not present (set COGCHECK_CORPUS)"

MUTATION = st.tuples(st.sampled_from(KINDS), st.integers(0, 10**6), st.integers(0, 10**6))
MUTATIONS = st.lists(MUTATION, min_size=1, max_size=5)
_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def fuzz(count: int) -> settings:
    """``count`` examples (ten times as many when exploring), tmp_path reused between them (each copies afresh)."""
    return settings(max_examples=examples(count), suppress_health_check=_HEALTH, deadline=None)


def _copy_template(seed: Path, mutations: list[Mutation], directory: Path) -> Path:
    text, syntax = mutate(seed.read_text(encoding="utf-8"), syntax_of(seed), mutations)
    target = directory / (seed.stem + (".json" if syntax == "json" else seed.suffix if syntax == "yaml" else ".tf"))
    if target.suffix == ".template" or (syntax == "yaml" and target.suffix == ".json"):
        target = target.with_suffix(".yaml")
    target.write_bytes(text.encode("utf-8"))
    return target


def _copy_module(module: Path, mutations: list[Mutation], directory: Path) -> list[Path]:
    """The module's files copied into ``directory``, each file declaring a client mutated."""
    written = []
    for source in sorted(module.iterdir()):
        if not source.is_file():
            continue
        target = directory / source.name
        text = source.read_text(encoding="utf-8", errors="replace")
        if source.suffix in (".tf", ".tofu") and "aws_cognito_user_pool_client" in text:
            text, _syntax = mutate(text, "hcl", mutations)
            written.append(target)
        target.write_bytes(text.encode("utf-8"))
    return written


def _fresh(tmp_path: Path, name: str) -> Path:
    directory = tmp_path / name
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir()
    return directory


@fuzz(30)
@given(seed=st.sampled_from(CFN_SEEDS), mutations=MUTATIONS)
def test_fix_survives_mutated_templates(seed: Path, mutations: list[Mutation], tmp_path: Path) -> None:
    target = _copy_template(seed, mutations, _fresh(tmp_path, "cfn"))
    check_cli_fix([target], [target])


@fuzz(15)
@given(seed=st.sampled_from(TF_SEEDS), mutations=MUTATIONS)
def test_fix_survives_mutated_terraform(seed: Path, mutations: list[Mutation], tmp_path: Path) -> None:
    directory = _fresh(tmp_path, "tf")
    target = _copy_template(seed, mutations, directory)
    check_cli_fix([target], [directory])


@pytest.mark.skipif(not CORPUS_CFN, reason=NO_CORPUS)
@fuzz(5)
@given(data=st.data(), mutations=st.lists(MUTATION, max_size=3))
def test_fix_survives_mutated_corpus_templates(data: st.DataObject, mutations: list[Mutation], tmp_path: Path) -> None:
    seed = data.draw(st.sampled_from(CORPUS_CFN))
    target = _copy_template(seed, mutations, _fresh(tmp_path, "corpus"))
    check_cli_fix([target], [target])


@pytest.mark.skipif(not CORPUS_TF, reason=NO_CORPUS)
@fuzz(3)
@given(data=st.data(), mutations=st.lists(MUTATION, max_size=3))
def test_fix_survives_mutated_corpus_terraform(data: st.DataObject, mutations: list[Mutation], tmp_path: Path) -> None:
    module = data.draw(st.sampled_from(CORPUS_TF))
    directory = _fresh(tmp_path, "module")
    check_cli_fix(_copy_module(module, mutations, directory), [directory])


# ------------------------------------------------------------------------------------------------ regressions


def test_a_refused_pass_does_not_leave_fixes_for_a_second_run(tmp_path: Path) -> None:
    """Found by the fuzz test: when a pass was refused (here writing ``hours`` brings COG-S016, a note, while the
    pass also removed notes), its fixes were retried one at a time but only the first kept per pass, so a file with
    more fixes than passes left some for a second --fix. Each is now checked on the text with those kept before it."""
    clients = "".join(
        f"  Client{i}:\n    Type: AWS::Cognito::UserPoolClient\n    Properties:\n"
        "      UserPoolId: us-east-1_AbCdEf123\n      PreventUserExistenceErrors: ENABLED\n"
        "      EnableTokenRevocation: true\n"
        "      TokenValidityUnits: {AccessToken: minutes, IdToken: HOURS, RefreshToken: days}\n" for i in range(4))
    target = tmp_path / "template.yaml"
    target.write_text("Resources:\n" + clients, encoding="utf-8")
    run = check_cli_fix([target], [target], unsafe=False)  # asserts that a second --fix changes nothing
    assert run.changed == 1 and "HOURS" not in target.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ the long exploration


def _every_kind(index: int) -> list[Mutation]:
    """A fixed mix of mutations for the ``index``-th file: every kind in turn, at varying places."""
    kinds = [KINDS[(index + k) % len(KINDS)] for k in range(3)]
    return [(kind, index * 7919 + k, index * 104729 + k) for k, kind in enumerate(kinds)]


@pytest.mark.slow
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_fix_every_fixture_mutated(unsafe: bool, tmp_path: Path) -> None:
    changed = 0
    for index, seed in enumerate(CFN_SEEDS + TF_SEEDS):
        for variant in range(2):
            directory = _fresh(tmp_path, f"{index}-{variant}")
            target = _copy_template(seed, _every_kind(index + variant * 1000) if variant else [], directory)
            changed += check_cli_fix([target], [directory if target.suffix == ".tf" else target], unsafe).changed
    assert changed > 0


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS_CFN, reason=NO_CORPUS)
def test_fix_every_corpus_file_mutated(tmp_path: Path) -> None:
    for index, seed in enumerate(CORPUS_CFN):
        for variant in range(2):
            directory = _fresh(tmp_path, f"c{index}-{variant}")
            target = _copy_template(seed, _every_kind(index) if variant else [], directory)
            check_cli_fix([target], [target])
    for index, module in enumerate(CORPUS_TF):
        for variant in range(2):
            directory = _fresh(tmp_path, f"t{index}-{variant}")
            check_cli_fix(_copy_module(module, _every_kind(index) if variant else [], directory), [directory])
