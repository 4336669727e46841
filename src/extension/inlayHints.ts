// The latest norms at the end of each layer's line, so the numbers sit next to the layer that made them.

import * as vscode from 'vscode';
import { settings } from './config';
import { formatNumber } from './format';
import { layerLines } from './layerLocations';
import type { SessionManager } from './sessions';

export class LayerInlayHintsProvider implements vscode.InlayHintsProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;

  constructor(private readonly sessions: SessionManager) {
    sessions.onDidUpdateEditor(() => this.changed.fire());
    sessions.onDidChangeSession(() => this.changed.fire());
    // While the backprop debugger is stopped, its own inline values say this; two sets of numbers would crowd the line.
    vscode.debug.onDidStartDebugSession(() => this.changed.fire());
    vscode.debug.onDidTerminateDebugSession(() => this.changed.fire());
  }

  provideInlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    if (!settings().showInlayHints || vscode.debug.activeDebugSession?.type === 'backprop') return [];
    const session = this.sessions.sessionFor(document.uri);
    return layerLines(session, document)
      .filter(({ range: layer }) => range.contains(layer.start))
      .flatMap(({ layer, range: where }) => {
        const trace = session!.latest.record.layers[layer];
        if (!trace.computed.forward) return [];
        const line = document.lineAt(where.start.line);
        const parts = [`a ∈ [${formatNumber(trace.a?.summary.min, 3)}, ${formatNumber(trace.a?.summary.max, 3)}]`];
        if (trace.computed.backward) parts.push(`‖δ‖ ${formatNumber(trace.norms.delta, 3)}`);
        if (trace.computed.update) parts.push(`‖ΔW‖/‖W‖ ${formatNumber(trace.norms.updateRatio, 2)}`);
        const hint = new vscode.InlayHint(line.range.end, `  ${parts.join(' · ')}`);
        hint.paddingLeft = true;
        return [hint];
      });
  }
}
