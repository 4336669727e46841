// The TrainingClient against the real worker thread: one reply per request, refusals instead of silence,
// pause within one slice, and a session that stays consistent under a storm of commands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { optimizerSpec } from '../../src/model';
import type { ModelSpec } from '../../src/model/types';
import type { Cursor, TrainingUpdate } from '../../src/protocol';
import { TrainingClient, WorkerRequestError } from '../../src/worker/trainingClient';
import { Random } from '../../src/engine';
import { layer, spec, xorSpec } from './helpers/spec';
import { workerScript } from './helpers/worker';

const xor = (epochs: number): ModelSpec => xorSpec({ seed: 3, training: { epochs, batch: 2, shuffle: true } });

/** 784-256-128-10 relu/softmax on one batch of 64 random samples: the big model of the issue. */
export function mnistShaped(epochs = 1000): ModelSpec {
  const random = new Random(5);
  const inputs = Array.from({ length: 64 }, () => Array.from({ length: 784 }, () => random.next()));
  const targets = Array.from({ length: 64 }, (_, i) => Array.from({ length: 10 }, (_, c) => (c === i % 10 ? 1 : 0)));
  return spec({
    seed: 5,
    layers: [
      layer(256, 'relu', { name: 'hidden1' }),
      layer(128, 'relu', { name: 'hidden2' }),
      layer(10, 'softmax', { name: 'output' }),
    ],
    train: { inputs, targets },
    loss: { type: 'cross_entropy' },
    optimizer: optimizerSpec('sgd', { lr: 0.01, momentum: 0.9 }),
    training: { epochs, batch: 64, shuffle: false },
  });
}

