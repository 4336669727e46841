// 2-D convolution (cross-correlation, as PyTorch's Conv2d), F filters of C×kh×kw over a C×H×W image:
//   z[f][y][x] = b[f] + Σ_c Σ_u Σ_v K[f][c][u][v] · x[c][y·s − p + u][x·s − p + v]      (zero outside the image)
// by im2col: every window a kernel visits becomes one row of `columns`, so the sum is a matrix product, one per
// sample i (its z and δ are F × positions blocks, as they are stored):
//   forward   Zᵢ = K · columnsᵢᵀ           (F × C·kh·kw) · (C·kh·kw × positions)
//   backward  dK = Σᵢ δᵢ · columnsᵢ         dW as the dense layer's, with windows in place of samples
//             db = Σ over samples and positions of δ
//             ∂L/∂columnsᵢ = δᵢᵀ · K, then col2im adds each window's gradient back where the window read it
// The cache is `columns` (the im2col buffer); K is the layer's W, one row per filter (PyTorch's weight viewed
// as F × C·kh·kw), b one bias per filter. Values are stored per sample as [filter][row][column].

import { gemm } from '../matrix';
import type { ForwardMode, Layer, LayerKernel } from './layer';

export interface ConvGeometry {
  channels: number;
  height: number;
  width: number;
  filters: number;
  kernelHeight: number;
  kernelWidth: number;
  stride: number;
  paddingRows: number;
  paddingCols: number;
  outHeight: number;
  outWidth: number;
}

export class Conv2dKernel implements LayerKernel {
  readonly type = 'conv2d';
  /** Output positions per filter (outHeight·outWidth) and numbers per window (C·kh·kw). */
  readonly positions: number;
  readonly patch: number;
  /**
   * Where each number of each window comes from: [position][channel·kh·kw] → c·H·W + y·W + x in the sample's
   * input, or −1 where the window overhangs into the zero padding. Worked out once for the layer's shape, so
   * im2col and col2im are one table read forwards and backwards (and so transposes of each other by construction).
   */
  readonly window: Int32Array;
  /** The cache: [sample·position][channel·kh·kw], each row the window one output value reads. */
  readonly columns: Float64Array;
  /** ∂L/∂columns, before col2im sums it into ∂L/∂input; made when first needed (never for a first layer). */
  private columnGrad?: Float64Array;
  /** Evaluation's own im2col buffer, made on the first validation or prediction pass. */
  private evaluationColumns?: Float64Array;

