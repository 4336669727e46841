// Every shape that crosses a boundary is written down here and only here: the engine's trace records,
// the worker's requests and events, and the messages between the extension host and the webview.
// Plain JSON-compatible data only (flat number[] tensors), because VS Code serialises webview messages.

import type { ActivationName, LossSpec, OptimizerType, SourceRange } from './model/types';

// ---------------------------------------------------------------------------------------------
// Stepping

/** The four phases of one batch step, in order: forward layer 0..L-1, loss, backward layer L-1..0, update. */
export type Phase = 'forward' | 'loss' | 'backward' | 'update';

/** How far one "step" goes: one layer (step into), to the end of the current phase, batch, epoch, or the whole run. */
export type StepGranularity = 'layer' | 'phase' | 'batch' | 'epoch' | 'run';

/** How much a trace record carries: nothing, norms and summaries, or every tensor in full. */
export type TraceLevel = 'off' | 'summary' | 'full';

/** The next micro-step the session will run (or `finished`). */
export interface Cursor {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  batchesPerEpoch: number;
  phase: Phase;
  /** Layer index for forward/backward; -1 for loss and update. */
  layer: number;
  /** Batch steps completed since the start (the optimizer's t). */
  step: number;
  finished: boolean;
}

/** One micro-step that was just run. */
export interface MicroStep {
  phase: Phase;
  layer: number;
}

export interface TensorSummary {
  min: number;
  max: number;
  mean: number;
  /** L2 (Frobenius) norm. */
  norm: number;
  /** Count of NaN and ±Infinity entries. */
  nonFinite: number;
}

/** A matrix in row-major order. `data` is present only at trace level `full` (or when requested). */
export interface Tensor {
  rows: number;
  cols: number;
  summary: TensorSummary;
  data?: number[];
}

export interface LayerNorms {
  z: number;
  a: number;
  delta: number;
  /** The gradient the optimizer used (after L2 and clipping). */
  dW: number;
  db: number;
  /** The update actually applied, ΔW = W_after − W_before. */
  deltaW: number;
  weights: number;
  biases: number;
  /** ‖ΔW‖ / ‖W‖; healthy training sits near 1e-3. */
  updateRatio: number;
}

export interface LayerTrace {
  index: number;
  name: string;
  activation: ActivationName;
  frozen: boolean;
  inputSize: number;
  units: number;
  /** Which parts of this layer have been computed in the current batch step. */
  computed: { forward: boolean; backward: boolean; update: boolean };
  /** [sample][unit] pre-activations. */
  z?: Tensor;
  /** [sample][unit] activations. */
  a?: Tensor;
  /** [sample][unit] δ = ∂L/∂z (already includes the 1/m of the batch mean). */
  delta?: Tensor;
  /** [input][unit] gradient used by the optimizer (after L2 and clipping). */
  dW?: Tensor;
  /** [1][unit] */
  db?: Tensor;
  /** [input][unit] the update actually applied. */
  deltaW?: Tensor;
  deltaB?: Tensor;
  /** [input][unit] current weights (after the update once the update ran). */
  weights: Tensor;
  /** [1][unit] current biases (all zero, and never updated, for a layer with `bias: false`). */
  biases: Tensor;
  norms: LayerNorms;
}

export type Severity = 'info' | 'warning' | 'error';

export type DiagnosticCode =
  | 'vanishing'
  | 'exploding'
  | 'update_ratio'
  | 'dead_relu'
  | 'saturation'
  | 'non_finite'
  | 'symmetric_init'
  | 'loss_rising';

export interface TrainingDiagnostic {
  code: DiagnosticCode;
  severity: Severity;
  /** Layer index, or null for model-wide conditions (rising loss). */
  layer: number | null;
  layerName?: string;
  /** One line a student understands. */
  message: string;
  /** What to try. */
  hint: string;
  /** Batch step (optimizer t) at which the condition was first reported. */
  step: number;
  epoch: number;
  batch: number;
}

export interface TraceRecord {
  /** The micro-step just run; null before the first one. */
  did: MicroStep | null;
  /** Where the session stands now (the next micro-step). */
  cursor: Cursor;
  epoch: number;
  batch: number;
  /** Batch steps completed before this one (so the optimizer's t for this batch is step + 1). */
  step: number;
  /** Indices of the samples in this batch, in the order used. */
  samples: number[];
  /** Learning rate in force for this batch (after the schedule). */
  lr: number;
  /** [sample][feature] */
  inputs?: Tensor;
  /** [sample][output] */
  targets?: Tensor;
  /** Batch loss without the L2 term, once the loss phase has run for this batch. */
  loss?: number;
  /** λ/(2m)·ΣW², once the loss phase has run. */
  l2Penalty?: number;
  /** Global gradient-norm clip: the factor gradients were scaled by (1 when not clipped). */
  clipScale?: number;
  layers: LayerTrace[];
  /** Diagnostics first reported by this micro-step. */
  diagnostics: TrainingDiagnostic[];
}

