// The `backprop.*` settings, read fresh each time so changes apply without a reload.

import * as vscode from 'vscode';
import { SLOW_MOTION_SPEEDS, type StepGranularity } from '../protocol';

export interface BackpropSettings {
  updatesPerSecond: number;
  defaultStepGranularity: StepGranularity;
  significantDigits: number;
  maxFullTensorElements: number;
  showInlayHints: boolean;
  /** Epochs a second Train goes at; 0 is full speed. */
  trainSpeed: number;
}

export function settings(): BackpropSettings {
  const config = vscode.workspace.getConfiguration('backprop');
  return {
    updatesPerSecond: clamp(config.get<number>('updatesPerSecond', 30), 1, 60),
    defaultStepGranularity: config.get<StepGranularity>('defaultStepGranularity', 'phase'),
    significantDigits: clamp(config.get<number>('significantDigits', 4), 2, 12),
    maxFullTensorElements: clamp(config.get<number>('maxFullTensorElements', 50_000), 0, 10_000_000),
    showInlayHints: config.get<boolean>('showInlayHints', true),
    trainSpeed: trainSpeed(config.get<number>('trainSpeed', 0)),
  };
}

/** A speed the panel offers, or full speed. */
function trainSpeed(value: number): number {
  return SLOW_MOTION_SPEEDS.includes(value) ? value : 0;
}

function clamp(value: number, low: number, high: number): number {
  return Number.isFinite(value) ? Math.min(high, Math.max(low, value)) : low;
}
