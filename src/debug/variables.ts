// The Variables view of a training session: scopes per frame, tensors as one summary line that expands to rows
// and entries, paged (`indexedVariables`) so a 784×256 matrix never crosses the wire at once. Full tensors are
// asked of the worker only when a tensor is expanded. No DAP types beyond plain shapes: the adapter wraps these.

import { layerHeadline, parameterText } from '../engine/sizes';
import type { LayerSpec } from '../model/types';
import type { LayerTrace, Tensor, TensorSummary } from '../protocol';
import type { BackpropRuntime, Frame } from './backpropRuntime';

/**
 * A layer tensor as the Variables view names it, and its field in a LayerTrace. `only` ones belong to some layer
 * types (batch and layer norm, dropout) and are listed only where the layer has them.
 */
export const TENSOR_FIELDS = [
  { name: 'W', field: 'weights', scope: 'Parameters', evaluate: 'W' },
  { name: 'K', field: 'kernels', scope: 'Parameters', evaluate: 'K', only: true },
  { name: 'b', field: 'biases', scope: 'Parameters', evaluate: 'b' },
  { name: 'γ', field: 'gamma', scope: 'Parameters', evaluate: 'gamma', only: true },
  { name: 'β', field: 'beta', scope: 'Parameters', evaluate: 'beta', only: true },
  { name: 'running mean', field: 'runningMean', scope: 'Parameters', evaluate: 'running_mean', only: true },
  { name: 'running var', field: 'runningVar', scope: 'Parameters', evaluate: 'running_var', only: true },
  { name: 'z', field: 'z', scope: 'Forward', evaluate: 'z' },
  { name: 'μ', field: 'mu', scope: 'Forward', evaluate: 'mu', only: true },
  { name: 'σ²', field: 'var', scope: 'Forward', evaluate: 'var', only: true },
  { name: 'x̂', field: 'xhat', scope: 'Forward', evaluate: 'xhat', only: true },
  { name: 'mask', field: 'mask', scope: 'Forward', evaluate: 'mask', only: true },
  { name: 'argmax', field: 'argmax', scope: 'Forward', evaluate: 'argmax', only: true },
  { name: 'a', field: 'a', scope: 'Forward', evaluate: 'a' },
  { name: 'δ', field: 'delta', scope: 'Backward', evaluate: 'delta' },
  { name: 'dW', field: 'dW', scope: 'Backward', evaluate: 'dW' },
  { name: 'dK', field: 'dK', scope: 'Backward', evaluate: 'dK', only: true },
  { name: 'db', field: 'db', scope: 'Backward', evaluate: 'db' },
  { name: 'dγ', field: 'dgamma', scope: 'Backward', evaluate: 'dgamma', only: true },
  { name: 'dβ', field: 'dbeta', scope: 'Backward', evaluate: 'dbeta', only: true },
  { name: '∂L/∂input', field: 'gradInput', scope: 'Backward', evaluate: 'grad_input', only: true },
  { name: 'ΔW', field: 'deltaW', scope: 'Update', evaluate: 'dW_applied' },
  { name: 'Δb', field: 'deltaB', scope: 'Update', evaluate: 'db_applied' },
  // Adam's state: not in a step's record, only in the layer's full tensors (fetched when this scope is read).
  { name: 'm (Adam)', field: 'adamM', scope: 'Update', evaluate: 'm', only: true },
  { name: 'v (Adam)', field: 'adamV', scope: 'Update', evaluate: 'v', only: true },
  { name: 'm of b (Adam)', field: 'adamMBias', scope: 'Update', evaluate: 'm_b', only: true },
  { name: 'v of b (Adam)', field: 'adamVBias', scope: 'Update', evaluate: 'v_b', only: true },
] as const;

/** Fields only a layer's full tensors carry (the worker's layerTensors reply), never a step's record. */
const FULL_ONLY: ReadonlySet<string> = new Set(['adamM', 'adamV', 'adamMBias', 'adamVBias']);

/** Whether a layer shows an entry at all (a dense layer has no μ; a norm layer has its γ only once computed). */
const shown = (entry: (typeof TENSOR_FIELDS)[number], present: boolean) => present || !('only' in entry);

type TensorField = (typeof TENSOR_FIELDS)[number]['field'];

/** Where a tensor's numbers come from: a layer's (fetched in full on expand), or values already at hand. */
export type TensorSource =
  | { kind: 'layer'; layer: number; field: TensorField }
  | { kind: 'values'; rows: number; cols: number; data: ArrayLike<number> };

export type Container =
  | { kind: 'scope'; frame: Frame; scope: string }
  | { kind: 'layer'; layer: number }
  | { kind: 'tensor'; source: TensorSource; rows: number; cols: number; evaluateName?: string }
  | { kind: 'row'; source: TensorSource; row: number; cols: number; evaluateName?: string };

