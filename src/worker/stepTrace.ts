// Export Trace's step-by-step trace: one JSON line per batch step, in the shape of `backprop trace --json`'s
// steps. It is made by replaying the model from the start in a session of its own (the live one never moves,
// whatever it is doing), and it is bounded, since full tensors of a long run would not fit in memory.

import { TrainingSession } from '../engine';
import { toRows } from '../engine/matrix';
import { layerSizes } from '../engine/sizes';
import type { ModelSpec } from '../model/types';
import type { ParameterEdit, Tensor, TensorSummary, TraceLevel, TraceRecord } from '../protocol';

/** Most batch steps one trace may hold. */
export const STEP_TRACE_MAX_STEPS = 100_000;
/** Most characters (about bytes: the text is JSON) one trace may hold. */
export const STEP_TRACE_MAX_BYTES = 200 * 1024 * 1024;

export type StepTraceLevel = Exclude<TraceLevel, 'off'>;

/** A tensor of a trace line: its rows at level `full` (db and biases as one row), its shape and summary otherwise. */
export type StepTraceTensor = number[][] | number[] | ({ rows: number; cols: number } & TensorSummary);

/** One line of a step-by-step trace: `backprop trace --json`'s step record, plus `step` (0-based). */
export interface StepTraceRecord {
  epoch: number;
  batch: number;
  step: number;
  /** Absent when the step stopped on a NaN before its loss. */
  loss?: number;
  layers: ({ name: string } & Partial<Record<(typeof TRACED)[number], StepTraceTensor>>)[];
}

/** The tensors of each layer, in the CLI's order. */
const TRACED = ['z', 'a', 'delta', 'dW', 'weights', 'db', 'biases'] as const;
const TRACED_AS_ROW = new Set<string>(['db', 'biases']);

/** A trace that cannot be made as asked (too long, too big, or a bad range): the message says what to do. */
export class StepTraceRefused extends Error {}

export interface StepTraceOptions {
  level: StepTraceLevel;
  /** First batch step traced (0-based). */
  fromStep: number;
  /** Batch steps up to here, exclusive. */
  toStep: number;
  /** What-if edits of the live session and the micro-step position each was made at, made again on the way. */
  edits?: readonly { position: number; edit: ParameterEdit }[];
  maxSteps?: number;
  maxBytes?: number;
}

/** The trace as JSON Lines (one line per batch step, each ending in a newline) and how many steps it holds. */
export async function traceSteps(
  model: ModelSpec,
  options: StepTraceOptions,
): Promise<{ text: string; steps: number }> {
  const { level, fromStep, toStep, edits = [] } = options;
  const maxSteps = options.maxSteps ?? STEP_TRACE_MAX_STEPS;
  const maxBytes = options.maxBytes ?? STEP_TRACE_MAX_BYTES;
  if (level !== 'summary' && level !== 'full')
    throw new StepTraceRefused(`level must be 'summary' or 'full', not ${JSON.stringify(level)}`);
  if (!Number.isInteger(fromStep) || !Number.isInteger(toStep) || fromStep < 0 || toStep < fromStep)
    throw new StepTraceRefused(`no batch steps from ${fromStep} to ${toStep}`);
  const steps = toStep - fromStep;
  if (steps > maxSteps)
    throw new StepTraceRefused(
      `a step-by-step trace of ${steps} batch steps is too long (at most ${maxSteps}): export fewer steps`,
    );
  const estimate = steps * estimatedLineBytes(model, level);
  if (estimate > maxBytes)
    throw new StepTraceRefused(
      `a step-by-step trace of ${steps} batch steps would take about ${megabytes(estimate)} (at most ${megabytes(maxBytes)})${level === 'full' ? ': export summaries instead of full tensors, or fewer steps' : ': export fewer steps'}`,
    );

  const replay = new TrainingSession(model, { traceLevel: level, snapshotLimit: 2, historyLimit: 2 });
  const lines: string[] = [];
  let bytes = 0;
  let lastStep = -1;
  const add = (record: TraceRecord) => {
    lastStep = record.step;
    if (record.step < fromStep || record.step >= toStep) return;
    const line = `${JSON.stringify(stepRecord(record, level))}\n`;
    bytes += line.length;
    if (bytes > maxBytes)
      throw new StepTraceRefused(
        `the step-by-step trace grew past ${megabytes(maxBytes)} at batch step ${record.step}: export fewer steps`,
      );
    lines.push(line);
  };
  const redoEdits = () => {
    for (const { position, edit } of edits) if (position === replay.microPosition) replay.setParameter(edit);
  };
  redoEdits();
  if (toStep > 0)
    await replay.runUntil(
      () => {
        redoEdits();
        return replay.microPosition >= toStep * microStepsPerBatch(model) ? { reason: 'step' } : undefined;
      },
      { onBatch: add },
    );
  // A step that stopped on a NaN half-way is traced too, as the CLI does: its NaNs are JSON nulls.
  if (replay.stopped === 'non_finite') {
    const record = replay.trace();
    if (record.step !== lastStep) add(record);
  }
  return { text: lines.join(''), steps: lines.length };
}

/** One batch step's record as `backprop trace --json` writes it (same keys, same order), plus `step`. */
export function stepRecord(record: TraceRecord, level: StepTraceLevel): StepTraceRecord {
  return {
    epoch: record.epoch,
    batch: record.batch,
    step: record.step,
    ...(record.loss !== undefined ? { loss: record.loss } : {}),
    layers: record.layers.map((layer) => {
      const out: StepTraceRecord['layers'][number] = { name: layer.name };
      for (const key of TRACED) {
        const value = traced(layer[key], level, TRACED_AS_ROW.has(key));
        if (value !== undefined) out[key] = value;
      }
      return out;
    }),
  };
}

function traced(tensor: Tensor | undefined, level: StepTraceLevel, asRow: boolean): StepTraceTensor | undefined {
  if (!tensor) return undefined;
  if (level === 'summary') return { rows: tensor.rows, cols: tensor.cols, ...tensor.summary };
  if (!tensor.data) return undefined;
  const rows = toRows(tensor.data, tensor.rows, tensor.cols);
  return asRow ? rows[0] : rows;
}

function microStepsPerBatch(model: ModelSpec): number {
  return 2 * model.layers.length + 2;
}

/**
 * About how long one line is: a full number is written in up to ~20 characters, a summary in ~150 per tensor.
 * Generous on purpose: refusing up front beats failing half-way.
 */
function estimatedLineBytes(model: ModelSpec, level: StepTraceLevel): number {
  const batch = Math.max(1, Math.min(model.training.batch, model.train.inputs.length));
  let bytes = 80;
  for (const layer of layerSizes(model)) {
    const numbers = batch * layer.tracedPerSample + 2 * layer.parameters;
    bytes += 20 + layer.name.length + (level === 'full' ? 20 * numbers : 150 * TRACED.length);
  }
  return bytes;
}

function megabytes(bytes: number): string {
  return `${Math.ceil(bytes / (1024 * 1024))} MB`;
}
