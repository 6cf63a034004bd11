"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Runner = exports.MINIMUM_VERSION = exports.withNested = exports.display = void 0;
/**
 * Running the installed cogcheck: synchronously (CDK's `validate` is synchronous), bounded by a timeout and an
 * output limit, each failure one clear message (thrown: CDK fails the synth with `Validation plugin 'cogcheck'
 * failed: <message>`), never a silent pass.
 */
const child_process_1 = require("child_process");
const fs = require("fs");
const path = require("path");
const nested_1 = require("./nested");
Object.defineProperty(exports, "display", { enumerable: true, get: function () { return nested_1.display; } });
Object.defineProperty(exports, "withNested", { enumerable: true, get: function () { return nested_1.withNested; } });
/** The oldest cogcheck whose `scan --format json` (version 1), `rules --format json` and `rule ID` this maps. */
exports.MINIMUM_VERSION = '0.1.0';
const INSTALL = 'install cogcheck from a clone of its repository (`pip install /path/to/cogcheck`, see its README), '
    + 'or give the plugin `command` (e.g. [\'python\', \'-m\', \'cogcheck\'])';
const MAX_OUTPUT = 256 * 1024 * 1024;
const MAX_DEPTH = 16; // stages in stages, as cogcheck's assembly reader
const CONFIG_FILES = ['.cogcheck.yaml', '.cogcheck.yml', 'pyproject.toml'];
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
                return ['--config', (0, nested_1.display)(found)];
            }
        }
        return ['--isolated'];
    }
    /** `cogcheck scan --format json` on the stacks' templates and their nested stacks. */
    scan(templatePaths) {
        const roots = [...new Set(templatePaths.map(assemblyRoot).filter((r) => r !== undefined))].sort();
        this.roots = roots;
        const { files, missing, errors } = (0, nested_1.withNested)(templatePaths);
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
        args.push('--', ...files.map(nested_1.display));
        const done = this.run(args);
        let report;
        if (done.status === 0 || done.status === 1 || done.status === 2) {
            try {
                const data = JSON.parse(done.stdout);
                if (data && data.version === 1 && Array.isArray(data.findings)) {
                    if (data.findings.some((f) => typeof f.stack === 'string' && typeof f.cdk_fix !== 'string')) {
                        throw new TooOld(`cogcheck: the cogcheck that ran (${this.version}) does not say the change to make in `
                            + `the CDK code (the findings' cdk_fix): it is older than this plugin; ${INSTALL}`);
                    }
                    // sorted as cogcheck sorts its errors: file, line, message
                    const all = [...data.errors, ...errors];
                    all.sort((a, b) => compareKeys([a.file, a.line ?? 0, a.message], [b.file, b.line ?? 0, b.message]));
                    report = { ...data, errors: all, missing };
                }
            }
            catch (error) {
                if (error instanceof TooOld) {
                    throw error;
                }
                report = undefined;
            }
        }
        if (report === undefined) {
            const why = done.status === 2 ? tail(done.stderr) : `exit ${done.status}: ${tail(done.stderr || done.stdout)}`;
            throw new Error(`cogcheck: ${why}`);
        }
        return report;
    }
    /** Every rule's name and the command that shows its documentation (shipped and rule packs'). */
    rules() {
        if (this.ruleList === undefined) {
            const done = this.run(['rules', '--format', 'json', ...this.packArgs()]);
            if (done.status !== 0) {
                throw new Error(`cogcheck: ${tail(done.stderr)}`);
            }
            const list = JSON.parse(done.stdout);
            this.ruleList = Object.fromEntries(list.map((r) => [r.id, { name: r.name, docs: r.docs }]));
        }
        return this.ruleList;
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
/** cogcheck older than this plugin, found out from its report. */
class TooOld extends Error {
}
function compareKeys(a, b) {
    for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) {
            return a[i] < b[i] ? -1 : 1;
        }
    }
    return 0;
}
function tail(text) {
    const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-5).join('\n') || '(no output)';
}
