/**
 * cogcheck inside `cdk synth`, for CDK apps in TypeScript and JavaScript: a policy-validation plugin that runs the
 * installed `cogcheck` on the templates CDK hands over and maps its findings to violations as the Python plugin
 * (`cogcheck.cdk.CogcheckValidation`) does.
 *
 *     import { CogcheckValidation } from '@cogcheck/cdk-validator';
 *     Validations.of(app).addPlugins(new CogcheckValidation());
 */
import { MINIMUM_VERSION } from './run';
import { INPUT_ERROR, Violation } from './violations';
export { MINIMUM_VERSION, INPUT_ERROR };
export type { Violation };
/** What CDK hands `validate` (`IPolicyValidationContext`, or its deprecated Beta1): the templates to check. */
export interface ValidationContext {
    /** The absolute path of every template to check. */
    readonly templatePaths: string[];
}
/** CDK's `PolicyValidationPluginReport`. The package names no type of aws-cdk-lib, so that it needs none installed
 * beside it: CDK checks the plugin by its shape (`IPolicyValidationPlugin`). */
export interface ValidationReport {
    readonly success: boolean;
    readonly violations: Violation[];
    readonly pluginVersion?: string;
    readonly metadata?: Record<string, string>;
}
/** The options of `cogcheck scan` that make sense inside a synth (those of the Python plugin, in camelCase). */
export interface CogcheckValidationProps {
    /** `--select`: only these rule ids or prefixes. */
    readonly select?: string[];
    /** `--ignore`: skip these rule ids or prefixes. */
    readonly ignore?: string[];
    /** `--severity ID=LEVEL`: `{ 'COG-S004': 'error' }`. */
    readonly severity?: Record<string, string>;
    /** `--parameter KEY=VALUE`, for stacks that take CloudFormation parameters. */
    readonly parameters?: Record<string, string>;
    /** `--parameters-file`. */
    readonly parametersFile?: string;
    /** `--region` (AWS::Region). */
    readonly region?: string;
    /** `--account-id` (AWS::AccountId). */
    readonly accountId?: string;
    /** `--partition` (AWS::Partition). */
    readonly partition?: string;
    /** `--production` (COG-S009). */
    readonly production?: boolean;
    /** `--production-stacks PATTERN`. */
    readonly productionStacks?: string[];
    /** `--previous`: a previous cdk.out (COG-S020). */
    readonly previous?: string;
    /** `--config`; default: found from cdk.out upwards, else from the working directory. */
    readonly config?: string;
    /** `--source-root`. */
    readonly sourceRoot?: string;
    /** `--rules`: rule packs, besides the configuration's. */
    readonly rules?: string[];
    /** How to run cogcheck: default `['cogcheck']` (found on PATH); e.g. `['python', '-m', 'cogcheck']`. */
    readonly command?: string[];
    /** The scan's time limit, in seconds (default 300): past it the synth fails with that message. */
    readonly timeoutSeconds?: number;
}
/**
 * cogcheck as a CDK validation plugin (aws-cdk-lib's `IPolicyValidationPlugin`). A mistake in the options throws
 * here, where the app is written; cogcheck missing or too old, a configuration error, a crash or a timeout of the
 * scan make CDK fail the synth with `Validation plugin 'cogcheck' failed: <the message>`.
 */
export declare class CogcheckValidation {
    /** The namespace of acknowledgement ids: `cogcheck::COG-E001`. */
    readonly name = "cogcheck";
    /** This package's version (the report's `pluginVersion` is the version of cogcheck that ran). */
    readonly version: string;
    private readonly runner;
    private ids?;
    constructor(props?: CogcheckValidationProps);
    /** The ids of the rules cogcheck runs (shipped and rule packs'); empty when cogcheck cannot be run. */
    get ruleIds(): string[];
    /** Called by CDK with the templates of the stacks to check (`IPolicyValidationContext` or its Beta1). */
    validate(context: ValidationContext): ValidationReport;
}
