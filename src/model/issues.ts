// Model-file problems, each pinned to a line and column of the file. A YAML document keeps the source range
// of every node, so any path into the model (layers[1].weights[2]) can be turned back into a position.

import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { z } from 'zod';

export interface ModelIssue {
  file: string;
  /** 1-based. */
  line: number;
  col: number;
  message: string;
  /** The key the issue is about, as a path like `layers[1].weights`. */
  key?: string;
  severity: 'error' | 'warning';
}

export type Path = readonly (string | number)[];

export function formatIssue(issue: ModelIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}`;
}

/** `layers[1].weights[0]` */
export function pathToString(path: Path): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/**
 * Most issues one file reports: a file of 100,000 bad numbers says so in a screenful, not 100,000 lines
 * (and placing each costs a walk down the document).
 */
export const MAX_ISSUES = 50;

/** Collects issues for one file, placing each at the deepest node of its path that exists. */
export class IssueCollector {
  private readonly collected: ModelIssue[] = [];
  private errorCount = 0;
  private dropped = 0;

  constructor(
    private readonly file: string,
    private readonly document: Document | undefined,
    private readonly lines: LineCounter,
  ) {}

  /** An issue at a path; `onKey` points at the key itself (for unknown keys) rather than its value. */
  at(path: Path, message: string, options: { onKey?: boolean; severity?: 'error' | 'warning' } = {}): void {
    if (this.full(options.severity)) return;
    const offset = this.offsetOf(path, options.onKey ?? false);
    const { line, col } = this.lines.linePos(offset);
    const key = pathToString(path);
    this.push({
      file: this.file,
      line,
      col,
      message: key ? `${key}: ${message}` : message,
      ...(key ? { key } : {}),
      severity: options.severity ?? 'error',
    });
  }

  /** An issue at a source offset (YAML syntax errors). */
  atOffset(offset: number, message: string): void {
    if (this.full('error')) return;
    const { line, col } = this.lines.linePos(offset);
    this.push({ file: this.file, line, col, message, severity: 'error' });
  }

  /** 1-based line of a source offset. */
  lineOf(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  /** True once no more issues of this severity will be kept; an error still counts toward `hasErrors`. */
  full(severity: 'error' | 'warning' = 'error'): boolean {
    if (this.collected.length < MAX_ISSUES) return false;
    if (severity === 'error') this.errorCount++;
    this.dropped++;
    return true;
  }

  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  /** Every issue kept, and a last line saying how many more there were. */
  get issues(): ModelIssue[] {
    if (this.dropped === 0) return [...this.collected];
    const last = this.collected[this.collected.length - 1];
    return [
      ...this.collected,
      {
        file: this.file,
        line: last.line,
        col: last.col,
        message: `… and ${this.dropped} more problem${this.dropped === 1 ? '' : 's'} (showing the first ${MAX_ISSUES})`,
        severity: this.errorCount > 0 ? 'error' : 'warning',
      },
    ];
  }

  private push(issue: ModelIssue): void {
    this.collected.push(issue);
    if (issue.severity === 'error') this.errorCount++;
  }

  private offsetOf(path: Path, onKey: boolean): number {
    let node: unknown = this.document?.contents;
    let offset = rangeStart(node);
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === part);
        if (!pair) return offset;
        if (onKey && part === path[path.length - 1] && isNode(pair.key)) return rangeStart(pair.key);
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        node = node.items[part];
      } else {
        return offset;
      }
      if (!isNode(node)) return offset;
      offset = rangeStart(node);
    }
    return offset;
  }
}

function rangeStart(node: unknown): number {
  return isNode(node) && (node as Node).range ? (node as Node).range![0] : 0;
}

/**
 * Reports zod's issues in words about the file. A union (`loss: mse` or `loss: {type: huber}`) fails with
 * one list of issues per alternative; the alternative of the same shape as what was written explains best.
 */
export function reportSchemaIssues(
  issues: readonly z.core.$ZodIssue[],
  value: unknown,
  collector: IssueCollector,
  prefix: Path = [],
): void {
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    const actual = valueAt(value, path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          // Tens of thousands of unknown keys: count the rest without a did-you-mean for each.
          if (collector.full()) continue;
          const suggestion = closest(key, KNOWN_KEYS);
          collector.at([...path, key], `unknown key${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`, {
            onKey: true,
          });
        }
        break;
      case 'invalid_union': {
        if (actual === undefined) {
          collector.at(path.slice(0, -1), `missing required key '${path[path.length - 1]}'`);
          break;
        }
        const branch = bestBranch(issue.errors, actual);
        if (branch) reportSchemaIssues(branch, value, collector, path);
        else collector.at(path, 'has the wrong form');
        break;
      }
      case 'invalid_type':
        if (actual === undefined) collector.at(path.slice(0, -1), `missing required key '${path[path.length - 1]}'`);
        else if (typeof actual === 'number' && !Number.isFinite(actual))
          collector.at(path, `${actual} is not allowed (only finite numbers)`);
        else collector.at(path, `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(actual)}`);
        break;
      case 'invalid_value':
        if (actual === undefined) collector.at(path.slice(0, -1), `missing required key '${path[path.length - 1]}'`);
        else collector.at(path, `'${String(actual)}' is not one of: ${issue.values.map(String).join(', ')}`);
        break;
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const relation =
          issue.origin === 'array'
            ? `needs ${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'}`
            : `must be ${issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<'} ${bound}, got ${String(actual)}`;
        collector.at(path, relation);
        break;
      }
      case 'invalid_format':
      case 'not_multiple_of':
      case 'custom':
      default:
        collector.at(path, issue.message);
    }
  }
}

