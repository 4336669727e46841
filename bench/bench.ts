// `npm run bench`: time per training step of the engine against the plain reference in the same process,
// as ratios (machine speed cancels out). Not a test: it prints a table and the targets beside it.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { TrainingSession } from '../src/engine';
import type { ActivationName, LayerSpec, ModelSpec } from '../src/model/types';
import type { TraceLevel } from '../src/protocol';
import { ReferenceMLP } from './reference';
import { DEFAULT_THRESHOLDS, loadModelFile, optimizerSpec } from '../src/model';

interface Case {
  name: string;
  sizes: number[];
  hidden: 'relu' | 'tanh';
  softmax: boolean;
  batch: number;
  samples: number;
}

const cases: Case[] = [
  {
    name: 'W1 784-256-128-10 relu/softmax, batch 64',
    sizes: [784, 256, 128, 10],
    hidden: 'relu',
    softmax: true,
    batch: 64,
    samples: 256,
  },
  { name: 'W2 2-8-8-1 tanh, batch 4', sizes: [2, 8, 8, 1], hidden: 'tanh', softmax: false, batch: 4, samples: 16 },
  { name: 'W3 2-4-1 tanh, batch 4', sizes: [2, 4, 1], hidden: 'tanh', softmax: false, batch: 4, samples: 4 },
];

function dataset(c: Case): { inputs: number[][]; targets: number[][] } {
  let state = 7;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const inputs = Array.from({ length: c.samples }, () => Array.from({ length: c.sizes[0] }, next));
  const outputs = c.sizes[c.sizes.length - 1];
  const targets = inputs.map((_, i) =>
    c.softmax ? Array.from({ length: outputs }, (_, j) => (j === i % outputs ? 1 : 0)) : [next()],
  );
  return { inputs, targets };
}

function modelFor(c: Case): ModelSpec {
  const layers: LayerSpec[] = c.sizes.slice(1).map((units, k) => {
    const activation: ActivationName = k === c.sizes.length - 2 ? (c.softmax ? 'softmax' : 'linear') : c.hidden;
    return {
      name: `layer${k + 1}`,
      units,
      activation,
      alpha: 0.01,
      bias: true,
      init: { kind: 'xavier' },
      frozen: false,
    };
  });
  return {
    name: c.name,
    seed: 1,
    inputSize: c.sizes[0],
    layers,
    loss: { type: c.softmax ? 'cross_entropy' : 'mse' },
    optimizer: optimizerSpec('sgd', { lr: 0.01, momentum: 0 }),
    l2: 0,
    clip: {},
    training: { epochs: 1e9, batch: c.batch, shuffle: false },
    train: dataset(c),
    diagnostics: DEFAULT_THRESHOLDS,
  };
}

/** Time per call of `fn` over one round at least `roundMs` long. */
function timeRound(fn: () => void, roundMs: number): number {
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < roundMs) {
    for (let i = 0; i < 16; i++) fn();
    calls += 16;
    now = performance.now();
  }
  return (now - start) / calls;
}

/** Epochs a whole run needs to take about `roundMs`. */
function epochsForRound(c: Case, roundMs: number): number {
  const probe = new TrainingSession(modelFor(c), { traceLevel: 'summary' });
  const started = performance.now();
  probe.step('epoch');
  return Math.max(2, Math.round(roundMs / Math.max(1e-3, performance.now() - started)));
}

/** Time per batch step of one whole run (Backprop: Train) of `epochs` epochs. */
function timeRunRound(c: Case, epochs: number): number {
  const model = modelFor(c);
  const session = new TrainingSession({ ...model, training: { ...model.training, epochs } }, { traceLevel: 'summary' });
  const start = performance.now();
  session.step('run');
  return (performance.now() - start) / (epochs * Math.ceil(c.samples / c.batch));
}

const median = (values: number[]): number => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

function referenceFor(c: Case): () => void {
  const reference = new ReferenceMLP(c.sizes, c.hidden, c.softmax, c.batch, 0.01);
  const { inputs, targets } = dataset(c);
  const batches = Math.ceil(c.samples / c.batch);
  const x = Array.from({ length: batches }, (_, b) =>
    Float64Array.from(inputs.slice(b * c.batch, (b + 1) * c.batch).flat()),
  );
  const y = Array.from({ length: batches }, (_, b) =>
    Float64Array.from(targets.slice(b * c.batch, (b + 1) * c.batch).flat()),
  );
  let b = 0;
  return () => {
    reference.step(x[b], y[b]);
    b = (b + 1) % batches;
  };
}

