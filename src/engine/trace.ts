// Turns the network's live buffers into a TraceRecord. Summaries and norms are always there; the tensors
// themselves are copied only at trace level `full`, so stepping a wide layer does not copy megabytes.

import type { LayerNorms, LayerTrace, Tensor, TensorPreview, TensorSummary, TraceLevel } from '../protocol';
import {
  BatchNormKernel,
  Conv2dKernel,
  DropoutKernel,
  FlattenKernel,
  LayerNormKernel,
  MaxPool2dKernel,
} from './layers';
import type { Layer, Network } from './network';

export function summarize(values: Float64Array, length: number): TensorSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < length; i++) {
    const x = values[i];
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    squares += x * x;
  }
  // Exact unless a NaN or ±Infinity poisoned the sums; only then take the slow, careful pass.
  if (!Number.isFinite(squares)) return summarizeNonFinite(values, length);
  const empty = length === 0;
  return {
    min: empty ? NaN : min,
    max: empty ? NaN : max,
    mean: empty ? NaN : sum / length,
    norm: Math.sqrt(squares),
    nonFinite: 0,
  };
}

function summarizeNonFinite(values: Float64Array, length: number): TensorSummary {
  let nonFinite = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    squares += x * x;
  }
  const finite = length - nonFinite;
  return {
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    mean: finite ? sum / finite : NaN,
    // Infinite when the finite entries alone overflow; NaN when some entries are not numbers at all.
    norm: nonFinite ? NaN : Math.sqrt(squares),
    nonFinite,
  };
}

/** Tensors with more entries than this come as a preview when the caller asks for previews. */
export const PREVIEW_ABOVE = 4096;
const PREVIEW_SIDE = 64;
/** A picture needs no 17 digits: 4 significant digits make its messages a third as long. */
const pictureValue = (x: number) => (Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(4)) : x);

/** Each block's entry of largest magnitude, on a grid of at most PREVIEW_SIDE × PREVIEW_SIDE blocks. */
export function preview(values: Float64Array, rows: number, cols: number): TensorPreview {
  const blockRows = Math.ceil(rows / PREVIEW_SIDE);
  const blockCols = Math.ceil(cols / PREVIEW_SIDE);
  const gridRows = Math.ceil(rows / blockRows);
  const gridCols = Math.ceil(cols / blockCols);
  const data = new Array<number>(gridRows * gridCols).fill(0);
  for (let i = 0; i < rows; i++) {
    const row = Math.floor(i / blockRows) * gridCols;
    for (let j = 0; j < cols; j++) {
      const x = values[i * cols + j];
      const cell = row + Math.floor(j / blockCols);
      // NaN wins: a block hiding a NaN must look broken.
      if (!(Math.abs(x) <= Math.abs(data[cell]))) data[cell] = x;
    }
  }
  for (let i = 0; i < data.length; i++) data[i] = pictureValue(data[i]);
  return { rows: gridRows, cols: gridCols, blockRows, blockCols, data };
}

/**
 * A tensor's summary, and its entries when `full`: all of them, or with `previewAbove`, a down-sampled picture of
 * one bigger than that (a 784×256 layer is 200,000 numbers; its heatmap has a few hundred pixels a side).
 */
export function makeTensor(
  values: Float64Array,
  rows: number,
  cols: number,
  full: boolean,
  previewAbove = Infinity,
): Tensor {
  const length = rows * cols;
  const result: Tensor = { rows, cols, summary: summarize(values, length) };
  if (full && length > previewAbove) {
    result.preview = preview(values, rows, cols);
  } else if (full) {
    // A plain loop into a pre-sized array: several times faster than Array.from on a subarray view.
    const data = new Array<number>(length);
    for (let i = 0; i < length; i++) data[i] = values[i];
    result.data = data;
  }
  return result;
}

