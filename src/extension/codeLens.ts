// A CodeLens above each layer: its gradient and weight norms and any warning, updated as you step.

import * as vscode from 'vscode';
import { layerHeadline, parameterText } from '../engine/sizes';
import { settings } from './config';
import { formatNumber } from './format';
import { layerLines } from './layerLocations';
import type { SessionManager } from './sessions';

export class LayerCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly sessions: SessionManager) {
    sessions.onDidUpdateEditor(() => this.changed.fire());
    sessions.onDidChangeSession(() => this.changed.fire());
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const session = this.sessions.sessionFor(document.uri);
    const digits = Math.min(3, settings().significantDigits);
    return layerLines(session, document).map(({ layer, range }) => {
      const trace = session!.latest.record.layers[layer];
      const warnings = session!.latest.diagnostics
        .filter((d) => d.layer === layer)
        .map((d) => d.code.replace('_', ' '));
      // A norm layer's W is its scale γ (and dW its dγ); dropout has no parameters at all.
      const type = trace.type ?? 'dense';
      const norm = type === 'batchnorm' || type === 'layernorm';
      const [w, dW] = norm ? ['γ', 'dγ'] : type === 'conv2d' ? ['K', 'dK'] : ['W', 'dW'];
      const info = session!.model.layers[layer];
      const parts = trace.computed.backward
        ? [
            ...(type === 'dropout' ? [] : [`‖${dW}‖ ${formatNumber(trace.norms.dW, digits)}`]),
            `‖δ‖ ${formatNumber(trace.norms.delta, digits)}`,
          ]
        : trace.computed.forward
          ? [`‖a‖ ${formatNumber(trace.norms.a, digits)}`]
          : [
              type === 'dense'
                ? `${trace.inputSize}×${trace.units} ${trace.activation}`
                : `${layerHeadline(info, trace.inputSize)}${parameterText(info, trace.inputSize) ? ` · ${parameterText(info, trace.inputSize)}` : ''}`,
            ];
      if (type !== 'dropout') parts.push(`‖${w}‖ ${formatNumber(trace.norms.weights, digits)}`);
      if (trace.add) parts.push(`+ ${trace.add}`);
      if (trace.frozen) parts.push('frozen');
      if (warnings.length > 0) parts.push(`⚠ ${warnings.join(', ')}`);
      return new vscode.CodeLens(new vscode.Range(range.start, range.start), {
        title: parts.join(' · '),
        command: 'backprop.selectLayer',
        arguments: [layer, document.uri],
        tooltip: `Show ${trace.name} in the Backprop panel`,
      });
    });
  }
}
