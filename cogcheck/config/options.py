"""From command-line values to :class:`~cogcheck.scan.options.ScanOptions`; a mistake is an :class:`OptionError`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from cogcheck.cfn.resolve import SCENARIO_MODES, ResolveOptions
from cogcheck.engine.rules import Rule, id_matches, rule_ids
from cogcheck.findings import SEVERITIES
from cogcheck.inputs.files import MAX_FILE_SIZE
from cogcheck.model.policy import Policy, coerce, field_types
from cogcheck.record import Record
from cogcheck.scan.options import ScanOptions

MIB = 1024 * 1024


class OptionError(Exception):
    """A usage error: exit 2 with this message."""


class PolicyKey(Record):
    """A configuration key that sets a :class:`~cogcheck.model.policy.Policy` field (value × ``unit``)."""

    __slots__ = ("field", "minimum", "unit")

    def __init__(self, field: str, unit: int = 1, minimum: int | None = None) -> None:
        self.field: Final = field
        self.unit: Final = unit  # e.g. days in the file, seconds in the policy
        self.minimum: Final = minimum  # for whole numbers


#: configuration key → the policy field it sets. The field's type says how the value is checked.
POLICY_KEYS: dict[str, PolicyKey] = {
    "production": PolicyKey("production"),
    "production-stacks": PolicyKey("production_stacks"),
    "placeholder-hosts": PolicyKey("placeholder_hosts"),
    "refresh-token-note-days": PolicyKey("refresh_token_note_seconds", 86400, minimum=1),
    "refresh-token-warning-days": PolicyKey("refresh_token_warning_seconds", 86400, minimum=1),
    "token-note-minutes": PolicyKey("token_note_seconds", 60, minimum=1),
    "known-values": PolicyKey("known_values"),
    # the policy table: the $.policy keys rule packs declare, checked against the declarations (rule_settings below)
    "policy": PolicyKey("rule_settings"),
}


def policy_value(key: PolicyKey, value: Any, where: str) -> Any:
    """A configuration value checked against the type of the policy field it sets."""
    kind = field_types()[key.field]
    try:
        value = coerce(key.field, kind, value)
    except ValueError:
        expected = {bool: "true or false", int: "a whole number"}.get(kind, "a list of strings")
        raise OptionError(f"{where} must be {expected}") from None
    if key.minimum is not None and value < key.minimum:
        raise OptionError(f"{where} must be a whole number of at least {key.minimum}")
    return value


def policy_changes(config: Any) -> dict[str, Any]:
    """The policy fields a configuration sets (values in the policy's units)."""
    if config is None:
        return {}
    changes: dict[str, Any] = {}
    for name, key in POLICY_KEYS.items():
        value = config.get(name)
        if value is not None:
            changes[key.field] = value * key.unit if key.unit != 1 else value
    return changes


def split_list(values: Sequence[str]) -> list[str]:
    """``["COG-E001,COG-E002", "W92"]`` → ``["COG-E001", "COG-E002", "W92"]``: repeated options and comma lists."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def check_patterns(ids: Sequence[str], patterns: Sequence[str], where: str = "") -> None:
    for pattern in patterns:
        if not pattern.strip() or not any(id_matches(rule_id, pattern) for rule_id in ids):
            prefix = f"{where}: " if where else ""
            raise OptionError(f"{prefix}unknown rule id or prefix {pattern!r} (see `cogcheck rules`)")


def select_ids(
    ids: Sequence[str], select: Sequence[str], ignore: Sequence[str], where: tuple[str, str] = ("--select", "--ignore")
) -> list[str]:
    """The rule ids ``--select`` / ``--ignore`` leave enabled; unknown patterns are usage errors."""
    check_patterns(ids, select, where[0])
    check_patterns(ids, ignore, where[1])
    chosen = [i for i in ids if not select or any(id_matches(i, p) for p in select)]
    return [i for i in chosen if not any(id_matches(i, p) for p in ignore)]


def parse_severities(ids_: Sequence[str], values: Sequence[str], where: str = "--severity") -> dict[str, str]:
    """``ID=LEVEL`` overrides; ``ID`` may be a prefix or a cfn-lint id (``COG-S=error``, ``W92=note``), as with
    ``--select``; a later, narrower value wins over an earlier one for the ids it names."""
    overrides: dict[str, str] = {}
    for value in values:
        pattern, sep, level = value.partition("=")
        pattern, level = pattern.strip().upper(), level.strip().lower()
        if not sep or not pattern or level not in SEVERITIES:
            raise OptionError(f"{where} takes ID=error|warning|note (ID: a rule id or prefix), not {value!r}")
        matched = [rule_id for rule_id in ids_ if id_matches(rule_id, pattern)]
        if not matched:
            raise OptionError(f"{where}: unknown rule id or prefix {pattern!r} (see `cogcheck rules`)")
        overrides.update(dict.fromkeys(matched, level))
    return overrides


def parse_parameters(values: Sequence[str], file: Path | None) -> dict[str, str]:
    parameters: dict[str, str] = {}
    if file is not None:
        parameters.update(read_parameters_file(file))
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"--parameter takes KEY=VALUE, not {value!r}")
        parameters[key.strip()] = text
    return parameters


def read_parameters_file(file: Path) -> dict[str, str]:
    """The CloudFormation CLI's ``[{"ParameterKey": k, "ParameterValue": v}]`` or a plain ``{"k": "v"}``."""
    from cogcheck.cfn.parse import JsonError, load_json
    from cogcheck.inputs.files import MAX_OPTION_FILE_SIZE, ReadError, read_limited

    try:
        data: Any = load_json(read_limited(file, MAX_OPTION_FILE_SIZE))
    except ReadError as exc:
        raise OptionError(f"parameters file {file}: {exc.message}") from None
    except JsonError as exc:
        where = f"{file}:{exc.line}" if exc.line else str(file)
        raise OptionError(f"parameters file {where} is not JSON: {exc.message}") from None
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict | list):
        data = data["Parameters"]  # the `aws cloudformation deploy --parameter-overrides` file shape
    if isinstance(data, list):
        result = {}
        for entry in data:
            if not isinstance(entry, dict) or "ParameterKey" not in entry:
                raise OptionError(f"parameters file {file}: each entry needs ParameterKey and ParameterValue")
            if "ParameterValue" in entry:
                result[str(entry["ParameterKey"])] = _text(entry["ParameterValue"])
        return result
    if isinstance(data, dict):
        return {str(key): _text(value) for key, value in data.items()}
    raise OptionError(f"parameters file {file}: expected a list of ParameterKey/ParameterValue or a mapping")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def parse_terraform_vars(values: Sequence[str], files: Sequence[Path]) -> dict[str, Any]:
    """``--var-file`` files in order, then ``--var NAME=VALUE`` (a value starting with ``[`` or ``{`` is read as
    HCL, as Terraform reads complex-typed variables; any other value is a string Terraform converts as needed)."""
    if not values and not files:
        return {}  # the Terraform reader is imported only when asked for
    from cogcheck.cfn.parse import TemplateError
    from cogcheck.inputs.files import ReadError, read_limited
    from cogcheck.inputs.terraform.evaluate import literal_value
    from cogcheck.inputs.terraform.hcl import MAX_FILE_BYTES, parse_expression, parse_values

    result: dict[str, Any] = {}
    for file in files:
        try:
            result.update(parse_values(str(file), read_limited(file, MAX_FILE_BYTES)))
        except ReadError as exc:
            raise OptionError(f"--var-file {file}: {exc.message}") from None
        except TemplateError as exc:
            raise OptionError(f"--var-file {exc}") from None
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise OptionError(f"--var takes NAME=VALUE, not {value!r}")
        result[name.strip()] = literal_value(parse_expression(text)) if text.lstrip()[:1] in "[{" and text.strip() \
            else text
    return result