export interface EpochSummary {
  epoch: number;
  /** Mean batch loss over the epoch (forward-pass losses, without L2). */
  loss: number;
  validationLoss?: number;
  /** Classification accuracy on the training set, for softmax or sigmoid outputs. */
  accuracy?: number;
  validationAccuracy?: number;
}

export interface TrainingHistory {
  /**
   * Batch steps per recorded point of batchLoss, gradNorm and updateRatio (point i is step i·stride): 1 unless
   * the session bounds its history, in which case a long run keeps every 2nd, then every 4th… step.
   */
  stride: number;
  /** Epochs per recorded point of epochLoss, validationLoss (and of the session's epoch summaries). */
  epochStride: number;
  /** Loss of each batch step. */
  batchLoss: number[];
  /** Mean batch loss of each epoch. */
  epochLoss: number[];
  validationLoss: number[];
  /** [layer][batch step] ‖dW‖. */
  gradNorm: number[][];
  /** [layer][batch step] ‖ΔW‖/‖W‖. */
  updateRatio: number[][];
}

export interface GradientCheckLayer {
  layer: number;
  name: string;
  /** Max relative error |analytic − numeric| / max(|analytic| + |numeric|, tiny) over the layer's parameters. */
  maxRelativeError: number;
  parameters: number;
}

export interface GradientCheckResult {
  layers: GradientCheckLayer[];
  passed: boolean;
  tolerance: number;
}

/** The input plane of a 2-input model, coloured by the model's output. */
export interface DecisionBoundary {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** Grid is resolution × resolution, row-major from (xMin, yMin). */
  resolution: number;
  /** Output 0 (regression or sigmoid), or the winning class's probability signed by class for softmax: see `classes`. */
  values: number[];
  /** For softmax outputs, the argmax class of each grid cell; empty otherwise. */
  classOf: number[];
  classes: number;
  points: { x: number; y: number; label: number }[];
}

// ---------------------------------------------------------------------------------------------
// Model summary for the UI (the full ModelSpec stays in the host/worker)

export interface LayerInfo {
  index: number;
  name: string;
  units: number;
  inputSize: number;
  activation: ActivationName;
  frozen: boolean;
  bias: boolean;
  range?: SourceRange;
}

export interface ModelInfo {
  name: string;
  file?: string;
  inputSize: number;
  inputNames?: string[];
  layers: LayerInfo[];
  loss: LossSpec;
  optimizer: { type: OptimizerType; lr: number };
  /** L2 strength λ (0 = off). */
  l2: number;
  epochs: number;
  batchSize: number;
  samples: number;
  validationSamples: number;
}

// ---------------------------------------------------------------------------------------------
// Extension host ⇄ training worker

export type WorkerRequest =
  | { type: 'load'; model: import('./model/types').ModelSpec; traceLevel: TraceLevel }
  | { type: 'step'; granularity: StepGranularity; count?: number }
  | { type: 'pause' }
  | { type: 'reset' }
  | { type: 'stepBack' }
  | { type: 'gradCheck' }
  | { type: 'boundary'; resolution: number }
  | { type: 'selectLayer'; layer: number }
  /** Every point of the history and every epoch summary (Export Trace); updates carry a thinned view. */
  | { type: 'fullHistory' };

/** The history as the charts get it: thinned to a few thousand points, with the x of each point. */
export interface HistoryView {
  /** 1-based batch step of each point of batchLoss, gradNorm and updateRatio. */
  steps: number[];
  batchLoss: number[];
  gradNorm: number[][];
  updateRatio: number[][];
  /** 1-based epoch of each point of epochLoss and validationLoss. */
  epochs: number[];
  epochLoss: number[];
  validationLoss: number[];
}

/** What a UI needs after any change: the current record, the history to chart, and the warnings so far. */
export interface TrainingUpdate {
  record: TraceRecord;
  history: HistoryView;
  /** The latest finished epoch, if any. */
  lastEpoch?: EpochSummary;
  /** The latest diagnostic of each kind and layer, in the order they were reported. */
  diagnostics: TrainingDiagnostic[];
  running: boolean;
  canStepBack: boolean;
}

export type WorkerEvent =
  | { type: 'loaded'; model: ModelInfo; update: TrainingUpdate }
  | { type: 'update'; update: TrainingUpdate }
  | { type: 'stopped'; reason: StopReason; update: TrainingUpdate }
  | { type: 'gradCheck'; result: GradientCheckResult }
  | { type: 'fullHistory'; history: TrainingHistory; epochs: EpochSummary[]; diagnostics: TrainingDiagnostic[] }
  | { type: 'boundary'; boundary: DecisionBoundary | null }
  | { type: 'error'; message: string };

export type StopReason = 'step' | 'paused' | 'finished' | 'non_finite' | 'reset' | 'restored';

// ---------------------------------------------------------------------------------------------
// Extension host ⇄ webview

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
  update: TrainingUpdate;
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
  { type: 'ready' } | { type: 'command'; command: PanelCommand } | { type: 'selectLayer'; layer: number };

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
