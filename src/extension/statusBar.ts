// The current session in the status bar: which model, epoch, batch, phase and loss.

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
      sessions.onDidChangeSession(() => this.refresh()),
      // With the editor's views: a step or a stop at once, a run about once a second (every change of the text is
      // a message to the window, which during a run has the panel to draw as well).
      sessions.onDidUpdateEditor(() => this.refresh()),
    );
  }

  get text(): string {
    return this.item.text;
  }

  refresh(): void {
    const session = this.sessions.session;
    if (!session) {
      this.item.text = '';
      this.item.hide();
      return;
    }
    const { record } = session.latest;
    const cursor = record.cursor;
    const { name, epochs, layers } = session.model;
    const icon =
      session.state === 'running'
        ? '$(sync~spin)'
        : session.state === 'stopped'
          ? '$(error)'
          : session.state === 'finished'
            ? '$(check)'
            : '$(debug-pause)';
    const where = cursor.finished
      ? [`Finished: ${epochs} ${epochs === 1 ? 'epoch' : 'epochs'}`]
      : [
          `epoch ${Math.min(cursor.epoch + 1, epochs)}/${epochs}`,
          `batch ${cursor.batch + 1}/${cursor.batchesPerEpoch}`,
          `${cursor.phase}${cursor.layer >= 0 ? ` ${layers[cursor.layer].name}` : ''}`,
        ];
    // No loss before the first loss phase: a dash there reads like a value.
    const loss = session.latest.lastEpoch?.loss ?? record.loss;
    const parts = [
      `${icon} ${name}`,
      ...where,
      ...(loss === undefined ? [] : [`loss ${Number.isNaN(loss) ? 'NaN' : formatNumber(loss, 4)}`]),
    ];
    this.item.text = parts.join(' · ');
    const { edited } = session;
    if (edited) this.item.text += ' · $(edit) file changed: Reset to retrain it';
    this.item.tooltip = edited
      ? `Backprop: ${session.model.name} is training the file as it was when the session started; Reset starts over from the file as it is now`
      : `Backprop: ${session.model.name} — click to show the panel`;
    this.item.show();
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
