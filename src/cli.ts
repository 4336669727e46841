// `backprop`: the same engine as the extension, headless. Exit codes (also in USAGE and the README):
// 0 success, 1 a failed gradient check, 2 bad input or usage (model-file errors as FILE:LINE:COL lines on
// stderr, never a stack trace), 3 training stopped because a number became NaN or Infinity, 70 a bug of ours.

import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { version } from '../package.json';
import { gradientCheck, TrainingSession } from './engine';
import { toRows } from './engine/matrix';
import { describeNetwork, forwardWorkPerSample } from './engine/sizes';
import { formatIssue, loadModelFile } from './model';
import { isInside } from './model/csv';
import { LIMITS } from './model/schema';
import type { ModelSpec } from './model/types';
import type { EpochSummary, Tensor, TrainingDiagnostic } from './protocol';

const EXIT = { ok: 0, checkFailed: 1, badInput: 2, stopped: 3, internal: 70 } as const;

/** Points kept of the per-epoch loss (and of each per-step series): past it every 2nd, 4th… epoch is kept. */
const HISTORY_LIMIT = 10_000;

/**
 * Work the gradient check may spend, in multiply-adds (an activation counted as 20): on one forward pass,
 * which bounds its samples, and in all, which bounds how many parameters of each layer it nudges. Measured
 * to end within about 2 s on a small machine.
 */
const CHECK_PASS_WORK = 1e8;
const CHECK_TOTAL_WORK = 1e9;

interface CommandSpec {
  summary: string;
  options: Record<string, { type: 'string' | 'boolean'; help: string }>;
}

const JSON_OPTION = { type: 'boolean', help: 'print one JSON object instead of text' } as const;

const COMMANDS: Record<string, CommandSpec> = {
  train: {
    summary: 'train and print the loss per epoch and the final weights',
    options: {
      epochs: { type: 'string', help: `train for N epochs instead of training.epochs (1 to ${LIMITS.epochs})` },
      json: JSON_OPTION,
    },
  },
  trace: {
    summary: 'run K batch steps and print every z, a, δ, dW, db, W, b',
    options: {
      steps: { type: 'string', help: `batch steps to run (default 1, at most ${LIMITS.epochs})` },
      json: JSON_OPTION,
    },
  },
  check: {
    summary: "compare backprop's gradients with finite differences on the first batch",
    options: { json: JSON_OPTION },
  },
};

const EXIT_CODES = `Exit codes: 0 done, 1 gradient check failed, 2 bad model file or arguments,
  3 training stopped because a number became NaN or Infinity.`;

const USAGE = `Usage: backprop <command> FILE [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, spec]) => `  ${`${name} FILE${optionList(spec)}`.padEnd(38)} ${spec.summary}`)
  .join('\n')}

FILE is a *.nn.yaml or *.nn.json model file. \`backprop <command> --help\` for a command's options;
\`backprop --version\` for the version.
${EXIT_CODES}`;

function optionList(spec: CommandSpec): string {
  return Object.entries(spec.options)
    .map(([name, option]) => ` [--${name}${option.type === 'string' ? ` ${name === 'epochs' ? 'N' : 'K'}` : ''}]`)
    .join('');
}

function commandHelp(name: string): string {
  const spec = COMMANDS[name];
  const options = Object.entries(spec.options).map(
    ([option, { type, help }]) =>
      `  ${`--${option}${type === 'string' ? ` ${option === 'epochs' ? 'N' : 'K'}` : ''}`.padEnd(14)} ${help}`,
  );
  return `Usage: backprop ${name} FILE${optionList(spec)}\n\n${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.\n\nOptions:\n${[...options, `  ${'--help'.padEnd(14)} show this help`].join('\n')}\n\n${EXIT_CODES}`;
}

/** Bad arguments: the message, then how to call the command. Exit 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Help or version asked for: printed on stdout, exit 0. */
class Answer extends Error {}

interface Arguments {
  command: 'train' | 'trace' | 'check';
  file: string;
  json: boolean;
  epochs?: number;
  steps?: number;
}

