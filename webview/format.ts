// Pure helpers for the panel (no DOM), so they can be unit-tested: number formatting, the diverging colour
// scale, the formula behind each number, and when a layer is too big to draw unit by unit.

import type { ActivationName, LossSpec } from '../src/model/types';

import { formatNumber } from '../src/engine/format';

// One number format for the editor and the panel.
export { formatNumber };

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

/** Graph labels are never drawn smaller than this on screen: a narrow panel scrolls the graph sideways instead. */
export const MIN_LABEL_PX = 10;

/**
 * On-screen pixels per unit of the graph's layout: fill the width (up to `maxHeight` tall), but never so small that
 * the smallest label (`smallestFont` layout units) falls below MIN_LABEL_PX.
 */
export function graphScale(
  hostWidth: number,
  layout: { width: number; height: number },
  smallestFont: number,
  maxHeight = 420,
): number {
  const fit = Math.min(hostWidth / layout.width, maxHeight / layout.height);
  const readable = readableScale(smallestFont);
  return Math.max(Number.isFinite(fit) && fit > 0 ? fit : readable, readable);
}

/** The smallest scale at which a label of `font` layout units is still MIN_LABEL_PX on screen. */
export function readableScale(font: number): number {
  return MIN_LABEL_PX / font;
}

/** A chart's tick label: short, and on a log axis never "0" for a small positive value (1e-5, not 0). */
export function tickLabel(value: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3) {
    const [mantissa, exponent] = value.toExponential(1).split('e');
    return `${mantissa.replace(/\.0$/, '')}e${exponent.replace('+', '')}`;
  }
  return String(Number(value.toPrecision(3)));
}

/**
 * Tick labels of a log axis: every split when there are few, only the powers of ten when uPlot offers the 2…9
 * multiples in between (they would overlap), so no label is blank at the decades.
 */
export function logTickLabels(splits: readonly (number | null)[]): string[] {
  const decade = (v: number | null) =>
    v !== null && v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
  const crowded = splits.length > 6 && splits.some(decade);
  // uPlot passes null for a split it leaves unlabelled for want of room.
  return splits.map((v) => (v === null || (crowded && !decade(v)) ? '' : tickLabel(v)));
}

export type ChartKind = 'batch' | 'epoch';

/** What a chart says under itself when it has nothing or one point to draw (a line needs two). */
export function chartNote(
  points: number,
  kind: ChartKind,
  lastValue: number | null | undefined,
  digits: number,
): string {
  const after = kind === 'epoch' ? 'the first epoch' : 'the first batch step';
  if (points === 0) return `No data yet: the first point comes after ${after}.`;
  if (points === 1)
    return `One point so far, after ${after}${lastValue !== null && lastValue !== undefined && Number.isFinite(lastValue) ? `: ${formatNumber(lastValue, digits)}` : ''}; the line starts with the next.`;
  return '';
}

/** A weight typed into the panel: a finite number, or why not. */
export function parseWeight(text: string): { value: number } | { error: string } {
  const trimmed = text.trim().replace(/^\u2212/, '-');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed))
    return { error: 'Type a number, such as 0.5 or -1.2e-3.' };
  const value = Number(trimmed);
  return Number.isFinite(value) ? { value } : { error: 'That number is too large for a weight.' };
}

/**
 * The names of the rows of a layer's W (and dW, ΔW) in the tables: the inputs' names from `input: [a, b]` for a
 * first dense layer, whose rows are its inputs; none otherwise (a convolution's rows are its filters).
 */
export function weightRowNames(
  model: { inputNames?: string[]; layers: { type?: string }[] },
  layer: number,
): readonly string[] | undefined {
  const dense = (model.layers[layer]?.type ?? 'dense') === 'dense';
  return layer === 0 && dense ? model.inputNames : undefined;
}

/** The name of unit `unit` feeding layer `layer`: an input's name from `input: [a, b]`, else its index. */
export function sourceName(layer: number, unit: number, inputNames: readonly string[] | undefined): string {
  return layer === 0 && inputNames?.[unit] !== undefined ? inputNames[unit] : String(unit);
}

/** A parameter of a gradient check (`W[i][j]`, `b[j]`), with the input's name for the first layer's weights. */
export function parameterLabel(parameter: string, layer: number, inputNames: readonly string[] | undefined): string {
  const match = /^W\[(\d+)\]\[(\d+)\]$/.exec(parameter);
  if (!match || layer !== 0 || !inputNames?.[Number(match[1])]) return parameter;
  return `${parameter} (${inputNames[Number(match[1])]} → ${match[2]})`;
}
