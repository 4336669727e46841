// While the debugger is stopped, each layer's key numbers at the end of its line (VS Code draws them as the
// debugger's own inline values): ‖W‖, the activations' range once its forward ran, ‖dW‖ once its backward ran.

import * as vscode from 'vscode';
import { formatNumber } from './format';
import { layerLines } from './layerLocations';
import type { SessionManager } from './sessions';

export class DebugInlineValues implements vscode.InlineValuesProvider {
  constructor(private readonly sessions: SessionManager) {}

  provideInlineValues(document: vscode.TextDocument, viewPort: vscode.Range): vscode.InlineValue[] {
    if (vscode.debug.activeDebugSession?.type !== 'backprop') return [];
    const session = this.sessions.sessionFor(document.uri);
    if (!session) return [];
    return layerLines(session, document)
      .filter(({ range }) => viewPort.contains(range.start))
      .map(({ layer, range }) => {
        const trace = session.latest.record.layers[layer];
        const parts = [`‖W‖ ${formatNumber(trace.norms.weights, 3)}`];
        if (trace.computed.forward && trace.a)
          parts.push(`a ∈ [${formatNumber(trace.a.summary.min, 3)}, ${formatNumber(trace.a.summary.max, 3)}]`);
        if (trace.computed.backward) parts.push(`‖dW‖ ${formatNumber(trace.norms.dW, 3)}`);
        if (trace.computed.update) parts.push(`‖ΔW‖/‖W‖ ${formatNumber(trace.norms.updateRatio, 2)}`);
        const line = document.lineAt(range.start.line);
        return new vscode.InlineValueText(line.range, `${trace.name}: ${parts.join(' · ')}`);
      });
  }
}
