"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CogcheckValidation = exports.INPUT_ERROR = exports.MINIMUM_VERSION = void 0;
/**
 * cogcheck inside `cdk synth`, for CDK apps in TypeScript and JavaScript: a policy-validation plugin that runs the
 * installed `cogcheck` on the templates CDK hands over and maps its findings to violations as the Python plugin
 * (`cogcheck.cdk.CogcheckValidation`) does.
 *
 *     import { CogcheckValidation } from '@cogcheck/cdk-validator';
 *     Validations.of(app).addPlugins(new CogcheckValidation());
 */
const run_1 = require("./run");
Object.defineProperty(exports, "MINIMUM_VERSION", { enumerable: true, get: function () { return run_1.MINIMUM_VERSION; } });
const violations_1 = require("./violations");
Object.defineProperty(exports, "INPUT_ERROR", { enumerable: true, get: function () { return violations_1.INPUT_ERROR; } });
const PACKAGE_VERSION = require('../package.json').version;
/** Acknowledgement notices of `cogcheck scan`: inside the synth CDK applies acknowledgements itself. */
const IGNORED_ACK = /^CDK acknowledgement \S+ at .* is ignored, so the finding stays/;
/**
 * cogcheck as a CDK validation plugin (aws-cdk-lib's `IPolicyValidationPlugin`). A mistake in the options throws
 * here, where the app is written; cogcheck missing or too old, a configuration error, a crash or a timeout of the
 * scan make CDK fail the synth with `Validation plugin 'cogcheck' failed: <the message>`.
 */
class CogcheckValidation {
    constructor(props = {}) {
        /** The namespace of acknowledgement ids: `cogcheck::COG-E001`. */
        this.name = 'cogcheck';
        /** This package's version (the report's `pluginVersion` is the version of cogcheck that ran). */
        this.version = PACKAGE_VERSION;
        for (const [id, level] of Object.entries(props.severity ?? {})) {
            if (!['error', 'warning', 'note'].includes(level)) {
                throw new Error(`cogcheck: severity ${id}=${level}: the level is one of error, warning, note`);
            }
        }
        if (props.command !== undefined && props.command.length === 0) {
            throw new Error('cogcheck: command is empty: give the program and its arguments, e.g. ["cogcheck"]');
        }
        if (props.timeoutSeconds !== undefined && !(props.timeoutSeconds > 0)) {
            throw new Error('cogcheck: timeoutSeconds must be a positive number');
        }
        this.runner = new run_1.Runner(props);
    }
    /** The ids of the rules cogcheck runs (shipped and rule packs'); empty when cogcheck cannot be run. */
    get ruleIds() {
        if (this.ids === undefined) {
            try {
                this.ids = Object.keys(this.runner.rules());
            }
            catch {
                this.ids = [];
            }
        }
        return this.ids;
    }
    /** Called by CDK with the templates of the stacks to check (`IPolicyValidationContext` or its Beta1). */
    validate(context) {
        const version = this.runner.checkVersion();
        const scan = this.runner.scan(context.templatePaths);
        const found = [
            ...(0, violations_1.violations)(scan.findings, scan.findings.length ? this.runner.rules() : {}),
            ...scan.errors.map(violations_1.inputError),
        ];
        const notices = [...scan.notices.filter((n) => !IGNORED_ACK.test(n.message)).map(violations_1.noticeText), ...scan.missing];
        const metadata = {
            templates: String(scan.summary.templates),
            clients: String(scan.summary.clients),
            'suppressed in template Metadata': String(scan.summary.suppressed),
        };
        if (notices.length) {
            metadata.notices = notices.map(violations_1.plain).join('\n');
        }
        for (const notice of notices) {
            process.stderr.write(`cogcheck: note: ${(0, violations_1.plain)(notice)}\n`);
        }
        return {
            success: !found.some((v) => v.severity === 'error' || v.severity === 'fatal'),
            violations: found,
            metadata,
            pluginVersion: version,
        };
    }
}
exports.CogcheckValidation = CogcheckValidation;
