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

/** Rows and columns of a layer's W as the trace and the panel's tables lay it out: [input][unit] for dense,
 * one row per filter of c·kh·kw kernel entries for a convolution; [0, 0] for a layer without such weights. */
export function weightShape(info: LayerInfo): [number, number] {
  if (!info.type || info.type === 'dense') return [info.inputSize, info.units];
  const g = info.type === 'conv2d' ? windowGeometry(info) : undefined;
  return g ? [g.output[0], g.input[0] * g.kernelHeight * g.kernelWidth] : [0, 0];
}

/** W[i][j] for dense, K[f][c][u][v] for entry (row, col) of a convolution's kernels. */
export function weightName(info: LayerInfo, row: number, col: number): string {
  const g = info.type === 'conv2d' ? windowGeometry(info) : undefined;
  if (!g) return `W[${row}][${col}]`;
  const [c, u, v] = kernelEntry(col, g.kernelHeight, g.kernelWidth);
  return `K[${row}][${c}][${u}][${v}]`;
}

/**
 * The entry [row, col] of W behind the graph's edge from unit `from` of the layer's input to unit `to`: W[from][to]
 * for dense; for a convolution the kernel entry that joins that pixel to that output value (one weight, which every
 * position of the filter's feature map shares). Undefined when no weight joins them (a pixel outside the output's
 * window, a layer without weights, an index out of range).
 */
export function edgeWeight(info: LayerInfo, from: number, to: number): [number, number] | undefined {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < 0) return undefined;
  if (from >= info.inputSize || to >= info.units) return undefined;
  if (!info.type || info.type === 'dense') return [from, to];
  const g = info.type === 'conv2d' ? windowGeometry(info) : undefined;
  const index = g ? kernelIndexOfEdge(g, from, to) : undefined;
  if (index === undefined) return undefined;
  const cols = weightShape(info)[1];
  return [Math.floor(index / cols), index % cols];
}
