// Quick fixes on a model file's problems: did-you-mean for misspelled keys and values, and for training warnings
// the edit a teacher would suggest. The edits themselves are computed in quickFixEdits.ts (no VS Code there);
// this file only matches diagnostics and wraps the edits in an undoable WorkspaceEdit.

import * as vscode from 'vscode';
import type { DiagnosticCode } from '../protocol';
import { cancelledBiasFix, didYouMeanFix, trainingFixes, type QuickFix } from './quickFixEdits';

/** modelDiagnostics.ts: file problems are 'Backprop', training warnings 'Backprop training' with a code. */
const FILE_SOURCE = 'Backprop';
const TRAINING_SOURCE = 'Backprop training';

const TRAINING_CODES: ReadonlySet<string> = new Set<DiagnosticCode>([
  'vanishing',
  'exploding',
  'update_ratio',
  'dead_relu',
  'saturation',
  'non_finite',
  'symmetric_init',
  'loss_rising',
]);

export const QUICK_FIX_METADATA: vscode.CodeActionProviderMetadata = {
  providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
};

export class ModelCodeActionProvider implements vscode.CodeActionProvider {
  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const text = document.getText();
    for (const diagnostic of context.diagnostics) {
      for (const fix of fixesFor(document, text, diagnostic)) actions.push(toAction(document, diagnostic, fix));
    }
    return actions;
  }
}

function fixesFor(document: vscode.TextDocument, text: string, diagnostic: vscode.Diagnostic): QuickFix[] {
  if (diagnostic.source === FILE_SOURCE) {
    const start = document.offsetAt(diagnostic.range.start);
    const end = document.offsetAt(diagnostic.range.end);
    const fix =
      didYouMeanFix(text, start, end, diagnostic.message) ??
      (/\.json$/i.test(document.uri.path) ? undefined : cancelledBiasFix(text, diagnostic.message));
    return fix ? [fix] : [];
  }
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  if (diagnostic.source !== TRAINING_SOURCE || typeof code !== 'string' || !TRAINING_CODES.has(code)) return [];
  // JSON model files get only the did-you-mean fix: the YAML edits (`clip: {norm: 1}`) would not be JSON.
  if (/\.json$/i.test(document.uri.path)) return [];
  return trainingFixes(text, code as DiagnosticCode, diagnostic.range.start.line, diagnostic.message);
}

function toAction(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, fix: QuickFix): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  action.isPreferred = fix.isPreferred;
  action.edit = new vscode.WorkspaceEdit();
  for (const edit of fix.edits) {
    const range = new vscode.Range(document.positionAt(edit.offset), document.positionAt(edit.offset + edit.length));
    action.edit.replace(document.uri, range, edit.text);
  }
  return action;
}
