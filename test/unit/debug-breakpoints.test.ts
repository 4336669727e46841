// Breakpoints over the standalone adapter: every kind of line, moved and unverified ones, conditions, hit
// counts, logpoints, exception filters, and evaluate / set value at a breakpoint of the worked example.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { evaluate, example, launchStopped, stopAfter, THREAD, withClient } from './helpers/debugAdapter';

const worked = example('worked-example.nn.yaml');
const xor = example('xor.nn.yaml');
const vanishing = example('vanishing.nn.yaml');
const LINES = { hidden: 7, output: 14, loss: 21, optimizer: 22, training: 23, data: 24 };

test('a breakpoint on each kind of line stops where it says; others move or are unverified', () =>
  withClient(async (dc) => {
    const { event, frames, placed } = await launchStopped(dc, { model: worked, stopOnEntry: false }, [
      { line: LINES.output },
      { line: 10 },
      { line: LINES.loss },
      { line: LINES.optimizer },
      { line: 2 },
    ]);
    const bps = placed!.body.breakpoints;
    assert.deepEqual(
      bps.map((bp) => [bp.verified, bp.line]),
      [
        [true, LINES.output],
        [true, LINES.hidden], // line 10 is inside the hidden layer: moved to its first line
        [true, LINES.loss],
        [true, LINES.optimizer],
        [false, 2],
      ],
    );
    assert.match(bps[4].message!, /Nothing runs on this line/);
    assert.equal(event.body.reason, 'breakpoint');
    // hidden's line is hit first (after its forward), then output's, the loss, output's and hidden's backward, the update.
    const order = [[frames[0].name, frames[0].line, event.body.hitBreakpointIds]];
    for (let i = 0; i < 5; i++) {
      const stop = await stopAfter(dc, () => dc.continueRequest(THREAD));
      order.push([stop.frames[0].name, stop.frames[0].line, stop.event.body.hitBreakpointIds]);
    }
    assert.deepEqual(order, [
      ['forward hidden', LINES.hidden, [bps[1].id]],
      ['forward output', LINES.output, [bps[0].id]],
      ['loss', LINES.loss, [bps[2].id]],
      ['backward output', LINES.output, [bps[0].id]],
      ['backward hidden', LINES.hidden, [bps[1].id]],
      ['update', LINES.optimizer, [bps[3].id]],
    ]);
    // Training then ends (one epoch, one batch): Continue ends the session like a program that returned.
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest(THREAD);
    await terminated;
  }));

test('data: stops at each batch start and training: at each epoch start', () =>
  withClient(async (dc) => {
    // vanishing.nn.yaml: 100 samples in batches of 25, so 4 batches an epoch; training: on line 19, data: on 20.
    const first = await launchStopped(dc, { model: vanishing, stopOnEntry: false }, [{ line: 20 }, { line: 19 }]);
    assert.equal(first.event.body.hitBreakpointIds?.length, 2, 'both hold at the very start');
    assert.deepEqual([first.frames[0].name, first.frames[0].line], ['batch 1/4', 20]);
    const names = [];
    for (let i = 0; i < 4; i++) {
      const next = await stopAfter(dc, () => dc.continueRequest(THREAD));
      names.push([next.frames[0].name, next.frames[0].line, next.event.body.hitBreakpointIds?.length]);
    }
    assert.deepEqual(names, [
      ['batch 2/4', 20, 1],
      ['batch 3/4', 20, 1],
      ['batch 4/4', 20, 1],
      ['batch 1/4', 20, 2],
    ]);
    // With only the training: line, the epoch frame is the innermost.
    await dc.setBreakpointsRequest({ source: { path: vanishing }, breakpoints: [{ line: 19 }] });
    const epoch = await stopAfter(dc, () => dc.continueRequest(THREAD));
    assert.deepEqual(
      epoch.frames.map((f) => [f.name, f.line]),
      [['epoch 3/20', 19]],
    );
  }));

