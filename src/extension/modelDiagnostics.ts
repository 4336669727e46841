// The Problems panel: model-file errors as you type, and training warnings on the line of their layer.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseModelText, type ModelIssue } from '../model';
import type { TrainingDiagnostic } from '../protocol';
import { layerLines } from './layerLocations';
import { isModelDocument, type SessionManager } from './sessions';
import type { TrainingController } from './trainingController';

const DEBOUNCE_MS = 250;

export class ModelDiagnostics implements vscode.Disposable {
  private readonly fileProblems = vscode.languages.createDiagnosticCollection('backprop');
  private readonly trainingProblems = vscode.languages.createDiagnosticCollection('backprop-training');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly sessions: SessionManager) {
    this.disposables.push(
      this.fileProblems,
      this.trainingProblems,
      vscode.workspace.onDidOpenTextDocument((document) => this.check(document)),
      vscode.workspace.onDidChangeTextDocument(({ document }) => this.schedule(document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.fileProblems.delete(document.uri)),
      sessions.onDidUpdateEditor((session) => this.showTraining(session)),
      sessions.onDidChangeSession(() => this.showTraining()),
    );
    for (const document of vscode.workspace.textDocuments) this.check(document);
  }

  /** Parses now and returns what it found (the tests call this through the command). */
  check(document: vscode.TextDocument): readonly vscode.Diagnostic[] {
    if (!isModelDocument(document)) return [];
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const { errors } = parseModelText(document.getText(), document.uri.fsPath, {
      workspaceRoot: folder?.uri.fsPath ?? path.dirname(document.uri.fsPath),
    });
    const diagnostics = errors.map((issue) => toDiagnostic(issue, document));
    this.fileProblems.set(document.uri, diagnostics);
    return diagnostics;
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isModelDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.check(document);
      }, DEBOUNCE_MS),
    );
  }

  /** Every session's warnings on its own file (one file's when only its session moved). */
  private showTraining(only?: TrainingController): void {
    if (only) this.trainingProblems.delete(only.uri);
    else this.trainingProblems.clear();
    for (const session of only ? [only].filter((s) => s.alive) : this.sessions.all) this.showSession(session);
  }

  private showSession(session: TrainingController): void {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === session.uri.toString());
    if (!document) return;
    const lines = layerLines(session, document);
    // One per condition and layer already: updates carry the latest report of each.
    const diagnostics = session.latest.diagnostics.map((d) => {
      const line = document.lineAt(lineOf(d, lines, document)).range;
      const diagnostic = new vscode.Diagnostic(line, `${d.message} Try: ${d.hint}`, severity(d.severity));
      diagnostic.source = 'Backprop training';
      diagnostic.code = d.code;
      return diagnostic;
    });
    this.trainingProblems.set(document.uri, diagnostics);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const disposable of this.disposables) disposable.dispose();
  }
}

/**
 * The line a training diagnostic belongs on: its layer's, or for a model-wide one the key it is about (a NaN
 * loss on `loss:`, a rising loss on `optimizer:` where the learning rate is), never a comment on line 1.
 */
export function lineOf(
  d: Pick<TrainingDiagnostic, 'code' | 'layer'>,
  lines: readonly { layer: number; range: vscode.Range }[],
  document: vscode.TextDocument,
): number {
  const layer = d.layer === null ? undefined : lines.find((line) => line.layer === d.layer);
  if (layer) return layer.range.start.line;
  const keys = d.code === 'loss_rising' ? ['optimizer', 'loss'] : ['loss', 'optimizer'];
  for (const key of keys) {
    const line = topLevelKeyLine(document, key);
    if (line !== undefined) return line;
  }
  return 0;
}

/** 0-based line of a top-level `key:` of a YAML model (or `"key":` of a JSON one). */
export function topLevelKeyLine(document: vscode.TextDocument, key: string): number | undefined {
  const pattern = new RegExp(`^(?:${key}|\\s{0,4}"${key}")\\s*:`);
  for (let line = 0; line < document.lineCount; line++) if (pattern.test(document.lineAt(line).text)) return line;
  return undefined;
}

function toDiagnostic(issue: ModelIssue, document: vscode.TextDocument): vscode.Diagnostic {
  const line = Math.min(Math.max(0, issue.line - 1), Math.max(0, document.lineCount - 1));
  const start = new vscode.Position(line, Math.max(0, issue.col - 1));
  const wordRange = document.getWordRangeAtPosition(start, /[^\s:,[\]{}]+/);
  const diagnostic = new vscode.Diagnostic(
    wordRange ?? new vscode.Range(start, document.lineAt(line).range.end),
    issue.message,
    issue.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  diagnostic.source = 'Backprop';
  return diagnostic;
}

function severity(level: TrainingDiagnostic['severity']): vscode.DiagnosticSeverity {
  return level === 'error'
    ? vscode.DiagnosticSeverity.Error
    : level === 'warning'
      ? vscode.DiagnosticSeverity.Warning
      : vscode.DiagnosticSeverity.Information;
}