function parseArguments(argv: string[]): Arguments {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') throw new Answer(USAGE);
  if (command === '--version' || command === '-v') throw new Answer(version);
  if (command.startsWith('-')) throw new UsageError(`unknown option '${command}' (the command comes first)`);
  if (!(command in COMMANDS)) throw new UsageError(`unknown command '${command}'`);
  const spec = COMMANDS[command];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        ...Object.fromEntries(Object.entries(spec.options).map(([name, { type }]) => [name, { type }])),
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(argumentProblem(error as Error & { code?: string }, command), command);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new Answer(commandHelp(command));
  if (positionals.length === 0) throw new UsageError('missing FILE', command);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, command);
  const result: Arguments = { command: command as Arguments['command'], file: positionals[0], json: !!values.json };
  for (const name of ['epochs', 'steps'] as const) {
    const given = values[name];
    if (typeof given !== 'string') continue;
    // The same cap as training.epochs in a file: the command line is no way around the file's limits.
    const value = /^\d+$/.test(given) ? Number(given) : NaN;
    if (!Number.isInteger(value) || value < 1 || value > LIMITS.epochs)
      throw new UsageError(`--${name} needs a whole number from 1 to ${LIMITS.epochs}, got '${given}'`, command);
    result[name] = value;
  }
  return result;
}

