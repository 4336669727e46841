// Finite-difference checks of every activation × loss × optimizer: train a few steps with the optimizer,
// then compare backprop's gradient at the weights it reached with central differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradientCheck, TrainingSession } from '../../src/engine';
import type { ActivationName, LossSpec, ModelSpec, OptimizerType } from '../../src/model/types';
import { layer, spec } from './helpers/spec';
import { loadModelFile, optimizerSpec } from '../../src/model';

const hiddenActivations: ActivationName[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu'];
const optimizers: OptimizerType[] = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'];
const losses: { loss: LossSpec; output: ActivationName }[] = [
  { loss: { type: 'mse' }, output: 'sigmoid' },
  { loss: { type: 'mse' }, output: 'softmax' },
  { loss: { type: 'mae' }, output: 'tanh' },
  { loss: { type: 'huber', delta: 0.3 }, output: 'linear' },
  { loss: { type: 'cross_entropy' }, output: 'softmax' },
  { loss: { type: 'binary_cross_entropy' }, output: 'sigmoid' },
];

const inputs = [
  [0.5, -1.2, 0.3],
  [-0.7, 0.4, 1.1],
  [1.3, 0.2, -0.6],
  [0.1, -0.3, -1.4],
];
const targetsFor = (output: ActivationName): number[][] =>
  output === 'softmax'
    ? [
        [1, 0],
        [0, 1],
        [0, 1],
        [1, 0],
      ]
    : output === 'sigmoid'
      ? [
          [1, 0],
          [0, 1],
          [1, 1],
          [0, 0],
        ]
      : [
          [0.3, -0.2],
          [0.9, 0.1],
          [-0.5, 0.4],
          [0.2, 0.8],
        ];

function trainedAt(model: ModelSpec, batches: number): ModelSpec {
  const session = new TrainingSession(model, { traceLevel: 'off' });
  for (let i = 0; i < batches; i++) session.step('batch');
  const reached = session.parameters();
  return {
    ...model,
    layers: model.layers.map((l, k) => ({ ...l, weights: reached[k].weights, biases: reached[k].biases })),
  };
}

for (const hidden of hiddenActivations) {
  for (const { loss, output } of losses) {
    test(`gradient check: ${hidden} hidden, ${output} output, ${loss.type} loss, every optimizer`, () => {
      for (const optimizer of optimizers) {
        const model = spec({
          seed: 7,
          layers: [layer(4, hidden, { alpha: hidden === 'elu' ? 0.8 : 0.1 }), layer(2, output)],
          train: { inputs, targets: targetsFor(output) },
          loss,
          optimizer: optimizerSpec(optimizer, { lr: 0.05, momentum: 0.9 }),
          training: { epochs: 3, batch: 3, shuffle: false },
        });
        const result = gradientCheck(trainedAt(model, 3));
        for (const l of result.layers) {
          assert.ok(l.maxRelativeError < 1e-6, `${optimizer}: layer ${l.name} relative error ${l.maxRelativeError}`);
          assert.ok(l.parameters > 0);
        }
        assert.equal(result.passed, true);
      }
    });
  }
}

test('gradient check covers L2, frozen layers and layers without bias', () => {
  const model = spec({
    seed: 3,
    layers: [layer(5, 'tanh', { frozen: true }), layer(3, 'relu', { bias: false }), layer(2, 'softmax')],
    train: { inputs, targets: targetsFor('softmax') },
    loss: { type: 'cross_entropy' },
    l2: 0.3,
  });
  const result = gradientCheck(model);
  assert.equal(result.passed, true, JSON.stringify(result));
  assert.deepEqual(
    result.layers.map((l) => l.parameters),
    [3 * 5 + 5, 5 * 3, 3 * 2 + 2],
  );
});

test('gradient check catches a wrong gradient', () => {
  // A model whose analytic gradient is fine, checked with a tolerance below what differences can reach,
  // proves the check measures something (it is not vacuously true).
  const model = spec({
    layers: [layer(3, 'sigmoid'), layer(2, 'linear')],
    train: { inputs, targets: targetsFor('linear') },
  });
  const strict = gradientCheck(model, { tolerance: 0, epsilon: 1e-2 });
  assert.equal(strict.passed, false);
  assert.ok(strict.layers.some((l) => l.maxRelativeError > 1e-7));
});

test('a failing check says which parameters differ most and why the check cannot be trusted there', () => {
  const result = gradientCheck(loadModelFile('examples/exploding.nn.yaml').model!);
  const failing = result.layers.filter((layer) => layer.maxRelativeError > result.tolerance);
  assert.ok(failing.length > 0);
  for (const layer of failing) {
    assert.match(
      layer.unreliable ?? '',
      /^the loss is 8\.7e\+6, so rounding alone makes each numeric gradient uncertain/,
    );
    const [worst] = layer.worst!;
    assert.equal(worst.relativeError, layer.maxRelativeError);
    assert.match(worst.parameter, /^(W\[\d+\]\[\d+\]|b\[\d+\])$/);
    assert.ok(Math.abs(worst.analytic - worst.numeric) > 0);
  }
  const xor = gradientCheck(loadModelFile('examples/xor.nn.yaml').model!);
  assert.ok(xor.passed);
  assert.ok(xor.layers.every((layer) => layer.unreliable === undefined && layer.worst!.length === 3));
});
