// The edits behind the model file's quick fixes, as plain {offset, length, text} replacements on the file's text
// so they can be tested without VS Code (codeActions.ts turns them into a WorkspaceEdit). Positions come from
// the `yaml` package's node ranges, never from guessing at indentation with regexes, so flow style
// (`{type: adam, lr: 0.01}`) and block style get the same fixes and comments around the edit survive.

import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { optimizerSpec } from '../model';
import { closest } from '../model/issues';
import type { DiagnosticCode } from '../protocol';

/** Replace `length` characters at `offset` with `text` (offsets into the original text; edits never overlap). */
export interface TextEdit {
  offset: number;
  length: number;
  text: string;
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  /** The one obvious fix, applied by "Fix" / Ctrl+. Enter. */
  isPreferred: boolean;
}

/** Applies non-overlapping edits to a text (what VS Code does with a WorkspaceEdit; the tests use it). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.offset - a.offset);
  let result = text;
  for (const edit of sorted) {
    result = result.slice(0, edit.offset) + edit.text + result.slice(edit.offset + edit.length);
  }
  return result;
}

// ── Did you mean ──────────────────────────────────────────────────────────────────────────────────────────────

/**
 * What a model-file problem's message says the user meant. Two wordings come from src/model/issues.ts:
 * `layers[0].unit: unknown key (did you mean 'units'?)` names the suggestion; `layers[0].activation:
 * 'sigmoidal' is not one of: linear, sigmoid, …` lists the allowed values, and the closest is picked here
 * with the same edit-distance bound the parser uses for keys.
 */
export function didYouMean(message: string): { from: string; to: string } | undefined {
  // Also takes a suggestion written after the list (`… softmax (did you mean 'linear'?)`), should values get one.
  const suggested = /\(did you mean '([^']+)'\?\)/.exec(message)?.[1];
  const notOneOf = /'([^']*)' is not one of: (.+?)(?: \(did you mean|$)/.exec(message);
  if (notOneOf) {
    const to = suggested ?? closest(notOneOf[1], notOneOf[2].split(', '));
    return to && to !== notOneOf[1] ? { from: notOneOf[1], to } : undefined;
  }
  const unknownKey = /^(?:(.*?): )?unknown key \(/.exec(message);
  const key = unknownKey?.[1]
    ?.split('.')
    .pop()
    ?.replace(/\[\d+\]$/, '');
  return key && suggested ? { from: key, to: suggested } : undefined;
}

/**
 * "Change to 'linear'": replaces the misspelled word inside the problem's range [start, end), or failing that
 * the first whole-word occurrence on the range's line (a problem placed on a parent key). Works on JSON too,
 * since the word is replaced inside its quotes.
 */
export function didYouMeanFix(text: string, start: number, end: number, message: string): QuickFix | undefined {
  const suggestion = didYouMean(message);
  if (!suggestion) return undefined;
  const offset =
    findWord(text, suggestion.from, start, Math.max(end, start + suggestion.from.length)) ??
    findWord(text, suggestion.from, lineStart(text, start), lineEnd(text, start));
  if (offset === undefined) return undefined;
  return {
    title: `Change to '${suggestion.to}'`,
    edits: [{ offset, length: suggestion.from.length, text: suggestion.to }],
    isPreferred: true,
  };
}

function findWord(text: string, word: string, from: number, to: number): number | undefined {
  const isWordChar = (c: string | undefined) => c !== undefined && /[\w-]/.test(c);
  for (let at = text.indexOf(word, from); at >= 0 && at + word.length <= to; at = text.indexOf(word, at + 1)) {
    if (!isWordChar(text[at - 1]) && !isWordChar(text[at + word.length])) return at;
  }
  return undefined;
}

// ── A bias a batch norm cancels ──────────────────────────────────────────────────────────────────────────────

