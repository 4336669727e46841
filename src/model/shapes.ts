// Image shapes through conv2d, maxpool2d and flatten: what each layer makes of a [channels, height, width]
// input, checked with the message a person needs when a kernel, window or stride does not fit.
//   conv2d     out = (in + 2·padding − kernel)/stride + 1  per side,  channels = filters
//   maxpool2d  out = (in − size)/stride + 1                per side,  channels kept
//   flatten    c·h·w values in one row (the order they are already stored in, so it is a view)
// Batch norm (per channel, as BatchNorm2d), layer norm and dropout keep the image they read (resolve.ts).
// A dense layer after an image layer flattens it the same way, as if a flatten layer stood between them
// (Keras and PyTorch make you write it; here the values are stored flat anyway, so nothing is lost).

import type { IssueCollector } from './issues';
import type { LayerFile } from './schema';
import type { ImageShape, LayerSpec, LayerType } from './types';

export const IMAGE_LAYER_TYPES: readonly LayerType[] = ['conv2d', 'maxpool2d', 'flatten'];

export interface ImageLayer {
  units: number;
  parameters: number;
  /** The fields of the resolved LayerSpec that describe the image layer. */
  fields: Partial<LayerSpec>;
  /** The image the layer outputs; undefined for flatten. */
  shape?: ImageShape;
}

export function shapeText(shape: ImageShape): string {
  return `${shape[0]}×${shape[1]}×${shape[2]}`;
}

export function shapeSize(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}

/**
 * conv2d, maxpool2d or flatten from the image it reads (`input`, undefined when the layer below is flat, and
 * `fanIn` undefined when the input itself is wrong). Returns undefined, having reported why, when it cannot.
 */
export function resolveImageLayer(
  layer: LayerFile,
  type: LayerType,
  input: ImageShape | undefined,
  fanIn: number | undefined,
  below: string,
  at: (...rest: (string | number)[]) => (string | number)[],
  issues: IssueCollector,
): ImageLayer | undefined {
  if (layer.units !== undefined)
    issues.at(at('units'), `a ${type} layer's width follows from its input and settings; leave units out`);
  if (type === 'flatten') {
    const units = input ? shapeSize(input) : (fanIn ?? 1);
    return { units, parameters: 0, fields: input ? { inputShape: input } : {} };
  }
  if (!input) {
    if (fanIn !== undefined)
      issues.at(
        at('type'),
        below === 'input'
          ? `${type} needs images: write input: {shape: [channels, height, width]} (input is ${fanIn} plain features)`
          : `${type} needs an image, but '${below}' outputs ${fanIn} plain values (a dense or flatten layer ends the image)`,
      );
    return undefined;
  }
  const [channels, height, width] = input;
  if (type === 'maxpool2d') {
    const size = layer.size ?? 1;
    const stride = layer.stride ?? size;
    // Without a stride of its own, the window size is what fails to tile the image.
    const keys = ['size', layer.stride === undefined ? 'size' : 'stride'] as const;
    const rows = outputSide(height, size, stride, 0, keys, 'rows', at, issues);
    const cols = rows === undefined ? undefined : outputSide(width, size, stride, 0, keys, 'columns', at, issues);
    if (rows === undefined || cols === undefined) return undefined;
    const shape: ImageShape = [channels, rows, cols];
    return {
      units: shapeSize(shape),
      parameters: 0,
      shape,
      fields: { kernel: [size, size], stride, inputShape: input, shape },
    };
  }
  const filters = layer.filters ?? 1;
  const kernel: [number, number] =
    typeof layer.kernel === 'number' ? [layer.kernel, layer.kernel] : (layer.kernel ?? [1, 1]);
  const stride = layer.stride ?? 1;
  let padding: [number, number];
  if (layer.padding === 'same') {
    if (stride !== 1) issues.at(at('padding'), `same needs stride 1 (as in PyTorch); give the padding as a number`);
    if (kernel[0] % 2 === 0 || kernel[1] % 2 === 0)
      issues.at(at('padding'), `same needs an odd kernel, so that it pads both sides equally`);
    padding = [(kernel[0] - 1) >> 1, (kernel[1] - 1) >> 1];
  } else padding = [layer.padding ?? 0, layer.padding ?? 0];
  const keys = ['kernel', 'stride'] as const;
  const rows = outputSide(height, kernel[0], stride, padding[0], keys, 'rows', at, issues);
  const cols =
    rows === undefined ? undefined : outputSide(width, kernel[1], stride, padding[1], keys, 'columns', at, issues);
  const fanInPerFilter = channels * kernel[0] * kernel[1];
  if (layer.weights) {
    if (layer.weights.length !== filters)
      issues.at(at('weights'), `expected ${filters} rows (one per filter), got ${layer.weights.length}`);
    layer.weights.forEach((row, i) => {
      if (row.length !== fanInPerFilter)
        issues.at(
          at('weights', i),
          `expected ${fanInPerFilter} numbers (channels × kernel rows × kernel columns, ${channels}×${kernel[0]}×${kernel[1]}), got ${row.length}`,
        );
    });
  }
  if (rows === undefined || cols === undefined) return undefined;
  const shape: ImageShape = [filters, rows, cols];
  const bias = layer.bias ?? true;
  return {
    units: shapeSize(shape),
    parameters: filters * fanInPerFilter + (bias ? filters : 0),
    shape,
    fields: { filters, kernel, stride, padding, inputShape: input, shape },
  };
}

/** Output rows (or columns) of a window sliding over `side` values; undefined, reported, when it does not fit. */
function outputSide(
  side: number,
  window: number,
  stride: number,
  padding: number,
  [windowKey, strideKey]: readonly [string, string],
  what: string,
  at: (...rest: (string | number)[]) => (string | number)[],
  issues: IssueCollector,
): number | undefined {
  const span = side + 2 * padding;
  if (window > span) {
    issues.at(
      at(windowKey),
      `${window} is larger than the input's ${span} ${what}${padding > 0 ? ` (${side} plus padding ${padding} on each side)` : ''}`,
    );
    return undefined;
  }
  if ((span - window) % stride !== 0) {
    issues.at(
      at(strideKey),
      `stride ${stride} does not step evenly over the ${what}: (${side}${padding > 0 ? ` + 2·${padding}` : ''} − ${window})/${stride} + 1 = ${((span - window) / stride + 1).toFixed(2)} is not a whole number`,
    );
    return undefined;
  }
  return (span - window) / stride + 1;
}

/**
 * Numbers a layer keeps per sample besides z, a, δ and ∂L/∂input: a convolution's im2col buffer, its gradient,
 * and its output in filter-major order for the matrix product. Counted by the batch-memory check.
 */
export function scratchPerSample(layer: LayerSpec): number {
  if (layer.type !== 'conv2d' || !layer.inputShape || !layer.shape || !layer.kernel) return 0;
  const positions = layer.shape[1] * layer.shape[2];
  const patch = layer.inputShape[0] * layer.kernel[0] * layer.kernel[1];
  return 2 * positions * patch + layer.units;
}
