// The names an expression can read (src/debug/expression.ts), built lazily from a training session in the
// worker: a condition that only reads `loss` must not copy a 784×256 weight matrix after every micro-step.

import type { TrainingSession } from '../engine/session';
import { makeTensor } from '../engine/trace';
import type { LayerSpec, ModelSpec, OptimizerType } from '../model/types';
import type { Cursor, LayerTrace, MicroStep, Tensor, TraceRecord } from '../protocol';
import type { ExpressionScope, Lazy, TensorValue, Value } from './expression';

/** The tensors of a layer an expression may name, and where each lives in a LayerTrace. */
export const LAYER_TENSORS = {
  W: (layer: LayerTrace) => layer.weights,
  b: (layer: LayerTrace) => layer.biases,
  z: (layer: LayerTrace) => layer.z,
  a: (layer: LayerTrace) => layer.a,
  delta: (layer: LayerTrace) => layer.delta,
  dW: (layer: LayerTrace) => layer.dW,
  db: (layer: LayerTrace) => layer.db,
  /** The update actually applied, ΔW (after the optimizer, clipping and L2). */
  dW_applied: (layer: LayerTrace) => layer.deltaW,
  db_applied: (layer: LayerTrace) => layer.deltaB,
  // Batch and layer norm: the statistics, the normalised input, the learnable scale and shift and their gradients.
  mu: (layer: LayerTrace) => layer.mu,
  var: (layer: LayerTrace) => layer.var,
  xhat: (layer: LayerTrace) => layer.xhat,
  gamma: (layer: LayerTrace) => layer.gamma,
  beta: (layer: LayerTrace) => layer.beta,
  dgamma: (layer: LayerTrace) => layer.dgamma,
  dbeta: (layer: LayerTrace) => layer.dbeta,
  running_mean: (layer: LayerTrace) => layer.runningMean,
  running_var: (layer: LayerTrace) => layer.runningVar,
  /** Dropout's mask of this batch (0, or 1/(1 − rate) for a kept unit). */
  mask: (layer: LayerTrace) => layer.mask,
  /** ∂L/∂(the layer's input). */
  grad_input: (layer: LayerTrace) => layer.gradInput,
  // A convolution's kernels [filter][c·kh·kw] (its W) and their gradient; pooling's argmax (where each window's
  // maximum was, as an index c·H·W + y·W + x into the sample's input).
  K: (layer: LayerTrace) => layer.kernels,
  dK: (layer: LayerTrace) => layer.dK,
  argmax: (layer: LayerTrace) => layer.argmax,
  /** Adam's running means of dW and dW² (and of db, db²). */
  m: (layer: LayerTrace) => layer.adamM,
  v: (layer: LayerTrace) => layer.adamV,
  m_b: (layer: LayerTrace) => layer.adamMBias,
  v_b: (layer: LayerTrace) => layer.adamVBias,
} satisfies Record<string, (layer: LayerTrace) => Tensor | undefined>;

export type LayerTensorName = keyof typeof LAYER_TENSORS;

/** Names only some layers have: a convolution's kernels, pooling's argmax, Adam's moments of real parameters. */
const ONLY_FOR: Partial<Record<LayerTensorName, (layer: LayerSpec, optimizer: OptimizerType) => boolean>> = {
  K: (layer) => layer.type === 'conv2d',
  dK: (layer) => layer.type === 'conv2d',
  argmax: (layer) => layer.type === 'maxpool2d',
  m: (layer, optimizer) => optimizer === 'adam' && hasWeights(layer),
  v: (layer, optimizer) => optimizer === 'adam' && hasWeights(layer),
  m_b: (layer, optimizer) => optimizer === 'adam' && hasWeights(layer) && layer.bias,
  v_b: (layer, optimizer) => optimizer === 'adam' && hasWeights(layer) && layer.bias,
};

function hasWeights(layer: LayerSpec): boolean {
  const type = layer.type ?? 'dense';
  return type !== 'dropout' && type !== 'maxpool2d' && type !== 'flatten';
}

/** The names an expression can read of one layer of this model (every name when the model is not known). */
export function layerMemberNames(
  model: Pick<ModelSpec, 'layers' | 'optimizer'> | undefined,
  index: number,
): LayerTensorName[] {
  const names = Object.keys(LAYER_TENSORS) as LayerTensorName[];
  const layer = model?.layers[index];
  if (!model || !layer) return names;
  return names.filter((name) => ONLY_FOR[name]?.(layer, model.optimizer.type) ?? true);
}

