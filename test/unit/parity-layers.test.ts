// Batch norm, layer norm, dropout and residual connections against PyTorch float64 (fixtures written by
// scripts/torch_layer_fixtures.py; no Python needed here): every z, a, δ, μ, σ², x̂, running statistic, mask,
// ∂L/∂input, gradient and parameter after the update of every batch step, to 1e-9 relative.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Agreement,
  agreeNormParameters,
  readFixtures,
  replayAgainst,
  type NormParityLayer,
  type ParityFixture,
} from './helpers/parity';

interface FixtureLayer extends NormParityLayer {
  /** A dropout layer's mask, [sample][unit] of 0 and 1. */
  mask?: number[][];
}

type Fixture = ParityFixture<FixtureLayer>;

const FIXTURES = 'test/fixtures/torch-layers';
const fixtures = readFixtures<Fixture>(FIXTURES);

const comparison = new Agreement();
const { agreeMatrix } = comparison;

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
      if (actual.type === 'batchnorm' || actual.type === 'layernorm')
        agreeNormParameters(comparison, actual, layer, where);
    });
    t.diagnostic(report);
  });
}
