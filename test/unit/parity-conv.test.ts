// conv2d, maxpool2d, BatchNorm2d, flatten and small CNNs against PyTorch float64 (fixtures written by
// scripts/torch_conv_fixtures.py; no Python needed here): every z, a, δ, ∂L/∂input, argmax position, batch norm's
// per-channel μ, σ², x̂ and running statistics, gradient and parameter after the update of every batch step, and
// the outputs in evaluation mode (running statistics) after the last step, to 1e-9 relative.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '../../src/engine';
import { BatchNormKernel } from '../../src/engine/layers';
import { toRows } from '../../src/engine/matrix';
import { Network } from '../../src/engine/network';
import { parseModelText } from '../../src/model';
import {
  Agreement,
  agreeNormParameters,
  readFixtures,
  replayAgainst,
  type NormParityLayer,
  type ParityFixture,
} from './helpers/parity';

interface FixtureLayer extends NormParityLayer {
  /** Each pooling output's input position, c·H·W + y·W + x. */
  argmax?: number[][];
}

interface Fixture extends ParityFixture<FixtureLayer> {
  model: { layers: { type?: string }[] };
  /** The output layer's z and a for every sample in evaluation mode, after the last step. */
  evaluation: { z: number[][]; a: number[][] };
}

const FIXTURES = 'test/fixtures/torch-conv';
const fixtures = readFixtures<Fixture>(FIXTURES);

const comparison = new Agreement();
const { agree, agreeMatrix } = comparison;

test('there is a fixture for each image layer type', () => {
  const types = new Set(fixtures.flatMap((f) => f.model.layers.map((l) => l.type ?? 'dense')));
  for (const type of ['conv2d', 'maxpool2d', 'batchnorm', 'flatten', 'dense']) assert.ok(types.has(type), type);
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
      if (actual.type === 'batchnorm') {
        for (const key of ['mu', 'var', 'xhat', 'runningMean', 'runningVar'] as const)
          agreeMatrix(actual[key], layer[key]!, `${where}.${key}`);
        agreeNormParameters(comparison, actual, layer, where);
      }
    });
    t.diagnostic(report);
  });

  test(`PyTorch parity in evaluation mode: ${fixture.name}`, (t) => {
    // PyTorch's parameters and running statistics after the last step, loaded into a fresh network: its
    // evaluation pass (batch norm on the running statistics) must give PyTorch's model.eval() outputs.
    const { model } = parseModelText(JSON.stringify(fixture.model), `${fixture.name}.nn.json`);
    const count = model!.train.inputs.length;
    const network = new Network(model!, new Random(model!.seed), model!.training.batch);
    const last = fixture.steps[fixture.steps.length - 1].layers;
    network.layers.forEach((layer, k) => {
      layer.W.set(last[k].weights.flat());
      layer.b.set(last[k].biases);
      if (layer.kernel instanceof BatchNormKernel) {
        layer.kernel.runningMean.set(last[k].runningMean![0]);
        layer.kernel.runningVar.set(last[k].runningVar![0]);
      }
    });
    const { z, a } = network.predict(Float64Array.from(model!.train.inputs.flat()), count);
    comparison.reset();
    for (const [name, values, expected] of [
      ['z', z, fixture.evaluation.z],
      ['a', a, fixture.evaluation.a],
    ] as const)
      toRows(values, count, network.outputSize).forEach((row, i) =>
        row.forEach((value, j) => agree(value, expected[i][j], `${fixture.name} evaluation ${name}[${i}][${j}]`)),
      );
    t.diagnostic(`largest relative difference ${comparison.worst.toExponential(1)}`);
  });
}