export interface VariableInfo {
  name: string;
  value: string;
  type?: string;
  evaluateName?: string;
  /** Present for something that expands. */
  container?: Container;
  indexedVariables?: number;
  namedVariables?: number;
}

const DIGITS = 4;

export function formatNumber(x: number, digits = DIGITS): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const text =
    Math.abs(x) >= 1e-4 && Math.abs(x) < 1e6 ? String(Number(x.toPrecision(digits))) : x.toExponential(digits - 1);
  return text.replace('-', '−');
}

/**
 * A layer in one line, by its type and with its real parameter count: "2→2 linear · ‖W‖ 1.97 · 6 parameters",
 * "conv2d 1×8×8 → 8×8×8 (8 filters 3×3) relu · ‖K‖ 2.1 · 80 parameters".
 */
export function layerLine(spec: LayerSpec, layer: LayerTrace): string {
  const [w, dW] = spec.type === 'conv2d' ? ['K', 'dK'] : ['W', 'dW'];
  const weighted = layer.weights.rows * layer.weights.cols > 0;
  const norms = weighted
    ? ` · ‖${w}‖ ${formatNumber(layer.norms.weights)}${Number.isNaN(layer.norms.dW) ? '' : ` · ‖${dW}‖ ${formatNumber(layer.norms.dW)}`}`
    : '';
  const parameters = parameterText(spec, layer.inputSize);
  return `${layerHeadline(spec, layer.inputSize)}${norms}${parameters ? ` · ${parameters}` : ''}`;
}

export function summaryLine(rows: number, cols: number, summary: TensorSummary): string {
  const bad = summary.nonFinite > 0 ? ` · ${summary.nonFinite} NaN/∞` : '';
  return `${rows}×${cols} · min ${formatNumber(summary.min)} · max ${formatNumber(summary.max)} · ‖·‖ ${formatNumber(summary.norm)}${bad}`;
}

export function summarizeValues(data: ArrayLike<number>): TensorSummary {
  let min = Infinity;
  let max = -Infinity;
  let squares = 0;
  let sum = 0;
  let nonFinite = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    min = Math.min(min, x);
    max = Math.max(max, x);
    sum += x;
    squares += x * x;
  }
  const n = data.length - nonFinite;
  return {
    min: n ? min : NaN,
    max: n ? max : NaN,
    mean: n ? sum / n : NaN,
    norm: nonFinite ? NaN : Math.sqrt(squares),
    nonFinite,
  };
}

/** A tensor as one line that expands: rows first (or the entries of a single row). */
export function tensorVariable(
  name: string,
  tensor: Pick<Tensor, 'rows' | 'cols' | 'summary'>,
  source: TensorSource,
  evaluateName?: string,
): VariableInfo {
  const { rows, cols } = tensor;
  return {
    name,
    value: summaryLine(rows, cols, tensor.summary),
    type: 'tensor',
    ...(evaluateName ? { evaluateName } : {}),
    container: { kind: 'tensor', source, rows, cols, ...(evaluateName ? { evaluateName } : {}) },
    indexedVariables: rows === 1 ? cols : rows,
  };
}

/** An evaluated tensor (Watch, Debug Console), expandable like any other. */
export function valueTensorVariable(
  value: { rows: number; cols: number; data: ArrayLike<number> },
  evaluateName: string,
): VariableInfo {
  const source: TensorSource = { kind: 'values', rows: value.rows, cols: value.cols, data: value.data };
  return tensorVariable(evaluateName, { ...value, summary: summarizeValues(value.data) }, source, `(${evaluateName})`);
}

/** The scopes of a frame, innermost first. */
export function scopesOf(frame: Frame): string[] {
  if (frame.kind === 'microStep') {
    if (frame.layer !== undefined) return ['Parameters', 'Forward', 'Backward', 'Update'];
    return frame.name === 'loss' ? ['Loss', 'Layers'] : ['Update', 'Layers'];
  }
  return frame.kind === 'batch' ? ['Batch', 'Layers'] : ['Epoch', 'Layers'];
}

/** Whether a scope is cheap to show expanded (VS Code expands the first non-expensive scope). */
export function expensiveScope(scope: string): boolean {
  return scope === 'Layers';
}

export class VariablesModel {
  constructor(private readonly runtime: BackpropRuntime) {}

