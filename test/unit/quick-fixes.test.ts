// Each quick fix's edit on block and flow YAML: the exact text after applying it, and that it still parses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText } from '../../src/model';
import {
  applyEdits,
  cancelledBiasFix,
  didYouMean,
  didYouMeanFix,
  trainingFixes,
  type QuickFix,
} from '../../src/extension/quickFixEdits';
import type { DiagnosticCode } from '../../src/protocol';

const lines = (...text: string[]) => text.join('\n') + '\n';

/** The one fix titled `title` for a warning on `line`, applied. */
function fixed(text: string, code: DiagnosticCode, line: number, title: RegExp, message = ''): string {
  const fix = trainingFixes(text, code, line, message).find((f) => title.test(f.title));
  assert.ok(fix, `no fix ${title} in ${trainingFixes(text, code, line, message).map((f) => f.title)}`);
  return applyEdits(text, fix.edits);
}

function titles(text: string, code: DiagnosticCode, line = 0, message = ''): string[] {
  return trainingFixes(text, code, line, message).map((f) => f.title);
}

/** Each offered fix's title and whether it is the preferred one, in the order offered. */
function titlesAndPreferred(text: string, code: DiagnosticCode, line: number): [string, boolean | undefined][] {
  return trainingFixes(text, code, line).map((f) => [f.title, f.isPreferred]);
}

/** The 0-based line of `text` that is exactly `lineText`. */
function lineOf(text: string, lineText: string): number {
  const line = text.split('\n').indexOf(lineText);
  assert.ok(line >= 0, `no line ${JSON.stringify(lineText)}`);
  return line;
}

function assertParses(text: string): void {
  const { errors } = parseModelText(text, 'fixed.nn.yaml', { workspaceRoot: '.' });
  assert.deepEqual(
    errors.map((e) => e.message),
    [],
  );
}

/** `fixed`, after checking the result still parses. */
function fixedAndParsed(text: string, code: DiagnosticCode, line: number, title: RegExp): string {
  const result = fixed(text, code, line, title);
  assertParses(result);
  return result;
}

const blockModel = lines(
  'input: [x, y]',
  'layers:',
  '  - name: h1',
  '    units: 4',
  '    activation: sigmoid   # squashes',
  '  - name: h2',
  '    units: 4',
  '    activation: tanh',
  '    init: zeros',
  '  - name: out',
  '    units: 1',
  '    activation: sigmoid',
  'loss: binary_cross_entropy',
  'optimizer:',
  '  type: sgd',
  '  lr: 0.1  # step size',
  'data:',
  '  inputs: [[0, 0], [1, 1]]',
  '  targets: [[0], [1]]',
);

const flowModel = lines(
  'input: [x, y]',
  'layers:',
  '  - {name: h1, units: 4, activation: sigmoid}',
  '  - {name: h2, units: 4, activation: tanh, init: zeros}',
  '  - {name: out, units: 1, activation: sigmoid}',
  'loss: binary_cross_entropy',
  'optimizer: {type: adam, lr: 1e-3}',
  'data: {inputs: [[0, 0], [1, 1]], targets: [[0], [1]]}',
);

test('both example models parse before any fix', () => {
  assertParses(blockModel);
  assertParses(flowModel);
});

// ── Did you mean ──

test('did-you-mean reads both wordings of src/model/issues.ts', () => {
  assert.deepEqual(didYouMean("layers[0].unit: unknown key (did you mean 'units'?)"), { from: 'unit', to: 'units' });
  assert.deepEqual(didYouMean("optimzer: unknown key (did you mean 'optimizer'?)"), {
    from: 'optimzer',
    to: 'optimizer',
  });
  assert.deepEqual(
    didYouMean(
      "layers[0].activation: 'sigmoidal' is not one of: linear, sigmoid, tanh, relu, leaky_relu, elu, softmax",
    ),
    { from: 'sigmoidal', to: 'sigmoid' },
  );
  assert.deepEqual(didYouMean("loss: 'msee' is not one of: mse, mae, huber, cross_entropy, binary_cross_entropy"), {
    from: 'msee',
    to: 'mse',
  });
  assert.deepEqual(didYouMean("layers[0].activation: 'lineer' is not one of: linear, relu (did you mean 'linear'?)"), {
    from: 'lineer',
    to: 'linear',
  });
  assert.equal(didYouMean('layers[0].zzz: unknown key'), undefined);
  assert.equal(didYouMean("loss: 'banana' is not one of: mse, mae"), undefined);
});