def build_scan_options(
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    severity: Sequence[str] = (),
    parameters: Sequence[str] = (),
    parameters_file: Path | None = None,
    terraform_vars: Sequence[str] = (),
    terraform_var_files: Sequence[Path] = (),
    pseudo: Mapping[str, str | None] | None = None,
    config: Any = None,
    production: bool = False,
    production_stacks: Sequence[str] = (),
    previous: Path | None = None,
    scan_roots: Sequence[str] = (),
    excludes: Sequence[str] = (),
    stdin_filename: str | None = None,
    read_stdin: Callable[[], bytes] | None = None,
    source_root: Path | None = None,
    terraform_root: Path | None = None,
    max_file_size_mib: int | None = None,
    jobs: int | None = 1,
    cdk_acknowledgements: bool = True,
    opentofu: bool = False,
    scenarios: str | None = None,
    rule_dirs: Sequence[Path | str] = (),
) -> ScanOptions:
    """Options from the command line, on top of a :class:`cogcheck.config.files.Config` when one was found: every
    value checked here, in one call (a mistake is an :class:`OptionError`).

    ``scan_roots`` are the paths to scan; when one is ``-``, ``read_stdin`` gives its bytes (read once the other
    options are known to be right) and ``stdin_filename`` the path they stand for. ``jobs``: worker processes
    (None: the usable CPUs less the load, :func:`cogcheck.scan.parallel.free_cpus`). ``max_file_size_mib``: the
    input size limit in MiB (None: the default).
    ``scenarios``: ``--scenarios`` (None: the configuration's ``scenarios``, else ``all``).

    Shipped rules are not loaded here (that costs a YAML parse of every rule file): ids are checked against the rule
    files' names, and the scan loads the enabled rules when it first meets a user pool client. Rule packs (the
    configuration's ``rules`` and ``rule_dirs``, ``--rules``) are loaded and checked here, with the configuration's
    ``policy`` table against their declarations: a broken pack is an :class:`OptionError` naming file and line.
    """
    max_file_size, workers = _limits(scan_roots, stdin_filename, source_root, terraform_root, max_file_size_mib, jobs)
    user = load_user_rules(config, rule_dirs)
    ids = [*rule_ids(), *(rule.id for rule in user)]
    where = str(config.path) if config is not None and config.path is not None else "configuration"
    config_select = list(config.get("select", [])) if config else []
    config_ignore = list(config.get("ignore", [])) if config else []
    check_patterns(ids, config_select, f"{where}: select")
    check_patterns(ids, config_ignore, f"{where}: ignore")
    select, ignore = split_list(select), split_list(ignore)
    config_severity = [f"{k}={v}" for k, v in (config.get("severity", {}) if config else {}).items()]
    per_path = []
    if config:
        for glob, patterns in config.get("per-path-ignores", {}).items():
            check_patterns(ids, patterns, f"{where}: per-path-ignores {glob!r}")  # unknown ids are usage errors
            per_path.append((glob, tuple(i for i in ids if any(id_matches(i, p) for p in patterns))))
    config_exclude = config.get("exclude", []) if config else []
    exclude: list[tuple[str, Path | None]] = [(glob, config.base) for glob in config_exclude]
    exclude += [(glob, None) for glob in excludes]
    return ScanOptions(
        enabled=tuple(select_ids(ids, list(select) or config_select, [*config_ignore, *ignore])),
        resolve=ResolveOptions(
            parameters=parse_parameters(parameters, parameters_file),
            pseudo={key: value for key, value in (pseudo or {}).items() if value is not None},
            scenarios=_scenarios(scenarios, config),
        ),
        severity={
            **parse_severities(ids, config_severity, f"{where}: severity"),
            **parse_severities(ids, split_list(severity)),
        },
        per_path_ignores=tuple(per_path),
        terraform_vars=parse_terraform_vars(terraform_vars, terraform_var_files),
        config_base=config.base if config else None,
        policy=build_policy(config, production, production_stacks, previous, scan_roots, rule_settings(config, user)),
        extra_rules=user,
        exclude=tuple(exclude),
        source_root=source_root,
        terraform_root=terraform_root,
        cdk_acknowledgements=cdk_acknowledgements,
        config_name=config.shown if config is not None else None,
        stdin=(stdin_filename or "-", read_stdin()) if read_stdin is not None and "-" in scan_roots else None,
        max_file_size=max_file_size,
        jobs=workers,
        opentofu=opentofu or bool(config and config.get("opentofu", False)),
    )


