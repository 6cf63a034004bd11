"""Configuration files: ``[tool.cogcheck]`` in ``pyproject.toml`` or ``.cogcheck.yaml``, found from the scanned path
upwards, or named with ``--config``. Unknown keys are usage errors, never ignored.

Keys (kebab-case; snake_case accepted)::

    select = ["COG-E", "COG-S001"]          # only these ids / prefixes
    ignore = ["COG-S015"]                   # minus these
    exclude = ["legacy/**", "node_modules"] # globs (relative to this file's directory) of files never read
    severity = {COG-S004 = "error"}         # per-rule severity overrides
    fail-on = "warning"                     # error | warning | note | never
    per-path-ignores = {"legacy/**" = {ignore = ["COG-S001"], reason = "retired in Q3"}}   # a reason is required
    # policy (a row of POLICY_KEYS each, setting a field of cogcheck.model.policy.Policy):
    production = true                       # treat every input as production (COG-S009)
    production-stacks = ["Prod*"]           # or only these stack names / paths
    placeholder-hosts = ["example.net"]     # COG-S010's placeholder domains
    refresh-token-note-days = 30            # COG-S006: note above this refresh-token lifetime
    refresh-token-warning-days = 365        # COG-S006: warning above this
    token-note-minutes = 60                 # COG-S007: note above this access/ID-token lifetime
    known-values = {explicit-auth-flows = ["ALLOW_NEW_FLOW"]}   # values AWS added after cogcheck's data
                                            # (sets: see cogcheck.model.known.ENUMERATIONS)
    opentofu = true                         # Terraform directories are deployed with OpenTofu (.tofu hides .tf)
    scenarios = "defaults"                  # judge only the deployment the parameter defaults describe (or "all")
    rules = ["policies/"]                   # rule packs: directories of rule files (relative to this file)
    policy = {max_access_token_seconds = 900}   # the $.policy keys the packs' rules declare ([tool.cogcheck.policy])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cogcheck.cfn.resolve import SCENARIO_MODES
from cogcheck.config.options import POLICY_KEYS, OptionError, policy_value
from cogcheck.findings import FAIL_ON, SEVERITIES
from cogcheck.inputs.files import MAX_OPTION_FILE_SIZE, ReadError, read_limited

CONFIG_FILES = (".cogcheck.yaml", ".cogcheck.yml", "pyproject.toml")


_LIST_KEYS = {"select", "ignore", "exclude", "rules"}
_KEYS = _LIST_KEYS | {"severity", "fail-on", "per-path-ignores", "known-values", "opentofu", "scenarios"} \
    | set(POLICY_KEYS)


class Config:
    """A configuration file's values (checked); ``shown``: the file as reports name it (set by :func:`config_for`)."""

    __slots__ = ("path", "shown", "values")

    def __init__(self, path: Path | None = None, values: dict[str, Any] | None = None, shown: str | None = None
                 ) -> None:
        self.path = path
        self.values: dict[str, Any] = {} if values is None else values
        self.shown = shown

    def __repr__(self) -> str:
        return f"Config(path={self.path!r}, values={self.values!r}, shown={self.shown!r})"

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def config_for(paths: Sequence[str], given: Path | None, isolated: bool, stdin_filename: str | None) -> Config | None:
    """The configuration a scan of ``paths`` reads: ``given`` (``--config``), else, unless ``isolated``, the nearest
    one from the first path upwards (for standard input, from ``--stdin-filename`` or the working directory)."""
    start = Path(stdin_filename or ".") if not paths or paths[0] == "-" else Path(paths[0])
    found = given or (None if isolated else find_config(start))
    if found is None:
        return None
    config = load_config(found)
    config.shown = str(found) if given is not None else _shown(found)
    return config


def _shown(path: Path) -> str:
    """A configuration file found by the search: relative to the working directory when below it, else as found."""
    try:
        below = path.resolve().is_relative_to(Path.cwd().resolve())
        return Path(os.path.relpath(path)).as_posix() if below else str(path)
    except (OSError, ValueError, RuntimeError):
        return str(path)


def find_config(start: Path) -> Path | None:
    """The nearest config file in ``start`` (a file's directory) or above it."""
    directory = start if start.is_dir() else start.parent
    try:
        directory = directory.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11/3.12)
        return None
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = candidate_dir / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_section(candidate)):
                return candidate
    return None


def _has_tool_section(path: Path) -> bool:
    """Whether a ``pyproject.toml`` configures cogcheck (``[tool.cogcheck]``, ``tool.cogcheck = ...``, ...).

    A file that mentions cogcheck but is not valid TOML counts, so that loading it reports the error.
    """
    try:
        data = read_limited(path, MAX_OPTION_FILE_SIZE)
    except ReadError:
        return b"cogcheck" in path.name.encode()
    if b"cogcheck" not in data:
        return False
    import tomllib  # only for a file that mentions cogcheck (~3 ms)

    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError, RecursionError):
        return True
    return isinstance(tool, dict) and "cogcheck" in tool


