import type { CogcheckValidationProps } from './index';
import { display, withNested } from './nested';
import type { Finding, InputErrorJson, NoticeJson, RuleInfo } from './violations';
export { display, withNested };
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
    /** Nested stacks whose template no entry of the assembly names (not scanned: said, never hidden). */
    missing: string[];
}
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
    /** Every rule's name and the command that shows its documentation (shipped and rule packs'). */
    rules(): Record<string, RuleInfo>;
    private packArgs;
}