function bestBranch(
  branches: readonly (readonly z.core.$ZodIssue[])[],
  actual: unknown,
): readonly z.core.$ZodIssue[] | undefined {
  // A mapping against the plain-name branch (`optimizer: {type: sgd, lr: -1}` against `sgd | adam | …`) fails
  // at the root as a wrong value, not a wrong type: that branch is not the one the user wrote.
  const rootMismatch = (branch: readonly z.core.$ZodIssue[]) =>
    branch.some(
      (issue) =>
        issue.path.length === 0 &&
        (issue.code === 'invalid_type' || (issue.code === 'invalid_value' && typeof actual === 'object')),
    );
  const sameShape = branches.filter((branch) => !rootMismatch(branch));
  // For a scalar of the right type but wrong value (`loss: msee`), the enum branch says what is allowed.
  const candidates = sameShape.length > 0 ? sameShape : typeof actual === 'object' ? [] : branches;
  return [...candidates].sort((a, b) => a.length - b.length)[0];
}

/** Every key the format knows, for "did you mean" suggestions. */
// prettier-ignore
const KNOWN_KEYS = [
  'name', 'seed', 'input', 'layers', 'loss', 'optimizer', 'regularization', 'clip', 'training', 'data', 'diagnostics',
  'units', 'activation', 'alpha', 'bias', 'init', 'weights', 'biases', 'frozen', 'type', 'delta', 'lr', 'momentum',
  'beta1', 'beta2', 'epsilon', 'schedule', 'every', 'gamma', 'epochs', 'l2', 'value', 'norm', 'batch', 'shuffle',
  'inputs', 'targets', 'csv', 'path', 'onehot', 'generate', 'kind', 'samples', 'noise', 'classes', 'validation',
  'std', 'limit', 'vanishing_floor', 'vanishing_ratio', 'exploding_ceiling', 'exploding_growth', 'update_ratio_low',
  'update_ratio_high', 'saturation_fraction', 'patience', 'rate', 'add',
];

/** The candidate nearest `word` by edit distance, if it is near enough to be a typo of it. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

export function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

const EXPECTED: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  string: 'text',
  array: 'a list',
  object: 'a mapping',
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}
