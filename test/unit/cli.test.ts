// The command line as users run it: a real process, real files, exit codes and output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

function backprop(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);

test('train --json on the worked example prints the epoch loss and the updated weights', () => {
  const { code, stdout } = backprop('train', 'examples/worked-example.nn.yaml', '--epochs', '1', '--json');
  assert.equal(code, 0);
  const result = JSON.parse(stdout);
  assert.deepEqual(Object.keys(result).slice(0, 3), ['loss', 'layers', 'diagnostics']);
  assert.equal(result.loss.length, 1);
  close(result.loss[0], 0.5 * 1.162 ** 2);
  assert.equal(result.layers.length, 2);
  assert.equal(result.layers[0].weights.length, 2);
});

test('trace --json shows the slides’ gradients', () => {
  const { code, stdout } = backprop('trace', 'examples/worked-example.nn.yaml', '--steps', '1', '--json');
  assert.equal(code, 0);
  const [step] = JSON.parse(stdout).steps;
  assert.deepEqual([step.epoch, step.batch], [0, 0]);
  const [hidden, output] = step.layers;
  close(output.a[0][0], 2.162);
  [
    [4.1832, 0.9296],
    [6.2748, 1.3944],
  ].forEach((row, i) => row.forEach((v, j) => close(hidden.dW[i][j], v)));
  [[1.15038], [1.1039]].forEach((row, i) => close(output.dW[i][0], row[0]));
  assert.deepEqual([hidden.z.length, hidden.z[0].length, hidden.delta[0].length], [1, 2, 2]);
});

test('train without --json prints progress and a summary', () => {
  const { code, stdout } = backprop('train', 'examples/xor.nn.yaml');
  assert.equal(code, 0);
  assert.match(stdout, /^Training /);
  assert.match(stdout, /epoch +1\/\d+ +loss /);
  assert.match(stdout, /Done in [\d.]+ s: final loss /);
});

test('check passes on a correct model and exits 0', () => {
  const { code, stdout } = backprop('check', 'examples/xor.nn.yaml');
  assert.equal(code, 0, stdout);
  assert.match(stdout, /ok +\S+ +max relative error/);
});

test('invalid input exits 2 with FILE:LINE:COL lines and no stack trace', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'broken.nn.yaml');
  writeFileSync(
    file,
    'input: 2\nlayers:\n  - units: 0\n    activation: sigmoidd\nloss: mse\ndata: {inputs: [[1, 2]], targets: [[1]]}\n',
  );
  const { code, stderr, stdout } = backprop('train', file);
  assert.equal(code, 2);
  assert.equal(stdout, '');
  const lines = stderr.trim().split('\n');
  assert.ok(lines.length >= 2, stderr);
  for (const line of lines)
    assert.match(line, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  assert.doesNotMatch(stderr, /\n\s+at /);
});

test('a missing file and bad arguments exit 2 with a clear message', () => {
  const missing = backprop('train', 'no/such/model.nn.yaml');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no\/such\/model\.nn\.yaml/);
  const unknown = backprop('fly', 'x.nn.yaml');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'fly'/);
  const badEpochs = backprop('train', 'examples/xor.nn.yaml', '--epochs', 'many');
  assert.equal(badEpochs.code, 2);
  assert.match(badEpochs.stderr, /--epochs needs a whole number/);
});

test('output piped into a reader that stops early (| head) ends quietly', () => {
  const script = `node --import tsx src/cli.ts trace examples/xor.nn.yaml --steps 200 | head -c 50 > /dev/null`;
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', script], { encoding: 'utf8' });
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0);
});

test('check on the exploding example says which failures finite differences cannot decide, and why', () => {
  const { code, stdout } = backprop('check', 'examples/exploding.nn.yaml');
  assert.equal(code, 1);
  assert.match(stdout, /^ {2}ok {9}l1 /m);
  assert.match(stdout, /^ {2}UNRELIABLE l3 /m);
  assert.match(stdout, /^ {7}b\[11\]: analytic -20\.0049, numeric -20\.0029, relative error 1\.0e-4$/m);
  assert.match(stdout, /unreliable: the loss is 8\.7e\+6, so rounding alone/);
});
