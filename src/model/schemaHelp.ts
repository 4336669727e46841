// Completion and key documentation for model files, read from the JSON Schema that the zod schema
// generates, so the editor can never suggest a key the parser would reject. Pure (no vscode): it works on
// text and offsets, and the extension turns the answers into completion items and hovers.
//
// VS Code's JSON service already does this for *.nn.json through `jsonValidation`; YAML gets it only with the
// Red Hat YAML extension installed, which many users (and code-server) do not have.

import { isMap, isPair, isScalar, isSeq, parseDocument, visit, type Node } from 'yaml';
import modelSchema from '../../schemas/nn-model.schema.json';

export type SchemaPath = (string | number)[];

interface SchemaNode {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

export interface KeySuggestion {
  key: string;
  description?: string;
  /** Values the key accepts when they are a fixed list (for a snippet with choices). */
  values: string[];
  /** The key's value is a mapping or a list, so it goes on the following lines. */
  nested: boolean;
}

export interface ValueSuggestion {
  value: string;
  description?: string;
}

export interface CompletionSite {
  /** Completing a key of the mapping at `path`, or the value of the key that `path` ends with. */
  kind: 'key' | 'value';
  path: SchemaPath;
  /** Keys already present in that mapping (not suggested again). */
  present: string[];
  /** Inside `{ … }`: a key's value must stay on the same line. */
  flow: boolean;
  /** The text the completion replaces: the partial word at the cursor. */
  start: number;
  end: number;
}

const PLACEHOLDER = 'backprop__cursor__';
const WORD = /[A-Za-z0-9_.-]/;

/** Where the cursor is in the model file's structure, or undefined where nothing can be suggested. */
export function completionSite(text: string, offset: number): CompletionSite | undefined {
  let start = offset;
  while (start > 0 && WORD.test(text[start - 1])) start--;
  let end = offset;
  while (end < text.length && WORD.test(text[end])) end++;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const before = text.slice(lineStart, start);
  if (before.includes('#')) return undefined;
  const flow = openFlowBracket(text, start);
  let kind: CompletionSite['kind'];
  if (/:\s*$/.test(before)) kind = 'value';
  else if (flow === '{' ? /[{,]\s*$/.test(before) || /^\s*$/.test(before) : /^\s*(-\s+)*$/.test(before)) kind = 'key';
  else return undefined;
  if (flow === '[') return undefined;
  const afterWord = text.slice(end, text.indexOf('\n', end) >= 0 ? text.indexOf('\n', end) : text.length);
  const needsColon = kind === 'key' && flow === undefined && !/^\s*:/.test(afterWord);
  const probe = text.slice(0, start) + PLACEHOLDER + (needsColon ? ':' : '') + text.slice(end);
  const found = locate(probe);
  if (!found || found.kind !== kind) return undefined;
  return { kind, path: found.path, present: found.present, flow: flow === '{', start, end };
}

/** The keys a mapping at `path` accepts, with their descriptions. */
export function keySuggestions(path: SchemaPath, present: readonly string[] = []): KeySuggestion[] {
  const byKey = new Map<string, KeySuggestion>();
  for (const node of nodesAt(path)) {
    for (const [key, property] of Object.entries(node.properties ?? {})) {
      if (key === '$schema' || present.includes(key) || byKey.has(key)) continue;
      const options = alternatives(property);
      byKey.set(key, {
        key,
        description: property.description ?? options.find((o) => o.description)?.description,
        values: enumValues(options),
        nested: options.every((o) => typeOf(o) === 'object' || typeOf(o) === 'array'),
      });
    }
  }
  return [...byKey.values()];
}

/** The values the key at `path` accepts when they are a fixed list (enums, booleans). */
export function valueSuggestions(path: SchemaPath): ValueSuggestion[] {
  const key = nodesAt(path);
  const description = key.find((node) => node.description)?.description;
  return enumValues(key.flatMap(alternatives)).map((value) => ({ value, description }));
}

/** The schema's documentation of the key under the cursor, with the key's text range. */
export function keyDocumentation(
  text: string,
  offset: number,
): { path: SchemaPath; description: string; values: string[]; start: number; end: number } | undefined {
  const document = parseDocument(text);
  let result: ReturnType<typeof keyDocumentation>;
  visit(document, {
    Pair(_key, pair, ancestors) {
      const keyNode = pair.key as Node | null;
      if (!isScalar(keyNode) || !keyNode.range) return;
      const [start, end] = keyNode.range;
      if (offset < start || offset > end) return;
      const path = [...pathOf(ancestors, pair), String(keyNode.value)];
      const nodes = nodesAt(path);
      const description = nodes.find((node) => node.description)?.description;
      const values = enumValues(nodes.flatMap(alternatives));
      if (description || values.length > 0) result = { path, description: description ?? '', values, start, end };
      return visit.BREAK;
    },
  });
  return result;
}

// --- the document side -----------------------------------------------------------------------

function locate(probe: string): { kind: 'key' | 'value'; path: SchemaPath; present: string[] } | undefined {
  const document = parseDocument(probe);
  let result: ReturnType<typeof locate>;
  visit(document, {
    Scalar(role, scalar, ancestors) {
      if (scalar.value !== PLACEHOLDER) return;
      const parent = ancestors[ancestors.length - 1];
      if (role === 'key' && isPair(parent)) {
        const map = ancestors[ancestors.length - 2];
        const present = isMap(map)
          ? map.items.flatMap((item) => (isScalar(item.key) && item !== parent ? [String(item.key.value)] : []))
          : [];
        result = { kind: 'key', path: pathOf(ancestors.slice(0, -1), parent), present };
      } else if (role === 'value' && isPair(parent) && isScalar(parent.key)) {
        result = {
          kind: 'value',
          path: [...pathOf(ancestors.slice(0, -1), parent), String(parent.key.value)],
          present: [],
        };
      } else if (isSeq(parent)) {
        // A lone word under `- ` in a list of mappings (a new layer, say) reads as a list item, not a key.
        const index = parent.items.indexOf(scalar);
        result = { kind: 'key', path: [...pathOf(ancestors.slice(0, -1), parent), index], present: [] };
      }
      return visit.BREAK;
    },
  });
  return result;
}

/** The JSON path of the node whose ancestors (document first) are given, up to but not including `node`. */
function pathOf(ancestors: readonly unknown[], node: unknown): SchemaPath {
  const chain = [...ancestors, node];
  const path: SchemaPath = [];
  for (let i = 0; i < chain.length - 1; i++) {
    const here = chain[i];
    const next = chain[i + 1];
    if (isPair(here) && here !== node && isScalar(here.key)) path.push(String(here.key.value));
    else if (isSeq(here)) path.push(here.items.indexOf(next as never));
  }
  return path;
}

// --- the schema side -------------------------------------------------------------------------

const root = modelSchema as SchemaNode;

function alternatives(node: SchemaNode): SchemaNode[] {
  const options = node.anyOf ?? node.oneOf;
  return options ? options.flatMap(alternatives) : [node];
}

function nodesAt(path: SchemaPath): SchemaNode[] {
  let nodes = [root];
  for (const segment of path) {
    nodes = nodes.flatMap((node) => {
      const direct = typeof segment === 'number' ? node.items : node.properties?.[segment];
      if (direct) return [direct];
      return alternatives(node).flatMap((option) => {
        const child = typeof segment === 'number' ? option.items : option.properties?.[segment];
        return child ? [child] : [];
      });
    });
  }
  // Unions are resolved at the last step too, so a key's node and its alternatives are all searched.
  return nodes.flatMap((node) => (node.anyOf || node.oneOf ? [node, ...alternatives(node)] : [node]));
}

function typeOf(node: SchemaNode): string | undefined {
  return Array.isArray(node.type) ? node.type[0] : node.type;
}

function enumValues(options: SchemaNode[]): string[] {
  const values = new Set<string>();
  for (const option of options) {
    for (const value of option.enum ?? []) values.add(String(value));
    if (option.const !== undefined) values.add(String(option.const));
    if (typeOf(option) === 'boolean') values.add('true').add('false');
  }
  return [...values];
}

/** The innermost flow bracket (`{` or `[`) still open at `offset`, if any. */
function openFlowBracket(text: string, offset: number): '{' | '[' | undefined {
  let depth = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const c = text[i];
    if (c === '}' || c === ']') depth++;
    else if (c === '{' || c === '[') {
      if (depth === 0) return c;
      depth--;
    } else if (c === '\n' && depth === 0 && /^\S/.test(text.slice(i + 1, i + 2))) {
      // A line starting at column 0 is a top-level key: no flow collection spans it.
      return undefined;
    }
  }
  return undefined;
}
