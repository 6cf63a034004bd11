"""Hostile inputs, timed: each trigger of issues 11 and 19 beside a sentinel template, run through the CLI in a child
process.

Run from a checkout: ``python bench/hostile.py`` (a minute or two). ``--src DIR`` runs another checkout's cogcheck
(e.g. an older commit unpacked with ``git archive``) for a before/after table; ``--timeout S`` bounds each run
(default 60 s; a run cut off is reported as ``timeout``). For each trigger: wall seconds, peak RSS (MiB, via
:func:`os.wait4`), the exit code, whether a traceback was printed, whether the sentinel's finding was reported, and
the clients checked (the sentinel is one: a trigger that hides a client shows 1 where it should show 2 or more), and
whether a COG-E001 of another file was reported (the hostile input's own client, where its value should be known).
Nothing here is a test: the tests check behaviour, this measures it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLIENT = "AWS::Cognito::UserPoolClient"
SENTINEL = """Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      AccessTokenValidity: 25
"""


def client(properties: dict[str, Any], **sections: Any) -> dict[str, Any]:
    props = {"UserPoolId": {"Ref": "Pool"}, **properties}
    resources = {"Pool": {"Type": "AWS::Cognito::UserPool"}, "C": {"Type": CLIENT, "Properties": props}}
    return {**sections, "Resources": resources}


def write_json(directory: Path, name: str, doc: Any) -> list[str]:
    (directory / name).write_text(json.dumps(doc), encoding="utf-8")
    return [str(directory)]


def scenarios_2_40(d: Path) -> list[str]:
    conditions: dict[str, Any] = {f"C{i}": {"Fn::Equals": [{"Ref": "AWS::Region"}, f"r{i}"]} for i in range(40)}
    conditions["Never"] = {"Fn::Equals": ["a", "b"]}
    doc = client({f"ClientName{i}" if i else "ClientName": {"Fn::If": [f"C{i}", "a", "b"]} for i in range(40)},
                 Conditions=conditions)
    doc["Resources"]["C"]["Condition"] = "Never"
    return write_json(d, "scenarios.json", doc)


def allowed_values_100k(d: Path) -> list[str]:
    params = {"P": {"Type": "String", "AllowedValues": [f"v{i}" for i in range(100_000)]}}
    return write_json(d, "allowed.json", client({"ClientName": {"Ref": "P"}}, Parameters=params))


def sub_backtracking(d: Path) -> list[str]:
    return write_json(d, "sub.json", client({"ClientName": {"Fn::Sub": "${" * 200_000}}))


def callback_urls_10k_json(d: Path) -> list[str]:
    urls = [f"http://app{i}.example.org/cb" for i in range(10_000)]
    props = {"AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True, "CallbackURLs": urls,
             "AllowedOAuthScopes": ["openid"], "SupportedIdentityProviders": ["COGNITO"]}
    return write_json(d, "callbacks.json", client(props))


def callback_urls_10k_yaml(d: Path) -> list[str]:
    urls = "".join(f"        - http://app{i}.example.org/cb\n" for i in range(10_000))
    text = SENTINEL.replace("AccessTokenValidity: 25\n", "AllowedOAuthFlows: [code]\n      "
                            "AllowedOAuthFlowsUserPoolClient: true\n      AllowedOAuthScopes: [openid]\n      "
                            "SupportedIdentityProviders: [COGNITO]\n      CallbackURLs:\n" + urls)
    (d / "callbacks.yaml").write_text(text, encoding="utf-8")
    return [str(d)]


def yaml_100k_keys(d: Path) -> list[str]:
    lines = ["Resources:"] + [f"  Topic{i}: {{Type: AWS::SNS::Topic}}" for i in range(100_000)]
    text = "\n".join(lines) + "\n" + SENTINEL.split("\n", 1)[1].replace("Client:", "ClientZ:")
    (d / "keys.yaml").write_text(text, encoding="utf-8")
    return [str(d)]


def split_200k_urls(d: Path) -> list[str]:
    text = ",".join(f"http://a{i}.example.org/cb" for i in range(200_000))
    props = {"AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True,
             "CallbackURLs": {"Fn::Split": [",", text]}, "AllowedOAuthScopes": ["openid"]}
    return write_json(d, "split.json", client(props))


def condition_chain_5000(d: Path) -> list[str]:
    conditions: dict[str, Any] = {f"C{i}": {"Fn::Not": [{"Condition": f"C{i + 1}"}]} for i in range(5000)}
    conditions["C5000"] = {"Fn::Equals": ["a", "a"]}
    return write_json(d, "chain.json", client({"ClientName": {"Fn::If": ["C0", "a", "b"]}}, Conditions=conditions))


def findinmap_cycle(d: Path) -> list[str]:
    mappings = {"M": {"a": {"b": {"Fn::FindInMap": ["M", "a", "b"]}}}}
    return write_json(d, "cycle.json", client({"ClientName": {"Fn::FindInMap": ["M", "a", "b"]}}, Mappings=mappings))


def deep_join_300(d: Path) -> list[str]:
    node: Any = "x"
    for _ in range(300):
        node = {"Fn::Join": ["", [node]]}
    return write_json(d, "deep.json", client({"ClientName": node}))


def big_integer(d: Path) -> list[str]:
    text = json.dumps(client({"AccessTokenValidity": 1})).replace('"AccessTokenValidity": 1', '"AccessTokenValidity": '
                                                                   + "9" * 5000)
    (d / "big.json").write_text(text, encoding="utf-8")
    return [str(d)]


def reasonless_suppressions(d: Path) -> list[str]:
    doc = client({"AccessTokenValidity": 25}, Metadata={"cogcheck": {"ignore": [{"id": "COG-E001"}]}})
    doc["Resources"]["C"]["Metadata"] = {"cogcheck": {"ignore": [{"id": "COG-E001"}]}}
    return write_json(d, "supp.json", doc)


def symlink_loop(d: Path) -> list[str]:
    (d / "x.yaml").symlink_to("x.yaml")
    return [str(d)]


def dev_zero(d: Path) -> list[str]:
    (d / "zero.yaml").symlink_to("/dev/zero")
    return [str(d / "zero.yaml"), str(d / "sentinel.yaml")]


def fifo(d: Path) -> list[str]:
    os.mkfifo(d / "pipe.yaml")
    return [str(d)]


def big_file(d: Path) -> list[str]:
    with open(d / "huge.yaml", "w", encoding="utf-8") as out:
        out.write(SENTINEL.replace("Client:", "Big:"))
        out.write("# " + "x" * (40 * 1024 * 1024) + "\n")
    return [str(d)]


def escaped_type(d: Path) -> list[str]:
    text = json.dumps(client({"AccessTokenValidity": 25})).replace("UserPoolClient", "\\u0055serPoolClient")
    (d / "escaped.json").write_text(text, encoding="utf-8")
    return [str(d)]


def metadata_ownership(d: Path) -> list[str]:
    out = d / "cdk.out"
    out.mkdir()
    (out / "cdk.out").write_text('{"version": "36.0.0"}', encoding="utf-8")
    metadata: dict[str, Any] = {}
    for i in range(3000):
        metadata[f"/S/N{i}"] = [{"type": "aws:cdk:templateFile", "data": f"n{i}.json"}]
    for i in range(30000):
        metadata[f"/S/N{i % 3000}/R{i}/Resource"] = [{"type": "aws:cdk:logicalId", "data": f"R{i}"}]
    metadata["/S/C/Resource"] = [{"type": "aws:cdk:logicalId", "data": "C"}]
    manifest = {"version": "36.0.0", "artifacts": {"S": {"type": "aws:cloudformation:stack", "metadata": metadata,
                                                         "properties": {"templateFile": "S.template.json"}}}}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (out / "S.template.json").write_text(json.dumps(client({"AccessTokenValidity": 25})), encoding="utf-8")
    return [str(d)]


def plan_pools(n: int) -> Callable[[Path], list[str]]:
    """A plan (one line, as ``terraform show -json`` writes it) with ``n`` pools and a client: a line per address."""

    def build(d: Path) -> list[str]:
        changes: list[dict[str, Any]] = []
        for i in range(n):
            after = {"name": f"pool{i}", "mfa_configuration": "OFF"}
            changes.append({"address": f"aws_cognito_user_pool.p{i}", "mode": "managed",
                            "type": "aws_cognito_user_pool", "name": f"p{i}",
                            "change": {"actions": ["create"], "after": after, "after_unknown": {}}})
        after = {"name": "c", "user_pool_id": "eu-west-1_x", "access_token_validity": 25,
                 "token_validity_units": [{"access_token": "hours"}]}
        changes.append({"address": "aws_cognito_user_pool_client.c", "mode": "managed",
                        "type": "aws_cognito_user_pool_client", "name": "c",
                        "change": {"actions": ["create"], "after": after, "after_unknown": {}}})
        planned = {"root_module": {"resources": [
            {k: c[k] for k in ("address", "mode", "type", "name")} | {"values": c["change"]["after"]} for c in changes
        ]}}
        doc = {"format_version": "1.2", "terraform_version": "1.11.0", "planned_values": planned,
               "resource_changes": changes}
        (d / "plan.json").write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
        return [str(d)]

    return build


def identity_providers(count: int) -> Callable[[Path], list[str]]:
    """One client naming ``count`` identity providers of its pool, half of them undefined (issue 19)."""

    def build(d: Path) -> list[str]:
        doc = client({"SupportedIdentityProviders": [f"idp{i}" for i in range(count)]})
        doc["Resources"]["C"]["DependsOn"] = [f"P{i}" for i in range(0, count, 2)]
        for i in range(0, count, 2):
            doc["Resources"][f"P{i}"] = {"Type": "AWS::Cognito::UserPoolIdentityProvider", "Properties": {
                "UserPoolId": {"Ref": "Pool"}, "ProviderName": f"idp{i}", "ProviderType": "OIDC"}}
        return write_json(d, "providers.json", doc)

    return build


def manifest_hides_tree(d: Path) -> list[str]:
    """A 35-byte manifest.json at the root of a tree with a bad template below it (issue 19)."""
    (d / "manifest.json").write_text('{"version":"36.0.0","artifacts":{}}', encoding="utf-8")
    (d / "infra").mkdir()
    (d / "infra" / "bad.yaml").write_text(SENTINEL.replace("Client:", "Hidden:"), encoding="utf-8")
    return [str(d)]


TF_POOL = 'resource "aws_cognito_user_pool" "pool" {\n  name = "app"\n}\n'
TF_CLIENT = ('resource "aws_cognito_user_pool_client" "hidden" {\n  name = "hidden"\n'
             "  user_pool_id = aws_cognito_user_pool.pool.id\n  access_token_validity = 25\n}\n")


def tf_comment_brace(d: Path) -> list[str]:
    text = 'locals {\n  joined = "${\n  1}"\n}\n/* "${ */ #\n' + TF_CLIENT + '# } "\n'
    (d / "main.tf").write_text(TF_POOL + text, encoding="utf-8")
    return [str(d)]


def tf_hidden_module(d: Path) -> list[str]:
    (d / ".mod").mkdir()
    (d / ".mod" / "c.tf").write_text(TF_POOL + TF_CLIENT, encoding="utf-8")
    (d / "main.tf").write_text('module "m" {\n  source = "./.mod"\n}\n', encoding="utf-8")
    return [str(d)]


def tf_empty_tofu(d: Path) -> list[str]:
    (d / "main.tf").write_text(TF_POOL + TF_CLIENT, encoding="utf-8")
    (d / "main.tofu").write_text("", encoding="utf-8")
    return [str(d)]


def tf_ignore_spaces(n: int) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        (d / "main.tf").write_text(TF_POOL + "# cogcheck:ignore" + " " * n + "x\n" + TF_CLIENT, encoding="utf-8")
        return [str(d)]
    return build


def tf_clients(n: int) -> Callable[[Path], list[str]]:
    """One ``.tf`` file of ``n`` sound clients and the hidden one last (2,000: past the old 1 MB cap of a file)."""
    def build(d: Path) -> list[str]:
        sound = "".join(TF_CLIENT.replace('"hidden"', f'"c{i}"').replace("= 25", "= 1") + "# " + "x" * 400 + "\n"
                        for i in range(n))
        (d / "main.tf").write_text(TF_POOL + sound + TF_CLIENT, encoding="utf-8")
        return [str(d)]
    return build


def tf_locals(n: int) -> Callable[[Path], list[str]]:
    """One ``locals`` block of ``n`` values: a single piece for the parser (at most 1,000,000 characters)."""
    def build(d: Path) -> list[str]:
        values = "".join(f'  v{i} = "value {i}"\n' for i in range(n))
        (d / "main.tf").write_text(TF_POOL + "locals {\n" + values + "}\n" + TF_CLIENT, encoding="utf-8")
        return [str(d)]
    return build


def tf_deep(kind: str) -> Callable[[Path], list[str]]:
    """Blocks or lists nested 5,000 deep (an error at block 101; an unknown value past 64 levels)."""
    def build(d: Path) -> list[str]:
        text = "a {\n" * 5000 + "}\n" * 5000 if kind == "blocks" else \
            "locals {\n  x = " + "[" * 5000 + "1" + "]" * 5000 + "\n}\n"
        (d / "deep.tf").write_text(text, encoding="utf-8")
        (d / "main.tf").write_text(TF_POOL + TF_CLIENT, encoding="utf-8")
        return [str(d)]
    return build


def tf_module_calls(n: int) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        calls = "".join(f'module "m{i}" {{\n  source = "./mod"\n  pool = aws_cognito_user_pool.pool.id\n}}\n'
                        for i in range(n))
        (d / "main.tf").write_text(TF_POOL + calls, encoding="utf-8")
        (d / "mod").mkdir()
        others = "".join(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "b{i}"\n}}\n' for i in range(300))
        (d / "mod" / "c.tf").write_text('variable "pool" {}\n' + TF_CLIENT.replace(
            "aws_cognito_user_pool.pool.id", "var.pool") + others, encoding="utf-8")
        return [str(d)]
    return build


def tf_large_files(n: int) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        for index in range(n):
            blocks = [f'resource "aws_s3_bucket" "b{index}_{j}" {{\n  bucket = "b{j}"\n}}\n' for j in range(5000)]
            (d / f"f{index}.tf").write_text("".join(blocks)[:200_000].rsplit("resource", 1)[0], encoding="utf-8")
        (d / "z.tf").write_text(TF_POOL + TF_CLIENT, encoding="utf-8")
        return [str(d)]
    return build


EV_POOL = 'resource "aws_cognito_user_pool" "p" {\n  name = "p"\n}\n'


def ev_client(validity: str = "25", extra: str = "", meta: str = "") -> str:
    return (f'resource "aws_cognito_user_pool_client" "c" {{\n{meta}  name = "c"\n'
            f"  user_pool_id = aws_cognito_user_pool.p.id\n  access_token_validity = {validity}\n{extra}}}\n")


def ev_write(d: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (d / "tf" / name).parent.mkdir(parents=True, exist_ok=True)
        (d / "tf" / name).write_text(text, encoding="utf-8")
    return [str(d)]


def ev_locals(pairs: list[tuple[str, str]]) -> str:
    return "locals {\n" + "".join(f"  {name} = {expr}\n" for name, expr in pairs) + "}\n"


def tf_doubling(form: str, n: int) -> Callable[[Path], list[str]]:
    step = {"list": "[local.v{0}, local.v{0}]", "merge": "merge(local.v{0}, {{a = local.v{0}, b = local.v{0}}})",
            "==": "local.v{0} == local.v{0} ? [local.v{0}, local.v{0}] : []"}[form]

    def build(d: Path) -> list[str]:
        pairs = [("v0", '{a = "x"}' if form == "merge" else '["x"]')]
        pairs += [(f"v{i}", step.format(i - 1)) for i in range(1, n + 1)]
        return ev_write(d, {"main.tf": EV_POOL + ev_locals(pairs) + ev_client(extra=f"  callback_urls = local.v{n}\n")})

    return build


def tf_string_doubling(n: int) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        pairs = [("s0", '"0123456789abcdef"')]
        pairs += [(f"s{i}", f'"${{local.s{i - 1}}}${{local.s{i - 1}}}"') for i in range(1, n + 1)]
        return ev_write(d, {"main.tf": EV_POOL + ev_locals(pairs)
                            + ev_client(extra=f"  default_redirect_uri = local.s{n}\n")})

    return build


def tf_padding(n: int) -> Callable[[Path], list[str]]:
    """A module called for n keys before the root's client: its locals spent the one shared budget on main."""
    def build(d: Path) -> list[str]:
        keys = ", ".join(f'"k{i}"' for i in range(n))
        pad = ev_locals([(f"p{i}", f'[var.x, "{i}", {{a = var.x, b = [1, 2, 3]}}]') for i in range(30)])
        pad += ('resource "aws_cognito_resource_server" "r" {\n  user_pool_id = var.x\n  identifier = var.x\n'
                "  name = join(\",\", [" + ", ".join(f"local.p{i}[1]" for i in range(30)) + "])\n}\n")
        return ev_write(d, {
            "main.tf": EV_POOL + f'module "a_pad" {{\n  source = "./pad"\n  for_each = toset([{keys}])\n'
                       "  x = each.key\n}\n" + ev_locals([("validity", "25")]) + ev_client("local.validity"),
            "pad/main.tf": 'variable "x" {}\n' + pad,
        })

    return build


