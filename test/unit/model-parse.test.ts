import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatIssue, loadModelFile, parseModelText } from '../../src/model';
import { generateDataset } from '../../src/model/datasets';
import { modelJsonSchema } from '../../scripts/gen-schema';

const minimal = `input: 2
layers:
  - units: 3
    activation: relu
  - units: 1
    activation: sigmoid
loss: binary_cross_entropy
data: {inputs: [[0, 1], [1, 0], [1, 1]], targets: [[1], [1], [0]]}
`;

test('defaults are filled in as documented', () => {
  const { model, errors } = parseModelText(minimal, 'minimal.nn.yaml');
  assert.deepEqual(errors, []);
  assert.equal(model!.name, 'minimal');
  assert.equal(model!.seed, 0);
  assert.deepEqual(
    model!.layers.map((l) => [l.name, l.init.kind, l.alpha, l.bias, l.frozen]),
    [
      ['layer1', 'he', 0.01, true, false],
      ['layer2', 'xavier', 0.01, true, false],
    ],
  );
  assert.deepEqual(model!.optimizer, {
    type: 'sgd',
    lr: 0.001,
    momentum: 0.9,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    alpha: 0.99,
    schedule: { type: 'none' },
  });
  assert.deepEqual(model!.training, { epochs: 1, batch: 3, shuffle: false });
  assert.deepEqual(model!.clip, {});
  assert.equal(model!.l2, 0);
  assert.equal(model!.diagnostics.patience, 5);
});

test('optimizer defaults follow PyTorch per type', () => {
  const lr = (type: string) => parseModelText(minimal + `optimizer: ${type}\n`, 'm.nn.yaml').model!.optimizer;
  assert.equal(lr('adam').lr, 0.001);
  assert.equal(lr('adagrad').lr, 0.01);
  assert.equal(lr('adagrad').epsilon, 1e-10);
  assert.equal(lr('rmsprop').lr, 0.01);
  const elu = parseModelText(minimal.replace('relu', 'elu'), 'm.nn.yaml').model!;
  assert.equal(elu.layers[0].alpha, 1);
});

