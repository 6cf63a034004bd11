"""Refresh cogcheck's pinned Cognito data from the installed cfn-lint and botocore (run it, then review the diff).

* copies the CloudFormation resource schema of AWS::Cognito::UserPoolClient that cfn-lint ships to
  ``cogcheck/data/aws-cognito-userpoolclient.json`` (with the schema date cfn-lint records);
* rewrites the patterns and lengths of the attribute shapes taken from the API model or a resource schema
  (``cogcheck/data/attribute-shapes.json``);
* prints the values of the Cognito API model's enumerations for CreateUserPoolClient and the request's members, to
  compare with ``cogcheck/model/known.py`` (``tests/test_drift.py`` fails when they disagree in a way that matters).

Usage: python scripts/refresh_cognito_data.py  (then set KNOWN_VALUES_DATE in cogcheck/model/known.py)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cognito_sources import api_request_shapes, cfn_lint_schema, shape_from_source  # noqa: E402

SHAPES = ROOT / "cogcheck" / "data" / "attribute-shapes.json"


def refresh_shapes() -> None:
    """Rewrite the pattern and lengths of each attribute shape taken from the API model or a resource schema."""
    data = json.loads(SHAPES.read_text(encoding="utf-8"))
    for name, entry in data["shapes"].items():
        if "docs" in entry["from"]:
            continue
        fresh = shape_from_source(entry["from"])
        if fresh is None:
            print(f"attribute shape {name}: {entry['from']} no longer gives a pattern; kept as it was")
            continue
        entry.update(fresh)
    SHAPES.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {SHAPES.relative_to(ROOT)}")


def main() -> None:
    schema, date = cfn_lint_schema()
    if schema is None:
        sys.exit("cfn-lint's schema for AWS::Cognito::UserPoolClient was not found")
    schema["x-schema-date"] = date
    target = ROOT / "cogcheck" / "data" / "aws-cognito-userpoolclient.json"
    target.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)} (schema date {date})")
    refresh_shapes()
    members, enums = api_request_shapes()
    print("CreateUserPoolClient members:", ", ".join(members))
    for name, values in enums.items():
        print(f"{name}: {', '.join(values)}")


if __name__ == "__main__":
    main()
