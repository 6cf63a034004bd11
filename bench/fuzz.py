"""A longer fuzz run than the test suite's: random hostile templates through the whole scan and every text report.

Run from a checkout: ``python bench/fuzz.py --count 5000 --seed 1``. Each input is a client template built from
random properties, intrinsics, parameters, conditions and mappings (cycles, deep chains, huge numbers, control
characters and escapes included), written as JSON or YAML, sometimes mutated byte by byte. Counted:

* ``crashes``: an exception escaping :func:`cogcheck.scan.pipeline.scan` (must be 0);
* ``internal``: an input error that says ``internal error`` (a bug caught by the per-input guard; should be 0);
* ``dirty``: a text, GitHub or Markdown report holding a raw control character or a runner command (must be 0);
* ``errors``: ordinary input errors (invalid YAML after a mutation, too deep, duplicate keys: expected).

Deterministic for a seed. Nothing here is a test; the count of inputs and crashes goes in the notes.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from cogcheck.report import github, markdown, text
from cogcheck.scan.options import ScanOptions
from cogcheck.scan.pipeline import scan

PROPERTIES = [
    "AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity", "TokenValidityUnits", "AuthSessionValidity",
    "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient", "CallbackURLs", "LogoutURLs",
    "DefaultRedirectURI", "ExplicitAuthFlows", "GenerateSecret", "SupportedIdentityProviders", "ReadAttributes",
    "WriteAttributes", "UserPoolId", "RefreshTokenRotation", "ClientName", "PreventUserExistenceErrors",
    "EnableTokenRevocation",
]
INTRINSICS = ["Ref", "Fn::If", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::FindInMap", "Fn::GetAtt",
              "Fn::Length", "Fn::ToJsonString", "Fn::Base64", "Condition", "Fn::Equals", "Fn::Not", "Fn::And",
              "Fn::Or", "Fn::ImportValue", "Fn::Cidr", "Fn::Nope"]
NAMES = ["P", "Q", "C", "D", "M", "Pool", "Client", "AWS::Region", "AWS::NoValue", "Idp"]
STRINGS = ["", "code", "implicit", "client_credentials", "openid", "https://a.example.org/cb", "http://localhost/x",
           "hours", "minutes", "days", "seconds", "ALLOW_USER_SRP_AUTH", "COGNITO", "${P}", "${Pool.Arn}", "${",
           "${!x}", "::error::x", "##[group]", "a\nb", "\x1b[31m", "\u202e", "\x85", "%0A", "9" * 4400, "1e999",
           "true", "FALSE", " 60 ", "-1", "0", "1.5"]
BAD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > rng.choice([3, 5, 8, 120]) or roll < 0.35:
        return rng.choice([
            lambda: rng.choice(STRINGS), lambda: rng.randint(-10, 10**6), lambda: rng.random() * 1000,
            lambda: rng.choice([True, False, None]), lambda: rng.choice(NAMES),
            lambda: 10 ** rng.randint(10, 500),
        ])()
    if roll < 0.55:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.7:
        return {rng.choice(["AccessToken", "IdToken", "RefreshToken", "a", "Name", "DefaultValue"]): value(rng, depth + 1)
                for _ in range(rng.randint(0, 3))}
    name = rng.choice(INTRINSICS)
    if name in ("Ref", "Condition"):
        return {name: rng.choice(NAMES)}
    if name == "Fn::If":
        return {name: [rng.choice(NAMES), value(rng, depth + 1), value(rng, depth + 1)]}
    if name == "Fn::FindInMap":
        return {name: ["M", rng.choice(["a", "b"]), rng.choice(["a", "b"])]}
    return {name: value(rng, depth + 1)}


def template(rng: random.Random) -> dict[str, Any]:
    props = {rng.choice(PROPERTIES): value(rng) for _ in range(rng.randint(0, 10))}
    doc: dict[str, Any] = {
        "Parameters": {
            "P": {"Type": rng.choice(["String", "Number", "CommaDelimitedList"]), "Default": value(rng),
                  "AllowedValues": [value(rng) for _ in range(rng.randint(0, 5))]},
            "Q": {"Type": "String"},
        },
        "Conditions": {"C": value(rng), "D": {"Fn::Not": [{"Condition": "C"}]}},
        "Mappings": {"M": {"a": {"a": value(rng), "b": {"Fn::FindInMap": ["M", "a", "b"]}}, "b": value(rng)}},
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"Name": value(rng)}},
            "Idp": {"Type": "AWS::Cognito::UserPoolIdentityProvider", "Properties": {"ProviderName": value(rng)}},
            "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": props},
        },
    }
    if rng.random() < 0.3:
        doc["Resources"]["Client"]["Condition"] = rng.choice(NAMES)
    if rng.random() < 0.2:
        doc["Resources"]["Client"]["Metadata"] = {"cogcheck": {"ignore": value(rng)}}
    if rng.random() < 0.1:
        doc["Metadata"] = {"cogcheck": {"ignore": value(rng)}}
    return doc


def render(rng: random.Random, doc: dict[str, Any]) -> tuple[str, bytes]:
    try:
        if rng.random() < 0.5:
            name, data = "t.json", json.dumps(doc).encode()
        else:
            name, data = "t.yaml", yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode()
    except (RecursionError, ValueError):
        name, data = "t.json", b'{"Resources": {}}'
    if rng.random() < 0.3:  # byte mutations
        buffer = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if not buffer:
                break
            at = rng.randrange(len(buffer))
            buffer[at] = rng.randrange(256)
        data = bytes(buffer)
    if rng.random() < 0.05:
        data = data.decode("utf-8", "replace").encode(rng.choice(["utf-16", "utf-32"]))
    return name, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts = {"inputs": 0, "crashes": 0, "internal": 0, "dirty": 0, "errors": 0, "findings": 0}
    start = time.perf_counter()
    slowest = (0.0, -1)
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.count):
            name, data = render(rng, template(rng))
            path = Path(tmp, f"{index}-{name}")
            path.write_bytes(data)
            counts["inputs"] += 1
            began = time.perf_counter()
            try:
                result = scan([str(path)], ScanOptions(jobs=1))
                for report in (text.render(result), github.render(result, root=tmp, cwd=tmp),
                               markdown.render(result, root=tmp, cwd=tmp)):
                    lines = report.splitlines()
                    commands = [line for line in lines if line.lstrip().startswith("::")]
                    own = [line for line in commands if re.match(r"^::(error|warning|notice) [^:]*::", line)]
                    if BAD.search(report) or "##[" in report or len(commands) != len(own):
                        counts["dirty"] += 1
                        break
            except Exception:
                counts["crashes"] += 1
                print(f"crash on input {index}:\n{traceback.format_exc()}", file=sys.stderr)
                continue
            finally:
                path.unlink()
            took = time.perf_counter() - began
            slowest = max(slowest, (took, index))
            counts["errors"] += len(result.errors)
            counts["internal"] += sum("internal error" in e.message for e in result.errors)
            counts["findings"] += len(result.findings)
            for error in result.errors:
                if "internal error" in error.message:
                    print(f"internal error on input {index}: {error.message}", file=sys.stderr)
    wall = time.perf_counter() - start
    print(json.dumps({**counts, "seed": args.seed, "seconds": round(wall, 1),
                      "slowest_input_seconds": round(slowest[0], 2), "slowest_input": slowest[1]}))


if __name__ == "__main__":
    main()