const format = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(2)} µs`);

const VARIANTS = ['reference', 'off', 'summary', 'full', 'run'] as const;

/**
 * Times one case: the reference, each trace level, and a whole run. Rounds of the variants are interleaved
 * and each is divided by the reference round next to it, so a noisy neighbour slows both sides of a ratio.
 */
function measure(c: Case): { time: Record<string, number>; ratio: Record<string, number> } {
  const roundMs = c.sizes[0] > 100 ? 300 : 100;
  const reference = referenceFor(c);
  const sessions = Object.fromEntries(
    (['off', 'summary', 'full'] as TraceLevel[]).map((level) => [
      level,
      new TrainingSession(modelFor(c), { traceLevel: level }),
    ]),
  );
  const epochs = epochsForRound(c, roundMs);
  const rounds: Record<string, number[]> = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const ratios: Record<string, number[]> = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < 9; r++) {
    for (const variant of VARIANTS) {
      // In a run (Train, Run N Epochs) every step computes its norms, statistics and diagnostics, and a full
      // record is built only when the UI asks (about 30 times a second): this is the cost per step there.
      const time =
        variant === 'reference'
          ? timeRound(reference, roundMs)
          : variant === 'run'
            ? timeRunRound(c, epochs)
            : timeRound(() => void sessions[variant].step('batch'), roundMs);
      rounds[variant].push(time);
      ratios[variant].push(time / rounds.reference[r]);
    }
  }
  return {
    time: Object.fromEntries(VARIANTS.map((v) => [v, median(rounds[v])])),
    ratio: Object.fromEntries(VARIANTS.map((v) => [v, median(ratios[v])])),
  };
}

/**
 * The digits CNN (examples/cnn-digits.nn.yaml: conv 3×3 same ×8 → relu → maxpool 2 → flatten → dense 10
 * softmax, Adam, batch 32) per batch step: trace off, with summaries, and in a whole run (validation included).
 */
function measureCnn(): Record<string, number> {
  const { model } = loadModelFile('examples/cnn-digits.nn.yaml');
  if (!model) throw new Error('examples/cnn-digits.nn.yaml does not load');
  const sessions = Object.fromEntries(
    (['off', 'summary'] as TraceLevel[]).map((level) => [
      level,
      new TrainingSession({ ...model, training: { ...model.training, epochs: 1e9 } }, { traceLevel: level }),
    ]),
  );
  const batches = Math.ceil(model.train.inputs.length / model.training.batch);
  const run = () => {
    const session = new TrainingSession(
      { ...model, training: { ...model.training, epochs: 2 } },
      { traceLevel: 'summary' },
    );
    const start = performance.now();
    session.step('run');
    return (performance.now() - start) / (2 * batches);
  };
  for (let i = 0; i < 50; i++) for (const session of Object.values(sessions)) session.step('batch');
  const rounds: Record<string, number[]> = { off: [], summary: [], run: [] };
  for (let r = 0; r < 9; r++) {
    rounds.off.push(timeRound(() => void sessions.off.step('batch'), 200));
    rounds.summary.push(timeRound(() => void sessions.summary.step('batch'), 200));
    rounds.run.push(run());
  }
  return { off: median(rounds.off), summary: median(rounds.summary), run: median(rounds.run) };
}

// Each case runs in its own process, as each model trains in its own worker: otherwise the big case's
// garbage and the JIT's memory of its shapes slow the small ones down.
if (process.argv.includes('--cnn')) {
  console.log(JSON.stringify(measureCnn()));
  process.exit(0);
}
const only = process.argv.indexOf('--case');
if (only >= 0) {
  console.log(JSON.stringify(measure(cases[Number(process.argv[only + 1])])));
  process.exit(0);
}

const rows: string[][] = [['case', 'reference', 'trace off', 'summaries', 'full tensors', 'in a run']];
const results: Record<string, { time: Record<string, number>; ratio: Record<string, number> }> = {};
cases.forEach((c, index) => {
  const output = execFileSync(process.execPath, [...process.execArgv, process.argv[1], '--case', String(index)], {
    encoding: 'utf8',
  });
  const result: { time: Record<string, number>; ratio: Record<string, number> } = JSON.parse(
    output.trim().split('\n').pop() ?? '{}',
  );
  results[c.name] = result;
  const cell = (v: string) => `${format(result.time[v])} (${result.ratio[v].toFixed(2)}×)`;
  rows.push([c.name, format(result.time.reference), cell('off'), cell('summary'), cell('full'), cell('run')]);
});

const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
for (const row of rows) console.log(row.map((cell, col) => cell.padEnd(widths[col])).join('  '));

// The CNN against PyTorch (float64, one thread) on the same net and data, measured now, each in its own process.
const cnnName = 'CNN digits 1×8×8 conv3×3×8-pool2-dense10 Adam, batch 32';
const torchCnn: { stepMs?: number; runStepMs?: number; torch?: string; skipped?: string } = (() => {
  if (!existsSync('/usr/bin/python3')) return { skipped: '/usr/bin/python3 not found' };
  try {
    const output = execFileSync('/usr/bin/python3', ['bench/torch_cnn.py'], { encoding: 'utf8' });
    return JSON.parse(output.trim().split('\n').pop() ?? '{}');
  } catch (error) {
    return { skipped: `bench/torch_cnn.py failed: ${(error as Error).message.split('\n')[0]}` };
  }
})();
const cnn: Record<string, number> = JSON.parse(
  execFileSync(process.execPath, [...process.execArgv, process.argv[1], '--cnn'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop() ?? '{}',
);
// Stepping batch after batch crosses epoch ends, where the engine measures the loss and accuracy of the training
// and validation sets: the like-for-like PyTorch figure is its run, which does the same once per epoch.
const versus = (ms: number) => (torchCnn.runStepMs ? ` (${(ms / torchCnn.runStepMs).toFixed(2)}×)` : '');
const cnnRows = [
  ['case', 'PyTorch f64, 1 thread: step / in a run', 'trace off', 'summaries', 'in a run'],
  [
    cnnName,
    torchCnn.stepMs && torchCnn.runStepMs
      ? `${format(torchCnn.stepMs)} / ${format(torchCnn.runStepMs)} (torch ${torchCnn.torch})`
      : `skipped: ${torchCnn.skipped}`,
    format(cnn.off) + versus(cnn.off),
    format(cnn.summary) + versus(cnn.summary),
    format(cnn.run) + versus(cnn.run),
  ],
];
const cnnWidths = cnnRows[0].map((_, col) => Math.max(...cnnRows.map((row) => row[col].length)));
console.log('');
for (const row of cnnRows) console.log(row.map((cell, col) => cell.padEnd(cnnWidths[col])).join('  '));

const w1 = results[cases[0].name];
const w2 = results[cases[1].name];
const w3 = results[cases[2].name];
console.log('\nTargets:');
console.log(`  W1 with summaries within 1.2× of the blocked reference: ${w1.ratio.summary.toFixed(2)}×`);
// The "under 5 µs" was set on a machine where this reference took about 3 µs: 5/3 of the reference.
console.log(
  `  W2 with summaries under 5 µs/step (≈ 1.67× of a 3 µs reference): ${format(w2.time.summary)} ` +
    `(${w2.ratio.summary.toFixed(2)}×) with a record every step, ${format(w2.time.run)} (${w2.ratio.run.toFixed(2)}×) in a run`,
);
console.log(`  2-4-1 full tensors under 2× of trace off: ${(w3.ratio.full / w3.ratio.off).toFixed(2)}×`);
console.log(
  torchCnn.runStepMs
    ? `  Digits CNN in a run faster than single-thread PyTorch float64 in a run (under 1×): ${(cnn.run / torchCnn.runStepMs).toFixed(2)}×`
    : `  Digits CNN against PyTorch: skipped (${torchCnn.skipped})`,
);

if (existsSync('dist/cli.js') && existsSync('examples/xor.nn.yaml')) {
  const start = performance.now();
  execFileSync(process.execPath, ['dist/cli.js', 'train', 'examples/xor.nn.yaml', '--epochs', '5000', '--json'], {
    stdio: 'ignore',
  });
  console.log(
    `  XOR 2-4-1 × 5,000 epochs through the CLI under 1 s: ${((performance.now() - start) / 1000).toFixed(3)} s`,
  );
} else {
  console.log('  XOR through the CLI: skipped (run `npm run build` first)');
}
