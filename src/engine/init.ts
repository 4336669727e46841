// Initial weights: explicit ones from the file, or drawn from the seeded generator.

import type { InitSpec, LayerSpec } from '../model/types';
import type { Random } from './random';

/** W as an n_in × units row-major block (row i = input i). */
export function initialWeights(layer: LayerSpec, inputSize: number, random: Random): Float64Array {
  const W = new Float64Array(inputSize * layer.units);
  if (layer.weights) {
    layer.weights.forEach((row, i) => W.set(row, i * layer.units));
    return W;
  }
  const draw = sampler(layer.init, inputSize, layer.units, random);
  for (let k = 0; k < W.length; k++) W[k] = draw();
  return W;
}

/** A convolution's kernels as F rows of C·kh·kw (PyTorch's weight.view(F, −1)); fan-out counts F·kh·kw as PyTorch. */
export function initialKernels(layer: LayerSpec, fanIn: number, fanOut: number, random: Random): Float64Array {
  const filters = layer.filters ?? 1;
  const K = new Float64Array(filters * fanIn);
  if (layer.weights) {
    layer.weights.forEach((row, f) => K.set(row, f * fanIn));
    return K;
  }
  const draw = sampler(layer.init, fanIn, fanOut, random);
  for (let k = 0; k < K.length; k++) K[k] = draw();
  return K;
}

export function initialBiases(layer: LayerSpec): Float64Array {
  const b = new Float64Array(layer.units);
  if (layer.bias && layer.biases) b.set(layer.biases);
  return b;
}

function sampler(init: InitSpec, fanIn: number, fanOut: number, random: Random): () => number {
  switch (init.kind) {
    case 'he': {
      // He: N(0, 2/n_in) keeps the variance of ReLU activations steady from layer to layer.
      const std = Math.sqrt(2 / fanIn);
      return () => std * random.normal();
    }
    case 'xavier': {
      // Glorot uniform: U(±√(6/(n_in+n_out))), variance 2/(n_in+n_out), balanced for forward and backward.
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return () => random.uniform(-limit, limit);
    }
    case 'normal':
      return () => init.std * random.normal();
    case 'uniform':
      return () => random.uniform(-init.limit, init.limit);
    case 'zeros':
      return () => 0;
  }
}
