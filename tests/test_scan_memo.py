"""Clients' results kept between checks of one file (cogcheck.scan.memo, used by `cogcheck lsp`): a check that reuses
them finds exactly what a fresh check finds, edit after edit; only clients whose resource or context changed are
evaluated again. Terraform files' parsed blocks are kept the same way (cogcheck.inputs.terraform.module.ParseCache).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from cogcheck.cfn.parse import TemplateError, parse_template
from cogcheck.findings import Finding, Notice
from cogcheck.scan.check import check_template
from cogcheck.scan.memo import ClientMemo
from cogcheck.scan.options import ScanOptions
from tests.helpers import FIXTURES

RULE_FIXTURES = sorted((FIXTURES / "rules").glob("*/*.yaml"))
EDITS_PER_FIXTURE = 6


def _check(text: str, options: ScanOptions) -> tuple[list[dict[str, Any]], list[Notice], int] | str:
    try:
        template = parse_template("t.yaml", text.encode("utf-8"))
    except TemplateError as exc:
        return exc.message
    if template is None:
        return "not a template"
    findings, notices, clients = check_template(template, options.enabled_rules(), options)
    return [_whole(f) for f in findings], notices, clients


def _whole(finding: Finding) -> dict[str, Any]:
    """Every field, those equality leaves out too (the fix, why none, the extra keys)."""
    return {f.name: getattr(finding, f.name) for f in dataclasses.fields(finding)}


def _variants(text: str) -> list[str]:
    """The text, then alternately a line left out and the text again: each line's resource (or section) changes."""
    lines = text.split("\n")
    step = max(1, len(lines) // EDITS_PER_FIXTURE)
    out = [text]
    for index in range(0, len(lines), step):
        out += ["\n".join(lines[:index] + lines[index + 1:]), text]
    return out


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_check_reusing_clients_finds_what_a_fresh_check_finds(path: Path) -> None:
    fresh = ScanOptions()
    kept = dataclasses.replace(fresh, client_memo=ClientMemo())
    for text in _variants(path.read_text(encoding="utf-8")):
        assert _check(text, kept) == _check(text, fresh), text


TEMPLATE = """\
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: p
  Google:
    Type: AWS::Cognito::UserPoolIdentityProvider
    Properties:
      UserPoolId: !Ref Pool
      ProviderName: Google
      ProviderType: Google
  A:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: {a}
      SupportedIdentityProviders: [Google]
  B:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      IdTokenValidity: 60
      SupportedIdentityProviders: [Google]
  C:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ClientName: !GetAtt {ref}.Name
"""


def _counts(memo: ClientMemo, text: str, options: ScanOptions) -> tuple[int, int]:
    before = memo.reused, memo.evaluated
    fresh = _check(text, ScanOptions())
    assert _check(text, options) == fresh
    return memo.reused - before[0], memo.evaluated - before[1]


def test_only_clients_whose_resource_or_context_changed_are_evaluated_again() -> None:
    memo = ClientMemo()
    options = ScanOptions(client_memo=memo)
    text = TEMPLATE.format(a=1, ref="B")
    assert _counts(memo, text, options) == (0, 3)
    assert _counts(memo, text, options) == (3, 0)  # nothing changed
    assert _counts(memo, TEMPLATE.format(a=60, ref="B"), options) == (2, 1)  # A alone (nothing names A)
    # B is named by C: a change to B is a change of every client's context
    changed_b = TEMPLATE.format(a=60, ref="B").replace("IdTokenValidity: 60", "IdTokenValidity: 2")
    assert _counts(memo, changed_b, options) == (0, 3)
    # the identity provider the clients name: every client again, and again when it is set back
    assert _counts(memo, changed_b.replace("ProviderName: Google", "ProviderName: Gogle"), options) == (0, 3)
    assert _counts(memo, changed_b, options) == (0, 3)
    one = changed_b.replace("AccessTokenValidity: 60", "AccessTokenValidity: 1")
    assert _counts(memo, one, options) == (2, 1)
    # 1 and true are different values, though equal in Python
    assert _counts(memo, one.replace("AccessTokenValidity: 1\n", "AccessTokenValidity: true\n", 1), options) == (2, 1)


def test_no_client_is_kept_with_a_previous_template_or_duplicate_keys(tmp_path: Path) -> None:
    from cogcheck.model.policy import Policy

    previous = tmp_path / "previous.yaml"
    previous.write_text(TEMPLATE.format(a=1, ref="B"), encoding="utf-8")
    memo = ClientMemo()
    options = ScanOptions(client_memo=memo, policy=Policy(previous=str(previous)))
    text = TEMPLATE.format(a=1, ref="B")
    _check(text, options)
    _check(text, options)
    assert (memo.reused, memo.evaluated) == (0, 0)


def test_a_terraform_file_is_parsed_again_only_when_it_changes(tmp_path: Path) -> None:
    from cogcheck.inputs.terraform.module import ParseCache, load_configuration

    (tmp_path / "pool.tf").write_text('resource "aws_cognito_user_pool" "pool" {\n  name = "p"\n}\n')
    client = tmp_path / "client.tf"
    client.write_text('resource "aws_cognito_user_pool_client" "c" {\n  name = "c"\n'
                      '  user_pool_id = aws_cognito_user_pool.pool.id\n  access_token_validity = 5\n}\n')
    override = tmp_path / "client_override.tf"
    override.write_text('resource "aws_cognito_user_pool_client" "c" {\n  access_token_validity = 7\n}\n')
    cache = ParseCache()

    def validity() -> Any:
        config = load_configuration(tmp_path, "m", tmp_path, parsed=cache)
        return config.resources["aws_cognito_user_pool_client.c"].resource["Properties"]["AccessTokenValidity"]

    assert validity() == 7 and cache.parsed == 3
    assert validity() == 7 and cache.parsed == 3  # nothing read again
    override.unlink()
    assert validity() == 5 and cache.parsed == 3  # the override merged into a copy: the kept block is unchanged
    client.write_text(client.read_text().replace("= 5", "= 60"))
    stat = client.stat()
    os.utime(client, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert validity() == 60 and cache.parsed == 4
    overlay = {client.resolve(): client.read_bytes().replace(b"= 60", b"= 9")}
    config = load_configuration(tmp_path, "m", tmp_path, overlay=overlay, parsed=cache)
    assert config.resources["aws_cognito_user_pool_client.c"].resource["Properties"]["AccessTokenValidity"] == 9
    client.write_text("resource {")  # a syntax error: said again on every reading, not only the first
    os.utime(client, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000))
    for _ in range(2):
        config = load_configuration(tmp_path, "m", tmp_path, parsed=cache)
        assert [e[0] for e in config.errors] == [os.path.join("m", "client.tf")]


TF_FIXTURES = sorted((FIXTURES / "terraform" / "rules").glob("*/*.tf"))[::5]


@pytest.mark.parametrize("path", TF_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_terraform_module_checked_with_kept_clients_and_files_finds_what_a_fresh_check_finds(
    path: Path, tmp_path: Path
) -> None:
    from cogcheck.inputs.terraform.module import ParseCache
    from cogcheck.inputs.types import TemplateInput
    from cogcheck.scan.result import ScanResult
    from cogcheck.scan.terraform import scan_module

    target = tmp_path / "main.tf"
    target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    item = TemplateInput(str(tmp_path), tmp_path, explicit=True, kind="terraform", root=tmp_path)
    fresh = ScanOptions()
    kept = dataclasses.replace(fresh, client_memo=ClientMemo())
    cache = ParseCache()

    def run(text: str, options: ScanOptions, parsed: ParseCache | None) -> tuple[Any, ...]:
        result = ScanResult()
        scan_module(item, options, result, overlay={target.resolve(): text.encode()}, parsed=parsed,
                    only=target.resolve() if parsed is not None else None)
        return [_whole(f) for f in result.findings], result.errors, result.notices

    for text in _variants(target.read_text(encoding="utf-8")):
        assert run(text, kept, cache) == run(text, fresh, None), text
