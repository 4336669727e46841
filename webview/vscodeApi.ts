// The webview's end of the message channel, typed by src/protocol.ts.

import type { FromWebviewMessage, PanelState } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export const vscode: VsCodeApi = acquireVsCodeApi();
