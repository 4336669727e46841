// 2-D max pooling (PyTorch's MaxPool2d without padding), a size×size window every `stride` values, per channel:
//   z[c][y][x] = max over the window of x[c][y·s + u][x·s + v]
//   backward:  ∂L/∂x at the window's largest value = δ[c][y][x] (summed where windows overlap), 0 elsewhere
// The cache is the argmax: for each output value, where in its sample's input the maximum was. A tie goes to
// the first largest value in reading order (row by row), as PyTorch's CPU kernel does; NaN wins, as there.

import type { ForwardMode, Layer, LayerKernel } from './layer';

export interface PoolGeometry {
  channels: number;
  height: number;
  width: number;
  size: number;
  stride: number;
  outHeight: number;
  outWidth: number;
}

export class MaxPool2dKernel implements LayerKernel {
  readonly type = 'maxpool2d';
  /** The cache: [sample][channel][row][column] of the output → index c·H·W + y·W + x in the sample's input. */
  readonly argmax: Int32Array;
  /** For each output value of a sample, [channel][row][column], where its window's top-left is in the input. */
  private readonly corners: Int32Array;
  /** Where a window's values are from its top-left, in reading order (so the first of a tie wins). */
  private readonly offsets: Int32Array;

  constructor(
    readonly geometry: PoolGeometry,
    batchCapacity: number,
  ) {
    const g = geometry;
    this.argmax = new Int32Array(batchCapacity * g.channels * g.outHeight * g.outWidth);
    this.corners = new Int32Array(g.channels * g.outHeight * g.outWidth);
    let o = 0;
    for (let c = 0; c < g.channels; c++)
      for (let oy = 0; oy < g.outHeight; oy++)
        for (let ox = 0; ox < g.outWidth; ox++)
          this.corners[o++] = (c * g.height + oy * g.stride) * g.width + ox * g.stride;
    this.offsets = new Int32Array(g.size * g.size);
    for (let u = 0; u < g.size; u++) for (let v = 0; v < g.size; v++) this.offsets[u * g.size + v] = u * g.width + v;
  }

  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array, mode: ForwardMode): void {
    const { corners, argmax } = this;
    const { inputSize, units } = layer;
    const twoByTwo = this.geometry.size === 2;
    for (let i = 0; i < m; i++) {
      const image = i * inputSize;
      for (let o = 0; o < units; o++) {
        const corner = image + corners[o];
        const best = twoByTwo ? this.largestOf2x2(x, corner) : this.largestOf(x, corner);
        z[i * units + o] = x[best];
        if (mode.training) argmax[i * units + o] = best - image;
      }
    }
  }

  /** Where in x the largest value of the window at `corner` is: each value in reading order against the best so far. */
  private largestOf(x: Float64Array, corner: number): number {
    const { offsets } = this;
    let best = corner;
    for (let t = 1; t < offsets.length; t++) {
      const at = corner + offsets[t];
      best += (at - best) * beats(x[at], x[best]);
    }
    return best;
  }

  /**
   * The same for the usual 2×2 window, as two matches (each row's two values) and a final between their
   * winners, the earlier side winning ties as above: the matches do not wait on each other, which makes it
   * about twice as fast as going through the values one after another.
   */
  private largestOf2x2(x: Float64Array, corner: number): number {
    const below = corner + this.geometry.width;
    const top = corner + beats(x[corner + 1], x[corner]);
    const bottom = below + beats(x[below + 1], x[below]);
    return top + (bottom - top) * beats(x[bottom], x[top]);
  }

  backward(layer: Layer, _x: Float64Array, m: number, inputGradient: boolean): void {
    if (!inputGradient) return;
    const { gradInput, delta, units, inputSize } = layer;
    gradInput.fill(0, 0, m * inputSize);
    for (let i = 0; i < m; i++)
      for (let o = 0; o < units; o++) gradInput[i * inputSize + this.argmax[i * units + o]] += delta[i * units + o];
  }

  state(): Float64Array[] {
    return [];
  }
}

/**
 * 1 when `value` takes the maximum from `largest`: it is larger, or it is the first NaN (x !== x; once the
 * maximum is NaN nothing is larger, and NaN stays), else 0; so a tie keeps the earlier value. A number the caller
 * multiplies by rather than a branch: which value of a window is largest is a coin toss, and a mispredicted branch
 * cost more than the rest of the loop.
 */
function beats(value: number, largest: number): number {
  return Number(value > largest) + Number(value !== value) * Number(largest === largest);
}
