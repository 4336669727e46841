// The debugger on the layer types beyond dense: a breakpoint on a batch-norm layer stops after its forward, and
// Variables and expressions name what a student knows: μ, σ², x̂, γ, β going forward, dγ, dβ coming back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { evaluate, example, launchStopped, startClient, stopAfter, THREAD } from './helpers/debugAdapter';

const batchNorm = example('batchnorm.nn.yaml');
// batchnorm.nn.yaml: d1 on line 10, bn1 on line 11.
const BN1 = 11;

let dc: DebugClient;
before(async () => (dc = await startClient()));
after(() => dc.stop());

test('a batch-norm layer shows its statistics, normalised input and scale in Variables and expressions', async () => {
  const { frames } = await launchStopped(dc, { model: batchNorm, stopOnEntry: false }, [{ line: BN1 }]);
  assert.equal(frames[0].name, 'forward bn1');
  const forward = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes;
  const names = async (scope: string) =>
    (
      await dc.variablesRequest({ variablesReference: forward.find((s) => s.name === scope)!.variablesReference })
    ).body.variables.map((v) => v.name);
  assert.deepEqual(await names('Parameters'), ['W', 'b', 'γ', 'β', 'running mean', 'running var', 'optimizer']);
  assert.ok((await names('Forward')).join() === 'z,μ,σ²,x̂,a', (await names('Forward')).join());
  // x̂ is standardised over the batch: each unit's mean is 0 and its variance (nearly) 1.
  assert.equal(await evaluate(dc, 'abs(mean(xhat)) < 1e-12', frames[0].id), 'true');
  assert.match(await evaluate(dc, 'xhat', frames[0].id), /^25×8 · /);
  assert.match(await evaluate(dc, 'bn1.mu', frames[0].id), /^\[\[(-?\d[^,]*, ){7}-?\d[^,]*\]\]$/);
  assert.equal(await evaluate(dc, 'count(bn1.gamma)', frames[0].id), '8');
  // A dense layer has none of them.
  await assert.rejects(
    dc.evaluateRequest({ expression: 'd1.xhat', frameId: frames[0].id, context: 'watch' }),
    /d1\.xhat is not computed/,
  );
  // Coming back: dγ and dβ.
  const back = await stopAfter(dc, () => dc.continueRequest(THREAD));
  assert.equal(back.frames[0].name, 'backward bn1');
  assert.match(await evaluate(dc, 'norm(dgamma)', back.frames[0].id), /^\d/);
  await dc.disconnectRequest({});
});