def load_config(path: Path) -> Config:
    """Read and validate one configuration file."""
    try:
        data = read_limited(path, MAX_OPTION_FILE_SIZE)
    except ReadError as exc:
        raise OptionError(f"config {path}: {exc.message}") from None
    if path.name.endswith(".toml"):
        import tomllib

        try:
            document = tomllib.loads(data.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise OptionError(f"{path}: invalid TOML: {_one_line(exc)}") from None
        tool = document.get("tool", {})
        if not isinstance(tool, dict):
            raise OptionError(f"{path}: 'tool' must be a table holding [tool.cogcheck]")
        raw = tool.get("cogcheck", {})
    else:
        from cogcheck.cfn.parse import TemplateError, parse_yaml_document

        try:
            raw = parse_yaml_document(str(path), data)
        except TemplateError as exc:
            raise OptionError(str(exc)) from None
        raw = raw if raw is not None else {}
    if not isinstance(raw, dict):
        raise OptionError(f"{path}: the configuration must be a mapping")
    return Config(path, validate(raw, str(path)))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def validate(raw: dict[str, Any], where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).replace("_", "-")
        if name not in _KEYS:
            raise OptionError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(_KEYS))})")
        if name in _LIST_KEYS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise OptionError(f"{where}: {key} must be a list of strings")
        elif name == "severity":
            if not isinstance(value, dict):
                raise OptionError(f"{where}: severity must map rule ids to error|warning|note")
            for rule_id, level in value.items():
                if not isinstance(level, str) or level.strip().lower() not in SEVERITIES:
                    raise OptionError(f"{where}: severity.{rule_id} must be error, warning or note, not {level!r}")
        elif name == "per-path-ignores":
            value = _per_path_ignores(value, where)
        elif name == "fail-on":
            if value not in FAIL_ON:
                raise OptionError(f"{where}: fail-on must be error, warning, note or never")
        elif name == "known-values":
            value = _known_values(value, where)
        elif name == "scenarios":
            if value not in SCENARIO_MODES:
                raise OptionError(f"{where}: scenarios must be {' or '.join(repr(m) for m in SCENARIO_MODES)}")
        elif name == "opentofu":
            if not isinstance(value, bool):
                raise OptionError(f"{where}: opentofu must be true or false")
        elif name == "policy":
            value = _policy_table(value, where)
        elif name in POLICY_KEYS:
            value = policy_value(POLICY_KEYS[name], value, f"{where}: {key}")
        values[name] = value
    return values


def _per_path_ignores(value: Any, where: str) -> dict[str, list[str]]:
    """``{GLOB = {ignore = [IDS], reason = "WHY"}}`` → ``{GLOB: [IDS]}``; a reason is required, as in templates.

    The older ``{GLOB = [IDS]}`` (no reason) is an error that shows the new spelling: a pull request that adds a path
    to the ignores has to say why, where a reviewer reads it.
    """
    shape = 'per-path-ignores = {"GLOB" = {ignore = ["COG-S001"], reason = "why this is acceptable"}}'
    if not isinstance(value, dict):
        raise OptionError(f"{where}: per-path-ignores must map path globs to an ignore list and a reason: {shape}")
    result: dict[str, list[str]] = {}
    for glob, entry in value.items():
        if isinstance(entry, str | list):
            raise OptionError(
                f"{where}: per-path-ignores {str(glob)!r} needs a reason: write "
                f"{{{str(glob)!r} = {{ignore = {entry!r}, reason = \"why\"}}}}"[:400]
            )
        if not isinstance(entry, dict) or set(entry) - {"ignore", "reason"}:
            raise OptionError(f"{where}: per-path-ignores {str(glob)!r} must be {{ignore = [...], reason = \"...\"}}")
        ids = entry.get("ignore")
        ids = [ids] if isinstance(ids, str) else ids
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise OptionError(f"{where}: per-path-ignores {str(glob)!r}: ignore must be a list of rule ids")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise OptionError(f"{where}: per-path-ignores {str(glob)!r} needs a reason (reason = \"why\")")
        result[str(glob)] = ids
    return result


def _policy_table(value: Any, where: str) -> dict[str, Any]:
    """``policy``: the ``$.policy`` keys rule packs declare → values (a number, string, boolean or list of strings);
    each is checked against its declaration once the packs are loaded (:mod:`cogcheck.config.options`)."""
    if not isinstance(value, dict):
        raise OptionError(f"{where}: policy must map setting names to values ([tool.cogcheck.policy])")
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key).replace("-", "_")
        scalar = isinstance(item, bool | int | float | str)
        if not scalar and not (isinstance(item, list) and all(isinstance(v, str) for v in item)):
            raise OptionError(f"{where}: policy.{key} must be a number, a string, true/false or a list of strings")
        result[name] = item
    return result


def _known_values(value: Any, where: str) -> dict[str, list[str]]:
    """``known-values``: enumeration name → values to accept besides cogcheck's own (AWS added them later)."""
    from cogcheck.model.known import ENUMERATIONS

    if not isinstance(value, dict):
        raise OptionError(f"{where}: known-values must map {', '.join(ENUMERATIONS)} to lists of values")
    result: dict[str, list[str]] = {}
    for key, values in value.items():
        name = str(key).replace("_", "-")
        if name not in ENUMERATIONS:
            raise OptionError(f"{where}: known-values has unknown set {key!r} (known: {', '.join(ENUMERATIONS)})")
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise OptionError(f"{where}: known-values.{key} must be a list of non-empty strings")
        result[name] = list(values)
    return result
