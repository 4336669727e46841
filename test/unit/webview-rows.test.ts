// The rows of W in the panel's tables are named by the model's inputs only where they are its inputs: the first
// dense layer's. A first convolution's rows are its filters (the digits CSV names its 64 pixels r0c0…, and the
// kernels' 8 rows were labelled r0c0…r0c7).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { loadModelFile } from '../../src/model';
import { weightRowNames } from '../../webview/format';

const infoOf = (file: string) => new TrainingSession(loadModelFile(file).model!, { traceLevel: 'off' }).modelInfo();

test('a first dense layer’s W rows are the named inputs; a first convolution’s are not', () => {
  const xor = infoOf('examples/xor.nn.yaml');
  assert.deepEqual(weightRowNames(xor, 0), xor.inputNames);
  assert.ok(xor.inputNames && xor.inputNames.length > 0);
  assert.equal(weightRowNames(xor, 1), undefined);
  const cnn = infoOf('examples/cnn-digits.nn.yaml');
  assert.equal(cnn.inputNames?.[0], 'r0c0');
  assert.equal(weightRowNames(cnn, 0), undefined);
});
