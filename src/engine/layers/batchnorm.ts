// Batch normalization (Ioffe & Szegedy 2015; PyTorch's BatchNorm1d), per feature j over the m samples:
//   μ = (1/m) Σᵢ xᵢ        σ² = (1/m) Σᵢ (xᵢ − μ)²        x̂ = (x − μ) / √(σ² + ε)        z = γ·x̂ + β
// backward, from δ = ∂L/∂z (the CS231n simplification of the chain through μ and σ²):
//   dβ = Σᵢ δᵢ     dγ = Σᵢ δᵢ·x̂ᵢ     ∂L/∂xᵢ = γ/(m·√(σ² + ε)) · (m·δᵢ − dβ − x̂ᵢ·dγ)
// Training also moves the running statistics, r ← (1 − momentum)·r + momentum·(batch statistic), with the
// unbiased variance σ²·m/(m−1) as PyTorch does; evaluation normalizes with them instead of the batch's.
// γ and β are the layer's W and b, so the optimizer, clipping, snapshots and what-if edits treat them alike.

import type { ForwardMode, Layer, LayerKernel } from './layer';

export class BatchNormKernel implements LayerKernel {
  readonly type = 'batchnorm';
  /** The cache: batch mean μ, biased variance σ², 1/√(σ² + ε) per feature, and x̂ per sample and feature. */
  readonly mu: Float64Array;
  readonly variance: Float64Array;
  readonly inverseStd: Float64Array;
  readonly xhat: Float64Array;
  readonly runningMean: Float64Array;
  readonly runningVar: Float64Array;

  constructor(
    units: number,
    batchCapacity: number,
    readonly momentum: number,
    readonly epsilon: number,
  ) {
    this.mu = new Float64Array(units);
    this.variance = new Float64Array(units);
    this.inverseStd = new Float64Array(units);
    this.xhat = new Float64Array(batchCapacity * units);
    this.runningMean = new Float64Array(units);
    this.runningVar = new Float64Array(units).fill(1);
  }

  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array, mode: ForwardMode): void {
    const n = layer.units;
    const gamma = layer.W;
    const beta = layer.b;
    if (!mode.training) {
      for (let j = 0; j < n; j++) {
        const inverseStd = 1 / Math.sqrt(this.runningVar[j] + this.epsilon);
        for (let i = 0; i < m; i++)
          z[i * n + j] = gamma[j] * ((x[i * n + j] - this.runningMean[j]) * inverseStd) + beta[j];
      }
      return;
    }
    const { mu, variance, inverseStd, xhat } = this;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < m; i++) sum += x[i * n + j];
      mu[j] = sum / m;
      let squares = 0;
      for (let i = 0; i < m; i++) squares += (x[i * n + j] - mu[j]) ** 2;
      variance[j] = squares / m;
      inverseStd[j] = 1 / Math.sqrt(variance[j] + this.epsilon);
      for (let i = 0; i < m; i++) {
        const k = i * n + j;
        xhat[k] = (x[k] - mu[j]) * inverseStd[j];
        z[k] = gamma[j] * xhat[k] + beta[j];
      }
      // One sample has no spread to estimate: PyTorch refuses it; here the running variance takes σ² = 0.
      const unbiased = m > 1 ? (variance[j] * m) / (m - 1) : variance[j];
      this.runningMean[j] = (1 - this.momentum) * this.runningMean[j] + this.momentum * mu[j];
      this.runningVar[j] = (1 - this.momentum) * this.runningVar[j] + this.momentum * unbiased;
    }
  }

  backward(layer: Layer, _x: Float64Array, m: number, inputGradient: boolean): void {
    const n = layer.units;
    const { delta, dW: dgamma, db: dbeta, W: gamma, gradInput } = layer;
    const { xhat, inverseStd } = this;
    for (let j = 0; j < n; j++) {
      let sumDelta = 0;
      let sumDeltaXhat = 0;
      for (let i = 0; i < m; i++) {
        sumDelta += delta[i * n + j];
        sumDeltaXhat += delta[i * n + j] * xhat[i * n + j];
      }
      dbeta[j] = sumDelta;
      dgamma[j] = sumDeltaXhat;
      if (!inputGradient) continue;
      const scale = (gamma[j] * inverseStd[j]) / m;
      for (let i = 0; i < m; i++) {
        const k = i * n + j;
        gradInput[k] = scale * (m * delta[k] - sumDelta - xhat[k] * sumDeltaXhat);
      }
    }
  }

  state(): Float64Array[] {
    return [this.runningMean, this.runningVar];
  }
}
