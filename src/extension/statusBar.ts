// Epoch, batch, phase and loss in the status bar while a session is active.

import * as vscode from 'vscode';
import { formatNumber } from './format';
import type { SessionManager } from './sessions';

export class TrainingStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('backprop.status', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly sessions: SessionManager) {
    this.item.name = 'Backprop training';
    this.item.command = 'backprop.showPanel';
    this.disposables.push(
      this.item,
      sessions.onDidUpdate(() => this.refresh()),
      sessions.onDidChangeSession(() => this.refresh()),
      sessions.onDidUpdateEditor(() => this.refresh()),
    );
  }

  get text(): string {
    return this.item.text;
  }

  refresh(): void {
    const session = this.sessions.session;
    if (!session) {
      this.item.hide();
      return;
    }
    const { record } = session.latest;
    const cursor = record.cursor;
    const where = cursor.finished
      ? 'finished'
      : `${cursor.phase}${cursor.layer >= 0 ? ` ${session.model.layers[cursor.layer].name}` : ''}`;
    const icon =
      session.state === 'running' ? '$(sync~spin)' : session.state === 'stopped' ? '$(error)' : '$(debug-pause)';
    const loss = session.latest.lastEpoch?.loss ?? record.loss;
    this.item.text = `${icon} epoch ${Math.min(cursor.epoch + 1, session.model.epochs)}/${session.model.epochs} · batch ${cursor.batch + 1}/${cursor.batchesPerEpoch} · ${where} · loss ${formatNumber(loss, 4)}`;
    const { edited } = session;
    if (edited) this.item.text += ' · $(edit) file changed: Reset to retrain it';
    this.item.tooltip = edited
      ? `Backprop: ${session.model.name} is training the file as it was when the session started; Reset (Ctrl+Shift+F5) starts over from the file as it is now`
      : `Backprop: ${session.model.name} — click to show the panel`;
    this.item.show();
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