def tf_distinct(n: int) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        items = [f"k{i % (n // 2)}" for i in range(n)]  # in JSON: the evaluation is timed, not the HCL parser
        return ev_write(d, {"main.tf": EV_POOL + 'variable "items" {}\n'
                            + ev_locals([("set", "toset(var.items)"), ("unique", "distinct(var.items)")])
                            + ev_client(extra="  read_attributes = [length(local.set), length(local.unique)]\n"),
                            "terraform.tfvars.json": json.dumps({"items": items})})

    return build


def tf_for_each(n: int) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        server = ('resource "aws_cognito_resource_server" "api" {\n  for_each = toset(var.keys)\n'
                  "  user_pool_id = aws_cognito_user_pool.p.id\n  identifier = each.key\n  name = each.value\n}\n")
        return ev_write(d, {"main.tf": EV_POOL + 'variable "keys" {}\n' + server + ev_client(),
                            "terraform.tfvars.json": json.dumps({"keys": [f"s{i}" for i in range(n)]})})

    return build


def tf_heavy_modules(n: int) -> Callable[[Path], list[str]]:
    """n instances of a module whose locals spend a whole budget each (flattening a doubled list three times)."""
    def build(d: Path) -> list[str]:
        pairs = [("v0", '["x"]')] + [(f"v{i}", f"[local.v{i - 1}, local.v{i - 1}]") for i in range(1, 15)]
        pairs += [("s1", "length(flatten(local.v14))"), ("s2", "local.s1 + length(flatten(local.v14))"),
                  ("s3", "local.s2 + length(flatten(local.v14))")]
        keys = ", ".join(f'"k{i}"' for i in range(n))
        return ev_write(d, {
            "main.tf": f'module "heavy" {{\n  source = "./heavy"\n  for_each = toset([{keys}])\n}}\n',
            "heavy/main.tf": EV_POOL + ev_locals(pairs) + ev_client("local.s3 > 0 ? 25 : 1"),
        })

    return build


