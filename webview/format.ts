// Pure helpers for the panel (no DOM), so they can be unit-tested: number formatting, the diverging colour
// scale, the formula behind each number, and when a layer is too big to draw unit by unit.

import type { ActivationName, LossSpec } from '../src/model/types';

// One number format for the editor and the panel.
export { formatNumber } from '../src/extension/format';

/** TensorFlow Playground's colours: blue for positive, orange for negative. */
export const POSITIVE: [number, number, number] = [33, 130, 214];
export const NEGATIVE: [number, number, number] = [245, 147, 34];

/**
 * A diverging scale symmetric around 0: `t` = value / scale in [−1, 1] becomes an rgba colour whose alpha
 * grows with |t|, so it reads on light and dark themes alike.
 */
export function divergingColor(value: number, scale: number): string {
  if (!Number.isFinite(value)) return 'rgba(220, 40, 40, 0.9)';
  const t = scale > 0 ? Math.max(-1, Math.min(1, value / scale)) : 0;
  const [r, g, b] = t >= 0 ? POSITIVE : NEGATIVE;
  const alpha = 0.08 + 0.82 * Math.sqrt(Math.abs(t));
  return `rgba(${r}, ${g}, ${b}, ${alpha.toFixed(3)})`;
}

/** The largest |value|, ignoring non-finite entries (0 for none). */
export function maxAbs(values: readonly (number | null)[] | undefined): number {
  let max = 0;
  for (const value of values ?? []) if (value !== null && Number.isFinite(value)) max = Math.max(max, Math.abs(value));
  return max;
}

/** Layers wider than this are drawn as one block with a heatmap instead of one circle per unit. */
export const MAX_DRAWN_UNITS = 24;
/** Above this many edges between two columns, draw one bundle instead. */
export const MAX_DRAWN_EDGES = 600;

export function collapses(units: number): boolean {
  return units > MAX_DRAWN_UNITS;
}

export type TensorName = 'W' | 'dW' | 'ΔW' | 'b' | 'db' | 'z' | 'a' | 'δ';

export interface FormulaContext {
  layer: number;
  activation: ActivationName;
  isOutput: boolean;
  loss: LossSpec;
  l2: boolean;
}

/** How the entry [i][j] of a tensor is computed, in the notation of the slides. */
export function formulaFor(name: TensorName, i: number, j: number, context: FormulaContext): string {
  const prev = context.layer === 0 ? 'x' : 'a_prev';
  switch (name) {
    case 'W':
      return `W[${i}][${j}]: weight from input ${i} to unit ${j} (after the last update)`;
    case 'b':
      return `b[${j}]: bias of unit ${j}`;
    case 'z':
      return `z[${i}][${j}] = Σₖ ${prev}[${i}][k]·W[k][${j}] + b[${j}]`;
    case 'a':
      return `a[${i}][${j}] = ${context.activation}(z[${i}][${j}])`;
    case 'δ':
      if (
        context.isOutput &&
        ((context.loss.type === 'cross_entropy' && context.activation === 'softmax') ||
          (context.loss.type === 'binary_cross_entropy' && context.activation === 'sigmoid'))
      ) {
        return `δ[${i}][${j}] = (p[${i}][${j}] − y[${i}][${j}]) / m`;
      }
      return context.isOutput
        ? `δ[${i}][${j}] = ∂L/∂ŷ[${i}][${j}] · ${derivativeText(context.activation)}`
        : `δ[${i}][${j}] = (Σₖ δ_next[${i}][k]·W_next[${j}][k]) · ${derivativeText(context.activation)}`;
    case 'dW':
      return `dW[${i}][${j}] = Σₙ ${prev}[n][${i}]·δ[n][${j}]${context.l2 ? ` + (λ/m)·W[${i}][${j}]` : ''} (δ already has the 1/m)`;
    case 'db':
      return `db[${j}] = Σₙ δ[n][${j}]`;
    case 'ΔW':
      return `ΔW[${i}][${j}] = W_after − W_before (the optimizer's step)`;
  }
}

function derivativeText(activation: ActivationName): string {
  switch (activation) {
    case 'sigmoid':
      return 'σ′(z) = a(1−a)';
    case 'tanh':
      return 'tanh′(z) = 1−a²';
    case 'relu':
      return 'ReLU′(z) = 1[z>0]';
    case 'leaky_relu':
      return '1 if z>0 else α';
    case 'elu':
      return '1 if z>0 else a+α';
    case 'softmax':
      return 'softmax Jacobian';
    case 'linear':
      return '1';
  }
}
