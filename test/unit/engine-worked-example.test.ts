import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { layer, spec, workedExample } from './helpers/spec';
import { optimizerSpec } from '../../src/model';

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

test('worked example: ŷ = x·W1·W2 = 2.162 and the slides’ gradients', () => {
  const session = new TrainingSession(workedExample(), { traceLevel: 'full' });
  session.step('phase'); // forward through both layers
  let record = session.trace();
  const [hidden, output] = record.layers;
  assert.deepEqual(
    hidden.a?.data?.map((v) => +v.toFixed(12)),
    [0.99, 0.95],
  );
  close(output.a!.data![0], 2.162);

  session.step('layer'); // loss
  record = session.trace();
  close(record.loss!, 0.5 * 1.162 ** 2);

  session.step('phase'); // backward through both layers
  record = session.trace();
  const dW2 = record.layers[1].dW!.data!;
  const dW1 = record.layers[0].dW!.data!;
  // dW2 = (ŷ−y)·h;  dW1[i][j] = (ŷ−y)·W2[j]·x[i]
  [1.15038, 1.1039].forEach((expected, i) => close(dW2[i], expected));
  [4.1832, 0.9296, 6.2748, 1.3944].forEach((expected, i) => close(dW1[i], expected));
  assert.equal(record.cursor.phase, 'update');
});

test('worked example: the SGD update moves each weight by −α·dW', () => {
  const session = new TrainingSession(workedExample(), { traceLevel: 'full' });
  const record = session.step('batch');
  const W1 = record.layers[0].weights.data!;
  const dW1 = record.layers[0].dW!.data!;
  const step = record.layers[0].deltaW!.data!;
  [-0.78, 0.13, 0.85, 0.23].forEach((before, i) => {
    close(step[i], -0.1 * dW1[i]);
    close(W1[i], before - 0.1 * dW1[i]);
  });
  assert.equal(record.cursor.finished, true);
});

test('one sigmoid step by hand', () => {
  // One sigmoid unit, w = 0.5, b = 0.1, x = 2, y = 1, MSE, lr = 1.
  const model = spec({
    layers: [layer(1, 'sigmoid', { weights: [[0.5]], biases: [0.1] })],
    train: { inputs: [[2]], targets: [[1]] },
    optimizer: optimizerSpec('sgd', { lr: 1, momentum: 0 }),
  });
  const record = new TrainingSession(model, { traceLevel: 'full' }).step('batch');
  const z = 0.5 * 2 + 0.1;
  const a = 1 / (1 + Math.exp(-z));
  const delta = (a - 1) * a * (1 - a); // (ŷ−y)·S(1−S)
  const [trace] = record.layers;
  close(trace.z!.data![0], z);
  close(trace.a!.data![0], a);
  close(trace.delta!.data![0], delta);
  close(trace.dW!.data![0], delta * 2);
  close(trace.db!.data![0], delta);
  close(trace.weights.data![0], 0.5 - delta * 2);
  close(trace.biases.data![0], 0.1 - delta);
  close(record.loss!, 0.5 * (a - 1) ** 2);
});
