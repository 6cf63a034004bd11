"""The real Terraform, offline: the AWS provider from a filesystem mirror, nothing written outside a scratch directory.

Used by ``tests/test_terraform_oracle.py`` (``terraform validate`` on every Terraform rule fixture) and by
``scripts/regenerate_plans.py`` (plan JSON fixtures written by ``terraform plan``). The mirror is
``$COGCHECK_TF_MIRROR`` or ``/opt/tf-plugins`` (a ``terraform providers mirror`` layout holding
``registry.terraform.io/hashicorp/aws``). A CLI configuration file is written into the scratch directory and named
by ``TF_CLI_CONFIG_FILE``; providers are installed from the mirror only (``direct`` excludes every registry), into
one plugin cache shared by every ``terraform init`` of the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

MIRROR = Path(os.environ.get("COGCHECK_TF_MIRROR", "/opt/tf-plugins"))
PROVIDER = "registry.terraform.io/hashicorp/aws"

#: A provider configuration that never asks AWS for anything at plan time (no network is needed or reachable).
PROVIDER_BLOCK = """provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  access_key                  = "x"
  secret_key                  = "y"
}
"""

_CLI_CONFIG = """provider_installation {{
  filesystem_mirror {{
    path    = {mirror}
    include = ["registry.terraform.io/hashicorp/*"]
  }}
  direct {{
    exclude = ["registry.terraform.io/*/*"]
  }}
}}
"""

#: Generous bound on one Terraform command (a validate of every fixture takes seconds).
TIMEOUT = 600


def unavailable() -> str | None:
    """Why Terraform cannot run here, or None when it can."""
    if shutil.which("terraform") is None:
        return "terraform is not on PATH"
    if not (MIRROR / PROVIDER).is_dir():
        return f"no {PROVIDER} in the provider mirror {MIRROR} (set COGCHECK_TF_MIRROR)"
    return None


class Terraform:
    """Runs ``terraform`` with a CLI configuration and plugin cache under ``scratch``."""

    def __init__(self, scratch: Path) -> None:
        scratch.mkdir(parents=True, exist_ok=True)
        config = scratch / "terraform.rc"
        config.write_text(_CLI_CONFIG.format(mirror=json.dumps(str(MIRROR))), encoding="utf-8")
        cache = scratch / "plugin-cache"
        cache.mkdir(exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TF_")},
            "TF_CLI_CONFIG_FILE": str(config),
            "TF_PLUGIN_CACHE_DIR": str(cache),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",  # no version check over the network
        }

    def run(self, args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["terraform", *args, "-no-color"], cwd=cwd, env=self.env, capture_output=True, text=True,
            timeout=TIMEOUT, check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"terraform {' '.join(args)} in {cwd} failed ({done.returncode}):\n{done.stderr}")
        return done

    def init(self, cwd: Path) -> None:
        self.run(["init", "-input=false", "-backend=false"], cwd)

    def validate(self, cwd: Path) -> dict[str, Any]:
        """``terraform validate -json``: its diagnostics (exit 1 when there are errors is expected)."""
        done = self.run(["validate", "-json"], cwd, check=False)
        try:
            doc: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError:
            raise RuntimeError(f"terraform validate gave no JSON ({done.returncode}):\n{done.stderr}") from None
        return doc

    def plan(self, cwd: Path) -> dict[str, Any]:
        """``terraform plan`` (no refresh: nothing exists to read back, and AWS is not reachable) shown as JSON."""
        self.run(["plan", "-input=false", "-refresh=false", "-lock=false", "-out=cogcheck.tfplan"], cwd)
        doc: dict[str, Any] = json.loads(self.run(["show", "-json", "cogcheck.tfplan"], cwd).stdout)
        return doc
