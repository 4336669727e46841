// The plain hand-written reference the engine is measured against: one MLP training step (forward, loss
// gradient, backward, SGD) on bare Float64Arrays with a 4×4 register-blocked matmul, and nothing else:
// no tracing, no diagnostics, no snapshots. It is deliberately separate from the engine's own kernels.

export type ReferenceActivation = 'relu' | 'tanh';

/** C (M×N) = A (M×K) · B (K×N), all row-major; B given with strides so Bᵀ needs no copy. */
// prettier-ignore
function blockedMatmul(M: number, N: number, K: number, A: Float64Array, aRow: number, aCol: number, B: Float64Array, bRow: number, bCol: number, C: Float64Array): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0; p < K; p++) {
        const x0 = A[i * aRow + p * aCol], x1 = A[(i + 1) * aRow + p * aCol], x2 = A[(i + 2) * aRow + p * aCol], x3 = A[(i + 3) * aRow + p * aCol];
        const q = p * bRow + j * bCol;
        const y0 = B[q], y1 = B[q + bCol], y2 = B[q + 2 * bCol], y3 = B[q + 3 * bCol];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      C[i * N + j] = s00; C[i * N + j + 1] = s01; C[i * N + j + 2] = s02; C[i * N + j + 3] = s03;
      C[(i + 1) * N + j] = s10; C[(i + 1) * N + j + 1] = s11; C[(i + 1) * N + j + 2] = s12; C[(i + 1) * N + j + 3] = s13;
      C[(i + 2) * N + j] = s20; C[(i + 2) * N + j + 1] = s21; C[(i + 2) * N + j + 2] = s22; C[(i + 2) * N + j + 3] = s23;
      C[(i + 3) * N + j] = s30; C[(i + 3) * N + j + 1] = s31; C[(i + 3) * N + j + 2] = s32; C[(i + 3) * N + j + 3] = s33;
    }
    for (; j < N; j++) for (let r = i; r < i + 4; r++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += A[r * aRow + p * aCol] * B[p * bRow + j * bCol];
      C[r * N + j] = s;
    }
  }
  for (; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let p = 0; p < K; p++) s += A[i * aRow + p * aCol] * B[p * bRow + j * bCol];
    C[i * N + j] = s;
  }
}

export class ReferenceMLP {
  private readonly W: Float64Array[];
  private readonly b: Float64Array[];
  private readonly z: Float64Array[];
  private readonly a: Float64Array[];
  private readonly delta: Float64Array[];
  private readonly gradA: Float64Array[];
  private readonly dW: Float64Array[];

  constructor(
    private readonly sizes: number[],
    private readonly hidden: ReferenceActivation,
    /** softmax + cross-entropy output, or linear + MSE. */
    private readonly softmaxOutput: boolean,
    private readonly batch: number,
    private readonly lr: number,
    seed = 1,
  ) {
    let state = seed;
    const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const layers = sizes.length - 1;
    this.W = Array.from({ length: layers }, (_, k) =>
      Float64Array.from(
        { length: sizes[k] * sizes[k + 1] },
        () => uniform() * Math.sqrt(6 / (sizes[k] + sizes[k + 1])),
      ),
    );
    this.b = Array.from({ length: layers }, (_, k) => new Float64Array(sizes[k + 1]));
    this.z = Array.from({ length: layers }, (_, k) => new Float64Array(batch * sizes[k + 1]));
    this.a = Array.from({ length: layers }, (_, k) => new Float64Array(batch * sizes[k + 1]));
    this.delta = Array.from({ length: layers }, (_, k) => new Float64Array(batch * sizes[k + 1]));
    this.gradA = Array.from({ length: layers }, (_, k) => new Float64Array(batch * sizes[k]));
    this.dW = Array.from({ length: layers }, (_, k) => new Float64Array(sizes[k] * sizes[k + 1]));
  }

  step(x: Float64Array, y: Float64Array): number {
    const { sizes, batch: m } = this;
    const L = sizes.length - 1;
    let input = x;
    for (let k = 0; k < L; k++) {
      const n = sizes[k + 1];
      const z = this.z[k];
      const a = this.a[k];
      blockedMatmul(m, n, sizes[k], input, sizes[k], 1, this.W[k], n, 1, z);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) z[i * n + j] += this.b[k][j];
      if (k < L - 1) {
        for (let t = 0; t < m * n; t++) a[t] = this.hidden === 'relu' ? (z[t] > 0 ? z[t] : 0) : Math.tanh(z[t]);
      } else if (this.softmaxOutput) {
        for (let i = 0; i < m; i++) {
          let max = -Infinity;
          for (let j = 0; j < n; j++) max = Math.max(max, z[i * n + j]);
          let sum = 0;
          for (let j = 0; j < n; j++) sum += a[i * n + j] = Math.exp(z[i * n + j] - max);
          for (let j = 0; j < n; j++) a[i * n + j] /= sum;
        }
      } else a.set(z);
      input = a;
    }
    const out = this.a[L - 1];
    let loss = 0;
    const dOut = this.delta[L - 1];
    for (let t = 0; t < out.length; t++) {
      loss += this.softmaxOutput ? (y[t] > 0 ? -y[t] * Math.log(out[t]) : 0) : 0.5 * (out[t] - y[t]) ** 2;
      dOut[t] = (out[t] - y[t]) / m;
    }
    for (let k = L - 1; k >= 0; k--) {
      const n = sizes[k + 1];
      const nIn = sizes[k];
      const delta = this.delta[k];
      if (k < L - 1) {
        const gradA = this.gradA[k + 1];
        const a = this.a[k];
        for (let t = 0; t < m * n; t++)
          delta[t] = gradA[t] * (this.hidden === 'relu' ? (this.z[k][t] > 0 ? 1 : 0) : 1 - a[t] * a[t]);
      }
      const prev = k === 0 ? x : this.a[k - 1];
      blockedMatmul(nIn, n, m, prev, 1, nIn, delta, n, 1, this.dW[k]);
      if (k > 0) blockedMatmul(m, nIn, n, delta, n, 1, this.W[k], 1, n, this.gradA[k]);
      const W = this.W[k];
      const dW = this.dW[k];
      for (let t = 0; t < W.length; t++) W[t] -= this.lr * dW[t];
      const b = this.b[k];
      for (let j = 0; j < n; j++) {
        let db = 0;
        for (let i = 0; i < m; i++) db += delta[i * n + j];
        b[j] -= this.lr * db;
      }
    }
    return loss / m;
  }
}
