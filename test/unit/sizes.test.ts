// A model's size by each layer's type, on the digits CNN: parameters as the engine allocates them (a convolution's
// kernels, not inputs × outputs), the numbers a full trace really carries, one sample's forward work, the words
// the CLI, hover and debugger print, and the batch-memory check counting each layer's real buffers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import {
  describeNetwork,
  forwardWorkPerSample,
  layerHeadline,
  layerSizes,
  traceElements,
} from '../../src/engine/sizes';
import { loadModelFile, parseModelText } from '../../src/model';
import type { ModelSpec } from '../../src/model/types';
import type { Tensor, TraceRecord } from '../../src/protocol';

const CNN = 'examples/cnn-digits.nn.yaml';

function cnn(): ModelSpec {
  const { model, errors } = loadModelFile(CNN);
  assert.deepEqual(errors, []);
  return model!;
}

/** Every number of every tensor a full trace record carries. */
function numbersIn(record: TraceRecord): number {
  let count = 0;
  for (const layer of record.layers)
    for (const value of Object.values(layer))
      if (value && typeof value === 'object' && 'summary' in value) count += (value as Tensor).data?.length ?? 0;
  return count;
}

test('the digits CNN: parameters as the engine allocates them, and one sample’s forward work', () => {
  const model = cnn();
  const sizes = layerSizes(model);
  assert.deepEqual(
    sizes.map((layer) => [layer.name, layer.fanIn, layer.units, layer.parameters]),
    [
      ['conv1', 64, 512, 8 * 1 * 3 * 3 + 8],
      ['pool1', 512, 128, 0],
      ['flat', 128, 128, 0],
      ['out', 128, 10, 128 * 10 + 10],
    ],
  );
  const session = new TrainingSession(model, { traceLevel: 'full' });
  const record = session.trace();
  record.layers.forEach((layer, k) =>
    assert.equal(
      layer.weights.data!.length + (model.layers[k].bias ? layer.biases.data!.length : 0),
      sizes[k].parameters,
    ),
  );
  // 512 outputs × 9 kernel entries, 128 outputs × a 2×2 window, 128 copies, 128 × 10; plus 20 per activation.
  assert.deepEqual(
    sizes.map((layer) => layer.forwardWork),
    [4608, 512, 128, 1280],
  );
  assert.equal(forwardWorkPerSample(model), 4608 + 512 + 128 + 1280 + 20 * (512 + 128 + 128 + 10));
});

test('the trace size estimate covers what a full record of a batch carries, and is near it', () => {
  for (const model of [cnn(), loadModelFile('examples/xor.nn.yaml').model!]) {
    const session = new TrainingSession(model, { traceLevel: 'full' });
    session.step('batch');
    const batch = Math.min(model.training.batch, model.train.inputs.length);
    const carried = numbersIn(session.trace());
    const estimate = traceElements(model, batch);
    assert.ok(estimate >= carried && estimate <= 1.5 * carried, `${model.name}: ${estimate} for ${carried} numbers`);
  }
});

test('what the CLI, hover and debugger say of a layer: its type, shapes and parameters', () => {
  const model = cnn();
  assert.equal(
    describeNetwork(model),
    '1×8×8 → conv2d 8×8×8 relu → maxpool2d 8×4×4 → flatten 128 → 10 softmax, 1,370 parameters',
  );
  assert.deepEqual(
    model.layers.map((layer, k) => layerHeadline(layer, layerSizes(model)[k].fanIn)),
    [
      'conv2d 1×8×8 → 8×8×8 (8 filters 3×3) relu',
      'maxpool2d 8×8×8 → 8×4×4 (max 2×2) linear',
      'flatten 8×4×4 → 128 linear',
      '128→10 softmax',
    ],
  );
});

test('the batch-memory check counts each layer’s real buffers: im2col, argmax, inputs and outputs', () => {
  const text = readFileSync(CNN, 'utf8').replace('batch: 32', 'batch: 1000');
  const parsed = parseModelText(text, CNN);
  // Per sample: 64 inputs; conv1 3 × 512 + 64 + im2col and its gradient 2 × 64 × 9 + 512; pool1 3 × 128 + 512
  // + 64 (argmax, 32-bit); flat 3 × 128 + 128; out 3 × 10 + 128: 4,958 numbers.
  assert.deepEqual(
    parsed.errors.map((e) => e.message),
    [
      'training.batch: a batch of 1000 samples needs 39.7 MB for activations and deltas through these layers (the limit is 32 MB); use training.batch: 806 or less',
    ],
  );
  assert.deepEqual(parseModelText(text.replace('batch: 1000', 'batch: 806'), CNN).errors, []);
});