/** The did-you-mean fix for the problem the real parser reports on `text`, at its line:col. */
function didYouMeanFixed(text: string): { title: string; text: string } {
  const { errors } = parseModelText(text, 'typo.nn.yaml', { workspaceRoot: '.' });
  // A misspelling can cause other errors too (a layer left without its activation is linear); the fix belongs to
  // the misspelling.
  const misspelled = errors.filter((e) => didYouMean(e.message));
  assert.equal(misspelled.length, 1, errors.map((e) => e.message).join('\n'));
  const [issue] = misspelled;
  const lineStart =
    text
      .split('\n')
      .slice(0, issue.line - 1)
      .join('\n').length + (issue.line > 1 ? 1 : 0);
  const start = lineStart + issue.col - 1;
  const fix = didYouMeanFix(text, start, start, issue.message) as QuickFix;
  assert.ok(fix, issue.message);
  assert.equal(fix.isPreferred, true);
  return { title: fix.title, text: applyEdits(text, fix.edits) };
}

test('did-you-mean fixes a misspelled value, block and flow', () => {
  const block = didYouMeanFixed(blockModel.replace('activation: tanh', 'activation: lineer'));
  assert.equal(block.title, "Change to 'linear'");
  assert.equal(block.text, blockModel.replace('activation: tanh', 'activation: linear'));

  const flow = didYouMeanFixed(flowModel.replace('activation: tanh', 'activation: sigmoidd'));
  assert.equal(flow.title, "Change to 'sigmoid'");
  assert.equal(flow.text, flowModel.replace('activation: tanh', 'activation: sigmoid'));

  const loss = didYouMeanFixed(blockModel.replace('loss: binary_cross_entropy', 'loss: binary_cross_entropi'));
  assert.equal(loss.text, blockModel);
});

test('did-you-mean fixes a misspelled key, block and flow', () => {
  const block = didYouMeanFixed(blockModel.replace('    activation: sigmoid\n', '    activaton: sigmoid\n'));
  assert.equal(block.title, "Change to 'activation'");
  assert.equal(block.text, blockModel);

  const flow = didYouMeanFixed(flowModel.replace('units: 1, activation', 'units: 1, activatoin'));
  assert.equal(flow.text, flowModel);

  const top = didYouMeanFixed(blockModel.replace('optimizer:', 'optimzer:'));
  assert.equal(top.title, "Change to 'optimizer'");
  assert.equal(top.text, blockModel);
});

test('did-you-mean replaces the word inside JSON quotes', () => {
  const json = '{\n  "loss": "msee"\n}\n';
  const start = json.indexOf('"msee"');
  const fix = didYouMeanFix(json, start, start + 6, "loss: 'msee' is not one of: mse, mae") as QuickFix;
  assert.equal(applyEdits(json, fix.edits), '{\n  "loss": "mse"\n}\n');
});

test('did-you-mean only replaces a whole word', () => {
  const text = 'loss: mseee\n';
  assert.equal(didYouMeanFix(text, 6, 11, "loss: 'mse' is not one of: mae"), undefined);
});

// ── Halve the learning rate ──

test('loss_rising halves a block-style lr, keeping its comment', () => {
  const line = lineOf(blockModel, 'optimizer:');
  assert.deepEqual(titles(blockModel, 'loss_rising', line), ['Halve the learning rate (0.1 → 0.05)']);
  assert.equal(fixed(blockModel, 'loss_rising', line, /Halve/), blockModel.replace('lr: 0.1', 'lr: 0.05'));
});

test('loss_rising halves a flow-style lr, keeping exponent notation', () => {
  assert.equal(fixed(flowModel, 'loss_rising', 6, /Halve/), flowModel.replace('lr: 1e-3', 'lr: 5e-4'));
});

test('halving with no lr written adds half the optimizer default', () => {
  const flow = flowModel.replace('{type: adam, lr: 1e-3}', '{type: rmsprop}');
  assert.equal(
    fixed(flow, 'loss_rising', 6, /0\.01 → 0\.005/),
    flowModel.replace('{type: adam, lr: 1e-3}', '{type: rmsprop, lr: 0.005}'),
  );

  const plain = flowModel.replace('{type: adam, lr: 1e-3}', 'adam  # fast');
  assert.equal(
    fixedAndParsed(plain, 'loss_rising', 6, /0\.001 → 0\.0005/),
    flowModel.replace('{type: adam, lr: 1e-3}', '{type: adam, lr: 0.0005}  # fast'),
  );

  const block = blockModel.replace('  lr: 0.1  # step size\n', '');
  const blockFixed = fixed(block, 'loss_rising', 13, /Halve/);
  assert.equal(blockFixed, blockModel.replace('  lr: 0.1  # step size\n', '  lr: 0.0005\n'));

  const none = blockModel.replace('optimizer:\n  type: sgd\n  lr: 0.1  # step size\n', '');
  assert.equal(
    fixedAndParsed(none, 'loss_rising', 12, /Halve/),
    none.replace('loss: binary_cross_entropy\n', 'loss: binary_cross_entropy\noptimizer: {type: sgd, lr: 0.0005}\n'),
  );
});

