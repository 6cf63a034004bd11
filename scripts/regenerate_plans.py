#!/usr/bin/env python3
"""Rewrite the Terraform plan JSON fixtures with the real ``terraform plan``: ``python scripts/regenerate_plans.py``.

Each directory of :data:`PLANS` holds a configuration (its ``providers.tf`` configures the AWS provider so that
planning asks AWS nothing) and the ``plan.json`` that ``terraform plan -refresh=false`` and ``terraform show -json``
give for it. The configuration is copied to a scratch directory and planned there with the provider from the
filesystem mirror (``tests/terraform_offline.py``), so nothing is written beside the fixture but ``plan.json``.
The plan's ``timestamp`` is left out; everything else is Terraform's output as is, indented (the Terraform version
is this machine's, ``terraform_version`` in the file).

``--check`` writes nothing and exits 1 when a ``plan.json`` is not what Terraform writes today. Without Terraform
or the provider mirror it writes nothing and says why (exit 0; ``tests/test_terraform_oracle.py`` skips likewise).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PLANS = [ROOT / "tests" / "fixtures" / "terraform" / "plan"]
#: Fields of the plan JSON that change from run to run.
VOLATILE = ("timestamp",)


def render(doc: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in doc.items() if k not in VOLATILE}, indent=2, ensure_ascii=False) + "\n"


def planned(directory: Path, scratch: Path) -> str:
    from tests.terraform_offline import Terraform

    work = scratch / directory.name
    shutil.copytree(directory, work, ignore=shutil.ignore_patterns("plan.json", ".terraform*"))
    terraform = Terraform(scratch / "terraform")
    terraform.init(work)
    return render(terraform.plan(work))


def main(argv: list[str] | None = None) -> int:
    from tests.terraform_offline import unavailable

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a plan.json is stale")
    args = parser.parse_args(argv)
    reason = unavailable()
    if reason:
        print(f"plan fixtures not regenerated: {reason}", file=sys.stderr)
        return 0
    stale = []
    with tempfile.TemporaryDirectory(prefix="cogcheck-plans-") as scratch:
        for directory in PLANS:
            text = planned(directory, Path(scratch))
            path = directory / "plan.json"
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current == text:
                continue
            name = path.relative_to(ROOT).as_posix()
            if args.check:
                stale.append(name)
                print(f"{name} is stale: run `python scripts/regenerate_plans.py`")
            else:
                path.write_text(text, encoding="utf-8", newline="\n")
                print(f"wrote {name}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