  async children(container: Container, start = 0, count?: number): Promise<VariableInfo[]> {
    switch (container.kind) {
      case 'scope':
        return this.scope(
          container.frame,
          container.scope,
          await this.optimizerTensors(container.frame.layer, container.scope),
        );
      case 'layer':
        return this.layerTensors(container.layer);
      case 'tensor':
        return this.tensorChildren(container, start, count);
      case 'row':
        return this.rowEntries(container.source, container.row, container.cols, start, count, container.evaluateName);
    }
  }

  /** A layer's full tensors when the optimizer's state is to be shown (Adam's m and v in the Update scope). */
  private async optimizerTensors(layer: number | undefined, scope: string): Promise<LayerTrace | undefined> {
    if (layer === undefined || scope !== 'Update' || this.runtime.spec.optimizer.type !== 'adam') return undefined;
    return this.runtime.layerTensors(layer);
  }

  private scope(frame: Frame, scope: string, full?: LayerTrace): VariableInfo[] {
    const runtime = this.runtime;
    const record = runtime.record;
    const number = (name: string, value: number | undefined, evaluateName?: string): VariableInfo[] =>
      value === undefined
        ? []
        : [{ name, value: String(value), type: 'number', ...(evaluateName ? { evaluateName } : {}) }];
    if (frame.layer !== undefined) {
      const layer = record.layers[frame.layer];
      const infos: VariableInfo[] = [];
      for (const entry of TENSOR_FIELDS) {
        if (entry.scope !== scope) continue;
        const tensor = FULL_ONLY.has(entry.field) ? full?.[entry.field] : layer?.[entry.field];
        if (!shown(entry, !!tensor)) continue;
        if (tensor)
          infos.push(
            tensorVariable(
              entry.name,
              tensor,
              { kind: 'layer', layer: frame.layer, field: entry.field },
              entry.evaluate,
            ),
          );
        else infos.push({ name: entry.name, value: notYet(entry.scope), type: 'tensor' });
      }
      if (scope === 'Update') infos.push(...number('learning rate', record.lr, 'lr'));
      if (scope === 'Parameters')
        infos.push({
          name: 'optimizer',
          value: `${runtime.spec.optimizer.type}, lr ${formatNumber(runtime.spec.optimizer.lr)}${runtime.spec.optimizer.type === 'adam' ? " (Adam's m and v: in the Update scope)" : ''}`,
        });
      return infos;
    }
    const output = record.layers[record.layers.length - 1];
    switch (scope) {
      case 'Layers':
        return record.layers.map((layer) => ({
          name: layer.name,
          value: layerLine(runtime.spec.layers[layer.index], layer),
          type: 'layer',
          container: { kind: 'layer', layer: layer.index },
          namedVariables: TENSOR_FIELDS.filter((entry) => shown(entry, !!layer[entry.field])).length,
        }));
      case 'Loss':
        return [
          ...number('loss', record.loss, 'loss'),
          ...number('L2 penalty', record.l2Penalty),
          ...this.dataTensor('predictions ŷ', output?.a, `${output?.name}.a`),
          ...this.dataTensor('targets Y', record.targets),
        ];
      case 'Update':
        return [
          ...number('learning rate', record.lr, 'lr'),
          ...number('clip scale', record.clipScale),
          ...record.layers.map((layer) => ({
            name: `‖ΔW‖ ${layer.name}`,
            value: formatNumber(layer.norms.deltaW),
            type: 'number',
            evaluateName: `norm(${layer.name}.dW_applied)`,
          })),
        ];
      case 'Batch':
        return [
          { name: 'samples', value: `[${record.samples.join(', ')}]`, type: 'indices' },
          ...this.dataTensor('inputs X', record.inputs),
          ...this.dataTensor('targets Y', record.targets),
          ...this.dataTensor('predictions ŷ', output?.a, output ? `${output.name}.a` : undefined),
          ...number('loss', record.loss, 'loss'),
        ];
      case 'Epoch': {
        const latest = runtime.client.latest;
        const last = latest.lastEpoch;
        return [
          ...number('epoch', record.epoch + 1, 'epoch'),
          ...number('learning rate', record.lr, 'lr'),
          ...(last
            ? [
                ...number(`loss of epoch ${last.epoch + 1}`, last.loss),
                ...number('validation loss', last.validationLoss),
                ...number('accuracy', last.accuracy),
              ]
            : [{ name: 'epoch loss', value: 'no epoch has finished yet' }]),
          {
            name: 'diagnostics',
            value: latest.diagnostics.length
              ? latest.diagnostics.map((d) => `${d.code}${d.layerName ? ` in ${d.layerName}` : ''}`).join(' · ')
              : 'none',
          },
          ...latest.diagnostics.map((d, i) => ({ name: `[${i}] ${d.code}`, value: `${d.message} ${d.hint}` })),
        ];
      }
    }
    return [];
  }