/** Micro-steps since the start, from a cursor (forward 0..L−1, loss, backward L−1..0, update). */
function microPosition(cursor: Cursor, layers: number): number {
  const perBatch = 2 * layers + 2;
  const index =
    cursor.phase === 'forward'
      ? cursor.layer
      : cursor.phase === 'loss'
        ? layers
        : cursor.phase === 'backward'
          ? layers + layers - cursor.layer
          : 2 * layers + 1;
  return cursor.step * perBatch + index;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('each request gets its own reply; a step during a run is refused at once, not dropped', async () => {
  const client = await TrainingClient.start(xor(1_000_000), 'full', workerScript());
  try {
    const running = client.run({ kind: 'granularity', granularity: 'run' });
    await sleep(100);
    assert.equal(client.state, 'running');
    for (const attempt of [client.step('layer'), client.stepBack(), client.run({ kind: 'step', step: 5 })]) {
      await assert.rejects(
        attempt,
        (error: WorkerRequestError) => error.code === 'busy' && /pause first/.test(error.message),
      );
    }
    // Requests that make sense during a run are served during it.
    const tensors = await client.request('layerTensors', { layer: 0 });
    assert.equal(tensors.weights.data!.length, 8);
    const paused = await client.pause();
    const ran = await running;
    assert.equal(ran.reason, 'paused');
    assert.equal(paused.reason, 'paused');
    assert.deepEqual(paused.update.record.cursor, ran.update.record.cursor);
    assert.equal(client.state, 'paused');
    // And stepping continues from exactly where the pause landed.
    const stepped = await client.step('layer');
    assert.equal(microPosition(stepped.update.record.cursor, 2), microPosition(ran.update.record.cursor, 2) + 1);
    await assert.rejects(client.request('layerTensors', { layer: 7 }), /no layer 7/);
  } finally {
    await client.stop();
  }
});

test('pause lands within 300 ms of being asked (median of 3), on a clean micro-step', async () => {
  for (const [name, model, level] of [
    ['xor', xor(1_000_000), 'full'],
    ['784-256-128-10', mnistShaped(), 'summary'],
  ] as const) {
    const client = await TrainingClient.start(model, level, workerScript());
    try {
      const latencies: number[] = [];
      for (let round = 0; round < 3; round++) {
        const running = client.run({ kind: 'granularity', granularity: 'run' });
        await sleep(400);
        const asked = performance.now();
        await client.pause();
        latencies.push(performance.now() - asked);
        await running;
      }
      latencies.sort((a, b) => a - b);
      assert.ok(latencies[1] < 300, `${name}: pause took ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms`);
      // The position reached is an exact one: a fresh session run to it has the same weights.
      const tensors = await client.request('layerTensors', { layer: 0 });
      const fresh = new TrainingSession(model, { traceLevel: 'off' });
      const target = microPosition(client.latest.record.cursor, model.layers.length);
      await fresh.runUntil({ kind: 'microSteps', count: target });
      assert.deepEqual(tensors.weights.data, fresh.parameters()[0].weights.flat());
    } finally {
      await client.stop();
    }
  }
});

test('progress during a run is small: ≤ 20 KB for XOR, ≤ 100 KB for 784-256-128-10, ~30 a second', async () => {
  for (const [model, level, limit] of [
    [xor(1_000_000), 'full', 20_000],
    [mnistShaped(), 'summary', 100_000],
  ] as const) {
    const client = await TrainingClient.start(model, level, workerScript());
    const sizes: number[] = [];
    client.onDidUpdate(({ update, immediate }) => {
      if (!immediate) sizes.push(JSON.stringify(update).length);
    });
    try {
      const running = client.run({ kind: 'granularity', granularity: 'run' });
      await sleep(1500);
      await client.pause();
      await running;
      assert.ok(sizes.length >= 5 && sizes.length <= 60, `${sizes.length} progress messages in 1.5 s`);
      assert.ok(Math.max(...sizes) <= limit, `largest progress message ${Math.max(...sizes)} bytes`);
      // The charts got points from the run.
      assert.ok(client.history.steps.length > 0);
    } finally {
      await client.stop();
    }
  }
});

test('1,000 rapid commands in random order: every one answered, and the session ends where replay says', async () => {
  const model = xor(1_000_000);
  const client = await TrainingClient.start(model, 'full', workerScript());
  const random = new Random(11);
  try {
    const replies: Promise<unknown>[] = [];
    const outcomes = { ok: 0, busy: 0, invalid: 0 };
    const settle = (reply: Promise<{ update: TrainingUpdate }>) =>
      replies.push(
        reply.then(
          () => outcomes.ok++,
          (error: WorkerRequestError) => {
            assert.ok(error.code === 'busy' || error.code === 'invalid', `${error.code}: ${error.message}`);
            outcomes[error.code as 'busy' | 'invalid']++;
          },
        ),
      );
    for (let i = 0; i < 1000; i++) {
      const pick = random.next();
      if (pick < 0.3) settle(client.step(random.next() < 0.5 ? 'layer' : 'phase'));
      else if (pick < 0.55) settle(client.stepBack());
      else if (pick < 0.7) settle(client.pause());
      else if (pick < 0.8) settle(client.run({ kind: 'microSteps', count: 1 + Math.floor(random.next() * 500) }));
      else if (pick < 0.85) settle(client.step('batch'));
      else if (pick < 0.9) settle(client.step('epoch'));
      else settle(client.run({ kind: 'granularity', granularity: 'run' }));
      if (i % 50 === 0) await sleep(5);
    }
    await Promise.all(replies);
    assert.equal(outcomes.ok + outcomes.busy + outcomes.invalid, 1000);
    assert.ok(outcomes.ok > 100, JSON.stringify(outcomes));
    await client.pause();
    const final = client.latest.record.cursor;
    const tensors = await client.request('layerTensors', { layer: 1 });
    const fresh = new TrainingSession(model, { traceLevel: 'off' });
    await fresh.runUntil({ kind: 'microSteps', count: microPosition(final, 2) });
    assert.deepEqual(fresh.cursor, final);
    assert.deepEqual(tensors.weights.data, fresh.parameters()[1].weights.flat());
  } finally {
    await client.stop();
  }
});

test('stop ends the worker during a run within 2 s, and later requests say the session ended', async () => {
  const client = await TrainingClient.start(mnistShaped(), 'summary', workerScript());
  const running = client.run({ kind: 'granularity', granularity: 'run' }).catch((error) => error);
  await sleep(300);
  const asked = performance.now();
  await client.stop();
  assert.ok(performance.now() - asked < 2000);
  assert.equal(client.alive, false);
  await running;
  await assert.rejects(client.step('layer'), /ended/);
});

test('a model that fails to load is an error, not a hang', async () => {
  const broken = { ...xor(1), layers: [] } as ModelSpec;
  await assert.rejects(TrainingClient.start(broken, 'full', workerScript()));
});

test('slow motion is one run: paced between epochs, each tick detailed, step refused and Pause ends it at once', async () => {
  const client = await TrainingClient.start(xor(2000), 'full', workerScript());
  try {
    const ticks: TrainingUpdate[] = [];
    let boundaries = 0;
    client.onDidUpdate(({ update }) => {
      if (update.running) ticks.push(update);
    });
    client.onDidComputeBoundary(() => boundaries++);
    const running = client.run({ kind: 'granularity', granularity: 'run' }, { epochsPerSecond: 10 });
    await sleep(700);
    assert.equal(client.state, 'running', 'between its epochs the session is running, so Pause applies');
    await assert.rejects(client.step('layer'), (error: WorkerRequestError) => error.code === 'busy');
    const paused = await client.pause();
    const stopped = await running;
    assert.equal(stopped.reason, 'paused');
    assert.equal(paused.update.epochsPerSecond, undefined, 'a stopped session is not in slow motion');
    // 10 epochs a second (XOR: 2 batches an epoch) for 0.7 s: a handful of epochs, nowhere near the 2000.
    const epochs = paused.update.record.cursor.epoch;
    assert.ok(epochs >= 3 && epochs <= 30, `slow motion ran ${epochs} epochs in 0.7 s`);
    assert.ok(ticks.length >= 1 && ticks.every((update) => update.epochsPerSecond === 10));
    // A tick is shown as a stop is: the selected layer's tensors in full.
    assert.ok(ticks.some((update) => update.record.layers[0].weights.data));
    assert.ok(boundaries >= 1, 'each tick brings its decision boundary');
    // Stepping goes on from where Pause landed.
    const stepped = await client.step('layer');
    assert.equal(stepped.reason, 'step');
  } finally {
    await client.stop();
  }
});
