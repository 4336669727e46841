// Batch norm, layer norm, dropout and residual connections: each kernel's backward against central differences
// in isolation (parameters and ∂L/∂input), the same inside small nets through the engine's gradient check, and
// step back landing on the exact numbers (running statistics and dropout masks included).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradientCheck, Random, TrainingSession } from '../../src/engine';
import { createLayer, type ForwardMode, type Layer } from '../../src/engine/layers';
import { parseModelText } from '../../src/model';
import type { LayerSpec, ModelSpec } from '../../src/model/types';

const TOLERANCE = 1e-7;

function model(yaml: string): ModelSpec {
  const parsed = parseModelText(yaml, 'layers.nn.yaml');
  assert.ok(parsed.model, parsed.errors.map((e) => e.message).join('\n'));
  return parsed.model;
}

/** |a − n| / max(|a|, |n|, 1e-3): the engine's gradient-check measure. */
const relative = (a: number, n: number) => Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), 1e-3);

/**
 * One kernel on its own: L = Σ G ⊙ z for a fixed random G, so ∂L/∂z = G. Compares dW, db and ∂L/∂x from the
 * kernel's backward with central differences of L.
 */
function checkKernel(spec: Partial<LayerSpec> & { units: number }, m: number, inputSize = spec.units): number {
  const random = new Random(7);
  const full: LayerSpec = {
    name: 'l',
    activation: 'linear',
    alpha: 0.01,
    bias: true,
    init: { kind: 'xavier' },
    frozen: false,
    ...spec,
  };
  const layer: Layer = createLayer(full, 1, inputSize, -1, random, m);
  // Parameters away from their γ = 1, β = 0 start, so dγ and dβ are not trivially symmetric.
  for (let i = 0; i < layer.W.length; i++) layer.W[i] += random.uniform(-0.5, 0.5);
  for (let i = 0; i < layer.b.length; i++) layer.b[i] += random.uniform(-0.5, 0.5);
  const x = Float64Array.from({ length: m * inputSize }, () => random.uniform(-2, 2));
  const G = Float64Array.from({ length: m * layer.units }, () => random.uniform(-1, 1));
  const mode: ForwardMode = { training: true, random, keepMasks: false };
  const z = new Float64Array(m * layer.units);
  const loss = () => {
    layer.kernel.forward(layer, x, m, z, mode);
    let sum = 0;
    for (let i = 0; i < z.length; i++) sum += G[i] * z[i];
    return sum;
  };
  loss();
  mode.keepMasks = true;
  layer.delta.set(G);
  layer.kernel.backward(layer, x, m, true);
  let worst = 0;
  // ε = 1e-5 rather than 1e-6: with two samples x̂ = ±√(σ²/(σ²+ε_bn)) barely depends on x, so ∂L/∂x is a
  // difference of nearly equal terms and a smaller nudge leaves the loss difference in rounding noise.
  const eps = 1e-5;
  for (const [values, analytic] of [
    [layer.W, layer.dW.slice()],
    [layer.b, layer.db.slice()],
    [x, layer.gradInput.slice(0, x.length)],
  ] as const) {
    for (let i = 0; i < values.length; i++) {
      const original = values[i];
      values[i] = original + eps;
      const plus = loss();
      values[i] = original - eps;
      const minus = loss();
      values[i] = original;
      worst = Math.max(worst, relative(analytic[i], (plus - minus) / (2 * eps)));
    }
  }
  return worst;
}

for (const m of [1, 2, 5]) {
  test(`batch norm alone, batch of ${m}: dγ, dβ and ∂L/∂x match central differences`, (t) => {
    const worst = checkKernel({ units: 3, type: 'batchnorm', momentum: 0.1, epsilon: 1e-5 }, m);
    t.diagnostic(`worst relative error ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `worst relative error ${worst}`);
  });
}

for (const m of [1, 3]) {
  test(`layer norm alone, batch of ${m}: dγ, dβ and ∂L/∂x match central differences`, (t) => {
    const worst = checkKernel({ units: 4, type: 'layernorm', epsilon: 1e-5 }, m);
    t.diagnostic(`worst relative error ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `worst relative error ${worst}`);
  });
}

test('dropout alone, with its mask held fixed: ∂L/∂x matches central differences', () => {
  assert.ok(checkKernel({ units: 5, type: 'dropout', rate: 0.4 }, 3) < TOLERANCE);
});

test('dense alone: dW, db and ∂L/∂x match central differences', () => {
  assert.ok(checkKernel({ units: 3 }, 4, 2) < TOLERANCE);
});

const DATA = `data:
  inputs: [[0.5, -1.2, 0.3], [-0.7, 0.4, 1.1], [1.3, 0.2, -0.6], [0.1, -0.3, -1.4], [0.9, 0.8, 0.2]]
  targets: [[1, 0], [0, 1], [0, 1], [1, 0], [1, 0]]`;