  constructor(
    readonly geometry: ConvGeometry,
    batchCapacity: number,
  ) {
    this.positions = geometry.outHeight * geometry.outWidth;
    this.patch = geometry.channels * geometry.kernelHeight * geometry.kernelWidth;
    this.window = windowTable(geometry);
    this.columns = new Float64Array(batchCapacity * this.positions * this.patch);
  }

  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array, mode: ForwardMode): void {
    if (mode.training) {
      this.convolve(layer, x, 0, m, z, this.columns);
      return;
    }
    // Evaluation runs on any number of samples and must leave the cache the trace shows alone: it goes through
    // an im2col buffer of its own, a batch's worth at a time, made once (a validation pass every epoch would
    // otherwise allocate an im2col of the whole data set each time).
    this.evaluationColumns ??= new Float64Array(this.columns.length);
    const capacity = this.columns.length / (this.positions * this.patch);
    for (let first = 0; first < m; first += capacity)
      this.convolve(layer, x, first, Math.min(capacity, m - first), z, this.evaluationColumns);
  }

  /**
   * z = K · im2col(x) + b for samples first … first+count−1. Each sample's z is a filters × positions block
   * (filter-major, as z is stored), so the product writes it in place: one gemm per sample, no reordering.
   */
  private convolve(
    layer: Layer,
    x: Float64Array,
    first: number,
    count: number,
    z: Float64Array,
    columns: Float64Array,
  ): void {
    const { filters } = this.geometry;
    const { positions: P, patch: K } = this;
    this.im2col(x, first, count, columns);
    for (let i = 0; i < count; i++) {
      const out = (first + i) * layer.units;
      gemm(filters, P, K, layer.W, K, 1, columns, 1, K, z, 0, i * P * K, out);
      if (!layer.hasBias) continue;
      for (let f = 0; f < filters; f++) {
        const bias = layer.b[f];
        for (let p = out + f * P; p < out + (f + 1) * P; p++) z[p] += bias;
      }
    }
  }

  /**
   * One sample at a time, as δ is stored ([sample][filter][position], each sample's δ a filters × positions
   * matrix): dK accumulates δᵢ · columnsᵢ over the samples, and ∂L/∂columnsᵢ = δᵢᵀ · K, with no reordering of δ.
   */
  backward(layer: Layer, _x: Float64Array, m: number, inputGradient: boolean): void {
    const { filters } = this.geometry;
    const { positions: P, patch: K } = this;
    const { delta, dW: dK, db } = layer;
    const columnGrad = inputGradient ? (this.columnGrad ??= new Float64Array(this.columns.length)) : undefined;
    db.fill(0);
    for (let i = 0; i < m; i++) {
      const from = i * filters * P;
      gemm(filters, K, P, delta, P, 1, this.columns, K, 1, dK, from, i * P * K, 0, i > 0);
      if (layer.hasBias) {
        for (let f = 0; f < filters; f++) {
          let sum = db[f];
          for (let p = from + f * P; p < from + (f + 1) * P; p++) sum += delta[p];
          db[f] = sum;
        }
      }
      if (columnGrad) gemm(P, K, filters, delta, 1, P, layer.W, K, 1, columnGrad, from, 0, i * P * K);
    }
    if (columnGrad) this.col2im(columnGrad, m, layer.gradInput);
  }

  /** Copies every window of samples first … first+count−1 into rows of `columns` (0 where it overhangs). */
  private im2col(x: Float64Array, first: number, count: number, columns: Float64Array): void {
    const { window } = this;
    const imageSize = this.geometry.channels * this.geometry.height * this.geometry.width;
    const rows = window.length;
    for (let i = 0; i < count; i++) {
      const image = (first + i) * imageSize;
      const to = i * rows;
      for (let k = 0; k < rows; k++) {
        const at = window[k];
        columns[to + k] = at < 0 ? 0 : x[image + at];
      }
    }
  }

  /** The transpose of im2col: each window's gradient is added back onto the pixels the window read. */
  private col2im(columnGrad: Float64Array, m: number, gradInput: Float64Array): void {
    const { window } = this;
    const imageSize = this.geometry.channels * this.geometry.height * this.geometry.width;
    const rows = window.length;
    gradInput.fill(0, 0, m * imageSize);
    for (let i = 0; i < m; i++) {
      const image = i * imageSize;
      const from = i * rows;
      for (let k = 0; k < rows; k++) {
        const at = window[k];
        if (at >= 0) gradInput[image + at] += columnGrad[from + k];
      }
    }
  }

  state(): Float64Array[] {
    return [];
  }
}

/** The window table (see Conv2dKernel.window): for each output position, the input offset of each kernel tap. */
function windowTable(g: ConvGeometry): Int32Array {
  const table = new Int32Array(g.outHeight * g.outWidth * g.channels * g.kernelHeight * g.kernelWidth);
  let k = 0;
  for (let oy = 0; oy < g.outHeight; oy++) {
    for (let ox = 0; ox < g.outWidth; ox++) {
      for (let c = 0; c < g.channels; c++) {
        for (let u = 0; u < g.kernelHeight; u++) {
          const y = oy * g.stride - g.paddingRows + u;
          for (let v = 0; v < g.kernelWidth; v++) {
            const x = ox * g.stride - g.paddingCols + v;
            const inside = y >= 0 && y < g.height && x >= 0 && x < g.width;
            table[k++] = inside ? (c * g.height + y) * g.width + x : -1;
          }
        }
      }
    }
  }
  return table;
}
