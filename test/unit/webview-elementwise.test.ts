// The graph's unit-to-unit edges of a norm or dropout layer: each value is scaled by its own γ, which after an image
// is its channel's (value j of a sample is channel ⌊j/(h·w)⌋; γ[j] was read past the channels, or from the wrong one).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { parameterIndex } from '../../src/engine/explainNorm';
import { parseModelText } from '../../src/model';
import { elementwiseEdgeParts } from '../../webview/elementwise';

function stepped(text: string) {
  const parsed = parseModelText(text, 'graph.nn.yaml');
  assert.ok(parsed.model, JSON.stringify(parsed.errors));
  const session = new TrainingSession(parsed.model, { traceLevel: 'full' });
  session.step('phase');
  return { record: session.trace(), model: session.modelInfo() };
}

test('a batch norm after an image scales value j by γ of its channel ⌊j/(h·w)⌋', () => {
  // Two 2×2 feature maps: values 0–3 are channel 0, 4–7 channel 1.
  const { record, model } = stepped(`input: {shape: [1, 3, 3]}
layers:
  - {name: c1, type: conv2d, filters: 2, kernel: 2}
  - {name: bn, type: batchnorm}
  - {name: out, units: 1}
loss: mse
data: {inputs: [[1, 2, 0, 0, 1, 3, 2, 0, 1], [0, 1, 2, 1, 0, 1, 3, 2, 1]], targets: [[1], [0]]}
`);
  const info = model.layers[1];
  assert.deepEqual(
    Array.from({ length: 8 }, (_, j) => parameterIndex(info, j)),
    [0, 0, 0, 0, 1, 1, 1, 1],
  );
  const trace = { ...record.layers[1], gamma: { ...record.layers[1].gamma!, data: [0.5, -3] } };
  const edges = elementwiseEdgeParts(info, trace, info.units, 4);
  assert.deepEqual(
    edges.map((edge) => edge.gamma),
    [0.5, 0.5, 0.5, 0.5, -3, -3, -3, -3],
  );
  assert.equal(edges[5].title, 'unit 5 (channel 1): normalised, then × γ[1] = -3 + β[1]');
});

test('a batch norm of features and a layer norm scale value j by γ[j]; dropout edges follow the first sample’s mask', () => {
  const { record, model } = stepped(`input: [x1, x2]
seed: 1
layers:
  - {name: d1, units: 3}
  - {name: bn, type: batchnorm}
  - {name: ln, type: layernorm}
  - {name: drop, type: dropout, rate: 0.5}
  - {name: out, units: 1}
loss: mse
data: {inputs: [[1, 2], [3, 0]], targets: [[1], [0]]}
`);
  for (const k of [1, 2]) {
    const info = model.layers[k];
    assert.deepEqual(
      [0, 1, 2].map((j) => parameterIndex(info, j)),
      [0, 1, 2],
    );
    const trace = { ...record.layers[k], gamma: { ...record.layers[k].gamma!, data: [1, 2, 3] } };
    assert.deepEqual(
      elementwiseEdgeParts(info, trace, 3, 4).map((edge) => edge.gamma),
      [1, 2, 3],
    );
  }
  const mask = record.layers[3].mask!.data!.slice(0, 3);
  const edges = elementwiseEdgeParts(model.layers[3], record.layers[3], 3, 4);
  assert.deepEqual(
    edges.map((edge) => edge.kept),
    mask.map((kept) => kept !== 0),
  );
  const kept = mask.indexOf(1);
  assert.equal(edges[kept].title, `unit ${kept}: kept, ×1/(1 − 0.5) in sample 1`);
});
