// Builds a layer of any type from its spec: its kernel (the type's forward and backward) and its parameters.

import type { LayerSpec, LayerType } from '../../model/types';
import { initialBiases, initialKernels, initialWeights } from '../init';
import type { Random } from '../random';
import { BatchNormKernel } from './batchnorm';
import { Conv2dKernel } from './conv2d';
import { DenseKernel } from './dense';
import { DropoutKernel } from './dropout';
import { FlattenKernel } from './flatten';
import { Layer, type LayerKernel } from './layer';
import { LayerNormKernel } from './layernorm';
import { MaxPool2dKernel } from './maxpool2d';

export { Layer, type ForwardMode, type LayerKernel } from './layer';
export { BatchNormKernel } from './batchnorm';
export { DenseKernel } from './dense';
export { DropoutKernel } from './dropout';
export { LayerNormKernel } from './layernorm';
export { Conv2dKernel, type ConvGeometry } from './conv2d';
export { FlattenKernel } from './flatten';
export { MaxPool2dKernel, type PoolGeometry } from './maxpool2d';

export const DEFAULT_BATCHNORM_MOMENTUM = 0.1;
export const DEFAULT_NORM_EPSILON = 1e-5;

export function layerTypeOf(spec: LayerSpec): LayerType {
  return spec.type ?? 'dense';
}

/** Parameters a layer of this spec (or its summary, LayerInfo) has after an input of `fanIn` features. */
export function parameterCount(
  spec: Pick<LayerSpec, 'type' | 'units' | 'bias' | 'inputShape' | 'kernel' | 'filters'>,
  fanIn: number,
): number {
  switch (spec.type ?? 'dense') {
    case 'dense':
      return (fanIn + (spec.bias ? 1 : 0)) * spec.units;
    case 'batchnorm':
      // BatchNorm2d: one γ and β per channel of an image.
      return 2 * (spec.inputShape?.[0] ?? spec.units);
    case 'layernorm':
      return 2 * spec.units;
    case 'dropout':
    case 'maxpool2d':
    case 'flatten':
      return 0;
    case 'conv2d': {
      const [channels] = spec.inputShape ?? [1];
      const [kh, kw] = spec.kernel ?? [1, 1];
      const filters = spec.filters ?? 1;
      return filters * channels * kh * kw + (spec.bias ? filters : 0);
    }
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
      // After an image, statistics per channel over its h×w positions (BatchNorm2d); otherwise per feature.
      const [channels, height, width] = spec.inputShape ?? [n, 1, 1];
      const kernel = new BatchNormKernel(
        channels,
        height * width,
        batchCapacity,
        spec.momentum ?? DEFAULT_BATCHNORM_MOMENTUM,
        spec.epsilon ?? DEFAULT_NORM_EPSILON,
      );
      // γ = 1 and β = 0: the layer starts as plain standardization, as PyTorch's does.
      return make(kernel, 1, new Float64Array(channels).fill(1), new Float64Array(channels), true);
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
    case 'conv2d': {
      const [channels, height, width] = spec.inputShape ?? [1, 1, 1];
      const [filters, outHeight, outWidth] = spec.shape ?? [1, 1, 1];
      const [kernelHeight, kernelWidth] = spec.kernel ?? [1, 1];
      const [paddingRows, paddingCols] = spec.padding ?? [0, 0];
      const geometry = { channels, height, width, filters, kernelHeight, kernelWidth, stride: spec.stride ?? 1 };
      const kernel = new Conv2dKernel({ ...geometry, paddingRows, paddingCols, outHeight, outWidth }, batchCapacity);
      const patch = channels * kernelHeight * kernelWidth;
      const K = initialKernels(spec, patch, filters * kernelHeight * kernelWidth, random);
      // Zero biases (PyTorch draws them; a file that wants its own gives `biases`).
      const b = new Float64Array(filters);
      if (spec.bias && spec.biases) b.set(spec.biases);
      return make(kernel, filters, K, b, spec.bias);
    }
    case 'maxpool2d': {
      const [channels, height, width] = spec.inputShape ?? [1, 1, 1];
      const [, outHeight, outWidth] = spec.shape ?? [1, 1, 1];
      const size = spec.kernel?.[0] ?? 1;
      const geometry = { channels, height, width, size, stride: spec.stride ?? size, outHeight, outWidth };
      return make(new MaxPool2dKernel(geometry, batchCapacity), 0, new Float64Array(0), new Float64Array(0), false);
    }
    case 'flatten':
      return make(new FlattenKernel(spec.inputShape), 0, new Float64Array(0), new Float64Array(0), false);
  }
}
