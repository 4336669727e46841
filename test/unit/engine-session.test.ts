import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import type { ModelSpec } from '../../src/model/types';
import type { TraceRecord } from '../../src/protocol';
import { layer, spec, xorSpec } from './helpers/spec';
import { optimizerSpec } from '../../src/model';

const xor = (overrides: Partial<ModelSpec> = {}): ModelSpec => xorSpec(overrides);

test('same seed gives identical bytes; another seed does not', () => {
  const run = (seed: number) => {
    const session = new TrainingSession(xor({ seed }), { traceLevel: 'full' });
    session.step('run');
    return JSON.stringify({ p: session.parameters(), h: session.history, r: session.trace() });
  };
  assert.equal(run(42), run(42));
  assert.notEqual(run(42), run(43));
});

test('micro-steps follow forward 0..L-1, loss, backward L-1..0, update', () => {
  const model = spec({
    layers: [layer(3, 'relu'), layer(2, 'tanh'), layer(1, 'linear')],
    train: {
      inputs: [
        [1, 2],
        [3, 4],
      ],
      targets: [[1], [0]],
    },
  });
  const session = new TrainingSession(model);
  const seen: string[] = [];
  for (let i = 0; i < 8; i++) {
    const { did } = session.step('layer');
    seen.push(`${did!.phase}${did!.layer >= 0 ? did!.layer : ''}`);
  }
  assert.deepEqual(seen, ['forward0', 'forward1', 'forward2', 'loss', 'backward2', 'backward1', 'backward0', 'update']);
  assert.equal(session.cursor.step, 1);
});

test('granularities stop where they say', () => {
  const session = new TrainingSession(xor({ training: { epochs: 3, batch: 3, shuffle: false } }));
  assert.equal(session.step('phase').cursor.phase, 'loss');
  assert.equal(session.step('phase').cursor.phase, 'backward');
  assert.equal(session.step('phase').cursor.phase, 'update');
  const afterBatch = session.step('batch').cursor;
  assert.deepEqual([afterBatch.epoch, afterBatch.batch, afterBatch.phase, afterBatch.step], [0, 1, 'forward', 1]);
  const afterEpoch = session.step('epoch').cursor;
  assert.deepEqual([afterEpoch.epoch, afterEpoch.batch, afterEpoch.step], [1, 0, 2]);
  assert.equal(session.epochs.length, 1);
  const end = session.step('run').cursor;
  assert.equal(end.finished, true);
  assert.equal(end.step, 6);
  assert.equal(session.history.epochLoss.length, 3);
});

test('the last partial batch averages over its own size', () => {
  const session = new TrainingSession(xor({ training: { epochs: 1, batch: 3, shuffle: false } }), {
    traceLevel: 'full',
  });
  session.step('batch');
  const record = session.step('batch');
  assert.deepEqual(record.samples, [3]);
  assert.equal(record.layers[1].delta!.rows, 1);
});

test('step back returns to exactly the state one micro-step earlier, across batches and epochs', () => {
  const forward = new TrainingSession(xor(), { traceLevel: 'full' });
  const records: TraceRecord[] = [forward.trace()];
  for (let i = 0; i < 30; i++) records.push(forward.step('layer'));
  const strip = (r: TraceRecord) => JSON.stringify({ ...r, diagnostics: [] });
  for (let i = 29; i >= 0; i--) {
    assert.equal(forward.stepBack(), true, `step back from ${i + 1}`);
    assert.equal(strip(forward.trace()), strip(records[i]), `state after stepping back to micro-step ${i}`);
  }
  assert.equal(forward.stepBack(), false);
  // And going forward again reproduces the same run.
  for (let i = 1; i <= 30; i++) assert.equal(strip(forward.step('layer')), strip(records[i]));
});

test('reset returns to the initial weights', () => {
  const session = new TrainingSession(xor());
  const initial = JSON.stringify(session.parameters());
  session.step('epoch');
  assert.notEqual(JSON.stringify(session.parameters()), initial);
  session.reset();
  assert.equal(JSON.stringify(session.parameters()), initial);
  assert.equal(session.history.batchLoss.length, 0);
});

