import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import type { DiagnosticCode } from '../../src/protocol';
import { layer, spec } from './helpers/spec';
import { loadModelFile, optimizerSpec } from '../../src/model';

const inputs = [
  [0.2, -0.4],
  [0.9, 0.3],
  [-0.5, 0.8],
  [0.1, 0.1],
  [-0.7, -0.6],
  [0.4, -0.9],
];
const targets = [[1], [0], [1], [0], [1], [0]];
const codes = (session: TrainingSession) => new Set(session.diagnostics.map((d) => d.code));
const first = (session: TrainingSession, code: DiagnosticCode) => session.diagnostics.find((d) => d.code === code);

test('a deep sigmoid stack reports vanishing gradients in its lower layers', () => {
  const model = spec({
    layers: [
      ...Array.from({ length: 9 }, (_, k) => layer(6, 'sigmoid', { name: `s${k + 1}` })),
      layer(1, 'sigmoid', { name: 'out' }),
    ],
    train: { inputs, targets },
    training: { epochs: 10, batch: 6, shuffle: false },
  });
  const session = new TrainingSession(model);
  session.step('run');
  const vanishing = session.diagnostics.filter((d) => d.code === 'vanishing');
  assert.ok(vanishing.length > 0, JSON.stringify(session.diagnostics));
  assert.ok(vanishing.every((d) => d.layer! < 9 && d.severity === 'warning'));
  assert.ok(vanishing.some((d) => d.layer === 0));
  assert.match(vanishing[0].message, /Gradients vanish in s\d/);
  assert.equal(vanishing[0].step, 4, 'reported once the condition held for `patience` (5) steps');
});

test('a shallow, healthy net reports no vanishing or exploding', () => {
  const model = spec({
    layers: [layer(4, 'tanh'), layer(1, 'sigmoid')],
    train: { inputs, targets },
    loss: { type: 'binary_cross_entropy' },
    training: { epochs: 50, batch: 6, shuffle: false },
  });
  const session = new TrainingSession(model);
  session.step('run');
  assert.equal(codes(session).has('vanishing'), false);
  assert.equal(codes(session).has('exploding'), false);
});

test('a badly scaled init explodes and training stops at the first non-finite value, saying where', () => {
  const model = spec({
    layers: Array.from({ length: 6 }, (_, k) =>
      layer(k === 5 ? 1 : 16, 'linear', { name: `l${k + 1}`, init: { kind: 'normal', std: 4 } }),
    ),
    train: { inputs, targets },
    optimizer: optimizerSpec('sgd', { lr: 0.1, momentum: 0 }),
    training: { epochs: 100, batch: 6, shuffle: false },
  });
  const session = new TrainingSession(model);
  session.step('run');
  assert.ok(codes(session).has('exploding'));
  assert.equal(session.stopped, 'non_finite');
  const stop = first(session, 'non_finite')!;
  assert.equal(stop.severity, 'error');
  assert.match(stop.message, /^Training stopped: l\d's z = a_prev·W \+ b became NaN at epoch \d+, batch 1\.$/);
  assert.equal(session.cursor.finished, false);
  // Stepping a stopped session does nothing more.
  const steps = session.cursor.step;
  session.step('batch');
  assert.equal(session.cursor.step, steps);
});

test('a loss that overflows says Infinity and how large the outputs had grown', () => {
  const session = new TrainingSession(loadModelFile('examples/exploding.nn.yaml').model!);
  session.step('run');
  const stop = first(session, 'non_finite')!;
  assert.equal(stop.layer, null);
  assert.match(
    stop.message,
    /^Training stopped: the loss became Infinity at epoch 1, batch \d+ \(the largest output was [\d.]+e\+\d+\)\.$/,
  );
});

test('zero init reports symmetric units before the first step', () => {
  const model = spec({
    layers: [layer(3, 'tanh', { name: 'hidden', init: { kind: 'zeros' } }), layer(1, 'sigmoid')],
    train: { inputs, targets },
  });
  const session = new TrainingSession(model);
  const symmetric = first(session, 'symmetric_init')!;
  assert.equal(symmetric.layer, 0);
  assert.match(symmetric.message, /All 3 units of hidden start with identical weights/);
  assert.equal(session.trace().diagnostics[0].code, 'symmetric_init');
});

test('ReLU units that never fire during an epoch are reported dead', () => {
  const model = spec({
    layers: [
      layer(4, 'relu', {
        name: 'hidden',
        weights: [
          [1, -1, 0.5, -2],
          [1, -1, 0.5, -2],
        ],
        biases: [0, -5, 0, -5],
      }),
      layer(1, 'linear'),
    ],
    train: { inputs: inputs.map(([x, y]) => [Math.abs(x), Math.abs(y)]), targets },
    training: { epochs: 1, batch: 3, shuffle: false },
  });
  const session = new TrainingSession(model);
  session.step('run');
  const dead = first(session, 'dead_relu')!;
  assert.equal(dead.layer, 0);
  assert.match(dead.message, /^2 of 4 ReLU units in hidden never activated during epoch 1/);
});

test('a learning rate that is far too high makes the loss rise epoch after epoch', () => {
  const model = spec({
    layers: [layer(1, 'linear', { weights: [[0.1], [0.1]], biases: [0] })],
    train: { inputs, targets },
    optimizer: optimizerSpec('sgd', { lr: 6, momentum: 0 }),
    training: { epochs: 12, batch: 6, shuffle: false },
  });
  const session = new TrainingSession(model);
  session.step('run');
  const rising = first(session, 'loss_rising')!;
  assert.equal(rising.layer, null);
  assert.match(rising.message, /^The loss has risen for 5 epochs in a row/);
});

test('saturated sigmoid units are reported', () => {
  const model = spec({
    layers: [layer(4, 'sigmoid', { name: 'hidden', init: { kind: 'normal', std: 30 } }), layer(1, 'linear')],
    train: { inputs, targets },
    training: { epochs: 10, batch: 6, shuffle: false },
  });
  const session = new TrainingSession(model);
  session.step('run');
  const saturation = first(session, 'saturation')!;
  assert.equal(saturation.layer, 0);
  assert.match(saturation.message, /% of hidden's sigmoid outputs are saturated/);
});

test('update/weight ratios far from 1e-3 are reported as info', () => {
  const model = spec({
    layers: [layer(4, 'tanh'), layer(1, 'linear')],
    train: { inputs, targets },
    optimizer: optimizerSpec('sgd', { lr: 1e-7, momentum: 0 }),
    training: { epochs: 10, batch: 6, shuffle: false },
  });
  const session = new TrainingSession(model);
  session.step('run');
  const ratio = first(session, 'update_ratio')!;
  assert.equal(ratio.severity, 'info');
  assert.match(ratio.message, /are tiny/);
});
