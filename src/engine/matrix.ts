// Row-major Float64Array matrices and the three products backprop needs:
//   forward   Z  = A · W        (batch × in) · (in × out)
//   gradient  dW = Aᵀ · δ       (in × batch) · (batch × out)
//   backward  dA = δ · Wᵀ       (batch × out) · (out × in)
// One strided kernel serves all three; it keeps a 4×4 block of C in registers, which is what makes a
// 784-256-128-10 step fast in plain JavaScript.

export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  return { rows, cols, data: data ?? new Float64Array(rows * cols) };
}

/** Copy of a row-list as a matrix (rows must all have `cols` entries). */
export function fromRows(rows: number[][], cols: number): Matrix {
  const result = matrix(rows.length, cols);
  rows.forEach((row, i) => result.data.set(row, i * cols));
  return result;
}

export function toRows(data: ArrayLike<number>, rows: number, cols: number): number[][] {
  const result: number[][] = [];
  for (let i = 0; i < rows; i++) result.push(Array.from({ length: cols }, (_, j) => data[i * cols + j]));
  return result;
}

// prettier-ignore
/**
 * C[i][j] = Σ_p A(i,p)·B(p,j) for i < M, j < N, p < K, where A(i,p) = a[i·aRow + p·aCol] and
 * B(p,j) = b[p·bRow + j·bCol]. Strides let the same kernel read Aᵀ or Bᵀ without copying. C is M×N, overwritten.
 * The starts place A, B and C inside larger buffers (one sample's block of a batch) without a subarray per call.
 * With `accumulate`, C += A·B instead: each sum continues from what C holds, so a product split over several calls
 * (one per sample) adds its terms in the order a single call would, to the bit.
 */
export function gemm(
  M: number,
  N: number,
  K: number,
  a: Float64Array,
  aRow: number,
  aCol: number,
  b: Float64Array,
  bRow: number,
  bCol: number,
  c: Float64Array,
  aStart = 0,
  bStart = 0,
  cStart = 0,
  accumulate = false,
): void {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    for (let j = 0; j < N4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      const pc = cStart + i * N + j;
      if (accumulate) {
        c00 = c[pc]; c01 = c[pc + 1]; c02 = c[pc + 2]; c03 = c[pc + 3];
        c10 = c[pc + N]; c11 = c[pc + N + 1]; c12 = c[pc + N + 2]; c13 = c[pc + N + 3];
        c20 = c[pc + 2 * N]; c21 = c[pc + 2 * N + 1]; c22 = c[pc + 2 * N + 2]; c23 = c[pc + 2 * N + 3];
        c30 = c[pc + 3 * N]; c31 = c[pc + 3 * N + 1]; c32 = c[pc + 3 * N + 2]; c33 = c[pc + 3 * N + 3];
      }
      let pa = aStart + i * aRow;
      let pb = bStart + j * bCol;
      for (let p = 0; p < K; p++) {
        const a0 = a[pa], a1 = a[pa + aRow], a2 = a[pa + 2 * aRow], a3 = a[pa + 3 * aRow];
        const b0 = b[pb], b1 = b[pb + bCol], b2 = b[pb + 2 * bCol], b3 = b[pb + 3 * bCol];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        pa += aCol;
        pb += bRow;
      }
      c[pc] = c00; c[pc + 1] = c01; c[pc + 2] = c02; c[pc + 3] = c03;
      c[pc + N] = c10; c[pc + N + 1] = c11; c[pc + N + 2] = c12; c[pc + N + 3] = c13;
      c[pc + 2 * N] = c20; c[pc + 2 * N + 1] = c21; c[pc + 2 * N + 2] = c22; c[pc + 2 * N + 3] = c23;
      c[pc + 3 * N] = c30; c[pc + 3 * N + 1] = c31; c[pc + 3 * N + 2] = c32; c[pc + 3 * N + 3] = c33;
    }
  }
  // The ragged right edge (columns N4..N) of those rows, four rows at a time: four sums side by side rather than
  // one chain of additions each, which with 9 or 10 columns (a 3×3 kernel, ten classes) cost as much as the blocks.
  for (let i = 0; i < M4; i += 4) {
    for (let j = N4; j < N; j++) {
      const pc = cStart + i * N + j;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      if (accumulate) { c0 = c[pc]; c1 = c[pc + N]; c2 = c[pc + 2 * N]; c3 = c[pc + 3 * N]; }
      let pa = aStart + i * aRow;
      let pb = bStart + j * bCol;
      for (let p = 0; p < K; p++) {
        const bp = b[pb];
        c0 += a[pa] * bp; c1 += a[pa + aRow] * bp; c2 += a[pa + 2 * aRow] * bp; c3 += a[pa + 3 * aRow] * bp;
        pa += aCol;
        pb += bRow;
      }
      c[pc] = c0; c[pc + N] = c1; c[pc + 2 * N] = c2; c[pc + 3 * N] = c3;
    }
  }
  // The ragged bottom rows (M4..M): four columns at a time, then the corner one by one.
  for (let i = M4; i < M; i++) {
    let j = 0;
    for (; j < N4; j += 4) {
      const pc = cStart + i * N + j;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      if (accumulate) { c0 = c[pc]; c1 = c[pc + 1]; c2 = c[pc + 2]; c3 = c[pc + 3]; }
      let pa = aStart + i * aRow;
      let pb = bStart + j * bCol;
      for (let p = 0; p < K; p++) {
        const ap = a[pa];
        c0 += ap * b[pb]; c1 += ap * b[pb + bCol]; c2 += ap * b[pb + 2 * bCol]; c3 += ap * b[pb + 3 * bCol];
        pa += aCol;
        pb += bRow;
      }
      c[pc] = c0; c[pc + 1] = c1; c[pc + 2] = c2; c[pc + 3] = c3;
    }
    for (; j < N; j++) {
      let sum = accumulate ? c[cStart + i * N + j] : 0;
      let pa = aStart + i * aRow;
      let pb = bStart + j * bCol;
      for (let p = 0; p < K; p++) {
        sum += a[pa] * b[pb];
        pa += aCol;
        pb += bRow;
      }
      c[cStart + i * N + j] = sum;
    }
  }
}

