// Where each layer of the session's model is written, as editor ranges.

import * as vscode from 'vscode';
import type { TrainingController } from './trainingController';

export function layerLines(
  session: TrainingController | undefined,
  document: vscode.TextDocument,
): { layer: number; range: vscode.Range }[] {
  if (!session || session.uri.toString() !== document.uri.toString()) return [];
  return session.layerRanges.flatMap((range, index) => {
    if (!range || range.start.line > document.lineCount) return [];
    const start = new vscode.Position(range.start.line - 1, Math.max(0, range.start.col - 1));
    const end = new vscode.Position(Math.max(range.start.line - 1, range.end.line - 1), Math.max(0, range.end.col - 1));
    return [{ layer: index, range: new vscode.Range(start, end) }];
  });
}
