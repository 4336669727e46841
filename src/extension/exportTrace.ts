// Export Trace, in the format the file's extension names: `.json` the current record and the whole history
// (a snapshot), `.csv` the per-step series, `.jsonl` a step-by-step trace (one line per batch step, the shape
// of `backprop trace --json`'s steps), which the worker replays from the start without moving the session.

import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { EpochSummary, TrainingDiagnostic, TrainingHistory } from '../protocol';
import type { TrainingController } from './trainingController';

export interface ExportOptions {
  /** For `.jsonl`: each tensor's summary (the default) or every tensor in full. */
  level?: 'summary' | 'full';
  /** For `.jsonl`: the batch steps from `fromStep` (default 0) to `toStep` (exclusive; default those run so far). */
  fromStep?: number;
  toStep?: number;
}

export type ExportFormat = 'json' | 'csv' | 'jsonl';

export function exportFormat(file: string): ExportFormat {
  const extension = /\.(\w+)$/.exec(file)?.[1]?.toLowerCase();
  return extension === 'csv' ? 'csv' : extension === 'jsonl' ? 'jsonl' : 'json';
}

export async function exportTrace(
  session: TrainingController,
  target?: string,
  options: ExportOptions = {},
): Promise<string | undefined> {
  let file = target;
  let level = options.level;
  if (!file) {
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(session.uri, '..', `${session.model.name.replace(/\W+/g, '-')}-trace.json`),
      filters: {
        'Snapshot: this step and the whole history (JSON)': ['json'],
        'Series: loss and norms per step (CSV)': ['csv'],
        'Step by step: one line per batch step (JSON Lines)': ['jsonl'],
      },
      title: 'Export Backprop trace',
    });
    if (!uri) return undefined;
    file = uri.fsPath;
    if (exportFormat(file) === 'jsonl' && !level) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: 'Summaries', description: 'shape, min, max, mean, ‖·‖ of each tensor', level: 'summary' as const },
          {
            label: 'Full tensors',
            description: 'every z, a, δ, dW, W, b, as backprop trace --json',
            level: 'full' as const,
          },
        ],
        { title: 'What each step of the trace holds' },
      );
      if (!picked) return undefined;
      level = picked.level;
    }
  }
  const format = exportFormat(file);
  if (format === 'jsonl') {
    await writeFile(file, await stepByStep(session, { ...options, level: level ?? 'summary' }));
    return file;
  }
  const { history, epochs, diagnostics } = await session.fullHistory();
  await writeFile(file, format === 'csv' ? toCsv(session, history) : toJson(session, history, epochs, diagnostics));
  return file;
}

async function stepByStep(session: TrainingController, options: ExportOptions): Promise<string> {
  const { text, steps } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Backprop: replaying the steps for the trace…' },
    () =>
      session.client.request('traceSteps', {
        level: options.level ?? 'summary',
        ...(options.fromStep !== undefined ? { fromStep: options.fromStep } : {}),
        ...(options.toStep !== undefined ? { toStep: options.toStep } : {}),
      }),
  );
  if (steps === 0) throw new Error('no batch step has been run yet: step a batch first, then export');
  return text;
}

function toJson(
  session: TrainingController,
  history: TrainingHistory,
  epochs: EpochSummary[],
  diagnostics: TrainingDiagnostic[],
): string {
  const { record } = session.latest;
  return `${JSON.stringify({ model: session.model, record, history, epochs, diagnostics }, null, 1)}\n`;
}

/** One row per recorded batch step (every one, or every stride-th in a very long run): the loss, then ‖dW‖ and ‖ΔW‖/‖W‖ of each layer. */
function toCsv(session: TrainingController, history: TrainingHistory): string {
  const names = session.model.layers.map((layer) => layer.name);
  const header = ['step', 'loss', ...names.map((n) => `grad_norm_${n}`), ...names.map((n) => `update_ratio_${n}`)];
  const rows = history.batchLoss.map((loss, point) => [
    point * history.stride,
    loss,
    ...history.gradNorm.map((series) => series[point] ?? ''),
    ...history.updateRatio.map((series) => series[point] ?? ''),
  ]);
  return `${[header, ...rows].map((row) => row.join(',')).join('\n')}\n`;
}
