"""What a scan is asked to do: :class:`ScanOptions`, built by :mod:`cogcheck.config.options` (the CLI) or by a host
(the cfn-lint and CDK plugins), read by the pipeline, the Terraform scan and the per-template check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cogcheck.cfn.resolve import ResolveOptions
from cogcheck.inputs.files import MAX_FILE_SIZE
from cogcheck.model.policy import Policy

if TYPE_CHECKING:
    from cogcheck.engine.rules import Rule
    from cogcheck.scan.memo import ClientMemo


@dataclass
class ScanOptions:
    rules: Sequence[Rule] | None = None  # None: the shipped rules, loaded when a client is first met
    enabled: tuple[str, ...] | None = None  # ids of the shipped and user rules to run (None: all)
    extra_rules: tuple[Rule, ...] = ()  # the rules of user rule packs (cogcheck.engine.packs), run beside the shipped
    resolve: ResolveOptions = field(default_factory=ResolveOptions)
    severity: Mapping[str, str] = field(default_factory=dict)  # rule id → level override
    policy: Policy = field(default_factory=Policy)  # thresholds and production settings (rules read $.policy)
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, rule ids or prefixes)
    config_base: Path | None = None  # per-path globs are relative to the config file's directory
    source_root: Path | None = None  # CDK stack frames are made relative to it (default: the git root)
    exclude: tuple[tuple[str, Path | None], ...] = ()  # globs of what is never read, each with its base directory
    jobs: int = 1  # worker processes over templates (cogcheck.scan.parallel); the output does not depend on it
    stdin: tuple[str, bytes] | None = None  # the path "-": (the name to show, e.g. --stdin-filename; the bytes read)
    max_file_size: int = MAX_FILE_SIZE  # larger input files are errors, never read
    #: honour CDK acknowledgements recorded in an assembly (off in the synth-time plugin, where CDK applies them)
    cdk_acknowledgements: bool = True
    #: count them (--trust-cdk-acknowledgements: the scanned cdk.out is one the user's job synthesised); otherwise
    #: each that would silence a finding is a notice and the finding stays (cogcheck.scan.suppress)
    trust_cdk_acknowledgements: bool = False
    terraform_vars: Mapping[str, Any] = field(default_factory=dict)  # --var / --var-file: the root modules' variables
    terraform_root: Path | None = None  # --tf-root: the configuration of scanned plan JSON files (their .tf lines)
    opentofu: bool = False  # --opentofu: module directories are read as OpenTofu does (.tofu hides .tf)
    config_name: str | None = None  # the configuration file these options came from, as reports name it
    #: False: findings carry no fix nor why there is none (``cogcheck lsp`` makes them when the editor asks for code
    #: actions, not on every change)
    offer_fixes: bool = True
    #: clients' results kept from the last check of each file, reused where they still hold (``cogcheck lsp``)
    client_memo: ClientMemo | None = field(default=None, compare=False, repr=False)

    def enabled_rules(self) -> Sequence[Rule]:
        """The rules to run; the shipped ones are parsed on first use."""
        if self.rules is None:
            from cogcheck.engine.rules import load_rules

            every = [*load_rules(), *self.extra_rules]
            self.rules = [r for r in every if self.enabled is None or r.id in self.enabled]
        return self.rules
