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
import { weightName, weightShape } from '../engine/imageIndex';
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
  private repacing: Promise<void> = Promise.resolve();
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
        } else if (message.type === 'rendered') this.pump.acknowledge(message.drawMs);
        else if (message.type === 'command') runCommand(message.command);
        else if (message.type === 'selectLayer') this.sessions.session?.selectLayer(message.layer);
        else if (message.type === 'setWeight')
          void this.setWeight(message.layer, message.from, message.to, message.value);
        else if (message.type === 'speed') void this.setSpeed(message.epochsPerSecond);
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
    this.post({ type: 'state', state: panelState(session, this.sessions.trainSpeed) });
  }

  /**
   * A what-if edit from the graph: entry [row][col] of the layer's W as the panel lays it out ([input][unit] for
   * dense, [filter][c·kh·kw] for a convolution's kernels) becomes `value` in the engine (step back stays exact).
   */
  private async setWeight(layer: number, row: number, col: number, value: number): Promise<void> {
    const session = this.sessions.session;
    const info = session?.model.layers[layer];
    const [rows, cols] = info ? weightShape(info) : [0, 0];
    if (!session || !info || row >= rows || col >= cols) {
      this.post({ type: 'weightEdited', ok: false, message: 'There is no such weight in the current session.' });
      return;
    }
    try {
      await session.client.setParameter({ layer, tensor: 'W', index: row * cols + col, value });
      // Named as the panel names it: the first dense layer's rows are the inputs of `input: [a, b]`.
      const inputName = layer === 0 && (info.type ?? 'dense') === 'dense' ? session.model.inputNames?.[row] : undefined;
      const name = inputName === undefined ? weightName(info, row, col) : `W[${inputName}][${col}]`;
      const shared = info.type === 'conv2d' ? ` (every position of filter ${row}'s feature map uses it)` : '';
      this.post({
        type: 'weightEdited',
        ok: true,
        message: `${info.name}: ${name} is now ${value}${shared}; training goes on from it.`,
      });
    } catch (error) {
      // A run going refuses the edit: say so in the panel rather than in a notification.
      const reason = error instanceof Error ? error.message : String(error);
      this.post({ type: 'weightEdited', ok: false, message: `Not changed: ${reason}` });
    }
  }

  /**
   * The speed Train goes at, remembered as the `backprop.trainSpeed` setting (so the editor's Train uses it too). A
   * slow-motion run going changes pace at once: paused where it is and run again at the new speed. (A full-speed run
   * keeps going: it may be Run N Epochs, which a new pace would turn into a run to the end.)
   */
  private async setSpeed(epochsPerSecond: number): Promise<void> {
    this.sessions.trainSpeed = epochsPerSecond;
    const session = this.sessions.session;
    // One change of pace at a time (arrow keys on the select fire a change per press), each to the latest speed.
    if (session) this.repacing = this.repacing.then(() => this.repace(session));
    try {
      await vscode.workspace
        .getConfiguration('backprop')
        .update('trainSpeed', epochsPerSecond, vscode.ConfigurationTarget.Global);
    } catch (error) {
      this.post({ type: 'error', message: `the speed was not saved: ${String(error)}` });
    }
  }

  private async repace(session: TrainingController): Promise<void> {
    const pace = () => session.latest.epochsPerSecond;
    if (session.state !== 'running' || pace() === undefined || pace() === this.sessions.trainSpeed) return;
    try {
      await session.pause();
      const speed = this.sessions.trainSpeed;
      void session.run(undefined, speed > 0 ? { epochsPerSecond: speed } : {}).catch((error: unknown) => {
        this.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      });
    } catch (error) {
      this.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
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

export function panelState(session: TrainingController, trainSpeed: number): PanelState {
  return {
    model: session.model,
    update: session.latest,
    history: session.history,
    ...(session.boundary !== undefined ? { boundary: session.boundary } : {}),
    ...(session.gradCheck ? { gradCheck: session.gradCheck } : {}),
    selectedLayer: session.selectedLayer,
    digits: settings().significantDigits,
    live: true,
    trainSpeed,
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
