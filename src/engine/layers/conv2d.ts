// 2-D convolution (cross-correlation, as PyTorch's Conv2d), F filters of C×kh×kw over a C×H×W image:
//   z[f][y][x] = b[f] + Σ_c Σ_u Σ_v K[f][c][u][v] · x[c][y·s − p + u][x·s − p + v]      (zero outside the image)
// by im2col: every window a kernel visits becomes one row of `columns`, so the sum is one matrix product
//   forward   Z  = K · columnsᵀ            (F × C·kh·kw) · (C·kh·kw × m·positions)
//   backward  dK = δ · columns             dW as the dense layer's, with windows in place of samples
//             db = Σ over samples and positions of δ
//             ∂L/∂columns = δᵀ · K, then col2im adds each window's gradient back where the window read it
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
  /** The cache: [sample·position][channel·kh·kw], each row the window one output value reads. */
  readonly columns: Float64Array;
  /** ∂L/∂columns, before col2im sums it into ∂L/∂input. */
  readonly columnGrad: Float64Array;
  /** z or δ in filter-major order [filter][sample·position], as the matrix products read and write them. */
  private readonly byFilter: Float64Array;
  /** Evaluation's own im2col and filter-major buffers, made on the first validation or prediction pass. */
  private evaluation?: { columns: Float64Array; byFilter: Float64Array };

  constructor(
    readonly geometry: ConvGeometry,
    batchCapacity: number,
  ) {
    this.positions = geometry.outHeight * geometry.outWidth;
    this.patch = geometry.channels * geometry.kernelHeight * geometry.kernelWidth;
    this.columns = new Float64Array(batchCapacity * this.positions * this.patch);
    this.columnGrad = new Float64Array(batchCapacity * this.positions * this.patch);
    this.byFilter = new Float64Array(geometry.filters * batchCapacity * this.positions);
  }

  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array, mode: ForwardMode): void {
    if (mode.training) {
      this.convolve(layer, x, m, z, this.columns, this.byFilter);
      return;
    }
    // Evaluation runs on any number of samples and must leave the cache the trace shows alone: it goes through
    // buffers of its own, a batch's worth at a time, made once (a validation pass every epoch would otherwise
    // allocate an im2col of the whole data set each time).
    this.evaluation ??= {
      columns: new Float64Array(this.columns.length),
      byFilter: new Float64Array(this.byFilter.length),
    };
    const capacity = this.columns.length / (this.positions * this.patch);
    const inputSize = layer.inputSize;
    for (let first = 0; first < m; first += capacity) {
      const count = Math.min(capacity, m - first);
      const chunkX = x.subarray(first * inputSize, (first + count) * inputSize);
      const chunkZ = z.subarray(first * layer.units, (first + count) * layer.units);
      this.convolve(layer, chunkX, count, chunkZ, this.evaluation.columns, this.evaluation.byFilter);
    }
  }

  /** z = K · im2col(x) + b for m samples, through the given im2col and filter-major buffers. */
  private convolve(
    layer: Layer,
    x: Float64Array,
    m: number,
    z: Float64Array,
    columns: Float64Array,
    byFilter: Float64Array,
  ): void {
    this.im2col(x, m, columns);
    const { filters } = this.geometry;
    const P = this.positions;
    const count = m * P;
    gemm(filters, count, this.patch, layer.W, this.patch, 1, columns, 1, this.patch, byFilter);
    for (let f = 0; f < filters; f++) {
      const bias = layer.hasBias ? layer.b[f] : 0;
      for (let i = 0; i < m; i++) {
        const from = f * count + i * P;
        const to = (i * filters + f) * P;
        for (let p = 0; p < P; p++) z[to + p] = byFilter[from + p] + bias;
      }
    }
  }

  backward(layer: Layer, _x: Float64Array, m: number, inputGradient: boolean): void {
    const { filters } = this.geometry;
    const P = this.positions;
    const K = this.patch;
    const count = m * P;
    const { delta, dW: dK, db } = layer;
    const { byFilter } = this;
    for (let f = 0; f < filters; f++) {
      let sum = 0;
      for (let i = 0; i < m; i++) {
        const from = (i * filters + f) * P;
        const to = f * count + i * P;
        for (let p = 0; p < P; p++) {
          byFilter[to + p] = delta[from + p];
          sum += delta[from + p];
        }
      }
      db[f] = layer.hasBias ? sum : 0;
    }
    gemm(filters, K, count, byFilter, count, 1, this.columns, K, 1, dK);
    if (!inputGradient) return;
    gemm(count, K, filters, byFilter, 1, count, layer.W, K, 1, this.columnGrad);
    this.col2im(this.columnGrad, m, layer.gradInput);
  }

  /** Copies every window of every sample into a row of `columns` (zeros where the window overhangs). */
  private im2col(x: Float64Array, m: number, columns: Float64Array): void {
    const g = this.geometry;
    const imageSize = g.channels * g.height * g.width;
    let row = 0;
    for (let i = 0; i < m; i++) {
      const image = i * imageSize;
      for (let oy = 0; oy < g.outHeight; oy++) {
        for (let ox = 0; ox < g.outWidth; ox++) {
          let k = row * this.patch;
          for (let c = 0; c < g.channels; c++) {
            const plane = image + c * g.height * g.width;
            for (let u = 0; u < g.kernelHeight; u++) {
              const y = oy * g.stride - g.paddingRows + u;
              const inside = y >= 0 && y < g.height;
              for (let v = 0; v < g.kernelWidth; v++) {
                const xx = ox * g.stride - g.paddingCols + v;
                columns[k++] = inside && xx >= 0 && xx < g.width ? x[plane + y * g.width + xx] : 0;
              }
            }
          }
          row++;
        }
      }
    }
  }

  /** The transpose of im2col: each window's gradient is added back onto the pixels the window read. */
  private col2im(columnGrad: Float64Array, m: number, gradInput: Float64Array): void {
    const g = this.geometry;
    const imageSize = g.channels * g.height * g.width;
    gradInput.fill(0, 0, m * imageSize);
    let row = 0;
    for (let i = 0; i < m; i++) {
      const image = i * imageSize;
      for (let oy = 0; oy < g.outHeight; oy++) {
        for (let ox = 0; ox < g.outWidth; ox++) {
          let k = row * this.patch;
          for (let c = 0; c < g.channels; c++) {
            const plane = image + c * g.height * g.width;
            for (let u = 0; u < g.kernelHeight; u++) {
              const y = oy * g.stride - g.paddingRows + u;
              const inside = y >= 0 && y < g.height;
              for (let v = 0; v < g.kernelWidth; v++, k++) {
                const xx = ox * g.stride - g.paddingCols + v;
                if (inside && xx >= 0 && xx < g.width) gradInput[plane + y * g.width + xx] += columnGrad[k];
              }
            }
          }
          row++;
        }
      }
    }
  }

  state(): Float64Array[] {
    return [];
  }
}
