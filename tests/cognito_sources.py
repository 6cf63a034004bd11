"""Where the newest Cognito API model (botocore), CloudFormation schema (cfn-lint) and aws-cdk-lib's generated Cognito
types live, read as plain data.

None of the packages is imported for this: the files are found with ``importlib.util.find_spec`` (which does not run
the packages) and read with ``json``. Used by ``tests/test_drift.py`` and ``scripts/refresh_cognito_data.py``.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import tarfile
from functools import cache
from pathlib import Path
from typing import Any

TYPE = "AWS::Cognito::UserPoolClient"


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cfn_lint_schema() -> tuple[dict[str, Any] | None, str]:
    """The schema cfn-lint ships for the client and its schema date; tries the layouts of cfn-lint 1.x."""
    base = _package_dir("cfnlint")
    if base is None:
        return None, ""
    schemas = base / "data" / "schemas"
    date = ""
    version = schemas / "version.json"
    if version.is_file():
        date = str(json.loads(version.read_text(encoding="utf-8")).get("schema_date", ""))[:10]
    providers = schemas / "providers"
    digest = None
    if (providers / "us-east-1.json").is_file():  # >= 1.5x: region → {type: hash}
        digest = json.loads((providers / "us-east-1.json").read_text(encoding="utf-8")).get(TYPE)
    elif (providers / "us_east_1.py").is_file():  # 1.4x-1.51: a Python dict literal of type → hash
        found = re.search(rf'"{re.escape(TYPE)}":\s*"([0-9a-f]+)"', (providers / "us_east_1.py").read_text())
        digest = found.group(1) if found else None
    if digest and (schemas / "resources" / f"{digest}.json").is_file():
        return json.loads((schemas / "resources" / f"{digest}.json").read_text(encoding="utf-8")), date
    legacy = providers / "us_east_1" / "aws-cognito-userpoolclient.json"  # older 1.x: one file per type
    if legacy.is_file():
        return json.loads(legacy.read_text(encoding="utf-8")), date
    return None, date


def cfn_lint_schema_of(resource_type: str) -> dict[str, Any] | None:
    """The schema cfn-lint ships for any resource type (cfn-lint >= 1.5x layout), or None."""
    base = _package_dir("cfnlint")
    if base is None:
        return None
    schemas = base / "data" / "schemas"
    registry = schemas / "providers" / "us-east-1.json"
    if not registry.is_file():
        return None
    digest = json.loads(registry.read_text(encoding="utf-8")).get(resource_type)
    path = schemas / "resources" / f"{digest}.json"
    return json.loads(path.read_text(encoding="utf-8")) if digest and path.is_file() else None  # type: ignore[no-any-return]


def shape_from_source(source: dict[str, Any]) -> dict[str, Any] | None:
    """The pattern and lengths a shape's source gives (``{"api": SHAPE}`` or ``{"schema": [TYPE, PROPERTY]}``):
    a full-match pattern (a schema's ``^…$`` anchors dropped), ``min`` and ``max``."""
    if "api" in source:
        model = api_model()
        node = model["shapes"].get(source["api"]) if model else None
    else:
        resource_type, prop = source["schema"]
        schema = cfn_lint_schema_of(resource_type)
        node = schema["properties"].get(prop) if schema else None
    if not isinstance(node, dict) or "pattern" not in node:
        return None
    pattern = str(node["pattern"])
    if pattern.startswith("^") and pattern.endswith("$"):
        pattern = pattern[1:-1]
    low, high = node.get("min", node.get("minLength")), node.get("max", node.get("maxLength"))
    return {"pattern": pattern, "min": low, "max": high}


def api_model() -> dict[str, Any] | None:
    """The newest cognito-idp service model botocore ships."""
    base = _package_dir("botocore")
    if base is None:
        return None
    versions = sorted((base / "data" / "cognito-idp").glob("*/service-2.json*"))
    if not versions:
        return None
    path = versions[-1]
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return json.loads(data)  # type: ignore[no-any-return]


def api_request_shapes() -> tuple[list[str], dict[str, list[str]]]:
    """CreateUserPoolClient's members, and the enumerations it uses (member path → values)."""
    model = api_model()
    if model is None:
        return [], {}
    shapes = model["shapes"]
    request = shapes["CreateUserPoolClientRequest"]
    enums: dict[str, list[str]] = {}

    def walk(shape_name: str, where: str, depth: int = 0) -> None:
        shape = shapes[shape_name]
        if "enum" in shape:
            enums[where] = list(shape["enum"])
        if shape.get("type") == "list" and depth < 4:
            walk(shape["member"]["shape"], where + "[]", depth + 1)
        if shape.get("type") == "structure" and depth < 4:
            for member, ref in shape["members"].items():
                walk(ref["shape"], f"{where}.{member}", depth + 1)

    for member, ref in request["members"].items():
        walk(ref["shape"], member)
    return list(request["members"]), enums


#: the file of aws-cdk-lib's package that CDK generates from the CloudFormation resource specification
CDK_COGNITO_TYPES = "package/aws-cognito/lib/cognito.generated.d.ts"


@cache
def cdk_cognito_types() -> tuple[str, str] | None:
    """(aws-cdk-lib version, text of ``aws-cognito/lib/cognito.generated.d.ts``) of the installed aws-cdk-lib.

    The Python package ships the jsii bundle (``aws_cdk/_jsii/aws-cdk-lib@VERSION.jsii.tgz``, the npm package's
    files); the one member is read from it as a stream, without importing aws_cdk (which starts a Node process)."""
    base = _package_dir("aws_cdk")
    bundles = sorted((base / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")) if base is not None else []
    if not bundles:
        return None
    version = bundles[-1].name.removeprefix("aws-cdk-lib@").removesuffix(".jsii.tgz")
    with tarfile.open(bundles[-1], "r|gz") as bundle:
        for member in bundle:
            if member.name == CDK_COGNITO_TYPES:
                handle = bundle.extractfile(member)
                return (version, handle.read().decode("utf-8")) if handle is not None else None
    return None


def cdk_resource_types(text: str) -> list[str]:
    """The CloudFormation resource types a generated ``.d.ts`` declares (``@cloudformationResource``)."""
    return sorted(set(re.findall(r"@cloudformationResource (AWS::\w+::\w+)", text)))


def cdk_properties(text: str, resource_type: str) -> list[str]:
    """The property paths of ``resource_type`` the generated types document, lower case with ``-`` between a
    property and its key (``generatesecret``, ``tokenvalidityunits-accesstoken``): read from the documentation
    anchors (``#cfn-cognito-userpoolclient-generatesecret``), which CDK writes for every property and key."""
    name = resource_type.rsplit("::", 1)[-1].lower()
    return sorted(set(re.findall(rf"#cfn-cognito-{name}-([a-z0-9-]+)", text)))