function netCheck(name: string, layers: string, batch: number, extra = ''): void {
  test(`gradient check inside a net: ${name}`, () => {
    const spec = model(
      `input: 3\nseed: 3\nlayers:\n${layers}\n  - {name: out, units: 2, activation: softmax}\nloss: cross_entropy\noptimizer: {type: sgd, lr: 0.1}\ntraining: {batch: ${batch}, epochs: 3}\n${extra}${DATA}\n`,
    );
    // A few steps first, so γ and β have moved from 1 and 0 and the running statistics from their start.
    const session = new TrainingSession(spec, { traceLevel: 'off' });
    for (let i = 0; i < 3; i++) session.step('batch');
    const reached = session.parameters();
    const trained: ModelSpec = {
      ...spec,
      layers: spec.layers.map((l, k) =>
        (l.type ?? 'dense') === 'dense' ? { ...l, weights: reached[k].weights, biases: reached[k].biases } : l,
      ),
    };
    const result = gradientCheck(trained, { tolerance: TOLERANCE });
    for (const layer of result.layers)
      assert.ok(layer.maxRelativeError < TOLERANCE, `${layer.name}: ${layer.maxRelativeError}`);
    assert.ok(result.passed);
  });
}

const BN = `  - {name: h1, units: 4, activation: tanh}
  - {name: bn, type: batchnorm, activation: tanh}`;
netCheck('batch norm in training mode, batch of 1', BN, 1);
netCheck('batch norm in training mode, batch of 2', BN, 2);
netCheck('batch norm in training mode, batch of 5', BN, 5);
netCheck(
  'layer norm',
  `  - {name: h1, units: 4, activation: tanh}
  - {name: ln, type: layernorm, activation: sigmoid}`,
  3,
);
netCheck(
  'residual connections with a frozen layer between them',
  `  - {name: h1, units: 3, activation: tanh}
  - {name: h2, units: 3, activation: tanh, frozen: true, add: h1}
  - {name: h3, units: 3, activation: tanh, add: h1}
  - {name: h4, units: 3, activation: sigmoid, frozen: true, add: h3}`,
  3,
);
netCheck(
  'dropout with a fixed mask, then batch norm added back to the dense layer before it',
  `  - {name: h1, units: 4, activation: tanh}
  - {name: drop, type: dropout, rate: 0.5}
  - {name: bn, type: batchnorm, add: h1}`,
  4,
);
netCheck(
  'L2 regularization decays dense weights only',
  `  - {name: h1, units: 4, activation: elu}
  - {name: ln, type: layernorm, activation: tanh}`,
  5,
  'regularization: {l2: 0.1}\n',
);

const STACK = model(`input: 2
seed: 11
layers:
  - {name: h1, units: 4, activation: tanh}
  - {name: bn, type: batchnorm, activation: relu}
  - {name: drop, type: dropout, rate: 0.3}
  - {name: h2, units: 4, activation: tanh, add: bn}
  - {name: ln, type: layernorm}
  - {name: out, units: 1, activation: sigmoid}
loss: binary_cross_entropy
optimizer: {type: adam, lr: 0.01}
training: {batch: 3, epochs: 40, shuffle: true}
data: {generate: {kind: circle, samples: 12}}
`);

test('step back lands on the exact numbers through batch norm, dropout and residuals', () => {
  const session = new TrainingSession(STACK, { traceLevel: 'full' });
  const seen: string[] = [];
  for (let i = 0; i < 40; i++) seen.push(JSON.stringify(session.step('layer')));
  for (let i = 38; i >= 0; i--) {
    assert.ok(session.stepBack());
    assert.equal(JSON.stringify(session.trace()), seen[i], `after stepping back to micro-step ${i + 1}`);
  }
});

test('snapshots carry the running statistics: a rewind past a snapshot predicts as before', () => {
  const session = new TrainingSession(STACK, { traceLevel: 'off' });
  // 4 batches an epoch; snapshots every 64 batch steps, so step 70 is replayed from the one at 64.
  for (let i = 0; i < 70; i++) session.step('batch');
  const boundary = JSON.stringify(session.decisionBoundary(5));
  const record = JSON.stringify(session.trace('full'));
  for (let i = 0; i < 10; i++) session.step('batch');
  assert.ok(session.rewindTo(70));
  assert.equal(JSON.stringify(session.decisionBoundary(5)), boundary);
  assert.equal(JSON.stringify(session.trace('full')), record);
});

test('dropout masks are reproducible from the seed and differ from batch to batch', () => {
  const masks = (session: TrainingSession) => {
    const dropped: number[] = [];
    for (let i = 0; i < 3; i++) {
      const record = session.step('batch');
      dropped.push(...(record.layers[2].a?.data ?? []).map((x) => (x === 0 ? 1 : 0)));
    }
    return dropped;
  };
  const first = masks(new TrainingSession(STACK, { traceLevel: 'full' }));
  assert.deepEqual(masks(new TrainingSession(STACK, { traceLevel: 'full' })), first);
  assert.ok(first.includes(1) && first.includes(0));
});
