// The engine's diagnostics as a list a student can act on: what, where, since when, and what to try.

import type { GradientCheckResult, TrainingDiagnostic } from '../src/protocol';

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

export function renderGradCheck(host: HTMLElement, result: GradientCheckResult | undefined): void {
  if (!result) {
    host.replaceChildren();
    return;
  }
  const table = document.createElement('table');
  table.id = 'grad-check';
  table.className = 'plain';
  table.innerHTML = '<tr><th>layer</th><th>max relative error</th><th>parameters</th><th></th></tr>';
  for (const layer of result.layers) {
    const row = table.insertRow();
    const ok = layer.maxRelativeError <= result.tolerance;
    for (const text of [
      layer.name,
      layer.maxRelativeError.toExponential(2),
      String(layer.parameters),
      ok ? '✓' : '✗ above ' + result.tolerance,
    ]) {
      row.insertCell().textContent = text;
    }
    row.className = ok ? 'pass' : 'fail';
  }
  const title = document.createElement('h3');
  title.textContent = `Gradient check: ${result.passed ? 'passed' : 'FAILED'}`;
  host.replaceChildren(title, table);
}

function severityRank(d: TrainingDiagnostic): number {
  return d.severity === 'error' ? 0 : d.severity === 'warning' ? 1 : 2;
}
