/** cogcheck severity → CDK's violation severity (CDK fails the synth on `error` and `fatal`). */
export declare const CDK_SEVERITY: Record<string, string>;
export declare const INPUT_ERROR = "input-error";
/** Input text made safe for a terminal: control characters and bidi overrides become U+FFFD. */
export declare function plain(text: string): string;
/** One finding of `cogcheck scan --format json` (the fields used here). */
export interface Finding {
    readonly rule_id: string;
    readonly severity: string;
    readonly message: string;
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly resource: string;
    readonly property: string;
    readonly scenario: {
        parameters: Record<string, string>;
        conditions: Record<string, boolean>;
    } | null;
    readonly stack?: string | null;
    readonly construct_path_full?: string | null;
    /** On a finding of a CDK cloud assembly: the change to make in the app's code. */
    readonly cdk_fix?: string;
}
export interface InputErrorJson {
    readonly file: string;
    readonly line: number | null;
    readonly message: string;
}
export interface NoticeJson {
    readonly file: string;
    readonly resource: string | null;
    readonly message: string;
}
/** What the plugin knows of a rule: from `cogcheck rules --format json`. */
export interface RuleInfo {
    readonly name: string;
    /** The command that shows the rule's documentation (`cogcheck rule ID`, with `--rules PACK` for a pack's rule). */
    readonly docs?: string;
}
export interface Resource {
    readonly templatePath: string;
    readonly resourceLogicalId?: string;
    readonly locations: string[];
}
export interface Violation {
    readonly ruleName: string;
    readonly description: string;
    readonly severity: string;
    readonly violatingResources: Resource[];
    readonly fix?: string;
    readonly ruleMetadata?: Record<string, string>;
}
/** A file as cogcheck names it (relative to the working directory, or absolute) → the absolute path CDK wants. */
export declare function absolute(file: string): string;
export declare function violations(findings: Finding[], rules: Record<string, RuleInfo>): Violation[];
/** `file:line: message` or `file: message`, as cogcheck prints an unreadable input. */
export declare function errorText(error: InputErrorJson): string;
/** An input cogcheck could not read: fatal (CDK fails the synth and does not let it be acknowledged). */
export declare function inputError(error: InputErrorJson): Violation;
export declare function noticeText(notice: NoticeJson): string;