def tf_count(d: Path) -> list[str]:
    return ev_write(d, {"main.tf": EV_POOL + ev_client(meta="  count = 10001\n")})


def tf_nesting(d: Path) -> list[str]:
    files = {f"m{i}/main.tf": f'module "next" {{\n  source = "../m{i + 1}"\n}}\n' for i in range(18)}
    files["m18/main.tf"] = EV_POOL + ev_client()
    files["main.tf"] = 'module "first" {\n  source = "./m0"\n}\n'
    return ev_write(d, files)


def tf_big_number(d: Path) -> list[str]:
    return ev_write(d, {"main.tf": EV_POOL + 'variable "v" {}\n' + ev_client("var.v"),
                        "terraform.tfvars.json": '{"v": ' + "9" * 5000 + "}"})


TRIGGERS: dict[str, Callable[[Path], list[str]]] = {
    "scenarios: false Condition + 40 undecidable": scenarios_2_40,
    "AllowedValues x 100k": allowed_values_100k,
    "Fn::Sub '${' x 200k": sub_backtracking,
    "10k CallbackURLs (JSON)": callback_urls_10k_json,
    "10k CallbackURLs (YAML)": callback_urls_10k_yaml,
    "YAML mapping with 100k keys": yaml_100k_keys,
    "Fn::Split into 200k URLs": split_200k_urls,
    "Condition chain 5000 long": condition_chain_5000,
    "Fn::FindInMap cycle": findinmap_cycle,
    "Fn::Join nested 300 deep": deep_join_300,
    "5000-digit integer": big_integer,
    "reasonless suppressions x2": reasonless_suppressions,
    "symlink loop x.yaml": symlink_loop,
    "/dev/zero through a symlink": dev_zero,
    "FIFO named *.yaml": fifo,
    "40 MB template": big_file,
    "client type written \\u0055...": escaped_type,
    "CDK metadata: 3000 nested x 30k paths": metadata_ownership,
    "plan with 1k pools (line lookup)": plan_pools(1_000),
    "plan with 10k pools (line lookup)": plan_pools(10_000),
    "35-byte manifest.json at the root": manifest_hides_tree,
    "TF: '\"${' in a comment beside a multi-line interpolation": tf_comment_brace,
    "TF: client in a module under ./.mod": tf_hidden_module,
    "TF: empty main.tofu beside main.tf": tf_empty_tofu,
    "TF: cogcheck:ignore comment with 300 spaces": tf_ignore_spaces(300),
    "TF: cogcheck:ignore comment with 3000 spaces": tf_ignore_spaces(3000),
    "TF: one local module called 6 times": tf_module_calls(6),
    "TF: one local module called 60 times": tf_module_calls(60),
    "TF: 1 file of 200 KB": tf_large_files(1),
    **{f"TF: one .tf of {n} clients": tf_clients(n) for n in (200, 2000)},
    **{f"TF: one locals block of {n} values": tf_locals(n) for n in (4000, 40_000)},
    **{f"TF: {kind} nested 5,000 deep": tf_deep(kind) for kind in ("blocks", "lists")},
    "TF: 10 files of 200 KB": tf_large_files(10),
    "client naming 2,500 identity providers": identity_providers(2_500),
    "client naming 25,000 identity providers": identity_providers(25_000),
    **{f"TF: {n} locals doubling ({form})": tf_doubling(form, n) for form in ("list", "merge", "==") for n in (6, 60)},
    **{f"TF: {n} locals doubling a string": tf_string_doubling(n) for n in (4, 40)},
    **{f"TF: padding module x {n} before the client": tf_padding(n) for n in (200, 2000)},
    **{f"TF: toset/distinct of {n} strings": tf_distinct(n) for n in (3000, 30_000)},
    **{f"TF: for_each over {n} keys": tf_for_each(n) for n in (900, 9000, 30_000)},
    **{f"TF: {n} module instances spending a budget each": tf_heavy_modules(n) for n in (4, 40)},
    "TF: count = 10,001": tf_count,
    "TF: modules nested 19 deep": tf_nesting,
    "TF: 5000-digit number in terraform.tfvars.json": tf_big_number,
}


