// Reads a model file: YAML (JSON is YAML too) with every node's position kept, then the schema, then the
// resolver. Problems are collected, not thrown, so a user sees every error at once, each at its place.
//
// The `yaml` package's document model keeps a node with a source range for every number and bracket: at
// worst (`[[[1]]], ` repeated) about 8 s of CPU and 900 MB per MB of YAML on a small machine, against 0.3 s
// and 45 MB per MB of CSV. So model files are capped at 512 KB and large data is steered to a CSV.

import { isAlias, isCollection, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node, YAMLError } from 'yaml';
import { formatBytes, MAX_MODEL_BYTES, readRegularFile } from './files';
import type { z } from 'zod';
import { IssueCollector, reportSchemaIssues, valueAt, type ModelIssue } from './issues';
import { resolveModel, type ResolveOptions } from './resolve';
import { modelFileSchema, type PartialModelFile } from './schema';
import type { ModelSpec, SourceRange } from './types';

export interface ParseResult {
  /** Present when there are no errors (warnings may remain). */
  model?: ModelSpec;
  errors: ModelIssue[];
}

export type LoadOptions = ResolveOptions;

/** Flow brackets nested deeper than this are refused before parsing: the parser recurses once per level. */
const MAX_DEPTH = 64;

/** Aliases a model file may use: enough to share a block of settings, too few to multiply data. */
const MAX_ALIASES = 100;

export function parseModelText(text: string, file: string, options: LoadOptions = {}): ParseResult {
  const lines = new LineCounter();
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MODEL_BYTES) {
    return wholeFile(
      file,
      `the file is ${formatBytes(bytes)}; a model file may be at most ${formatBytes(MAX_MODEL_BYTES)}: ${CSV_HINT}`,
    );
  }
  const tooDeep = deepBracket(text);
  if (tooDeep !== undefined) {
    const issues = new IssueCollector(file, undefined, linesOf(text));
    issues.atOffset(tooDeep, `brackets nested more than ${MAX_DEPTH} deep; a model file needs a few levels at most`);
    return { errors: issues.issues };
  }
  let document: Document.Parsed;
  try {
    // The core schema knows no custom tags, so `!!js/function` and friends are errors, never code. Duplicate
    // keys are found below in one pass: the package's own check compares every key with every other.
    document = parseDocument(text, { lineCounter: lines, prettyErrors: false, schema: 'core', uniqueKeys: false });
  } catch (error) {
    // Deep nesting that the bracket count cannot see may still overflow the parser's stack.
    return wholeFile(file, `the file cannot be read as YAML (${(error as Error).message}); is it nested that deeply?`);
  }
  const issues = new IssueCollector(file, document, lines);
  reportYamlProblems([...document.errors, ...document.warnings], text, issues);
  if (issues.hasErrors) return { errors: issues.issues };
  checkStructure(document, issues);
  if (issues.hasErrors) return { errors: issues.issues };

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    const alias = multiplyingAlias(document);
    issues.atOffset(
      alias?.range?.[0] ?? 0,
      alias
        ? `*${alias.source}: aliases of aliases multiply the data past ${MAX_ALIASES} copies; write the values out, or put large data in a CSV`
        : (error as Error).message,
    );
    return { errors: issues.issues };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.atOffset(0, 'a model file is a mapping of keys (input, layers, loss, data, …)');
    return { errors: issues.issues };
  }
  const ranges = layerRanges(document, lines);
  const parsed = modelFileSchema.safeParse(value);
  if (!parsed.success) {
    reportSchemaIssues(parsed.error.issues, value, issues);
    // Keep checking what does not depend on the broken keys (shapes, data, paths), so one run says it all.
    resolveModel(checkableParts(value, parsed.error.issues), file, ranges, options, issues);
    return { errors: issues.issues };
  }
  const model = resolveModel(parsed.data, file, ranges, options, issues);
  return issues.hasErrors || !model ? { errors: issues.issues } : { model, errors: issues.issues };
}

export function loadModelFile(file: string, options: LoadOptions = {}): ParseResult {
  const read = readRegularFile(file, MAX_MODEL_BYTES, 'a model file');
  if ('error' in read) {
    if (!read.error.startsWith('is ')) return wholeFile(file, read.error);
    return wholeFile(file, `the file ${read.error}${read.error.includes('at most') ? `: ${CSV_HINT}` : ''}`);
  }
  return parseModelText(read.text, file, options);
}

const CSV_HINT = 'put large data in a CSV next to it (data: {csv: {path: …, targets: […]}})';

/** A problem with the file as a whole, reported at its first line. */
function wholeFile(file: string, message: string): ParseResult {
  return { errors: [{ file, line: 1, col: 1, message, severity: 'error' }] };
}

/** Line starts of a text the parser has not seen (the parser fills its own LineCounter as it goes). */
function linesOf(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}

/**
 * The offset of the first `[` or `{` nested deeper than MAX_DEPTH, outside quotes and comments. One cheap
 * pass: `[[[[…` a million deep would otherwise take the parser seconds and hundreds of MB to refuse.
 */
function deepBracket(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') {
      if (++depth > MAX_DEPTH) return i;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if ((c === '"' || c === "'") && i > 0 && !/[\s[{,:-]/.test(text[i - 1])) continue;
    else if (c === '"') {
      while (++i < text.length && text[i] !== '"') if (text[i] === '\\') i++;
    } else if (c === "'") {
      while (++i < text.length && text[i] !== "'");
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text[i] !== '\n') i++;
    }
  }
  return undefined;
}

