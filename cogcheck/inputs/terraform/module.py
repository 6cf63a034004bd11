"""A Terraform configuration: a root module directory, its local modules, and every Cognito resource instance in it,
written as CloudFormation-shaped resources keyed by their Terraform address.

Bounded: at most :data:`MAX_MODULE_DEPTH` nested module calls and :data:`MAX_INSTANCES` resource and module
instances in all (past either, the configuration is an input error, not a partial reading), :data:`MAX_FILES` files
per directory, and the evaluation budgets of :mod:`cogcheck.inputs.terraform.budget`; local module sources are read
only inside the scanned tree.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cogcheck.cfn.parse import TemplateError
from cogcheck.cfn.shapes import terraform_shape
from cogcheck.cfn.values import Unknown
from cogcheck.inputs.files import ReadError, read_limited
from cogcheck.inputs.terraform import mapping
from cogcheck.inputs.terraform.ast import Expr, Ref
from cogcheck.inputs.terraform.budget import MAX_TOTAL_STEPS, TooMuchWork, Work
from cogcheck.inputs.terraform.evaluate import Link, Scope, literal_value, opaque
from cogcheck.inputs.terraform.hcl import MAX_FILE_BYTES, Attribute, Block, parse_file
from cogcheck.inputs.terraform.names import TF_SUFFIXES, is_tf_file  # noqa: F401 - re-exported

MAX_MODULE_DEPTH = 16
MAX_INSTANCES = 10_000
MAX_FILES = 500
META_ARGS = {"count", "for_each", "depends_on", "provider", "providers", "lifecycle", "source", "version"}


@dataclass
class TfResource:
    """One resource instance: its CloudFormation shape and where its block and arguments are written."""

    address: str
    tf_type: str
    resource: dict[str, Any]  # {"Type", "Properties", "DependsOn", "Metadata"}
    file: str  # the file shown to the user
    path: Path  # the file on disk
    line: int
    lines: dict[tuple[str, ...], tuple[int, int]] = field(default_factory=dict)  # CFN property path → (line, column)
    construct_path: str | None = None  # CDK for Terraform: the construct's path


@dataclass
class Configuration:
    resources: dict[str, TfResource] = field(default_factory=dict)
    errors: list[tuple[str, int | None, str]] = field(default_factory=list)  # (file, line, message)
    notices: list[tuple[str, str | None, str]] = field(default_factory=list)  # (file, resource, message)
    instances: int = 0
    paths: dict[str, Path] = field(default_factory=dict)  # file as shown → file on disk
    variables: set[str] = field(default_factory=set)  # the variables the root module declares
    opentofu: bool = False  # a .tofu file hides the .tf file of the same name (--opentofu)
    #: a local module that cannot be read is an error (False: a notice, where the clients come from elsewhere: a plan)
    modules_required: bool = True
    modules: dict[Path, _Module] = field(default_factory=dict)  # module directory (resolved) → its declarations
    work: Work = field(default_factory=Work)  # evaluation steps of the whole configuration
    #: file (resolved path) → its text as an editor holds it, read instead of the disk (``cogcheck lsp``'s unsaved
    #: buffers); a file named here that is not on disk yet is read too
    overlay: Mapping[Path, bytes] = field(default_factory=dict)
    #: files' parsed blocks kept from earlier readings (``cogcheck lsp``), or None to parse every file
    parsed: ParseCache | None = None
    _bases: dict[str, list[str]] = field(default_factory=dict)  # address without its instance key → addresses
    _indexed: int = 0

    def instances_of(self, base: str) -> list[str]:
        """The addresses of the instances of ``base`` (``module.a.aws_x.y`` → ``…y``, ``…y[0]``, ``…y["k"]``)."""
        if self._indexed != len(self.resources):
            for address in list(self.resources)[self._indexed:]:
                self._bases.setdefault(_INSTANCE_KEY.sub("", address), []).append(address)
            self._indexed = len(self.resources)
        return self._bases.get(base, [])


_INSTANCE_KEY = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]$')


class InstanceLimit(Exception):
    """A configuration with more module or resource instances, or deeper module calls, than cogcheck reads."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


@dataclass
class _Module:
    """The declarations of one module directory."""

    directory: Path
    display: str
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)