/** One layer with every tensor in full, and with the optimizer's state when it is Adam (m and v of W and b). */
export function layerInFull(session: TrainingSession, index: number): LayerTrace {
  const layer = session.trace('summary', [index]).layers[index];
  const state = session.optimizerState(index);
  if (session.model.optimizer.type !== 'adam' || !state || layer.weights.rows * layer.weights.cols === 0) return layer;
  const shaped = (values: Float64Array, like: Tensor) => makeTensor(values, like.rows, like.cols, true);
  return {
    ...layer,
    adamM: shaped(state.W.first, layer.weights),
    adamV: shaped(state.W.second, layer.weights),
    ...(session.model.layers[index].bias
      ? { adamMBias: shaped(state.b.first, layer.biases), adamVBias: shaped(state.b.second, layer.biases) }
      : {}),
  };
}

/** Everything a scope reads, so the worker (a live session) and tests can supply it alike. */
export interface ScopeSource {
  layerNames: readonly string[];
  /** The current record; may be computed on first use. */
  record(): TraceRecord;
  /** One layer with its tensors in full; may be computed on first use. */
  layer(index: number): LayerTrace;
  /** The micro-step just run, or null at the start. */
  did(): MicroStep | null;
  /** The model, so a layer offers only the names its type has (K on a convolution, m and v under Adam). */
  model?: Pick<ModelSpec, 'layers' | 'optimizer'>;
}

export function tensorValue(tensor: Tensor | undefined): TensorValue | undefined {
  if (!tensor?.data) return undefined;
  return { kind: 'tensor', rows: tensor.rows, cols: tensor.cols, data: tensor.data };
}

/**
 * `epoch`, `batch` and `step` count from 1 as the panel shows them; `phase` and `layer` name the micro-step just
 * run; in a layer frame (`frameLayer`) the bare tensor names mean that layer's.
 */
export function buildScope(source: ScopeSource, frameLayer?: number): ExpressionScope {
  const once = <T>(compute: () => T): (() => T) => {
    let done = false;
    let value: T;
    return () => {
      if (!done) {
        value = compute();
        done = true;
      }
      return value;
    };
  };
  const record = once(() => source.record());
  const layerCache = new Map<number, () => LayerTrace>();
  const layer = (index: number) => {
    let cached = layerCache.get(index);
    if (!cached) layerCache.set(index, (cached = once(() => source.layer(index))));
    return cached();
  };
  const tensorsOf = (index: number): Record<string, Lazy> => {
    const names: Record<string, Lazy> = {};
    for (const name of layerMemberNames(source.model, index))
      names[name] = () => tensorValue(LAYER_TENSORS[name](layer(index)));
    return names;
  };
  const did = source.did();
  const names: Record<string, Lazy> = {
    epoch: () => record().epoch + 1,
    batch: () => record().batch + 1,
    step: () => record().step + 1,
    phase: did?.phase ?? record().cursor.phase,
    layer: () => {
      const index = did ? did.layer : record().cursor.layer;
      return index >= 0 ? source.layerNames[index] : '';
    },
    loss: () => record().loss,
    lr: () => record().lr,
  };
  if (frameLayer !== undefined && frameLayer >= 0) Object.assign(names, tensorsOf(frameLayer));
  const layers: Record<string, Record<string, Lazy>> = Object.create(null) as Record<string, Record<string, Lazy>>;
  source.layerNames.forEach((name, index) => (layers[name] = tensorsOf(index)));
  return { names, layers };
}

/** The micro-step before the cursor (forward 0..L−1, loss, backward L−1..0, update), or null at the very start. */
export function microStepBefore(cursor: Cursor, layerCount: number, atStart: boolean): MicroStep | null {
  if (atStart) return null;
  if (cursor.finished) return { phase: 'update', layer: -1 };
  switch (cursor.phase) {
    case 'forward':
      return cursor.layer === 0 ? { phase: 'update', layer: -1 } : { phase: 'forward', layer: cursor.layer - 1 };
    case 'loss':
      return { phase: 'forward', layer: layerCount - 1 };
    case 'backward':
      return cursor.layer === layerCount - 1
        ? { phase: 'loss', layer: -1 }
        : { phase: 'backward', layer: cursor.layer + 1 };
    case 'update':
      return { phase: 'backward', layer: 0 };
  }
}

/** A ScopeSource over a live session. Reading the record consumes the session's "new diagnostics" (unused by hosts). */
export function sessionSource(session: TrainingSession): ScopeSource {
  return {
    layerNames: session.model.layers.map((layer) => layer.name),
    record: () => session.trace('off'),
    layer: (index) => layerInFull(session, index),
    did: () => microStepBefore(session.cursor, session.model.layers.length, session.microPosition === 0),
    model: session.model,
  };
}

/** Turns an expression's value into what crosses the worker port. */
export function plainValue(value: Value): Value {
  if (typeof value !== 'object') return value;
  return { kind: 'tensor', rows: value.rows, cols: value.cols, data: Array.from(value.data) };
}