def _scenarios(given: str | None, config: Any) -> str:
    """``--scenarios``, else the configuration's ``scenarios``, else ``all`` (:data:`SCENARIO_MODES`)."""
    value = given if given is not None else (config.get("scenarios", "all") if config else "all")
    if value not in SCENARIO_MODES:
        raise OptionError(f"--scenarios takes {' or '.join(SCENARIO_MODES)}, not {value!r}")
    return str(value)


def _limits(
    scan_roots: Sequence[str],
    stdin_filename: str | None,
    source_root: Path | None,
    terraform_root: Path | None,
    max_file_size_mib: int | None,
    jobs: int | None,
) -> tuple[int, int]:
    """The paths and limits, checked: the input size limit in bytes and the worker processes."""
    if stdin_filename is not None and "-" not in scan_roots:
        raise OptionError("--stdin-filename is for the path - (standard input)")
    if list(scan_roots).count("-") > 1:
        raise OptionError("- (standard input) can be named once")
    for name, directory in (("--source-root", source_root), ("--tf-root", terraform_root)):
        if directory is not None and not directory.is_dir():
            raise OptionError(f"{name} {directory}: not a directory")
    if max_file_size_mib is not None and max_file_size_mib < 1:
        raise OptionError(f"--max-file-size {max_file_size_mib}: give 1 or more (MiB)")
    if jobs is not None and jobs < 1:
        raise OptionError(f"--jobs {jobs}: give 1 or more processes")
    if jobs is None:
        from cogcheck.scan.parallel import free_cpus

        jobs = free_cpus()
    return (max_file_size_mib * MIB if max_file_size_mib is not None else MAX_FILE_SIZE), jobs


