// Hostile and careless command lines: help and version, unknown and misplaced flags, values past the
// file's own limits, and training that breaks down (which must never be reported as success).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'backprop-hostile-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function backprop(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('backprop --help and no arguments print the usage on stdout and exit 0', () => {
  for (const args of [['--help'], ['-h'], []]) {
    const { code, stdout, stderr } = backprop(...args);
    assert.equal(code, 0);
    assert.equal(stderr, '');
    assert.match(stdout, /^Usage: backprop <command> FILE \[options\]/);
    assert.match(stdout, /train FILE \[--epochs N\] \[--json\]/);
    assert.match(stdout, /3 training stopped because a number became NaN or Infinity/);
  }
});

test('backprop train --help describes the command’s own options on stdout', () => {
  const { code, stdout } = backprop('train', '--help');
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: backprop train FILE \[--epochs N\] \[--json\]\n/);
  assert.match(stdout, /--epochs N +train for N epochs instead of training\.epochs \(1 to 10000000\)/);
  assert.doesNotMatch(stdout, /--steps/);
});

test('backprop --version prints the package version', () => {
  const { code, stdout } = backprop('--version');
  assert.equal(code, 0);
  assert.equal(stdout, `${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`);
});

test('unknown flags and flags of another command are rejected with a usage line, exit 2', () => {
  const cases: [string[], string][] = [
    [['train', 'examples/xor.nn.yaml', '--fast'], "backprop: unknown option '--fast' for train"],
    [
      ['check', 'examples/xor.nn.yaml', '--epochs', '3'],
      'backprop: check does not take --epochs (it is an option of train)',
    ],
    [
      ['train', 'examples/xor.nn.yaml', '--steps', '3'],
      'backprop: train does not take --steps (it is an option of trace)',
    ],
    [['train', 'examples/xor.nn.yaml', '--json=yes'], 'backprop: --json takes no value'],
    [['trace', 'examples/xor.nn.yaml', '--steps'], 'backprop: --steps needs a value'],
    [
      ['trace', 'examples/xor.nn.yaml', '--steps', '-1'],
      "backprop: --steps needs a value; write --steps=VALUE for a value that starts with '-'",
    ],
    [['train', 'a.nn.yaml', 'b.nn.yaml'], "backprop: unexpected argument 'b.nn.yaml'"],
    [['--fast'], "backprop: unknown option '--fast' (the command comes first)"],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = backprop(...args);
    assert.equal(code, 2, args.join(' '));
    assert.equal(stdout, '');
    const [first, usage] = stderr.split('\n');
    assert.equal(first, message);
    assert.match(usage, /^Usage: backprop /);
  }
});

test('--epochs and --steps obey the same cap as training.epochs in a file', () => {
  for (const [command, flag] of [
    ['train', '--epochs'],
    ['trace', '--steps'],
  ]) {
    for (const value of ['10000001', '100000000', '0', '-1', '1e3', 'many']) {
      const { code, stderr } = backprop(command, 'examples/xor.nn.yaml', `${flag}=${value}`);
      assert.equal(code, 2, `${flag} ${value}`);
      assert.equal(stderr.split('\n')[0], `backprop: ${flag} needs a whole number from 1 to 10000000, got '${value}'`);
    }
  }
});

test('train keeps its history bounded: past 10,000 epochs the loss series is thinned and says its stride', () => {
  const { code, stdout } = backprop('train', 'examples/xor.nn.yaml', '--epochs', '20001', '--json');
  assert.equal(code, 0);
  const result = JSON.parse(stdout);
  assert.equal(result.status, 'finished');
  assert.equal(result.epochs, 20001);
  assert.ok(result.loss.length <= 10_001, `${result.loss.length} points`);
  // loss[i] is the loss of epoch i·epochStride + 1, through the last one.
  assert.ok(result.epochStride >= 2);
  assert.equal((result.loss.length - 1) * result.epochStride + 1, 20001);
});

// Weights of 1e300 times an input of 1e10 overflow z in the first forward pass.
const EXPLODING = `input: 1
layers:
  - name: hidden
    units: 1
    weights: [[1e300]]
  - units: 1
    weights: [[1e300]]
loss: mse
data: {inputs: [[1e10]], targets: [[1]]}
`;

const STOP = {
  reason: 'non_finite',
  value: 'Infinity',
  layer: 0,
  layerName: 'hidden',
  quantity: 'z = a_prev·W + b',
  epoch: 0,
  batch: 0,
  step: 0,
  message: "Training stopped: hidden's z = a_prev·W + b became Infinity at epoch 1, batch 1.",
};

test('a training fault is never success: train, trace and check --json exit 3 with status "stopped" and where', () => {
  const file = join(dir, 'exploding.nn.yaml');
  writeFileSync(file, EXPLODING);
  for (const command of ['train', 'trace', 'check']) {
    const { code, stdout } = backprop(command, file, '--json');
    assert.equal(code, 3, command);
    const result = JSON.parse(stdout);
    assert.equal(result.status, 'stopped', command);
    const { hint, ...stop } = result.stop;
    assert.deepEqual(stop, STOP, command);
    assert.match(hint, /Lower the learning rate/);
  }
  // The trace shows the overflowing step: its nulls stand for Infinity, as `stop.value` says.
  const [step] = JSON.parse(backprop('trace', file, '--json').stdout).steps;
  assert.deepEqual(step.layers[0].z, [[null]]);
});

test('a training fault in text mode also exits 3 and says where training stopped', () => {
  const file = join(dir, 'exploding-text.nn.yaml');
  writeFileSync(file, EXPLODING);
  const trained = backprop('train', file);
  assert.equal(trained.code, 3);
  assert.match(trained.stdout, /Stopped early in [\d.]+ s/);
  assert.match(trained.stdout, /Training stopped: hidden's z = a_prev·W \+ b became Infinity at epoch 1, batch 1\./);
  const checked = backprop('check', file);
  assert.equal(checked.code, 3);
  assert.match(checked.stderr, /^backprop: Training stopped: hidden's z/);
});

test('check on a network too deep to check in seconds says so instead of running for minutes', () => {
  const file = join(dir, 'deep.nn.yaml');
  const layers = '  - {units: 44, activation: tanh}\n'.repeat(1000);
  writeFileSync(
    file,
    `input: 2\nlayers:\n${layers}loss: mse\ndata: {inputs: [[1, 2]], targets: [[${Array(44).fill(0).join(', ')}]]}\n`,
  );
  const { code, stderr } = backprop('check', file);
  assert.equal(code, 2);
  assert.equal(stderr.split(': layers: ')[0], `${file}:3:5`);
  assert.match(stderr, /: layers: 1000 layers are too many to check by finite differences in seconds/);
});
