// Every error message for a corpus of broken model files: the exact FILE:LINE:COL: message lines a user sees.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { formatIssue, loadModelFile } from '../../src/model';

const expected: Record<string, string[]> = {
  'batch-too-big.nn.yaml': [
    'batch-too-big.nn.yaml:8:19: training.batch: a batch of 100000 samples needs 320.0 GB for activations and deltas through these layers; use a smaller training.batch',
  ],
  'bce-without-sigmoid.nn.yaml': [
    "bce-without-sigmoid.nn.yaml:6:7: loss: binary_cross_entropy needs a sigmoid output layer, but 'out' uses tanh",
  ],
  'code-tag.nn.yaml': [
    'code-tag.nn.yaml:1:8: Unresolved tag: tag:yaml.org,2002:js/function (tags are not allowed: a model file is data, never code)',
  ],
  'cross-entropy-without-softmax.nn.yaml': [
    "cross-entropy-without-softmax.nn.yaml:8:7: loss: cross_entropy needs a softmax output layer, but 'out' uses sigmoid",
  ],
  'csv-bad-cell.nn.yaml': [
    "csv-bad-cell.nn.yaml:7:15: data.csv.path: bad-cell.csv:3:2: 'five' is not a number (column 'x2')",
  ],
  'csv-missing-column.nn.yaml': [
    "csv-missing-column.nn.yaml:7:46: data.csv.targets: column 'label' not in bad-cell.csv (it has x1, x2, y)",
  ],
  'csv-outside.nn.yaml': [
    "csv-outside.nn.yaml:7:15: data.csv.path: '../../../../etc/passwd' is outside the workspace (test/fixtures); keep data files inside it",
  ],
  'duplicate-layer-name.nn.yaml': [
    "duplicate-layer-name.nn.yaml:6:11: layers[1].name: 'hidden' is already the name of layers[0]; layer names must be unique",
  ],
  'generate-shape.nn.yaml': [
    "generate-shape.nn.yaml:1:8: input: generated 'circle' data has 2 inputs (x, y), but input is 3",
    "generate-shape.nn.yaml:6:18: data.generate: 'circle' with 2 classes has 1 target column, but the output layer has 2 units",
  ],
  'missing-csv.nn.yaml': [
    'missing-csv.nn.yaml:7:15: data.csv.path: CSV file not found: no-such-file.csv (paths are relative to the model file)',
  ],
  'missing-keys.nn.yaml': [
    "missing-keys.nn.yaml:3:5: layers[0]: missing required key 'units'",
    "missing-keys.nn.yaml:4:5: layers[1]: missing required key 'activation'",
    "missing-keys.nn.yaml:1:1: missing required key 'loss'",
  ],
  'nan-data.nn.yaml': [
    'nan-data.nn.yaml:7:21: data.inputs[1][0]: NaN is not allowed (only finite numbers)',
    'nan-data.nn.yaml:7:35: data.inputs[2][1]: Infinity is not allowed (only finite numbers)',
  ],
  'not-a-mapping.nn.json': [
    'not-a-mapping.nn.json:1:1: a model file is a mapping of keys (input, layers, loss, data, …)',
  ],
  'ragged-row.nn.yaml': [
    'ragged-row.nn.yaml:8:12: data.targets: has 2 rows but there are 3 input rows',
    'ragged-row.nn.yaml:7:20: data.inputs[1]: expected 2 numbers (one per input feature), got 1',
  ],
  'softmax-not-last.nn.yaml': [
    'softmax-not-last.nn.yaml:4:17: layers[0].activation: softmax is only allowed on the last (output) layer',
  ],
  'too-many-parameters.nn.yaml': [
    'too-many-parameters.nn.yaml:3:3: layers: the network has 1.00e+10 parameters; the limit is 1e8',
    "too-many-parameters.nn.yaml:1:8: input: generated 'spiral' data has 2 inputs (x, y), but input is 100000",
  ],
  'two-data-sources.nn.yaml': ['two-data-sources.nn.yaml:7:3: data: give only one of inputs/targets, generate'],
  'unknown-key.nn.yaml': [
    "unknown-key.nn.yaml:3:5: layers[0]: missing required key 'units'",
    "unknown-key.nn.yaml:3:5: layers[0].unit: unknown key (did you mean 'units'?)",
    'unknown-key.nn.yaml:7:5: layers[1].dropout: unknown key',
  ],
  'weights-shape.nn.yaml': [
    'weights-shape.nn.yaml:7:7: layers[0].weights: expected 3 rows (one per input of the layer), got 2',
    'weights-shape.nn.yaml:8:9: layers[0].weights[1]: expected 2 numbers (one per unit), got 3',
    'weights-shape.nn.yaml:9:13: layers[0].biases: expected 2 numbers (one per unit), got 3',
  ],
  'wrong-type.nn.json': [
    "wrong-type.nn.json:4:51: layers[0].frozen: expected true or false, got 'yes'",
    'wrong-type.nn.json:7:39: loss.delta: must be > 0, got 0',
  ],
  'wrong-type.nn.yaml': [
    "wrong-type.nn.yaml:1:8: input: expected a number, got 'two'",
    'wrong-type.nn.yaml:3:12: layers[0].units: expected a whole number, got 4.5',
    "wrong-type.nn.yaml:4:17: layers[0].activation: 'sigmoidal' is not one of: linear, sigmoid, tanh, relu, leaky_relu, elu, softmax",
    "wrong-type.nn.yaml:5:7: loss: 'msee' is not one of: mse, mae, huber, cross_entropy, binary_cross_entropy",
    'wrong-type.nn.yaml:6:29: optimizer.lr: must be > 0, got -1',
  ],
  'yaml-syntax.nn.yaml': [
    'yaml-syntax.nn.yaml:5:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ],
};

test('the corpus covers every broken file and every file has an expectation', () => {
  assert.deepEqual(readdirSync('test/fixtures/bad').sort(), Object.keys(expected).sort());
});

for (const [file, lines] of Object.entries(expected)) {
  test(`errors for ${file}`, () => {
    const result = loadModelFile(`test/fixtures/bad/${file}`, { workspaceRoot: 'test/fixtures' });
    assert.equal(result.model, undefined);
    assert.deepEqual(
      result.errors.map(formatIssue).map((line) => line.replace('test/fixtures/bad/', '')),
      lines,
    );
  });
}