def build_policy(
    config: Any,
    production: bool = False,
    production_stacks: Sequence[str] = (),
    previous: Path | None = None,
    scan_roots: Sequence[str] = (),
    rule_values: Mapping[str, Any] | None = None,
) -> Policy:
    """The policy from the configuration (:data:`POLICY_KEYS`) and the command line.

    ``--production`` / ``--production-stacks`` add to the configuration's ``production`` / ``production-stacks``;
    ``--previous`` must exist.
    """
    changes = policy_changes(config)
    if production:
        changes["production"] = True
    changes["production_stacks"] = (*changes.get("production_stacks", ()), *production_stacks)
    if previous is not None:
        if not previous.exists():
            raise OptionError(f"--previous {previous}: no such file or directory")
        if previous.is_file() and (len(scan_roots) != 1 or Path(scan_roots[0]).is_dir()):
            raise OptionError("--previous names a file: scan exactly one template file, or give a directory")
        changes["previous"] = str(previous)
        changes["scan_roots"] = tuple(scan_roots)
    changes["rule_settings"] = dict(rule_values or {})  # checked by rule_settings(), never the table as written
    return Policy.from_mapping(changes)  # each value in its field's type (known-values: a mapping → name/values pairs)


def rule_packs(config: Any, rule_dirs: Sequence[Path | str] = ()) -> list[Any]:
    """The rule packs to load: the configuration's ``rules`` (relative to its file), then ``rule_dirs`` (as given)."""
    names = config.get("rules", []) if config else []
    if not names and not rule_dirs:
        return []  # the usual case: the packs module is not even imported
    from cogcheck.engine.packs import pack

    packs = [pack(Path(name), config.base) for name in names]
    return packs + [pack(Path(name)) for name in rule_dirs]


def load_user_rules(config: Any, rule_dirs: Sequence[Path | str] = ()) -> tuple[Rule, ...]:
    """The rules of the configuration's packs and of ``rule_dirs``; a broken pack is an :class:`OptionError` that
    names the file and line of each problem."""
    packs = rule_packs(config, rule_dirs)
    if not packs:
        return ()
    from cogcheck.engine.packs import PackError, load_packs

    try:
        return load_packs(packs)
    except PackError as exc:
        raise OptionError(str(exc)) from None


def rule_settings(config: Any, rules: Sequence[Rule], where: str | None = None) -> dict[str, Any]:
    """``$.policy`` values for the keys rule packs declare: the configuration's ``policy`` table, checked against
    each declaration, else the declared default. A key the configuration sets that no rule declares, a value of the
    wrong type, and a key without default that the configuration does not set are :class:`OptionError`."""
    given = dict(config.get("policy", {})) if config else {}
    if not rules and not given:
        return {}  # no rule pack, no policy table: nothing to check (nor to import)
    from cogcheck.engine.packs import declarations
    from cogcheck.model.policy import check_rule_setting

    where = where or (str(config.path) if config is not None and config.path is not None else "configuration")
    declared = declarations(rules)
    values: dict[str, Any] = {}
    for key, value in sorted(given.items()):
        if key not in declared:
            known = ", ".join(sorted(declared)) or "none: no rule pack declares policy keys"
            raise OptionError(f"{where}: policy.{key}: no rule declares this key (declared: {known})")
        rule, declaration = declared[key]
        try:
            values[key] = check_rule_setting(declaration.type, value)
        except ValueError as exc:
            raise OptionError(f"{where}: policy.{key} {exc} (declared by {rule.id}, {_place(rule, key)})") from None
    for key, (rule, declaration) in sorted(declared.items()):
        if key in values:
            continue
        if declaration.default is None:
            raise OptionError(
                f"{_place(rule, key)}: rule {rule.id} declares $.policy.{key} without a default, and "
                f"{'the configuration' if config else 'no configuration'} sets it: add {key} to the policy table "
                "([tool.cogcheck.policy] in pyproject.toml, policy: in .cogcheck.yaml) or give it a default"
            )
        values[key] = declaration.default
    return values


def _place(rule: Rule, key: str) -> str:
    """Where a rule declares a policy key: ``policies/ORG-001.yaml:7``."""
    line = rule.extra.get("policy_lines", {}).get(key)
    return f"{rule.source}:{line}" if line else rule.source