test('runUntil yields and can be paused, then continues to the same result', async () => {
  const long = xor({ training: { epochs: 3000, batch: 4, shuffle: false } });
  const session = new TrainingSession(long, { traceLevel: 'off' });
  const controller = new AbortController();
  let slices = 0;
  const result = await session.runUntil(
    { kind: 'granularity', granularity: 'run' },
    {
      signal: controller.signal,
      sliceMs: 1,
      onSlice: () => {
        if (++slices === 3) controller.abort();
      },
    },
  );
  assert.equal(result.reason, 'paused');
  assert.ok(session.cursor.step > 0 && !session.cursor.finished);
  assert.equal((await session.runUntil({ kind: 'granularity', granularity: 'run' })).reason, 'finished');
  const straight = new TrainingSession(long, { traceLevel: 'off' });
  straight.step('run');
  assert.deepEqual(session.parameters(), straight.parameters());
});

test('xor trains: loss falls and accuracy reaches 100%', () => {
  const session = new TrainingSession(xor({ training: { epochs: 300, batch: 4, shuffle: false } }));
  session.step('run');
  const first = session.epochs[0];
  const last = session.epochs[session.epochs.length - 1];
  assert.ok(last.loss < first.loss / 10, `loss ${first.loss} → ${last.loss}`);
  assert.equal(last.accuracy, 1);
});

test('traces carry summaries always and tensors only at level full', () => {
  const summary = new TrainingSession(xor()).step('batch');
  assert.equal(summary.layers[0].dW!.data, undefined);
  assert.ok(summary.layers[0].norms.dW > 0);
  assert.ok(Math.abs(summary.layers[0].dW!.summary.norm - summary.layers[0].norms.dW) < 1e-15);
  const full = new TrainingSession(xor(), { traceLevel: 'full' }).step('batch');
  assert.equal(full.layers[0].dW!.data!.length, 8);
  assert.equal(new TrainingSession(xor(), { traceLevel: 'off' }).step('batch').layers.length, 0);
});

test('clip by norm scales all gradients so their global norm is c', () => {
  const model = xor({ clip: { norm: 0.01 }, training: { epochs: 1, batch: 4, shuffle: false } });
  const record = new TrainingSession(model, { traceLevel: 'full' }).step('batch');
  const norm = Math.hypot(...record.layers.flatMap((l) => [l.norms.dW, l.norms.db]));
  // PyTorch's rule divides by ‖g‖ + 1e-6, so the clipped norm sits a hair under c.
  assert.ok(norm < 0.01 && norm > 0.01 * (1 - 1e-4), `global norm ${norm}`);
  assert.ok(record.clipScale! < 1);
});

test('clip by value clamps every gradient element', () => {
  const model = xor({ clip: { value: 0.01 }, training: { epochs: 1, batch: 4, shuffle: false } });
  const record = new TrainingSession(model, { traceLevel: 'full' }).step('batch');
  for (const l of record.layers) for (const g of [...l.dW!.data!, ...l.db!.data!]) assert.ok(Math.abs(g) <= 0.01);
});

test('a frozen layer passes δ through but never changes', () => {
  const model = xor({
    layers: [layer(4, 'tanh', { name: 'hidden', frozen: true }), layer(1, 'sigmoid', { name: 'output' })],
  });
  const session = new TrainingSession(model, { traceLevel: 'full' });
  const before = session.parameters()[0];
  const record = session.step('epoch');
  assert.deepEqual(session.parameters()[0], before);
  assert.ok(record.layers[0].norms.delta > 0);
  assert.equal(record.layers[0].norms.deltaW, 0);
  assert.ok(record.layers[1].norms.deltaW > 0);
});

test('learning-rate schedules step once per epoch', () => {
  const stepped = xor({
    optimizer: optimizerSpec('sgd', { lr: 1, momentum: 0, schedule: { type: 'step', every: 2, gamma: 0.5 } }),
    training: { epochs: 5, batch: 4, shuffle: false },
  });
  const session = new TrainingSession(stepped);
  const rates = Array.from({ length: 5 }, () => session.step('epoch').lr);
  assert.deepEqual(rates, [1, 1, 0.5, 0.5, 0.25]);
  const cosine = new TrainingSession({
    ...stepped,
    optimizer: { ...stepped.optimizer, schedule: { type: 'cosine', epochs: 4 } },
  });
  const cosineRates = Array.from({ length: 5 }, () => cosine.step('epoch').lr);
  cosineRates.forEach((lr, e) => assert.ok(Math.abs(lr - (1 + Math.cos((Math.PI * e) / 4)) / 2) < 1e-15));
});

