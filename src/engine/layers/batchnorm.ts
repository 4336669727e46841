// Batch normalization (Ioffe & Szegedy 2015), as PyTorch's BatchNorm1d and BatchNorm2d. Each channel c has one
// μ, σ², γ and β, taken over the N = m·h·w values it holds in the batch (every sample, every position of its
// h×w feature map); BatchNorm1d is the case h = w = 1, where a channel is a feature:
//   μ = (1/N) Σ x        σ² = (1/N) Σ (x − μ)²        x̂ = (x − μ) / √(σ² + ε)        z = γ·x̂ + β
// backward, from δ = ∂L/∂z (the CS231n simplification of the chain through μ and σ²), sums over the same N:
//   dβ = Σ δ     dγ = Σ δ·x̂     ∂L/∂x = γ/(N·√(σ² + ε)) · (N·δ − dβ − x̂·dγ)
// Training also moves the running statistics, r ← (1 − momentum)·r + momentum·(batch statistic), with the
// unbiased variance σ²·N/(N−1) as PyTorch does; evaluation normalizes with them instead of the batch's.
// γ and β are the layer's W and b, so the optimizer, clipping, snapshots and what-if edits treat them alike.
// Values are stored per sample as [channel][position] (an image's c, then row, then column), so sample i's
// channel c starts at i·units + c·positions.

import type { ForwardMode, Layer, LayerKernel } from './layer';

export class BatchNormKernel implements LayerKernel {
  readonly type = 'batchnorm';
  /** The cache: per channel the batch mean μ, biased variance σ² and 1/√(σ² + ε); x̂ per sample and value. */
  readonly mu: Float64Array;
  readonly variance: Float64Array;
  readonly inverseStd: Float64Array;
  readonly xhat: Float64Array;
  readonly runningMean: Float64Array;
  readonly runningVar: Float64Array;

  constructor(
    /** Features of BatchNorm1d, or an image's channels for BatchNorm2d. */
    readonly channels: number,
    /** Values per channel in one sample: h·w of the image, 1 for plain features. */
    readonly positions: number,
    batchCapacity: number,
    readonly momentum: number,
    readonly epsilon: number,
  ) {
    this.mu = new Float64Array(channels);
    this.variance = new Float64Array(channels);
    this.inverseStd = new Float64Array(channels);
    this.xhat = new Float64Array(batchCapacity * channels * positions);
    this.runningMean = new Float64Array(channels);
    this.runningVar = new Float64Array(channels).fill(1);
  }

  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array, mode: ForwardMode): void {
    const { channels, positions: P } = this;
    const n = layer.units;
    const gamma = layer.W;
    const beta = layer.b;
    if (!mode.training) {
      for (let c = 0; c < channels; c++) {
        const inverseStd = 1 / Math.sqrt(this.runningVar[c] + this.epsilon);
        for (let i = 0; i < m; i++)
          for (let k = i * n + c * P, end = k + P; k < end; k++)
            z[k] = gamma[c] * ((x[k] - this.runningMean[c]) * inverseStd) + beta[c];
      }
      return;
    }
    const { mu, variance, inverseStd, xhat } = this;
    const N = m * P;
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let i = 0; i < m; i++) for (let k = i * n + c * P, end = k + P; k < end; k++) sum += x[k];
      mu[c] = sum / N;
      let squares = 0;
      for (let i = 0; i < m; i++) for (let k = i * n + c * P, end = k + P; k < end; k++) squares += (x[k] - mu[c]) ** 2;
      variance[c] = squares / N;
      inverseStd[c] = 1 / Math.sqrt(variance[c] + this.epsilon);
      for (let i = 0; i < m; i++)
        for (let k = i * n + c * P, end = k + P; k < end; k++) {
          xhat[k] = (x[k] - mu[c]) * inverseStd[c];
          z[k] = gamma[c] * xhat[k] + beta[c];
        }
      // A single value has no spread to estimate: PyTorch refuses it; here the running variance takes σ² = 0.
      const unbiased = N > 1 ? (variance[c] * N) / (N - 1) : variance[c];
      this.runningMean[c] = (1 - this.momentum) * this.runningMean[c] + this.momentum * mu[c];
      this.runningVar[c] = (1 - this.momentum) * this.runningVar[c] + this.momentum * unbiased;
    }
  }

  backward(layer: Layer, _x: Float64Array, m: number, inputGradient: boolean): void {
    const { channels, positions: P } = this;
    const n = layer.units;
    const N = m * P;
    const { delta, dW: dgamma, db: dbeta, W: gamma, gradInput } = layer;
    const { xhat, inverseStd } = this;
    for (let c = 0; c < channels; c++) {
      let sumDelta = 0;
      let sumDeltaXhat = 0;
      for (let i = 0; i < m; i++)
        for (let k = i * n + c * P, end = k + P; k < end; k++) {
          sumDelta += delta[k];
          sumDeltaXhat += delta[k] * xhat[k];
        }
      dbeta[c] = sumDelta;
      dgamma[c] = sumDeltaXhat;
      if (!inputGradient) continue;
      const scale = (gamma[c] * inverseStd[c]) / N;
      for (let i = 0; i < m; i++)
        for (let k = i * n + c * P, end = k + P; k < end; k++)
          gradInput[k] = scale * (N * delta[k] - sumDelta - xhat[k] * sumDeltaXhat);
    }
  }

  state(): Float64Array[] {
    return [this.runningMean, this.runningVar];
  }
}
