// The extension host ⇄ the Backprop panel's webview. The webview runs script, so every message from it is
// checked (`parseFromWebview`) before use.

import type { DecisionBoundary, GradientCheckResult, HistoryView, ModelInfo, TrainingUpdate } from './trace';

/** Commands the panel's toolbar can send; each maps to a `backprop.*` command. */
export type PanelCommand =
  | 'train'
  | 'pause'
  | 'stepLayer'
  | 'stepPhase'
  | 'stepBatch'
  | 'stepEpoch'
  | 'runEpochs'
  | 'reset'
  | 'stepBack'
  | 'gradCheck'
  | 'exportTrace';

/** Everything the panel shows; sent whole on (re)load and kept by the webview as its restorable state. */
export interface PanelState {
  model: ModelInfo;
  /** The latest update; its `history` is the last delta, already part of `history`. */
  update: TrainingUpdate;
  /** The charts' series so far. */
  history: HistoryView;
  boundary?: DecisionBoundary | null;
  gradCheck?: GradientCheckResult;
  selectedLayer: number;
  /** Significant digits for numbers (`backprop.significantDigits`). */
  digits: number;
  /** False once the session behind a restored panel has ended. */
  live: boolean;
}

export type ToWebviewMessage =
  | { type: 'state'; state: PanelState }
  | { type: 'update'; update: TrainingUpdate }
  | { type: 'boundary'; boundary: DecisionBoundary | null }
  | { type: 'gradCheck'; result: GradientCheckResult }
  | { type: 'select'; layer: number }
  | { type: 'error'; message: string };

export type FromWebviewMessage =
  | { type: 'ready' }
  /** The panel has drawn the last update (the host paces updates by it). */
  | { type: 'rendered' }
  | { type: 'command'; command: PanelCommand }
  | { type: 'selectLayer'; layer: number };

export const PANEL_COMMANDS: readonly PanelCommand[] = [
  'train',
  'pause',
  'stepLayer',
  'stepPhase',
  'stepBatch',
  'stepEpoch',
  'runEpochs',
  'reset',
  'stepBack',
  'gradCheck',
  'exportTrace',
];

/** Validates a message from the webview: it runs untrusted-ish script, so nothing is taken on faith. */
export function parseFromWebview(value: unknown): FromWebviewMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
      return { type: 'ready' };
    case 'rendered':
      return { type: 'rendered' };
    case 'command':
      return PANEL_COMMANDS.includes(message.command as PanelCommand)
        ? { type: 'command', command: message.command as PanelCommand }
        : undefined;
    case 'selectLayer':
      return Number.isInteger(message.layer) && (message.layer as number) >= 0
        ? { type: 'selectLayer', layer: message.layer as number }
        : undefined;
    default:
      return undefined;
  }
}
