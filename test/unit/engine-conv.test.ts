// conv2d, maxpool2d and flatten: image shapes through the model file, each kernel's backward against central
// differences (dK, db and ∂L/∂input, with stride, padding, `same`, several channels), pooling's ties routed
// to the first maximum as PyTorch does, the engine's gradient check through a small CNN, and step back exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainStep, Random, TrainingSession } from '../../src/engine';
import { BatchNormKernel, createLayer, type Layer } from '../../src/engine/layers';
import { Network } from '../../src/engine/network';
import { loadModelFile, parseModelText } from '../../src/model';
import type { LayerSpec, ModelSpec } from '../../src/model/types';
import { kernelGradientError, trainedNetGradientErrors } from './helpers/gradcheck';
import { assertStepsBackThrough, microSteps } from './helpers/stepBack';

const TOLERANCE = 1e-7;

function model(yaml: string): ModelSpec {
  const parsed = parseModelText(yaml, 'conv.nn.yaml');
  assert.ok(parsed.model, parsed.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  return parsed.model;
}

/** A one-layer image model's resolved spec, so the kernel gets the shapes the model file would give it. */
function imageLayer(shape: [number, number, number], layer: string): LayerSpec {
  const size = shape[0] * shape[1] * shape[2];
  const spec = model(
    `input: {shape: [${shape.join(', ')}]}\nlayers:\n  - {name: l, ${layer}}\n  - {name: out, units: 2, activation: softmax}\nloss: cross_entropy\ndata: {inputs: [[${Array(size).fill(0).join(', ')}]], targets: [[1, 0]]}\n`,
  );
  return spec.layers[0];
}

/** One image kernel alone (see kernelGradientError), with biases moved away from zero. */
function checkKernel(spec: LayerSpec, m: number, input?: (random: Random) => number): number {
  return kernelGradientError(spec, m, {
    seed: 11,
    ...(input ? { input } : {}),
    prepare: (layer, random) => {
      if (layer.hasBias) for (let i = 0; i < layer.b.length; i++) layer.b[i] = random.uniform(-0.5, 0.5);
    },
  });
}

test('image shapes: input {shape}, conv2d, maxpool2d and flatten resolve with their output shapes', () => {
  const spec = model(`input: {shape: [1, 8, 8]}
layers:
  - {name: c1, type: conv2d, filters: 4, kernel: 3, padding: same, activation: relu}
  - {name: p1, type: maxpool2d, size: 2}
  - {name: c2, type: conv2d, filters: 2, kernel: [2, 4], stride: 2, padding: 1}
  - {name: f, type: flatten}
  - {name: out, units: 2, activation: softmax}
loss: cross_entropy
data: {inputs: [[${Array(64).fill(0.5).join(', ')}]], targets: [[1, 0]]}
`);
  assert.deepEqual(spec.inputShape, [1, 8, 8]);
  assert.equal(spec.inputSize, 64);
  const [c1, p1, c2, f] = spec.layers;
  assert.deepEqual([c1.shape, c1.units, c1.padding, c1.kernel], [[4, 8, 8], 256, [1, 1], [3, 3]]);
  assert.deepEqual([p1.shape, p1.units, p1.stride], [[4, 4, 4], 64, 2]);
  // (4 + 2 − 2)/2 + 1 = 3 rows, (4 + 2 − 4)/2 + 1 = 2 columns.
  assert.deepEqual([c2.shape, c2.units, c2.inputShape], [[2, 3, 2], 12, [4, 4, 4]]);
  assert.deepEqual([f.units, f.inputShape], [12, [2, 3, 2]]);
});

test('a dense layer straight after a pooling layer flattens it implicitly', () => {
  const spec = model(`input: {shape: [2, 4, 4]}
layers:
  - {name: p, type: maxpool2d, size: 2}
  - {name: out, units: 2, activation: softmax}
loss: cross_entropy
data: {inputs: [[${Array(32).fill(0.5).join(', ')}]], targets: [[1, 0]]}
`);
  assert.equal(spec.layers[0].units, 8);
  const session = new TrainingSession(spec, { traceLevel: 'off' });
  session.step('batch');
  assert.equal(session.parameters()[1].weights.length, 8);
});

for (const [name, shape, layer, m] of [
  ['3×3, no padding', [1, 5, 5], 'type: conv2d, filters: 2, kernel: 3', 2],
  ['stride 2 and padding 1, two channels', [2, 5, 5], 'type: conv2d, filters: 3, kernel: 3, stride: 2, padding: 1', 3],
  ['padding same', [2, 4, 4], 'type: conv2d, filters: 2, kernel: 3, padding: same', 2],
  [
    'a 2×3 kernel, stride 3, padding 2',
    [1, 7, 8],
    'type: conv2d, filters: 2, kernel: [2, 3], stride: 3, padding: 2',
    1,
  ],
  ['without bias', [1, 4, 4], 'type: conv2d, filters: 2, kernel: 2, bias: false', 2],
] as const) {
  test(`conv2d alone, ${name}: dK, db and ∂L/∂x match central differences`, (t) => {
    const worst = checkKernel(imageLayer([...shape], layer), m);
    t.diagnostic(`worst relative error ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `worst relative error ${worst}`);
  });
}

for (const [name, layer] of [
  ['2×2 windows', 'type: maxpool2d, size: 2'],
  ['overlapping 3×3 windows, stride 1', 'type: maxpool2d, size: 3, stride: 1'],
] as const) {
  test(`maxpool2d alone, ${name}: ∂L/∂x matches central differences away from ties`, (t) => {
    const worst = checkKernel(imageLayer([2, 6, 6], layer), 2);
    t.diagnostic(`worst relative error ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `worst relative error ${worst}`);
  });
}

test('maxpool2d: a tie sends the gradient to the first maximum in reading order, as PyTorch', () => {
  const spec = imageLayer([1, 4, 4], 'type: maxpool2d, size: 2');
  const layer = createLayer(spec, 1, 16, -1, new Random(1), 1);
  // prettier-ignore
  const x = Float64Array.from([
    1, 1,   0, 2,
    0, 0,   2, 0,
    3, 0,   5, 5,
    0, 3,   5, 5,
  ]);
  const z = new Float64Array(4);
  layer.kernel.forward(layer, x, 1, z, { training: true, random: new Random(1), keepMasks: false });
  assert.deepEqual(Array.from(z), [1, 2, 3, 5]);
  layer.delta.set([10, 20, 30, 40]);
  layer.kernel.backward(layer, x, 1, true);
  // prettier-ignore
  assert.deepEqual(Array.from(layer.gradInput), [
    10, 0,   0, 20,
    0, 0,    0, 0,
    30, 0,   40, 0,
    0, 0,    0, 0,
  ]);
  // One-sided differences agree with that choice: nudging the first of a tie up moves L by its δ, the
  // second's nudge down leaves L alone.
});

test('flatten alone: z = x and ∂L/∂x = δ', () => {
  assert.ok(checkKernel(imageLayer([2, 3, 3], 'type: flatten'), 2) < TOLERANCE);
});

/** Small deterministic images: a bright bar whose position is the class, plus noise. */
function images(count: number, side: number, seed: number): { inputs: number[][]; targets: number[][] } {
  const random = new Random(seed);
  const inputs: number[][] = [];
  const targets: number[][] = [];
  for (let s = 0; s < count; s++) {
    const label = s % 2;
    const row = 1 + Math.floor(random.next() * (side - 2));
    inputs.push(
      Array.from({ length: side * side }, (_, k) => {
        const [y, x] = [Math.floor(k / side), k % side];
        return (label === 0 ? y === row : x === row) ? 1 + 0.1 * random.normal() : 0.1 * random.normal();
      }),
    );
    targets.push(label === 0 ? [1, 0] : [0, 1]);
  }
  return { inputs, targets };
}

function cnn(layers: string, batch: number, extra = ''): ModelSpec {
  const data = images(6, 6, 5);
  return model(`input: {shape: [1, 6, 6]}
seed: 4
layers:
${layers}
  - {name: out, units: 2, activation: softmax}
loss: cross_entropy
optimizer: {type: sgd, lr: 0.1}
training: {batch: ${batch}, epochs: 3}
${extra}data: {inputs: ${JSON.stringify(data.inputs)}, targets: ${JSON.stringify(data.targets)}}
`);
}

const CNN = `  - {name: conv1, type: conv2d, filters: 3, kernel: 3, padding: same, activation: relu}
  - {name: pool1, type: maxpool2d, size: 2}
  - {name: flat, type: flatten}`;

for (const [name, layers, batch, extra] of [
  ['conv → relu → pool → flatten → dense softmax', CNN, 4, ''],
  [
    'two convolutions with stride and padding, tanh, L2',
    `  - {name: conv1, type: conv2d, filters: 2, kernel: 3, stride: 1, padding: 1, activation: tanh}
  - {name: conv2, type: conv2d, filters: 2, kernel: 2, stride: 2, activation: tanh}`,
    3,
    'regularization: {l2: 0.01}\n',
  ],
  [
    'a residual add around a same-padded convolution',
    `  - {name: conv1, type: conv2d, filters: 2, kernel: 3, padding: same, activation: tanh}
  - {name: conv2, type: conv2d, filters: 2, kernel: 3, padding: same, activation: tanh, add: conv1}
  - {name: pool, type: maxpool2d, size: 3}`,
    2,
    '',
  ],
] as const) {
  test(`gradient check inside a CNN: ${name}`, (t) => {
    const spec = cnn(layers, batch, extra);
    // A few steps first, so the check is not at the initial weights only.
    for (const line of trainedNetGradientErrors(spec, TOLERANCE)) t.diagnostic(line);
  });
}

test('a CNN steps back micro-step by micro-step to the exact trace it had', () => {
  const session = new TrainingSession(cnn(CNN, 2), { traceLevel: 'full' });
  assertStepsBackThrough(session, microSteps(session, 30));
});

test('the trace names a CNN’s intermediates: kernels with their shape, feature maps, dK, argmax positions', () => {
  const session = new TrainingSession(cnn(CNN, 2), { traceLevel: 'full' });
  const record = session.step('batch');
  const [conv, pool, flat] = record.layers;
  assert.deepEqual(
    [conv.type, conv.inputShape, conv.shape, conv.kernelShape],
    ['conv2d', [1, 6, 6], [3, 6, 6], [3, 1, 3, 3]],
  );
  assert.deepEqual([conv.stride, conv.padding], [1, [1, 1]]);
  assert.deepEqual([conv.kernels?.rows, conv.kernels?.cols, conv.weights.cols, conv.biases.cols], [3, 9, 9, 3]);
  assert.deepEqual(conv.dK?.data, conv.dW?.data);
  assert.deepEqual(conv.featureMaps?.data, conv.a?.data);
  assert.deepEqual([conv.featureMaps?.rows, conv.featureMaps?.cols], [2, 108]);
  assert.deepEqual([pool.inputShape, pool.shape, pool.poolSize, pool.stride], [[3, 6, 6], [3, 3, 3], 2, 2]);
  // Each argmax is a position in its sample's feature maps whose value is the pooled one.
  pool.argmax!.data!.forEach((position, k) => {
    const sample = Math.floor(k / 27);
    assert.equal(conv.a!.data![sample * 108 + position], pool.z!.data![k]);
  });
  assert.deepEqual([flat.type, flat.inputShape, flat.units], ['flatten', [3, 3, 3], 27]);
  assert.deepEqual(flat.z?.data, pool.a?.data);
  const info = session.modelInfo();
  assert.deepEqual(info.inputShape, [1, 6, 6]);
  assert.deepEqual([info.layers[0].filters, info.layers[0].kernel, info.layers[0].shape], [3, [3, 3], [3, 6, 6]]);
});

test('the CNN digits example trains: ≥ 90% validation accuracy after 3 of its epochs', (t) => {
  const { model, errors } = loadModelFile('examples/cnn-digits.nn.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual([model!.train.inputs.length, model!.validation?.inputs.length], [1438, 359]);
  const session = new TrainingSession(
    { ...model!, training: { ...model!.training, epochs: 3 } },
    { traceLevel: 'off' },
  );
  session.step('run');
  const last = session.epochs[session.epochs.length - 1];
  t.diagnostic(`validation accuracy ${last.validationAccuracy}`);
  assert.ok(last.validationAccuracy! >= 0.9, `validation accuracy ${last.validationAccuracy}`);
});

test('evaluation (validation, prediction) of more samples than a batch gives what training forward gives', () => {
  const spec = cnn(CNN, 4);
  const network = new Network(spec, new Random(spec.seed), 4);
  const inputs = Float64Array.from(spec.train.inputs.flat());
  const targets = Float64Array.from(spec.train.targets.flat());
  const predicted = network.predict(inputs, 6).z;
  const order = [0, 1, 2, 3, 4, 5];
  for (const first of [0, 4]) {
    const count = Math.min(4, 6 - first);
    network.loadBatch(inputs, targets, order, first, count);
    network.layers.forEach((_, k) => network.forward(k));
    for (let i = 0; i < count * 2; i++) assert.equal(network.output.z[i], predicted[first * 2 + i]);
  }
});

test('explainStep says what a convolution, a pooling and a flatten layer compute, both ways', () => {
  const session = new TrainingSession(cnn(CNN, 2), { traceLevel: 'full' });
  const said = Array.from({ length: 9 }, () => explainStep(session.step('layer'), session.modelInfo()));
  assert.match(
    said[0],
    /^forward · conv1: each of 3 filters \(3×3 over 1 channel, stride 1, padding 1\) slides over the 6×6 input x: z1\[f\]\[i\]\[j\] = Σ K1\[f\]\[c\]\[u\]\[v\]·x\[c\]\[i\+u−1\]\[j\+v−1\] \+ b1\[f\]/,
  );
  assert.match(said[1], /^forward · pool1: each 2×2 window of a1 \(stride 2\) keeps its largest value/);
  assert.match(said[2], /^forward · flat: z3 = a2 laid out as one row/);
  assert.match(said[7], /^backward · pool1: δ2 = δ3 reshaped back to 3×3×3 .*max pooling has no weights/);
  assert.match(
    said[8],
    /^backward · conv1: δ1 = \(δ2 passed back to the argmax of each 2×2 window .*dK1 = δ1ᵀ·im2col\(x\)/,
  );
});

test('the batch-memory check counts the im2col buffer and its gradient', () => {
  const row = `[${Array(4096).fill(0).join(',')}]`;
  const parsed = parseModelText(
    `input: {shape: [1, 64, 64]}
layers:
  - {name: c1, type: conv2d, filters: 64, kernel: 7, padding: same}
  - {name: out, units: 2, activation: softmax}
loss: cross_entropy
training: {batch: 3}
data: {inputs: [${row}, ${row}, ${row}], targets: [[1, 0], [0, 1], [1, 0]]}
`,
    'big.nn.yaml',
  );
  // Without im2col (2 × 4096 windows × 49) a sample needs 1.06 million numbers and 3 fit in the 4 million.
  assert.deepEqual(
    parsed.errors.map((e) => `${e.line}:${e.col} ${e.message}`),
    [
      '6:19 training.batch: a batch of 3 samples needs 41.3 MB for activations and deltas through these layers (the limit is 32 MB); use training.batch: 2 or less',
    ],
  );
});

// BatchNorm2d: batch norm after an image keeps its shape and normalizes per channel over (batch, h, w).

const BN2D_PARAMETERS = (layer: Layer, random: Random) => {
  // γ and β away from 1 and 0, so dγ and dβ are not trivially symmetric.
  for (let i = 0; i < layer.W.length; i++) layer.W[i] += random.uniform(-0.5, 0.5);
  for (let i = 0; i < layer.b.length; i++) layer.b[i] += random.uniform(-0.5, 0.5);
};

for (const m of [1, 2, 3]) {
  test(`batchnorm after an image alone, batch of ${m}: per-channel dγ, dβ and ∂L/∂x match central differences`, (t) => {
    const spec = imageLayer([3, 4, 5], 'type: batchnorm, momentum: 0.2');
    assert.deepEqual([spec.inputShape, spec.shape, spec.units], [[3, 4, 5], [3, 4, 5], 60]);
    const worst = kernelGradientError(spec, m, { seed: 11, prepare: BN2D_PARAMETERS });
    t.diagnostic(`worst relative error ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `worst relative error ${worst}`);
  });
}

test('batchnorm after an image: μ, σ² over the batch and the positions, unbiased running variance, evaluation', () => {
  const spec = imageLayer([2, 2, 2], 'type: batchnorm');
  const layer = createLayer(spec, 0, 8, -1, new Random(1), 1);
  assert.deepEqual([layer.W.length, layer.b.length], [2, 2]);
  const kernel = layer.kernel as BatchNormKernel;
  // One sample is enough for BatchNorm2d: channel 0 holds 1, 2, 3, 4 and channel 1 holds 5 four times.
  const x = Float64Array.from([1, 2, 3, 4, 5, 5, 5, 5]);
  const z = new Float64Array(8);
  const random = new Random(1);
  kernel.forward(layer, x, 1, z, { training: true, random, keepMasks: false });
  assert.deepEqual([...kernel.mu], [2.5, 5]);
  assert.deepEqual([...kernel.variance], [1.25, 0]);
  const inverseStd = 1 / Math.sqrt(1.25 + 1e-5);
  assert.deepEqual([...z], [-1.5, -0.5, 0.5, 1.5].map((d) => d * inverseStd).concat([0, 0, 0, 0]));
  // PyTorch's running variance is unbiased over the N = m·h·w = 4 values: 1.25·4/3.
  assert.deepEqual([...kernel.runningMean], [0.25, 0.5]);
  assert.ok(Math.abs(kernel.runningVar[0] - (0.9 + (0.1 * 1.25 * 4) / 3)) < 1e-15);
  assert.equal(kernel.runningVar[1], 0.9);
  // Evaluation normalizes with the running statistics and leaves the cache alone.
  layer.W.set([2, 1]);
  layer.b.set([0.5, -1]);
  kernel.forward(layer, x, 1, z, { training: false, random, keepMasks: false });
  const r0 = 1 / Math.sqrt(kernel.runningVar[0] + 1e-5);
  const r1 = 1 / Math.sqrt(0.9 + 1e-5);
  const expected = [1, 2, 3, 4].map((v) => 2 * (v - 0.25) * r0 + 0.5).concat([1, 1, 1, 1].map(() => 4.5 * r1 - 1));
  z.forEach((value, k) => assert.ok(Math.abs(value - expected[k]) < 1e-12, `z[${k}] = ${value}, not ${expected[k]}`));
  assert.deepEqual([...kernel.mu], [2.5, 5]);
});

// The convolution has no bias, as one writes it before a batch norm: its gradient would be exactly 0 (the mean
// subtraction cancels it), so its central difference is pure rounding noise, ~|L|·2⁻⁵²/ε ≈ 1e-10, which the check's
// 1e-3 floor turns into a relative 1e-7 that says nothing about the backward pass.
const CNN_BN = `  - {name: conv1, type: conv2d, filters: 3, kernel: 3, padding: same, bias: false}
  - {name: bn1, type: batchnorm, activation: relu}
  - {name: pool1, type: maxpool2d, size: 2}
  - {name: conv2, type: conv2d, filters: 2, kernel: 3}`;

for (const batch of [1, 2]) {
  test(`gradient check inside a CNN: conv → batchnorm (per channel) → relu → pool → conv, batch of ${batch}`, (t) => {
    const spec = cnn(CNN_BN, batch);
    assert.deepEqual(
      [spec.layers[1].shape, spec.layers[2].inputShape],
      [
        [3, 6, 6],
        [3, 6, 6],
      ],
    );
    for (const line of trainedNetGradientErrors(spec, TOLERANCE)) t.diagnostic(line);
  });
}

test('the trace of a batchnorm after an image carries per-channel statistics, and step back is exact', () => {
  const session = new TrainingSession(cnn(CNN_BN, 2), { traceLevel: 'full' });
  const seen = microSteps(session, 24);
  const bn = session.trace('full').layers[1];
  assert.equal(bn.type, 'batchnorm');
  for (const key of ['gamma', 'beta', 'mu', 'var', 'dgamma', 'dbeta', 'runningMean', 'runningVar'] as const)
    assert.deepEqual([bn[key]?.rows, bn[key]?.cols], [1, 3], key);
  assert.deepEqual([bn.xhat?.rows, bn.xhat?.cols, bn.weights.cols, bn.biases.cols], [2, 108, 3, 3]);
  assert.deepEqual(session.modelInfo().layers[1].shape, [3, 6, 6]);
  assertStepsBackThrough(session, seen);
});
