// Batch norm, layer norm, dropout and residual connections against PyTorch float64 (fixtures written by
// scripts/torch_layer_fixtures.py; no Python needed here): every z, a, δ, μ, σ², x̂, running statistic, mask,
// ∂L/∂input, gradient and parameter after the update of every batch step, to 1e-9 relative.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agreement, readFixtures, replayAgainst } from './helpers/parity';

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
const { agreeMatrix } = comparison;

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
    const report = replayAgainst(fixture, comparison, (actual, layer, where) => {
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
    t.diagnostic(report);
  });
}
