// The standalone debug adapter (`node dist/debugAdapter.js`) driven over stdin/stdout by DebugClient, as any DAP
// client would: capabilities, launch errors, the stack, stepping, breakpoints and variables.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { example, launchStopped, startClient, stopAfter, THREAD, withClient } from './helpers/debugAdapter';

const worked = example('worked-example.nn.yaml');
// worked-example.nn.yaml: hidden on line 7, output on line 14, loss 21, optimizer 22, training 23, data 24.
const LINES = { hidden: 7, output: 14, loss: 21, optimizer: 22, training: 23, data: 24 };

let dc: DebugClient;
before(async () => (dc = await startClient()));
after(() => dc.stop());

test('initialize announces what the adapter supports, with the exception filters', () =>
  withClient(async (client) => {
    const { body } = await client.initializeRequest();
    for (const capability of [
      'supportsConfigurationDoneRequest',
      'supportsConditionalBreakpoints',
      'supportsHitConditionalBreakpoints',
      'supportsLogPoints',
      'supportsStepBack',
      'supportsSetVariable',
      'supportsRestartRequest',
      'supportsTerminateRequest',
      'supportsExceptionInfoRequest',
      'supportsEvaluateForHovers',
    ] as const)
      assert.equal(body?.[capability], true, capability);
    assert.deepEqual(
      body?.exceptionBreakpointFilters?.map((f) => [f.filter, f.default]),
      [
        ['nan', true],
        ['exploding', false],
        ['vanishing', false],
        ['deadRelu', false],
        ['lossRising', false],
      ],
    );
  }));

test('stop on entry: the stack is batch and epoch, on the data: and training: lines', async () => {
  const { event, frames } = await launchStopped(dc, { model: worked });
  assert.equal(event.body.reason, 'entry');
  assert.deepEqual(
    frames.map((f) => [f.name, f.line]),
    [
      ['batch 1/1', LINES.data],
      ['epoch 1/1', LINES.training],
    ],
  );
  const threads = await dc.threadsRequest();
  assert.deepEqual(threads.body.threads, [{ id: 1, name: 'training' }]);
});

test('step into runs one micro-step; its frame is on the layer line', async () => {
  let { frames } = await stopAfter(dc, () => dc.stepInRequest(THREAD));
  assert.deepEqual(
    frames.map((f) => [f.name, f.line]),
    [
      ['forward hidden', LINES.hidden],
      ['batch 1/1', LINES.data],
      ['epoch 1/1', LINES.training],
    ],
  );
  ({ frames } = await stopAfter(dc, () => dc.stepInRequest(THREAD)));
  assert.deepEqual([frames[0].name, frames[0].line], ['forward output', LINES.output]);
  ({ frames } = await stopAfter(dc, () => dc.stepInRequest(THREAD)));
  assert.deepEqual([frames[0].name, frames[0].line], ['loss', LINES.loss]);
});

test('variables: a layer frame has Parameters, Forward, Backward, Update; W expands to rows, then entries', async () => {
  // Stopped after the loss; step back to "forward output".
  const { frames } = await stopAfter(dc, () => dc.stepBackRequest(THREAD));
  assert.equal(frames[0].name, 'forward output');
  const scopes = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes;
  assert.deepEqual(
    scopes.map((s) => s.name),
    ['Parameters', 'Forward', 'Backward', 'Update'],
  );
  const parameters = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
  const W = parameters.find((v) => v.name === 'W')!;
  assert.match(W.value, /^2×1 · min 0\.4 · max 1\.8 · ‖·‖ 1\.844/);
  assert.equal(W.indexedVariables, 2);
  const rows = (
    await dc.variablesRequest({ variablesReference: W.variablesReference, filter: 'indexed', start: 0, count: 2 })
  ).body.variables;
  assert.deepEqual(
    rows.map((r) => [r.name, r.value]),
    [
      ['[0]', '[1.8]'],
      ['[1]', '[0.4]'],
    ],
  );
  const entries = (await dc.variablesRequest({ variablesReference: rows[1].variablesReference })).body.variables;
  assert.deepEqual(
    entries.map((e) => [e.name, e.value, e.evaluateName]),
    [['[0]', '0.4', 'W[1][0]']],
  );
  const forward = (await dc.variablesRequest({ variablesReference: scopes[1].variablesReference })).body.variables;
  assert.match(forward.find((v) => v.name === 'a')!.value, /^1×1 · min 2\.162 · max 2\.162/);
  const backward = (await dc.variablesRequest({ variablesReference: scopes[2].variablesReference })).body.variables;
  assert.match(backward.find((v) => v.name === 'dW')!.value, /not computed yet/);
});

test('launch errors: a missing model setting, a missing file, an invalid model each answer with the reason', async () => {
  await withClient((client) => assert.rejects(client.launch({}), /needs "model"/));
  await withClient((missing) =>
    assert.rejects(missing.launch({ model: '/nonexistent/model.nn.yaml' }), /model\.nn\.yaml:1:1: no such model file/),
  );
  await withClient((broken) =>
    assert.rejects(
      broken.launch({ model: path.join(import.meta.dirname, '../extension/workspace/broken.nn.yaml') }),
      /broken\.nn\.yaml:\d+:\d+: /,
    ),
  );
});
