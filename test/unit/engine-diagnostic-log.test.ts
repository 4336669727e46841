// The session's diagnostics stay bounded over very long runs, and a NaN/Infinity stop names its quantity and
// value as fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { DiagnosticLog } from '../../src/engine/diagnosticLog';
import { loadModelFile } from '../../src/model';
import type { DiagnosticCode, TrainingDiagnostic } from '../../src/protocol';

const raised = (code: DiagnosticCode, layer: number | null, step: number): TrainingDiagnostic => ({
  code,
  severity: 'warning',
  layer,
  message: `${code} at ${step}`,
  hint: '',
  step,
  epoch: step,
  batch: 0,
});

test('the log keeps the latest few of each kind on each layer, so a flood of one cannot push out a rare one', () => {
  const log = new DiagnosticLog(3);
  log.add(raised('vanishing', 0, 0));
  for (let step = 1; step <= 10_000; step++) log.add(raised('loss_rising', null, step));
  for (let step = 1; step <= 5; step++) log.add(raised('exploding', step % 2, 10_000 + step));
  assert.deepEqual(
    log.entries.map((d) => d.message),
    [
      'vanishing at 0',
      'loss_rising at 9998',
      'loss_rising at 9999',
      'loss_rising at 10000',
      'exploding at 10001',
      'exploding at 10002',
      'exploding at 10003',
      'exploding at 10004',
      'exploding at 10005',
    ],
  );
  assert.equal(log.reported, 10_006);
  assert.equal(log.dropped, 10_006 - 9);
});

test('readers find their place by report number after older entries have gone, and a rewind forgets the future', () => {
  const log = new DiagnosticLog(2);
  for (let step = 0; step < 6; step++) log.add(raised('loss_rising', null, step));
  const readUpTo = log.reported; // 6: a trace record has carried everything so far
  log.add(raised('loss_rising', null, 6));
  log.add(raised('dead_relu', 1, 7));
  assert.deepEqual(
    log.since(readUpTo).map((d) => d.message),
    ['loss_rising at 6', 'dead_relu at 7'],
  );
  assert.deepEqual(log.since(log.reported), []);
  log.rewindTo(7); // a snapshot taken when 7 had been reported
  assert.deepEqual(
    log.entries.map((d) => d.message),
    ['loss_rising at 5', 'loss_rising at 6'],
  );
  assert.equal(log.reported, 7);
  assert.equal(log.dropped, 5);
});

test('a NaN/Infinity stop carries its quantity and value as fields, the layer name apart', () => {
  const session = new TrainingSession(loadModelFile('examples/exploding.nn.yaml').model!);
  session.step('run');
  const stop = session.diagnostics.find((d) => d.code === 'non_finite')!;
  assert.deepEqual([stop.layer, stop.quantity, stop.value], [null, 'the loss', 'Infinity']);
  assert.match(stop.message, /^Training stopped: the loss became Infinity /);
});

test('trace records carry each diagnostic once, and step back rewinds the log to where it was', () => {
  const session = new TrainingSession(loadModelFile('examples/vanishing.nn.yaml').model!);
  const carried = [...session.trace().diagnostics];
  carried.push(...session.step('epoch').diagnostics);
  carried.push(...session.step('batch').diagnostics);
  assert.ok(carried.length > 0, 'the vanishing example warns in its fifth batch');
  assert.deepEqual(carried, session.diagnostics);
  const at = { cursor: { ...session.cursor }, diagnostics: [...session.diagnostics] };
  for (let epoch = 0; epoch < 2; epoch++) session.step('epoch');
  assert.ok(session.diagnostics.length > at.diagnostics.length, 'later epochs warn about more layers');
  while (JSON.stringify(session.cursor) !== JSON.stringify(at.cursor)) assert.ok(session.stepBack());
  assert.deepEqual(session.diagnostics, at.diagnostics);
});
