// Gradient checks the layer tests share: one kernel alone against central differences, and the engine's own
// gradient check inside a net after a few training steps (so it is not only checked at the initial weights).
import assert from 'node:assert/strict';
import { gradientCheck, Random, TrainingSession } from '../../../src/engine';
import { createLayer, type ForwardMode, type Layer } from '../../../src/engine/layers';
import type { LayerSpec, ModelSpec } from '../../../src/model/types';

/** |a − n| / max(|a|, |n|, 1e-3): the engine's gradient-check measure. */
export const relativeError = (a: number, n: number) => Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), 1e-3);

export interface KernelCheckOptions {
  /** Features the layer reads (default its own width, as for the width-keeping layers). */
  inputSize?: number;
  seed?: number;
  /** Draws each input value (default uniform in [−2, 2]). */
  input?: (random: Random) => number;
  /** Moves the parameters from where createLayer put them, before the check. */
  prepare?: (layer: Layer, random: Random) => void;
}

/**
 * One kernel on its own: L = Σ G ⊙ z for a fixed random G, so ∂L/∂z = G. Returns the worst relative error of
 * dW, db and ∂L/∂x from the kernel's backward against central differences of L, in training mode (dropout's
 * mask held fixed after the first pass).
 */
export function kernelGradientError(spec: LayerSpec, m: number, options: KernelCheckOptions = {}): number {
  const random = new Random(options.seed ?? 7);
  const inputSize = options.inputSize ?? spec.inputShape?.reduce((a, b) => a * b) ?? spec.units;
  const layer: Layer = createLayer(spec, 1, inputSize, -1, random, m);
  options.prepare?.(layer, random);
  const x = Float64Array.from({ length: m * inputSize }, () => (options.input ?? ((r) => r.uniform(-2, 2)))(random));
  const G = Float64Array.from({ length: m * layer.units }, () => random.uniform(-1, 1));
  const mode: ForwardMode = { training: true, random, keepMasks: false };
  const z = new Float64Array(m * layer.units);
  const loss = () => {
    layer.kernel.forward(layer, x, m, z, mode);
    let sum = 0;
    for (let i = 0; i < z.length; i++) sum += G[i] * z[i];
    return sum;
  };
  loss();
  mode.keepMasks = true;
  layer.delta.set(G);
  layer.kernel.backward(layer, x, m, true);
  let worst = 0;
  // ε = 1e-5 rather than 1e-6: with two samples x̂ = ±√(σ²/(σ²+ε_bn)) barely depends on x, so ∂L/∂x is a
  // difference of nearly equal terms and a smaller nudge leaves the loss difference in rounding noise.
  const eps = 1e-5;
  for (const [values, analytic] of [
    [layer.W, layer.dW.slice()],
    [layer.b, layer.db.slice()],
    [x, layer.gradInput.slice(0, x.length)],
  ] as const) {
    for (let i = 0; i < values.length; i++) {
      const original = values[i];
      values[i] = original + eps;
      const plus = loss();
      values[i] = original - eps;
      const minus = loss();
      values[i] = original;
      worst = Math.max(worst, relativeError(analytic[i], (plus - minus) / (2 * eps)));
    }
  }
  return worst;
}

/**
 * Trains `steps` batches, then runs the engine's gradient check from the dense and conv2d weights reached
 * (norm layers start again from γ = 1, β = 0, which the check moves through anyway). Asserts every layer is
 * within `tolerance` and returns each layer's worst relative error, for the test to report.
 */
export function trainedNetGradientErrors(spec: ModelSpec, tolerance: number, steps = 3): string[] {
  const session = new TrainingSession(spec, { traceLevel: 'off' });
  for (let i = 0; i < steps; i++) session.step('batch');
  const reached = session.parameters();
  const trained: ModelSpec = {
    ...spec,
    layers: spec.layers.map((l, k) =>
      l.type === 'conv2d' || (l.type ?? 'dense') === 'dense'
        ? { ...l, weights: reached[k].weights, biases: l.bias ? reached[k].biases : undefined }
        : l,
    ),
  };
  // ε = 1e-5, as for the kernels alone: at the default 1e-6 the rounding of L(w ± ε), ~|L|·2⁻⁵²/ε ≈ 1e-10, over the
  // check's 1e-3 floor is already ~1e-7, the tolerance itself; the O(ε²) truncation at 1e-5 stays far below it.
  const result = gradientCheck(trained, { tolerance, epsilon: 1e-5 });
  for (const layer of result.layers)
    assert.ok(layer.maxRelativeError < tolerance, `${layer.name}: ${layer.maxRelativeError}`);
  assert.ok(result.passed);
  return result.layers.map(
    (layer) => `${layer.name}: ${layer.maxRelativeError.toExponential(2)} over ${layer.parameters} parameters`,
  );
}
