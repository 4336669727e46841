// How big a model is, layer by layer and by each layer's type, rather than as if every layer were dense: a
// convolution has filters·channels·kh·kw (+ filters) parameters, not inputs × outputs, and does kh·kw·channels
// multiply-adds per output value; pooling, flatten and dropout have no parameters. For the choices made from a
// model's size (full tensors or summaries at each stop, how many samples a gradient check takes, how long a trace
// line gets) and for the shapes and counts shown beside a layer.

import type { LayerSpec } from '../model/types';
import { parameterCount } from './layers';

/** What sizes are computed from: a resolved spec's layers, or the summary the UI has (LayerInfo). */
type SizedLayer = Pick<LayerSpec, 'type' | 'units' | 'bias' | 'inputShape' | 'shape' | 'kernel' | 'filters' | 'name'>;

export interface LayerSize {
  name: string;
  /** Numbers the layer reads per sample and outputs per sample. */
  fanIn: number;
  units: number;
  parameters: number;
  /** Multiply-adds (or comparisons) of one sample's z. */
  forwardWork: number;
  /** Numbers a full trace of one sample carries for the layer besides its parameters (z, a, δ and the type's own). */
  tracedPerSample: number;
}

/** Each layer's size, in order. */
export function layerSizes(model: { inputSize: number; layers: readonly SizedLayer[] }): LayerSize[] {
  let fanIn = model.inputSize;
  return model.layers.map((layer) => {
    const size: LayerSize = {
      name: layer.name,
      fanIn,
      units: layer.units,
      parameters: parameterCount(layer, fanIn),
      forwardWork: forwardWork(layer, fanIn),
      tracedPerSample: tracedPerSample(layer, fanIn),
    };
    fanIn = layer.units;
    return size;
  });
}

function forwardWork(layer: SizedLayer, fanIn: number): number {
  switch (layer.type ?? 'dense') {
    case 'dense':
      return fanIn * layer.units;
    case 'conv2d': {
      const [kh, kw] = layer.kernel ?? [1, 1];
      return layer.units * (layer.inputShape?.[0] ?? 1) * kh * kw;
    }
    case 'maxpool2d': {
      const [kh, kw] = layer.kernel ?? [1, 1];
      return layer.units * kh * kw;
    }
    case 'batchnorm':
    case 'layernorm':
      return 4 * layer.units;
    case 'dropout':
    case 'flatten':
      return layer.units;
  }
}

/** z, a, δ, and what the trace adds by type: ∂L/∂input below a non-dense layer, feature maps, argmax, x̂, mask. */
function tracedPerSample(layer: SizedLayer, fanIn: number): number {
  const type = layer.type ?? 'dense';
  if (type === 'dense') return 3 * layer.units;
  const own = type === 'flatten' ? 0 : layer.units;
  return 3 * layer.units + fanIn + own;
}

/** Numbers a full trace record carries for a batch of `batch` samples: every tensor of every layer. */
export function traceElements(model: { inputSize: number; layers: readonly SizedLayer[] }, batch: number): number {
  let elements = 0;
  for (const layer of layerSizes(model))
    // W, dW and ΔW (a convolution's kernels and dK again as K and dK), and the per-sample tensors.
    elements += 3 * layer.parameters + batch * layer.tracedPerSample;
  for (const layer of model.layers) if (layer.type === 'conv2d') elements += 2 * parameterCount(layer, 0);
  return elements;
}

/** Multiply-adds of one sample's forward pass, an activation counted as 20 (exp and tanh are not cheap). */
export function forwardWorkPerSample(model: { inputSize: number; layers: readonly SizedLayer[] }): number {
  return layerSizes(model).reduce((work, layer) => work + layer.forwardWork + 20 * layer.units, 0);
}

/** "2→3", or an image layer's shapes: "1×8×8 → 8×8×8 (8 filters 3×3)", "8×8×8 → 8×4×4 (max 2×2)". */
export function layerShapeText(info: SizedLayer, fanIn: number): string {
  const image = (shape: [number, number, number] | undefined, size: number) => (shape ? shape.join('×') : String(size));
  const from = image(info.inputShape, fanIn);
  const [kh, kw] = info.kernel ?? [1, 1];
  switch (info.type ?? 'dense') {
    case 'conv2d':
      return `${from} → ${image(info.shape, info.units)} (${info.filters} filter${info.filters === 1 ? '' : 's'} ${kh}×${kw})`;
    case 'maxpool2d':
      return `${from} → ${image(info.shape, info.units)} (max ${kh}×${kw})`;
    case 'flatten':
      return `${from} → ${info.units}`;
    default:
      return `${fanIn}→${info.units}`;
  }
}

/** The layer's parameter count: "80 parameters", or "" for a layer without any. */
export function parameterText(info: SizedLayer, fanIn: number): string {
  const count = parameterCount(info, fanIn);
  return count === 0 ? '' : `${count.toLocaleString('en-US')} parameter${count === 1 ? '' : 's'}`;
}

/** "2 → 3 tanh → 1 sigmoid, 13 parameters"; an image layer by its type and output shape ("conv2d 8×8×8 relu"). */
export function describeNetwork(model: {
  inputSize: number;
  inputShape?: [number, number, number];
  layers: readonly (SizedLayer & { activation: string })[];
}): string {
  const layers = model.layers.map((layer) => {
    if (!layer.type || layer.type === 'dense') return `${layer.units} ${layer.activation}`;
    const shape = layer.shape && layer.type !== 'flatten' ? layer.shape.join('×') : String(layer.units);
    return `${layer.type} ${shape}${layer.activation === 'linear' ? '' : ` ${layer.activation}`}`;
  });
  const parameters = layerSizes(model).reduce((sum, layer) => sum + layer.parameters, 0);
  const input = model.inputShape ? model.inputShape.join('×') : String(model.inputSize);
  return `${[input, ...layers].join(' → ')}, ${parameters.toLocaleString('en-US')} parameters`;
}

/** A layer in a few words: "2→3 relu", "conv2d 1×8×8 → 8×8×8 (8 filters 3×3) relu", "maxpool2d 8×8×8 → 8×4×4 (max 2×2) linear". */
export function layerHeadline(layer: SizedLayer & { activation: string }, fanIn: number): string {
  const type = layer.type ?? 'dense';
  return `${type === 'dense' ? '' : `${type} `}${layerShapeText(layer, fanIn)} ${layer.activation}`;
}
