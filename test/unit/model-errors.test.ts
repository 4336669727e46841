// Every error message for a corpus of broken model files: the exact FILE:LINE:COL: message lines a user sees.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { formatIssue, loadModelFile } from '../../src/model';

const expected: Record<string, string[]> = {
  'alias-bomb.nn.yaml': [
    'alias-bomb.nn.yaml:6:15: *b: aliases of aliases multiply the data past 100 copies; write the values out, or put large data in a CSV',
  ],
  'batch-too-big.nn.yaml': [
    'batch-too-big.nn.yaml:8:19: training.batch: a batch of 100000 samples needs 320.0 GB for activations and deltas through these layers (the limit is 32 MB); use training.batch: 9 or less',
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
  'generate-shapes.nn.yaml': [
    'generate-shapes.nn.yaml:7:59: data.generate.classes: shapes draws 3 kinds (bar, cross, circle); use 2 or 3 classes',
    "generate-shapes.nn.yaml:7:47: data.generate.size: generated 'shapes' data are 1×8×8 images (size 8), but input is {shape: [1, 10, 10]}; write input: {shape: [1, 8, 8]} or size: 10",
  ],
  'generate-shapes-input.nn.yaml': [
    "generate-shapes-input.nn.yaml:1:8: input: generated 'shapes' data are 1×8×8 images (size 8), but input is {shape: [3, 8, 8]}; write input: {shape: [1, 8, 8]}",
  ],
  'generate-size-kind.nn.yaml': [
    'generate-size-kind.nn.yaml:6:27: data.generate.size: is only for kind: shapes (images), not moons',
  ],
  'missing-csv.nn.yaml': [
    'missing-csv.nn.yaml:7:15: data.csv.path: CSV file not found: no-such-file.csv (paths are relative to the model file)',
  ],
  'missing-keys.nn.yaml': [
    "missing-keys.nn.yaml:3:5: layers[0]: missing required key 'units'",
    "missing-keys.nn.yaml:1:1: missing required key 'loss'",
  ],
  'nan-data.nn.yaml': [
    'nan-data.nn.yaml:7:21: data.inputs[1][0]: NaN is not allowed (only finite numbers)',
    'nan-data.nn.yaml:7:35: data.inputs[2][1]: Infinity is not allowed (only finite numbers)',
  ],
  'not-a-mapping.nn.json': [
    'not-a-mapping.nn.json:1:1: a model file is a mapping of keys (input, layers, loss, data, …)',
  ],
  'residual-shapes.nn.yaml': [
    "residual-shapes.nn.yaml:4:49: layers[1].add: 'h1' has 4 units but this layer has 3; a residual connection adds activations of the same width",
    "residual-shapes.nn.yaml:5:49: layers[2].add: 'h4' is layers[3], after this one; a residual connection adds an earlier layer's activations",
    "residual-shapes.nn.yaml:6:49: layers[3].add: no layer named 'nowhere' before this one (earlier layers: h1, h2, h3)",
    'residual-shapes.nn.yaml:7:32: layers[4].add: a layer cannot add its own activations; name an earlier layer',
  ],
  'layer-type-keys.nn.yaml': [
    'layer-type-keys.nn.yaml:6:5: layers[0].rate: is only for dropout layers, not dense',
    'layer-type-keys.nn.yaml:10:5: layers[1].init: is only for dense and conv2d layers, not batchnorm',
    "layer-type-keys.nn.yaml:9:12: layers[1].units: a batchnorm layer keeps its input's width, 4; leave units out (or write 4)",
    'layer-type-keys.nn.yaml:13:5: layers[2].epsilon: is only for batchnorm and layernorm layers, not dropout',
  ],
  'layer-type-value.nn.yaml': [
    "layer-type-value.nn.yaml:4:12: layers[1].type: 'batchnrom' is not one of: dense, batchnorm, layernorm, dropout, conv2d, maxpool2d, flatten",
    'layer-type-value.nn.yaml:5:27: layers[2].rate: must be < 1, got 1',
    'layer-type-value.nn.yaml:6:33: layers[3].momentum: must be ≤ 1, got 2',
  ],
  'ragged-row.nn.yaml': [
    'ragged-row.nn.yaml:8:12: data.targets: has 2 rows but there are 3 input rows',
    'ragged-row.nn.yaml:7:20: data.inputs[1]: expected 2 numbers (one per input feature), got 1',
  ],
  'softmax-not-last.nn.yaml': [
    'softmax-not-last.nn.yaml:4:17: layers[0].activation: softmax is only allowed on the last (output) layer',
  ],
  'too-many-parameters.nn.yaml': [
    'too-many-parameters.nn.yaml:3:3: layers: the network has 1.00e+10 parameters; the limit is 2,000,000 (what trains within 1 GB)',
    "too-many-parameters.nn.yaml:1:8: input: generated 'spiral' data has 2 inputs (x, y), but input is 100000",
  ],
  'two-data-sources.nn.yaml': ['two-data-sources.nn.yaml:7:3: data: give only one of inputs/targets, generate'],
  'unknown-key.nn.yaml': [
    "unknown-key.nn.yaml:3:5: layers[0].unit: unknown key (did you mean 'units'?)",
    "unknown-key.nn.yaml:3:5: layers[0]: missing required key 'units'",
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
  'complex-key.nn.yaml': ['complex-key.nn.yaml:4:3: a key must be a plain word, not a list or a mapping'],
  'csv-is-folder.nn.yaml': [
    "csv-is-folder.nn.yaml:5:15: data.csv.path: '../hostile' is a folder, not a CSV file; only regular files are read",
  ],
  'deep-brackets.nn.yaml': [
    'deep-brackets.nn.yaml:4:71: brackets nested more than 64 deep; a model file needs a few levels at most',
  ],
  'duplicate-key.nn.yaml': ["duplicate-key.nn.yaml:5:1: 'loss' is already a key of this mapping (line 3)"],
  'generate-too-many.nn.yaml': [
    'generate-too-many.nn.yaml:6:55: data.generate.samples: 1000000 samples of 12 numbers each is more than 10,000,000 numbers (what trains within 1 GB); use at most 833333 samples',
  ],
  'huber-delta-infinite.nn.yaml': [
    'huber-delta-infinite.nn.yaml:6:10: loss.delta: Infinity is not allowed (only finite numbers)',
  ],
  'keeps-checking-csv.nn.yaml': [
    "keeps-checking-csv.nn.yaml:1:8: input: expected a number, got 'two'",
    "keeps-checking-csv.nn.yaml:6:15: data.csv.path: bad-cell.csv:3:2: 'five' is not a number (column 'x2')",
  ],
  'keeps-checking.nn.yaml': [
    "keeps-checking.nn.yaml:5:17: layers[0].activation: 'sigmoidd' is not one of: linear, sigmoid, tanh, relu, leaky_relu, elu, softmax",
    'keeps-checking.nn.yaml:8:5: layers[1].dropout: unknown key',
    'keeps-checking.nn.yaml:10:28: optimizer.lr: must be > 0, got 0',
    'keeps-checking.nn.yaml:13:19: data.targets[1][0]: NaN is not allowed (only finite numbers)',
    'keeps-checking.nn.yaml:6:27: layers[0].weights[1]: expected 2 numbers (one per unit), got 1',
    'keeps-checking.nn.yaml:12:20: data.inputs[1]: expected 2 numbers (one per input feature), got 1',
  ],
  'onehot-classes.nn.yaml': [
    "onehot-classes.nn.yaml:7:47: data.csv.targets: one-hot targets have 5 classes (5 in 'label'), but the output layer has 3 units",
  ],
  'optimizer-block-lr.nn.yaml': ["optimizer-block-lr.nn.yaml:7:7: optimizer.lr: expected a number, got 'fast'"],
  'over-indented.nn.yaml': [
    "over-indented.nn.yaml:4:6: 'activation' is indented deeper than the key above it; line it up with the keys of its mapping",
  ],
  // Image models: shapes through conv2d, maxpool2d and flatten.
  'conv-kernel-too-big.nn.yaml': [
    "conv-kernel-too-big.nn.yaml:3:50: layers[0].kernel: 5 is larger than the input's 4 columns",
  ],
  'conv-needs-image.nn.yaml': [
    'conv-needs-image.nn.yaml:3:22: layers[0].type: conv2d needs images: write input: {shape: [channels, height, width]} (input is 64 plain features)',
  ],
  'conv-same.nn.yaml': [
    'conv-same.nn.yaml:3:62: layers[0].padding: same needs stride 1 (as in PyTorch); give the padding as a number',
    'conv-same.nn.yaml:3:62: layers[0].padding: same needs an odd kernel, so that it pads both sides equally',
  ],
  'conv-stride.nn.yaml': [
    'conv-stride.nn.yaml:3:73: layers[0].stride: stride 2 does not step evenly over the rows: (4 + 2·1 − 3)/2 + 1 = 2.50 is not a whole number',
  ],
  'conv-weights.nn.yaml': [
    'conv-weights.nn.yaml:3:92: layers[0].weights[1]: expected 9 numbers (channels × kernel rows × kernel columns, 1×3×3), got 2',
    'conv-weights.nn.yaml:3:109: layers[0].biases: expected 2 numbers (one per filter), got 1',
  ],
  'pool-size.nn.yaml': [
    "pool-size.nn.yaml:3:75: layers[0].units: a conv2d layer's width follows from its input and settings; leave units out",
    'pool-size.nn.yaml:4:39: layers[1].size: stride 3 does not step evenly over the rows: (4 − 3)/3 + 1 = 1.33 is not a whole number',
    'pool-size.nn.yaml:5:53: layers[2].filters: is only for conv2d layers, not maxpool2d',
  ],
  'image-add.nn.yaml': [
    "image-add.nn.yaml:5:59: layers[2].add: 'c1' outputs 4×8×8 images but this layer outputs 16×4×4; a residual connection adds activations of the same shape",
    // Batch norm keeps the image's shape (BatchNorm2d), so adding another shape of the same size is refused too.
    "image-add.nn.yaml:6:38: layers[3].add: 'c1' outputs 4×8×8 images but this layer outputs 16×4×4; a residual connection adds activations of the same shape",
    "image-add.nn.yaml:8:22: layers[5].type: conv2d needs an image, but 'flat' outputs 256 plain values (a dense or flatten layer ends the image)",
    'image-add.nn.yaml:9:48: layers[6].kernel: is only for conv2d layers, not dense',
    // And a warning: c2's own residual add goes into its z, whose mean (bias included) the batch norm subtracts.
    "image-add.nn.yaml:5:12: layers[2].name: the bias of 'c2' is cancelled by the batch norm 'bn' right after it, which subtracts each channel's mean over the batch: its gradient is zero up to rounding. Write `bias: false` (β of 'bn' is the shift)",
  ],
};

test('the corpus covers every broken file and every file has an expectation', () => {
  assert.deepEqual(
    readdirSync('test/fixtures/bad')
      .filter((file) => /\.nn\.(yaml|json)$/.test(file))
      .sort(),
    Object.keys(expected).sort(),
  );
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
