// Reads a model file: YAML (JSON is YAML too) with every node's position kept, then the schema, then the
// resolver. Problems are collected, not thrown, so a user sees every error at once, each at its place.

import { readFileSync, statSync } from 'node:fs';
import { isMap, isNode, isSeq, LineCounter, parseDocument } from 'yaml';
import { IssueCollector, reportSchemaIssues, type ModelIssue } from './issues';
import { resolveModel, type ResolveOptions } from './resolve';
import { modelFileSchema } from './schema';
import type { ModelSpec, SourceRange } from './types';

export interface ParseResult {
  /** Present when there are no errors (warnings may remain). */
  model?: ModelSpec;
  errors: ModelIssue[];
}

export type LoadOptions = ResolveOptions;

const MAX_MODEL_BYTES = 50 * 1024 * 1024;

export function parseModelText(text: string, file: string, options: LoadOptions = {}): ParseResult {
  const lines = new LineCounter();
  if (text.length > MAX_MODEL_BYTES) {
    const issues = new IssueCollector(file, undefined, lines);
    issues.atOffset(0, `the file is ${Math.round(text.length / 1048576)} MB; put large data in a CSV`);
    return { errors: issues.issues };
  }
  // The core schema knows no custom tags, so `!!js/function` and friends are errors, never code.
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, schema: 'core', uniqueKeys: true });
  const issues = new IssueCollector(file, document, lines);
  for (const problem of [...document.errors, ...document.warnings]) {
    const message = problem.message.replace(/ at line \d+, column \d+.*$/s, '');
    issues.atOffset(
      problem.pos[0],
      message.startsWith('Unresolved tag')
        ? `${message} (tags are not allowed: a model file is data, never code)`
        : message,
    );
  }
  if (issues.hasErrors) return { errors: issues.issues };

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    issues.atOffset(0, (error as Error).message);
    return { errors: issues.issues };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.atOffset(0, 'a model file is a mapping of keys (input, layers, loss, data, …)');
    return { errors: issues.issues };
  }
  const parsed = modelFileSchema.safeParse(value);
  if (!parsed.success) {
    reportSchemaIssues(parsed.error.issues, value, issues);
    return { errors: issues.issues };
  }
  const model = resolveModel(parsed.data, file, layerRanges(document, lines), options, issues);
  return issues.hasErrors || !model ? { errors: issues.issues } : { model, errors: issues.issues };
}

export function loadModelFile(file: string, options: LoadOptions = {}): ParseResult {
  let text: string;
  try {
    if (statSync(file).size > MAX_MODEL_BYTES)
      throw new Error(`the file is larger than ${MAX_MODEL_BYTES / 1048576} MB`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a folder, not a model file'
          : (error as Error).message;
    return { errors: [{ file, line: 1, col: 1, message, severity: 'error' }] };
  }
  return parseModelText(text, file, options);
}

/** Where each `layers` item is written, for CodeLens, hovers and diagnostics on the layer's line. */
function layerRanges(document: ReturnType<typeof parseDocument>, lines: LineCounter): (SourceRange | undefined)[] {
  const layers = isMap(document.contents) ? document.contents.get('layers', true) : undefined;
  if (!isSeq(layers)) return [];
  return layers.items.map((item) => {
    if (!isNode(item) || !item.range) return undefined;
    const start = lines.linePos(item.range[0]);
    const end = lines.linePos(item.range[1]);
    return { start: { line: start.line, col: start.col }, end: { line: end.line, col: end.col } };
  });
}