test('update_ratio offers halving only for large updates', () => {
  const large =
    'Updates in h1 are large: ‖ΔW‖/‖W‖ = 0.5 per step (healthy is about 1e-3). Try: Lower the learning rate.';
  const tiny = 'Updates in h1 are tiny: ‖ΔW‖/‖W‖ = 1e-7 per step (healthy is about 1e-3), so it learns slowly.';
  assert.deepEqual(titles(flowModel, 'update_ratio', 2, large), ['Halve the learning rate (1e-3 → 5e-4)']);
  assert.deepEqual(titles(flowModel, 'update_ratio', 2, tiny), []);
});

// ── Gradient clipping ──

test('exploding adds clip after optimizer (block), preferred over halving', () => {
  assert.deepEqual(titlesAndPreferred(blockModel, 'exploding', 2), [
    ['Add gradient clipping (clip: {norm: 1})', true],
    ['Halve the learning rate (0.1 → 0.05)', false],
  ]);
  assert.equal(
    fixedAndParsed(blockModel, 'exploding', 2, /clip/),
    blockModel.replace('  lr: 0.1  # step size\n', '  lr: 0.1  # step size\nclip: {norm: 1}\n'),
  );
});

test('exploding adds clip after optimizer (flow)', () => {
  assert.equal(
    fixedAndParsed(flowModel, 'exploding', 2, /clip/),
    flowModel.replace('lr: 1e-3}\n', 'lr: 1e-3}\nclip: {norm: 1}\n'),
  );
});

test('exploding replaces an existing clip, block or flow', () => {
  const flow = flowModel + 'clip: {value: 5}\n';
  assert.equal(fixed(flow, 'exploding', 2, /clip/), flowModel + 'clip: {norm: 1}\n');
  const block = blockModel + 'clip:\n  value: 5\n';
  assert.equal(fixedAndParsed(block, 'exploding', 2, /clip/), blockModel + 'clip: {norm: 1}\n');
  assert.deepEqual(titles(flowModel + 'clip: {norm: 1}\n', 'exploding', 2), ['Halve the learning rate (1e-3 → 5e-4)']);
});

test('non_finite prefers halving the learning rate, then clipping', () => {
  assert.deepEqual(titlesAndPreferred(flowModel, 'non_finite', 5), [
    ['Halve the learning rate (1e-3 → 5e-4)', true],
    ['Add gradient clipping (clip: {norm: 1})', false],
  ]);
});

// ── Dead ReLU ──

test('dead_relu switches the warned layer to leaky_relu (block and flow)', () => {
  const block = blockModel.replace('activation: tanh', 'activation: relu');
  const line = lineOf(block, '  - name: h2');
  assert.deepEqual(titles(block, 'dead_relu', line), ['Use leaky_relu in h2', 'Halve the learning rate (0.1 → 0.05)']);
  assert.equal(
    fixed(block, 'dead_relu', line, /leaky/),
    blockModel.replace('activation: tanh', 'activation: leaky_relu'),
  );
  const flow = flowModel.replace('activation: tanh', 'activation: relu');
  assert.equal(fixed(flow, 'dead_relu', 3, /leaky/), flowModel.replace('activation: tanh', 'activation: leaky_relu'));
  assert.deepEqual(titles(flow, 'dead_relu', 2), ['Halve the learning rate (1e-3 → 5e-4)'], 'h1 is not relu');
});

// ── ReLU with He init ──

test('saturation switches hidden sigmoid/tanh layers to relu with He init (block), not the output layer', () => {
  assert.equal(
    fixedAndParsed(blockModel, 'saturation', 2, /relu/),
    blockModel
      .replace('    activation: sigmoid   # squashes\n', '    activation: relu   # squashes\n    init: he\n')
      .replace('    activation: tanh\n    init: zeros\n', '    activation: relu\n    init: he\n'),
  );
});

test('vanishing switches hidden sigmoid/tanh layers to relu with He init (flow)', () => {
  assert.equal(
    fixedAndParsed(flowModel, 'vanishing', 2, /relu/),
    flowModel
      .replace('{name: h1, units: 4, activation: sigmoid}', '{name: h1, units: 4, activation: relu, init: he}')
      .replace(
        '{name: h2, units: 4, activation: tanh, init: zeros}',
        '{name: h2, units: 4, activation: relu, init: he}',
      ),
  );
});

