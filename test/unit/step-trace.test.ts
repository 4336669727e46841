// Export Trace's step-by-step trace: the CLI's `trace --json` records, one JSON line per batch step, replayed in
// the worker without moving the live session, and refused (with a reason) when it would be too big.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { loadModelFile } from '../../src/model';
import type { ModelSpec } from '../../src/model/types';
import { traceSteps, type StepTraceRecord } from '../../src/worker/stepTrace';
import { TrainingClient, WorkerRequestError } from '../../src/worker/trainingClient';
import { workerScript } from './helpers/worker';

const load = (file: string): ModelSpec => loadModelFile(file, { workspaceRoot: process.cwd() }).model!;

function cliSteps(file: string, steps: number): Omit<StepTraceRecord, 'step'>[] {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'trace', file, '--steps', String(steps), '--json'],
    { encoding: 'utf8' },
  );
  return JSON.parse(result.stdout).steps;
}

const lines = (text: string): StepTraceRecord[] =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));

test('full tensors: each line is the CLI’s step record plus its step, for the worked example and XOR', async () => {
  for (const [file, steps] of [
    ['examples/worked-example.nn.yaml', 1],
    ['examples/xor.nn.yaml', 6],
  ] as const) {
    const { text, steps: count } = await traceSteps(load(file), { level: 'full', fromStep: 0, toStep: steps });
    assert.equal(count, steps);
    assert.ok(text.endsWith('\n'));
    const records = lines(text);
    assert.deepEqual(
      records.map((record) => record.step),
      Array.from({ length: steps }, (_, i) => i),
    );
    const cli = cliSteps(file, steps);
    assert.deepEqual(
      records.map(({ step: _step, ...rest }) => rest),
      cli,
      file,
    );
  }
});

test('summaries by default-sized lines: shape and summary of every tensor; a range of steps', async () => {
  const model = load('examples/xor.nn.yaml');
  const { text, steps } = await traceSteps(model, { level: 'summary', fromStep: 3, toStep: 5 });
  assert.equal(steps, 2);
  const [first] = lines(text);
  assert.equal(first.step, 3);
  assert.deepEqual(Object.keys(first), ['epoch', 'batch', 'step', 'loss', 'layers']);
  const hidden = first.layers[0];
  assert.deepEqual(Object.keys(hidden), ['name', 'z', 'a', 'delta', 'dW', 'weights', 'db', 'biases']);
  assert.deepEqual(Object.keys(hidden.dW!), ['rows', 'cols', 'min', 'max', 'mean', 'norm', 'nonFinite']);
  const full = lines((await traceSteps(model, { level: 'full', fromStep: 3, toStep: 4 })).text)[0];
  const dW = (full.layers[0].dW as number[][]).flat();
  assert.ok(Math.abs((hidden.dW as { norm: number }).norm - Math.hypot(...dW)) < 1e-12);
  // Past the end of training the trace ends with training.
  const tiny = { ...model, training: { ...model.training, epochs: 3 } };
  assert.equal((await traceSteps(tiny, { level: 'summary', fromStep: 0, toStep: 10 })).steps, 3);
});

test('too long or too big a trace is refused up front, saying what to do instead', async () => {
  const model = load('examples/xor.nn.yaml');
  await assert.rejects(traceSteps(model, { level: 'summary', fromStep: 0, toStep: 100_001 }), /at most 100000/);
  await assert.rejects(
    traceSteps(model, { level: 'full', fromStep: 0, toStep: 2000, maxBytes: 1_000_000 }),
    /would take about \d+ MB \(at most 1 MB\): export summaries/,
  );
  await assert.rejects(traceSteps(model, { level: 'summary', fromStep: 5, toStep: 2 }), /no batch steps from 5 to 2/);
});

test('the worker replays in a session of its own: the live session does not move, and what-if edits are made again', async () => {
  const client = await TrainingClient.start(load('examples/xor.nn.yaml'), 'full', workerScript());
  try {
    await assert.rejects(client.request('traceSteps', { level: 'full', toStep: 100_001 }), (error) => {
      assert.ok(error instanceof WorkerRequestError);
      assert.equal(error.code, 'invalid');
      return true;
    });
    await client.step('batch', 2);
    await client.setParameter({ layer: 1, tensor: 'W', index: 0, value: 3 });
    await client.step('layer', 1);
    await client.step('batch', 2);
    const before = client.latest.record;
    const { text, steps } = await client.request('traceSteps', { level: 'full' });
    assert.equal(steps, 4, 'every batch step the session has run');
    const records = lines(text);
    // The last line's weights are the live session's (the edit of step 3 was made again on the way).
    const liveW = before.layers[1].weights.data!;
    assert.deepEqual((records[3].layers[1].weights as number[][]).flat(), liveW);
    assert.equal(records[3].loss, before.loss);
    // The live session is where it was: its next micro-step is the first forward of step 5, on the same weights.
    assert.deepEqual([before.cursor.step, before.cursor.phase, before.cursor.layer], [4, 'forward', 0]);
    const stepped = (await client.step('layer')).update.record;
    assert.deepEqual(stepped.did, { phase: 'forward', layer: 0 });
    assert.equal(stepped.cursor.step, 4);
    assert.deepEqual(stepped.layers[1].weights.data, liveW);
  } finally {
    await client.stop();
  }
});
