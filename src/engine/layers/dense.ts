// Dense (fully connected):  z = x·W + b
//   backward, from δ = ∂L/∂z:  dW = xᵀ·δ,  db = Σ_samples δ,  ∂L/∂x = δ·Wᵀ
// The cache is the layer's input x itself (the layer below's a), which the network keeps anyway.

import { affine, columnSums, timesTranspose, transposeTimes } from '../matrix';
import type { Layer, LayerKernel } from './layer';

export class DenseKernel implements LayerKernel {
  readonly type = 'dense';

  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array): void {
    affine(x, m, layer.inputSize, layer.W, layer.b, layer.units, z);
  }

  backward(layer: Layer, x: Float64Array, m: number, inputGradient: boolean): void {
    const n = layer.units;
    transposeTimes(x, m, layer.inputSize, layer.delta, n, layer.dW);
    if (layer.hasBias) columnSums(layer.delta, m, n, layer.db);
    else layer.db.fill(0);
    if (inputGradient) timesTranspose(layer.delta, m, n, layer.W, layer.inputSize, layer.gradInput);
  }

  state(): Float64Array[] {
    return [];
  }
}
