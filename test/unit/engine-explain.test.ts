// The sentence for each micro-step and the formula of a cell, with the worked example's exact numbers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { explainCell, explainStep } from '../../src/engine/explain';
import { gradientFromImageAbove } from '../../src/engine/explainImage';
import { gradientFromValueByValueAbove } from '../../src/engine/explainNorm';
import { optimizerSpec, parseModelText } from '../../src/model';
import { layer, spec, workedExample } from './helpers/spec';

const DIGITS = 6;

function stepped(microSteps: number) {
  const session = new TrainingSession(workedExample(), { traceLevel: 'full' });
  for (let n = 0; n < microSteps; n++) session.step('layer');
  return { record: session.trace(), model: session.modelInfo() };
}

test('each micro-step of the worked example in one sentence, with its numbers', () => {
  const sentences = Array.from({ length: 7 }, (_, n) => {
    const { record, model } = stepped(n);
    return explainStep(record, model, DIGITS);
  });
  assert.deepEqual(sentences, [
    'Nothing has run yet: next, forward · hidden computes z1 = x·W1.',
    'forward · hidden: z1 = x·W1 = [0.99, 0.95], then a1 = z1 (linear) = [0.99, 0.95].',
    'forward · output: z2 = a1·W2 = 2.162, then ŷ = a2 = z2 (linear) = 2.162.',
    'loss: L = ½(ŷ − y)² = ½(2.162 − 1)² = 0.675122; it measures how far ŷ is from y, and backward starts from its gradient.',
    'backward · output: δ2 = ∂L/∂z2 = ŷ − y = 1.162, then dW2 = a1ᵀ·δ2 = [[1.15038], [1.1039]].',
    'backward · hidden: δ1 = δ2·W2ᵀ (linear: f′ = 1) = [2.0916, 0.4648], then dW1 = xᵀ·δ1 = [[4.1832, 0.9296], [6.2748, 1.3944]].',
    'update (sgd): W := W − α·dW with α = 0.1, a step against the gradient: ΔW1 = [[-0.41832, -0.09296], [-0.62748, -0.13944]], ΔW2 = [[-0.115038], [-0.11039]].',
  ]);
});

test('the formula of a cell filled in with its numbers, and no float noise', () => {
  const { record, model } = stepped(6);
  const cell = (layer: number, name: Parameters<typeof explainCell>[3], i: number, j: number) =>
    explainCell(record, model, layer, name, i, j, DIGITS);
  assert.equal(cell(1, 'dW', 0, 0), 'dW2[0][0] = a1[0]·δ2[0] = 0.99 × 1.162 = 1.15038');
  assert.equal(cell(0, 'dW', 1, 0), 'dW1[1][0] = x[1]·δ1[0] = 3 × 2.0916 = 6.2748');
  assert.equal(cell(0, 'z', 0, 0), 'z1[0] = x[0]·W1[0][0] + x[1]·W1[1][0] = 2 × (-0.78) + 3 × 0.85 = 0.99');
  assert.equal(cell(0, 'a', 0, 1), 'a1[1] = z1[1] = 0.95 (linear)');
  assert.equal(cell(1, 'z', 0, 0), 'z2[0] = a1[0]·W2[0][0] + a1[1]·W2[1][0] = 0.99 × 1.8 + 0.95 × 0.4 = 2.162');
  assert.equal(cell(1, 'δ', 0, 0), 'δ2[0] = ŷ[0] − y[0] = 2.162 − 1 = 1.162');
  assert.equal(cell(0, 'δ', 0, 0), 'δ1[0] = δ2[0]·W2[0][0] = 1.162 × 1.8 = 2.0916');
  assert.equal(cell(1, 'ΔW', 0, 0), 'ΔW2[0][0] = −α·dW2[0][0] = −0.1 × 1.15038 = -0.115038');
  assert.equal(
    cell(1, 'W', 0, 0),
    'W2[0][0] = 1.8 + (-0.115038) = 1.68496: the weight from a1[0] into unit 0 of output, after the update',
  );
});

