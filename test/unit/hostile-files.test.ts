// Hostile model and data files: things that are not files, files at and just past each cap, and structures
// built to be slow. Each is answered with the exact message at the right line, within loose time and memory
// guards (a regression guard on this 2-core machine kind, not a benchmark). Large inputs are generated here,
// in a temporary folder that is deleted afterwards.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatIssue, loadModelFile, parseModelText } from '../../src/model';
import { MAX_CSV_BYTES, MAX_MODEL_BYTES } from '../../src/model/files';
import { LIMITS } from '../../src/model/schema';

const dir = mkdtempSync(join(tmpdir(), 'backprop-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every answer within this much CPU time and memory, with room for a loaded machine and tsx's start-up. */
const CPU_SECONDS = 10;
const PEAK_MB = 1024;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  cpuSeconds: number;
  peakMb: number;
}

/** The CLI as users run it, with its CPU time and peak memory measured by /usr/bin/time. */
function backprop(...args: string[]): Run {
  const report = join(dir, `time-${process.hrtime.bigint()}.txt`);
  const measured = existsSync('/usr/bin/time');
  const command = [process.execPath, '--import', 'tsx', 'src/cli.ts', ...args];
  // Room for a trace of the largest batch (tens of MB of JSON); a time-out shows as a null exit code.
  const options = { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 } as const;
  const result = measured
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', report, ...command], options)
    : spawnSync(command[0], command.slice(1), options);
  const [user, system, kilobytes] = measured ? readFileSync(report, 'utf8').trim().split(/\s+/).slice(-3) : [];
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    cpuSeconds: measured ? Number(user) + Number(system) : 0,
    peakMb: measured ? Number(kilobytes) / 1024 : 0,
  };
}

function withinGuards(run: Run, what: string): void {
  assert.ok(run.cpuSeconds < CPU_SECONDS, `${what}: ${run.cpuSeconds.toFixed(1)} s of CPU`);
  assert.ok(run.peakMb < PEAK_MB, `${what}: ${Math.round(run.peakMb)} MB peak`);
}

const errorsOf = (file: string) =>
  loadModelFile(file, { workspaceRoot: dir })
    .errors.map(formatIssue)
    .map((line) => line.replace(`${dir}/`, ''));

const TINY = 'input: 2\nlayers: [{units: 1}]\nloss: mse\n';
const INLINE_DATA = `${TINY}data: {inputs: [[1, 2]], targets: [[1]]}\n`;

// --- things that are not regular files ---------------------------------------------------------

test('a model path that is a named pipe is refused without waiting for a writer', () => {
  const fifo = join(dir, 'pipe.nn.yaml');
  execFileSync('mkfifo', [fifo]);
  const run = backprop('train', fifo);
  assert.equal(run.code, 2);
  assert.equal(run.stderr, `${fifo}:1:1: the file is a named pipe, not a model file; only regular files are read\n`);
  withinGuards(run, 'fifo');
});

test('a model that is a symlink to /dev/zero is refused, not read until memory runs out', () => {
  const zero = join(dir, 'zero.nn.yaml');
  symlinkSync('/dev/zero', zero);
  const run = backprop('check', zero);
  assert.equal(run.code, 2);
  assert.equal(run.stderr, `${zero}:1:1: the file is a device, not a model file; only regular files are read\n`);
  withinGuards(run, '/dev/zero');
});

test('a folder and a socket are refused with what they are', async () => {
  mkdirSync(join(dir, 'folder.nn.yaml'));
  assert.deepEqual(errorsOf(join(dir, 'folder.nn.yaml')), [
    'folder.nn.yaml:1:1: the file is a folder, not a model file; only regular files are read',
  ]);
  const socket = join(dir, 'socket.nn.yaml');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    assert.deepEqual(errorsOf(socket), [
      'socket.nn.yaml:1:1: the file is a socket, not a model file; only regular files are read',
    ]);
  } finally {
    server.close();
  }
});

test('a symlink to a regular model file is read like the file', () => {
  writeFileSync(join(dir, 'real.nn.yaml'), INLINE_DATA);
  symlinkSync(join(dir, 'real.nn.yaml'), join(dir, 'link.nn.yaml'));
  const { model, errors } = loadModelFile(join(dir, 'link.nn.yaml'));
  assert.deepEqual(errors, []);
  assert.equal(model!.layers[0].activation, 'linear');
});

test('a CSV that is a named pipe or a device is refused at the data.csv.path line', () => {
  execFileSync('mkfifo', [join(dir, 'pipe.csv')]);
  symlinkSync('/dev/zero', join(dir, 'zero.csv'));
  for (const [csv, kind] of [
    ['pipe.csv', 'a named pipe'],
    ['zero.csv', 'a device'],
  ]) {
    const file = join(dir, 'csv-kind.nn.yaml');
    writeFileSync(file, `${TINY}data:\n  csv: {path: ${csv}, targets: [y]}\n`);
    // With the whole disk as the workspace, so the device is not first refused as a link out of it.
    const errors = loadModelFile(file, { workspaceRoot: '/' }).errors.map(formatIssue);
    assert.deepEqual(
      errors.map((line) => line.replace(`${dir}/`, '')),
      [`csv-kind.nn.yaml:5:15: data.csv.path: '${csv}' is ${kind}, not a CSV file; only regular files are read`],
    );
  }
});

