// Each activation's f and f′ side by side, so they can be checked against the slides at a glance.
// f′ gets both z and a = f(z) because the classic forms use whichever is cheaper: sigmoid′ = S(1−S) from a,
// ReLU′ = 1[z>0] from z.

import type { ActivationName } from '../model/types';

/**
 * One activation: f and f′ over a block of `count` entries, side by side. Whole loops rather than per-entry
 * callbacks, so each loop calls nothing and stays fast on the tiny layers this tool is mostly used with.
 */
interface ElementwiseActivation {
  /** a = f(z) */
  forward(z: Float64Array, a: Float64Array, count: number, alpha: number): void;
  /** δ = g ⊙ f′(z), with g = ∂L/∂a */
  backward(z: Float64Array, a: Float64Array, g: Float64Array, delta: Float64Array, count: number, alpha: number): void;
  /** f′ at one entry (for saturation diagnostics and hover formulas). */
  derivative(z: number, a: number, alpha: number): number;
}

const elementwise: Record<Exclude<ActivationName, 'softmax'>, ElementwiseActivation> = {
  linear: {
    forward: (z, a, count) => {
      for (let k = 0; k < count; k++) a[k] = z[k];
    },
    backward: (_z, _a, g, delta, count) => {
      for (let k = 0; k < count; k++) delta[k] = g[k];
    },
    derivative: () => 1,
  },
  sigmoid: {
    // Two branches so exp never overflows: for z < 0 use e^z / (1 + e^z).
    forward: (z, a, count) => {
      for (let k = 0; k < count; k++) {
        const x = z[k];
        if (x >= 0) a[k] = 1 / (1 + Math.exp(-x));
        else {
          const e = Math.exp(x);
          a[k] = e / (1 + e);
        }
      }
    },
    // sigmoid′ = S(1 − S)
    backward: (_z, a, g, delta, count) => {
      for (let k = 0; k < count; k++) delta[k] = g[k] * a[k] * (1 - a[k]);
    },
    derivative: (_z, a) => a * (1 - a),
  },
  tanh: {
    forward: (z, a, count) => {
      for (let k = 0; k < count; k++) a[k] = Math.tanh(z[k]);
    },
    // tanh′ = 1 − tanh²
    backward: (_z, a, g, delta, count) => {
      for (let k = 0; k < count; k++) delta[k] = g[k] * (1 - a[k] * a[k]);
    },
    derivative: (_z, a) => 1 - a * a,
  },
  relu: {
    // max(z, 0) as z·1[z > 0], the indicator a number multiplied in rather than a branch: where about half the
    // units fire, a branch is mispredicted every other entry and cost five times the rest of the loop. + 0 turns
    // the −0 of a negative z into 0. Equal to max(z, 0) for every finite z; z = −∞ or NaN gives NaN, and the
    // session stops at a non-finite z anyway.
    forward: (z, a, count) => {
      for (let k = 0; k < count; k++) a[k] = z[k] * Number(z[k] > 0) + 0;
    },
    // ReLU′ = 1[z > 0], multiplied in the same way (a non-finite g at a silent unit gives NaN, not 0).
    backward: (z, _a, g, delta, count) => {
      for (let k = 0; k < count; k++) delta[k] = g[k] * Number(z[k] > 0) + 0;
    },
    derivative: (z) => (z > 0 ? 1 : 0),
  },
  leaky_relu: {
    forward: (z, a, count, alpha) => {
      for (let k = 0; k < count; k++) a[k] = z[k] > 0 ? z[k] : alpha * z[k];
    },
    backward: (z, _a, g, delta, count, alpha) => {
      for (let k = 0; k < count; k++) delta[k] = z[k] > 0 ? g[k] : alpha * g[k];
    },
    derivative: (z, _a, alpha) => (z > 0 ? 1 : alpha),
  },
  elu: {
    // expm1 keeps α(e^z − 1) accurate for z near 0.
    forward: (z, a, count, alpha) => {
      for (let k = 0; k < count; k++) a[k] = z[k] > 0 ? z[k] : alpha * Math.expm1(z[k]);
    },
    // For z ≤ 0, f′ = α·e^z = a + α.
    backward: (z, a, g, delta, count, alpha) => {
      for (let k = 0; k < count; k++) delta[k] = z[k] > 0 ? g[k] : g[k] * (a[k] + alpha);
    },
    derivative: (z, a, alpha) => (z > 0 ? 1 : a + alpha),
  },
};

/** a = f(z) for an m×n block. Softmax works row by row (each sample's outputs sum to 1). */
export function activate(
  name: ActivationName,
  alpha: number,
  z: Float64Array,
  a: Float64Array,
  m: number,
  n: number,
): void {
  if (name === 'softmax') {
    for (let i = 0; i < m; i++) softmaxRow(z, a, i * n, n);
    return;
  }
  elementwise[name].forward(z, a, m * n, alpha);
}

/** δ = ∂L/∂z from g = ∂L/∂a: g ⊙ f′(z) elementwise, or the softmax Jacobian-vector product s ⊙ (g − (g·s)). */
export function activationBackward(
  name: ActivationName,
  alpha: number,
  z: Float64Array,
  a: Float64Array,
  gradA: Float64Array,
  delta: Float64Array,
  m: number,
  n: number,
): void {
  if (name === 'softmax') {
    for (let i = 0; i < m; i++) {
      const row = i * n;
      let dot = 0;
      for (let j = 0; j < n; j++) dot += gradA[row + j] * a[row + j];
      for (let j = 0; j < n; j++) delta[row + j] = a[row + j] * (gradA[row + j] - dot);
    }
    return;
  }
  elementwise[name].backward(z, a, gradA, delta, m * n, alpha);
}

/** f′ at one entry (for saturation diagnostics and hover formulas); softmax reports its diagonal s(1−s). */
export function derivativeAt(name: ActivationName, alpha: number, z: number, a: number): number {
  return name === 'softmax' ? a * (1 - a) : elementwise[name].derivative(z, a, alpha);
}

function softmaxRow(z: Float64Array, a: Float64Array, start: number, n: number): void {
  // Subtracting the row max leaves softmax unchanged and keeps exp from overflowing.
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, z[start + j]);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    a[start + j] = Math.exp(z[start + j] - max);
    sum += a[start + j];
  }
  for (let j = 0; j < n; j++) a[start + j] /= sum;
}

/** log softmax of one row, for a cross-entropy that stays finite when a probability underflows. */
export function logSoftmaxAt(z: Float64Array, start: number, n: number, j: number): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, z[start + k]);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(z[start + k] - max);
  return z[start + j] - max - Math.log(sum);
}
