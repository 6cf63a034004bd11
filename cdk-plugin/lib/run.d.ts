import type { CogcheckValidationProps } from './index';
import type { Finding, InputErrorJson, NoticeJson, RuleInfo } from './violations';
/** The oldest cogcheck whose `scan --format json` (version 1), `rules --format json` and `rule ID` this maps. */
export declare const MINIMUM_VERSION = "0.1.0";
export interface ScanJson {
    readonly findings: Finding[];
    readonly errors: InputErrorJson[];
    readonly notices: NoticeJson[];
    readonly summary: {
        templates: number;
        clients: number;
        suppressed: number;
    };
    /** Nested stacks whose template could not be found beside their parent (not scanned: said, never hidden). */
    missing: string[];
}
/** How cogcheck names a file: relative to the working directory when inside it, else absolute. */
export declare function display(file: string): string;
export declare function withNested(templatePaths: readonly string[]): {
    files: string[];
    missing: string[];
};
export declare class Runner {
    private readonly props;
    private readonly command;
    private readonly timeout;
    private version?;
    private ruleList?;
    constructor(props: CogcheckValidationProps);
    private run;
    /** cogcheck's version, checked against the minimum once. */
    checkVersion(): string;
    /** `--config FILE` found as the Python plugin finds it (from cdk.out upwards, else the working directory). */
    private configArgs;
    private roots?;
    /** `cogcheck scan --format json` on the stacks' templates and their nested stacks. */
    scan(templatePaths: readonly string[]): ScanJson;
    /** Every rule's name and summary (shipped and rule packs'). */
    rules(): Record<string, RuleInfo>;
    /** The rules `ids` with their "use instead" examples, from cogcheck's rule documentation
     * (`cogcheck rules --format markdown`: one `## ID` section per rule, its `### Use instead` block). */
    ruleDocs(ids: string[]): Record<string, RuleInfo>;
    private packArgs;
}
