// Every bundled example parses and teaches what its comment promises.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { loadModelFile } from '../../src/model';

function trained(name: string): TrainingSession {
  const { model, errors } = loadModelFile(`examples/${name}.nn.yaml`);
  assert.deepEqual(errors, []);
  const session = new TrainingSession(model!);
  session.step('run');
  return session;
}

const last = (session: TrainingSession) => session.epochs[session.epochs.length - 1];
const codes = (session: TrainingSession) => session.diagnostics.map((d) => d.code);

test('every example parses without errors or warnings', () => {
  const files = readdirSync('examples').filter((file) => /\.nn\.(ya?ml|json)$/.test(file));
  assert.ok(files.length >= 8, files.join(', '));
  for (const file of files) assert.deepEqual(loadModelFile(`examples/${file}`).errors, [], file);
});

test('xor learns all four cases', () => {
  const session = trained('xor');
  assert.equal(last(session).accuracy, 1);
  assert.ok(last(session).loss < 0.01);
  assert.deepEqual(codes(session), []);
});

test('spiral: a softmax classifier separates three arms', () => {
  const session = trained('spiral');
  assert.ok(last(session).accuracy! > 0.95);
  assert.ok(last(session).validationAccuracy! > 0.9);
});

test('iris from the bundled CSV reaches high validation accuracy', () => {
  const session = trained('iris');
  assert.equal(session.model.train.inputs.length + session.model.validation!.inputs.length, 150);
  assert.deepEqual(session.model.inputNames, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  assert.ok(last(session).validationAccuracy! >= 0.9);
});

test('huber + L2 + clipping fits its data', () => {
  const session = trained('huber-l2-clip');
  assert.ok(last(session).loss < session.epochs[0].loss / 10);
  assert.deepEqual(session.model.clip, { value: 0.5 });
});

test('the deep sigmoid stack reports vanishing gradients in its lower layers', () => {
  const session = trained('vanishing');
  const vanishing = session.diagnostics.filter((d) => d.code === 'vanishing').map((d) => d.layerName);
  for (const name of ['s1', 's2', 's3']) assert.ok(vanishing.includes(name), vanishing.join(', '));
});

test('the badly scaled init explodes and stops cleanly', () => {
  const session = trained('exploding');
  assert.ok(codes(session).includes('exploding'));
  assert.equal(session.stopped, 'non_finite');
});

test('the frozen layer never moves while the output learns XOR', () => {
  const { model } = loadModelFile('examples/frozen.nn.yaml');
  const session = new TrainingSession(model!);
  const before = session.parameters()[0];
  session.step('run');
  assert.deepEqual(session.parameters()[0], before);
  assert.equal(last(session).accuracy, 1);
});
