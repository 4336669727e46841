// Numerical gradient check: nudge each parameter by ±ε, measure the loss, and compare the central difference
// (L(w+ε) − L(w−ε)) / 2ε with the gradient backprop computed. Agreement to ~1e-7 means the backward pass
// is right; the check is what lets a student trust (or debug) every formula in the engine.

import type { ModelSpec } from '../model/types';
import type { GradientCheckEntry, GradientCheckLayer, GradientCheckResult } from '../protocol';
import { fromRows } from './matrix';
import { Network, type Layer } from './network';
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
  // Every nudged loss must see the same dropout masks as the gradient did.
  network.keepMasks = true;
  for (let k = network.layers.length - 1; k >= 0; k--) network.backward(k);

  const loss = totalLoss();
  const kinks = kinksWithinReach(network, epsilon);
  const layers = network.layers.map((layer): GradientCheckLayer => {
    const analytic = [layer.dW.slice(), layer.db.slice()];
    const parameters = layer.hasBias ? [layer.W, layer.b] : [layer.W];
    let maxRelativeError = 0;
    let checked = 0;
    const worst: GradientCheckEntry[] = [];
    const noise = roundingNoise(loss, epsilon);
    // Failing parameters whose difference rounding alone cannot explain.
    let unexplained = 0;
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
        const error = relativeError(analytic[p][i], numeric);
        maxRelativeError = Math.max(maxRelativeError, error);
        if (error > tolerance && Math.abs(analytic[p][i] - numeric) > NOISE_MARGIN * noise) unexplained++;
        checked++;
        if (worst.length < WORST || error > worst[worst.length - 1].relativeError) {
          const parameter = p === 0 ? `W[${Math.floor(i / layer.weightCols)}][${i % layer.weightCols}]` : `b[${i}]`;
          worst.push({ parameter, analytic: analytic[p][i], numeric, relativeError: error });
          worst.sort((x, y) => y.relativeError - x.relativeError);
          worst.length = Math.min(worst.length, WORST);
        }
      }
    });
    // Only a failing layer needs a reason: a pass near a kink or in rounding noise is still a pass.
    const failed = maxRelativeError > tolerance;
    const reasons = [
      hugeWeights(layer, epsilon),
      failed && unexplained === 0 ? roundingReason(loss, noise, worst[0], epsilon) : undefined,
      failed ? kinks.get(layer.index) : undefined,
    ];
    const unreliable = failed ? reasons.filter(Boolean).join('; ') : '';
    return {
      layer: layer.index,
      name: layer.name,
      maxRelativeError,
      parameters: checked,
      worst,
      ...(unreliable ? { unreliable } : {}),
    };
  });
  return { layers, passed: layers.every((layer) => layer.maxRelativeError <= tolerance), tolerance, epsilon };
}

/** Parameters reported per layer with the largest differences. */
const WORST = 3;
const MACHINE_EPSILON = 2 ** -52;

/** A failing difference within this many times the rounding noise is explained by it. */
const NOISE_MARGIN = 10;

/**
 * Finite differences subtract two losses that agree in all but their last digits: with |L| large the rounding
 * error of (L(w+ε) − L(w−ε)) / 2ε alone is about |L|·2⁻⁵²/ε, whatever the backward pass computed.
 */
function roundingNoise(loss: number, epsilon: number): number {
  return (Math.abs(loss) * MACHINE_EPSILON) / epsilon;
}

function roundingReason(
  loss: number,
  noise: number,
  worst: GradientCheckEntry | undefined,
  epsilon: number,
): string | undefined {
  if (!Number.isFinite(loss)) return `the loss is ${loss}, so no difference of losses can be measured`;
  if (!worst) return undefined;
  const difference = Math.abs(worst.analytic - worst.numeric);
  return `the loss is ${fmt(loss)}, so rounding alone makes each numeric gradient uncertain by about ±${fmt(noise)} (|L|·2⁻⁵²/ε with ε = ${fmt(epsilon)}); every failing difference here (the worst, ${fmt(difference)} at ${worst.parameter}) is within that, so the check cannot tell, and the backward pass is not shown wrong`;
}

/** With weights this large a nudge of ε is below their own rounding, so w ± ε is w. */
function hugeWeights(layer: Layer, epsilon: number): string | undefined {
  let largest = 0;
  for (const w of layer.W) largest = Math.max(largest, Math.abs(w));
  return largest * MACHINE_EPSILON > epsilon
    ? `weights up to ${fmt(largest)} are too large for a nudge of ε = ${fmt(epsilon)} to register`
    : undefined;
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(1) : String(Number(x.toPrecision(3)));
}

/**
 * ReLU's slope jumps at z = 0: when a pre-activation is within reach of a nudge, L(w+ε) and L(w−ε) lie on two
 * different lines and their difference is not the gradient. Such a kink misleads the check of its layer and of
 * every layer below it (their nudges move z too).
 */
function kinksWithinReach(network: Network, epsilon: number): Map<number, string> {
  const reasons = new Map<number, string>();
  // A nudge of ε moves z by ε times the size of the values it multiplies; 1e4·ε leaves room for that.
  const reach = 1e4 * epsilon;
  for (let k = network.layers.length - 1; k >= 0; k--) {
    const layer = network.layers[k];
    if (layer.activation !== 'relu' && layer.activation !== 'leaky_relu') continue;
    let near = 0;
    for (let i = 0; i < network.m * layer.units; i++) if (Math.abs(layer.z[i]) < reach) near++;
    if (near === 0) continue;
    const reason = `${near} pre-activation${near === 1 ? '' : 's'} of ${layer.name} within ${reach} of ReLU's kink at 0`;
    for (let below = k; below >= 0; below--) if (!reasons.has(below)) reasons.set(below, reason);
  }
  return reasons;
}
