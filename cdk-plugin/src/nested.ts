/**
 * The templates of the stacks CDK hands a plugin and of their nested stacks. CDK hands over only the top-level
 * templates, and `cogcheck scan` given a stack's template scans that template alone, so the nested stacks' templates
 * are found here and passed along; cogcheck then reads each of them through its cloud assembly, with its construct
 * paths and the values its parent passes.
 *
 * This follows cogcheck's own assembly reader (cogcheck/inputs/cdk/assembly.py and metadata.py) step by step, so that
 * the plugin scans exactly the templates `cogcheck scan cdk.out` and the Python plugin scan: a nested stack's template
 * is the first of the resource's `Metadata["aws:asset:path"]`, the `aws:cdk:templateFile` entry at the nested stack's
 * construct path in the stack's metadata (the manifest's `metadata` and its `additionalMetadataFile`), and the asset
 * manifests' `files[hash].source.path` for the hash in its `TemplateURL`; a name that leads outside the assembly, a
 * missing template and nesting deeper than cogcheck reads are input errors, a nested stack whose template no entry
 * names is a notice, with cogcheck's words.
 */
import * as fs from 'fs';
import * as path from 'path';

const MAX_TEMPLATE = 32 * 1024 * 1024; // cogcheck's own limit: larger templates are its input errors
const MAX_DEPTH = 16; // nested stacks in nested stacks, as cogcheck's assembly reader
const STACK = 'aws:cloudformation:stack';
const ASSET_MANIFEST = 'cdk:asset-manifest';
const LOGICAL_ID = 'aws:cdk:logicalId';
const TEMPLATE_FILE = 'aws:cdk:templateFile';
const NESTED_STACK = 'AWS::CloudFormation::Stack';
/** `Parent/Id.NestedStack/Id.NestedStackResource`: the resource of nested stack `Parent/Id` in its parent. */
const NESTED_RESOURCE = /^(.*\/([^/]+))\.NestedStack\/\2\.NestedStackResource$/;
const HASH = /([0-9a-f]{64})\.json/g;

/** An input error as cogcheck reports one (`file`, `line`, `message`). */
export interface NestedError {
  readonly file: string;
  readonly line: null;
  readonly message: string;
}

export interface Nested {
  /** Every template to scan, each once: the stacks' own, then each one's nested stacks (depth first). */
  readonly files: string[];
  /** Nested stacks whose template no entry names (not scanned: said, never hidden), as cogcheck words them. */
  readonly missing: string[];
  /** Nested templates that cannot be read, as cogcheck words them: fatal violations, as in the Python plugin. */
  readonly errors: NestedError[];
}

/** How cogcheck names a file: relative to the working directory when inside it, else absolute. */
export function display(file: string): string {
  const absolute = path.resolve(file);
  const relative = path.relative(process.cwd(), absolute);
  if (relative === '') {
    return '.';
  }
  return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative.split(path.sep).join('/');
}

type Entry = { type?: unknown; data?: unknown };
type Entries = Map<string, Entry[]>;