/** "Remove the bias of d1": `bias: false` on the layer the model-file warning names (src/model/resolve.ts). */
export function cancelledBiasFix(text: string, message: string): QuickFix | undefined {
  const name = /the bias of '([^']+)' is cancelled by the batch norm/.exec(message)?.[1];
  const document = parseDocument(text);
  if (!name || document.errors.length > 0 || !isMap(document.contents)) return undefined;
  const model = { text, root: document.contents };
  const layers = layerMaps(model);
  // An unnamed layer is warned about by its default name, layer1, layer2, …
  const position = /^layer(\d+)$/.exec(name)?.[1];
  const byPosition = position ? layers[Number(position) - 1] : undefined;
  const layer =
    layers.find((map) => map && scalarValue(map, 'name') === name) ??
    (byPosition && scalarValue(byPosition, 'name') === undefined ? byPosition : undefined);
  if (!layer) return undefined;
  const bias = pairOf(layer, 'bias');
  return {
    title: `Remove the bias of ${name} (bias: false)`,
    edits: [bias ? replaceValue(text, bias, 'false') : addPair(text, layer, 'bias', 'false')],
    isPreferred: true,
  };
}

// ── Training warnings ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * The fixes a teacher would suggest for a training warning, for a YAML model file. `line` (0-based) is where
 * the warning is shown: its layer's line, which says which layer it is about. JSON model files get none of
 * these (an inserted `clip: {norm: 1}` is not JSON), only the did-you-mean fix.
 */
export function trainingFixes(text: string, code: DiagnosticCode, line: number, message = ''): QuickFix[] {
  const document = parseDocument(text);
  if (document.errors.length > 0 || !isMap(document.contents)) return [];
  const model = { text, root: document.contents };
  const fixes: (QuickFix | undefined)[] = [];
  switch (code) {
    case 'loss_rising':
      fixes.push(halveLearningRate(model, true));
      break;
    case 'update_ratio':
      // Only the "large" side: tiny updates want a larger rate or a look at vanishing gradients.
      if (/\blarge\b/.test(message)) fixes.push(halveLearningRate(model, true));
      break;
    case 'exploding':
      fixes.push(addGradientClipping(model, true), halveLearningRate(model, false));
      break;
    case 'non_finite':
      // The engine's hint names the learning rate first: a NaN is most often a step that overshot.
      fixes.push(halveLearningRate(model, true), addGradientClipping(model, false));
      break;
    case 'dead_relu':
      fixes.push(useLeakyRelu(model, layerAtLine(model, line)), halveLearningRate(model, false));
      break;
    case 'vanishing':
    case 'saturation':
      fixes.push(switchToRelu(model));
      break;
    case 'symmetric_init':
      fixes.push(replaceZerosInit(model, layerAtLine(model, line)));
      break;
  }
  return fixes.filter((fix): fix is QuickFix => fix !== undefined);
}

interface Model {
  text: string;
  root: YAMLMap;
}

/** "Halve the learning rate": the written `lr:`, or half the optimizer's default when none is written. */
function halveLearningRate(model: Model, isPreferred: boolean): QuickFix | undefined {
  const { text, root } = model;
  const optimizer = pairOf(root, 'optimizer');
  const title = (from: string, to: string) => `Halve the learning rate (${from} → ${to})`;
  if (!optimizer) {
    const lr = optimizerSpec('sgd').lr;
    const edit = addPair(text, root, 'optimizer', `{type: sgd, lr: ${lr / 2}}`, pairOf(root, 'loss'));
    return { title: title(String(lr), String(lr / 2)), edits: [edit], isPreferred };
  }
  const value = optimizer.value as Node | null;
  if (isScalar(value)) {
    // `optimizer: adam` → `optimizer: {type: adam, lr: 0.0005}`
    const lr = defaultLr(value.value);
    if (lr === undefined) return undefined;
    const edit = replaceNode(value, `{type: ${String(value.value)}, lr: ${lr / 2}}`);
    return { title: title(String(lr), String(lr / 2)), edits: [edit], isPreferred };
  }
  if (!isMap(value)) return undefined;
  const lrPair = pairOf(value, 'lr');
  if (lrPair && isScalar(lrPair.value) && lrPair.value.range) {
    const written = text.slice(lrPair.value.range[0], lrPair.value.range[1]);
    const half = halve(written);
    if (half === undefined) return undefined;
    return { title: title(written, half), edits: [replaceNode(lrPair.value, half)], isPreferred };
  }
  if (lrPair) return undefined;
  const lr = defaultLr(scalarValue(value, 'type'));
  if (lr === undefined) return undefined;
  return { title: title(String(lr), String(lr / 2)), edits: [addPair(text, value, 'lr', String(lr / 2))], isPreferred };
}