class ParseCache:
    """Files' parsed blocks kept from one reading of a configuration to the next (``cogcheck lsp`` reads a module
    again on every change of one buffer): a file on disk is parsed again when its size, modification time, inode or
    mode changes, an editor's text when the text changes. Blocks are never changed once parsed (an override file's
    merge makes a copy). At most :attr:`limit` files are kept, the least recently read forgotten first."""

    limit = 1_000

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[str, Path], tuple[Any, list[Block] | TemplateError]] = OrderedDict()
        self.parsed = 0  # files parsed (not reused): for tests and the benchmark

    def blocks(self, shown: str, path: Path, data: bytes | None) -> list[Block]:
        """The blocks of ``path`` (``data``: an editor's text of it, else the file is read); raises as
        :func:`~cogcheck.inputs.terraform.hcl.parse_file` and :func:`~cogcheck.inputs.files.read_limited` do."""
        if data is None:
            try:
                stat = os.lstat(path)
                stamp: Any = ("disk", stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_mode)
            except OSError:
                stamp = None  # read_limited says why it cannot be read
        else:
            stamp = ("buffer", data)
        key = (shown, path)
        kept = self._kept.get(key)
        if stamp is not None and kept is not None and kept[0] == stamp:
            found = kept[1]
            self._kept.move_to_end(key)
        else:
            if data is None:
                data = read_limited(path, MAX_FILE_BYTES)
            try:
                found = parse_file(shown, data)
            except TemplateError as exc:
                found = exc
            self.parsed += 1
            if stamp is not None:
                self._kept[key] = (stamp, found)
                if len(self._kept) > self.limit:
                    self._kept.popitem(last=False)
        if isinstance(found, TemplateError):
            raise TemplateError(found.file, found.message, found.line)
        return found


def module_files(directory: Path) -> list[str]:
    """The Terraform and OpenTofu files of one directory, sorted ([] when it cannot be listed)."""
    try:
        return listing(directory)
    except OSError:
        return []


def listing(directory: Path) -> list[str]:
    """The Terraform and OpenTofu files of one directory, sorted (raises :class:`OSError`)."""
    return sorted(
        entry.name for entry in os.scandir(directory)
        if is_tf_file(entry.name) and entry.is_file(follow_symlinks=False)
    )


def shadowed(names: list[str]) -> dict[str, str]:
    """``.tf`` file → the ``.tofu`` file of the same name beside it, which OpenTofu reads instead (Terraform reads
    no ``.tofu`` file at all)."""
    present = set(names)
    return {name.replace(".tofu", ".tf"): name for name in names if ".tofu" in name
            and name.replace(".tofu", ".tf") in present}


def _is_override(name: str) -> bool:
    stem = name.split(".", 1)[0]
    return stem == "override" or stem.endswith("_override")


def read_module(directory: Path, display: str, config: Configuration) -> _Module:
    """The declarations of one module directory, read once per configuration however often it is called."""
    key = directory.resolve()
    if key in config.modules:
        return config.modules[key]
    module = config.modules[key] = _Module(directory, display)
    try:
        names = listing(directory)
    except OSError as exc:
        config.errors.append((display, None, f"cannot list the module directory: {exc.strerror or exc}"))
        return module
    if config.overlay:
        names = sorted({*names, *(p.name for p in config.overlay if p.parent == key and is_tf_file(p.name))})
    hidden = shadowed(names)
    if config.opentofu:
        names = [name for name in names if name not in hidden]
    else:
        for tf, tofu in hidden.items():
            config.notices.append((os.path.normpath(os.path.join(display, tofu)), None,
                                   f"{tofu} hides {tf} for OpenTofu, and Terraform does not read {tofu}: both are "
                                   f"read (where both declare a resource, {tf}'s is checked); --opentofu reads the "
                                   "directory as OpenTofu does"))
    if len(names) > MAX_FILES:
        config.errors.append((display, None, f"more than {MAX_FILES} Terraform files: only the first {MAX_FILES} "
                              "are read"))
        names = names[:MAX_FILES]
    overrides: list[Block] = []
    for name in names:
        shown = os.path.normpath(os.path.join(display, name))
        path = directory / name
        config.paths[shown] = path
        try:
            data = _overlaid(config, key / name)
            if config.parsed is not None:
                blocks = config.parsed.blocks(shown, path, data)
            else:
                blocks = parse_file(shown, data if data is not None else read_limited(path, MAX_FILE_BYTES))
        except ReadError as exc:
            config.errors.append((shown, None, exc.message))
            continue
        except TemplateError as exc:
            config.errors.append((exc.file, exc.line, exc.message))
            continue
        for block in blocks:
            if _is_override(name):
                overrides.append(block)
            else:
                _declare(module, block)
    for block in overrides:
        _override(module, block)
    return module