test('the same model written as JSON resolves identically to YAML', () => {
  const yaml = parseModelText(minimal, 'same.nn.yaml').model!;
  const json = {
    input: 2,
    layers: [
      { units: 3, activation: 'relu' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
    data: {
      inputs: [
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      targets: [[1], [1], [0]],
    },
  };
  const fromJson = parseModelText(JSON.stringify(json, null, 2), 'same.nn.json').model!;
  const strip = (m: typeof yaml) => ({ ...m, file: '', layers: m.layers.map((l) => ({ ...l, range: undefined })) });
  assert.deepEqual(strip(fromJson), strip(yaml));
});

test('layer ranges point at each layer item, 1-based', () => {
  const { model } = parseModelText(minimal, 'm.nn.yaml');
  assert.deepEqual(
    model!.layers.map((l) => l.range!.start),
    [
      { line: 3, col: 5 },
      { line: 5, col: 5 },
    ],
  );
});

test('an error is reported with file, line and column', () => {
  const { errors } = parseModelText(minimal.replace('units: 3', 'units: -3'), 'bad.nn.yaml');
  assert.deepEqual(errors.map(formatIssue), ['bad.nn.yaml:3:12: layers[0].units: must be ≥ 1, got -3']);
});

test('CSV data: columns, one-hot targets in sorted label order, names', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-csv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'data.csv'), 'a,b,kind\n1,2,dog\n3,4,cat\n5,6,dog\n');
  writeFileSync(
    join(dir, 'model.nn.yaml'),
    'input: 2\nlayers: [{units: 2, activation: softmax}]\nloss: cross_entropy\ndata: {csv: {path: data.csv, targets: [kind], onehot: true}}\n',
  );
  const { model, errors } = loadModelFile(join(dir, 'model.nn.yaml'));
  assert.deepEqual(errors, []);
  assert.deepEqual(model!.train.inputs, [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  assert.deepEqual(model!.train.targets, [
    [0, 1],
    [1, 0],
    [0, 1],
  ]);
  assert.deepEqual(model!.inputNames, ['a', 'b']);
});

test('a CSV reached through a symlink out of the workspace is refused', (t) => {
  const outside = mkdtempSync(join(tmpdir(), 'backprop-outside-'));
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  writeFileSync(join(outside, 'secret.csv'), 'a,b,y\n1,2,3\n');
  const workspace = mkdtempSync(join(tmpdir(), 'backprop-ws-'));
  t.after(() => rmSync(workspace, { recursive: true, force: true }));
  mkdirSync(join(workspace, 'models'));
  symlinkSync(join(outside, 'secret.csv'), join(workspace, 'models', 'link.csv'));
  writeFileSync(
    join(workspace, 'models', 'm.nn.yaml'),
    'input: 2\nlayers: [{units: 1, activation: linear}]\nloss: mse\ndata: {csv: {path: link.csv, targets: [y]}}\n',
  );
  const { errors } = loadModelFile(join(workspace, 'models', 'm.nn.yaml'), { workspaceRoot: workspace });
  assert.match(errors[0].message, /links to a file outside the workspace/);
});

test('generated datasets are deterministic, shaped, and differ by seed', () => {
  for (const kind of ['xor', 'circle', 'spiral', 'gaussian', 'moons'] as const) {
    const spec = { kind, samples: 60, noise: 0.1, classes: kind === 'spiral' ? 3 : 2 };
    const a = generateDataset(spec, 5);
    assert.deepEqual(generateDataset(spec, 5), a, kind);
    assert.notDeepEqual(generateDataset(spec, 6), a, kind);
    assert.equal(a.inputs.length, 60);
    assert.ok(a.inputs.every((row) => row.length === 2 && row.every(Number.isFinite)));
    assert.equal(a.targets[0].length, kind === 'spiral' ? 3 : 1);
  }
});

test('a validation split is seeded, disjoint, and keeps file order', () => {
  const rows = Array.from({ length: 10 }, (_, i) => `[${i}, ${i}]`).join(', ');
  const targets = Array.from({ length: 10 }, (_, i) => `[${i}]`).join(', ');
  const text = `input: 2\nlayers: [{units: 1, activation: linear}]\nloss: mse\ndata: {inputs: [${rows}], targets: [${targets}], validation: 0.3}\n`;
  const a = parseModelText(text, 'v.nn.yaml').model!;
  assert.equal(a.validation!.inputs.length, 3);
  assert.equal(a.train.inputs.length, 7);
  const all = [...a.train.targets, ...a.validation!.targets].map((r) => r[0]).sort((x, y) => x - y);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(
    a.train.targets.map((r) => r[0]),
    [...a.train.targets.map((r) => r[0])].sort((x, y) => x - y),
  );
  assert.deepEqual(parseModelText(text, 'v.nn.yaml').model!.validation, a.validation);
});

test('the committed JSON Schema is generated from the current zod schema', () => {
  assert.equal(readFileSync('schemas/nn-model.schema.json', 'utf8'), modelJsonSchema());
});

test('a batch larger than the data is a warning, not an error', () => {
  const { model, errors } = parseModelText(minimal + 'training: {batch: 10}\n', 'w.nn.yaml');
  assert.equal(model!.training.batch, 3);
  assert.equal(errors[0].severity, 'warning');
});

test('a bias feeding straight into a batch norm is pointed out (the norm cancels it), nowhere else', () => {
  const model = (layers: string) =>
    `input: 2\nlayers:\n${layers}\n  - {name: out, units: 1, activation: sigmoid}\nloss: binary_cross_entropy\ndata: {inputs: [[0, 1], [1, 0]], targets: [[1], [0]]}\n`;
  const warnings = (layers: string) =>
    parseModelText(model(layers), 'm.nn.yaml').errors.filter((issue) => issue.severity === 'warning');
  const cancelled = warnings('  - {name: d1, units: 3}\n  - {name: bn1, type: batchnorm, activation: relu}');
  assert.equal(cancelled.length, 1);
  assert.equal(cancelled[0].line, 3);
  assert.match(cancelled[0].message, /the bias of 'd1' is cancelled by the batch norm 'bn1'.*Write `bias: false`/);
  // A nonlinearity in between, no bias, or a residual from the layer keeps the bias meaningful (or absent).
  assert.deepEqual(warnings('  - {name: d1, units: 3, activation: relu}\n  - {name: bn1, type: batchnorm}'), []);
  assert.deepEqual(warnings('  - {name: d1, units: 3, bias: false}\n  - {name: bn1, type: batchnorm}'), []);
  assert.deepEqual(
    warnings(
      '  - {name: d1, units: 3}\n  - {name: bn1, type: batchnorm, activation: relu}\n  - {name: d2, units: 3, add: d1}',
    ),
    [],
  );
});
