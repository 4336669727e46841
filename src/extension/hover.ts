// Hovering a layer shows its current W, b, δ and dW as small tables, with the formula each comes from.

import * as vscode from 'vscode';
import { explainStep } from '../engine/explain';
import { layerHeadline, parameterText } from '../engine/sizes';
import type { Tensor } from '../protocol';
import { settings } from './config';
import { formatNumber, markdownMatrix } from './format';
import { layerLines } from './layerLocations';
import type { SessionManager } from './sessions';

export class LayerHoverProvider implements vscode.HoverProvider {
  constructor(private readonly sessions: SessionManager) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const session = this.sessions.sessionFor(document.uri);
    const hit = layerLines(session, document).find(
      ({ range }) => range.contains(position) || range.start.line === position.line,
    );
    if (!hit) return undefined;
    const trace = session!.latest.record.layers[hit.layer];
    const digits = settings().significantDigits;
    const record = session!.latest.record;
    const markdown = new vscode.MarkdownString(undefined, true);
    // By the layer's type: a convolution's shapes and its kernels' parameter count, not inputs × outputs.
    const info = session!.model.layers[hit.layer];
    const parameters = parameterText(info, trace.inputSize);
    const headline = `${layerHeadline(info, trace.inputSize)}${parameters ? ` · ${parameters}` : ''}`;
    markdown.appendMarkdown(
      `**${trace.name}** — ${headline}${trace.frozen ? ' (frozen)' : ''} · epoch ${record.epoch + 1}, batch ${record.batch + 1}\n\n`,
    );
    const section = (title: string, formula: string, tensor: Tensor | undefined) => {
      if (!tensor) return;
      markdown.appendMarkdown(`**${title}** \`${formula}\` · ‖·‖ = ${formatNumber(tensor.summary.norm, digits)}\n\n`);
      if (tensor.data) markdown.appendMarkdown(`${markdownMatrix(tensor.data, tensor.rows, tensor.cols, digits)}\n\n`);
      else
        markdown.appendMarkdown(
          `min ${formatNumber(tensor.summary.min, digits)} · mean ${formatNumber(tensor.summary.mean, digits)} · max ${formatNumber(tensor.summary.max, digits)}\n\n`,
        );
    };
    // What the last micro-step did, when it was this layer's (or the loss, for the output layer).
    const did = record.did;
    const isOutput = hit.layer === record.layers.length - 1;
    if (did && (did.layer === hit.layer || (isOutput && did.phase === 'loss') || did.phase === 'update'))
      markdown.appendMarkdown(`_${escapeMarkdown(explainStep(record, session!.model, digits))}_\n\n`);
    const type = info.type ?? 'dense';
    if (type === 'conv2d') {
      // A convolution's W is its kernels, one row per filter of c·kh·kw entries.
      section('K', 'z[f][i][j] = Σ K[f][c][u][v]·x[c][i+u][j+v] + b[f]; a row per filter', trace.weights);
      if (info.bias) section('b', 'one bias per filter', trace.biases);
      section('δ', 'δ = ∂L/∂z', trace.delta);
      section('dK', 'dK = Σ over positions of δ·x-window', trace.dW);
    } else if (type === 'maxpool2d' || type === 'flatten') {
      section('δ', 'δ = ∂L/∂z', trace.delta);
    } else {
      section('W', 'z = a_prev·W + b', trace.weights);
      // A layer without bias has no b to show (its zeros would only suggest one).
      if (info.bias !== false) section('b', 'bias', trace.biases);
      section('δ', 'δ = ∂L/∂z', trace.delta);
      section('dW', 'dW = a_prevᵀ·δ (+ λ/m·W)', trace.dW);
    }
    if (!trace.computed.backward)
      markdown.appendMarkdown('_δ and dW appear once the backward pass reaches this layer._');
    return new vscode.Hover(markdown, hit.range);
  }
}

/** The sentence is plain text: keep `*`, `_` and brackets from turning into Markdown. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, (c) => `\\${c}`);
}
