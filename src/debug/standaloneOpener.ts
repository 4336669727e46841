// How the standalone adapter opens a model: it reads and parses the file itself and starts its own worker
// (dist/worker.js beside dist/debugAdapter.js). Inside VS Code the extension opens sessions instead.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { traceElements } from '../engine/sizes';
import { formatIssue, loadModelFile } from '../model';
import type { ModelSpec } from '../model/types';
import type { TraceLevel } from '../protocol';
import { TrainingClient } from '../worker/trainingClient';
import { LaunchError, type OpenedSession, type SessionOpener } from './backpropRuntime';

/** Models up to this many trace elements get every tensor at each stop (the extension's default setting). */
const FULL_TRACE_ELEMENTS = 50_000;

export function standaloneOpener(workerScript: string): SessionOpener {
  return async (file, options) => {
    if (!existsSync(file)) throw new LaunchError(`${file}:1:1: no such model file`);
    const { model, errors } = loadModelFile(file, { workspaceRoot: path.dirname(file) });
    if (!model) {
      const lines = errors.filter((issue) => issue.severity === 'error').map(formatIssue);
      throw new LaunchError(lines.join('\n') || `${file}:1:1: the model cannot be read`);
    }
    const spec: ModelSpec = options.epochs
      ? { ...model, training: { ...model.training, epochs: options.epochs } }
      : model;
    const text = readFileSync(file, 'utf8');
    const client = await TrainingClient.start(spec, traceLevelFor(spec), workerScript);
    return { client, spec, text, close: () => client.stop() } satisfies OpenedSession;
  };
}

export function readModelText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every tensor in full for models small enough to copy at each stop; summaries (and layers on request) otherwise. */
export function traceLevelFor(model: Pick<ModelSpec, 'inputSize' | 'layers' | 'training'>): TraceLevel {
  return traceElements(model, model.training.batch) <= FULL_TRACE_ELEMENTS ? 'full' : 'summary';
}
