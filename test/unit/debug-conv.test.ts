// The debugger on the digits CNN (Adam): a convolution's kernels K and dK, pooling's argmax, and Adam's m and v
// of every parameter, in Variables (only on the layers that have them) and in expressions; the Layers scope
// describes each layer by its type, shapes and real parameter count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { evaluate, example, launchStopped, startClient, stopAfter, THREAD } from './helpers/debugAdapter';

const cnn = example('cnn-digits.nn.yaml');
// cnn-digits.nn.yaml: conv1 on line 10, pool1 on 11, optimizer on 15.
const CONV1 = 10;
const POOL1 = 11;
const OPTIMIZER = 15;

let dc: DebugClient;

/** Each test in its own adapter, stopped at the end whatever happened. */
async function session(run: () => Promise<void>): Promise<void> {
  dc = await startClient();
  try {
    await run();
  } finally {
    await dc.stop();
  }
}

async function scopeNames(frameId: number): Promise<Record<string, string[]>> {
  const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
  const names: Record<string, string[]> = {};
  for (const scope of scopes)
    names[scope.name] = (
      await dc.variablesRequest({ variablesReference: scope.variablesReference })
    ).body.variables.map((v) => v.name);
  return names;
}

async function rejects(expression: string, frameId: number, message: RegExp): Promise<void> {
  await assert.rejects(dc.evaluateRequest({ expression, frameId, context: 'watch' }), message);
}

test('conv1.K, dK and pool1.argmax in Variables and expressions, only on the layers that have them', () =>
  session(async () => {
    const { frames } = await launchStopped(dc, { model: cnn, stopOnEntry: false }, [{ line: CONV1 }, { line: POOL1 }]);
    assert.equal(frames[0].name, 'forward conv1');
    const top = frames[0].id;
    const forward = await scopeNames(top);
    assert.deepEqual(forward.Parameters, ['W', 'K', 'b', 'optimizer']);
    assert.deepEqual(forward.Forward, ['z', 'a']);
    // K is the conv's W, [filter][c·kh·kw]: 8 filters of 1×3×3.
    assert.equal(await evaluate(dc, 'count(conv1.K)', top), '72');
    assert.equal(await evaluate(dc, 'conv1.K[2][4] == conv1.W[2][4]', top), 'true');
    assert.match(await evaluate(dc, 'K[0][0]', top), /^-?\d/);
    await rejects('out.K', top, /layer 'out' has no member 'K'/);
    await rejects('conv1.argmax', top, /layer 'conv1' has no member 'argmax'/);

    const pool = await stopAfter(dc, () => dc.continueRequest(THREAD));
    assert.equal(pool.frames[0].name, 'forward pool1');
    assert.deepEqual((await scopeNames(pool.frames[0].id)).Forward, ['z', 'argmax', 'a']);
    // One argmax per output of each sample (32 × 8 maps of 4×4), each an index into the sample's 8×8×8 input.
    assert.equal(await evaluate(dc, 'count(pool1.argmax)', pool.frames[0].id), String(32 * 128));
    assert.equal(await evaluate(dc, 'max(pool1.argmax) < 512 && min(pool1.argmax) >= 0', pool.frames[0].id), 'true');

    // Backward: pool1 then conv1, whose dK is its dW.
    await stopAfter(dc, () => dc.continueRequest(THREAD));
    const back = await stopAfter(dc, () => dc.continueRequest(THREAD));
    assert.equal(back.frames[0].name, 'backward conv1');
    assert.ok((await scopeNames(back.frames[0].id)).Backward.includes('dK'));
    assert.equal(await evaluate(dc, 'norm(conv1.dK) > 0 && norm(dK) == norm(dW)', back.frames[0].id), 'true');
    await dc.disconnectRequest({});
  }));

test("Adam's m and v of each parameter after an update, in Variables and expressions", () =>
  session(async () => {
    const { frames } = await launchStopped(dc, { model: cnn, stopOnEntry: false }, [
      { line: OPTIMIZER },
      { line: CONV1 },
    ]);
    assert.equal(frames[0].name, 'forward conv1');
    // A layer's breakpoint stops after its forward and after its backward.
    assert.equal((await stopAfter(dc, () => dc.continueRequest(THREAD))).frames[0].name, 'backward conv1');
    const update = await stopAfter(dc, () => dc.continueRequest(THREAD));
    assert.equal(update.frames[0].name, 'update');
    const top = update.frames[0].id;
    // After Adam's first step from zero, m = (1 − β₁)·dW and v = (1 − β₂)·dW², with the gradient just used.
    assert.equal(await evaluate(dc, 'max(abs(conv1.m - 0.1 * conv1.dK)) < 1e-15', top), 'true');
    assert.equal(await evaluate(dc, 'max(abs(conv1.v - 0.001 * conv1.dK * conv1.dK)) < 1e-15', top), 'true');
    assert.equal(await evaluate(dc, 'max(abs(out.m_b - 0.1 * out.db)) < 1e-15', top), 'true');
    assert.equal(await evaluate(dc, 'norm(out.v) > 0', top), 'true');
    await rejects('pool1.m', top, /layer 'pool1' has no member 'm'/);

    // The Layers scope: each layer by its type and shapes, with its real parameter count.
    const scopes = (await dc.scopesRequest({ frameId: top })).body.scopes;
    const layers = (
      await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Layers')!.variablesReference })
    ).body.variables;
    assert.match(layers[0].value, /^conv2d 1×8×8 → 8×8×8 \(8 filters 3×3\) relu · ‖K‖ \S+ · ‖dK‖ \S+ · 80 parameters$/);
    assert.equal(layers[1].value, 'maxpool2d 8×8×8 → 8×4×4 (max 2×2) linear');
    assert.match(layers[3].value, /^128→10 softmax · ‖W‖ .* · 1,290 parameters$/);
    const conv1 = (await dc.variablesRequest({ variablesReference: layers[0].variablesReference! })).body.variables;
    const m = conv1.find((v) => v.name === 'm (Adam)')!;
    assert.equal(m.evaluateName, 'conv1.m');
    assert.match(m.value, /^8×9 · /);
    assert.ok(conv1.some((v) => v.name === 'v of b (Adam)'));

    // In a layer's frame of the next batch, its Update scope lists m and v beside ΔW.
    const next = await stopAfter(dc, () => dc.continueRequest(THREAD));
    assert.equal(next.frames[0].name, 'forward conv1');
    const names = (await scopeNames(next.frames[0].id)).Update;
    for (const name of ['m (Adam)', 'v (Adam)', 'm of b (Adam)', 'v of b (Adam)'])
      assert.ok(names.includes(name), name);
    await dc.disconnectRequest({});
  }));

test('an SGD model has no m or v', () =>
  session(async () => {
    const { frames } = await launchStopped(dc, { model: example('xor.nn.yaml'), stopOnEntry: true });
    await rejects('hidden.m', frames[0].id, /has no member 'm'/);
    assert.ok(!(await scopeNames(frames[0].id)).Update?.some((name) => name.includes('Adam')));
    await dc.disconnectRequest({});
  }));