def _overlaid(config: Configuration, path: Path) -> bytes | None:
    """The editor's text of ``path`` (bounded as a file on disk is), or None to read the disk."""
    data = config.overlay.get(path)
    if data is not None and len(data) > MAX_FILE_BYTES:
        raise ReadError(f"larger than {MAX_FILE_BYTES:,} bytes; not read")
    return data


def _declare(module: _Module, block: Block) -> None:
    if block.kind == "variable" and block.labels:
        module.variables[block.labels[0]] = block
    elif block.kind == "locals":
        module.locals.update(block.attributes)
    elif block.kind == "resource" and len(block.labels) == 2:
        module.resources.setdefault((block.labels[0], block.labels[1]), block)
    elif block.kind == "module" and block.labels:
        module.modules.setdefault(block.labels[0], block)


def _override(module: _Module, block: Block) -> None:
    """Terraform's override files: arguments replace arguments, nested blocks replace all blocks of their type. The
    block overridden is replaced by a merged copy (a file's parsed blocks may be kept for the next reading)."""
    table: dict[Any, Block]
    key: Any
    if block.kind == "resource" and len(block.labels) == 2:
        table, key = module.resources, (block.labels[0], block.labels[1])
    elif block.kind == "module" and block.labels:
        table, key = module.modules, block.labels[0]
    elif block.kind == "variable" and block.labels:
        table, key = module.variables, block.labels[0]
    elif block.kind == "locals":
        module.locals.update(block.attributes)
        return
    else:
        return
    target = table.get(key)
    if target is None:
        return
    kinds = {b.kind if b.kind != "dynamic" else f"dynamic:{b.labels[:1]}" for b in block.blocks}
    table[key] = dataclasses.replace(
        target,
        attributes={**target.attributes, **block.attributes},
        blocks=[b for b in target.blocks if (b.kind if b.kind != "dynamic" else f"dynamic:{b.labels[:1]}")
                not in kinds] + block.blocks,
    )


# ------------------------------------------------------------------------------------------------ instantiation


@dataclass
class _Instance:
    module: _Module
    prefix: str  # "" or "module.auth." or 'module.env["prod"].module.auth.'
    scope: Scope
    config: Configuration
    root: Path  # local module sources must stay inside it
    depth: int
    stack: tuple[Path, ...]


def load_configuration(
    directory: Path, display: str, root: Path, values: dict[str, Any] | None = None, opentofu: bool = False,
    modules_required: bool = True, overlay: Mapping[Path, bytes] | None = None, parsed: ParseCache | None = None,
) -> Configuration:
    """Every Cognito resource of the root module in ``directory`` and of the local modules it calls
    (``opentofu``: read the files as OpenTofu does, a ``.tofu`` file hiding the ``.tf`` file of the same name;
    ``modules_required``: a local module call that cannot be followed is an error, else a notice; ``overlay``: files'
    unsaved texts, by resolved path, read instead of the disk; ``parsed``: files' blocks kept from earlier readings)."""
    config = Configuration(opentofu=opentofu, modules_required=modules_required, overlay=dict(overlay or {}),
                           parsed=parsed)
    module = read_module(directory, display, config)
    scope = Scope(_variable_values(module, values or {}, root_module=True),
                  {name: attr.expr for name, attr in module.locals.items()}, work=config.work, where="the root module")
    config.variables = set(module.variables)
    try:
        _instantiate(_Instance(module, "", scope, config, root.resolve(), 0, (directory.resolve(),)))
    except InstanceLimit as exc:
        config.errors.append((exc.file, exc.line, exc.message))
        config.resources.clear()  # an input error: none of its clients is checked (their number is the problem)
    except TooMuchWork as exc:
        config.errors.append((display, None, f"evaluating this configuration takes more than {MAX_TOTAL_STEPS:,} "
                              f"steps (the limit is reached in {exc.where}): not checked"))
        config.resources.clear()
    config.errors = list(dict.fromkeys(config.errors))  # a call inside a module read for many instances: once
    return config


