// Layer normalization (Ba, Kiros & Hinton 2016; PyTorch's LayerNorm over the last dimension), per sample i
// over its n features:
//   μᵢ = (1/n) Σⱼ xᵢⱼ     σᵢ² = (1/n) Σⱼ (xᵢⱼ − μᵢ)²     x̂ᵢⱼ = (xᵢⱼ − μᵢ) / √(σᵢ² + ε)     zᵢⱼ = γⱼ·x̂ᵢⱼ + βⱼ
// backward, from δ = ∂L/∂z, with gᵢⱼ = δᵢⱼ·γⱼ = ∂L/∂x̂ᵢⱼ:
//   dβⱼ = Σᵢ δᵢⱼ     dγⱼ = Σᵢ δᵢⱼ·x̂ᵢⱼ     ∂L/∂xᵢⱼ = 1/(n·√(σᵢ² + ε)) · (n·gᵢⱼ − Σₖ gᵢₖ − x̂ᵢⱼ·Σₖ gᵢₖ·x̂ᵢₖ)
// The statistics are each sample's own, so training and evaluation compute the same thing.

import type { ForwardMode, Layer, LayerKernel } from './layer';

export class LayerNormKernel implements LayerKernel {
  readonly type = 'layernorm';
  /** The cache: μ, σ² and 1/√(σ² + ε) per sample, x̂ per sample and feature. */
  readonly mu: Float64Array;
  readonly variance: Float64Array;
  readonly inverseStd: Float64Array;
  readonly xhat: Float64Array;

  constructor(
    units: number,
    batchCapacity: number,
    readonly epsilon: number,
  ) {
    this.mu = new Float64Array(batchCapacity);
    this.variance = new Float64Array(batchCapacity);
    this.inverseStd = new Float64Array(batchCapacity);
    this.xhat = new Float64Array(batchCapacity * units);
  }

  forward(layer: Layer, x: Float64Array, m: number, z: Float64Array, mode: ForwardMode): void {
    const n = layer.units;
    const gamma = layer.W;
    const beta = layer.b;
    for (let i = 0; i < m; i++) {
      const row = i * n;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += x[row + j];
      const mu = sum / n;
      let squares = 0;
      for (let j = 0; j < n; j++) squares += (x[row + j] - mu) ** 2;
      const variance = squares / n;
      const inverseStd = 1 / Math.sqrt(variance + this.epsilon);
      for (let j = 0; j < n; j++) {
        const xhat = (x[row + j] - mu) * inverseStd;
        if (mode.training) this.xhat[row + j] = xhat;
        z[row + j] = gamma[j] * xhat + beta[j];
      }
      if (mode.training) {
        this.mu[i] = mu;
        this.variance[i] = variance;
        this.inverseStd[i] = inverseStd;
      }
    }
  }

  backward(layer: Layer, _x: Float64Array, m: number, inputGradient: boolean): void {
    const n = layer.units;
    const { delta, dW: dgamma, db: dbeta, W: gamma, gradInput } = layer;
    const { xhat, inverseStd } = this;
    dgamma.fill(0);
    dbeta.fill(0);
    for (let i = 0; i < m; i++) {
      const row = i * n;
      let sumG = 0;
      let sumGXhat = 0;
      for (let j = 0; j < n; j++) {
        dbeta[j] += delta[row + j];
        dgamma[j] += delta[row + j] * xhat[row + j];
        const g = delta[row + j] * gamma[j];
        sumG += g;
        sumGXhat += g * xhat[row + j];
      }
      if (!inputGradient) continue;
      const scale = inverseStd[i] / n;
      for (let j = 0; j < n; j++)
        gradInput[row + j] = scale * (n * delta[row + j] * gamma[j] - sumG - xhat[row + j] * sumGXhat);
    }
  }

  state(): Float64Array[] {
    return [];
  }
}