function defaultLr(type: unknown): number | undefined {
  if (typeof type !== 'string') return undefined;
  const lr = optimizerSpec(type as Parameters<typeof optimizerSpec>[0]).lr;
  return Number.isFinite(lr) ? lr : undefined;
}

/** Half a number as written, keeping exponent notation (`1e-3` → `5e-4`); halving a double is exact. */
function halve(written: string): string | undefined {
  const value = Number(written);
  if (!Number.isFinite(value) || value <= 0) return undefined;
  return /e/i.test(written) ? (value / 2).toExponential() : String(value / 2);
}

/** "Add gradient clipping": a top-level `clip: {norm: 1}` after `optimizer:`, or replacing the clip there is. */
function addGradientClipping(model: Model, isPreferred: boolean): QuickFix | undefined {
  const { text, root } = model;
  const title = 'Add gradient clipping (clip: {norm: 1})';
  const clip = pairOf(root, 'clip');
  if (clip) {
    const value = clip.value as Node | null;
    if (!value?.range) return undefined;
    if (text.slice(value.range[0], value.range[1]) === '{norm: 1}') return undefined;
    return { title, edits: [replaceValue(text, clip, '{norm: 1}')], isPreferred };
  }
  const after = pairOf(root, 'optimizer') ?? pairOf(root, 'loss');
  return { title, edits: [addPair(text, root, 'clip', '{norm: 1}', after)], isPreferred };
}

const SQUASHING = new Set(['sigmoid', 'tanh']);
const RELU_FAMILY = new Set(['relu', 'leaky_relu', 'elu']);

/**
 * "Switch hidden layers to relu with He init": every hidden sigmoid/tanh layer (never the output layer, whose
 * activation the loss depends on) becomes `activation: relu` with `init: he`, unless it gives its own weights.
 */
function switchToRelu(model: Model): QuickFix | undefined {
  const { text } = model;
  const layers = layerMaps(model);
  const edits: TextEdit[] = [];
  for (const layer of layers.slice(0, -1)) {
    if (!layer) continue;
    const activation = pairOf(layer, 'activation');
    if (!activation || !isScalar(activation.value) || !SQUASHING.has(String(activation.value.value))) continue;
    edits.push(replaceNode(activation.value, 'relu'));
    const init = pairOf(layer, 'init');
    const initValue = init?.value as Node | null | undefined;
    if (init && initValue?.range) {
      if (!(isScalar(initValue) && initValue.value === 'he')) edits.push(replaceValue(text, init, 'he'));
    } else if (!init && !pairOf(layer, 'weights')) {
      edits.push(addPair(text, layer, 'init', 'he'));
    }
  }
  if (edits.length === 0) return undefined;
  return { title: 'Switch hidden layers to relu with He init', edits: mergeTouching(edits), isPreferred: true };
}

/** "Use leaky_relu in h1": a dead ReLU unit gets no gradient; a leaky one keeps a slope of α below 0. */
function useLeakyRelu(model: Model, layerIndex: number | undefined): QuickFix | undefined {
  const layer = layerIndex === undefined ? undefined : layerMaps(model)[layerIndex];
  const activation = layer ? pairOf(layer, 'activation') : undefined;
  if (!layer || !activation || !isScalar(activation.value) || activation.value.value !== 'relu') return undefined;
  const name = scalarValue(layer, 'name');
  return {
    title: `Use leaky_relu in ${typeof name === 'string' ? name : `layer ${(layerIndex ?? 0) + 1}`}`,
    edits: [replaceNode(activation.value, 'leaky_relu')],
    isPreferred: true,
  };
}

/**
 * "Use He/Xavier initialisation instead of zeros", on the warned layer (or every layer when the line names
 * none): He for the ReLU family, Xavier otherwise, as the engine's defaults choose.
 */
