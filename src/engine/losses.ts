// Each loss's value L and its gradient side by side. Every loss is a mean over the m samples of the batch,
// so every gradient carries the 1/m. Cross-entropy (after softmax) and binary cross-entropy (after sigmoid)
// hand back δ = ∂L/∂z = (p − y)/m directly: the textbook simplification, and numerically the stable one.

import type { LossSpec } from '../model/types';
import { logSoftmaxAt } from './activations';

export interface LossFunction {
  /** Mean over the batch; z and a are the output layer's pre-activations and activations (m×n). */
  value(z: Float64Array, a: Float64Array, y: Float64Array, m: number, n: number): number;
  /** Writes ∂L/∂ŷ, or ∂L/∂z when `givesDelta`. */
  gradient(z: Float64Array, a: Float64Array, y: Float64Array, out: Float64Array, m: number, n: number): void;
  /** True when `gradient` already is δ of the output layer (the activation's f′ is folded in). */
  givesDelta: boolean;
}

export function lossFunction(spec: LossSpec): LossFunction {
  switch (spec.type) {
    case 'mse':
      return meanSquaredError;
    case 'mae':
      return meanAbsoluteError;
    case 'huber':
      return huber(spec.delta);
    case 'cross_entropy':
      return crossEntropy;
    case 'binary_cross_entropy':
      return binaryCrossEntropy;
  }
}

/** L = (1/m) Σ ½(ŷ − y)²,  ∂L/∂ŷ = (ŷ − y)/m */
const meanSquaredError: LossFunction = {
  value(_z, a, y, m, n) {
    let sum = 0;
    for (let k = 0; k < m * n; k++) sum += 0.5 * (a[k] - y[k]) ** 2;
    return sum / m;
  },
  gradient(_z, a, y, out, m, n) {
    for (let k = 0; k < m * n; k++) out[k] = (a[k] - y[k]) / m;
  },
  givesDelta: false,
};

/** L = (1/m) Σ |ŷ − y|,  ∂L/∂ŷ = sign(ŷ − y)/m (0 at 0, as PyTorch) */
const meanAbsoluteError: LossFunction = {
  value(_z, a, y, m, n) {
    let sum = 0;
    for (let k = 0; k < m * n; k++) sum += Math.abs(a[k] - y[k]);
    return sum / m;
  },
  gradient(_z, a, y, out, m, n) {
    for (let k = 0; k < m * n; k++) out[k] = Math.sign(a[k] - y[k]) / m;
  },
  givesDelta: false,
};

/** Per entry ½e² when |e| ≤ δ, else δ(|e| − ½δ); gradient e or δ·sign(e); summed over outputs, mean over batch. */
function huber(threshold: number): LossFunction {
  return {
    value(_z, a, y, m, n) {
      let sum = 0;
      for (let k = 0; k < m * n; k++) {
        const e = Math.abs(a[k] - y[k]);
        sum += e <= threshold ? 0.5 * e * e : threshold * (e - 0.5 * threshold);
      }
      return sum / m;
    },
    gradient(_z, a, y, out, m, n) {
      for (let k = 0; k < m * n; k++) {
        const e = a[k] - y[k];
        out[k] = (Math.abs(e) <= threshold ? e : threshold * Math.sign(e)) / m;
      }
    },
    givesDelta: false,
  };
}

/** L = −(1/m) Σ y·log p with p = softmax(z);  δ = (p − y)/m */
const crossEntropy: LossFunction = {
  value(z, _a, y, m, n) {
    let sum = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) if (y[i * n + j] !== 0) sum -= y[i * n + j] * logSoftmaxAt(z, i * n, n, j);
    }
    return sum / m;
  },
  gradient(_z, a, y, out, m, n) {
    for (let k = 0; k < m * n; k++) out[k] = (a[k] - y[k]) / m;
  },
  givesDelta: true,
};

/** L = −(1/m) Σ [y·log p + (1−y)·log(1−p)] with p = sigmoid(z);  δ = (p − y)/m */
const binaryCrossEntropy: LossFunction = {
  value(z, _a, y, m, n) {
    // The same quantity written from the logit, max(z,0) − z·y + log(1 + e^−|z|), never takes log(0).
    let sum = 0;
    for (let k = 0; k < m * n; k++) sum += Math.max(z[k], 0) - z[k] * y[k] + Math.log1p(Math.exp(-Math.abs(z[k])));
    return sum / m;
  },
  gradient(_z, a, y, out, m, n) {
    for (let k = 0; k < m * n; k++) out[k] = (a[k] - y[k]) / m;
  },
  givesDelta: true,
};