test('no relu fix when no hidden layer squashes; explicit weights get no init', () => {
  const relu = flowModel.replace(/activation: (sigmoid|tanh)(?=.*\n {2}- \{name: (h2|out))/g, 'activation: relu');
  assert.deepEqual(titles(relu.replace('tanh', 'relu'), 'saturation', 2), []);
  const withWeights = lines(
    'input: [x]',
    'layers:',
    '  - {name: h, units: 1, activation: tanh, weights: [[0.5]]}',
    '  - {name: out, units: 1, activation: linear}',
    'loss: mse',
  );
  assert.equal(
    fixed(withWeights, 'saturation', 2, /relu/),
    withWeights.replace('activation: tanh', 'activation: relu'),
  );
});

// ── Zeros init ──

test('symmetric_init replaces zeros on the warned layer: Xavier for tanh (block)', () => {
  const line = lineOf(blockModel, '  - name: h2');
  assert.deepEqual(titles(blockModel, 'symmetric_init', line), ['Use Xavier initialisation instead of zeros']);
  assert.equal(fixed(blockModel, 'symmetric_init', line, /zeros/), blockModel.replace('init: zeros', 'init: xavier'));
  assert.deepEqual(titles(blockModel, 'symmetric_init', 2), [], 'h1 has no zeros init');
});

test('symmetric_init replaces zeros: He for relu (flow, and {type: zeros})', () => {
  const relu = flowModel.replace('activation: tanh, init: zeros', 'activation: relu, init: {type: zeros}');
  assert.equal(
    fixed(relu, 'symmetric_init', 3, /He initialisation/),
    flowModel.replace('activation: tanh, init: zeros', 'activation: relu, init: {type: he}'),
  );
  assert.equal(fixed(flowModel, 'symmetric_init', 3, /Xavier/), flowModel.replace('init: zeros', 'init: xavier'));
});

test('no training fixes for a file that does not parse as YAML', () => {
  assert.deepEqual(trainingFixes('layers: [\n', 'exploding', 0), []);
});

test('a bias a batch norm cancels: the parser says so, and the fix writes bias: false (block and flow)', () => {
  const tail = ['loss: binary_cross_entropy', 'data: {inputs: [[0, 1], [1, 0]], targets: [[1], [0]]}'];
  const block = lines(
    'input: 2',
    'layers:',
    '  - name: d1',
    '    units: 3 # wide enough',
    '    bias: true',
    '  - {name: bn1, type: batchnorm, activation: relu}',
    '  - {name: out, units: 1, activation: sigmoid}',
    ...tail,
  );
  const flow = lines(
    'input: 2',
    'layers:',
    '  - {name: d1, units: 3}',
    '  - {name: bn1, type: batchnorm, activation: relu}',
    '  - {name: out, units: 1, activation: sigmoid}',
    ...tail,
  );
  for (const [text, expected] of [
    [block, block.replace('bias: true', 'bias: false')],
    [flow, flow.replace('{name: d1, units: 3}', '{name: d1, units: 3, bias: false}')],
  ]) {
    const warning = parseModelText(text, 'm.nn.yaml').errors.find((issue) => issue.severity === 'warning');
    assert.ok(warning, 'the parser warns about the cancelled bias');
    const fix = cancelledBiasFix(text, warning.message);
    assert.equal(fix?.title, 'Remove the bias of d1 (bias: false)');
    const after = applyEdits(text, fix.edits);
    assert.equal(after, expected);
    assert.deepEqual(parseModelText(after, 'm.nn.yaml').errors, [], 'no warning once fixed');
  }
  assert.equal(cancelledBiasFix(flow, 'some other warning'), undefined);
  // An unnamed layer is warned about by its default name; a residual add into its own z does not save its bias.
  const unnamed = lines(
    'input: 2',
    'layers:',
    '  - {units: 2, activation: relu}',
    '  - {units: 2, add: layer1}',
    '  - {type: batchnorm, activation: relu}',
    '  - {units: 1, activation: sigmoid}',
    ...tail,
  );
  const warning = parseModelText(unnamed, 'm.nn.yaml').errors.find((issue) => issue.severity === 'warning');
  assert.match(warning?.message ?? '', /the bias of 'layer2' is cancelled by the batch norm 'layer3'/);
  const fix = cancelledBiasFix(unnamed, warning!.message)!;
  assert.equal(
    applyEdits(unnamed, fix.edits),
    unnamed.replace('{units: 2, add: layer1}', '{units: 2, add: layer1, bias: false}'),
  );
});
