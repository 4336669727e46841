// The Backprop panel: a webview beside the editor showing the current session. It is rebuilt from the
// session (or from the webview's own saved state) after being hidden or after a window reload, so it does
// not need retainContextWhenHidden.

import * as vscode from 'vscode';
import {
  parseFromWebview,
  type PanelCommand,
  type PanelState,
  type ToWebviewMessage,
  type TrainingUpdate,
} from '../protocol';
import { mergeHistoryDeltas } from '../engine/historyView';
import { settings } from './config';
import type { SessionManager } from './sessions';
import type { TrainingController } from './trainingController';
import { UpdatePump } from './updatePump';

export const PANEL_VIEW_TYPE = 'backprop.panel';

export class BackpropPanel implements vscode.Disposable {
  private static current: BackpropPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly pump: UpdatePump<TrainingUpdate>;
  private ready = false;
  /** The last message the webview rendered, for tests and for reveal. */
  lastPosted: ToWebviewMessage | undefined;

  static show(
    context: vscode.ExtensionContext,
    sessions: SessionManager,
    runCommand: (command: PanelCommand) => void,
  ): BackpropPanel {
    if (BackpropPanel.current) {
      BackpropPanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      return BackpropPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      'Backprop',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(context),
    );
    BackpropPanel.current = new BackpropPanel(panel, context, sessions, runCommand);
    return BackpropPanel.current;
  }

  static get instance(): BackpropPanel | undefined {
    return BackpropPanel.current;
  }

  static revive(
    panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    sessions: SessionManager,
    runCommand: (command: PanelCommand) => void,
  ): void {
    panel.webview.options = webviewOptions(context);
    BackpropPanel.current?.dispose();
    BackpropPanel.current = new BackpropPanel(panel, context, sessions, runCommand);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly sessions: SessionManager,
    runCommand: (command: PanelCommand) => void,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.png');
    panel.webview.html = html(panel.webview, context.extensionUri);
    // Updates carry history deltas: one held back joins the next rather than being replaced by it.
    this.pump = new UpdatePump<TrainingUpdate>(
      (update) => this.post({ type: 'update', update }),
      1000 / settings().updatesPerSecond,
      (pending, next) => ({ ...next, history: mergeHistoryDeltas(pending.history, next.history) }),
    );
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw) => {
        const message = parseFromWebview(raw);
        if (!message) return;
        if (message.type === 'ready') {
          this.ready = true;
          this.sendState();
        } else if (message.type === 'rendered') this.pump.acknowledge();
        else if (message.type === 'command') runCommand(message.command);
        else if (message.type === 'selectLayer') this.sessions.session?.selectLayer(message.layer);
      }),
      sessions.onDidUpdate(({ event }) => {
        // After a reset the panel starts afresh (no stale gradient check, no old points).
        if (event.reason === 'reset') this.sendState();
        else this.pump.push(event.update, event.immediate);
      }),
      sessions.onDidChangeSession(() => this.sendState()),
      sessions.onDidChangeBoundary((boundary) => this.post({ type: 'boundary', boundary })),
      sessions.onDidGradientCheck((result) => this.post({ type: 'gradCheck', result })),
    );
  }

  /** Sends the whole state: on load, on a new session, and after a reset. */
  sendState(): void {
    const session = this.sessions.session;
    if (!session || !this.ready) return;
    // The state holds every point so far: a pending delta would add some twice.
    this.pump.cancel();
    this.post({ type: 'state', state: panelState(session) });
  }

  post(message: ToWebviewMessage): void {
    this.lastPosted = message;
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (BackpropPanel.current === this) BackpropPanel.current = undefined;
    this.pump.dispose();
    for (const disposable of this.disposables) disposable.dispose();
    this.panel.dispose();
  }
}

export function panelState(session: TrainingController): PanelState {
  return {
    model: session.model,
    update: session.latest,
    history: session.history,
    ...(session.boundary !== undefined ? { boundary: session.boundary } : {}),
    ...(session.gradCheck ? { gradCheck: session.gradCheck } : {}),
    selectedLayer: session.selectedLayer,
    digits: settings().significantDigits,
    live: true,
  };
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [
      vscode.Uri.joinPath(context.extensionUri, 'dist'),
      vscode.Uri.joinPath(context.extensionUri, 'media'),
    ],
  };
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = Array.from({ length: 32 }, () => Math.floor(Math.random() * 36).toString(36)).join('');
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', file));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${asset('codicon.css')}">
<link rel="stylesheet" href="${asset('webview.css')}">
<title>Backprop</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${asset('webview.js')}"></script>
</body>
</html>`;
}