/** Z (m×n) = A (m×k) · W (k×n), then add the bias row b (n) to every row. */
export function affine(
  A: Float64Array,
  m: number,
  k: number,
  W: Float64Array,
  b: Float64Array,
  n: number,
  Z: Float64Array,
): void {
  gemm(m, n, k, A, k, 1, W, n, 1, Z);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Z[i * n + j] += b[j];
}

/** dW (k×n) = Aᵀ · δ, for A (m×k) and δ (m×n). */
export function transposeTimes(
  A: Float64Array,
  m: number,
  k: number,
  delta: Float64Array,
  n: number,
  dW: Float64Array,
): void {
  gemm(k, n, m, A, 1, k, delta, n, 1, dW);
}

/** dA (m×k) = δ · Wᵀ, for δ (m×n) and W (k×n). */
export function timesTranspose(
  delta: Float64Array,
  m: number,
  n: number,
  W: Float64Array,
  k: number,
  dA: Float64Array,
): void {
  gemm(m, k, n, delta, n, 1, W, 1, n, dA);
}

/** db (n) = Σ over the m rows of δ. */
export function columnSums(delta: Float64Array, m: number, n: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j] += delta[i * n + j];
}

export function sumOfSquares(values: Float64Array, length = values.length): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += values[i] * values[i];
  return sum;
}

export function norm(values: Float64Array, length = values.length): number {
  return Math.sqrt(sumOfSquares(values, length));
}

/**
 * True when every entry is finite: x·0 is ±0, or NaN exactly when x is NaN or ±Infinity, and a NaN term makes a
 * sum NaN. The length % 4 entries left over first, then four entries to a test (never taken in training that goes
 * well). Leftovers checked last, or one test of the whole sum at the end, left code that runs too rarely to give
 * V8 type feedback, and it deoptimized the function over and over (thousands of times a run).
 */
export function allFinite(values: Float64Array, length = values.length): boolean {
  const head = length % 4;
  let sum = 0;
  for (let i = 0; i < head; i++) sum += values[i] * 0;
  if (sum !== 0) return false;
  for (let i = head; i < length; i += 4)
    if (values[i] * 0 + values[i + 1] * 0 + values[i + 2] * 0 + values[i + 3] * 0 !== 0) return false;
  return true;
}