def _variable_values(module: _Module, given: dict[str, Any], root_module: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, block in module.variables.items():
        default_attr = block.attributes.get("default")
        default = literal_value(default_attr.expr) if default_attr is not None else Unknown(
            f"var.{name} has no default and no value is given"
            + (" (pass it with --var or --var-file)" if root_module else "")
        )
        value = given.get(name, default)
        if value is None and default_attr is not None:
            nullable = block.attributes.get("nullable")
            if nullable is not None and literal_value(nullable.expr) is False:
                value = default
        values[name] = _typed(value, block)
    return values


def _typed(value: Any, block: Block) -> Any:
    """Terraform converts ``"60"`` to a number and ``"true"`` to a bool when the variable's type says so."""
    type_attr = block.attributes.get("type")
    kind = type_attr.expr.root if type_attr is not None and isinstance(type_attr.expr, Ref) else None
    if kind == "number" and isinstance(value, str):
        from cogcheck.cfn.values import to_number

        number = to_number(value)
        return number if number is not None else value
    if kind == "bool" and value in ("true", "false"):
        return value == "true"
    return value


Expansion = list[tuple[str, dict[str, Any]]]


def _expansion(
    block: Block, scope: Scope, where: str, config: Configuration
) -> tuple[Expansion | Unknown, str | None]:
    """The instances of a resource or module block: (address suffix, scope changes), Unknown when not known; and
    why its ``count`` / ``for_each`` was cut by a bound. Evaluated once per block, on the module instance's meter."""
    if "count" in block.attributes:
        count, why = scope.tracked(block.attributes["count"].expr)
        if opaque(count):
            return Unknown("count is not known"), why
        from cogcheck.cfn.values import to_number

        number = to_number(count)
        if not isinstance(number, int) or number < 0:
            return Unknown("count is not a whole number"), why
        _check_instances(config, block, where, number)
        return [(f"[{i}]", {"count_index": i}) for i in range(number)], why
    if "for_each" in block.attributes:
        items, why = scope.tracked(block.attributes["for_each"].expr)
        if isinstance(items, dict):
            _check_instances(config, block, where, len(items))
            return [(f"[{json.dumps(k, ensure_ascii=False)}]", {"each": (k, items[k])}) for k in sorted(items)], why
        if isinstance(items, list) and not any(opaque(v) for v in items):
            if not all(isinstance(item, str) for item in items):
                return Unknown("for_each over a list that is not of strings"), why
            keys = sorted(set(items))
            _check_instances(config, block, where, len(keys))
            return [(f"[{json.dumps(k, ensure_ascii=False)}]", {"each": (k, k)}) for k in keys], why
        return Unknown("for_each is not known"), why
    return [("", {})], None


def _check_instances(config: Configuration, block: Block, where: str, number: int) -> None:
    """Past :data:`MAX_INSTANCES` in all, before any instance is built: an input error naming the block."""
    if config.instances + number > MAX_INSTANCES:
        raise InstanceLimit(block.file, block.line, f"{where} has {number:,} instances, more than the "
                            f"{MAX_INSTANCES:,} resource and module instances cogcheck reads in one configuration "
                            f"({config.instances:,} before it): not checked")


def _instantiate(inst: _Instance) -> None:
    module = inst.module
    inst.scope.resources = lambda rtype, name, steps, scope: _reference(inst, rtype, name, steps, scope)
    ordered = sorted(module.resources.items(), key=lambda item: (item[0][0] == mapping.CLIENT, item[0]))
    clients = [(key, block) for key, block in ordered if key[0] in mapping.TYPES and key[0] == mapping.CLIENT]
    others = [(key, block) for key, block in ordered if key[0] in mapping.TYPES and key[0] != mapping.CLIENT]
    for (rtype, name), block in others:
        _resource_instances(inst, rtype, name, block)
    for name, block in sorted(module.modules.items()):
        _module_call(inst, name, block)
    for (rtype, name), block in clients:
        _resource_instances(inst, rtype, name, block)


def _resource_instances(inst: _Instance, rtype: str, name: str, block: Block) -> None:
    config = inst.config
    base = f"{inst.prefix}{rtype}.{name}"
    expansion, cut = _expansion(block, inst.scope, base, config)
    instances = _instances(expansion, block, "instance")
    if isinstance(expansion, Unknown) and rtype == mapping.CLIENT:
        config.notices.append((block.file, base, f"{expansion.reason}: checked once, with the values that "
                               "depend on the instance unknown"))
    for suffix, changes in instances:
        _count_instance(config, block, base)
        address = base + suffix
        scope = inst.scope.instance(address, cut, **changes)
        resource = build_resource(rtype, block, scope, inst.prefix, config)
        resource.address = address
        resource.path = config.paths.get(resource.file, resource.path)
        config.resources[address] = resource
        if scope.meter.tainted is not None:
            config.notices.append((block.file, address, f"{scope.meter.tainted}: the values that need it are "
                                   "unknown, and the rules that read them abstain"))


def _instances(expansion: Expansion | Unknown, block: Block, what: str) -> Expansion:
    if not isinstance(expansion, Unknown):
        return expansion
    return [("", {
        "each": Unknown(f"each.* depends on the {what}") if "for_each" in block.attributes else None,
        "count_index": Unknown(f"count.index depends on the {what}") if "count" in block.attributes else None,
    })]


def _count_instance(config: Configuration, block: Block, where: str) -> None:
    config.instances += 1
    if config.instances > MAX_INSTANCES:
        raise InstanceLimit(block.file, block.line, f"more than {MAX_INSTANCES:,} resource and module instances "
                            f"in one configuration (reached at {where}): not checked")


def _module_call(inst: _Instance, name: str, block: Block) -> None:
    config = inst.config
    source_attr = block.attributes.get("source")
    source = literal_value(source_attr.expr) if source_attr is not None else None
    where = f"{inst.prefix}module.{name}"
    called = f"module.{name}"  # in errors: once per call written, however many instances make it
    line = source_attr.line if source_attr is not None else block.line
    if not isinstance(source, str):  # Terraform requires a literal string: the module cannot be known
        _unread(config, block, line, where, f"{called}: the module source is not a literal string: not read")
        return
    if not source.startswith(("./", "../", ".\\", "..\\")):
        if _reaches_clients_unknown(source):
            config.notices.append((block.file, where, f"remote module {source!r} is not fetched: clients it may "
                                   "create are not checked"))
        return
    target = local_target(inst.module.directory, source)
    try:
        target.relative_to(inst.root)
    except ValueError:
        _unread(config, block, line, where, f"{called}: local module {source!r} is outside the scanned paths: not "
                "read (scan a directory that holds it)")
        return
    if target in inst.stack:
        config.errors.append((block.file, line, f"{called} calls a module that calls it ({source!r}): Terraform "
                              "cannot expand it, and cogcheck does not check it"))
        return
    if inst.depth + 1 > MAX_MODULE_DEPTH:
        config.errors.append((block.file, line, f"{called} nests module calls more than {MAX_MODULE_DEPTH} deep: "
                              "cogcheck does not read it, so the clients it may create are not checked"))
        return
    if not target.is_dir():
        _unread(config, block, line, where, f"{called}: local module {source!r} is not a directory: not read")
        return
    display = os.path.normpath(os.path.join(inst.module.display, source))
    child_module = read_module(target, display, config)
    expansion, cut = _expansion(block, inst.scope, where, config)
    for suffix, changes in _instances(expansion, block, "module instance"):
        _count_instance(config, block, where)
        prefix = f"{inst.prefix}module.{name}{suffix}"
        caller = inst.scope.instance(f"the arguments of {prefix}", cut, **changes)
        given: dict[str, Any] = {}
        cut_variables: dict[str, str] = {}
        for arg, attr in block.attributes.items():
            if arg in META_ARGS:
                continue
            given[arg], why = caller.tracked(attr.expr)
            if why is not None:
                cut_variables[arg] = why
        scope = Scope(_variable_values(child_module, given, root_module=False),
                      {n: a.expr for n, a in child_module.locals.items()},
                      work=config.work, where=prefix, cut_variables=cut_variables)
        _instantiate(_Instance(
            child_module, prefix + ".", scope, config, inst.root, inst.depth + 1, (*inst.stack, target),
        ))


def _unread(config: Configuration, block: Block, line: int, where: str, message: str) -> None:
    """A local module call that cannot be followed: an error (a client may hide there), or a notice when the clients
    come from elsewhere."""
    if config.modules_required:
        config.errors.append((block.file, line, message))
    else:
        config.notices.append((block.file, where, message))


def local_target(directory: Path, source: str) -> Path:
    """The directory a local module source names, resolved."""
    try:
        return (directory / source).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return directory / source


def _reaches_clients_unknown(source: str) -> bool:
    """Whether to say that a remote module is not fetched (any remote module may create clients)."""
    return True


def _reference(inst: _Instance, rtype: str, name: str, steps: tuple[str | Expr, ...], scope: Scope) -> Any:
    """``TYPE.NAME[…].attr`` in the module instance ``inst``."""
    block = inst.module.resources.get((rtype, name))
    if block is None:
        return Unknown(f"{rtype}.{name} is not a resource of this module")
    address = f"{inst.prefix}{rtype}.{name}"
    rest = steps
    if "count" in block.attributes or "for_each" in block.attributes:
        if not rest or isinstance(rest[0], str):
            return Unknown(f"all instances of {address}")
        key = scope.eval(rest[0]) if isinstance(rest[0], Expr) else rest[0]
        if opaque(key):
            return Unknown(f"an instance of {address} that is not known")
        address += f"[{json.dumps(key, ensure_ascii=False)}]" if isinstance(key, str) else f"[{key}]"
        rest = rest[1:]
    if rtype not in mapping.TYPES:
        attribute = rest[0] if len(rest) == 1 and isinstance(rest[0], str) else ""
        return Unknown(f"{rtype} is known after apply",
                       shape=terraform_shape(rtype, attribute, f"{address}.{attribute}"))
    if not rest or not isinstance(rest[0], str):
        return Unknown(f"{address} as a whole")
    attribute = rest[0]
    if rtype == mapping.SERVER and attribute == "scope_identifiers":
        return _scope_identifiers(inst.config, address)
    return Link(address, attribute) if len(rest) == 1 else Unknown(f"{address}.{attribute} is known after apply")


def _scope_identifiers(config: Configuration, address: str) -> Any:
    resource = config.resources.get(address)
    if resource is None:
        return Unknown(f"{address}.scope_identifiers")
    props = resource.resource["Properties"]
    identifier, scopes = props.get("Identifier"), props.get("Scopes", [])
    if not isinstance(identifier, str) or not isinstance(scopes, list):
        return Unknown(f"{address}.scope_identifiers")
    names = [s.get("ScopeName") if isinstance(s, dict) else None for s in scopes]
    if not all(isinstance(n, str) for n in names):
        return Unknown(f"{address}.scope_identifiers")
    return [f"{identifier}/{n}" for n in names]


# ------------------------------------------------------------------------------------ CloudFormation shape


def build_resource(rtype: str, block: Block, scope: Scope, prefix: str, config: Configuration) -> TfResource:
    """One resource instance written as its CloudFormation equivalent."""
    links: list[Link] = []
    props: dict[str, Any] = {}
    lines: dict[tuple[str, ...], tuple[int, int]] = {}

    def value_of(attr: Attribute, block_scope: Scope) -> Any:
        value = block_scope.value(attr.expr)
        _collect_links(value, links)
        return _cfn_value(value)

    if rtype in (mapping.CLIENT, "aws_cognito_managed_user_pool_client"):
        for name, attr in block.attributes.items():
            cfn = mapping.CLIENT_ARGS.get(name)
            if cfn is None:
                value_of(attr, scope)  # references still count as dependencies
                continue
            value = _shape(name, value_of(attr, scope))
            if _absent(name, value):
                continue
            props[cfn] = value
            lines[(cfn,)] = (attr.line, attr.column)
        for tf_block, (cfn_block, attrs) in mapping.CLIENT_BLOCKS.items():
            value, line = _single_block(block, tf_block, attrs, scope, links)
            if value is not None:
                props[cfn_block] = value
                lines[(cfn_block,)] = line
                for sub, sub_line in _block_lines(block, tf_block, attrs).items():
                    lines[(cfn_block, sub)] = sub_line
    else:
        props = _generic(rtype, block, scope, links, lines)
    resource: dict[str, Any] = {"Type": mapping.TYPES[rtype], "Properties": props}
    depends = sorted({link.address for link in links} | set(_depends_on(block, prefix, config)))
    if depends:
        resource["DependsOn"] = depends
    if block.comments:
        resource["Metadata"] = {"cogcheck": {"ignore": [e for text in block.comments for e in _suppression(text)]}}
    return TfResource("", rtype, resource, block.file, Path(block.file), block.line, lines, block.construct_path)


def _absent(name: str, value: Any) -> bool:
    """``null`` is the same as leaving an argument out; so are the zero values the provider does not send."""
    if value is None:
        return True
    return name in mapping.LEGACY_ZERO and (value == "" or value == [])


def _shape(name: str, value: Any) -> Any:
    """A set argument holding a collection (Terraform 0.11's ``["${var.list}"]``) is a type error to Terraform 0.12
    and later, and was flattened before: either way its members are not what is written, so it reads as unknown."""
    if name in mapping.SET_ARGS and isinstance(value, list) and any(
        isinstance(v, list) or (isinstance(v, dict) and not _is_reference(v)) for v in value
    ):
        return Unknown(f"{name} holds a collection inside the set")
    if name in mapping.SET_ARGS and isinstance(value, list):
        return _set_members(value)
    return _bool(name, value)


def _bool(name: str, value: Any) -> Any:
    """A string in a bool argument, converted as Terraform converts it (``"0"`` is false, not a type error)."""
    if name in mapping.BOOL_ARGS and isinstance(value, str) and value in mapping.TERRAFORM_BOOL_STRINGS:
        return mapping.TERRAFORM_BOOL_STRINGS[value]
    return value


def _set_members(items: list[Any]) -> list[Any]:
    """A set keeps one of equal members: ``["code", "code"]`` is one flow to the provider and to Cognito. Strings
    are compared as written (the order of first appearance is kept, for lines and messages); other members stay."""
    seen: set[str] = set()
    kept: list[Any] = []
    for item in items:
        if isinstance(item, str):
            if item in seen:
                continue
            seen.add(item)
        kept.append(item)
    return kept


def _is_reference(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt")


def _collect_links(value: Any, links: list[Link]) -> None:
    if isinstance(value, Link):
        links.append(value)
    elif isinstance(value, list):
        for item in value:
            _collect_links(item, links)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_links(item, links)


def _cfn_value(value: Any) -> Any:
    """Links become ``Ref`` (the attribute CloudFormation's ``Ref`` gives) or ``Fn::GetAtt``."""
    if isinstance(value, Link):
        rtype = _type_of(value.address)
        if value.attribute == mapping.REF_ATTRIBUTE.get(rtype):
            return {"Ref": value.address}
        return {"Fn::GetAtt": [value.address, mapping.camel(value.attribute)]}
    if isinstance(value, list):
        return [_cfn_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _cfn_value(v) for k, v in value.items()}
    return value


def _type_of(address: str) -> str:
    """``module.a.aws_cognito_user_pool.p[0]`` → ``aws_cognito_user_pool``."""
    parts = address.split(".")
    for index, part in enumerate(parts):
        if part.startswith("aws_") and index + 1 < len(parts):
            return part
    return ""


def _blocks_of(block: Block, kind: str, scope: Scope) -> list[tuple[Block, Scope]] | Unknown:
    """Nested blocks of one kind, literal and ``dynamic`` (expanded when its ``for_each`` is known)."""
    found: list[tuple[Block, Scope]] = [(b, scope) for b in block.nested(kind)]
    for dynamic in block.nested("dynamic"):
        if dynamic.labels[:1] != (kind,):
            continue
        items = scope.eval(dynamic.attributes["for_each"].expr) if "for_each" in dynamic.attributes else None
        iterator = kind
        if "iterator" in dynamic.attributes and isinstance(dynamic.attributes["iterator"].expr, Ref):
            iterator = dynamic.attributes["iterator"].expr.root
        content = next(iter(dynamic.nested("content")), None)
        if content is None:
            continue
        if isinstance(items, dict):
            pairs: list[tuple[Any, Any]] = [(k, items[k]) for k in sorted(items)]
        elif isinstance(items, list):
            pairs = list(enumerate(items))
        else:
            return Unknown(f"dynamic \"{kind}\" with a for_each that is not known")
        for key, item in pairs:
            inner = scope.child()
            inner.iterators = {**scope.iterators, iterator: {"key": key, "value": item}}
            found.append((content, inner))
    return found


def _single_block(
    block: Block, kind: str, attrs: dict[str, str], scope: Scope, links: list[Link]
) -> tuple[Any, tuple[int, int]]:
    blocks = _blocks_of(block, kind, scope)
    dynamic = next((d for d in block.nested("dynamic") if d.labels[:1] == (kind,)), None)
    if isinstance(blocks, Unknown):
        assert dynamic is not None
        return blocks, (dynamic.line, 1)
    if not blocks:
        return None, (block.line, 1)
    first, inner = blocks[0]
    line = (dynamic.line if dynamic is not None and first not in block.blocks else first.line, 1)
    value: dict[str, Any] = {}
    for name, attr in first.attributes.items():
        cfn = attrs.get(name)
        raw = inner.value(attr.expr)
        _collect_links(raw, links)
        if cfn is None or raw is None:
            continue
        value[cfn] = _cfn_value(_bool(name, raw))
    return value, line


def _block_lines(block: Block, kind: str, attrs: dict[str, str]) -> dict[str, tuple[int, int]]:
    nested = block.nested(kind)
    if not nested:
        return {}
    return {attrs[name]: (attr.line, attr.column) for name, attr in nested[0].attributes.items() if name in attrs}


def _generic(
    rtype: str, block: Block, scope: Scope, links: list[Link], lines: dict[tuple[str, ...], tuple[int, int]]
) -> dict[str, Any]:
    """Pools, resource servers, identity providers, domains: CamelCase names, nested blocks as mappings/lists."""
    names = mapping.OTHER_ARGS.get(rtype, {})
    props: dict[str, Any] = {}
    for name, attr in block.attributes.items():
        if name in META_ARGS:
            continue
        raw = scope.value(attr.expr)
        _collect_links(raw, links)
        if raw is None:
            continue
        cfn = names.get(name, mapping.camel(name))
        value = _cfn_value(raw)
        head, _, sub = cfn.partition(".")
        if sub:
            props.setdefault(head, {})[sub] = value
        else:
            props[cfn] = value
        lines[(head,)] = (attr.line, attr.column)
    kinds = sorted({b.kind for b in block.blocks if b.kind not in ("dynamic", "lifecycle", "timeouts")}
                   | {b.labels[0] for b in block.nested("dynamic") if b.labels})
    for kind in kinds:
        found = _blocks_of(block, kind, scope)
        cfn = names.get(kind, mapping.camel(kind))
        if isinstance(found, Unknown):
            props[cfn] = found
            continue
        items = [_block_value(b, s, links) for b, s in found]
        props[cfn] = items if kind in mapping.REPEATED_BLOCKS else (items[0] if items else {})
    return props


def _block_value(block: Block, scope: Scope, links: list[Link]) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for name, attr in block.attributes.items():
        raw = scope.value(attr.expr)
        _collect_links(raw, links)
        if raw is not None:
            value[mapping.camel(name)] = _cfn_value(raw)
    for kind in sorted({b.kind for b in block.blocks}):
        found = _blocks_of(block, kind, scope)
        if isinstance(found, Unknown):
            value[mapping.camel(kind)] = found
        else:
            items = [_block_value(b, s, links) for b, s in found]
            value[mapping.camel(kind)] = items[0] if len(items) == 1 else items
    return value


def _depends_on(block: Block, prefix: str, config: Configuration) -> Iterable[str]:
    """Addresses ``depends_on`` names (every instance of a counted resource)."""
    attr = block.attributes.get("depends_on")
    if attr is None:
        return []
    from cogcheck.inputs.terraform.ast import Tuple

    items = attr.expr.items if isinstance(attr.expr, Tuple) else ()
    found: list[str] = []
    for item in items:
        if isinstance(item, Ref) and item.steps and isinstance(item.steps[0], str):
            base = f"{prefix}{item.root}.{item.steps[0]}"
            found += config.instances_of(base)
    return found


def _suppression(text: str) -> list[dict[str, Any]]:
    """``cogcheck:ignore COG-S004, COG-S005 reason: why`` → ``[{id, reason}, …]`` (a missing reason is reported)."""
    body = text.removeprefix("cogcheck:ignore").strip()
    ids, _, reason = body.partition("reason:")
    names = [word for word in re.split(r"[\s,]+", ids.strip(" ,;:-")) if word] or [""]
    return [{"id": name, **({"reason": reason.strip()} if reason.strip() else {})} for name in names]
