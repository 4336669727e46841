// The engine's side of every boundary: what a training session reports about itself (trace records, cursors,
// diagnostics, histories, model summaries). Plain JSON-compatible data only (flat number[] tensors), because
// these records cross both the worker port and the webview's postMessage.

import type { ActivationName, LayerType, LossSpec, OptimizerType, SourceRange } from '../model/types';

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
  /** Instead of `data` for a tensor too big to send each step: a picture of it, down-sampled by blocks. */
  preview?: TensorPreview;
}

/**
 * A big tensor down-sampled to a grid of at most 64×64 blocks, each standing for `blockRows`×`blockCols`
 * entries by the entry of largest magnitude among them (so a single exploding weight still shows).
 */
export interface TensorPreview {
  rows: number;
  cols: number;
  blockRows: number;
  blockCols: number;
  /** rows × cols, row-major. */
  data: number[];
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
  // Layer types other than dense (absent for dense, so older readers see what they always saw). For batchnorm
  // and layernorm `weights`/`biases`/`dW`/`db` hold γ, β, dγ, dβ as [1][unit]; dropout has none (0 rows).
  /** What the layer computes before its activation; absent means dense. */
  type?: LayerType;
  /** A residual connection: the earlier layer whose activations were added to z. */
  add?: string;
  /** batchnorm: the batch mean per feature [1][unit], or per channel [1][channel] after an image (BatchNorm2d, over
   * the batch and every position of the channel's feature map); layernorm: each sample's mean [sample][1]. After forward. */
  mu?: Tensor;
  /** The biased variance σ² that normalized, shaped like `mu`. After forward. */
  var?: Tensor;
  /** [sample][unit] x̂ = (x − μ)/√(σ² + ε). After forward. */
  xhat?: Tensor;
  /** batchnorm and layernorm: [1][unit] scale γ and shift β (the same numbers as `weights` and `biases`); batchnorm
   * after an image: [1][channel]. */
  gamma?: Tensor;
  beta?: Tensor;
  /** [1][unit] (batchnorm after an image: [1][channel]) dγ = Σ δ·x̂ and dβ = Σ δ (the same numbers as `dW` and `db`). After backward. */
  dgamma?: Tensor;
  dbeta?: Tensor;
  /** batchnorm: [1][unit] (after an image: [1][channel]) running mean and (unbiased) variance used in evaluation. */
  runningMean?: Tensor;
  runningVar?: Tensor;
  /** dropout: [sample][unit] 1 where the entry was kept, 0 where it was dropped. After forward. */
  mask?: Tensor;
  /** Not dense: [sample][input] ∂L/∂(this layer's input), handed to the layer below. After backward, above the first layer. */
  gradInput?: Tensor;
  // Image layers (conv2d, maxpool2d, flatten, and dropout or layernorm between them). An image's values are
  // stored channel by channel, row by row: [sample][c·h·w] reshapes to [sample][c][h][w].
  /** [channels, height, width] of the image the layer reads. */
  inputShape?: [number, number, number];
  /** [channels, height, width] of the image the layer outputs (conv2d: channels = filters); absent for flatten. */
  shape?: [number, number, number];
  /** conv2d: the kernels K, [filter][channel·kh·kw] (the same numbers as `weights`), shaped by `kernelShape`. */
  kernels?: Tensor;
  /** conv2d: [filters, channels, kernel height, kernel width], as PyTorch's Conv2d.weight. */
  kernelShape?: [number, number, number, number];
  /** conv2d: stride and padding [rows, columns] the kernels slid with. */
  stride?: number;
  padding?: [number, number];
  /** conv2d: the feature maps a = f(z), [sample][filter·row·col], each filter's map `shape[1]`×`shape[2]`. After forward. */
  featureMaps?: Tensor;
  /** conv2d: dK = ∂L/∂K, [filter][channel·kh·kw] (the same numbers as `dW`). After backward. */
  dK?: Tensor;
  /** maxpool2d: [sample][channel·row·col] where each output's maximum was in the sample's input, as an index
   * c·H·W + y·W + x into `inputShape` (ties go to the first in reading order, as in PyTorch). After forward. */
  argmax?: Tensor;
  /** maxpool2d: the window size and stride. */
  poolSize?: number;
  // Adam's running moments, shaped like W and b: only in a layer asked for in full (the debugger's layerTensors),
  // not in every step's record.
  /** m = β₁m + (1 − β₁)·dW, the running mean of W's gradient. */
  adamM?: Tensor;
  /** v = β₂v + (1 − β₂)·dW², the running mean of its square. */
  adamV?: Tensor;
  /** The same for b. */
  adamMBias?: Tensor;
  adamVBias?: Tensor;
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

/** What a number became when training stopped on it. */
export type NonFiniteValue = 'NaN' | 'Infinity' | 'NaN and Infinity';

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
  /** A `non_finite` stop's quantity (`z = a_prev·W + b`, `the loss`, `gradient dW`…) without the layer's name. */
  quantity?: string;
  /** A `non_finite` stop's kind of number, so a script need not read it out of the message. */
  value?: NonFiniteValue;
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
  /** The parameters with the largest relative error, largest first (at most 3). */
  worst?: GradientCheckEntry[];
  /** Why finite differences cannot be trusted here (huge values, a ReLU kink within reach of ±ε), when so. */
  unreliable?: string;
}

