"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.INPUT_ERROR = exports.CDK_SEVERITY = void 0;
exports.plain = plain;
exports.absolute = absolute;
exports.violations = violations;
exports.errorText = errorText;
exports.inputError = inputError;
exports.noticeText = noticeText;
/**
 * cogcheck's `--format json` findings → CDK violations, exactly as the Python plugin groups them
 * (cogcheck/cdk/validation.py): one violation per rule and severity, named by the rule id, described by the rule's
 * summary, fixed by its "use instead" example, listing each violating resource once with every location it is
 * faulted at. An input cogcheck cannot read is one `fatal` violation `input-error`.
 */
const path = require("path");
/** cogcheck severity → CDK's violation severity (CDK fails the synth on `error` and `fatal`). */
exports.CDK_SEVERITY = { error: 'error', warning: 'warning', note: 'info' };
exports.INPUT_ERROR = 'input-error';
const SEVERITY_RANK = { note: 1, warning: 2, error: 3 };
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Input text made safe for a terminal: control characters and bidi overrides become U+FFFD. */
function plain(text) {
    return text.replace(UNSAFE, '\ufffd');
}
function compare(a, b) {
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
function sortKey(f) {
    const scenario = f.scenario
        ? [Object.entries(f.scenario.parameters).map(([k, v]) => [k, v]), Object.entries(f.scenario.conditions).map(([k, v]) => [k, v])]
        : [[], []];
    return [f.file, f.line, f.column, f.rule_id, f.resource, f.property, scenario, f.message];
}
function scenarioText(f) {
    if (!f.scenario) {
        return '';
    }
    const parts = Object.entries(f.scenario.parameters).map(([k, v]) => `${k}=${v}`);
    parts.push(...Object.entries(f.scenario.conditions).map(([k, v]) => `${k} is ${v ? 'true' : 'false'}`));
    return parts.length ? 'when ' + parts.join(', ') : '';
}
/** Where a message applies: construct path (or template and logical id), property and scenario. */
function messageKey(f) {
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
function absolute(file) {
    return path.resolve(process.cwd(), file);
}
function violations(findings, rules) {
    const groups = new Map();
    const sorted = [...findings].sort((a, b) => compare(sortKey(a), sortKey(b)));
    for (const f of sorted) {
        const key = JSON.stringify([f.rule_id, f.severity]);
        const group = groups.get(key) ?? [];
        group.push(f);
        groups.set(key, group);
    }
    const ordered = [...groups.values()].sort((a, b) => compare([a[0].rule_id, -SEVERITY_RANK[a[0].severity]], [b[0].rule_id, -SEVERITY_RANK[b[0].severity]]));
    return ordered.map((group) => {
        const ruleId = group[0].rule_id;
        const rule = rules[ruleId];
        const resources = new Map();
        const messages = {};
        for (const f of group) {
            const key = JSON.stringify([f.file, f.resource]);
            const where = resources.get(key) ?? { file: f.file, logicalId: f.resource, spots: [] };
            resources.set(key, where);
            const spot = f.property ? `Properties.${f.property}` : undefined;
            if (spot && !where.spots.includes(spot)) {
                where.spots.push(spot);
            }
            const mk = messageKey(f);
            if (!(mk in messages)) {
                messages[mk] = plain(f.message);
            }
        }
        const metadata = {
            rule: rule ? `${ruleId} ${rule.name}` : ruleId,
            docs: `cogcheck rule ${ruleId}`,
            ...messages,
        };
        const fix = rule?.useInstead?.trim();
        return {
            ruleName: ruleId,
            description: rule ? `${ruleId}: ${rule.summary}` : ruleId,
            severity: exports.CDK_SEVERITY[group[0].severity] ?? 'warning',
            fix: fix ? fix : undefined,
            ruleMetadata: metadata,
            violatingResources: [...resources.values()].map((r) => ({
                templatePath: absolute(r.file),
                resourceLogicalId: r.logicalId,
                locations: r.spots,
            })),
        };
    });
}
/** `file:line: message` or `file: message`, as cogcheck prints an unreadable input. */
function errorText(error) {
    return error.line ? `${error.file}:${error.line}: ${error.message}` : `${error.file}: ${error.message}`;
}
/** An input cogcheck could not read: fatal (CDK fails the synth and does not let it be acknowledged). */
function inputError(error) {
    return {
        ruleName: exports.INPUT_ERROR,
        description: plain(`cogcheck could not check ${errorText(error)}`),
        severity: 'fatal',
        violatingResources: [{ templatePath: absolute(error.file), locations: [] }],
    };
}
function noticeText(notice) {
    return `${notice.file}: ${notice.resource ? notice.resource + ': ' : ''}${notice.message}`;
}