function argumentProblem(error: Error & { code?: string }, command: string): string {
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(error.message)?.[1] ?? '';
    const owner = Object.keys(COMMANDS).find((name) => option.replace(/^--/, '') in COMMANDS[name].options);
    return owner
      ? `${command} does not take ${option} (it is an option of ${owner})`
      : `unknown option '${option}' for ${command}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(--\w+)/.exec(error.message)?.[1] ?? 'an option';
    if (/argument missing/.test(error.message)) return `${option} needs a value`;
    if (/ambiguous/.test(error.message))
      return `${option} needs a value; write ${option}=VALUE for a value that starts with '-'`;
    return `${option} takes no value`;
  }
  return error.message;
}

function loadOrExit(file: string): ModelSpec {
  // Data files may live anywhere under the folder the command runs in, or beside the model when it is elsewhere.
  const workspaceRoot = isInside(process.cwd(), resolve(file)) ? process.cwd() : dirname(resolve(file));
  const { model, errors } = loadModelFile(file, { workspaceRoot });
  const fatal = errors.filter((issue) => issue.severity === 'error');
  for (const issue of errors) process.stderr.write(`${formatIssue(issue)}\n`);
  if (!model || fatal.length > 0) process.exit(EXIT.badInput);
  return model;
}

/** A session for the command line: no step-back, so the fewest snapshots; history bounded like the worker's. */
function session(model: ModelSpec, traceLevel: 'off' | 'full'): TrainingSession {
  return new TrainingSession(model, { traceLevel, snapshotLimit: 2, historyLimit: HISTORY_LIMIT });
}

/** Where and why training stopped, for --json: the engine's non-finite diagnostic, its quantity and value as fields. */
function stopReport(diagnostics: TrainingDiagnostic[]) {
  const found = diagnostics.find((d) => d.code === 'non_finite');
  if (!found) return undefined;
  return {
    reason: 'non_finite',
    value: found.value,
    layer: found.layer,
    ...(found.layerName ? { layerName: found.layerName } : {}),
    quantity: found.quantity,
    epoch: found.epoch,
    batch: found.batch,
    step: found.step,
    message: found.message,
    hint: found.hint,
  };
}

function train(args: Arguments, model: ModelSpec): number {
  if (args.epochs) model = { ...model, training: { ...model.training, epochs: args.epochs } };
  const run = session(model, 'off');
  const total = model.training.epochs;
  const every = Math.max(1, Math.floor(total / 10));
  if (!args.json) {
    process.stdout.write(
      `Training ${model.name}: ${describeNetwork(model)}, ${model.train.inputs.length} samples, ${total} epochs\n`,
    );
    run.listen({
      epoch: (summary) => {
        if ((summary.epoch + 1) % every === 0 || summary.epoch === 0 || summary.epoch + 1 === total) {
          process.stdout.write(`${formatEpoch(summary, total)}\n`);
        }
      },
    });
  }
  const started = performance.now();
  run.step('run');
  const seconds = (performance.now() - started) / 1000;
  const layers = run.parameters();
  const stop = run.stopped === 'non_finite' ? stopReport(run.diagnostics) : undefined;
  if (args.json) {
    const result = {
      loss: run.history.epochLoss,
      layers,
      diagnostics: run.diagnostics,
      status: stop ? 'stopped' : 'finished',
      ...(stop ? { stop } : {}),
      // loss[i] is the loss of epoch i·epochStride + 1: past HISTORY_LIMIT epochs the series is thinned.
      epochStride: run.history.epochStride,
      epochs: run.latestEpoch ? run.latestEpoch.epoch + 1 : 0,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return stop ? EXIT.stopped : EXIT.ok;
  }
  const last = run.latestEpoch;
  process.stdout.write(`\n${stop ? 'Stopped early' : 'Done'} in ${seconds.toFixed(2)} s`);
  process.stdout.write(
    last
      ? `: final loss ${fmt(last.loss)}${last.accuracy !== undefined ? `, accuracy ${pct(last.accuracy)}` : ''}\n`
      : '\n',
  );
  printDiagnostics(run.diagnostics);
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
  return stop ? EXIT.stopped : EXIT.ok;
}

/** The tensors of each layer that `trace` prints, in order; `db` and `biases` as one row. */
const TRACED = ['z', 'a', 'delta', 'dW', 'weights', 'db', 'biases'] as const;
const TRACED_AS_ROW = new Set<string>(['db', 'biases']);

function trace(args: Arguments, model: ModelSpec): number {
  const run = session(model, 'full');
  const wanted = args.steps ?? 1;
  // Each step, and each tensor of it, is written as soon as it is ready, so memory stays that of one tensor
  // however many steps are asked for and however large the layers.
  if (args.json) process.stdout.write('{"steps":[');
  for (let i = 0; i < wanted && !run.cursor.finished && !run.stopped; i++) {
    const record = run.step('batch');
    if (args.json) {
      const head = { epoch: record.epoch, batch: record.batch, loss: record.loss };
      process.stdout.write(`${i > 0 ? ',' : ''}${JSON.stringify(head).slice(0, -1)},"layers":[`);
      record.layers.forEach((layer, k) => {
        process.stdout.write(`${k > 0 ? ',' : ''}{"name":${JSON.stringify(layer.name)}`);
        for (const key of TRACED) {
          const values = rows(layer[key]);
          if (values) process.stdout.write(`,"${key}":${JSON.stringify(TRACED_AS_ROW.has(key) ? values[0] : values)}`);
        }
        process.stdout.write('}');
      });
      process.stdout.write(']}');
      continue;
    }
    process.stdout.write(`epoch ${record.epoch + 1}, batch ${record.batch + 1}: loss ${fmt(record.loss ?? NaN)}\n`);
    for (const layer of record.layers) {
      for (const key of TRACED) {
        const values = rows(layer[key])?.map((row) => row.map(round));
        if (values === undefined) continue;
        process.stdout.write(
          `  ${layer.name}.${key} = ${JSON.stringify(TRACED_AS_ROW.has(key) ? values[0] : values)}\n`,
        );
      }
    }
  }
  const stop = run.stopped === 'non_finite' ? stopReport(run.diagnostics) : undefined;
  if (args.json) {
    // A NaN or Infinity in the last step's tensors is written as JSON null: `stop` says which and where.
    const tail = { status: stop ? 'stopped' : 'finished', ...(stop ? { stop } : {}), diagnostics: run.diagnostics };
    process.stdout.write(`],${JSON.stringify(tail).slice(1)}\n`);
  } else printDiagnostics(run.diagnostics);
  return stop ? EXIT.stopped : EXIT.ok;
}

function check(args: Arguments, model: ModelSpec): number {
  const batch = Math.min(model.training.batch, model.train.inputs.length);
  const perSample = forwardWorkPerSample(model);
  // A big network is checked on fewer samples and fewer parameters per layer, so the check ends in seconds.
  const samples = Math.max(1, Math.min(batch, Math.floor(CHECK_PASS_WORK / perSample)));
  // Each parameter checked costs two forward passes, for W and for b.
  const maxPerLayer = Math.floor(CHECK_TOTAL_WORK / (4 * samples * perSample * model.layers.length));
  if (maxPerLayer < 1) {
    const at = model.layers[0].range?.start ?? { line: 1, col: 1 };
    process.stderr.write(
      `${args.file}:${at.line}:${at.col}: layers: ${model.layers.length} layers are too many to check by finite differences in seconds (one parameter per layer needs ${(4 * perSample * model.layers.length).toExponential(1)} multiply-adds); check a shallower copy of the model\n`,
    );
    return EXIT.badInput;
  }
  // A first batch whose loss or gradients are already NaN/Infinity has nothing to compare: say where it broke.
  const probe = session({ ...model, training: { ...model.training, batch: samples } }, 'off');
  while (probe.cursor.phase !== 'update' && !probe.stopped) probe.step('layer');
  const stop = probe.stopped === 'non_finite' ? stopReport(probe.diagnostics) : undefined;
  if (stop) {
    if (args.json) process.stdout.write(`${JSON.stringify({ status: 'stopped', stop, samples })}\n`);
    else process.stderr.write(`backprop: ${stop.message}\n  try: ${stop.hint}\n`);
    return EXIT.stopped;
  }
  const result = gradientCheck(model, { samples: Array.from({ length: samples }, (_, i) => i), maxPerLayer });
  if (args.json) process.stdout.write(`${JSON.stringify({ ...result, status: 'finished', samples })}\n`);
  else {
    const which = samples === batch ? 'the first batch' : `the first ${samples} samples`;
    process.stdout.write(`Gradient check (central differences) on ${which}, tolerance ${result.tolerance}:\n`);
    for (const layer of result.layers) {
      const passed = layer.maxRelativeError <= result.tolerance;
      // A failure finite differences cannot decide is not a wrong backward pass: say so rather than FAIL.
      const verdict = (passed ? 'ok' : layer.unreliable ? 'UNRELIABLE' : 'FAIL').padEnd(10);
      process.stdout.write(
        `  ${verdict} ${layer.name.padEnd(16)} max relative error ${layer.maxRelativeError.toExponential(2)} over ${layer.parameters} parameters\n`,
      );
      if (passed) continue;
      for (const entry of layer.worst ?? [])
        process.stdout.write(
          `       ${entry.parameter}: analytic ${entry.analytic.toPrecision(6)}, numeric ${entry.numeric.toPrecision(6)}, relative error ${entry.relativeError.toExponential(1)}\n`,
        );
      if (layer.unreliable) process.stdout.write(`       unreliable: ${layer.unreliable}\n`);
    }
  }
  return result.passed ? EXIT.ok : EXIT.checkFailed;
}

function rows(tensor: Tensor | undefined): number[][] | undefined {
  return tensor?.data ? toRows(tensor.data, tensor.rows, tensor.cols) : undefined;
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

function main(): number {
  let args: Arguments;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (error instanceof Answer) {
      process.stdout.write(`${error.message}\n`);
      return EXIT.ok;
    }
    if (!(error instanceof UsageError)) throw error;
    const usage = error.command ? `Usage: backprop ${error.command} FILE${optionList(COMMANDS[error.command])}` : USAGE;
    process.stderr.write(`backprop: ${error.message}\n${usage}\n`);
    return EXIT.badInput;
  }
  const model = loadOrExit(args.file);
  if (args.command === 'train') return train(args, model);
  if (args.command === 'trace') return trace(args, model);
  return check(args, model);
}

// `backprop trace … | head` closes the pipe early: that is the reader being done, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

try {
  process.exitCode = main();
} catch (error) {
  // A bug of ours, not bad input: say so briefly rather than dump a stack at the user.
  process.stderr.write(`backprop: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT.internal);
}
