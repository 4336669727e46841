// The notation the step sentences and cell formulas share: layer k (0-based) is written with its 1-based number
// (z1, W1, δ1), its input is x or a_k, and numbers go in with formatNumber, negative factors in parentheses.

import type { LayerTrace, Tensor } from '../protocol';
import { formatNumber } from './format';

/** x for the first layer's input, a1, a2… for the activations of layers 1, 2…. */
export function inputName(k: number): string {
  return k === 0 ? 'x' : `a${k}`;
}

/** W2, dW2, δ2…: the tensor with its 1-based layer number. */
export function named(tensor: string, k: number): string {
  return `${tensor}${k + 1}`;
}

/** A value, or a short vector or matrix of them, or only its norm when it is long or not in the record. */
export function shown(tensor: Tensor | undefined, digits: number, name = ''): string {
  if (!tensor) return '';
  const { data, rows, cols } = tensor;
  if (!data || rows * cols > 4) return ` (‖${name || '·'}‖ = ${formatNumber(tensor.summary.norm, digits)})`;
  const f = (x: number) => formatNumber(x, digits);
  if (rows * cols === 1) return ` = ${f(data[0])}`;
  if (rows === 1) return ` = [${data.map(f).join(', ')}]`;
  const lines = Array.from(
    { length: rows },
    (_, i) =>
      `[${data
        .slice(i * cols, (i + 1) * cols)
        .map(f)
        .join(', ')}]`,
  );
  return ` = [${lines.join(', ')}]`;
}

/** A factor inside a product: negative numbers in parentheses, so "2 × (−0.78)" reads unambiguously. */
export function factor(x: number, digits: number): string {
  const text = formatNumber(x, digits);
  return x < 0 ? `(${text})` : text;
}

/** Entry [i][j] of a tensor's data, or undefined when the record does not carry its entries. */
export function at(tensor: Tensor | undefined, i: number, j: number): number | undefined {
  return tensor?.data?.[i * tensor.cols + j];
}

/** Weights as they were before this batch's update (the ones forward and backward used). */
export function weightsBefore(trace: LayerTrace, i: number, j: number): number | undefined {
  const now = at(trace.weights, i, j);
  if (now === undefined || !trace.computed.update) return now;
  const step = at(trace.deltaW, i, j);
  return step === undefined ? undefined : now - step;
}

/** A bias as it was before this batch's update. */
export function biasBefore(trace: LayerTrace, j: number): number | undefined {
  const now = at(trace.biases, 0, j);
  if (now === undefined || !trace.computed.update) return now;
  const step = at(trace.deltaB, 0, j);
  return step === undefined ? undefined : now - step;
}
