"""Deterministic workload generators for ``bench/bench.py``: the same arguments always write the same bytes.

* :func:`many_templates` — templates full of clients (each a pool and N clients, YAML with short-form tags);
* :func:`one_template` — one template with thousands of clients, YAML or JSON;
* :func:`terraform_module` — one ``.tf`` file with thousands of clients (the same settings in Terraform's words);
* :func:`assembly` — a CDK cloud assembly (``cdk.out``) of many stacks, most of them large and without clients.

The clients vary with their number so that most rules are exercised and about six findings come out per client.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CLIENT_TYPE = "AWS::Cognito::UserPoolClient"

_FLOWS = (["code", "implicit"], ["code"], ["client_credentials"], ["implicit"])
_AUTH = (
    ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    ["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
)


def client_properties(n: int) -> dict[str, Any]:
    """The properties of client number ``n`` (a mix of sound and unsound settings)."""
    props: dict[str, Any] = {
        "UserPoolId": {"Ref": "Pool"},
        "AccessTokenValidity": 30 + (n % 3) * 1000,
        "TokenValidityUnits": {"AccessToken": "minutes"},
        "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthFlows": _FLOWS[n % len(_FLOWS)],
        "AllowedOAuthScopes": ["openid", "email"],
        "CallbackURLs": [f"https://app{n}.example.org/cb", "http://localhost:3000/cb"],
        "ExplicitAuthFlows": _AUTH[n % len(_AUTH)],
    }
    if n % 4 == 1:
        props["GenerateSecret"] = True
        props["RefreshTokenValidity"] = 3650
    if n % 5 == 2:
        props["PreventUserExistenceErrors"] = "ENABLED"
        props["LogoutURLs"] = [f"https://app{n}.example.org/bye"]
    return props


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


def _yaml_client(n: int) -> str:
    lines = [f"  Client{n}:", f"    Type: {CLIENT_TYPE}", "    Properties:"]
    for key, value in client_properties(n).items():
        if key == "UserPoolId":
            lines.append("      UserPoolId: !Ref Pool")
        elif isinstance(value, dict):
            inner = ", ".join(f"{k}: {_yaml_scalar(v)}" for k, v in value.items())
            lines.append(f"      {key}: {{{inner}}}")
        elif isinstance(value, list):
            lines.append(f"      {key}: [{', '.join(_yaml_scalar(v) for v in value)}]")
        else:
            lines.append(f"      {key}: {_yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def yaml_template(clients: int, offset: int = 0) -> str:
    header = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Pool:\n    Type: AWS::Cognito::UserPool\n"
    return header + "".join(_yaml_client(offset + i) for i in range(clients))


def json_template(clients: int, offset: int = 0) -> str:
    resources: dict[str, Any] = {"Pool": {"Type": "AWS::Cognito::UserPool"}}
    for i in range(clients):
        resources[f"Client{offset + i}"] = {"Type": CLIENT_TYPE, "Properties": client_properties(offset + i)}
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1) + "\n"


def many_templates(directory: Path, templates: int, clients: int) -> int:
    """``templates`` YAML files of ``clients`` clients each; returns the number of clients."""
    directory.mkdir(parents=True, exist_ok=True)
    for t in range(templates):
        (directory / f"t{t:04d}.yaml").write_text(yaml_template(clients, t * clients), encoding="utf-8")
    return templates * clients


def one_template(path: Path, clients: int) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json_template(clients) if path.suffix == ".json" else yaml_template(clients)
    path.write_text(text, encoding="utf-8")
    return clients


_TF_NAMES = {
    "AccessTokenValidity": "access_token_validity",
    "AllowedOAuthFlowsUserPoolClient": "allowed_oauth_flows_user_pool_client",
    "AllowedOAuthFlows": "allowed_oauth_flows", "AllowedOAuthScopes": "allowed_oauth_scopes",
    "CallbackURLs": "callback_urls", "ExplicitAuthFlows": "explicit_auth_flows", "GenerateSecret": "generate_secret",
    "RefreshTokenValidity": "refresh_token_validity", "PreventUserExistenceErrors": "prevent_user_existence_errors",
    "LogoutURLs": "logout_urls",
}


def _tf_client(n: int) -> str:
    lines = [f'resource "aws_cognito_user_pool_client" "client{n}" {{', f'  name         = "client{n}"',
             "  user_pool_id = aws_cognito_user_pool.pool.id"]
    for key, value in client_properties(n).items():
        if key == "UserPoolId":
            continue
        if key == "TokenValidityUnits":
            lines += ["  token_validity_units {", f'    access_token = "{value["AccessToken"]}"', "  }"]
        else:
            lines.append(f"  {_TF_NAMES[key]} = {json.dumps(value)}")
    return "\n".join(lines) + "\n}\n\n"


def terraform_module(directory: Path, clients: int) -> int:
    """A module directory whose ``main.tf`` holds a pool and ``clients`` clients; returns the number of clients."""
    directory.mkdir(parents=True, exist_ok=True)
    pool = 'resource "aws_cognito_user_pool" "pool" {\n  name = "pool"\n}\n\n'
    text = pool + "".join(_tf_client(i) for i in range(clients))
    (directory / "main.tf").write_text(text, encoding="utf-8")
    return clients


def _function(stack: int, index: int) -> dict[str, Any]:
    """A Lambda function with a role and policy, as CDK writes them (with ``aws:cdk:path`` metadata)."""
    code = "\n".join(f"exports.f{k} = async (e) => ({{ statusCode: 200, body: 'stack {stack} fn {index} line {k}' }});"
                     for k in range(12))
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {"ZipFile": code},
            "Handler": "index.handler",
            "Role": {"Fn::GetAtt": [f"Fn{index}ServiceRole", "Arn"]},
            "Runtime": "nodejs20.x",
            "Environment": {"Variables": {f"VAR_{k}": f"value-{stack}-{index}-{k}" for k in range(10)}},
        },
        "DependsOn": [f"Fn{index}ServiceRole"],
        "Metadata": {"aws:cdk:path": f"Stack{stack}/Fn{index}/Resource"},
    }


def _role(stack: int, index: int) -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                               "Principal": {"Service": "lambda.amazonaws.com"}}],
                "Version": "2012-10-17",
            },
            "ManagedPolicyArns": [
                {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                   ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]}
            ],
            "Policies": [{
                "PolicyName": f"p{k}",
                "PolicyDocument": {"Statement": [{
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                    "Effect": "Allow",
                    "Resource": f"arn:aws:dynamodb:eu-west-1:123456789012:table/t{stack}-{index}-{k}",
                }]},
            } for k in range(6)],
        },
        "Metadata": {"aws:cdk:path": f"Stack{stack}/Fn{index}/ServiceRole/Resource"},
    }


def _stack_template(stack: int, functions: int, clients: int) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for index in range(functions):
        resources[f"Fn{index}ServiceRole"] = _role(stack, index)
        resources[f"Fn{index}"] = _function(stack, index)
    if clients:
        resources["Pool"] = {"Type": "AWS::Cognito::UserPool",
                             "Metadata": {"aws:cdk:path": f"Stack{stack}/Pool/Resource"}}
        for i in range(clients):
            n = stack * clients + i
            resources[f"Client{n}"] = {
                "Type": CLIENT_TYPE,
                "Properties": client_properties(n),
                "Metadata": {"aws:cdk:path": f"Stack{stack}/Client{n}/Resource"},
            }
    return {"Resources": resources, "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>",
                                                                        "Default": "/cdk-bootstrap/hnb659fds/version"}}}


def assembly(directory: Path, stacks: int, functions: int = 37, client_every: int = 10, clients: int = 5) -> int:
    """A cloud assembly of ``stacks`` stacks, one in ``client_every`` holding ``clients`` clients; returns clients."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cdk.out").write_text(json.dumps({"version": "36.0.0"}), encoding="utf-8")
    artifacts: dict[str, Any] = {}
    total = 0
    for stack in range(stacks):
        count = clients if stack % client_every == 0 else 0
        total += count
        doc = _stack_template(stack, functions, count)
        name = f"Stack{stack}.template.json"
        (directory / name).write_text(json.dumps(doc, indent=1), encoding="utf-8")
        metadata = {
            f"/Stack{stack}/{logical_id}/Resource": [{"type": "aws:cdk:logicalId", "data": logical_id}]
            for logical_id in doc["Resources"]
        }
        artifacts[f"Stack{stack}"] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": name, "validateOnSynth": False},
            "metadata": metadata,
            "displayName": f"Stack{stack}",
        }
    manifest = {"version": "36.0.0", "artifacts": artifacts}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return total


def size_mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
