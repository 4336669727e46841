// `backprop`: the same engine as the extension, headless. Exit codes: 0 success, 1 a failed gradient check,
// 2 bad input (model-file errors as FILE:LINE:COL lines on stderr, never a stack trace).

import { gradientCheck, TrainingSession } from './engine';
import { toRows } from './engine/matrix';
import { dirname, resolve } from 'node:path';
import { formatIssue, loadModelFile } from './model';
import { isInside } from './model/csv';
import type { ModelSpec } from './model/types';
import type { EpochSummary, Tensor, TrainingDiagnostic } from './protocol';

const USAGE = `Usage:
  backprop train FILE [--epochs N] [--json]   train and print the loss per epoch and the final weights
  backprop trace FILE [--steps K] [--json]    run K batch steps and print every z, a, δ, dW, db, W, b
  backprop check FILE [--json]                compare backprop's gradients with finite differences
FILE is a *.nn.yaml or *.nn.json model file.`;

class UsageError extends Error {}

interface Arguments {
  command: string;
  file: string;
  json: boolean;
  epochs?: number;
  steps?: number;
}

function parseArguments(argv: string[]): Arguments {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') throw new UsageError('');
  if (!['train', 'trace', 'check'].includes(command)) throw new UsageError(`unknown command '${command}'`);
  const parsed: Arguments = { command, file: '', json: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--json') parsed.json = true;
    else if (arg === '--epochs' || arg === '--steps') {
      const value = Number(rest[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 1e9) throw new UsageError(`${arg} needs a whole number ≥ 1`);
      parsed[arg === '--epochs' ? 'epochs' : 'steps'] = value;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    else if (!parsed.file) parsed.file = arg;
    else throw new UsageError(`unexpected argument '${arg}'`);
  }
  if (!parsed.file) throw new UsageError('missing FILE');
  return parsed;
}

function loadOrExit(file: string): ModelSpec {
  // Data files may live anywhere under the folder the command runs in, or beside the model when it is elsewhere.
  const workspaceRoot = isInside(process.cwd(), resolve(file)) ? process.cwd() : dirname(resolve(file));
  const { model, errors } = loadModelFile(file, { workspaceRoot });
  const fatal = errors.filter((issue) => issue.severity === 'error');
  for (const issue of errors) process.stderr.write(`${formatIssue(issue)}\n`);
  if (!model || fatal.length > 0) process.exit(2);
  return model;
}

function train(args: Arguments, model: ModelSpec): void {
  if (args.epochs) model = { ...model, training: { ...model.training, epochs: args.epochs } };
  const session = new TrainingSession(model, { traceLevel: 'off' });
  const total = model.training.epochs;
  const every = Math.max(1, Math.floor(total / 10));
  if (!args.json) {
    process.stdout.write(
      `Training ${model.name}: ${describeNetwork(model)}, ${model.train.inputs.length} samples, ${total} epochs\n`,
    );
    session.listen({
      epoch: (summary) => {
        if ((summary.epoch + 1) % every === 0 || summary.epoch === 0 || summary.epoch + 1 === total) {
          process.stdout.write(`${formatEpoch(summary, total)}\n`);
        }
      },
    });
  }
  const started = performance.now();
  session.step('run');
  const seconds = (performance.now() - started) / 1000;
  const layers = session.parameters();
  if (args.json) {
    const result = {
      loss: session.history.epochLoss,
      layers,
      diagnostics: session.diagnostics,
      status: session.stopped ?? 'finished',
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const last = session.epochs[session.epochs.length - 1];
  process.stdout.write(`\n${session.stopped === 'non_finite' ? 'Stopped early' : 'Done'} in ${seconds.toFixed(2)} s`);
  process.stdout.write(
    last
      ? `: final loss ${fmt(last.loss)}${last.accuracy !== undefined ? `, accuracy ${pct(last.accuracy)}` : ''}\n`
      : '\n',
  );
  printDiagnostics(session.diagnostics);
  for (const layer of layers) {
    const count = layer.weights.length * (layer.weights[0]?.length ?? 0);
    if (count > 64) {
      process.stdout.write(
        `\n${layer.name}: ${layer.weights.length}×${layer.weights[0].length} weights (use --json to print them)\n`,
      );
      continue;
    }
    process.stdout.write(`\n${layer.name} weights (row = input):\n`);
    for (const row of layer.weights) process.stdout.write(`  ${row.map((w) => fmt(w).padStart(10)).join(' ')}\n`);
    process.stdout.write(`${layer.name} biases:\n  ${layer.biases.map((b) => fmt(b).padStart(10)).join(' ')}\n`);
  }
}

function trace(args: Arguments, model: ModelSpec): void {
  const session = new TrainingSession(model, { traceLevel: 'full' });
  const steps = [];
  for (let i = 0; i < (args.steps ?? 1) && !session.cursor.finished && !session.stopped; i++) {
    const record = session.step('batch');
    steps.push({
      epoch: record.epoch,
      batch: record.batch,
      loss: record.loss,
      layers: record.layers.map((layer) => ({
        name: layer.name,
        z: rows(layer.z),
        a: rows(layer.a),
        delta: rows(layer.delta),
        dW: rows(layer.dW),
        db: rows(layer.db)?.[0],
        weights: rows(layer.weights),
        biases: rows(layer.biases)?.[0],
      })),
    });
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ steps })}\n`);
    return;
  }
  for (const step of steps) {
    process.stdout.write(`epoch ${step.epoch + 1}, batch ${step.batch + 1}: loss ${fmt(step.loss ?? NaN)}\n`);
    for (const layer of step.layers) {
      for (const key of ['z', 'a', 'delta', 'dW', 'weights'] as const) {
        process.stdout.write(`  ${layer.name}.${key} = ${JSON.stringify(layer[key]?.map((row) => row.map(round)))}\n`);
      }
      process.stdout.write(`  ${layer.name}.db = ${JSON.stringify(layer.db?.map(round))}\n`);
      process.stdout.write(`  ${layer.name}.biases = ${JSON.stringify(layer.biases?.map(round))}\n`);
    }
  }
  printDiagnostics(session.diagnostics);
}

function check(args: Arguments, model: ModelSpec): void {
  const result = gradientCheck(model);
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`Gradient check (central differences) on the first batch, tolerance ${result.tolerance}:\n`);
    for (const layer of result.layers) {
      const verdict = layer.maxRelativeError <= result.tolerance ? 'ok  ' : 'FAIL';
      process.stdout.write(
        `  ${verdict} ${layer.name.padEnd(16)} max relative error ${layer.maxRelativeError.toExponential(2)} over ${layer.parameters} parameters\n`,
      );
    }
  }
  if (!result.passed) process.exit(1);
}

function rows(tensor: Tensor | undefined): number[][] | undefined {
  return tensor?.data ? toRows(tensor.data, tensor.rows, tensor.cols) : undefined;
}

function describeNetwork(model: ModelSpec): string {
  return [String(model.inputSize), ...model.layers.map((layer) => `${layer.units} ${layer.activation}`)].join(' → ');
}

function formatEpoch(summary: EpochSummary, total: number): string {
  const width = String(total).length;
  let line = `epoch ${String(summary.epoch + 1).padStart(width)}/${total}  loss ${fmt(summary.loss)}`;
  if (summary.accuracy !== undefined) line += `  accuracy ${pct(summary.accuracy)}`;
  if (summary.validationLoss !== undefined) line += `  validation loss ${fmt(summary.validationLoss)}`;
  if (summary.validationAccuracy !== undefined) line += `  validation accuracy ${pct(summary.validationAccuracy)}`;
  return line;
}

function printDiagnostics(diagnostics: TrainingDiagnostic[]): void {
  if (diagnostics.length === 0) return;
  process.stdout.write('\nWarnings:\n');
  for (const d of diagnostics) {
    process.stdout.write(`  [${d.severity}] step ${d.step}: ${d.message}\n      try: ${d.hint}\n`);
  }
}

const fmt = (value: number): string =>
  Number.isFinite(value) ? Number(value.toPrecision(6)).toString() : String(value);
const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;
const round = (value: number): number => Number(value.toPrecision(6));

function main(): void {
  let args: Arguments;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`backprop: ${error.message}\n\n`);
    process.stderr.write(`${USAGE}\n`);
    process.exit(error.message ? 2 : 0);
  }
  const model = loadOrExit(args.file);
  if (args.command === 'train') train(args, model);
  else if (args.command === 'trace') trace(args, model);
  else check(args, model);
}

// `backprop trace … | head` closes the pipe early: that is the reader being done, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  main();
} catch (error) {
  // A bug of ours, not bad input: say so briefly rather than dump a stack at the user.
  process.stderr.write(`backprop: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(70);
}
