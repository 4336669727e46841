// The examples for batch norm, residual connections and dropout teach what their comments promise, each beside
// the same net without the layer type.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { loadModelFile, parseModelText } from '../../src/model';
import type { EpochSummary } from '../../src/protocol';

function run(text: string, file: string): TrainingSession {
  const { model, errors } = parseModelText(text, file);
  assert.deepEqual(errors, []);
  const session = new TrainingSession(model!);
  session.step('run');
  return session;
}

const example = (name: string) => readFileSync(`examples/${name}.nn.yaml`, 'utf8');
const last = (session: TrainingSession): EpochSummary => session.epochs[session.epochs.length - 1];
const vanishing = (session: TrainingSession) => session.diagnostics.filter((d) => d.code === 'vanishing');

test('batch norm makes the vanishing example train: same stack, data and learning rate', () => {
  const plain = run(example('vanishing'), 'vanishing.nn.yaml');
  const normed = run(example('batchnorm'), 'batchnorm.nn.yaml');
  assert.ok(last(plain).accuracy! < 0.6 && last(plain).loss > 0.65);
  assert.ok(last(normed).accuracy! >= 0.85, `accuracy ${last(normed).accuracy}`);
  assert.ok(last(normed).loss < 0.4, `loss ${last(normed).loss}`);
  assert.deepEqual(vanishing(normed), []);
});

test('residual blocks train the deep sigmoid stack where the plain stack, run as long, stays at chance', () => {
  const residual = run(example('residual'), 'residual.nn.yaml');
  assert.ok(last(residual).accuracy! >= 0.95, `accuracy ${last(residual).accuracy}`);
  assert.deepEqual(vanishing(residual), []);
  const plain = run(
    example('vanishing').replace('lr: 0.5', 'lr: 0.1').replace('epochs: 20', 'epochs: 200'),
    'vanishing.nn.yaml',
  );
  assert.ok(last(plain).accuracy! < 0.6);
  assert.ok(vanishing(plain).length > 0);
});

test('dropout: the held-out loss stays far below the same net without it', () => {
  const dropped = run(example('dropout'), 'dropout.nn.yaml');
  const overfit = run(example('dropout').replaceAll('rate: 0.5', 'rate: 0'), 'dropout.nn.yaml');
  assert.ok(last(overfit).loss < 0.01 && last(dropped).loss > last(overfit).loss);
  assert.ok(last(dropped).validationLoss! < last(overfit).validationLoss! / 2);
  assert.ok(last(dropped).validationAccuracy! >= last(overfit).validationAccuracy!);
});

test('cnn-shapes: conv → BatchNorm2d → relu → pool, twice, names generated bars, crosses and circles: ≥ 95% validation accuracy', (t) => {
  const { model, errors } = loadModelFile('examples/cnn-shapes.nn.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual([model!.train.inputs.length, model!.validation?.inputs.length], [900, 300]);
  const session = new TrainingSession(model!, { traceLevel: 'off' });
  session.step('run');
  t.diagnostic(`validation accuracy ${last(session).validationAccuracy} after ${model!.training.epochs} epochs`);
  assert.ok(last(session).validationAccuracy! >= 0.95, `validation accuracy ${last(session).validationAccuracy}`);
  assert.deepEqual(session.diagnostics, []);
});

test('the new examples load from disk like the others', () => {
  for (const name of ['batchnorm', 'residual', 'dropout', 'cnn-shapes'])
    assert.deepEqual(loadModelFile(`examples/${name}.nn.yaml`).errors, [], name);
});