test('evaluate at the output layer’s backward gives the slides’ numbers; hover on a layer name; set value', () =>
  withClient(async (dc) => {
    // The second hit of the output line is after its backward.
    const { frames } = await launchStopped(dc, { model: worked, stopOnEntry: false }, [
      { line: LINES.output, hitCondition: '2' },
    ]);
    assert.equal(frames[0].name, 'backward output');
    const top = frames[0].id;
    assert.equal(await evaluate(dc, 'dW', top), '[[1.15038], [1.1039]]');
    assert.equal(await evaluate(dc, 'hidden.a', top), '[[0.99, 0.95]]');
    assert.equal(await evaluate(dc, 'loss', top), '0.675122');
    assert.equal(await evaluate(dc, 'epoch + batch', top), '2');
    assert.equal(await evaluate(dc, 'layer', top), '"output"');
    const hover = await dc.evaluateRequest({ expression: 'hidden', context: 'hover', frameId: top });
    assert.match(hover.body.result, /^2→2 linear · ‖W‖/);
    assert.ok(hover.body.variablesReference > 0);
    // Set W[1][0] of the output layer through the Variables view: the engine uses it from here.
    const scopes = (await dc.scopesRequest({ frameId: top })).body.scopes;
    const W = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables[0];
    const rows = (await dc.variablesRequest({ variablesReference: W.variablesReference })).body.variables;
    const set = await dc.setVariableRequest({
      variablesReference: rows[1].variablesReference,
      name: '[0]',
      value: '0.5',
    });
    assert.equal(set.body.value, '0.5');
    assert.equal(await evaluate(dc, 'W[1][0]', top), '0.5');
    await assert.rejects(
      dc.setVariableRequest({ variablesReference: scopes[1].variablesReference, name: 'a', value: '1' }),
      /only entries of a layer’s W and b/,
    );
  }));

test('hostile and broken expressions are answered with errors, never a crash', () =>
  withClient(async (dc) => {
    const { frames } = await launchStopped(dc, { model: worked });
    const frameId = frames[0].id;
    for (const expression of [
      'constructor.constructor("return process")()',
      '__proto__',
      'W.__proto__',
      'hidden.constructor',
      'prototype',
      '('.repeat(5000) + '1' + ')'.repeat(5000),
      '1 + '.repeat(25_000) + '1',
      'norm(',
      '1 +* 2',
    ]) {
      await assert.rejects(
        dc.evaluateRequest({ expression, frameId, context: 'repl' }),
        Error,
        expression.slice(0, 40),
      );
    }
    await assert.rejects(dc.evaluateRequest({ expression: '1 +* 2', frameId, context: 'repl' }), /column \d+/);
    // Still answering.
    assert.equal(await evaluate(dc, '1 + 2 * 3', frameId), '7');
  }));

test('conditions, hit counts and logpoints; a condition that cannot be evaluated stops once and says why', () =>
  withClient(async (dc) => {
    const logged: string[] = [];
    dc.on('output', (event: DebugProtocol.OutputEvent) => {
      if (event.body.category === 'console') logged.push(event.body.output);
    });
    // xor: one batch an epoch. Stop at the update of step 5 only; log every loss; a bad condition on data:.
    const { event, frames, placed } = await launchStopped(dc, { model: xor, stopOnEntry: false }, [
      { line: 14, condition: 'step == 5' },
      { line: 13, logMessage: 'step {step} loss {loss}' },
      { line: 16, condition: 'nosuchname > 1' },
    ]);
    const [update, , badCondition] = placed!.body.breakpoints;
    // The bad condition is met first, at the first batch start: it stops once, saying why.
    assert.deepEqual(event.body.hitBreakpointIds, [badCondition.id]);
    assert.match(event.body.description!, /nosuchname/);
    assert.equal(frames[0].name, 'batch 1/1');
    const stop = await stopAfter(dc, () => dc.continueRequest(THREAD));
    assert.deepEqual(stop.event.body.hitBreakpointIds, [update.id]);
    assert.equal(await evaluate(dc, 'step', stop.frames[0].id), '5');
    assert.equal(logged.length, 5);
    assert.match(logged[0], /^step 1 loss 0\.\d+\n$/);
    // Hit counts: the loss line every 3rd time from here.
    const again = await dc.setBreakpointsRequest({
      source: { path: xor },
      breakpoints: [{ line: 13, hitCondition: '% 3' }],
    });
    const hits: string[] = [];
    for (let i = 0; i < 2; i++) {
      const next = await stopAfter(dc, () => dc.continueRequest(THREAD));
      assert.deepEqual(next.event.body.hitBreakpointIds, [again.body.breakpoints[0].id]);
      hits.push(await evaluate(dc, 'step', next.frames[0].id));
    }
    assert.deepEqual(hits, ['8', '11']);
    // A condition that does not parse is refused when set, with the reason.
    const refused = await dc.setBreakpointsRequest({
      source: { path: xor },
      breakpoints: [{ line: 13, condition: 'loss >' }],
    });
    assert.equal(refused.body.breakpoints[0].verified, false);
    assert.match(refused.body.breakpoints[0].message!, /condition/);
  }));