// --- byte caps, just under and just over --------------------------------------------------------

/** A model of inline data exactly `bytes` long (the most expensive content per byte for the YAML parser). */
function inlineModel(bytes: number): string {
  const head = `${TINY}data:\n  inputs: [`;
  const row = '[0.123456, 0.654321], ';
  const target = '[0.5], ';
  const rows = Math.floor((bytes - head.length - 40) / (row.length + target.length));
  const text = `${head}${row.repeat(rows).slice(0, -2)}]\n  targets: [${target.repeat(rows).slice(0, -2)}]\n`;
  return text + '#'.repeat(bytes - text.length - 1) + '\n';
}

test('a model file just under the 512 KB cap trains within the guards', () => {
  const file = join(dir, 'under.nn.yaml');
  writeFileSync(file, inlineModel(MAX_MODEL_BYTES));
  assert.equal(readFileSync(file).length, MAX_MODEL_BYTES);
  const run = backprop('train', file, '--json');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).status, 'finished');
  withinGuards(run, 'model at the cap');
});

test('a model file one byte over the cap is refused before it is read, steering to a CSV', () => {
  const file = join(dir, 'over.nn.yaml');
  writeFileSync(file, inlineModel(MAX_MODEL_BYTES + 1));
  const expected = `over.nn.yaml:1:1: the file is 524,289 bytes; a model file may be at most 512 KB: put large data in a CSV next to it (data: {csv: {path: …, targets: […]}})`;
  assert.deepEqual(errorsOf(file), [expected]);
  // The editor parses text it already holds: the same cap, the same message.
  assert.equal(
    formatIssue(parseModelText(readFileSync(file, 'utf8'), file).errors[0]).replace(`${dir}/`, ''),
    expected,
  );
});

/** A CSV of `bytes` bytes: a header and rows of three numbers (466,000 of them in 8 MB, under the row limit). */
function numbersCsv(bytes: number): string {
  const header = 'a,b,y\n';
  const row = '0.12345,0.56789,1\n';
  const rows = Math.floor((bytes - header.length) / row.length);
  const text = header + row.repeat(rows);
  return text + '0'.repeat(bytes - text.length - 5) + ',1,1\n';
}

test('a CSV just under the 8 MB cap trains within the guards; one byte over is refused at its line', () => {
  writeFileSync(join(dir, 'big.csv'), numbersCsv(MAX_CSV_BYTES));
  writeFileSync(join(dir, 'big.nn.yaml'), `${TINY}data:\n  csv: {path: big.csv, targets: [y]}\n`);
  const run = backprop('train', join(dir, 'big.nn.yaml'), '--json');
  assert.equal(run.code, 0, run.stderr);
  withinGuards(run, 'CSV at the cap');

  writeFileSync(join(dir, 'big.csv'), numbersCsv(MAX_CSV_BYTES + 1));
  assert.deepEqual(errorsOf(join(dir, 'big.nn.yaml')), [
    "big.nn.yaml:5:15: data.csv.path: 'big.csv' is 8,388,609 bytes; a CSV file may be at most 8 MB",
  ]);
});

test('a CSV of more than 500,000 data rows is refused however small its rows', () => {
  for (const [rows, expected] of [
    [LIMITS.csvRows, []],
    [
      LIMITS.csvRows + 1,
      [
        'rows.nn.yaml:6:15: data.csv.path: rows.csv has more than 500,000 data rows (what loads within 1 GB); use fewer samples',
      ],
    ],
  ] as const) {
    writeFileSync(join(dir, 'rows.csv'), `a,y\n${'1,1\n'.repeat(rows)}`);
    writeFileSync(
      join(dir, 'rows.nn.yaml'),
      `input: 1\nlayers: [{units: 1}]\nloss: mse\ntraining: {batch: 100}\ndata:\n  csv: {path: rows.csv, targets: [y]}\n`,
    );
    assert.deepEqual(errorsOf(join(dir, 'rows.nn.yaml')), expected);
  }
});

// --- structures built to be slow ------------------------------------------------------------------

test('tens of thousands of unknown keys: a screenful of errors, in time linear in the file', () => {
  const keys = Array.from({ length: 40_000 }, (_, i) => `k${String(i).padStart(6, '0')}: 1\n`).join('');
  const file = join(dir, 'keys.nn.yaml');
  writeFileSync(file, INLINE_DATA + keys);
  const run = backprop('check', file);
  assert.equal(run.code, 2);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 51);
  assert.equal(lines[0], `${file}:5:1: k000000: unknown key`);
  assert.equal(lines[50], `${file}:54:1: … and 39950 more problems (showing the first 50)`);
  withinGuards(run, 'unknown keys');
});

