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

/**
 * Puts each layer back where the parser found it once the file's text is again the text the session started
 * from. Moving ranges by the lines each edit adds or removes cannot get there by itself: Select All and typing
 * replaces every layer's lines in one edit, and the Undo after it inserts them all again below line 1, which
 * would push every range down by the whole file.
 */
export function realignWithSource(session: TrainingController, text: string): void {
  if (text !== session.sourceText) return;
  session.spec.layers.forEach((layer, index) => {
    session.layerRanges[index] = layer.range && structuredClone(layer.range);
  });
}