/** YAML syntax errors in words about the file, each once, at the line that needs the fix. */
function reportYamlProblems(problems: YAMLError[], text: string, issues: IssueCollector): void {
  const seen = new Set<string>();
  for (const problem of problems) {
    let offset = problem.pos[0];
    let message = problem.message.replace(/ at line \d+, column \d+.*$/s, '');
    if (message.startsWith('Unresolved tag')) {
      message = `${message} (tags are not allowed: a model file is data, never code)`;
    } else if (problem.code === 'BLOCK_AS_IMPLICIT_KEY' || problem.code === 'MULTILINE_IMPLICIT_KEY') {
      // `- units: 2` then `     activation: relu`: the parser blames the value above, but the fix is to
      // indent the next line like the keys it belongs with.
      const next = text.indexOf('\n', offset);
      if (next >= 0) {
        offset = next + 1;
        while (text[offset] === ' ') offset++;
        const key = /^([^\s:#][^:\n]*):/.exec(text.slice(offset, offset + 200))?.[1];
        message = `${key ? `'${key}'` : 'this line'} is indented deeper than the key above it; line it up with the keys of its mapping`;
      }
    }
    const key = `${offset}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.atOffset(offset, message);
  }
}

/**
 * What the schema cannot see once the document is plain data: a key written twice, a key that is a list
 * or a mapping (`? [a, b]`), too many aliases. Each is reported where it is written.
 */
function checkStructure(document: Document.Parsed, issues: IssueCollector): void {
  let aliases = 0;
  visit(document, {
    Map(_, map) {
      const lines = new Map<unknown, number>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key)) {
          issues.atOffset(
            isNode(key) && key.range ? key.range[0] : rangeStart(map),
            'a key must be a plain word, not a list or a mapping',
          );
          continue;
        }
        const first = lines.get(key.value);
        if (first !== undefined) {
          issues.atOffset(rangeStart(key), `'${String(key.value)}' is already a key of this mapping (line ${first})`);
        } else lines.set(key.value, issues.lineOf(rangeStart(key)));
      }
    },
    Alias(_, alias) {
      if (++aliases === MAX_ALIASES + 1) {
        issues.atOffset(rangeStart(alias), `a model file may use at most ${MAX_ALIASES} aliases (*name)`);
        return visit.BREAK;
      }
    },
  });
}

/** The first alias whose anchor itself holds aliases: where the copies start to multiply. */
function multiplyingAlias(document: Document.Parsed): Alias | undefined {
  const anchored = new Map<string, Node>();
  let first: Alias | undefined;
  let found: Alias | undefined;
  visit(document, {
    Node(_, node) {
      if (isAlias(node)) {
        first ??= node;
        const source = anchored.get(node.source);
        if (source && isCollection(source) && containsAlias(source)) {
          found = node;
          return visit.BREAK;
        }
      } else if (node.anchor) anchored.set(node.anchor, node);
    },
  });
  return found ?? first;
}

function containsAlias(node: Node): boolean {
  let found = false;
  visit(node, {
    Alias() {
      found = true;
      return visit.BREAK;
    },
  });
  return found;
}

function rangeStart(node: unknown): number {
  return isNode(node) && node.range ? node.range[0] : 0;
}

/**
 * What of an invalid file can still be checked. Each reported problem is set aside (a NaN read as 0, a wrong
 * optional key removed, so `activation: sigmoidd` still lets the layer's weight shapes be checked); what is
 * still invalid after that is left out whole, top-level key by top-level key.
 */
function checkableParts(value: object, schemaIssues: readonly z.core.$ZodIssue[]): PartialModelFile {
  const repaired = structuredClone(value) as Record<string, unknown>;
  for (const issue of schemaIssues) setAside(repaired, issue);
  const again = modelFileSchema.safeParse(repaired);
  if (again.success) return again.data;
  const broken = new Set(again.error.issues.map((issue) => issue.path[0]));
  const parts: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(modelFileSchema.shape)) {
    if (broken.has(key)) continue;
    const part = schema.safeParse(repaired[key]);
    if (part.success && part.data !== undefined) parts[key] = part.data;
  }
  return parts as PartialModelFile;
}

/** Keys whose absence would itself be an error (or change what the data means): never removed. */
const KEPT_KEYS = new Set(['input', 'layers', 'units', 'loss', 'data', 'inputs', 'targets', 'csv', 'generate']);

function setAside(root: Record<string, unknown>, issue: z.core.$ZodIssue): void {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const holder = valueAt(root, path as (string | number)[]);
    if (holder !== null && typeof holder === 'object')
      for (const key of issue.keys) delete (holder as Record<string, unknown>)[key];
    return;
  }
  if (path.length === 0) return;
  const parent = valueAt(root, path.slice(0, -1) as (string | number)[]);
  if (parent === null || typeof parent !== 'object') return;
  const last = path[path.length - 1] as string | number;
  const container = parent as Record<string | number, unknown>;
  const actual = container[last];
  if (typeof actual === 'number' && !Number.isFinite(actual)) container[last] = 0;
  else if (typeof last === 'string' && !Array.isArray(parent) && !KEPT_KEYS.has(last)) delete container[last];
}

/** Where each `layers` item is written, for CodeLens, hovers and diagnostics on the layer's line. */
function layerRanges(document: Document.Parsed, lines: LineCounter): (SourceRange | undefined)[] {
  const layers = isMap(document.contents) ? document.contents.get('layers', true) : undefined;
  if (!isSeq(layers)) return [];
  return layers.items.map((item) => {
    if (!isNode(item) || !item.range) return undefined;
    const start = lines.linePos(item.range[0]);
    const end = lines.linePos(item.range[1]);
    return { start: { line: start.line, col: start.col }, end: { line: end.line, col: end.col } };
  });
}
