// generate: {kind: shapes}: seeded 1×size×size images of bars, crosses and circles, as a model file reads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText } from '../../src/model';
import { generateDataset, type GenerateSpec } from '../../src/model/datasets';

const SHAPES: GenerateSpec = { kind: 'shapes', samples: 300, noise: 0.1, classes: 3 };
const label = (target: number[]) => target.indexOf(1);

test('shapes are deterministic by seed, one-hot and balanced, one row of size² pixels per image', () => {
  const a = generateDataset(SHAPES, 5);
  assert.deepEqual(generateDataset(SHAPES, 5), a);
  assert.notDeepEqual(generateDataset(SHAPES, 6), a);
  assert.ok(a.inputs.every((row) => row.length === 64 && row.every(Number.isFinite)));
  assert.deepEqual(
    [0, 1, 2].map((c) => a.targets.filter((t) => label(t) === c).length),
    [100, 100, 100],
  );
  const big = generateDataset({ ...SHAPES, size: 12, classes: 2, samples: 10 }, 5);
  assert.ok(big.inputs.every((row) => row.length === 144));
  // Two classes (bars and crosses) make one 0/1 output, as the other generated datasets do.
  assert.deepEqual(
    big.targets.map((t) => t.length),
    Array(10).fill(1),
  );
});

test('without noise every pixel is in [0, 1], every image has ink, and the drawings vary', () => {
  const { inputs } = generateDataset({ ...SHAPES, noise: 0 }, 1);
  assert.ok(inputs.every((row) => row.every((v) => v >= 0 && v <= 1)));
  assert.ok(inputs.every((row) => row.some((v) => v > 0.5)));
  assert.equal(new Set(inputs.map((row) => row.join())).size, inputs.length);
});

test('shapes are not trivial: the nearest class mean, pixel by pixel, misses more than 1 in 10', () => {
  const { inputs, targets } = generateDataset({ ...SHAPES, samples: 1200, noise: 0.15 }, 3);
  const means = [0, 1, 2].map(() => new Array<number>(64).fill(0));
  for (let i = 0; i < 900; i++) inputs[i].forEach((v, k) => (means[label(targets[i])][k] += v / 300));
  let correct = 0;
  for (let i = 900; i < 1200; i++) {
    const distances = means.map((mean) => mean.reduce((sum, v, k) => sum + (v - inputs[i][k]) ** 2, 0));
    if (distances.indexOf(Math.min(...distances)) === label(targets[i])) correct++;
  }
  assert.ok(correct / 300 < 0.9, `nearest mean accuracy ${correct / 300}`);
});

const file = (input: string, generate: string) =>
  `input: ${input}\nlayers:\n  - {name: out, units: 3, activation: softmax}\nloss: cross_entropy\ndata: {generate: ${generate}}\n`;

test('a model file reads generated shapes as images, or as plain features for a dense net', () => {
  const image = parseModelText(file('{shape: [1, 6, 6]}', '{kind: shapes, size: 6, samples: 30}'), 's.nn.yaml');
  assert.deepEqual(image.errors, []);
  assert.deepEqual(
    [image.model!.inputShape, image.model!.inputSize, image.model!.inputNames],
    [[1, 6, 6], 36, undefined],
  );
  assert.deepEqual(image.model!.train.targets[2], [0, 0, 1]);
  const flat = parseModelText(file('64', '{kind: shapes, samples: 30}'), 's.nn.yaml');
  assert.deepEqual(flat.errors, []);
  assert.equal(flat.model!.train.inputs[0].length, 64);
});
