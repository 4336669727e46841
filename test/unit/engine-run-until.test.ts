import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyHistoryDelta, emptyHistoryView, HistoryFeed, TrainingSession } from '../../src/engine';
import { mergeHistoryDeltas } from '../../src/engine/historyView';
import type { ModelSpec } from '../../src/model/types';
import type { TrainingHistory } from '../../src/protocol';
import { layer, spec, workedExample, xorSpec } from './helpers/spec';

const xor = (overrides: Partial<ModelSpec> = {}): ModelSpec =>
  xorSpec({ seed: 7, training: { epochs: 50, batch: 2, shuffle: true }, ...overrides });

test('run until a position stops before that micro-step, with the reason', async () => {
  const session = new TrainingSession(xor());
  const result = await session.runUntil({ kind: 'position', phase: 'backward', layer: 0 });
  assert.equal(result.reason, 'condition');
  assert.equal(result.detail, 'reached backward hidden');
  assert.deepEqual([session.cursor.phase, session.cursor.layer, session.cursor.step], ['backward', 0, 0]);
  // Again from there: the next batch's, not this one.
  await session.runUntil({ kind: 'position', phase: 'backward', layer: 0 });
  assert.equal(session.cursor.step, 1);
});

test('run until a step count, a granularity count, micro-steps, or whichever comes first', async () => {
  const session = new TrainingSession(xor());
  assert.equal((await session.runUntil({ kind: 'step', step: 5 })).reason, 'condition');
  assert.equal(session.cursor.step, 5);
  assert.equal((await session.runUntil({ kind: 'granularity', granularity: 'epoch', count: 3 })).reason, 'step');
  assert.equal(session.cursor.epoch, 5);
  assert.equal(session.cursor.batch, 0);
  const before = session.microPosition;
  await session.runUntil({ kind: 'microSteps', count: 3 });
  assert.equal(session.microPosition, before + 3);
  const first = await session.runUntil({
    kind: 'any',
    of: [
      { kind: 'step', step: 1000 },
      { kind: 'position', phase: 'update' },
    ],
  });
  assert.equal(first.detail, 'reached update');
  // A condition never met runs to the end.
  assert.equal((await session.runUntil({ kind: 'step', step: 10_000 })).reason, 'finished');
});

test('run until a diagnostic of a kind stops on the micro-step that raised it', async () => {
  const deep = spec({
    seed: 1,
    layers: [
      ...Array.from({ length: 6 }, (_, k) => layer(8, 'sigmoid', { name: `h${k}` })),
      layer(1, 'sigmoid', { name: 'out' }),
    ],
    train: { inputs: [[0.5, -0.2, 0.1, 0.9]], targets: [[1]] },
    training: { epochs: 50, batch: 1, shuffle: false },
  });
  const session = new TrainingSession(deep);
  const result = await session.runUntil({ kind: 'diagnostic', codes: ['vanishing'] });
  assert.equal(result.reason, 'condition');
  assert.match(result.detail!, /^vanishing in h\d$/);
  const raised = session.diagnostics.filter((d) => d.code === 'vanishing');
  assert.ok(raised.length > 0 && raised.every((d) => d.step === session.cursor.step - 1));
  assert.equal(session.cursor.phase, 'forward');
});

test('a what-if edit changes the next forward pass, and step back and replay stay exact around it', async () => {
  const session = new TrainingSession(workedExample(), { traceLevel: 'full' });
  session.setParameter({ layer: 1, tensor: 'W', index: 0, value: 2 });
  session.step('layer');
  session.step('layer');
  const record = session.trace();
  // ŷ = h·W2 with h = [0.99, 0.95] and W2 = [2, 0.4].
  assert.ok(Math.abs(record.layers[1].a!.data![0] - (0.99 * 2 + 0.95 * 0.4)) < 1e-12);
  session.step('batch');
  const after = JSON.stringify(session.parameters());
  // Back to the start (where the edit was made): the edit is still there, and replaying gives the same bytes.
  while (session.stepBack());
  assert.equal(session.parameters()[1].weights[0][0], 2);
  session.step('batch');
  assert.equal(JSON.stringify(session.parameters()), after);
  assert.throws(() => session.setParameter({ layer: 0, tensor: 'b', index: 0, value: 1 }), /has no bias/);
  assert.throws(() => session.setParameter({ layer: 0, tensor: 'W', index: 9, value: 1 }), /no W\[9\]/);
});

