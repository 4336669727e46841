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
  /** The epochs a second Train goes at (`backprop.trainSpeed`); 0 is full speed. */
  trainSpeed: number;
}

export type ToWebviewMessage =
  | { type: 'state'; state: PanelState }
  | { type: 'update'; update: TrainingUpdate }
  | { type: 'boundary'; boundary: DecisionBoundary | null }
  | { type: 'gradCheck'; result: GradientCheckResult }
  | { type: 'select'; layer: number }
  | { type: 'error'; message: string }
  /** The answer to a `setWeight`: applied, or why not (a run is going, the index is out of range). */
  | { type: 'weightEdited'; ok: boolean; message: string };

export type FromWebviewMessage =
  | { type: 'ready' }
  /** The panel has drawn the last update, spending `drawMs` on it (the host paces updates by it). */
  | { type: 'rendered'; drawMs?: number }
  | { type: 'command'; command: PanelCommand }
  | { type: 'selectLayer'; layer: number }
  /**
   * A what-if edit of entry [from][to] of `layer`'s W as the panel lays it out: for dense the weight from unit `from`
   * of the previous layer (or input) to unit `to`; for a convolution kernel entry `to` (c·kh·kw) of filter `from`.
   */
  | { type: 'setWeight'; layer: number; from: number; to: number; value: number }
  /** Train from now on at `epochsPerSecond` (0: full speed; slow motion so a class can watch a boundary form). */
  | { type: 'speed'; epochsPerSecond: number };

/** The slow-motion speeds the panel offers, in epochs per second. */
export const SLOW_MOTION_SPEEDS: readonly number[] = [1, 3, 10, 30, 100];

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
      return typeof message.drawMs === 'number' && Number.isFinite(message.drawMs) && message.drawMs >= 0
        ? { type: 'rendered', drawMs: message.drawMs }
        : { type: 'rendered' };
    case 'command':
      return PANEL_COMMANDS.includes(message.command as PanelCommand)
        ? { type: 'command', command: message.command as PanelCommand }
        : undefined;
    case 'selectLayer':
      return isIndex(message.layer) ? { type: 'selectLayer', layer: message.layer } : undefined;
    case 'setWeight':
      return isIndex(message.layer) &&
        isIndex(message.from) &&
        isIndex(message.to) &&
        typeof message.value === 'number' &&
        Number.isFinite(message.value)
        ? { type: 'setWeight', layer: message.layer, from: message.from, to: message.to, value: message.value }
        : undefined;
    case 'speed':
      return message.epochsPerSecond === 0 || SLOW_MOTION_SPEEDS.includes(message.epochsPerSecond as number)
        ? { type: 'speed', epochsPerSecond: message.epochsPerSecond as number }
        : undefined;
    default:
      return undefined;
  }
}

function isIndex(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}