export interface GradientCheckEntry {
  /** `W[i][j]` or `b[j]`. */
  parameter: string;
  analytic: number;
  numeric: number;
  relativeError: number;
}

export interface GradientCheckResult {
  layers: GradientCheckLayer[];
  passed: boolean;
  tolerance: number;
  /** ε of the central differences. */
  epsilon?: number;
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
  /** Absent means dense. */
  type?: LayerType;
  /** The earlier layer whose activations this one adds (residual connection). */
  add?: string;
  /** Image layers: [channels, height, width] read and output (`units` = the product of `shape`). */
  inputShape?: [number, number, number];
  shape?: [number, number, number];
  /** conv2d: filters, kernel [rows, columns], stride and padding [rows, columns]; maxpool2d: kernel [size, size], stride. */
  filters?: number;
  kernel?: [number, number];
  stride?: number;
  padding?: [number, number];
  /** batchnorm and layernorm: the ε under the square root of √(σ² + ε). */
  epsilon?: number;
  /** dropout: the fraction p of entries dropped in training (kept ones are scaled by 1/(1 − p)). */
  rate?: number;
}

export interface ModelInfo {
  name: string;
  file?: string;
  inputSize: number;
  /** `input: {shape: [c, h, w]}`: the inputs are images. */
  inputShape?: [number, number, number];
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
// Running until something happens

/**
 * When a run stops, evaluated by the session after every micro-step (so it lands on a clean micro-step
 * position that stepping and step back continue from exactly).
 */
export type RunUntil =
  /** The end of `count` units of the granularity, counted from where the run starts ('run' = the end). */
  | { kind: 'granularity'; granularity: StepGranularity; count?: number }
  /** The cursor reaches a micro-step: `phase` (and `layer` for forward/backward) is what runs next. */
  | { kind: 'position'; phase: Phase; layer?: number }
  /** A diagnostic of one of these kinds is raised (any kind when empty). */
  | { kind: 'diagnostic'; codes: DiagnosticCode[] }
  /** `step` batch steps have completed since the start. */
  | { kind: 'step'; step: number }
  /** `count` micro-steps have run. */
  | { kind: 'microSteps'; count: number }
  /** Whichever comes first. */
  | { kind: 'any'; of: RunUntil[] };

/**
 * What a worker's run accepts: the engine's conditions, or a debugger's breakpoints, exception filters and
 * (optionally) the step it was asked for, all evaluated in the worker after every micro-step (a condition checked
 * with a round trip per micro-step could never keep up with a run of a million epochs). The breakpoints kind is
 * compiled by the worker into a StopCheck, since its conditions are expressions the engine knows nothing of.
 */
export type WorkerRunUntil = RunUntil | BreakpointsUntil;

/**
 * Where a breakpoint can stop. A layer's site is right after its forward and right after its backward (so a
 * condition sees the layer's fresh z and a, or δ and dW); `loss` and `update` right after those micro-steps;
 * `batchStart` and `epochStart` before the first forward of a batch (of the first batch of an epoch).
 */
export type BreakpointSite =
  | { kind: 'layer'; layer: number }
  | { kind: 'loss' }
  | { kind: 'update' }
  | { kind: 'batchStart' }
  | { kind: 'epochStart' };

export interface BreakpointSpec {
  /** Chosen by the debugger; hit counts are kept per id for as long as the id is set. */
  id: number;
  at: BreakpointSite;
  /** An expression (src/debug/expression.ts) that must be truthy for the breakpoint to stop. */
  condition?: string;
  /** `5` (the 5th hit), `>= 5`, `> 5`, `< 5`, `<= 5`, `== 5`, `% 5` (every 5th). */
  hitCondition?: string;
  /** A logpoint: `{expression}` parts are interpolated and printed; it never stops. */
  logMessage?: string;
}

export interface BreakpointsUntil {
  kind: 'breakpoints';
  breakpoints: BreakpointSpec[];
  /** Stop when a diagnostic of one of these kinds is raised (a NaN always ends a run). */
  exceptions: DiagnosticCode[];
  /** Also stop when this holds (a step over or out that breakpoints may interrupt). */
  also?: RunUntil;
  /** Check the breakpoints at the position the run starts from too (a launch without stop on entry). */
  checkStart?: boolean;
}

export type StopReason =
  /** The granularity asked for was reached. */
  | 'step'
  /** A `run until` condition other than a granularity held. */
  | 'condition'
  | 'paused'
  | 'finished'
  | 'non_finite'
  | 'reset'
  | 'restored'
  /** A what-if edit of a parameter. */
  | 'edited';

// ---------------------------------------------------------------------------------------------
// What a UI is sent after a change

/**
 * New chart points since the previous delta, already thinned: a receiver drops the points after `truncate` (a
 * rewind or reset), appends these, then keeps only points whose 0-based step is a multiple of `stride` (epochs of
 * `epochStride`), so it never holds more than about 2 × MAX_SERIES_POINTS points however long the run.
 */
export interface HistoryDelta {
  /** Keep only points up to these 1-based steps and epochs before appending. */
  truncate?: { steps: number; epochs: number };
  stride: number;
  epochStride: number;
  /** 1-based batch step of each new point of batchLoss, gradNorm and updateRatio. */
  steps: number[];
  batchLoss: number[];
  /** [layer][point] */
  gradNorm: number[][];
  updateRatio: number[][];
  /** 1-based epoch of each new point of epochLoss (and validationLoss when there is validation data). */
  epochs: number[];
  epochLoss: number[];
  validationLoss: number[];
}

/** The history as the charts draw it: every delta received, applied (same series, each point with its x). */
export type HistoryView = Omit<HistoryDelta, 'truncate'>;

/** What a UI needs after any change: the current record, new chart points, and the warnings so far. */
export interface TrainingUpdate {
  record: TraceRecord;
  history: HistoryDelta;
  /** The latest finished epoch, if any. */
  lastEpoch?: EpochSummary;
  /** The latest diagnostic of each kind and layer, in the order they were reported. */
  diagnostics: TrainingDiagnostic[];
  running: boolean;
  /** Set on the updates of a slow-motion run: the epochs a second it goes at. */
  epochsPerSecond?: number;
  canStepBack: boolean;
}
