// Stepping the standalone adapter: over and out, step back and reverse continue landing on exactly the forward
// run's position and numbers, exception filters on the vanishing and exploding examples, paging a wide layer,
// and a disconnect during a long run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { evaluate, example, launchStopped, startClient, stopAfter, THREAD, withClient } from './helpers/debugAdapter';

const top = async (dc: DebugClient, request: () => Promise<unknown>) => (await stopAfter(dc, request)).frames[0];

test('step over runs a phase, step out the rest of the batch, then of the epoch', () =>
  withClient(async (dc) => {
    // vanishing: 10 layers, 4 batches an epoch.
    await launchStopped(dc, { model: example('vanishing.nn.yaml') });
    assert.equal((await top(dc, () => dc.nextRequest(THREAD))).name, 'forward output');
    assert.equal((await top(dc, () => dc.nextRequest(THREAD))).name, 'loss');
    assert.equal((await top(dc, () => dc.stepInRequest(THREAD))).name, 'backward output');
    const out = await stopAfter(dc, () => dc.stepOutRequest(THREAD));
    assert.deepEqual(
      out.frames.map((f) => f.name),
      ['update', 'batch 1/4', 'epoch 1/20'],
    );
    // From a micro-step frame Step Out ends the batch; the next one ends batch 2.
    assert.deepEqual((await stopAfter(dc, () => dc.stepOutRequest(THREAD))).frames[1].name, 'batch 2/4');
  }));

test('step back and reverse continue land exactly where the forward run was, with the same numbers', () =>
  withClient(async (dc) => {
    const xor = example('xor.nn.yaml');
    // A breakpoint on the output line after its backward at steps 3, 6 and 9 (xor: the output layer is line 10).
    const first = await launchStopped(dc, { model: xor, stopOnEntry: false }, [
      { line: 10, condition: 'phase == "backward" && (step == 3 || step == 6 || step == 9)' },
    ]);
    const seen: [string, string][] = [
      [await evaluate(dc, 'step', first.frames[0].id), await evaluate(dc, 'dW', first.frames[0].id)],
    ];
    for (let i = 0; i < 2; i++) {
      const next = await stopAfter(dc, () => dc.continueRequest(THREAD));
      seen.push([await evaluate(dc, 'step', next.frames[0].id), await evaluate(dc, 'dW', next.frames[0].id)]);
    }
    assert.deepEqual(
      seen.map(([step]) => step),
      ['3', '6', '9'],
    );
    // Run on a little, then reverse continue twice: back to the hits at steps 9 and 6, numbers identical.
    await stopAfter(dc, () => dc.nextRequest(THREAD));
    for (const expected of [seen[2], seen[1]]) {
      const back = await stopAfter(dc, () => dc.reverseContinueRequest(THREAD));
      assert.equal(back.event.body.reason, 'breakpoint');
      assert.equal(back.frames[0].name, 'backward output');
      assert.deepEqual(
        [await evaluate(dc, 'step', back.frames[0].id), await evaluate(dc, 'dW', back.frames[0].id)],
        expected,
      );
    }
    // Step back one micro-step: the loss of the same batch; step in again: the same dW.
    const loss = await stopAfter(dc, () => dc.stepBackRequest(THREAD));
    assert.equal(loss.frames[0].name, 'loss');
    const again = await stopAfter(dc, () => dc.stepInRequest(THREAD));
    assert.equal(await evaluate(dc, 'dW', again.frames[0].id), seen[1][1]);
  }));

test('exception filters: vanishing gradients and NaN stop with the diagnostic, its hint and its layer', async () => {
  await withClient(async (dc) => {
    const { event } = await launchStopped(
      dc,
      { model: example('vanishing.nn.yaml'), stopOnEntry: false },
      [],
      ['vanishing'],
    );
    assert.equal(event.body.reason, 'exception');
    const info = await dc.exceptionInfoRequest(THREAD);
    assert.equal(info.body.exceptionId, 'vanishing');
    assert.match(info.body.details!.typeName!, /^vanishing in s\d$/);
    assert.match(info.body.description!, /ReLU/);
  });
  await withClient(async (dc) => {
    const { event } = await launchStopped(dc, { model: example('exploding.nn.yaml'), stopOnEntry: false }, [], ['nan']);
    assert.equal(event.body.reason, 'exception');
    const info = await dc.exceptionInfoRequest(THREAD);
    assert.equal(info.body.exceptionId, 'non_finite');
  });
  await withClient(async (dc) => {
    const { event } = await launchStopped(
      dc,
      { model: example('exploding.nn.yaml'), stopOnEntry: false },
      [],
      ['nan', 'exploding'],
    );
    assert.equal(event.body.reason, 'exception');
    assert.equal((await dc.exceptionInfoRequest(THREAD)).body.exceptionId, 'exploding');
  });
});

test('a wide layer pages its rows and entries', (t) =>
  withClient(async (dc) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'backprop-wide-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'wide.nn.yaml');
    const row = (seed: number) => `[${Array.from({ length: 300 }, (_, i) => ((i * seed) % 7) / 7).join(', ')}]`;
    writeFileSync(
      file,
      `name: wide\ninput: 300\nlayers:\n  - {name: wide, units: 200, activation: relu}\n  - {name: output, units: 1, activation: linear}\nloss: mse\noptimizer: {type: sgd, lr: 0.01}\ndata:\n  inputs: [${row(3)}, ${row(5)}]\n  targets: [[1], [0]]\n`,
    );
    const entry = await launchStopped(dc, { model: file });
    const forward = await stopAfter(dc, () => dc.stepInRequest(THREAD));
    void entry;
    const scopes = (await dc.scopesRequest({ frameId: forward.frames[0].id })).body.scopes;
    const W = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables[0];
    assert.match(W.value, /^300×200 · min /);
    assert.equal(W.indexedVariables, 300);
    const page = (
      await dc.variablesRequest({ variablesReference: W.variablesReference, filter: 'indexed', start: 100, count: 50 })
    ).body.variables;
    assert.deepEqual([page.length, page[0].name, page[49].name], [50, '[100]', '[149]']);
    assert.equal(page[0].indexedVariables, 200);
    const entries = (
      await dc.variablesRequest({
        variablesReference: page[0].variablesReference,
        filter: 'indexed',
        start: 190,
        count: 10,
      })
    ).body.variables;
    assert.deepEqual([entries.length, entries[0].name, entries[0].evaluateName], [10, '[190]', 'W[100][190]']);
    assert.equal(
      await evaluate(dc, 'W[100][190]', forward.frames[0].id),
      String(
        Number(entries[0].value)
          .toPrecision(6)
          .replace(/\.?0+$/, ''),
      ),
    );
  }));

test('disconnect during a long run ends the adapter within 2 s', async () => {
  const dc = await startClient();
  await launchStopped(dc, { model: example('xor.nn.yaml'), epochs: 1_000_000 });
  await dc.continueRequest(THREAD);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = Date.now();
  await dc.disconnectRequest({});
  await dc.stop();
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
});
