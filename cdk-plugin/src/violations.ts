/**
 * cogcheck's `--format json` findings → CDK violations, as the Python plugin maps them (`violations` in
 * cogcheck/cdk/validation.py; tests/test_cdk_plugin_ts.py compares the two plugins' reports on the same app): one
 * violation per rule, severity and resource (CDK prints a violation's description and fix once per violating
 * construct, and nothing else of it), named by the rule id, described by the findings' messages (the property and its
 * actual value), fixed by the change to make in the CDK code (each finding's `cdk_fix`, which cogcheck writes: the
 * text and the table of CDK props live there, once), listing the resource with every location it is faulted at. An
 * input cogcheck cannot read is one `fatal` violation `input-error`.
 */
import * as path from 'path';

/** cogcheck severity → CDK's violation severity (CDK fails the synth on `error` and `fatal`). */
export const CDK_SEVERITY: Record<string, string> = { error: 'error', warning: 'warning', note: 'info' };
export const INPUT_ERROR = 'input-error';
const SEVERITY_RANK: Record<string, number> = { note: 1, warning: 2, error: 3 };

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Input text made safe for a terminal: control characters and bidi overrides become U+FFFD. */
export function plain(text: string): string {
  return text.replace(UNSAFE, '\ufffd');
}

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
  readonly scenario: { parameters: Record<string, string>; conditions: Record<string, boolean> } | null;
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

type Key = (string | number | boolean | Key)[];

function compare(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    const c = Array.isArray(x) && Array.isArray(y) ? compare(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) {
      return c;
    }
  }
  return a.length - b.length;
}

/** Python's `Finding.sort_key`: file, line, column, rule, resource, property, scenario, message. */
function sortKey(f: Finding): Key {
  const scenario: Key = f.scenario
    ? [Object.entries(f.scenario.parameters).map(([k, v]) => [k, v]), Object.entries(f.scenario.conditions).map(([k, v]) => [k, v])]
    : [[], []];
  return [f.file, f.line, f.column, f.rule_id, f.resource, f.property, scenario, f.message];
}

function scenarioText(f: Finding): string {
  if (!f.scenario) {
    return '';
  }
  const parts = Object.entries(f.scenario.parameters).map(([k, v]) => `${k}=${v}`);
  parts.push(...Object.entries(f.scenario.conditions).map(([k, v]) => `${k} is ${v ? 'true' : 'false'}`));
  return parts.length ? 'when ' + parts.join(', ') : '';
}

/** Where a message applies: construct path (or template and logical id), property and scenario. */
function messageKey(f: Finding): string {
  let where = f.construct_path_full ? f.construct_path_full : `${f.file} ${f.resource}`;
  if (f.property) {
    where += ` ${f.property}`;
  }
  const when = scenarioText(f);
  if (when) {
    where += ` (${when})`;
  }
  return plain(where);
}

/** A file as cogcheck names it (relative to the working directory, or absolute) → the absolute path CDK wants. */
export function absolute(file: string): string {
  return path.resolve(process.cwd(), file);
}

/** CDK's location of a finding inside its resource: `Properties.TokenValidityUnits.AccessToken`. */
function location(f: Finding): string | undefined {
  return f.property ? `Properties.${f.property}` : undefined;
}

/** The property a finding is at, without its path inside it: `TokenValidityUnits`. */
function topProperty(f: Finding): string {
  return f.property.split('.')[0].split('[')[0];
}

/** The finding's message, which names the property and its value; the property added when it does not. */
function described(f: Finding): string {
  let message = plain(f.message);
  const top = topProperty(f);
  if (top && !message.includes(top)) {
    message += ` (${location(f)})`;
  }
  const when = scenarioText(f);
  if (when) {
    message += ` (${plain(when)})`;
  }
  return message;
}

/** Each value once, in the order first met (Python's `dict.fromkeys`). */
function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}

export function violations(findings: Finding[], rules: Record<string, RuleInfo>): Violation[] {
  const groups = new Map<string, Finding[]>();
  const sorted = [...findings].sort((a, b) => compare(sortKey(a), sortKey(b)));
  for (const f of sorted) {
    const key = JSON.stringify([f.rule_id, f.severity, f.file, f.resource]);
    const group = groups.get(key) ?? [];
    group.push(f);
    groups.set(key, group);
  }
  const order = (f: Finding): Key => [f.rule_id, -(SEVERITY_RANK[f.severity] ?? 0), f.file, f.resource];
  const ordered = [...groups.values()].sort((a, b) => compare(order(a[0]), order(b[0])));
  return ordered.map((group) => {
    const { rule_id: ruleId, severity, file, resource } = group[0];
    const rule = rules[ruleId];
    const metadata: Record<string, string> = {
      rule: rule ? `${ruleId} ${rule.name}` : ruleId,
      docs: rule?.docs ?? `cogcheck rule ${ruleId}`,
    };
    for (const f of group) {
      const key = messageKey(f);
      if (!(key in metadata)) {
        metadata[key] = plain(f.message);
      }
    }
    const fix = unique(group.map((f) => (f.cdk_fix ? plain(f.cdk_fix) : undefined))).join('\n');
    return {
      ruleName: ruleId,
      description: `${ruleId}: ` + unique(group.map(described)).join('; '),
      severity: CDK_SEVERITY[severity] ?? 'warning',
      fix: fix ? fix : undefined,
      ruleMetadata: metadata,
      violatingResources: [{
        templatePath: absolute(file),
        resourceLogicalId: resource,
        locations: unique(group.map(location)),
      }],
    };
  });
}

/** `file:line: message` or `file: message`, as cogcheck prints an unreadable input. */
export function errorText(error: InputErrorJson): string {
  return error.line ? `${error.file}:${error.line}: ${error.message}` : `${error.file}: ${error.message}`;
}

/** An input cogcheck could not read: fatal (CDK fails the synth and does not let it be acknowledged). */
export function inputError(error: InputErrorJson): Violation {
  return {
    ruleName: INPUT_ERROR,
    description: plain(`cogcheck could not check ${errorText(error)}`),
    severity: 'fatal',
    violatingResources: [{ templatePath: absolute(error.file), locations: [] }],
  };
}

export function noticeText(notice: NoticeJson): string {
  return `${notice.file}: ${notice.resource ? notice.resource + ': ' : ''}${notice.message}`;
}
