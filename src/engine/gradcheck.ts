// Numerical gradient check: nudge each parameter by ±ε, measure the loss, and compare the central difference
// (L(w+ε) − L(w−ε)) / 2ε with the gradient backprop computed. Agreement to ~1e-7 means the backward pass
// is right; the check is what lets a student trust (or debug) every formula in the engine.

import type { ModelSpec } from '../model/types';
import type { GradientCheckResult } from '../protocol';
import { fromRows } from './matrix';
import { Network } from './network';
import { Random } from './random';

export interface GradientCheckOptions {
  epsilon?: number;
  tolerance?: number;
  /** Samples of the training set to use; default the first batch. */
  samples?: number[];
  /** Check at most this many parameters per layer (spread evenly); default every parameter. */
  maxPerLayer?: number;
}

/** Relative error with a floor, so two tiny gradients that agree to 1e-10 absolute are not called wrong. */
export function relativeError(analytic: number, numeric: number): number {
  return Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-3);
}

export function gradientCheck(model: ModelSpec, options: GradientCheckOptions = {}): GradientCheckResult {
  const epsilon = options.epsilon ?? 1e-6;
  const tolerance = options.tolerance ?? 1e-6;
  const count = model.train.inputs.length;
  const samples = options.samples ?? Array.from({ length: Math.min(count, model.training.batch) }, (_, i) => i);
  const network = new Network(model, new Random(model.seed), samples.length);
  const outputs = model.layers[model.layers.length - 1].units;
  network.loadBatch(
    fromRows(model.train.inputs, model.inputSize).data,
    fromRows(model.train.targets, outputs).data,
    samples,
    0,
    samples.length,
  );

  const totalLoss = (): number => {
    network.layers.forEach((_, k) => network.forward(k));
    return network.computeLoss() + network.l2Penalty;
  };
  totalLoss();
  for (let k = network.layers.length - 1; k >= 0; k--) network.backward(k);

  const layers = network.layers.map((layer) => {
    const analytic = [layer.dW.slice(), layer.db.slice()];
    const parameters = layer.hasBias ? [layer.W, layer.b] : [layer.W];
    let maxRelativeError = 0;
    let checked = 0;
    parameters.forEach((values, p) => {
      const stride = Math.max(1, Math.ceil(values.length / (options.maxPerLayer ?? Infinity)));
      for (let i = 0; i < values.length; i += stride) {
        const original = values[i];
        values[i] = original + epsilon;
        const plus = totalLoss();
        values[i] = original - epsilon;
        const minus = totalLoss();
        values[i] = original;
        const numeric = (plus - minus) / (2 * epsilon);
        maxRelativeError = Math.max(maxRelativeError, relativeError(analytic[p][i], numeric));
        checked++;
      }
    });
    return { layer: layer.index, name: layer.name, maxRelativeError, parameters: checked };
  });
  return { layers, passed: layers.every((layer) => layer.maxRelativeError <= tolerance), tolerance };
}