test('every activation, loss and optimizer has its words, and summaries give norms', () => {
  const inputs = [
    [0.2, -0.4],
    [0.9, 0.3],
  ];
  const cases = [
    { act: 'sigmoid', out: 'sigmoid', loss: { type: 'binary_cross_entropy' }, opt: 'adam', targets: [[1], [0]] },
    {
      act: 'tanh',
      out: 'softmax',
      loss: { type: 'cross_entropy' },
      opt: 'momentum',
      targets: [
        [1, 0],
        [0, 1],
      ],
    },
    { act: 'relu', out: 'linear', loss: { type: 'huber', delta: 1 }, opt: 'rmsprop', targets: [[1], [0]] },
    { act: 'leaky_relu', out: 'tanh', loss: { type: 'mae' }, opt: 'nesterov', targets: [[1], [0]] },
    { act: 'elu', out: 'linear', loss: { type: 'mse' }, opt: 'adagrad', targets: [[1], [0]] },
  ] as const;
  for (const c of cases) {
    const model = spec({
      layers: [layer(3, c.act, { name: 'h' }), layer(c.targets[0].length, c.out, { name: 'o' })],
      train: { inputs, targets: c.targets.map((row) => [...row]) },
      loss: c.loss,
      optimizer: optimizerSpec(c.opt, { lr: 0.01 }),
    });
    for (const level of ['full', 'summary'] as const) {
      const session = new TrainingSession(model, { traceLevel: level });
      const info = session.modelInfo();
      const sentences: string[] = [];
      for (let n = 0; n < 6; n++) sentences.push(explainStep(session.step('layer'), info, 4));
      const text = sentences.join('\n');
      assert.match(text, /^forward · h: z1 = x·W1 \+ b1/, text);
      assert.match(text, new RegExp(`update \\(${c.opt}\\): `), text);
      if (c.loss.type === 'binary_cross_entropy' || c.loss.type === 'cross_entropy')
        assert.match(text, /δ2 = ∂L\/∂z2 = \(p − y\)\/m/, text);
      const record = session.trace();
      for (const name of ['W', 'dW', 'ΔW', 'b', 'db', 'z', 'a', 'δ'] as const)
        for (const k of [0, 1]) {
          const formula = explainCell(record, info, k, name, 0, 0, 4);
          assert.match(formula, /^(Δ?d?W|d?b|z|a|δ)\d\[/, formula);
          assert.doesNotMatch(formula, /\d{9}|undefined|NaN/, formula);
          if (level === 'full' && name !== 'W' && name !== 'b')
            assert.match(formula, / = -?\d[\d.e-]*( \(linear\))?$/, formula);
        }
    }
  }
});

// A convolution small enough to check by hand: x is 3×3, two 2×2 filters, stride 1, no padding, then 2×2 max
// pooling, flatten and one linear output with squared error.
//   x = [[1, 2, 0], [0, 1, 3], [2, 0, 1]]
//   K[0] = [[1, 0], [0, 2]], b[0] = −1:   z[0] = [[1 + 2 − 1, 2 + 6 − 1], [0 + 0 − 1, 1 + 2 − 1]] = [[2, 7], [−1, 2]]
//   K[1] = [[0.5, −1], [1, 0]], b[1] = 0: z[1] = [[0.5 − 2 + 0, 1 − 0 + 1], [0 − 1 + 2, 0.5 − 3 + 0]] = [[−1.5, 2], [1, −2.5]]
//   relu, pool: [7, 2] (both at (0, 1)); ŷ = 0.5·7 − 1·2 = 1.5, L = ½(1.5 − 1)² = 0.125, δ4 = 0.5
//   δ3 = 0.5·[0.5, −1] = [0.25, −0.5] = δ2, back to the argmax (0, 1) of each map: δ1[0][0][1] = 0.25, δ1[1][0][1] = −0.5
//   dK[0] = 0.25·(the window at (0, 1): [[2, 0], [1, 3]]) = [[0.5, 0], [0.25, 0.75]], dK[1] = −0.5·the same window
const TINY_CNN = `input: {shape: [1, 3, 3]}
layers:
  - {name: conv1, type: conv2d, filters: 2, kernel: 2, activation: relu, weights: [[1, 0, 0, 2], [0.5, -1, 1, 0]], biases: [-1, 0]}
  - {name: pool1, type: maxpool2d, size: 2}
  - {name: flat, type: flatten}
  - {name: out, units: 1, activation: linear, bias: false, weights: [[0.5], [-1]]}
loss: mse
optimizer: {type: sgd, lr: 0.1}
data: {inputs: [[1, 2, 0, 0, 1, 3, 2, 0, 1]], targets: [[1]]}
`;

function tinyCnn() {
  const parsed = parseModelText(TINY_CNN, 'tiny-cnn.nn.yaml');
  assert.ok(parsed.model, JSON.stringify(parsed.errors));
  return new TrainingSession(parsed.model, { traceLevel: 'full' });
}

test('a convolution, max pooling and flatten in the words of CS231n, both ways, with the hand-checked numbers', () => {
  const session = tinyCnn();
  const said = [explainStep(session.trace(), session.modelInfo(), DIGITS)];
  for (let n = 0; n < 9; n++) said.push(explainStep(session.step('layer'), session.modelInfo(), DIGITS));
  const conv =
    'each of 2 filters (2×2 over 1 channel, stride 1, padding 0) slides over the 3×3 input x: z1[f][i][j] = Σ K1[f][c][u][v]·x[c][i+u][j+v] + b1[f], 2 feature maps of 2×2';
  assert.deepEqual(said, [
    `Nothing has run yet: next, forward · conv1: ${conv}.`,
    `forward · conv1: ${conv} (‖z1‖ = 8.45577), then a1 = max(0, z1) (‖a1‖ = 7.87401).`,
    'forward · pool1: each 2×2 window of a1 (stride 2) keeps its largest value, channel by channel: z2[c][i][j] = max over u, v < 2 of a1[c][2i+u][2j+v], 2 maps of 1×1 = [7, 2], then a2 = z2 (linear) = [7, 2].',
    'forward · flat: z3 = a2 laid out as one row of 2, channel by channel and row by row: z3[c + y + x] = a2[c][y][x] = [7, 2], then a3 = z3 (linear) = [7, 2].',
    'forward · out: z4 = a3·W4 = 1.5, then ŷ = a4 = z4 (linear) = 1.5.',
    'loss: L = ½(ŷ − y)² = ½(1.5 − 1)² = 0.125; it measures how far ŷ is from y, and backward starts from its gradient.',
    'backward · out: δ4 = ∂L/∂z4 = ŷ − y = 0.5, then dW4 = a3ᵀ·δ4 = [[3.5], [1]].',
    'backward · flat: δ3 = δ4·W4ᵀ (linear: f′ = 1) = [0.25, -0.5]; flatten has no weights: it hands δ3 back reshaped to 2×1×1 as ∂L/∂a2.',
    'backward · pool1: δ2 = δ3 reshaped back to 2×1×1 (linear: f′ = 1) = [0.25, -0.5]; max pooling has no weights: it passes δ2 back to the argmax of each 2×2 window (the other 3 values of the window get 0) as ∂L/∂a1.',
    "backward · conv1: δ1 = (δ2 passed back to the argmax of each 2×2 window (0 to the others)) ⊙ f′(z1), f′ = 1 if z > 0 else 0 (‖δ1‖ = 0.559017), then dK1[f][c][u][v] = Σ over samples and positions (i, j) of δ1[f][i][j]·x[c][i+u][j+v], each position's δ times the window of x it read (dK1 = δ1ᵀ·im2col(x)) (‖dK1‖ = 2.09165), db1[f] = Σ δ1[f][i][j] over samples and positions = [0.25, -0.5].",
  ]);
  assert.equal(
    explainStep(session.step('layer'), session.modelInfo(), DIGITS),
    'update (sgd): W := W − α·dW with α = 0.1, a step against the gradient: ΔK1 (‖ΔK1‖ = 0.209165), ΔW4 = [[-0.35], [-0.1]].',
  );
});

test('a cell of a kernel, its gradient and a feature map, with the numbers plugged in', () => {
  const session = tinyCnn();
  session.step('batch');
  const record = session.trace();
  const model = session.modelInfo();
  const cell = (layer: number, name: Parameters<typeof explainCell>[3], i: number, j: number) =>
    explainCell(record, model, layer, name, i, j, DIGITS);
  // K and dK are [filter][c·kh·kw]: column 3 of filter 0 is K[0][0][1][1].
  assert.equal(
    cell(0, 'W', 0, 3),
    "K1[0][0][1][1] = 2 + (-0.075) = 1.925: entry (1, 1) of filter 0's kernel over channel 0, used at all 4 positions of its feature map, after the update",
  );
  assert.equal(
    cell(0, 'dW', 0, 2),
    'dK1[0][0][1][0] = Σ over samples and positions of δ·x-window = δ1[0][0][0]·x[0][1][0] + δ1[0][0][1]·x[0][1][1] + δ1[0][1][0]·x[0][2][0] + δ1[0][1][1]·x[0][2][1] = 0 × 0 + 0.25 × 1 + 0 × 2 + 0 × 0 = 0.25',
  );
  assert.equal(cell(0, 'ΔW', 1, 0), 'ΔK1[1][0][0][0] = −α·dK1[1][0][0][0] = −0.1 × (-1) = 0.1');
  assert.equal(
    cell(0, 'db', 0, 1),
    'db1[1] = Σ over samples and positions = δ1[1][0][0] + δ1[1][0][1] + δ1[1][1][0] + δ1[1][1][1] = 0 + (-0.5) + 0 + 0 = -0.5',
  );
  // z and δ are [sample][f·h·w]: column 1 is map 0, row 0, column 1.
  assert.equal(
    cell(0, 'z', 0, 1),
    'z1[0][0][1] = (K1[0][0][0][0]·x[0][0][1] + K1[0][0][0][1]·x[0][0][2] + K1[0][0][1][0]·x[0][1][1] + K1[0][0][1][1]·x[0][1][2] = 1 × 2 + 0 × 0 + 0 × 1 + 2 × 3 = 8) + b1[0] = 8 + (-1) = 7',
  );
  assert.equal(cell(0, 'a', 0, 4), 'a1[1][0][0] = f(z1[1][0][0]) = max(0, (-1.5)) = 0');
  assert.equal(
    cell(0, 'δ', 0, 1),
    'δ1[0][0][1] = (δ2[0][0][0]) · f′(z1[0][0][1]), f′ = 1 if z > 0 else 0 = 0.25 × 1 = 0.25 (a1[0][0][1] is the largest of its 2×2 window)',
  );
  assert.equal(
    cell(0, 'δ', 0, 3),
    'δ1[0][1][1] = 0 (a1[0][1][1] is the largest of no 2×2 window, so no δ comes back to it)',
  );
  assert.equal(
    cell(1, 'z', 0, 1),
    'z2[1][0][0] = max(a1[1][0][0], a1[1][0][1], a1[1][1][0], a1[1][1][1]) = max(0, 2, 1, 0) = 2, at a1[1][0][1] (the argmax δ goes back to)',
  );
  assert.equal(cell(2, 'z', 0, 1), 'z3[1] = a2[1][0][0] = 2 (the same number, laid out in one row)');
  assert.equal(cell(1, 'δ', 0, 1), 'δ2[1][0][0] = δ3[1] = -0.5');
});

test('the gradient a δ cell sums from the image layer above is the one the engine handed down, for every entry', () => {
  // conv (2 channels, stride 2, padding 1) → conv → maxpool → flatten → dense: every kind of image layer above.
  const inputs = Array.from({ length: 2 }, (_, s) =>
    Array.from({ length: 50 }, (_, i) => ((i * 7 + s * 3) % 11) / 5 - 1),
  );
  const parsed = parseModelText(
    `input: {shape: [2, 5, 5]}
layers:
  - {name: c1, type: conv2d, filters: 3, kernel: 3, stride: 2, padding: 1, activation: tanh}
  - {name: c2, type: conv2d, filters: 2, kernel: 2, activation: linear}
  - {name: p, type: maxpool2d, size: 2}
  - {name: f, type: flatten}
  - {name: out, units: 2, activation: softmax}
loss: cross_entropy
data: {inputs: ${JSON.stringify(inputs)}, targets: [[1, 0], [0, 1]]}
`,
    'stack.nn.yaml',
  );
  assert.ok(parsed.model, JSON.stringify(parsed.errors));
  const session = new TrainingSession(parsed.model, { traceLevel: 'full' });
  while (session.cursor.phase !== 'update') session.step('layer');
  const record = session.trace();
  const model = session.modelInfo();
  for (const k of [0, 1, 2]) {
    const handedDown = record.layers[k + 1].gradInput!;
    for (let sample = 0; sample < 2; sample++)
      for (let index = 0; index < model.layers[k].units; index++) {
        const { value } = gradientFromImageAbove({ record, model, k, m: 2, digits: 6 }, sample, index);
        const expected = handedDown.data![sample * handedDown.cols + index];
        assert.ok(Math.abs(value! - expected) < 1e-12, `layer ${k} [${sample}][${index}]: ${value} vs ${expected}`);
      }
  }
  // And the cell says it: δ of c2 at a pixel that won its pooling window, with its number.
  const argmax = record.layers[2].argmax!.data!;
  const c2 = record.layers[1];
  const said = explainCell(record, model, 1, 'δ', 1, argmax[c2.units / 4 + 1], 6);
  assert.match(
    said,
    /^δ2\[1\]\[\d\]\[\d\]\[\d\] = δ3\[1\]\[\d\]\[\d\]\[\d\] = -?[\d.e-]+ \(a2\[1\]\[\d\]\[\d\]\[\d\] is the largest of its 2×2 window\)$/,
  );
});

function sessionOf(text: string) {
  const parsed = parseModelText(text, 'norm.nn.yaml');
  assert.ok(parsed.model, JSON.stringify(parsed.errors));
  return new TrainingSession(parsed.model, { traceLevel: 'full' });
}

/** Every sentence from the start to just before the update. */
function sentencesToUpdate(session: TrainingSession): string[] {
  const said = [];
  while (session.cursor.phase !== 'update') said.push(explainStep(session.step('layer'), session.modelInfo(), DIGITS));
  return said;
}

// A batch norm small enough to check by hand: 4 samples through an identity dense layer, a 2-unit batch norm
// (γ = 1, β = 0, ε = 0.75 so that σ = √(0.25 + 0.75) = 1) and ŷ = x̂[0] + 2·x̂[1].
//   x[·][0] = [1.5, 1.5, 2.5, 2.5]: μ = 2, σ² = 0.25, x̂ = [−0.5, −0.5, 0.5, 0.5]
//   x[·][1] = [0.5, 1.5, 1.5, 0.5]: μ = 1, σ² = 0.25, x̂ = [−0.5, 0.5, 0.5, −0.5]
//   ŷ = [−1.5, 0.5, 1.5, −0.5], y = [1, 0, 0, 0]: δ3 = (ŷ − y)/4 = [−0.625, 0.125, 0.375, −0.125]
//   δ2[·][0] = δ3, δ2[·][1] = 2·δ3: dγ = Σ δ·x̂ = [0.375, 1.25], dβ = Σ δ = [−0.25, −0.5]
//   ∂L/∂x[0][0] = (1/1)·(−0.625 − (−0.0625) − (−0.5)·0.09375) = −0.515625 (mean δ = −0.0625, mean δ·x̂ = 0.09375)
//   ∂L/∂x[1][1] = (1/1)·(0.25 − (−0.125) − 0.5·0.3125) = 0.21875 (mean δ = −0.125, mean δ·x̂ = 0.3125)
const TINY_BATCH_NORM = `input: [x1, x2]
layers:
  - {name: d1, units: 2, activation: linear, bias: false, weights: [[1, 0], [0, 1]]}
  - {name: bn, type: batchnorm, epsilon: 0.75}
  - {name: out, units: 1, activation: linear, bias: false, weights: [[1], [2]]}
loss: mse
optimizer: {type: sgd, lr: 0.1}
data: {inputs: [[1.5, 0.5], [1.5, 1.5], [2.5, 1.5], [2.5, 0.5]], targets: [[1], [0], [0], [0]]}
`;

test('a batch norm backward gives dγ, dβ and ∂L/∂x through μ and σ², and the layer below takes that ∂L/∂x', () => {
  const session = sessionOf(TINY_BATCH_NORM);
  const said = sentencesToUpdate(session);
  assert.equal(
    said[1],
    'forward · bn: z2 = γ·x̂ + β, x̂ = (a1 − μ)/√(σ² + ε) with μ, σ² over the batch (‖z2‖ = 1.41421), then a2 = z2 (linear) (‖a2‖ = 1.41421).',
  );
  assert.equal(
    said[5],
    'backward · bn: δ2 = δ3·W3ᵀ (linear: f′ = 1) (‖δ2‖ = 1.67705), then dγ2 = Σ δ2·x̂2 = [0.375, 1.25], dβ2 = Σ δ2 = [-0.25, -0.5] (sums over the batch), and ∂L/∂a1 = (γ2/σ2)·(δ2 − mean(δ2) − x̂2·mean(δ2·x̂2)), means over the batch, σ2 = √(σ2² + ε) (‖∂L/∂a1‖ = 1.41041), for the layer below.',
  );
  assert.equal(
    said[6],
    'backward · d1: δ1 = (γ2/σ2)·(δ2 − mean(δ2) − x̂2·mean(δ2·x̂2)), means over the batch (linear: f′ = 1) (‖δ1‖ = 1.41041), then dW1 = xᵀ·δ1 = [[0.28125, 0.75], [0.625, 0.9375]].',
  );
  assert.match(
    explainStep(session.step('layer'), session.modelInfo(), DIGITS),
    /, Δγ2 = \[-0\.0375, -0\.125\], ΔW3 = /,
  );
});

test('the cells of a batch norm: γ, β, dγ, dβ, x̂, μ, σ², z, and the δ below it, with the hand-checked numbers', () => {
  const session = sessionOf(TINY_BATCH_NORM);
  session.step('batch');
  const record = session.trace();
  const model = session.modelInfo();
  const cell = (layer: number, name: Parameters<typeof explainCell>[3], i: number, j: number) =>
    explainCell(record, model, layer, name, i, j, DIGITS);
  assert.deepEqual(
    [
      cell(1, 'γ', 0, 1),
      cell(1, 'β', 0, 0),
      cell(1, 'dγ', 0, 1),
      cell(1, 'dβ', 0, 0),
      cell(1, 'x̂', 1, 0),
      cell(1, 'μ', 0, 0),
      cell(1, 'σ²', 0, 1),
      cell(1, 'z', 1, 0),
      cell(0, 'δ', 0, 0),
      cell(0, 'δ', 1, 1),
    ],
    [
      'γ2[1] = 1 + (-0.125) = 0.875: the scale of unit 1 of bn, after the update',
      'β2[0] = 0 + 0.025 = 0.025: the shift of unit 0 of bn, after the update',
      'dγ2[1] = Σ δ·x̂ over the batch = δ2[0][1]·x̂2[0][1] + δ2[1][1]·x̂2[1][1] + δ2[2][1]·x̂2[2][1] + δ2[3][1]·x̂2[3][1] = (-1.25) × (-0.5) + 0.25 × 0.5 + 0.75 × 0.5 + (-0.25) × (-0.5) = 1.25',
      'dβ2[0] = Σ δ over the batch = δ2[0][0] + δ2[1][0] + δ2[2][0] + δ2[3][0] = (-0.625) + 0.125 + 0.375 + (-0.125) = -0.25',
      'x̂2[1][0] = (a1[1][0] − μ2[0])/√(σ2²[0] + ε) = (1.5 − 2)/√(0.25 + 0.75) = -0.5',
      'μ2[0] = (a1[0][0] + a1[1][0] + a1[2][0] + a1[3][0])/4 = (1.5 + 1.5 + 2.5 + 2.5)/4 = 2',
      'σ2²[1] = ((a1[0][1] − μ2[1])² + (a1[1][1] − μ2[1])² + (a1[2][1] − μ2[1])² + (a1[3][1] − μ2[1])²)/4 = ((0.5 − 1)² + (1.5 − 1)² + (1.5 − 1)² + (0.5 − 1)²)/4 = 0.25',
      'z2[1][0] = γ2[0]·x̂2[1][0] + β2[0] = 1 × (-0.5) + 0 = -0.5',
      'δ1[0][0] = (γ2[0]/σ2[0])·(δ2[0][0] − mean(δ2[·][0]) − x̂2[0][0]·mean(δ2[·][0]·x̂2[·][0])) = (1/1) × (-0.625 − (-0.0625) − (-0.5) × 0.09375) = -0.515625',
      'δ1[1][1] = (γ2[1]/σ2[1])·(δ2[1][1] − mean(δ2[·][1]) − x̂2[1][1]·mean(δ2[·][1]·x̂2[·][1])) = (1/1) × (0.25 − (-0.125) − 0.5 × 0.3125) = 0.21875',
    ],
  );
});

// Layer norm and dropout by hand: one sample x = [1, 2, 2, 1] through an identity dense layer, a layer norm (ε = 0.75:
// μ = 1.5, σ² = 0.25, σ = 1, x̂ = [−0.5, 0.5, 0.5, −0.5]), dropout at rate 0.5 (seed 1 keeps units 0, 2 and 3:
// z3 = 2·x̂·mask = [−1, 0, 1, −1]) and ŷ = a3·[1, 2, 3, 4] = −2, y = 0.
//   δ4 = −2, δ3 = −2·[1, 2, 3, 4]; dropout hands down δ3·mask·2 = [−4, 0, −12, −16] = δ2 (γ = 1, so g = δ2)
//   mean g = −8, mean g·x̂ = (2 + 0 − 6 + 8)/4 = 1: ∂L/∂x = g + 8 − x̂ = [4.5, 7.5, −4.5, −7.5]
const TINY_LAYER_NORM_DROPOUT = `input: [x1, x2, x3, x4]
seed: 1
layers:
  - {name: d1, units: 4, activation: linear, bias: false, weights: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]}
  - {name: ln, type: layernorm, epsilon: 0.75}
  - {name: drop, type: dropout, rate: 0.5}
  - {name: out, units: 1, activation: linear, bias: false, weights: [[1], [2], [3], [4]]}
loss: mse
optimizer: {type: sgd, lr: 0.1}
data: {inputs: [[1, 2, 2, 1]], targets: [[0]]}
`;

test('layer norm and dropout backward: what each hands down, and the layer below takes it, in sentences and cells', () => {
  const session = sessionOf(TINY_LAYER_NORM_DROPOUT);
  const said = sentencesToUpdate(session);
  assert.deepEqual(said.slice(1, 3), [
    "forward · ln: z2 = γ·x̂ + β, x̂ = (a1 − μ)/√(σ² + ε) with μ, σ² over each sample's features = [-0.5, 0.5, 0.5, -0.5], then a2 = z2 (linear) = [-0.5, 0.5, 0.5, -0.5].",
    'forward · drop: z3 = a2 ⊙ mask/(1 − p) (p = 0.5) = [-1, 0, 1, -1], then a3 = z3 (linear) = [-1, 0, 1, -1].',
  ]);
  assert.deepEqual(said.slice(6), [
    'backward · drop: δ3 = δ4·W4ᵀ (linear: f′ = 1) = [-2, -4, -6, -8]; dropout has no weights: it passes δ3 back through the mask it drew going forward, ∂L/∂a2 = δ3 ⊙ mask/(1 − 0.5) (kept entries × 2, dropped ones 0) = [-4, 0, -12, -16].',
    "backward · ln: δ2 = δ3 ⊙ mask/(1 − 0.5) (linear: f′ = 1) = [-4, 0, -12, -16], then dγ2 = Σ δ2·x̂2 = [2, 0, -6, 8], dβ2 = Σ δ2 = [-4, 0, -12, -16] (sums over the batch), and ∂L/∂a1 = (1/σ2)·(g − mean(g) − x̂2·mean(g·x̂2)), g = δ2·γ2, means over each sample's features, σ2 = √(σ2² + ε) = [4.5, 7.5, -4.5, -7.5], for the layer below.",
    "backward · d1: δ1 = (1/σ2)·(g − mean(g) − x̂2·mean(g·x̂2)), g = δ2·γ2, means over each sample's features (linear: f′ = 1) = [4.5, 7.5, -4.5, -7.5], then dW1 = xᵀ·δ1 (‖dW1‖ = 39.1152).",
  ]);
  const record = session.trace();
  const model = session.modelInfo();
  const cell = (layer: number, name: Parameters<typeof explainCell>[3], i: number, j: number) =>
    explainCell(record, model, layer, name, i, j, DIGITS);
  assert.deepEqual(
    [cell(2, 'mask', 0, 0), cell(2, 'mask', 0, 1), cell(2, 'z', 0, 0), cell(1, 'δ', 0, 2), cell(0, 'δ', 0, 1)],
    [
      'mask3[0] = 1: a2[0] is kept, and scaled by 1/(1 − 0.5) both ways',
      'mask3[1] = 0: a2[1] is dropped in this batch, and no δ goes back to it',
      'z3[0] = a2[0]·mask3[0]/(1 − 0.5) = (-0.5) × 1/(1 − 0.5) = -1',
      'δ2[2] = δ3[2]·mask3[2]/(1 − 0.5) = (-6) × 1/(1 − 0.5) = -12',
      'δ1[1] = (1/σ2[0])·(g[1] − mean(g) − x̂2[1]·mean(g·x̂2)), g = δ2·γ2 = (1/1) × (0 − (-8) − 0.5 × 1) = 7.5',
    ],
  );
});

test('the gradient a δ cell writes out from a norm or dropout layer above is the one the engine handed down', () => {
  // Batch norm after a convolution (per channel), layer norm and dropout under activations with slopes.
  const images = Array.from({ length: 3 }, (_, s) =>
    Array.from({ length: 18 }, (_, i) => ((i * 5 + s * 7) % 9) / 4 - 1),
  );
  const sessions = [
    sessionOf(`input: {shape: [2, 3, 3]}
layers:
  - {name: c1, type: conv2d, filters: 2, kernel: 2, activation: tanh}
  - {name: bn, type: batchnorm, activation: relu}
  - {name: f, type: flatten}
  - {name: out, units: 2, activation: softmax}
loss: cross_entropy
data: {inputs: ${JSON.stringify(images)}, targets: [[1, 0], [0, 1], [1, 0]]}
`),
    sessionOf(`input: [x1, x2]
seed: 4
layers:
  - {name: d1, units: 5, activation: tanh}
  - {name: ln, type: layernorm, activation: sigmoid}
  - {name: drop, type: dropout, rate: 0.3}
  - {name: bn, type: batchnorm, activation: elu}
  - {name: out, units: 1, activation: linear}
loss: mse
data: {inputs: [[1, 2], [3, 0], [0.5, -1]], targets: [[1], [0], [0.5]]}
`),
  ];
  for (const session of sessions) {
    while (session.cursor.phase !== 'update') session.step('layer');
    const record = session.trace();
    const model = session.modelInfo();
    const m = record.inputs!.rows;
    let checked = 0;
    for (let k = 0; k + 1 < model.layers.length; k++) {
      if (!['batchnorm', 'layernorm', 'dropout'].includes(model.layers[k + 1].type ?? 'dense')) continue;
      const handedDown = record.layers[k + 1].gradInput!;
      for (let sample = 0; sample < m; sample++)
        for (let index = 0; index < model.layers[k].units; index++) {
          const { value } = gradientFromValueByValueAbove({ record, model, k, m, digits: 6 }, sample, index);
          const expected = handedDown.data![sample * handedDown.cols + index];
          assert.ok(Math.abs(value! - expected) < 1e-12, `layer ${k} [${sample}][${index}]: ${value} vs ${expected}`);
          checked++;
        }
    }
    assert.ok(checked >= 8, `${checked} entries checked`);
  }
  // The batch norm after the convolution says "per channel" both ways, and γ of value j is its channel's.
  const conv = sessionOf(`input: {shape: [1, 3, 3]}
layers:
  - {name: c1, type: conv2d, filters: 2, kernel: 2, activation: linear}
  - {name: bn, type: batchnorm}
  - {name: f, type: flatten}
  - {name: out, units: 1, activation: linear}
loss: mse
data: {inputs: [[1, 2, 0, 0, 1, 3, 2, 0, 1], [0, 1, 2, 1, 0, 1, 3, 2, 1]], targets: [[1], [0]]}
`);
  const said = sentencesToUpdate(conv);
  assert.match(
    said[1],
    /^forward · bn: z2 = γ·x̂ \+ β per channel, .* for each of the 2 channels, μ and σ² over the batch and the channel's 2×2 positions/,
  );
  assert.match(
    said[7],
    /then dγ2 = Σ δ2·x̂2 = \[[^\]]+\], dβ2 = Σ δ2 = \[[^\]]+\] \(sums over the batch and each channel's positions\), and ∂L\/∂a1 = \(γ2\/σ2\)·\(δ2 − mean\(δ2\) − x̂2·mean\(δ2·x̂2\)\), per channel/,
  );
  assert.match(said[8], /^backward · c1: δ1 = \(γ2\/σ2\)·\(δ2 − mean\(δ2\) − x̂2·mean\(δ2·x̂2\)\), per channel/);
  const record = conv.trace();
  const model = conv.modelInfo();
  // Value 5 of a sample is channel 1, row 0, column 1 of the 2×2 maps: γ2[1], and dγ2[1] sums channel 1's 8 values.
  assert.match(
    explainCell(record, model, 1, 'z', 1, 5, DIGITS),
    /^z2\[1\]\[1\]\[0\]\[1\] = γ2\[1\]·x̂2\[1\]\[1\]\[0\]\[1\] \+ β2\[1\] = /,
  );
  assert.match(explainCell(record, model, 0, 'δ', 0, 5, DIGITS), /^δ1\[0\]\[1\]\[0\]\[1\] = \(γ2\[1\]\/σ2\[1\]\)·/);
  assert.match(
    explainCell(record, model, 1, 'dγ', 0, 1, DIGITS),
    /^dγ2\[1\] = Σ δ·x̂ over the batch and the channel's positions = δ2\[0\]\[1\]\[0\]\[0\]·x̂2\[0\]\[1\]\[0\]\[0\] \+ .* \+ … \(8 terms\) = /,
  );
  assert.equal(
    explainCell(record, model, 1, 'γ', 0, 1, DIGITS),
    'γ2[1] = 1: the scale of channel 1 of bn, used at all 4 positions of its map',
  );
});