def run(argv: list[str], src: Path, timeout: float, cwd: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cogcheck", "scan", "-f", "json", *argv],
            stdout=out, stderr=err, env=env, start_new_session=True, cwd=cwd,  # not the checkout: -m imports from cwd
        )
        deadline = start + timeout
        status = rusage = None
        while time.perf_counter() < deadline:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            return {"wall": timeout, "code": "timeout", "rss": None, "traceback": False, "sentinel": False,
                    "size": None, "clients": None, "hidden": False}
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status) if status is not None else None
    try:
        report = json.loads(stdout)
        findings, clients = report["findings"], report["summary"]["clients"]
    except (ValueError, KeyError, TypeError):
        findings, clients = [], None
    sentinel = any(f.get("file", "").endswith("sentinel.yaml") and f.get("rule_id") == "COG-E001" for f in findings)
    hidden = any(not f.get("file", "").endswith("sentinel.yaml") and f.get("rule_id") == "COG-E001" for f in findings)
    return {"wall": wall, "code": code, "rss": rusage.ru_maxrss / 1024 if rusage else None,
            "traceback": "Traceback" in stderr, "sentinel": sentinel, "size": len(stdout), "clients": clients,
            "hidden": hidden}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", type=Path, default=ROOT, help="the checkout whose cogcheck runs")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--only", help="run the triggers whose name contains this")
    args = parser.parse_args()
    print("| trigger | wall s | peak RSS MiB | exit | traceback | sentinel | report bytes | clients | other COG-E001 |")
    print("|---|---:|---:|---|---|---|---:|---:|---|")
    for name, build in TRIGGERS.items():
        if args.only and args.only not in name:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            (directory / "sentinel.yaml").write_text(SENTINEL, encoding="utf-8")
            argv = build(directory)
            r = run(argv, args.src.resolve(), args.timeout, directory)
        rss = f"{r['rss']:.0f}" if r["rss"] is not None else "-"
        print(f"| {name} | {r['wall']:.2f} | {rss} | {r['code']} | {'yes' if r['traceback'] else 'no'} | "
              f"{'yes' if r['sentinel'] else 'NO'} | {r['size'] if r['size'] is not None else '-'} | "
              f"{r['clients'] if r['clients'] is not None else '-'} | {'yes' if r['hidden'] else 'no'} |", flush=True)


if __name__ == "__main__":
    main()
