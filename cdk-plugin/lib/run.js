"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Runner = exports.MINIMUM_VERSION = void 0;
exports.display = display;
exports.withNested = withNested;
/**
 * Running the installed cogcheck: synchronously (CDK's `validate` is synchronous), bounded by a timeout and an
 * output limit, each failure one clear message (thrown: CDK fails the synth with `Validation plugin 'cogcheck'
 * failed: <message>`), never a silent pass.
 */
const child_process_1 = require("child_process");
const fs = require("fs");
const path = require("path");
/** The oldest cogcheck whose `scan --format json` (version 1), `rules --format json` and `rule ID` this maps. */
exports.MINIMUM_VERSION = '0.1.0';
const INSTALL = 'install cogcheck from a clone of its repository (`pip install /path/to/cogcheck`, see its README), '
    + 'or give the plugin `command` (e.g. [\'python\', \'-m\', \'cogcheck\'])';
const MAX_OUTPUT = 256 * 1024 * 1024;
const MAX_TEMPLATE = 32 * 1024 * 1024; // cogcheck's own limit: larger templates are its input errors
const MAX_DEPTH = 16; // nested stacks in nested stacks, as cogcheck's assembly reader
const CONFIG_FILES = ['.cogcheck.yaml', '.cogcheck.yml', 'pyproject.toml'];
/** How cogcheck names a file: relative to the working directory when inside it, else absolute. */
function display(file) {
    const absolute = path.resolve(file);
    const relative = path.relative(process.cwd(), absolute);
    if (relative === '') {
        return '.';
    }
    return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative.split(path.sep).join('/');
}
function isAssembly(directory) {
    const manifest = path.join(directory, 'manifest.json');
    if (fs.existsSync(path.join(directory, 'cdk.out'))) {
        return true;
    }
    try {
        const data = JSON.parse(fs.readFileSync(manifest, 'utf8'));
        return typeof data === 'object' && data !== null && 'version' in data && 'artifacts' in data;
    }
    catch {
        return false;
    }
}
/** The outermost cloud assembly directory above a template (a stage's assembly sits inside the app's). */
function assemblyRoot(template) {
    let directory = path.dirname(path.resolve(template));
    if (!isAssembly(directory)) {
        return undefined;
    }
    for (let i = 0; i <= MAX_DEPTH; i++) {
        const parent = path.dirname(directory);
        if (parent === directory || !isAssembly(parent)) {
            break;
        }
        directory = parent;
    }
    return directory;
}
/** The nearest configuration file in `start` or above it, as cogcheck looks for one. */
function findConfig(start) {
    let directory = path.resolve(start);
    for (;;) {
        for (const name of CONFIG_FILES) {
            const candidate = path.join(directory, name);
            try {
                if (!fs.statSync(candidate).isFile()) {
                    continue;
                }
                if (name !== 'pyproject.toml' || /^\s*(\[\s*tool\s*\.\s*cogcheck\b|tool\s*\.\s*cogcheck\s*[.=])/m.test(fs.readFileSync(candidate, 'utf8'))) {
                    return candidate;
                }
            }
            catch {
                continue;
            }
        }
        const parent = path.dirname(directory);
        if (parent === directory) {
            return undefined;
        }
        directory = parent;
    }
}
/**
 * The stacks' templates and those of their nested stacks: CDK hands a plugin only the top-level templates, and
 * `cogcheck scan` given a stack's template scans that template alone. A nested stack's template is the file its
 * `AWS::CloudFormation::Stack` resource names in `Metadata["aws:asset:path"]`, beside the parent template.
 */
const HASH = /([0-9a-f]{64})\.json/g;
const sources = new Map();
/** `files[hash].source.path` of the asset manifests (`*.assets.json`) in an assembly directory. */
function assetSources(directory) {
    let found = sources.get(directory);
    if (found === undefined) {
        found = new Map();
        sources.set(directory, found);
        let names = [];
        try {
            names = fs.readdirSync(directory).filter((n) => n.endsWith('.assets.json')).sort();
        }
        catch {
            names = [];
        }
        for (const name of names) {
            try {
                const files = JSON.parse(fs.readFileSync(path.join(directory, name), 'utf8')).files ?? {};
                for (const [digest, entry] of Object.entries(files)) {
                    if (typeof entry?.source?.path === 'string' && !found.has(digest)) {
                        found.set(digest, entry.source.path);
                    }
                }
            }
            catch {
                continue; // cogcheck reports what it cannot read
            }
        }
    }
    return found;
}
function withNested(templatePaths) {
    const files = [];
    const missing = [];
    const seen = new Set();
    const visit = (file, depth) => {
        const absolute = path.resolve(file);
        if (seen.has(absolute)) {
            return;
        }
        seen.add(absolute);
        files.push(absolute);
        if (depth > MAX_DEPTH) {
            return;
        }
        let resources = {};
        try {
            if (fs.statSync(absolute).size > MAX_TEMPLATE) {
                return;
            }
            const doc = JSON.parse(fs.readFileSync(absolute, 'utf8'));
            resources = doc && typeof doc.Resources === 'object' && doc.Resources ? doc.Resources : {};
        }
        catch {
            return; // cogcheck reports the unreadable template
        }
        const directory = path.dirname(absolute);
        for (const [logicalId, resource] of Object.entries(resources)) {
            if (!resource || resource.Type !== 'AWS::CloudFormation::Stack') {
                continue;
            }
            const names = [resource.Metadata?.['aws:asset:path']];
            const url = JSON.stringify(resource.Properties?.TemplateURL ?? null);
            for (const digest of [...new Set([...url.matchAll(HASH)].map((m) => m[1]))].sort()) {
                names.push(assetSources(directory).get(digest));
            }
            const name = names.find((n) => typeof n === 'string' && n !== '');
            const child = name !== undefined ? path.resolve(directory, name) : undefined;
            const inside = child !== undefined && !path.relative(directory, child).startsWith('..');
            if (child !== undefined && inside && fs.existsSync(child)) {
                visit(child, depth + 1);
            }
            else {
                missing.push(`${display(absolute)}: ${logicalId}: nested stack whose template is not in the assembly `
                    + '(neither aws:asset:path nor an asset manifest names a file beside it); not scanned');
            }
        }
    };
    for (const file of templatePaths) {
        visit(file, 0);
    }
    return { files, missing };
}
class Runner {
    constructor(props) {
        this.props = props;
        this.command = props.command ?? ['cogcheck'];
        this.timeout = (props.timeoutSeconds ?? 300) * 1000;
    }
    run(args) {
        const [program, ...first] = this.command;
        const shown = [...this.command, ...args.slice(0, 1)].join(' ');
        const done = (0, child_process_1.spawnSync)(program, [...first, ...args], {
            encoding: 'utf8', timeout: this.timeout, maxBuffer: MAX_OUTPUT, killSignal: 'SIGKILL',
            stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true,
        });
        const error = done.error;
        if (error?.code === 'ENOENT') {
            throw new Error(`cogcheck: ${program} not found: ${INSTALL}`);
        }
        if (error?.code === 'ETIMEDOUT') {
            throw new Error(`cogcheck: \`${shown}\` did not finish within ${this.timeout / 1000} seconds and was stopped `
                + '(see the plugin\'s timeoutSeconds)');
        }
        if (error?.code === 'ENOBUFS') {
            throw new Error(`cogcheck: \`${shown}\` wrote more than ${MAX_OUTPUT} bytes; stopped`);
        }
        if (error) {
            throw new Error(`cogcheck: \`${shown}\` could not be run: ${error.message}`);
        }
        if (done.status === null) {
            throw new Error(`cogcheck: \`${shown}\` was killed by ${done.signal}: ${tail(done.stderr)}`);
        }
        return { status: done.status, stdout: done.stdout, stderr: done.stderr };
    }
    /** cogcheck's version, checked against the minimum once. */
    checkVersion() {
        if (this.version !== undefined) {
            return this.version;
        }
        const done = this.run(['--version']);
        const match = /^cogcheck (\d+)\.(\d+)\.(\d+)\S*\s*$/.exec(done.stdout);
        if (done.status !== 0 || !match) {
            throw new Error(`cogcheck: \`${this.command.join(' ')} --version\` did not print cogcheck's version `
                + `(exit ${done.status}: ${tail(done.stdout + done.stderr)}); ${INSTALL}`);
        }
        const found = match.slice(1, 4).map(Number);
        const minimum = exports.MINIMUM_VERSION.split('.').map(Number);
        const older = found.findIndex((n, i) => n !== minimum[i]);
        if (older >= 0 && found[older] < minimum[older]) {
            throw new Error(`cogcheck: version ${found.join('.')} is older than ${exports.MINIMUM_VERSION}, the oldest this `
                + `plugin reads; ${INSTALL}`);
        }
        this.version = found.join('.');
        return this.version;
    }
    /** `--config FILE` found as the Python plugin finds it (from cdk.out upwards, else the working directory). */
    configArgs(roots) {
        if (this.props.config !== undefined) {
            return ['--config', this.props.config];
        }
        for (const start of [...roots, process.cwd()]) {
            const found = findConfig(start);
            if (found !== undefined) {
                return ['--config', display(found)];
            }
        }
        return ['--isolated'];
    }
    /** `cogcheck scan --format json` on the stacks' templates and their nested stacks. */
    scan(templatePaths) {
        const roots = [...new Set(templatePaths.map(assemblyRoot).filter((r) => r !== undefined))].sort();
        this.roots = roots;
        const { files, missing } = withNested(templatePaths);
        const p = this.props;
        const args = ['scan', '--format', 'json', '--fail-on', 'never', '--jobs', '1', ...this.configArgs(roots)];
        const each = (option, values) => {
            for (const value of values ?? []) {
                args.push(option, value);
            }
        };
        each('--select', p.select);
        each('--ignore', p.ignore);
        each('--severity', Object.entries(p.severity ?? {}).map(([k, v]) => `${k}=${v}`));
        each('--parameter', Object.entries(p.parameters ?? {}).map(([k, v]) => `${k}=${v}`));
        each('--parameters-file', p.parametersFile === undefined ? [] : [p.parametersFile]);
        each('--region', p.region === undefined ? [] : [p.region]);
        each('--account-id', p.accountId === undefined ? [] : [p.accountId]);
        each('--partition', p.partition === undefined ? [] : [p.partition]);
        each('--production-stacks', p.productionStacks);
        each('--previous', p.previous === undefined ? [] : [p.previous]);
        each('--source-root', p.sourceRoot === undefined ? [] : [p.sourceRoot]);
        each('--rules', p.rules);
        if (p.production) {
            args.push('--production');
        }
        args.push('--', ...files.map(display));
        const done = this.run(args);
        let report;
        if (done.status === 0 || done.status === 1 || done.status === 2) {
            try {
                const data = JSON.parse(done.stdout);
                if (data && data.version === 1 && Array.isArray(data.findings)) {
                    report = { ...data, missing };
                }
            }
            catch {
                report = undefined;
            }
        }
        if (report === undefined) {
            const why = done.status === 2 ? tail(done.stderr) : `exit ${done.status}: ${tail(done.stderr || done.stdout)}`;
            throw new Error(`cogcheck: ${why}`);
        }
        return report;
    }
    /** Every rule's name and summary (shipped and rule packs'). */
    rules() {
        if (this.ruleList === undefined) {
            const done = this.run(['rules', '--format', 'json', ...this.packArgs()]);
            if (done.status !== 0) {
                throw new Error(`cogcheck: ${tail(done.stderr)}`);
            }
            const list = JSON.parse(done.stdout);
            this.ruleList = Object.fromEntries(list.map((r) => [r.id, { name: r.name, summary: r.summary }]));
        }
        return this.ruleList;
    }
    /** The rules `ids` with their "use instead" examples, from cogcheck's rule documentation
     * (`cogcheck rules --format markdown`: one `## ID` section per rule, its `### Use instead` block). */
    ruleDocs(ids) {
        const all = this.rules();
        const done = this.run(['rules', '--format', 'markdown', ...this.packArgs()]);
        const sections = new Map();
        if (done.status === 0) {
            const parts = done.stdout.split(/^## (\S+)[ \t]*$/m);
            for (let i = 1; i + 1 < parts.length; i += 2) {
                sections.set(parts[i], parts[i + 1]);
            }
        }
        const out = {};
        for (const id of new Set(ids)) {
            if (id in all) {
                const match = /^### Use instead\n```[a-z]*\n([\s\S]*?)^```$/m.exec(sections.get(id) ?? '');
                out[id] = { ...all[id], useInstead: match ? match[1] : undefined };
            }
        }
        return out;
    }
    packArgs() {
        const args = this.configArgs(this.roots ?? []);
        for (const pack of this.props.rules ?? []) {
            args.push('--rules', pack);
        }
        return args;
    }
}
exports.Runner = Runner;
function tail(text) {
    const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-5).join('\n') || '(no output)';
}