test('a key written twice is reported at the second, however many keys there are', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: 1\n`).join('');
  const text = `${INLINE_DATA}diagnostics:\n${keys}  k7: 2\n`;
  const started = performance.now();
  const { errors } = parseModelText(text, 'dup.nn.yaml');
  assert.ok(performance.now() - started < 5000, 'duplicate keys are found in one pass');
  assert.equal(formatIssue(errors[0]), "dup.nn.yaml:20006:3: 'k7' is already a key of this mapping (line 13)");
});

test('layers: at most 1000, counted before anything else is built', () => {
  const layers = (count: number) =>
    `input: 2\nlayers:\n${'  - {units: 1}\n'.repeat(count)}loss: mse\ndata: {inputs: [[1, 2]], targets: [[1]]}\n`;
  assert.deepEqual(parseModelText(layers(LIMITS.layers), 'm.nn.yaml').errors, []);
  assert.deepEqual(parseModelText(layers(LIMITS.layers + 1), 'm.nn.yaml').errors.map(formatIssue), [
    'm.nn.yaml:3:3: layers: needs at most 1000 items',
  ]);
});

test('brackets nested past 64 are refused before parsing, at the bracket', () => {
  const text = `${INLINE_DATA}name: ${'['.repeat(250_000)}${']'.repeat(250_000)}\n`;
  const started = performance.now();
  const { errors } = parseModelText(text, 'deep.nn.yaml');
  assert.ok(performance.now() - started < 2000);
  assert.deepEqual(errors.map(formatIssue), [
    'deep.nn.yaml:5:71: brackets nested more than 64 deep; a model file needs a few levels at most',
  ]);
});

test('more than 100 aliases are refused at the 101st', () => {
  const anchors = Array.from({ length: 150 }, (_, i) => `&a${i} 1, *a${i}`).join(', ');
  const { errors } = parseModelText(`${INLINE_DATA}name: [${anchors}]\n`, 'alias.nn.yaml');
  assert.deepEqual(errors.map(formatIssue), [
    `alias.nn.yaml:5:${8 + anchors.indexOf('*a100')}: a model file may use at most 100 aliases (*name)`,
  ]);
});

// --- allocation decided before allocation -----------------------------------------------------

/** One hidden layer from `inputs` inputs: parameters = inputs·units + units. */
function wideModel(inputs: number, units: number): string {
  const row = `[${Array(inputs).fill(0.5).join(', ')}]`;
  return `input: ${inputs}\nlayers: [{units: ${units}, activation: sigmoid}]\nloss: mse\noptimizer: adam\ndata:\n  inputs: [${row}]\n  targets: [[${Array(units).fill(0).join(', ')}]]\n`;
}

test('a network at the parameter limit trains within the guards; one parameter more is refused at layers', () => {
  const file = join(dir, 'params.nn.yaml');
  writeFileSync(file, wideModel(999, 2000));
  const run = backprop('train', file);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /layer1: 999×2000 weights/);
  withinGuards(run, 'parameters at the limit');
  assert.deepEqual(parseModelText(wideModel(999, 2001), 'p.nn.yaml').errors.map(formatIssue), [
    'p.nn.yaml:2:9: layers: the network has 2,001,000 parameters; the limit is 2,000,000 (what trains within 1 GB)',
  ]);
});

test('the batch-activation limit: the largest batch trains within the guards, one sample more is refused', () => {
  // Per sample: 2 inputs + (3·1000 + 2) for the hidden layer + (3·1 + 1000) for the output = 4007 numbers.
  const model = (samples: number) =>
    `input: 2\nlayers: [{units: 1000, activation: tanh}, {units: 1, activation: sigmoid}]\nloss: binary_cross_entropy\ndata: {generate: {kind: xor, samples: ${samples}}}\n`;
  const fits = Math.floor(LIMITS.batchNumbers / 4007);
  writeFileSync(join(dir, 'batch.nn.yaml'), model(fits));
  const run = backprop('trace', join(dir, 'batch.nn.yaml'), '--json');
  assert.equal(run.code, 0, run.stderr);
  withinGuards(run, 'batch at the limit');
  assert.deepEqual(parseModelText(model(fits + 1), 'b.nn.yaml').errors.map(formatIssue), [
    `b.nn.yaml:1:1: training: a batch of ${fits + 1} samples needs 32.0 MB for activations and deltas through these layers (the limit is 32 MB); use training.batch: ${fits} or less`,
  ]);
});

test('20,000 one-hot labels for a 3-unit softmax: the class count is reported before any one-hot row is built', () => {
  const labels = Array.from({ length: 20_000 }, (_, i) => `${i % 7},${i % 5},label${i}\n`).join('');
  writeFileSync(join(dir, 'labels.csv'), `a,b,label\n${labels}`);
  const file = join(dir, 'onehot.nn.yaml');
  writeFileSync(
    file,
    'input: 2\nlayers: [{units: 3, activation: softmax}]\nloss: cross_entropy\ndata:\n  csv: {path: labels.csv, targets: [label], onehot: true}\n',
  );
  const run = backprop('train', file);
  assert.equal(run.code, 2);
  assert.equal(
    run.stderr,
    `${file}:5:36: data.csv.targets: one-hot targets have 20000 classes (20000 in 'label'), but the output layer has 3 units\n`,
  );
  withinGuards(run, 'one-hot classes');
});
