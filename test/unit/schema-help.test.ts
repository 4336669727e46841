// Completion and key documentation for *.nn.yaml, read from the generated JSON Schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText } from '../../src/model';
import { completionSite, keyDocumentation, keySuggestions, valueSuggestions } from '../../src/model/schemaHelp';

/** The completion site and the suggestions there, for text with `|` marking the cursor. */
function suggest(withCursor: string): { kind?: string; path?: (string | number)[]; suggestions: string[] } {
  const offset = withCursor.indexOf('|');
  const site = completionSite(withCursor.replace('|', ''), offset);
  if (!site) return { suggestions: [] };
  const suggestions =
    site.kind === 'key'
      ? keySuggestions(site.path, site.present).map((s) => s.key)
      : valueSuggestions(site.path).map((s) => s.value);
  return { kind: site.kind, path: site.path, suggestions };
}

test('top-level keys, without the ones already written', () => {
  const { kind, path, suggestions } = suggest('name: x\nseed: 1\nlo|');
  assert.equal(kind, 'key');
  assert.deepEqual(path, []);
  assert.ok(suggestions.includes('loss') && suggestions.includes('layers') && suggestions.includes('optimizer'));
  assert.ok(!suggestions.includes('name') && !suggestions.includes('seed') && !suggestions.includes('$schema'));
});

test('keys of a layer, in both list indentation styles and on a new list item', () => {
  for (const text of ['layers:\n  - name: h\n    un|\n', 'layers:\n- name: h\n  un|\n']) {
    const { path, suggestions } = suggest(text);
    assert.deepEqual(path, ['layers', 0]);
    assert.ok(suggestions.includes('units') && suggestions.includes('activation') && suggestions.includes('frozen'));
    assert.ok(!suggestions.includes('name'));
  }
  assert.deepEqual(suggest('layers:\n  - name: h\n    units: 2\n  - |\n').path, ['layers', 1]);
});

test('values of enum keys: activation, loss (string or mapping), optimizer type in a flow mapping, booleans', () => {
  assert.deepEqual(suggest('layers:\n  - name: h\n    activation: si|\n').suggestions, [
    'linear',
    'sigmoid',
    'tanh',
    'relu',
    'leaky_relu',
    'elu',
    'softmax',
  ]);
  assert.ok(suggest('loss: |\n').suggestions.includes('binary_cross_entropy'));
  assert.ok(suggest('loss: {type: |}\n').suggestions.includes('huber'));
  assert.ok(suggest('optimizer: {type: |, lr: 0.1}\n').suggestions.includes('adam'));
  assert.deepEqual(suggest('training:\n  shuffle: |\n').suggestions, ['true', 'false']);
});

test('keys inside a flow mapping and in nested mappings', () => {
  const flow = suggest('optimizer: {type: adam, b|}\n');
  assert.deepEqual(flow.path, ['optimizer']);
  assert.ok(flow.suggestions.includes('beta1') && !flow.suggestions.includes('type'));
  assert.deepEqual(suggest('data:\n  csv:\n    pa|\n').suggestions, ['path', 'targets', 'onehot']);
});

test('nothing is suggested in comments, inside number lists, or under unknown keys', () => {
  assert.deepEqual(suggest('# lo|\n').suggestions, []);
  assert.deepEqual(suggest('data:\n  inputs: [[0, |]]\n').suggestions, []);
  assert.deepEqual(suggest('nonsense:\n  fo|\n').suggestions, []);
});

test('every suggested key and value is accepted by the parser', () => {
  for (const { key } of keySuggestions(['optimizer'])) {
    if (key === 'type' || key === 'schedule') continue;
    const { errors } = parseModelText(
      `input: 1\nlayers: [{units: 1, activation: linear}]\nloss: mse\noptimizer: {type: sgd, ${key}: 0.5}\ndata: {inputs: [[1]], targets: [[1]]}\n`,
      'm.nn.yaml',
    );
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
      key,
    );
  }
  for (const { value } of valueSuggestions(['layers', 0, 'activation'])) {
    const { errors } = parseModelText(
      `input: 1\nlayers: [{units: 2, activation: ${value}}]\nloss: mse\ndata: {inputs: [[1]], targets: [[1, 0]]}\n`,
      'm.nn.yaml',
    );
    assert.ok(!errors.some((e) => e.message.includes('is not one of')), `${value}: ${errors.map((e) => e.message)}`);
  }
});

test('hovering a key gives its documentation and allowed values', () => {
  const text = 'name: x\nloss: mse\noptimizer:\n  type: adam\n  lr: 0.1\n';
  const lr = keyDocumentation(text, text.indexOf('lr') + 1);
  assert.deepEqual(lr?.path, ['optimizer', 'lr']);
  assert.match(lr!.description, /Learning rate/);
  assert.equal(text.slice(lr!.start, lr!.end), 'lr');
  const type = keyDocumentation(text, text.indexOf('type') + 1);
  assert.ok(type?.values.includes('rmsprop'));
  assert.equal(keyDocumentation(text, text.indexOf('adam') + 1), undefined, 'a value is not a key');
});

test('activation is optional and its hover says it defaults to linear, as a layer without one resolves', () => {
  const text =
    'input: 1\nlayers:\n  - units: 1\n    activation: relu\nloss: mse\ndata: {inputs: [[1]], targets: [[1]]}\n';
  const documentation = keyDocumentation(text, text.indexOf('activation') + 2);
  assert.match(documentation!.description, /default linear/);
  const withoutActivation = parseModelText(text.replace('    activation: relu\n', ''), 'm.nn.yaml');
  assert.deepEqual(withoutActivation.errors, []);
  assert.equal(withoutActivation.model!.layers[0].activation, 'linear');
});
