import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import type { DiagnosticCode } from '../../src/protocol';
import { layer, spec } from './helpers/spec';
import { DEFAULT_THRESHOLDS, loadModelFile, optimizerSpec, parseModelText } from '../../src/model';
import { DiagnosticsMonitor, newMonitorMemory, StepStats } from '../../src/engine/diagnostics';
import { Network } from '../../src/engine/network';
import { Random } from '../../src/engine/random';

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

// ---------------------------------------------------------------------------------------------
// Absolute floors and quiet convergence, fed to the monitor directly as sequences of step statistics.

function monitorOf(units = 4) {
  const model = spec({
    layers: [layer(units, 'tanh', { name: 'hidden' }), layer(1, 'linear', { name: 'out' })],
    train: { inputs, targets },
  });
  const network = new Network(model, new Random(0), inputs.length);
  const monitor = new DiagnosticsMonitor(DEFAULT_THRESHOLDS, newMonitorMemory(2));
  const stats = new StepStats(2);
  let step = 0;
  const feed = (
    gradNorm: [number, number],
    weightNorm: [number, number] = [1, 1],
    updateRatio: [number, number] = [1e-3, 1e-3],
  ) => {
    stats.gradNorm.set(gradNorm);
    stats.weightNorm.set(weightNorm);
    stats.updateRatio.set(updateRatio);
    const at = { step, epoch: 0, batch: step };
    step++;
    return monitor.afterStep(network, stats, at);
  };
  const epoch = (loss: number) => monitor.afterEpoch(network, [], loss, { step, epoch: 0, batch: 0 });
  return { feed, epoch };
}

test('gradients doubling from 1e-7 are noise, not an explosion; doubling from 1 is one', () => {
  const tiny = monitorOf();
  const found = Array.from({ length: 10 }, (_, i) => tiny.feed([1e-7 * 2 ** i, 1e-7 * 2 ** i])).flat();
  assert.deepEqual(found, []);
  const large = monitorOf();
  const exploded = Array.from({ length: 7 }, (_, i) => large.feed([2.1 ** i, 2.1 ** i])).flat();
  assert.ok(exploded.some((d) => d.code === 'exploding' && /grew more than 2× per step/.test(d.message)));
});

test('a layer far smaller than a layer above vanishes only if the top carries a signal worth carrying', () => {
  const quiet = monitorOf();
  assert.deepEqual(Array.from({ length: 8 }, () => quiet.feed([1e-10, 1e-6])).flat(), []);
  const loud = monitorOf();
  const found = Array.from({ length: 8 }, () => loud.feed([1e-6, 1e-2])).flat();
  assert.deepEqual(
    found.map((d) => `${d.code} ${d.layerName}`),
    ['vanishing hidden'],
  );
});

test('tiny updates are reported while learning and not once the loss is near its floor', () => {
  const learning = monitorOf();
  learning.epoch(1);
  learning.epoch(0.5);
  const slow = Array.from({ length: 6 }, () => learning.feed([0.1, 0.1], [1, 1], [1e-7, 1e-7])).flat();
  assert.ok(slow.some((d) => d.code === 'update_ratio' && /tiny/.test(d.message)));
  const converged = monitorOf();
  converged.epoch(1);
  converged.epoch(0.01);
  assert.deepEqual(Array.from({ length: 6 }, () => converged.feed([1e-4, 1e-4], [1, 1], [1e-7, 1e-7])).flat(), []);
});

test('large steps of weights growing from a zero start are not flagged; large steps that go nowhere are', () => {
  const growing = monitorOf();
  // ‖W‖ = 0.2·t with ‖ΔW‖ = 0.2 each step: ratio 1/t, well above 0.1, every step lengthening W.
  const found = Array.from({ length: 8 }, (_, t) =>
    growing.feed([0.1, 0.1], [0.2 * (t + 1), 0.2 * (t + 1)], [1 / (t + 1), 1 / (t + 1)]),
  );
  assert.deepEqual(found.flat(), []);
  const jumping = monitorOf();
  const jumps = Array.from({ length: 8 }, () => jumping.feed([0.1, 0.1], [1, 1], [0.5, 0.5])).flat();
  assert.ok(jumps.some((d) => d.code === 'update_ratio' && /large/.test(d.message)));
});

test('a loss wobbling up near its floor is not a learning rate too high', () => {
  const { epoch } = monitorOf();
  epoch(1);
  const wobble = [0.02, 0.021, 0.022, 0.023, 0.024, 0.025, 0.026].flatMap((loss) => epoch(loss));
  assert.deepEqual(wobble, []);
  const rising = [0.3, 0.31, 0.32, 0.33, 0.34, 0.35].flatMap((loss) => epoch(loss));
  assert.ok(rising.some((d) => d.code === 'loss_rising'));
});

/** A 1×4×4 image model: conv1 (2×2 kernels, relu) → flatten → softmax over 2 classes, with the kernels given. */
function convModel(filters: string, images: number[][]): TrainingSession {
  const parsed = parseModelText(
    `input: {shape: [1, 4, 4]}
layers:
  - {name: conv1, type: conv2d, kernel: 2, activation: relu, ${filters}}
  - {name: flat, type: flatten}
  - {name: out, units: 2, activation: softmax}
loss: cross_entropy
optimizer: {type: sgd, lr: 0.001}
training: {epochs: 1, batch: 2, shuffle: false}
data: {inputs: ${JSON.stringify(images)}, targets: ${JSON.stringify(images.map((_, i) => (i % 2 ? [0, 1] : [1, 0])))}}
`,
    'conv-relu.nn.yaml',
  );
  assert.ok(parsed.model, JSON.stringify(parsed.errors));
  const session = new TrainingSession(parsed.model);
  session.step('run');
  return session;
}

/** Images whose two right columns are 0 and the rest positive. */
const leftLit = [0.9, 0.5, 0.7, 0.6].map((v) => [v, 1, 0, 0, 1, v, 0, 0, v, 1, 0, 0, 1, 1 - v / 2, 0, 0]);

test('a conv filter silent at every position for every sample is reported as a dead filter', () => {
  // Filter 1 sums the window and subtracts 5: at most 4 − 5 < 0 anywhere. Filter 0 and 2 fire on the lit side.
  const session = convModel(
    'filters: 3, weights: [[1, 1, 1, 1], [1, 1, 1, 1], [0.5, 0.5, 0.5, 0.5]], biases: [-0.5, -5, -0.5]',
    leftLit,
  );
  const dead = first(session, 'dead_relu')!;
  assert.equal(dead.layer, 0);
  assert.equal(dead.severity, 'info');
  assert.match(
    dead.message,
    /^1 of 3 ReLU filters in conv1 never activated during epoch 1: their feature maps were 0 at every position/,
  );
});

test('conv positions that never fire where the image is dark do not make a filter dead', () => {
  // Every window over the two dark columns gives −0.5: 6 of 18 (sample-independent) positions stay at 0, a third
  // of the units, which counted one by one would read as dead ReLUs.
  const session = convModel('filters: 2, weights: [[1, 1, 1, 1], [1, 0, 1, 0]], biases: [-0.5, -0.5]', leftLit);
  assert.equal(first(session, 'dead_relu'), undefined);
});
