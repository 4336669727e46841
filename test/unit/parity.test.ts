// The engine against PyTorch float64 (fixtures written by scripts/torch_fixtures.py; no Python needed here):
// every z, a, δ, dW, db, weight and bias of every batch step, to 1e-9 relative.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { parseModelText } from '../../src/model';
import { Agreement, readFixtures } from './helpers/parity';

interface FixtureLayer {
  name: string;
  z: number[][];
  a: number[][];
  delta: number[][];
  dW: number[][];
  db: number[];
  weights: number[][];
  biases: number[];
}

interface Fixture {
  name: string;
  model: unknown;
  steps: { epoch: number; batch: number; loss: number; lr: number; layers: FixtureLayer[] }[];
}

const FIXTURES = 'test/fixtures/torch';
const fixtures = readFixtures<Fixture>(FIXTURES);

const comparison = new Agreement();
const { agree, agreeMatrix } = comparison;

test('there are enough fixtures to mean something', () => {
  assert.ok(fixtures.length >= 12, `${fixtures.length} fixtures`);
  assert.ok(fixtures.every((f) => f.steps.length > 0));
});

for (const fixture of fixtures) {
  test(`PyTorch parity: ${fixture.name}`, (t) => {
    comparison.reset();
    const { model, errors } = parseModelText(JSON.stringify(fixture.model), `${fixture.name}.nn.json`);
    assert.deepEqual(errors, []);
    const session = new TrainingSession(model!, { traceLevel: 'full' });
    fixture.steps.forEach((expected, s) => {
      const record = session.step('batch');
      const at = `${fixture.name} step ${s}`;
      assert.deepEqual([record.epoch, record.batch], [expected.epoch, expected.batch], `${at}: position`);
      agree(record.lr, expected.lr, `${at} lr`);
      agree(record.loss!, expected.loss, `${at} loss`);
      expected.layers.forEach((layer, k) => {
        const actual = record.layers[k];
        const where = `${at} ${layer.name}`;
        agreeMatrix(actual.z, layer.z, `${where}.z`);
        agreeMatrix(actual.a, layer.a, `${where}.a`);
        agreeMatrix(actual.delta, layer.delta, `${where}.delta`);
        agreeMatrix(actual.dW, layer.dW, `${where}.dW`);
        agreeMatrix(actual.db, [layer.db], `${where}.db`);
        agreeMatrix(actual.weights, layer.weights, `${where}.weights`);
        agreeMatrix(actual.biases, [layer.biases], `${where}.biases`);
      });
    });
    t.diagnostic(`${fixture.steps.length} steps, largest relative difference ${comparison.worst.toExponential(1)}`);
  });
}
