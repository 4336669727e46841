// The engine's diagnostics as a list a student can act on: what, where, since when, and what to try.

import type { GradientCheckResult, TrainingDiagnostic } from '../src/protocol';
import { formatNumber, parameterLabel } from './format';

const ICONS: Record<TrainingDiagnostic['severity'], string> = { error: 'error', warning: 'warning', info: 'info' };

export function renderWarnings(
  host: HTMLElement,
  diagnostics: TrainingDiagnostic[],
  onSelect: (layer: number) => void,
): void {
  // One entry per condition and layer already: updates carry the latest report of each.
  const items = [...diagnostics].sort((a, b) => severityRank(a) - severityRank(b) || a.step - b.step);
  if (items.length === 0) {
    const none = document.createElement('p');
    none.className = 'placeholder';
    none.textContent = 'No warnings: gradients look healthy so far.';
    host.replaceChildren(none);
    return;
  }
  const list = document.createElement('ul');
  list.id = 'warnings-list';
  for (const d of items) {
    const item = document.createElement('li');
    item.className = `warning ${d.severity}`;
    item.dataset.code = d.code;
    if (d.layer !== null) item.dataset.layer = String(d.layer);
    item.innerHTML = `<span class="codicon"></span><div><div class="what"><strong></strong> <span class="since"></span></div><div class="message"></div><div class="hint"></div></div>`;
    item.querySelector('.codicon')!.classList.add(`codicon-${ICONS[d.severity]}`);
    item.querySelector('strong')!.textContent = `${d.code.replace('_', ' ')}${d.layerName ? ` · ${d.layerName}` : ''}`;
    item.querySelector('.since')!.textContent = `since step ${d.step + 1} (epoch ${d.epoch + 1})`;
    item.querySelector('.message')!.textContent = d.message;
    item.querySelector('.hint')!.textContent = `Try: ${d.hint}`;
    if (d.layer !== null) item.addEventListener('click', () => onSelect(d.layer!));
    list.append(item);
  }
  host.replaceChildren(list);
}

/**
 * Per layer: pass or fail, and the parameters whose analytic and numeric gradients differ most, so a failure shows
 * its numbers; when finite differences cannot be trusted on a layer, why, in words.
 */
export function renderGradCheck(
  host: HTMLElement,
  result: GradientCheckResult | undefined,
  inputNames?: readonly string[],
): void {
  if (!result) {
    host.replaceChildren();
    return;
  }
  const title = document.createElement('h3');
  title.textContent = `Gradient check: ${result.passed ? 'passed' : 'FAILED'}`;
  const about = document.createElement('p');
  about.className = 'caption';
  about.textContent = `Backprop's gradient (analytic) against central differences (numeric${result.epsilon ? `, ε = ${result.epsilon}` : ''}); a layer passes when every relative error is at most ${result.tolerance}.`;
  const table = document.createElement('table');
  table.id = 'grad-check';
  table.className = 'plain grad-check';
  const columns = ['parameter', 'analytic', 'numeric', 'relative error'];
  const head = table.createTHead().insertRow();
  for (const text of columns) head.append(Object.assign(document.createElement('th'), { textContent: text }));
  const body = table.createTBody();
  for (const layer of result.layers) {
    const ok = layer.maxRelativeError <= result.tolerance;
    const heading = body.insertRow();
    heading.className = `layer ${ok ? 'pass' : 'fail'}`;
    heading.dataset.layer = String(layer.layer);
    const cell = heading.insertCell();
    cell.colSpan = 4;
    cell.textContent = `${ok ? '✓' : '✗'} ${layer.name}: max relative error ${layer.maxRelativeError.toExponential(2)} over ${layer.parameters} parameters${ok ? '' : ` (above ${result.tolerance})`}`;
    for (const entry of layer.worst ?? []) {
      const row = body.insertRow();
      row.className = `worst ${entry.relativeError <= result.tolerance ? 'pass' : 'fail'}`;
      const values = [
        parameterLabel(entry.parameter, layer.layer, inputNames),
        formatNumber(entry.analytic, 6),
        formatNumber(entry.numeric, 6),
        entry.relativeError.toExponential(2),
      ];
      values.forEach((text, column) => {
        const cell = row.insertCell();
        cell.textContent = text;
        // A narrow panel hides the header row and labels each number itself (style.css).
        if (column > 0) cell.dataset.label = columns[column];
      });
    }
    if (layer.unreliable) {
      const row = body.insertRow();
      row.className = 'unreliable';
      const reason = row.insertCell();
      reason.colSpan = 4;
      reason.textContent = `Unreliable here, finite differences cannot settle it: ${layer.unreliable}.`;
    }
  }
  const scroller = document.createElement('div');
  scroller.className = 'scroll-x';
  scroller.append(table);
  host.replaceChildren(title, about, scroller);
}

function severityRank(d: TrainingDiagnostic): number {
  return d.severity === 'error' ? 0 : d.severity === 'warning' ? 1 : 2;
}
