// Which weight an edge of the panel's graph stands for: W[from][to] for dense, and for a convolution the kernel
// entry joining that pixel to that output value, checked against the engine's own convolution (z rebuilt from the
// edges alone) and through a what-if edit at the index the panel's host sends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { edgeWeight, weightName, weightShape } from '../../src/engine/imageIndex';
import { parseModelText } from '../../src/model';
import type { LayerInfo } from '../../src/protocol';

function session(yaml: string): TrainingSession {
  const parsed = parseModelText(yaml, 'edges.nn.yaml');
  assert.ok(parsed.model, JSON.stringify(parsed.errors));
  return new TrainingSession(parsed.model, { traceLevel: 'full' });
}

const zeros = (n: number) => `[${Array.from({ length: n }, (_, i) => (i % 5) - 2).join(', ')}]`;

/** A 2-channel 5×5 image, 3 filters 3×3 with stride 2 and padding 1: outputs 3×3×3. */
const STRIDED = `input: {shape: [2, 5, 5]}
layers:
  - {name: conv1, type: conv2d, filters: 3, kernel: 3, stride: 2, padding: 1}
  - {name: flat, type: flatten}
  - {name: out, units: 2, activation: softmax}
loss: cross_entropy
data: {inputs: [${zeros(50)}], targets: [[1, 0]]}
`;

test('a dense edge is W[from][to]; layers without weights have none', () => {
  const info: LayerInfo = {
    index: 0,
    name: 'h',
    units: 3,
    inputSize: 2,
    activation: 'relu',
    frozen: false,
    bias: true,
  };
  assert.deepEqual(edgeWeight(info, 1, 2), [1, 2]);
  assert.deepEqual(weightShape(info), [2, 3]);
  assert.equal(weightName(info, 1, 2), 'W[1][2]');
  assert.equal(edgeWeight(info, 2, 0), undefined);
  const model = session(STRIDED).modelInfo();
  assert.deepEqual(weightShape(model.layers[1]), [0, 0]);
  assert.equal(edgeWeight(model.layers[1], 0, 0), undefined);
});

test('a conv edge names the kernel entry joining that pixel to that output, across channels, stride and padding', () => {
  const conv = session(STRIDED).modelInfo().layers[0];
  assert.deepEqual(weightShape(conv), [3, 18]);
  // Pixel (c 1, y 0, x 0) = 25 into output (f 0, i 0, j 0): the window starts at (−1, −1), so kernel entry (1, 1)
  // of channel 1: column (1·3 + 1)·3 + 1 = 13.
  assert.deepEqual(edgeWeight(conv, 25, 0), [0, 13]);
  assert.equal(weightName(conv, 0, 13), 'K[0][1][1][1]');
  // Pixel (c 0, y 3, x 2) = 17 into output (f 2, i 1, j 1) = 22: the window starts at (1, 1), entry (2, 1).
  assert.deepEqual(edgeWeight(conv, 17, 22), [2, 7]);
  assert.equal(weightName(conv, 2, 7), 'K[2][0][2][1]');
  // Pixel (0, 3, 3) = 18 is outside the window of output (0, 0, 0), which reads rows and columns −1..1.
  assert.equal(edgeWeight(conv, 18, 0), undefined);
  assert.equal(edgeWeight(conv, 50, 0), undefined);
  assert.equal(edgeWeight(conv, 0, 27), undefined);
});

test('the edges of a conv layer rebuild its z from the kernels the engine used', () => {
  const training = session(STRIDED);
  training.step('layer');
  const record = training.trace();
  const conv = training.modelInfo().layers[0];
  const [, cols] = weightShape(conv);
  const x = record.inputs!.data!;
  const K = record.layers[0].weights.data!;
  const b = record.layers[0].biases.data!;
  const z = record.layers[0].z!.data!;
  for (let to = 0; to < conv.units; to++) {
    let sum = b[Math.floor(to / 9)];
    let edges = 0;
    for (let from = 0; from < conv.inputSize; from++) {
      const entry = edgeWeight(conv, from, to);
      if (!entry) continue;
      sum += K[entry[0] * cols + entry[1]] * x[from];
      edges++;
    }
    assert.ok(Math.abs(sum - z[to]) < 1e-12, `z[${to}] = ${z[to]}, from the edges ${sum}`);
    // Output (i, j) at the corner (0, 0) has its window half in the padding: 2 of 3 rows and columns, 2 channels.
    if (to === 0) assert.equal(edges, 2 * 2 * 2);
  }
});

test('a what-if edit at the index the host computes changes exactly that kernel entry', () => {
  const training = session(STRIDED);
  const conv = training.modelInfo().layers[0];
  const [row, col] = edgeWeight(conv, 17, 22)!;
  const [, cols] = weightShape(conv);
  training.setParameter({ layer: 0, tensor: 'W', index: row * cols + col, value: 5 });
  const kernels = training.trace().layers[0];
  const K = kernels.kernels?.data ?? kernels.weights.data!;
  // K as [filter][c][u][v]: filter 2, channel 0, row 2, column 1.
  const shape = kernels.kernelShape!;
  assert.equal(K[((2 * shape[1] + 0) * shape[2] + 2) * shape[3] + 1], 5);
  assert.equal(K.filter((v) => v === 5).length, 1);
});
