// `npm run bench`: time per training step of the engine against the plain reference in the same process,
// as ratios (machine speed cancels out). Not a test: it prints a table and the targets beside it.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { TrainingSession } from '../src/engine';
import type { ActivationName, LayerSpec, ModelSpec } from '../src/model/types';
import type { TraceLevel } from '../src/protocol';
import { ReferenceMLP } from './reference';
import { DEFAULT_THRESHOLDS, optimizerSpec } from '../src/model';

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

/** Median time per call over several rounds, each at least `roundMs` long. */
function timePerCall(fn: () => void, roundMs: number): number {
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < roundMs) {
      for (let i = 0; i < 16; i++) fn();
      calls += 16;
      now = performance.now();
    }
    rounds.push((now - start) / calls);
  }
  rounds.sort((a, b) => a - b);
  return rounds[3];
}

/** Median time per batch step of whole runs (Backprop: Train) long enough to take about `roundMs` each. */
function timePerStepInRun(c: Case, roundMs: number): number {
  const batchesPerEpoch = Math.ceil(c.samples / c.batch);
  const probe = new TrainingSession(modelFor(c), { traceLevel: 'summary' });
  const started = performance.now();
  probe.step('epoch');
  const epochs = Math.max(2, Math.round(roundMs / Math.max(1e-3, performance.now() - started)));
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const model = modelFor(c);
    const session = new TrainingSession(
      { ...model, training: { ...model.training, epochs } },
      { traceLevel: 'summary' },
    );
    const start = performance.now();
    session.step('run');
    rounds.push((performance.now() - start) / (epochs * batchesPerEpoch));
  }
  return rounds.sort((a, b) => a - b)[2];
}

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

const rows: string[][] = [['case', 'reference', 'trace off', 'summaries', 'full tensors', 'in a run']];
const results: Record<string, Record<string, number>> = {};
for (const c of cases) {
  const roundMs = c.sizes[0] > 100 ? 600 : 200;
  const reference = timePerCall(referenceFor(c), roundMs);
  const times: Record<string, number> = { reference };
  for (const level of ['off', 'summary', 'full'] as TraceLevel[]) {
    const session = new TrainingSession(modelFor(c), { traceLevel: level });
    times[level] = timePerCall(() => void session.step('batch'), roundMs);
  }
  // In a run (Train, Run N Epochs) every step computes its norms, statistics and diagnostics, and a full
  // record is built only when the UI asks (about 30 times a second): this is the cost per step there.
  times.run = timePerStepInRun(c, roundMs);
  results[c.name] = times;
  const ratio = (t: number) => `${format(t)} (${(t / reference).toFixed(2)}×)`;
  rows.push([c.name, format(reference), ratio(times.off), ratio(times.summary), ratio(times.full), ratio(times.run)]);
}

const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
for (const row of rows) console.log(row.map((cell, col) => cell.padEnd(widths[col])).join('  '));

const w1 = results[cases[0].name];
const w2 = results[cases[1].name];
const w3 = results[cases[2].name];
console.log('\nTargets:');
console.log(`  W1 with summaries within 1.2× of the blocked reference: ${(w1.summary / w1.reference).toFixed(2)}×`);
console.log(
  `  W2 with summaries under 5 µs/step: ${format(w2.summary)} with a record every step, ${format(w2.run)} in a run`,
);
console.log(`  2-4-1 full tensors under 2× of trace off: ${(w3.full / w3.off).toFixed(2)}×`);

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
