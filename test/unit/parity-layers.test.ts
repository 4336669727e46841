// Batch norm, layer norm, dropout and residual connections against PyTorch float64 (fixtures written by
// scripts/torch_layer_fixtures.py; no Python needed here): every z, a, δ, μ, σ², x̂, running statistic, mask,
// ∂L/∂input, gradient and parameter after the update of every batch step, to 1e-9 relative.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { parseModelText } from '../../src/model';
import { Agreement, readFixtures } from './helpers/parity';
import type { LayerTrace } from '../../src/protocol';

type Rows = number[][];
interface FixtureLayer {
  name: string;
  z: Rows;
  a: Rows;
  delta: Rows;
  dW: Rows;
  db: number[];
  weights: Rows;
  biases: number[];
  mu?: Rows;
  var?: Rows;
  xhat?: Rows;
  runningMean?: Rows;
  runningVar?: Rows;
  mask?: Rows;
  gradInput?: Rows;
}

interface Fixture {
  name: string;
  model: unknown;
  steps: { epoch: number; batch: number; loss: number; layers: FixtureLayer[] }[];
}

const FIXTURES = 'test/fixtures/torch-layers';
const fixtures = readFixtures<Fixture>(FIXTURES);

const comparison = new Agreement();
const { agree, agreeMatrix } = comparison;

const asRow = (values: number[]): Rows => (values.length > 0 ? [values] : []);

test('there is a fixture for each layer type and for residuals', () => {
  const types = new Set(
    fixtures.flatMap((f) =>
      (f.model as { layers: { type?: string; add?: string }[] }).layers.map((l) =>
        l.add ? 'add' : (l.type ?? 'dense'),
      ),
    ),
  );
  for (const type of ['dense', 'batchnorm', 'layernorm', 'dropout', 'add']) assert.ok(types.has(type), type);
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
      agree(record.loss!, expected.loss, `${at} loss`);
      expected.layers.forEach((layer, k) => {
        const actual: LayerTrace = record.layers[k];
        const where = `${at} ${layer.name}`;
        agreeMatrix(actual.z, layer.z, `${where}.z`);
        agreeMatrix(actual.a, layer.a, `${where}.a`);
        agreeMatrix(actual.delta, layer.delta, `${where}.delta`);
        agreeMatrix(actual.dW, layer.dW, `${where}.dW`);
        agreeMatrix(actual.db, asRow(layer.db), `${where}.db`);
        agreeMatrix(actual.weights, layer.weights, `${where}.weights`);
        agreeMatrix(actual.biases, asRow(layer.biases), `${where}.biases`);
        for (const key of ['mu', 'var', 'xhat', 'runningMean', 'runningVar', 'mask', 'gradInput'] as const) {
          const values = layer[key];
          if (values) agreeMatrix(actual[key], values, `${where}.${key}`);
        }
        if (actual.type === 'batchnorm' || actual.type === 'layernorm') {
          agreeMatrix(actual.gamma, layer.weights, `${where}.gamma`);
          agreeMatrix(actual.dgamma, layer.dW, `${where}.dgamma`);
          agreeMatrix(actual.dbeta, asRow(layer.db), `${where}.dbeta`);
        }
      });
    });
    t.diagnostic(`${fixture.steps.length} steps, largest relative difference ${comparison.worst.toExponential(1)}`);
  });
}