export function layerTrace(network: Network, layer: Layer, level: TraceLevel, previewAbove = Infinity): LayerTrace {
  const full = level === 'full';
  const tensor = (values: Float64Array, rows: number, cols: number, full: boolean) =>
    makeTensor(values, rows, cols, full, previewAbove);
  const { m } = network;
  const n = layer.units;
  const { forward, backward, update } = layer.computed;
  const rows = layer.weightRows;
  const cols = layer.weightCols;
  const weights = tensor(layer.W, rows, cols, full);
  const biases = tensor(layer.b, layer.b.length > 0 ? 1 : 0, layer.biasCols, full);
  const trace: LayerTrace = {
    index: layer.index,
    name: layer.name,
    activation: layer.activation,
    frozen: layer.frozen,
    inputSize: layer.inputSize,
    units: n,
    computed: { forward, backward, update },
    weights,
    biases,
    norms: emptyNorms(weights.summary.norm, biases.summary.norm),
  };
  if (forward) {
    trace.z = tensor(layer.z, m, n, full);
    trace.a = tensor(layer.a, m, n, full);
    trace.norms.z = trace.z.summary.norm;
    trace.norms.a = trace.a.summary.norm;
  }
  if (backward) {
    trace.delta = tensor(layer.delta, m, n, full);
    trace.dW = tensor(layer.dW, rows, cols, full);
    trace.db = tensor(layer.db, layer.db.length > 0 ? 1 : 0, layer.biasCols, full);
    trace.norms.delta = trace.delta.summary.norm;
    trace.norms.dW = trace.dW.summary.norm;
    trace.norms.db = trace.db.summary.norm;
  }
  if (layer.type !== 'dense')
    typeTrace(trace, network, layer, (values, rows, cols) => tensor(values, rows, cols, full));
  else if (layer.addFrom >= 0) trace.add = network.layers[layer.addFrom].name;
  if (update) {
    trace.deltaW = tensor(layer.stepW, rows, cols, full);
    trace.deltaB = tensor(layer.stepB, layer.stepB.length > 0 ? 1 : 0, layer.biasCols, full);
    trace.norms.deltaW = trace.deltaW.summary.norm;
    trace.norms.updateRatio = weights.summary.norm > 0 ? trace.norms.deltaW / weights.summary.norm : 0;
  }
  return trace;
}

/** The intermediates of a batch-norm, layer-norm or dropout layer, under the names a student knows. */
function typeTrace(
  trace: LayerTrace,
  network: Network,
  layer: Layer,
  tensor: (values: Float64Array, rows: number, cols: number) => Tensor,
): void {
  const { m } = network;
  const n = layer.units;
  const { forward, backward } = layer.computed;
  trace.type = layer.type;
  if (layer.addFrom >= 0) trace.add = network.layers[layer.addFrom].name;
  const kernel = layer.kernel;
  if (kernel instanceof BatchNormKernel || kernel instanceof LayerNormKernel) {
    // γ, β, dγ, dβ: one per unit, or per channel for batch norm after an image (BatchNorm2d).
    const count = layer.W.length;
    trace.gamma = tensor(layer.W, 1, count);
    trace.beta = tensor(layer.b, 1, count);
    if (forward) {
      const perFeature = kernel instanceof BatchNormKernel;
      trace.mu = tensor(kernel.mu, perFeature ? 1 : m, perFeature ? count : 1);
      trace.var = tensor(kernel.variance, perFeature ? 1 : m, perFeature ? count : 1);
      trace.xhat = tensor(kernel.xhat, m, n);
    }
    if (backward) {
      trace.dgamma = tensor(layer.dW, 1, count);
      trace.dbeta = tensor(layer.db, 1, count);
    }
  }
  if (kernel instanceof BatchNormKernel) {
    trace.runningMean = tensor(kernel.runningMean, 1, kernel.channels);
    trace.runningVar = tensor(kernel.runningVar, 1, kernel.channels);
  }
  if (kernel instanceof DropoutKernel && forward) trace.mask = tensor(kernel.mask, m, n);
  imageTrace(trace, layer, m, tensor);
  // What the layer hands down is the point of a normalization's backward (for dense it is just δ·Wᵀ).
  if (backward && layer.index > 0) trace.gradInput = tensor(layer.gradInput, m, layer.inputSize);
}

/** Convolution kernels, feature maps and dK; pooling's argmax positions; the image shapes around them. */
function imageTrace(
  trace: LayerTrace,
  layer: Layer,
  m: number,
  tensor: (values: Float64Array, rows: number, cols: number) => Tensor,
): void {
  const { kernel } = layer;
  const { forward, backward } = layer.computed;
  if (kernel instanceof Conv2dKernel) {
    const g = kernel.geometry;
    trace.inputShape = [g.channels, g.height, g.width];
    trace.shape = [g.filters, g.outHeight, g.outWidth];
    trace.kernels = tensor(layer.W, g.filters, kernel.patch);
    trace.kernelShape = [g.filters, g.channels, g.kernelHeight, g.kernelWidth];
    trace.stride = g.stride;
    trace.padding = [g.paddingRows, g.paddingCols];
    if (forward) trace.featureMaps = tensor(layer.a, m, layer.units);
    if (backward) trace.dK = tensor(layer.dW, g.filters, kernel.patch);
  } else if (kernel instanceof MaxPool2dKernel) {
    const g = kernel.geometry;
    trace.inputShape = [g.channels, g.height, g.width];
    trace.shape = [g.channels, g.outHeight, g.outWidth];
    trace.poolSize = g.size;
    trace.stride = g.stride;
    if (forward) trace.argmax = tensor(Float64Array.from(kernel.argmax.subarray(0, m * layer.units)), m, layer.units);
  } else if (kernel instanceof FlattenKernel && kernel.inputShape) {
    trace.inputShape = kernel.inputShape;
  }
}

function emptyNorms(weights: number, biases: number): LayerNorms {
  return { z: NaN, a: NaN, delta: NaN, dW: NaN, db: NaN, deltaW: NaN, weights, biases, updateRatio: NaN };
}
