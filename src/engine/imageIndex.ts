// Where one number of an image layer sits. Images travel flat, channel by channel and row by row ([c·H·W]), and a
// convolution's kernels K as one row per filter ([filter][c·kh·kw], PyTorch's Conv2d.weight viewed F × C·kh·kw):
// these turn a flat index back into [c][y][x] or [f][c][u][v], and say which kernel entry joins an input pixel
// to an output value. Pure functions of the model summary, shared by the step sentences, the panel's graph and
// the host that applies a what-if edit.

import type { LayerInfo } from '../protocol';

export type ImageShape = [number, number, number];

/** A convolution's or a pooling's window geometry, from the model summary. */
export interface WindowGeometry {
  input: ImageShape;
  output: ImageShape;
  kernelHeight: number;
  kernelWidth: number;
  stride: number;
  paddingRows: number;
  paddingCols: number;
}

/** The window geometry of a conv2d or maxpool2d layer; undefined for any other layer. */
export function windowGeometry(info: LayerInfo): WindowGeometry | undefined {
  if ((info.type !== 'conv2d' && info.type !== 'maxpool2d') || !info.inputShape || !info.shape) return undefined;
  const [kernelHeight, kernelWidth] = info.kernel ?? [1, 1];
  const [paddingRows, paddingCols] = info.type === 'conv2d' ? (info.padding ?? [0, 0]) : [0, 0];
  return {
    input: info.inputShape,
    output: info.shape,
    kernelHeight,
    kernelWidth,
    stride: info.stride ?? (info.type === 'maxpool2d' ? kernelHeight : 1),
    paddingRows,
    paddingCols,
  };
}

/** [c, y, x] of flat index `index` into a c×h×w image. */
export function unravel(index: number, [, height, width]: ImageShape): ImageShape {
  return [Math.floor(index / (height * width)), Math.floor(index / width) % height, index % width];
}

/** The flat index of [c][y][x] in a c×h×w image. */
export function ravel([c, y, x]: ImageShape, [, height, width]: ImageShape): number {
  return (c * height + y) * width + x;
}

/** [c, u, v] of entry `column` of a kernel row (c·kh·kw entries). */
export function kernelEntry(column: number, kernelHeight: number, kernelWidth: number): ImageShape {
  return [
    Math.floor(column / (kernelHeight * kernelWidth)),
    Math.floor(column / kernelWidth) % kernelHeight,
    column % kernelWidth,
  ];
}

/** The input pixel [row, column] under kernel entry (u, v) when the window sits at output (i, j); may lie in the padding. */
export function pixelUnder(g: WindowGeometry, i: number, j: number, u: number, v: number): [number, number] {
  return [i * g.stride - g.paddingRows + u, j * g.stride - g.paddingCols + v];
}

export function insideImage(g: WindowGeometry, y: number, x: number): boolean {
  return y >= 0 && y < g.input[1] && x >= 0 && x < g.input[2];
}

/**
 * The kernel entry (its index in K, [filter][c·kh·kw]) that multiplies input pixel `from` into output value `to`
 * of a convolution, or undefined when the pixel is outside that output's window (no such edge).
 */
export function kernelIndexOfEdge(g: WindowGeometry, from: number, to: number): number | undefined {
  const [c, y, x] = unravel(from, g.input);
  const [f, i, j] = unravel(to, g.output);
  const [top, left] = pixelUnder(g, i, j, 0, 0);
  const u = y - top;
  const v = x - left;
  if (u < 0 || u >= g.kernelHeight || v < 0 || v >= g.kernelWidth) return undefined;
  const channels = g.input[0];
  return ((f * channels + c) * g.kernelHeight + u) * g.kernelWidth + v;
}

/** The weight an edge of the graph stands for: its index in the layer's W and the name the panel shows. */
export interface EdgeWeight {
  index: number;
  name: string;
  /** Output positions that use the weight: 1 for dense, every position of its filter's map for a kernel entry. */
  positions: number;
}

/**
 * The weight behind the edge from unit `from` of the layer's input to unit `to` of a dense or conv2d layer:
 * W[from][to] for dense; for a convolution the kernel entry K[f][c][u][v] that joins that pixel to that output
 * (one weight, shared by every position of the filter's feature map). Undefined when no weight joins them (a
 * pixel outside the output's window, a layer without weights, an index out of range).
 */
export function edgeWeight(info: LayerInfo, from: number, to: number): EdgeWeight | undefined {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < 0) return undefined;
  if (from >= info.inputSize || to >= info.units) return undefined;
  if (!info.type || info.type === 'dense')
    return { index: from * info.units + to, name: `W[${from}][${to}]`, positions: 1 };
  const g = info.type === 'conv2d' ? windowGeometry(info) : undefined;
  if (!g) return undefined;
  const index = kernelIndexOfEdge(g, from, to);
  if (index === undefined) return undefined;
  const patch = g.input[0] * g.kernelHeight * g.kernelWidth;
  const [c, u, v] = kernelEntry(index % patch, g.kernelHeight, g.kernelWidth);
  const f = Math.floor(index / patch);
  return { index, name: `K[${f}][${c}][${u}][${v}]`, positions: g.output[1] * g.output[2] };
}