test('stepping back past a what-if edit undoes it', () => {
  const session = new TrainingSession(workedExample());
  session.step('layer');
  session.setParameter({ layer: 1, tensor: 'W', index: 0, value: 5 });
  session.stepBack();
  assert.equal(session.parameters()[1].weights[0][0], 1.8);
  session.step('layer');
  assert.equal(session.parameters()[1].weights[0][0], 1.8);
});

function history(steps: number, epochs = 0, stride = 1): TrainingHistory {
  const points = Math.ceil(steps / stride);
  return {
    stride,
    epochStride: 1,
    batchLoss: Array.from({ length: points }, (_, i) => i * stride),
    gradNorm: [Array.from({ length: points }, (_, i) => -i * stride)],
    updateRatio: [Array.from({ length: points }, () => 1e-3)],
    epochLoss: Array.from({ length: epochs }, (_, i) => i),
    validationLoss: [],
  };
}

test('the history feed sends only new points, each with its step, and its receiver stays bounded', () => {
  const feed = new HistoryFeed();
  const view = emptyHistoryView(1);
  applyHistoryDelta(view, feed.take(history(10, 2), { limit: 50, perDelta: 1000 }));
  assert.deepEqual(view.steps, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const next = feed.take(history(12, 2), { limit: 50, perDelta: 1000 });
  assert.deepEqual(next.steps, [11, 12]);
  assert.deepEqual(next.epochs, []);
  applyHistoryDelta(view, next);
  // A long run: the receiver never holds more than 2 × limit points, and each point is its step's value.
  for (let end = 100; end <= 100_000; end += 997)
    applyHistoryDelta(view, feed.take(history(end, 3), { limit: 50, perDelta: 1000 }));
  assert.ok(view.steps.length <= 100, `${view.steps.length} points held`);
  view.steps.forEach((step, i) => {
    assert.equal(view.batchLoss[i], step - 1);
    assert.equal(view.gradNorm[0][i], -(step - 1));
    assert.equal((step - 1) % view.stride, 0);
  });
});

test('one delta carries at most a few points however fast the run, and a rewind truncates', () => {
  const feed = new HistoryFeed();
  const delta = feed.take(history(100_000), { perDelta: 128 });
  assert.ok(delta.steps.length <= 128 && delta.steps.length > 30, `${delta.steps.length}`);
  const view = applyHistoryDelta(emptyHistoryView(1), delta);
  const rewound = feed.take(history(30_000), { perDelta: 128 });
  assert.deepEqual(rewound.truncate, { steps: 30_000, epochs: 0 });
  applyHistoryDelta(view, rewound);
  assert.ok(view.steps.every((step) => step <= 30_000));
  applyHistoryDelta(view, feed.take(history(30_100), { perDelta: 128 }));
  assert.ok(view.steps.at(-1)! > 30_000);
});

test('at a stop the feed fills in what a fast run skipped: every point the stride keeps', () => {
  const feed = new HistoryFeed();
  const view = emptyHistoryView(1);
  for (const end of [1000, 2000, 3000]) applyHistoryDelta(view, feed.take(history(end, 300), { perDelta: 64 }));
  assert.ok(view.steps.length < 300);
  const stop = feed.take(history(3000, 300), { complete: true });
  applyHistoryDelta(view, stop);
  assert.deepEqual(
    view.steps,
    Array.from({ length: 3000 }, (_, i) => i + 1),
  );
  assert.equal(view.epochs.length, 300);
  // Once complete, the next stop sends nothing again.
  assert.equal(feed.take(history(3000, 300), { complete: true }).steps.length, 0);
  assert.equal(feed.take(history(3001, 300), { complete: true }).steps.length, 1);
});

test('two deltas merged give what applying both gives', () => {
  const feed = new HistoryFeed();
  const a = feed.take(history(40, 1), { perDelta: 128 });
  const b = feed.take(history(20, 1), { perDelta: 128 });
  const c = feed.take(history(25, 2), { perDelta: 128 });
  const one = applyHistoryDelta(applyHistoryDelta(applyHistoryDelta(emptyHistoryView(1), a), b), c);
  const merged = applyHistoryDelta(applyHistoryDelta(emptyHistoryView(1), a), mergeHistoryDeltas(b, c));
  assert.deepEqual(merged, one);
});
