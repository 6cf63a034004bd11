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
export declare function display(file: string): string;
export declare function withNested(templatePaths: readonly string[]): Nested;
