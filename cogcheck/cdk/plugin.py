"""cogcheck inside ``cdk synth``: a CDK policy-validation plugin written in Python (no npm package needed).

    import aws_cdk as cdk
    from cogcheck.cdk import CogcheckValidation

    app = cdk.App()
    cdk.Validations.of(app).add_plugins(CogcheckValidation())   # or cdk.App(policy_validation_beta1=[...])

CDK calls :meth:`CogcheckValidation.validate` once the assembly is written, with the template of every stack; the
report it returns is printed with construct paths and creation stacks, written to ``cdk.out/validation-report.json``,
and fails the synth when it holds a deploy error. ``Validations.of(scope).acknowledge(Acknowledgment(
id="cogcheck::COG-E001", reason=...))`` is applied by CDK to the report (see docs/cdk.md).

This module and :mod:`cogcheck.cdk` are the only ones that import ``aws_cdk`` and ``jsii``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii

from cogcheck import __version__
from cogcheck.cdk.validation import Outcome, Settings, Violation, validate
from cogcheck.config.options import OptionError, build_scan_options, load_user_rules
from cogcheck.engine.rules import rule_ids
from cogcheck.inputs.cdk.metadata import ACK_NAMESPACE

#: The plugin's name: CDK prints it beside each violation and makes it the namespace of acknowledgement ids
#: (``cogcheck::COG-E001``), distinct from CDK's built-in validation (``CloudFormation-Validate::...``) and
#: annotations (``Annotation::...``).
PLUGIN_NAME = ACK_NAMESPACE


def _pairs(values: Mapping[str, str] | Iterable[str] | None) -> tuple[str, ...]:
    """``{"K": "V"}`` or ``["K=V"]`` → ``("K=V",)``, as the command line takes them."""
    if values is None:
        return ()
    if isinstance(values, Mapping):
        return tuple(f"{key}={value}" for key, value in values.items())
    if isinstance(values, str):
        return (values,)
    return tuple(values)


def _configured_packs(given: Path | None) -> list[Path] | None:
    """The rule packs the configuration names (``config``, else the one found from the working directory); None
    when it cannot be read or its packs cannot be loaded: the synth then reports that, with cogcheck's message."""
    from cogcheck.config.files import find_config, load_config
    from cogcheck.config.options import load_user_rules, rule_packs

    try:
        found = given if given is not None and given.is_file() else find_config(Path.cwd())
        config = load_config(found) if found is not None else None
        load_user_rules(config)
    except OptionError:
        return None
    return [one.directory for one in rule_packs(config)]


def _paths(values: Iterable[str | Path] | str | Path | None) -> tuple[Path, ...]:
    if values is None:
        return ()
    return (Path(values),) if isinstance(values, str | Path) else tuple(Path(value) for value in values)


def _names(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    return (values,) if isinstance(values, str) else tuple(values)


@jsii.implements(cdk.IPolicyValidationPlugin)
class CogcheckValidation:
    """cogcheck as a CDK validation plugin. Every option is one of ``cogcheck scan``'s; a configuration file
    (``.cogcheck.yaml`` or ``[tool.cogcheck]`` in ``pyproject.toml``) is found from ``cdk.out`` upwards, else from
    the working directory, unless ``config`` names one. Options add to the configuration as on the command line.

    A mistake in the options raises :class:`ValueError` here; one in the configuration file fails the synth with
    cogcheck's message.
    """

    def __init__(
        self,
        *,
        select: Iterable[str] | str | None = None,
        ignore: Iterable[str] | str | None = None,
        severity: Mapping[str, str] | Iterable[str] | None = None,
        parameters: Mapping[str, str] | Iterable[str] | None = None,
        parameters_file: str | Path | None = None,
        region: str | None = None,
        account_id: str | None = None,
        partition: str | None = None,
        production: bool = False,
        production_stacks: Iterable[str] | str | None = None,
        previous: str | Path | None = None,
        config: str | Path | None = None,
        source_root: str | Path | None = None,
        rules: Iterable[str | Path] | str | Path | None = None,
    ) -> None:
        self.settings = Settings(
            select=_names(select),
            ignore=_names(ignore),
            severity=_pairs(severity),
            parameters=_pairs(parameters),
            parameters_file=Path(parameters_file) if parameters_file is not None else None,
            pseudo={"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": partition},
            production=production,
            production_stacks=_names(production_stacks),
            previous=Path(previous) if previous is not None else None,
            config=Path(config) if config is not None else None,
            source_root=Path(source_root) if source_root is not None else None,
            rules=_paths(rules),
        )
        packs = _configured_packs(self.settings.config)  # so that select=["ORG"] may name a configured pack's rules
        try:  # what can be checked without the configuration file, checked now, where the app is written
            if packs is not None:
                build_scan_options(
                    select=self.settings.select,
                    ignore=self.settings.ignore,
                    severity=self.settings.severity,
                    parameters=self.settings.parameters,
                    parameters_file=self.settings.parameters_file,
                    rule_dirs=[*packs, *self.settings.rules],
                )
        except OptionError as exc:
            raise ValueError(f"cogcheck: {exc}") from None
        if self.settings.config is not None and not self.settings.config.is_file():
            raise ValueError(f"cogcheck: config {self.settings.config}: no such file")

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        """The shipped rules' ids and those of the rule packs: the configuration's and ``rules``."""
        try:
            user = load_user_rules(None, [*(_configured_packs(self.settings.config) or []), *self.settings.rules])
        except OptionError:
            user = ()
        return [*rule_ids(), *(rule.id for rule in user)]

    def validate(self, context: Any) -> cdk.PolicyValidationPluginReport:
        """Called by CDK with ``IPolicyValidationContext`` (or the deprecated ``...Beta1``): both carry
        ``template_paths``. A usage error in the configuration raises, which CDK reports as this plugin's failure."""
        try:
            outcome = validate(list(context.template_paths), self.settings)
        except OptionError as exc:
            raise ValueError(f"cogcheck: {exc}") from None
        for notice in outcome.result.notices:
            print(f"cogcheck: note: {notice}", file=sys.stderr)
        return report(outcome)


def report(outcome: Outcome) -> cdk.PolicyValidationPluginReport:
    return cdk.PolicyValidationPluginReport(
        success=outcome.success,
        violations=[_violation(v) for v in outcome.violations],
        metadata=outcome.metadata,
        plugin_version=__version__,
    )


def _violation(violation: Violation) -> cdk.PolicyViolation:
    return cdk.PolicyViolation(
        rule_name=violation.rule_name,
        description=violation.description,
        severity=violation.severity,
        fix=violation.fix,
        rule_metadata=dict(violation.metadata),
        violating_resources=[
            cdk.PolicyViolatingResource(
                template_path=resource.template_path,
                resource_logical_id=resource.logical_id,
                locations=list(resource.locations),
            )
            for resource in violation.resources
        ],
    )