test('validation loss and accuracy are reported per epoch', () => {
  const model = xor({
    validation: {
      inputs: [
        [0, 1],
        [1, 1],
      ],
      targets: [[1], [0]],
    },
    training: { epochs: 2, batch: 4, shuffle: false },
  });
  const session = new TrainingSession(model);
  session.step('run');
  assert.equal(session.history.validationLoss.length, 2);
  assert.ok(Number.isFinite(session.epochs[1].validationLoss));
  assert.ok(session.epochs[1].validationAccuracy !== undefined);
});

test('decision boundary covers the input plane for 2-input models only', () => {
  const boundary = new TrainingSession(xor()).decisionBoundary(10)!;
  assert.equal(boundary.values.length, 100);
  assert.equal(boundary.points.length, 4);
  assert.ok(boundary.xMin < 0 && boundary.xMax > 1);
  const threeInputs = spec({ layers: [layer(1, 'linear')], train: { inputs: [[1, 2, 3]], targets: [[1]] } });
  assert.equal(new TrainingSession(threeInputs).decisionBoundary(10), undefined);
});

test('a summary trace can carry one layer in full on request', () => {
  const session = new TrainingSession(xor());
  session.step('batch');
  const record = session.trace('summary', [1]);
  assert.equal(record.layers[0].weights.data, undefined);
  assert.equal(record.layers[1].weights.data!.length, 4);
});

test('rewindTo returns to the start of any earlier batch step, exactly', () => {
  const session = new TrainingSession(xor(), { traceLevel: 'full' });
  const atStep: string[] = [JSON.stringify(session.parameters())];
  for (let i = 0; i < 40; i++) {
    session.step('batch');
    atStep.push(JSON.stringify(session.parameters()));
  }
  for (const step of [37, 12, 1, 25]) {
    const reachable = step < session.cursor.step;
    assert.equal(session.rewindTo(step), reachable, `rewind to ${step}`);
    if (reachable) assert.equal(JSON.stringify(session.parameters()), atStep[step]);
  }
  assert.equal(session.rewindTo(0), true);
  assert.equal(JSON.stringify(session.parameters()), atStep[0]);
  assert.equal(session.rewindTo(3), false, 'cannot rewind forward');
  assert.equal(session.earliestStep, 0);
});

test('a bounded history keeps every stride-th step and epoch, exactly, through rewinds and replays', () => {
  // 30 epochs × 2 batches = 60 steps; a limit of 8 points forces the strides up to 8 and 4.
  const full = new TrainingSession(xor());
  full.step('run');
  const bounded = new TrainingSession(xor(), { historyLimit: 8 });
  const agrees = (steps: number, epochs: number) => {
    const { history } = bounded;
    assert.ok(history.batchLoss.length <= 8 && history.epochLoss.length <= 8);
    assert.equal(history.batchLoss.length, Math.ceil(steps / history.stride), 'batch points');
    assert.equal(history.epochLoss.length, Math.ceil(epochs / history.epochStride), 'epoch points');
    history.batchLoss.forEach((loss, i) => {
      assert.equal(loss, full.history.batchLoss[i * history.stride], `batch loss at point ${i}`);
      history.gradNorm.forEach((series, k) => assert.equal(series[i], full.history.gradNorm[k][i * history.stride]));
      history.updateRatio.forEach((series, k) =>
        assert.equal(series[i], full.history.updateRatio[k][i * history.stride]),
      );
    });
    history.epochLoss.forEach((loss, i) => assert.equal(loss, full.history.epochLoss[i * history.epochStride]));
    assert.deepEqual(
      bounded.epochs.map((e) => e.epoch),
      history.epochLoss.map((_, i) => i * history.epochStride),
    );
    assert.equal(bounded.latestEpoch?.epoch, epochs > 0 ? epochs - 1 : undefined);
  };
  bounded.step('run');
  assert.equal(bounded.history.stride, 8);
  assert.equal(bounded.history.epochStride, 4);
  agrees(60, 30);
  assert.equal(bounded.rewindTo(37), true);
  agrees(37, 18);
  bounded.step('run');
  agrees(60, 30);
  assert.deepEqual(bounded.parameters(), full.parameters());
});
