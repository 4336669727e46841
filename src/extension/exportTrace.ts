// Export Trace: the current record and the whole history as JSON, or the per-step series as CSV.

import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { EpochSummary, TrainingDiagnostic, TrainingHistory } from '../protocol';
import type { TrainingController } from './trainingController';

export async function exportTrace(session: TrainingController, target?: string): Promise<string | undefined> {
  let file = target;
  if (!file) {
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(session.uri, '..', `${session.model.name.replace(/\W+/g, '-')}-trace.json`),
      filters: { JSON: ['json'], CSV: ['csv'] },
      title: 'Export Backprop trace',
    });
    if (!uri) return undefined;
    file = uri.fsPath;
  }
  const { history, epochs, diagnostics } = await session.fullHistory();
  await writeFile(
    file,
    file.toLowerCase().endsWith('.csv') ? toCsv(session, history) : toJson(session, history, epochs, diagnostics),
  );
  return file;
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