  /** A tensor of the record (inputs, targets, predictions): expandable only when its numbers came with it. */
  private dataTensor(name: string, tensor: Tensor | undefined, evaluateName?: string): VariableInfo[] {
    if (!tensor) return [];
    if (!tensor.data) return [{ name, value: summaryLine(tensor.rows, tensor.cols, tensor.summary), type: 'tensor' }];
    return [
      tensorVariable(
        name,
        tensor,
        { kind: 'values', rows: tensor.rows, cols: tensor.cols, data: tensor.data },
        evaluateName,
      ),
    ];
  }

  /** A layer's tensors, named so that Add to Watch works from any frame (`hidden.dW`). */
  async layerTensors(layer: number): Promise<VariableInfo[]> {
    const record = this.runtime.record.layers[layer];
    const name = record?.name ?? String(layer);
    const full = this.runtime.spec.optimizer.type === 'adam' ? await this.runtime.layerTensors(layer) : undefined;
    return TENSOR_FIELDS.flatMap((entry) => {
      const tensor = FULL_ONLY.has(entry.field) ? full?.[entry.field] : record?.[entry.field];
      if (!shown(entry, !!tensor)) return [];
      if (!tensor) return [{ name: entry.name, value: notYet(entry.scope), type: 'tensor' }];
      const evaluateName = `${name}.${entry.evaluate}`;
      return [tensorVariable(entry.name, tensor, { kind: 'layer', layer, field: entry.field }, evaluateName)];
    });
  }

  private async tensorChildren(
    container: Extract<Container, { kind: 'tensor' }>,
    start: number,
    count: number | undefined,
  ): Promise<VariableInfo[]> {
    const { source, rows, cols } = container;
    if (rows === 1) return this.rowEntries(source, 0, cols, start, count, container.evaluateName, true);
    const data = await this.data(source);
    const end = Math.min(rows, start + (count ?? rows));
    const infos: VariableInfo[] = [];
    for (let row = start; row < end; row++) {
      const preview: string[] = [];
      for (let j = 0; j < Math.min(cols, 8); j++) preview.push(formatNumber(data[row * cols + j]));
      const evaluateName = container.evaluateName ? `${container.evaluateName}[${row}]` : undefined;
      infos.push({
        name: `[${row}]`,
        value: `[${preview.join(', ')}${cols > 8 ? ', …' : ''}]`,
        type: `row of ${cols}`,
        ...(evaluateName ? { evaluateName } : {}),
        container: { kind: 'row', source, row, cols, ...(evaluateName ? { evaluateName } : {}) },
        indexedVariables: cols,
      });
    }
    return infos;
  }

  private async rowEntries(
    source: TensorSource,
    row: number,
    cols: number,
    start: number,
    count: number | undefined,
    evaluateName: string | undefined,
    singleRow = false,
  ): Promise<VariableInfo[]> {
    const data = await this.data(source);
    const end = Math.min(cols, start + (count ?? cols));
    const infos: VariableInfo[] = [];
    for (let j = start; j < end; j++)
      infos.push({
        name: `[${j}]`,
        value: String(data[row * cols + j]),
        type: 'number',
        ...(evaluateName ? { evaluateName: singleRow ? `${evaluateName}[0][${j}]` : `${evaluateName}[${j}]` } : {}),
      });
    return infos;
  }

  private async data(source: TensorSource): Promise<ArrayLike<number>> {
    if (source.kind === 'values') return source.data;
    const layer = await this.runtime.layerTensors(source.layer);
    const tensor = layer[source.field];
    if (!tensor?.data) throw new Error(`${source.field} of ${layer.name} is not computed yet`);
    return tensor.data;
  }
}

/** The parameter a Set Value on an entry changes, when it is a weight or a bias. */
export function editableEntry(
  container: Container,
  name: string,
): { layer: number; tensor: 'W' | 'b'; index: number } | undefined {
  const column = /^\[(\d+)\]$/.exec(name);
  if (!column) return undefined;
  if (container.kind !== 'row' && container.kind !== 'tensor') return undefined;
  const source = container.source;
  if (source.kind !== 'layer' || (source.field !== 'weights' && source.field !== 'biases')) return undefined;
  if (container.kind === 'tensor' && container.rows !== 1) return undefined;
  const row = container.kind === 'row' ? container.row : 0;
  const cols = container.cols;
  return { layer: source.layer, tensor: source.field === 'weights' ? 'W' : 'b', index: row * cols + Number(column[1]) };
}

function notYet(scope: string): string {
  if (scope === 'Forward') return 'not computed yet in this batch (the forward pass has not reached this layer)';
  if (scope === 'Backward') return 'not computed yet in this batch (the backward pass has not reached this layer)';
  return 'not applied yet in this batch';
}
