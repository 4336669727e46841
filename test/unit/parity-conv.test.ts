// conv2d, maxpool2d, flatten and small CNNs against PyTorch float64 (fixtures written by
// scripts/torch_conv_fixtures.py; no Python needed here): every z, a, δ, ∂L/∂input, argmax position, gradient
// and parameter after the update of every batch step, to 1e-9 relative.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toRows } from '../../src/engine/matrix';
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
  argmax?: Rows;
  gradInput?: Rows;
}

interface Fixture {
  name: string;
  model: { layers: { type?: string }[] };
  steps: { epoch: number; batch: number; loss: number; layers: FixtureLayer[] }[];
}

const FIXTURES = 'test/fixtures/torch-conv';
const fixtures = readFixtures<Fixture>(FIXTURES);

const comparison = new Agreement();
const { agreeMatrix } = comparison;

test('there is a fixture for each image layer type', () => {
  const types = new Set(fixtures.flatMap((f) => f.model.layers.map((l) => l.type ?? 'dense')));
  for (const type of ['conv2d', 'maxpool2d', 'flatten', 'dense']) assert.ok(types.has(type), type);
});

for (const fixture of fixtures) {
  test(`PyTorch parity: ${fixture.name}`, (t) => {
    const report = replayAgainst(fixture, comparison, (actual, layer, where) => {
      if (layer.gradInput) agreeMatrix(actual.gradInput, layer.gradInput, `${where}.gradInput`);
      // Positions are whole numbers: equal, not close.
      if (layer.argmax)
        assert.deepEqual(
          toRows(actual.argmax!.data!, actual.argmax!.rows, actual.argmax!.cols),
          layer.argmax,
          `${where}.argmax`,
        );
      if (actual.type === 'conv2d') {
        agreeMatrix(actual.kernels, layer.weights, `${where}.kernels`);
        agreeMatrix(actual.dK, layer.dW, `${where}.dK`);
        agreeMatrix(actual.featureMaps, layer.a, `${where}.featureMaps`);
      }
    });
    t.diagnostic(report);
  });
}
