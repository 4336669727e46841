// The extension host (or the debug adapter, or a test) ⇄ the training worker. Every request carries an id and
// gets exactly one reply with that id: its result, or an error saying why (a step asked for during a run is
// refused at once, never dropped). The only messages the worker sends unasked are run progress, decision
// boundaries and logpoint output.

import type { ModelSpec } from '../model/types';
import type {
  BreakpointSpec,
  DecisionBoundary,
  DiagnosticCode,
  EpochSummary,
  GradientCheckResult,
  LayerTrace,
  ModelInfo,
  StepGranularity,
  StopReason,
  TraceLevel,
  TrainingDiagnostic,
  TrainingHistory,
  TrainingUpdate,
  WorkerRunUntil,
} from './trace';

/** Where a session stands after a request that moved it, and why it stopped there. */
export interface Stopped {
  reason: StopReason;
  /** For `condition`: which condition held, in words (`diagnostic vanishing in hidden1`). */
  detail?: string;
  update: TrainingUpdate;
  /** For a run with breakpoints (`until.kind === 'breakpoints'`) that stopped on one of them. */
  hit?: BreakpointHit;
}

/** What stopped a run with breakpoints. */
export interface BreakpointHit {
  /** Ids of the breakpoints whose site, condition and hit count all held here. */
  breakpoints: number[];
  /** A breakpoint whose condition could not be evaluated: it stops once, says why, and is then ignored. */
  conditionError?: { id: number; message: string };
  /** The diagnostic an exception filter stopped on (or the NaN that ended training). */
  exception?: TrainingDiagnostic;
}

/** An expression's value as it crosses the port: a tensor is row-major. */
export type ExpressionResult =
  number | string | boolean | { kind: 'tensor'; rows: number; cols: number; data: ArrayLike<number> };

/** An expression's value, or why it has none (with the 0-based column of the problem when it is a syntax error). */
export type Evaluation = { ok: true; value: ExpressionResult } | { ok: false; error: string; column?: number };

/** The parameter a what-if edit changes. */
export interface ParameterEdit {
  layer: number;
  tensor: 'W' | 'b';
  /** Row-major index into the tensor ([input][unit] for W). */
  index: number;
  value: number;
}

/** Each request's parameters and the result its reply carries. */
export interface WorkerRequests {
  load: { params: { model: ModelSpec; traceLevel: TraceLevel }; result: { model: ModelInfo; update: TrainingUpdate } };
  /** Steps synchronously-small granularities, time-sliced for the rest; refused while a run is going. */
  step: { params: { granularity: StepGranularity; count?: number }; result: Stopped };
  /**
   * Runs until the condition holds, the end, a NaN, or a pause/reset/stop; replies when it has stopped. With
   * `epochsPerSecond` (slow motion, so a class can watch a boundary form) it waits between epochs, still one
   * run that Pause ends, and each epoch's update carries the selected layer and a new decision boundary.
   */
  run: { params: { until: WorkerRunUntil; epochsPerSecond?: number }; result: Stopped };
  /** Stops a run within one time slice; answered once the run has stopped (or at once when none is going). */
  pause: { params: object; result: Stopped };
  /** Back to the initial weights; a run going is stopped first. */
  reset: { params: object; result: Stopped };
  /** Back `count` micro-steps (default 1), exactly; refused while running. */
  stepBack: { params: { count?: number }; result: Stopped };
  /** Back to the start of the batch step `step`, exactly. */
  rewind: { params: { step: number }; result: Stopped };
  /** A what-if edit of one weight or bias; step back and replay stay exact from there. */
  setParameter: { params: ParameterEdit; result: Stopped };
  gradCheck: { params: object; result: GradientCheckResult };
  boundary: { params: { resolution: number }; result: DecisionBoundary | null };
  /** Every point of the history and every epoch summary and diagnostic (Export Trace). */
  fullHistory: {
    params: object;
    result: { history: TrainingHistory; epochs: EpochSummary[]; diagnostics: TrainingDiagnostic[] };
  };
  /** Every tensor of one layer in full, as it is now. */
  layerTensors: { params: { layer: number }; result: LayerTrace };
  /** Which layer the UI shows: its tensors come in full at each stop. */
  selectLayer: { params: { layer: number }; result: null };
  /**
   * Evaluates an expression (src/debug/expression.ts) at the current position; `layer` is the layer the bare
   * names W, b, z, a, delta, dW… mean. Served during a run too.
   */
  evaluate: { params: { expression: string; layer?: number }; result: Evaluation };
  /**
   * Back to the latest position before this one where one of these breakpoints (or filters) would have stopped
   * a forward run, found by replaying from the earliest reachable position; the earliest position if none.
   */
  reverseContinue: { params: { breakpoints: BreakpointSpec[]; exceptions: DiagnosticCode[] }; result: Stopped };
  /**
   * Export Trace's step-by-step trace: batch steps `fromStep` (default 0) to `toStep` (exclusive; default the
   * steps this session has run) as JSON Lines in the shape of `backprop trace --json`'s steps
   * (src/worker/stepTrace.ts), replayed in a session of their own so this one does not move. Refused
   * (`invalid`) above 100,000 steps or 200 MB. Served during a run too.
   */
  traceSteps: {
    params: { level: 'summary' | 'full'; fromStep?: number; toStep?: number };
    result: { text: string; steps: number };
  };
  /** Ends any run; the worker can then be terminated without losing a reply. */
  stop: { params: object; result: null };
}

export type WorkerRequestType = keyof WorkerRequests;

export type WorkerRequest = {
  [K in WorkerRequestType]: { id: number; type: K } & WorkerRequests[K]['params'];
}[WorkerRequestType];

/** Why a request was not served: `busy` (try again after Pause), `invalid` (bad parameters), `failed` (an error). */
export type RefusalCode = 'busy' | 'invalid' | 'no_model' | 'failed';

export type WorkerReply =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; code: RefusalCode; error: string };

/** Unasked: progress of a run (at most ~30 a second), and the decision boundary about once a second. */
export type WorkerNotice =
  | { kind: 'progress'; update: TrainingUpdate }
  | { kind: 'boundary'; boundary: DecisionBoundary | null }
  /** A logpoint's message (or why it could not be printed), as the run passes it. */
  | { kind: 'output'; category: 'console' | 'stderr'; text: string; breakpoint?: number };

export type WorkerMessage = WorkerReply | WorkerNotice;
