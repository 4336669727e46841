// Batch norm, layer norm, dropout and residual connections: each kernel's backward against central differences
// in isolation (parameters and ∂L/∂input), the same inside small nets through the engine's gradient check, and
// step back landing on the exact numbers (running statistics and dropout masks included).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { parseModelText } from '../../src/model';
import type { LayerSpec, ModelSpec } from '../../src/model/types';
import { kernelGradientError, trainedNetGradientErrors } from './helpers/gradcheck';
import { assertStepsBackThrough, microSteps } from './helpers/stepBack';

const TOLERANCE = 1e-7;

function model(yaml: string): ModelSpec {
  const parsed = parseModelText(yaml, 'layers.nn.yaml');
  assert.ok(parsed.model, parsed.errors.map((e) => e.message).join('\n'));
  return parsed.model;
}

/** One kernel alone (see kernelGradientError), with its γ and β (or W and b) moved away from where they start. */
function checkKernel(spec: Partial<LayerSpec> & { units: number }, m: number, inputSize = spec.units): number {
  const full: LayerSpec = {
    name: 'l',
    activation: 'linear',
    alpha: 0.01,
    bias: true,
    init: { kind: 'xavier' },
    frozen: false,
    ...spec,
  };
  return kernelGradientError(full, m, {
    inputSize,
    // Parameters away from their γ = 1, β = 0 start, so dγ and dβ are not trivially symmetric.
    prepare: (layer, random) => {
      for (let i = 0; i < layer.W.length; i++) layer.W[i] += random.uniform(-0.5, 0.5);
      for (let i = 0; i < layer.b.length; i++) layer.b[i] += random.uniform(-0.5, 0.5);
    },
  });
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
  test(`gradient check inside a net: ${name}`, (t) => {
    const spec = model(
      `input: 3\nseed: 3\nlayers:\n${layers}\n  - {name: out, units: 2, activation: softmax}\nloss: cross_entropy\noptimizer: {type: sgd, lr: 0.1}\ntraining: {batch: ${batch}, epochs: 3}\n${extra}${DATA}\n`,
    );
    // A few steps first, so the check is not at the initial weights only.
    for (const line of trainedNetGradientErrors(spec, TOLERANCE)) t.diagnostic(line);
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
  assertStepsBackThrough(session, microSteps(session, 40));
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
