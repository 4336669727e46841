// Builds a layer of any type from its spec: its kernel (the type's forward and backward) and its parameters.

import type { LayerSpec, LayerType } from '../../model/types';
import { initialBiases, initialWeights } from '../init';
import type { Random } from '../random';
import { BatchNormKernel } from './batchnorm';
import { DenseKernel } from './dense';
import { DropoutKernel } from './dropout';
import { Layer, type LayerKernel } from './layer';
import { LayerNormKernel } from './layernorm';

export { Layer, type ForwardMode, type LayerKernel } from './layer';
export { BatchNormKernel } from './batchnorm';
export { DenseKernel } from './dense';
export { DropoutKernel } from './dropout';
export { LayerNormKernel } from './layernorm';

export const DEFAULT_BATCHNORM_MOMENTUM = 0.1;
export const DEFAULT_NORM_EPSILON = 1e-5;

export function layerTypeOf(spec: LayerSpec): LayerType {
  return spec.type ?? 'dense';
}

/** Parameters a layer of this spec has after an input of `fanIn` features. */
export function parameterCount(spec: LayerSpec, fanIn: number): number {
  switch (layerTypeOf(spec)) {
    case 'dense':
      return (fanIn + 1) * spec.units;
    case 'batchnorm':
    case 'layernorm':
      return 2 * spec.units;
    case 'dropout':
      return 0;
  }
}

export function createLayer(
  spec: LayerSpec,
  index: number,
  fanIn: number,
  addFrom: number,
  random: Random,
  batchCapacity: number,
): Layer {
  const type = layerTypeOf(spec);
  const make = (kernel: LayerKernel, weightRows: number, W: Float64Array, b: Float64Array, hasBias: boolean) =>
    new Layer(
      index,
      spec.name,
      kernel,
      fanIn,
      spec.units,
      weightRows,
      spec.activation,
      spec.alpha,
      hasBias,
      spec.frozen,
      addFrom,
      W,
      b,
      batchCapacity,
    );
  const n = spec.units;
  switch (type) {
    case 'dense':
      return make(new DenseKernel(), fanIn, initialWeights(spec, fanIn, random), initialBiases(spec), spec.bias);
    case 'batchnorm': {
      const kernel = new BatchNormKernel(
        n,
        batchCapacity,
        spec.momentum ?? DEFAULT_BATCHNORM_MOMENTUM,
        spec.epsilon ?? DEFAULT_NORM_EPSILON,
      );
      // γ = 1 and β = 0: the layer starts as plain standardization, as PyTorch's does.
      return make(kernel, 1, new Float64Array(n).fill(1), new Float64Array(n), true);
    }
    case 'layernorm': {
      const kernel = new LayerNormKernel(n, batchCapacity, spec.epsilon ?? DEFAULT_NORM_EPSILON);
      return make(kernel, 1, new Float64Array(n).fill(1), new Float64Array(n), true);
    }
    case 'dropout':
      return make(
        new DropoutKernel(n, batchCapacity, spec.rate ?? 0.5),
        0,
        new Float64Array(0),
        new Float64Array(0),
        false,
      );
  }
}
