// The debugger-like toolbar and the line that says where the session stands.

import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { PanelCommand, PanelState } from '../src/protocol';
import { formatNumber } from './format';

const BUTTONS: { command: PanelCommand; icon: string; label: string }[] = [
  { command: 'train', icon: 'debug-continue', label: 'Train / continue to the end (F5)' },
  { command: 'pause', icon: 'debug-pause', label: 'Pause (F6)' },
  { command: 'stepLayer', icon: 'debug-step-into', label: 'Step into layer (F11)' },
  { command: 'stepPhase', icon: 'debug-step-over', label: 'Step phase' },
  { command: 'stepBatch', icon: 'debug-step-out', label: 'Step batch (Shift+F11)' },
  { command: 'stepEpoch', icon: 'run-all', label: 'Step epoch' },
  { command: 'runEpochs', icon: 'run-coverage', label: 'Run N epochs…' },
  { command: 'stepBack', icon: 'debug-step-back', label: 'Step back (Shift+F10)' },
  { command: 'reset', icon: 'debug-restart', label: 'Reset to the initial weights' },
  { command: 'gradCheck', icon: 'beaker', label: 'Gradient check' },
  { command: 'exportTrace', icon: 'export', label: 'Export trace (JSON/CSV)' },
];

export function renderToolbar(host: HTMLElement, send: (command: PanelCommand) => void): void {
  host.innerHTML = '';
  for (const button of BUTTONS) {
    const element = document.createElement('vscode-toolbar-button');
    element.setAttribute('icon', button.icon);
    element.setAttribute('label', button.label);
    element.title = button.label;
    element.dataset.command = button.command;
    element.addEventListener('click', () => send(button.command));
    host.append(element);
  }
}

export function updateToolbar(host: HTMLElement, state: PanelState): void {
  const { update } = state;
  const running = update.running;
  const enabled: Record<string, boolean> = {
    // A panel whose session ended can still start a new one for the model in the editor.
    train: !state.live || (!running && !update.record.cursor.finished),
    pause: state.live && running,
    stepBack: state.live && !running && update.canStepBack,
  };
  for (const element of host.querySelectorAll<HTMLElement>('[data-command]')) {
    const command = element.dataset.command!;
    const on = command in enabled ? enabled[command] : state.live && !running;
    element.toggleAttribute('disabled', !on);
    element.style.opacity = on ? '' : '0.4';
  }
}

/** "Epoch 3/200 · batch 1/4 · backward · hidden" and the loss. */
export function describePosition(state: PanelState): string {
  const { record } = state.update;
  const cursor = record.cursor;
  const layers = state.model.layers;
  if (cursor.finished) return `Finished: ${state.model.epochs} epochs`;
  const next =
    cursor.phase === 'forward' || cursor.phase === 'backward'
      ? `${cursor.phase} ${layers[cursor.layer].name}`
      : cursor.phase;
  return `Epoch ${cursor.epoch + 1}/${state.model.epochs} · batch ${cursor.batch + 1}/${cursor.batchesPerEpoch} · next: ${next}`;
}

export function describeLoss(state: PanelState): string {
  const { record, lastEpoch: last } = state.update;
  const parts: string[] = [];
  if (record.loss !== undefined && record.loss !== null)
    parts.push(`batch loss ${formatNumber(record.loss, state.digits)}`);
  if (last) {
    parts.push(`epoch loss ${formatNumber(last.loss, state.digits)}`);
    if (last.accuracy !== undefined) parts.push(`accuracy ${(last.accuracy * 100).toFixed(1)}%`);
    if (last.validationLoss !== undefined) parts.push(`validation ${formatNumber(last.validationLoss, state.digits)}`);
  }
  return parts.join(' · ');
}