function replaceZerosInit(model: Model, layerIndex: number | undefined): QuickFix | undefined {
  const layers = layerMaps(model);
  const targets = layerIndex === undefined ? layers : [layers[layerIndex]];
  const edits: TextEdit[] = [];
  const chosen = new Set<string>();
  for (const layer of targets) {
    if (!layer) continue;
    const init = pairOf(layer, 'init')?.value as Node | null | undefined;
    // `init: zeros` or `init: {type: zeros}`
    const zeros = isScalar(init) ? init : isMap(init) ? (pairOf(init, 'type')?.value as Node | null) : undefined;
    if (!isScalar(zeros) || zeros.value !== 'zeros') continue;
    const replacement = RELU_FAMILY.has(String(scalarValue(layer, 'activation'))) ? 'he' : 'xavier';
    chosen.add(replacement);
    edits.push(replaceNode(zeros, replacement));
  }
  if (edits.length === 0) return undefined;
  const name = chosen.size > 1 ? 'He/Xavier' : chosen.has('he') ? 'He' : 'Xavier';
  return { title: `Use ${name} initialisation instead of zeros`, edits, isPreferred: true };
}

/** The `layers:` items, each a mapping or undefined (a malformed item). */
function layerMaps(model: Model): (YAMLMap | undefined)[] {
  const layers = pairOf(model.root, 'layers')?.value;
  if (!isSeq(layers)) return [];
  return layers.items.map((item) => (isMap(item) ? item : undefined));
}

/** The layer whose item starts on (or spans) a 0-based line: where modelDiagnostics shows a layer's warning. */
function layerAtLine(model: Model, line: number): number | undefined {
  const from = offsetOfLine(model.text, line);
  const to = lineEnd(model.text, from);
  const layers = layerMaps(model);
  const index = layers.findIndex((layer) => layer?.range && layer.range[0] <= to && layer.range[1] > from);
  return index >= 0 ? index : undefined;
}

// ── YAML editing by node range ────────────────────────────────────────────────────────────────────────────────

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((item) => isScalar(item.key) && item.key.value === key);
}

function scalarValue(map: YAMLMap, key: string): unknown {
  const value = pairOf(map, key)?.value;
  return isScalar(value) ? value.value : undefined;
}

function replaceNode(node: Node, text: string): TextEdit {
  const [start, end] = node.range!;
  return { offset: start, length: end - start, text };
}

/** Replaces a pair's value; a block value (on the lines below its key) becomes a flow one after the key. */
function replaceValue(text: string, pair: Pair, value: string): TextEdit {
  const node = pair.value as Node;
  if (!(isMap(node) || isSeq(node)) || node.flow) return replaceNode(node, value);
  const keyEnd = (pair.key as Node).range![1];
  return { offset: keyEnd, length: pairEnd(text, pair) - keyEnd, text: `: ${value}` };
}

/**
 * Adds `key: value` to a mapping, after `after` (default: its last pair). Flow: `, key: value` right after that
 * pair. Block: a new line at the indentation of the mapping's first key, after that pair's last line (so a
 * trailing comment stays where it was).
 */
function addPair(text: string, map: YAMLMap, key: string, value: string, after?: Pair): TextEdit {
  const previous = after ?? map.items[map.items.length - 1];
  if (map.flow) {
    if (!previous) return { offset: map.range![0] + 1, length: 0, text: `${key}: ${value}` };
    return { offset: pairEnd(text, previous), length: 0, text: `, ${key}: ${value}` };
  }
  const firstKey = map.items[0]?.key as Node | undefined;
  const start = firstKey?.range?.[0] ?? map.range?.[0] ?? 0;
  const indent = ' '.repeat(start - lineStart(text, start));
  const offset = previous ? lineEnd(text, pairEnd(text, previous)) : lineEnd(text, start);
  return { offset, length: 0, text: `\n${indent}${key}: ${value}` };
}

/** End of a pair's text, before the newline and indentation a block value's range runs on to. */
function pairEnd(text: string, pair: Pair): number {
  const node = (pair.value ?? pair.key) as Node | null;
  let end = node?.range?.[1] ?? 0;
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return end;
}

/** Joins an insertion to the edit that ends where it starts, so no two edits touch (VS Code rejects overlap). */
function mergeTouching(edits: TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  const merged: TextEdit[] = [];
  for (const edit of sorted) {
    const last = merged[merged.length - 1];
    if (last && edit.length === 0 && last.offset + last.length === edit.offset) {
      merged[merged.length - 1] = { ...last, text: last.text + edit.text };
    } else merged.push(edit);
  }
  return merged;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return end < 0 ? text.length : end;
}

function offsetOfLine(text: string, line: number): number {
  let offset = 0;
  for (let i = 0; i < line && offset >= 0; i++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset;
}