function readJson(file: string): unknown {
  try {
    if (fs.statSync(file).size > MAX_TEMPLATE) {
      return undefined;
    }
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined; // cogcheck reports what it cannot read
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** cogcheck's `inside`: `base/relative` when it is a relative path that stays in `base` (symlinks resolved). */
function inside(base: string, relative: unknown): string | undefined {
  if (typeof relative !== 'string' || relative === '' || relative.includes('\0')) {
    return undefined;
  }
  const posix = relative.replace(/\\/g, '/');
  if (posix.startsWith('/') || /^[A-Za-z]:/.test(relative) || posix.split('/').includes('..')) {
    return undefined;
  }
  const target = path.join(base, ...posix.split('/'));
  let real: string;
  let realBase: string;
  try {
    realBase = fs.realpathSync(base);
  } catch {
    return undefined;
  }
  try {
    real = fs.realpathSync(target);
  } catch {
    real = path.resolve(realBase, ...posix.split('/')); // not there (yet): its name alone decides
  }
  const within = path.relative(realBase, real);
  return within.startsWith('..') || path.isAbsolute(within) ? undefined : target;
}

/** cogcheck's `merge_entries`: the metadata file's entries first, then the manifest's. */
function mergeEntries(...sources: unknown[]): Entries {
  const merged: Entries = new Map();
  for (const source of sources) {
    if (!isObject(source)) {
      continue;
    }
    for (const [key, entries] of Object.entries(source)) {
      if (Array.isArray(entries)) {
        const list = merged.get(key) ?? [];
        list.push(...entries.filter((e): e is Entry => isObject(e) && 'type' in e));
        merged.set(key, list);
      }
    }
  }
  return merged;
}

/** cogcheck's `StackMetadata`: one stack artifact's metadata (its nested stacks' included), split per template. */
class StackMetadata {
  private readonly nested = new Set<string>();
  private readonly logical = new Map<string, Map<string, string>>();

  constructor(private readonly entries: Entries, readonly root: string) {
    for (const [key, list] of entries) {
      const match = NESTED_RESOURCE.exec(key);
      if (match) {
        this.nested.add(match[1]);
      }
      if (key !== root && list.some((e) => e.type === TEMPLATE_FILE)) {
        this.nested.add(key);
      }
    }
  }

  /** The construct path of the stack (the root or a nested one) whose template holds `key`. */
  private owner(key: string): string {
    let end = key.length;
    for (;;) {
      end = key.lastIndexOf('/', end - 1);
      if (end <= 0) {
        return this.root;
      }
      const prefix = key.slice(0, end);
      if (this.nested.has(prefix) && prefix.length > this.root.length) {
        return prefix;
      }
      if (prefix.length <= this.root.length) {
        return this.root;
      }
    }
  }

  /** logical id → construct path, for the template of `stack`. */
  logicalIds(stack: string): Map<string, string> {
    let table = this.logical.get(stack);
    if (table === undefined) {
      table = new Map();
      for (const [key, list] of this.entries) {
        for (const entry of list) {
          if (entry.type === LOGICAL_ID && typeof entry.data === 'string' && !table.has(entry.data)
            && this.owner(key) === stack) {
            table.set(entry.data, key);
          }
        }
      }
      this.logical.set(stack, table);
    }
    return table;
  }

  /** The `aws:cdk:templateFile` entry at a (nested) stack's path. */
  templateFile(stack: string): string | undefined {
    for (const entry of this.entries.get(stack) ?? []) {
      if (entry.type === TEMPLATE_FILE && typeof entry.data === 'string') {
        return entry.data;
      }
    }
    return undefined;
  }

  /** cogcheck's `nested_stack_path`: the construct path of the nested stack a parent's resource deploys. */
  nestedStackPath(parent: string, logicalId: string, cdkPath: unknown): string | undefined {
    const candidates = [this.logicalIds(parent).get(logicalId), typeof cdkPath === 'string' ? '/' + cdkPath : undefined];
    for (const candidate of candidates) {
      const match = candidate === undefined ? null : NESTED_RESOURCE.exec(candidate);
      if (match) {
        return match[1];
      }
    }
    return undefined;
  }
}

/** What one assembly directory says: its stacks (template → metadata and name) and its assets' sources. */
class Assembly {
  readonly stacks = new Map<string, { metadata: StackMetadata; name: string }>();
  private sources?: Map<string, string>;
  private readonly assetFiles: string[] = [];

  constructor(readonly directory: string) {
    const manifest = readJson(path.join(directory, 'manifest.json'));
    const artifacts = isObject(manifest) && isObject(manifest.artifacts) ? manifest.artifacts : {};
    for (const [id, artifact] of Object.entries(artifacts)) {
      if (!isObject(artifact)) {
        continue;
      }
      const properties = isObject(artifact.properties) ? artifact.properties : {};
      if (artifact.type === ASSET_MANIFEST && typeof properties.file === 'string') {
        this.assetFiles.push(properties.file);
      }
      const template = artifact.type === STACK ? inside(directory, properties.templateFile) : undefined;
      if (template === undefined) {
        continue;
      }
      const extra = artifact.additionalMetadataFile;
      const file = extra === undefined ? undefined : inside(directory, extra);
      const name = String(artifact.displayName || id);
      const entries = mergeEntries(file === undefined ? undefined : readJson(file), artifact.metadata);
      this.stacks.set(path.resolve(template), {
        metadata: new StackMetadata(entries, '/' + name.replace(/^\/+|\/+$/g, '')), name,
      });
    }
  }

  /** `files[hash].source.path` of the asset manifests the manifest names. */
  source(digest: string): string | undefined {
    if (this.sources === undefined) {
      this.sources = new Map();
      for (const name of this.assetFiles) {
        const file = inside(this.directory, name);
        const data = file === undefined ? undefined : readJson(file);
        const files = isObject(data) && isObject(data.files) ? data.files : {};
        for (const [key, entry] of Object.entries(files)) {
          const source = isObject(entry) && isObject(entry.source) ? entry.source : undefined;
          if (typeof source?.path === 'string' && !this.sources.has(key)) {
            this.sources.set(key, source.path);
          }
        }
      }
    }
    return this.sources.get(digest);
  }
}

export function withNested(templatePaths: readonly string[]): Nested {
  const files: string[] = [];
  const missing: string[] = [];
  const errors: NestedError[] = [];
  const seen = new Set<string>();
  const assemblies = new Map<string, Assembly>();
  const assemblyOf = (directory: string): Assembly => {
    let found = assemblies.get(directory);
    if (found === undefined) {
      found = new Assembly(directory);
      assemblies.set(directory, found);
    }
    return found;
  };

  /** One template, `stack` its construct path in `metadata` and `name` the stack as cogcheck shows it. */
  const visit = (file: string, assembly: Assembly, metadata: StackMetadata, stack: string,
    name: string, depth: number): void => {
    const absolute = path.resolve(file);
    if (seen.has(absolute)) {
      return;
    }
    seen.add(absolute);
    files.push(absolute);
    const doc = readJson(absolute);
    const resources = isObject(doc) && isObject(doc.Resources) ? doc.Resources : {};
    const shown = display(absolute);
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (!isObject(resource) || resource.Type !== NESTED_STACK) {
        continue;
      }
      const meta = isObject(resource.Metadata) ? resource.Metadata : {};
      const nested = metadata.nestedStackPath(stack, logicalId, meta['aws:cdk:path']);
      const nestedName = nested !== undefined ? nested.replace(/^\/+|\/+$/g, '') : `${name}/${logicalId}`;
      const names: unknown[] = [meta['aws:asset:path']];
      if (nested !== undefined) {
        names.push(metadata.templateFile(nested));
      }
      const url = JSON.stringify(isObject(resource.Properties) ? resource.Properties.TemplateURL ?? null : null);
      for (const digest of [...new Set([...url.matchAll(HASH)].map((m) => m[1]))].sort()) {
        names.push(assembly.source(digest));
      }
      const where = `nested stack ${nestedName} (${logicalId} in ${shown})`;
      const childName = names.find((n): n is string => typeof n === 'string' && n !== '');
      if (childName === undefined) {
        missing.push(`${shown}: ${logicalId}: ${where}: its template is not in the assembly; not scanned`);
        continue;
      }
      const child = inside(assembly.directory, childName);
      if (child === undefined) {
        errors.push({ file: shown, line: null,
          message: `${where}: template path ${pyRepr(childName)} leads outside the assembly directory; not read` });
      } else if (depth >= MAX_DEPTH) {
        errors.push({ file: shown, line: null, message: `${where}: nested stacks nested too deep; not read` });
      } else if (!isFile(child)) {
        errors.push({ file: display(child), line: null, message: `template of stack ${nestedName} is missing` });
      } else {
        visit(child, assembly, metadata, nested ?? '/' + nestedName, nestedName, depth + 1);
      }
    }
  };

  for (const file of templatePaths) {
    const absolute = path.resolve(file);
    const assembly = assemblyOf(path.dirname(absolute));
    const stack = assembly.stacks.get(absolute);
    if (stack === undefined) { // not a stack of a cloud assembly: cogcheck scans it as a loose template, alone
      if (!seen.has(absolute)) {
        seen.add(absolute);
        files.push(absolute);
      }
      continue;
    }
    visit(absolute, assembly, stack.metadata, stack.metadata.root, stack.name, 0);
  }
  return { files, missing, errors };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A string as Python's `repr` writes it (cogcheck's messages quote names with `{name!r}`), for plain names. */
function pyRepr(text: string): string {
  return text.includes("'") && !text.includes('"') ? `"${text}"` : `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
