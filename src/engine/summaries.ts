// Read-only views of a network for people: accuracy, the model outline for the UI, and the decision
// boundary of a 2-input model over its input plane.

import type { ModelSpec } from '../model/types';
import type { DecisionBoundary, ModelInfo } from '../protocol';
import type { Network } from './network';

/**
 * How many samples are classified right, for outputs that are classes: argmax for several outputs
 * (softmax), a 0.5 threshold for one sigmoid output. Undefined for regression outputs.
 */
export function correctCount(
  network: Network,
  outputs: Float64Array = network.output.a,
  targets: Float64Array = network.Y,
  count: number = network.m,
): number | undefined {
  const out = network.output;
  const n = out.units;
  if (n === 1 && out.activation !== 'sigmoid') return undefined;
  if (n > 1 && out.activation !== 'softmax') return undefined;
  let correct = 0;
  for (let i = 0; i < count; i++) {
    if (n === 1) {
      if (outputs[i] > 0.5 === targets[i] > 0.5) correct++;
    } else if (argmax(outputs, i * n, n) === argmax(targets, i * n, n)) {
      correct++;
    }
  }
  return correct;
}

function argmax(values: Float64Array, start: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (values[start + j] > values[start + best]) best = j;
  return best;
}

export function modelInfoOf(model: ModelSpec): ModelInfo {
  let fanIn = model.inputSize;
  return {
    name: model.name,
    ...(model.file ? { file: model.file } : {}),
    inputSize: model.inputSize,
    ...(model.inputShape ? { inputShape: model.inputShape } : {}),
    ...(model.inputNames ? { inputNames: model.inputNames } : {}),
    layers: model.layers.map((layer, index) => {
      const info = {
        index,
        name: layer.name,
        units: layer.units,
        inputSize: fanIn,
        activation: layer.activation,
        frozen: layer.frozen,
        bias: layer.bias,
        ...(layer.range ? { range: layer.range } : {}),
        ...(layer.type && layer.type !== 'dense' ? { type: layer.type } : {}),
        ...(layer.add !== undefined ? { add: layer.add } : {}),
        ...(layer.inputShape ? { inputShape: layer.inputShape } : {}),
        ...(layer.shape ? { shape: layer.shape } : {}),
        ...(layer.filters !== undefined ? { filters: layer.filters } : {}),
        ...(layer.kernel ? { kernel: layer.kernel } : {}),
        ...(layer.stride !== undefined ? { stride: layer.stride } : {}),
        ...(layer.padding ? { padding: layer.padding } : {}),
        ...(layer.epsilon !== undefined ? { epsilon: layer.epsilon } : {}),
        ...(layer.rate !== undefined ? { rate: layer.rate } : {}),
      };
      fanIn = layer.units;
      return info;
    }),
    loss: model.loss,
    optimizer: { type: model.optimizer.type, lr: model.optimizer.lr },
    l2: model.l2,
    epochs: model.training.epochs,
    batchSize: Math.min(model.training.batch, model.train.inputs.length),
    samples: model.train.inputs.length,
    validationSamples: model.validation?.inputs.length ?? 0,
  };
}

/** The output over a grid covering the training inputs (plus a margin), with the samples to draw on top. */
export function boundaryOf(
  network: Network,
  model: ModelSpec,
  inputs: Float64Array,
  targets: Float64Array,
  resolution: number,
): DecisionBoundary | undefined {
  if (model.inputSize !== 2 || model.train.inputs.length === 0) return undefined;
  const count = model.train.inputs.length;
  let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    xMin = Math.min(xMin, inputs[2 * i]);
    xMax = Math.max(xMax, inputs[2 * i]);
    yMin = Math.min(yMin, inputs[2 * i + 1]);
    yMax = Math.max(yMax, inputs[2 * i + 1]);
  }
  const xPad = (xMax - xMin || 1) * 0.1;
  const yPad = (yMax - yMin || 1) * 0.1;
  [xMin, xMax, yMin, yMax] = [xMin - xPad, xMax + xPad, yMin - yPad, yMax + yPad];
  const cells = resolution * resolution;
  const grid = new Float64Array(cells * 2);
  for (let row = 0; row < resolution; row++) {
    for (let col = 0; col < resolution; col++) {
      const cell = row * resolution + col;
      grid[2 * cell] = xMin + ((col + 0.5) / resolution) * (xMax - xMin);
      grid[2 * cell + 1] = yMin + ((row + 0.5) / resolution) * (yMax - yMin);
    }
  }
  const outputs = network.predict(grid, cells).a;
  const n = network.outputSize;
  const values: number[] = [];
  const classOf: number[] = [];
  for (let cell = 0; cell < cells; cell++) {
    if (n === 1) {
      values.push(outputs[cell]);
    } else {
      const best = argmax(outputs, cell * n, n);
      classOf.push(best);
      values.push(outputs[cell * n + best]);
    }
  }
  const points = Array.from({ length: count }, (_, i) => ({
    x: inputs[2 * i],
    y: inputs[2 * i + 1],
    label: n === 1 ? targets[i] : argmax(targets, i * n, n),
  }));
  return { xMin, xMax, yMin, yMax, resolution, values, classOf, classes: n === 1 ? 1 : n, points };
}
