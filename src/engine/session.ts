// The steppable training session: a state machine over micro-steps
//   forward 0 … forward L−1 → loss → backward L−1 … backward 0 → update → (next batch)
// that callers drive at any granularity, pause, reset, and step back through (by restoring a snapshot taken
// at a batch start and replaying, which is exact because everything is deterministic from the seed).

import type { ModelSpec } from '../model/types';
import type {
  Cursor,
  DecisionBoundary,
  EpochSummary,
  MicroStep,
  ModelInfo,
  ParameterEdit,
  RunUntil,
  StepGranularity,
  StopReason,
  TraceLevel,
  TraceRecord,
  TrainingDiagnostic,
  TrainingHistory,
} from '../protocol';
import { DiagnosticLog } from './diagnosticLog';
import { DiagnosticsMonitor, newMonitorMemory, StepStats, type Position } from './diagnostics';
import { allFinite, fromRows, toRows } from './matrix';
import { parameterCount } from './layers';
import { Network, type Layer } from './network';
import { scheduledLearningRate, type OptimizerSlots } from './optimizers';
import { Random } from './random';
import { SnapshotHistory, type SessionState, type SnapshotParts } from './snapshots';
import { boundaryOf, correctCount, modelInfoOf } from './summaries';
import { layerTrace, makeTensor } from './trace';

export interface SessionOptions {
  /** How much each trace record carries; default `summary`. */
  traceLevel?: TraceLevel;
  /** Most batch-start snapshots kept for step-back; default 256 (fewer for big models, by memory). */
  snapshotLimit?: number;
  /**
   * Most points kept per history series (the worker bounds it so a run of millions of steps cannot exhaust
   * memory: past the limit every other point goes and the stride doubles). Default: every step, unbounded.
   */
  historyLimit?: number;
  /** Most diagnostics kept of each kind on each layer (older ones are counted as dropped); default 50. */
  diagnosticsPerKind?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Called after every batch step with that step's record (at the session's trace level). */
  onBatch?: (record: TraceRecord) => void;
  /** Called each time the run yields to the event loop; cheap place to publish progress. */
  onSlice?: () => void;
  /** How long to compute before yielding, in milliseconds; default 10. */
  sliceMs?: number;
}

/** Why a run stopped; `detail` says which condition held. */
export interface RunResult {
  reason: StopReason;
  detail?: string;
}

/** Checked after every micro-step of a run: a result stops the run. */
export type StopCheck = () => RunResult | undefined;

export interface SessionListener {
  epoch?(summary: EpochSummary): void;
  diagnostic?(diagnostic: TrainingDiagnostic): void;
}

export class TrainingSession {
  readonly traceLevel: TraceLevel;
  private network!: Network;
  private random!: Random;
  private monitor!: DiagnosticsMonitor;
  private readonly trainInputs: Float64Array;
  private readonly trainTargets: Float64Array;
  /** The validation set as matrices, made once rather than at every epoch end. */
  private readonly validation?: { inputs: Float64Array; targets: Float64Array; count: number };
  private readonly sampleCount: number;
  private readonly batchSize: number;
  private readonly microStepsPerBatch: number;
  /** One batch step as its micro-steps, in order: forward 0..L−1, loss, backward L−1..0, update. */
  private readonly sequence: readonly MicroStep[];
  private readonly snapshots: SnapshotHistory;
  private readonly stats: StepStats;
  /** 0, 1, …, n−1: the order of every epoch when not shuffling (never mutated, so shared). */
  private readonly inOrder: readonly number[];
  private state!: SessionState;
  history!: TrainingHistory;
  /** Epoch summaries: every one, or every history.epochStride-th with a history limit. */
  epochs!: EpochSummary[];
  /** The summary of the last finished epoch. */
  latestEpoch: EpochSummary | undefined;
  private readonly historyLimit: number;
  private diagnosticLog!: DiagnosticLog;
  private readonly diagnosticsPerKind: number;
  /** Report number of the first diagnostic the next trace record carries. */
  private reportedUpTo = 0;
  private replaying = false;
  /** What-if edits (setParameter) and the micro-step position each was made at, oldest first. */
  private edits: { position: number; edit: ParameterEdit }[] = [];
  private readonly listeners = new Set<SessionListener>();

  constructor(
    readonly model: ModelSpec,
    options: SessionOptions = {},
  ) {
    this.traceLevel = options.traceLevel ?? 'summary';
    this.historyLimit = Math.max(2, options.historyLimit ?? Infinity);
    this.diagnosticsPerKind = Math.max(1, options.diagnosticsPerKind ?? 50);
    const outputs = model.layers[model.layers.length - 1].units;
    this.sampleCount = model.train.inputs.length;
    this.trainInputs = fromRows(model.train.inputs, model.inputSize).data;
    this.trainTargets = fromRows(model.train.targets, outputs).data;
    if (model.validation && model.validation.inputs.length > 0) {
      this.validation = {
        inputs: fromRows(model.validation.inputs, model.inputSize).data,
        targets: fromRows(model.validation.targets, outputs).data,
        count: model.validation.inputs.length,
      };
    }
    this.batchSize = Math.max(1, Math.min(model.training.batch, this.sampleCount));
    const layerIndices = model.layers.map((_, k) => k);
    this.sequence = [
      ...layerIndices.map((layer): MicroStep => ({ phase: 'forward', layer })),
      { phase: 'loss', layer: -1 },
      ...layerIndices.reverse().map((layer): MicroStep => ({ phase: 'backward', layer })),
      { phase: 'update', layer: -1 },
    ];
    this.microStepsPerBatch = this.sequence.length;
    let parameters = 0;
    let fanIn = model.inputSize;
    for (const layer of model.layers) {
      parameters += parameterCount(layer, fanIn);
      fanIn = layer.units;
    }
    this.snapshots = new SnapshotHistory(parameters, options.snapshotLimit);
    this.stats = new StepStats(model.layers.length);
    this.inOrder = Array.from({ length: this.sampleCount }, (_, i) => i);
    this.initialize();
  }

  get cursor(): Cursor {
    return { ...this.state.cursor };
  }

  get stopped(): StopReason | undefined {
    return this.state.stopped;
  }

  listen(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Back to the initial weights (re-drawn from the seed), as if the session had just been created. */
  reset(): void {
    this.edits = [];
    this.initialize();
  }

  /** Back `count` micro-steps at once (one restore and one replay). */
  stepBackBy(count: number): boolean {
    return this.seek(Math.max(0, this.microPosition - Math.max(1, Math.floor(count))));
  }

  /** Runs to the end of `granularity` synchronously and returns the record of the state reached. */
  step(granularity: StepGranularity): TraceRecord {
    const reached = this.target(granularity);
    while (this.canStep()) {
      this.microStep();
      if (reached()) break;
    }
    return this.trace();
  }

  /**
   * Runs until `until` holds (checked after every micro-step), the end, a NaN, or the signal aborts, yielding to
   * the event loop every `sliceMs` of work so that a pause or reset sent meanwhile is seen within one slice.
   * It always stops on a clean micro-step position, which stepping and step back continue from exactly.
   */
  async runUntil(until: RunUntil | StopCheck, options: RunOptions = {}): Promise<RunResult> {
    const check = typeof until === 'function' ? until : this.stopCheck(until);
    const slice = options.sliceMs ?? 10;
    while (this.canStep()) {
      const deadline = performance.now() + slice;
      do {
        this.microStep();
        if (options.onBatch && this.state.microIndex === 0) options.onBatch(this.trace());
        const hit = check();
        if (hit) return this.canStep() ? hit : { reason: this.stopReason(hit.reason) };
      } while (this.canStep() && performance.now() < deadline);
      if (!this.canStep()) break;
      options.onSlice?.();
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) return { reason: 'paused' };
    }
    return { reason: this.stopReason('step') };
  }

  /** What `runUntil` checks after each micro-step for a RunUntil, counted from where the session stands now. */
  stopCheck(until: RunUntil): StopCheck {
    switch (until.kind) {
      case 'granularity': {
        let left = Math.max(1, until.count ?? 1);
        let reached = this.target(until.granularity);
        return () => {
          if (!reached()) return undefined;
          if (--left === 0) return { reason: 'step' };
          reached = this.target(until.granularity);
          return undefined;
        };
      }
      case 'position':
        return () => {
          const { cursor } = this.state;
          const here = cursor.phase === until.phase && (until.layer === undefined || cursor.layer === until.layer);
          return here ? { reason: 'condition', detail: `reached ${describeMicroStep(cursor, this.model)}` } : undefined;
        };
      case 'diagnostic': {
        let seen = this.diagnosticLog.reported;
        return () => {
          // A rewind can shorten the log; only what was raised after the start counts.
          seen = Math.min(seen, this.diagnosticLog.reported);
          const found = this.diagnosticLog
            .since(seen)
            .find((raised) => until.codes.length === 0 || until.codes.includes(raised.code));
          if (found)
            return { reason: 'condition', detail: `${found.code}${found.layerName ? ` in ${found.layerName}` : ''}` };
          seen = this.diagnosticLog.reported;
          return undefined;
        };
      }
      case 'step':
        return () =>
          this.state.cursor.step >= until.step ? { reason: 'condition', detail: `step ${until.step}` } : undefined;
      case 'microSteps': {
        const end = this.microPosition + until.count;
        return () => (this.microPosition >= end ? { reason: 'step' } : undefined);
      }
      case 'any': {
        const checks = until.of.map((inner) => this.stopCheck(inner));
        return () => {
          for (const check of checks) {
            const hit = check();
            if (hit) return hit;
          }
          return undefined;
        };
      }
    }
  }

  /**
   * A what-if edit of one weight or bias, as of now. Replays pass through it (so step back stays exact after it);
   * stepping back to before it undoes it.
   */
  setParameter(edit: ParameterEdit): void {
    const layer = this.network.layers[edit.layer];
    const target = edit.tensor === 'W' ? layer?.W : layer?.b;
    if (!target || !Number.isInteger(edit.index) || edit.index < 0 || edit.index >= target.length)
      throw new RangeError(`no ${edit.tensor}[${edit.index}] in layer ${edit.layer}`);
    if (edit.tensor === 'b' && !this.model.layers[edit.layer].bias)
      throw new RangeError(`layer ${layer.name} has no bias`);
    if (!Number.isFinite(edit.value)) throw new RangeError('the value must be a finite number');
    target[edit.index] = edit.value;
    this.edits.push({ position: this.microPosition, edit: { ...edit } });
  }

  /** Steps back one micro-step. False when there is nothing to go back to (the start, or snapshots evicted). */
  stepBack(): boolean {
    return this.seek(this.microPosition - 1);
  }

  /** Returns to the start of batch step `step` (0 = the initial weights), as it was when training got there. */
  rewindTo(step: number): boolean {
    return Number.isInteger(step) && step >= 0 && this.seek(step * this.microStepsPerBatch);
  }

  /** The earliest batch step `rewindTo` can still reach. */
  get earliestStep(): number {
    return this.snapshots.earliestStep;
  }

  /** Micro-steps run since the start. */
  get microPosition(): number {
    return this.state.cursor.step * this.microStepsPerBatch + this.state.microIndex;
  }

  /**
   * Goes back to an earlier micro-step position: restores the latest snapshot strictly before it (a batch start)
   * and replays up to it, which is exact because everything is deterministic from the seed.
   */
  private seek(target: number): boolean {
    if (target < 0 || target >= this.microPosition) return false;
    // Edits made later than the target are undone with the rest of that future.
    const edits = this.edits.filter((made) => made.position <= target);
    let position = 0;
    if (target === 0) {
      this.initialize();
    } else {
      const snapshot = this.snapshots.latestBefore((step) => step * this.microStepsPerBatch < target);
      if (!snapshot) return false;
      this.latestEpoch = this.snapshots.restore(snapshot, this.parts()).latestEpoch;
      this.reportedUpTo = Math.min(this.reportedUpTo, this.diagnosticLog.reported);
      position = snapshot.step * this.microStepsPerBatch;
    }
    this.edits = edits;
    this.replaying = true;
    try {
      for (; position < target; position++) {
        this.replayEditsAt(position);
        this.microStep();
      }
      this.replayEditsAt(target);
    } finally {
      this.replaying = false;
    }
    return true;
  }

  /**
   * The current state as a trace record. Diagnostics are those reported since the previous record.
   * `fullLayers` names layers whose tensors are copied in full even at level `summary` (a selected layer
   * of a model too big to copy whole every step).
   */
  trace(
    level: TraceLevel = this.traceLevel,
    fullLayers: readonly number[] = [],
    { previewAbove = Infinity }: { previewAbove?: number } = {},
  ): TraceRecord {
    const { network, state } = this;
    const info = state.batchInfo;
    const full = level === 'full';
    const record: TraceRecord = {
      did: state.did,
      cursor: { ...state.cursor },
      epoch: info.epoch,
      batch: info.batch,
      step: info.step,
      samples: info.order.slice(info.first, info.first + info.count),
      lr: info.lr,
      layers:
        level === 'off'
          ? []
          : network.layers.map((layer) =>
              layerTrace(network, layer, fullLayers.includes(layer.index) ? 'full' : level, previewAbove),
            ),
      diagnostics: this.diagnosticLog.since(this.reportedUpTo),
    };
    this.reportedUpTo = this.diagnosticLog.reported;
    if (network.m > 0 && level !== 'off') {
      record.inputs = makeTensor(network.X, network.m, network.inputSize, full, previewAbove);
      record.targets = makeTensor(network.Y, network.m, network.outputSize, full, previewAbove);
    }
    if (state.lossComputed) {
      record.loss = network.lossValue;
      record.l2Penalty = network.l2Penalty;
    }
    if (network.layers.some((layer) => layer.computed.update)) record.clipScale = network.clipScale;
    return record;
  }

  parameters(): { name: string; weights: number[][]; biases: number[] }[] {
    return this.network.layers.map((layer) => ({
      name: layer.name,
      weights: toRows(layer.W, layer.weightRows, layer.weightCols),
      biases: Array.from(layer.b),
    }));
  }

  modelInfo(): ModelInfo {
    return modelInfoOf(this.model);
  }

  /**
   * The optimizer's running state of one layer's W and b as it stands now (Adam: m in `first`, v in `second`;
   * momentum and Nesterov: the velocity in `first`; AdaGrad and RMSprop: the squares in `second`). Read only.
   */
  optimizerState(layer: number): { W: Readonly<OptimizerSlots>; b: Readonly<OptimizerSlots> } | undefined {
    const target = this.network.layers[layer];
    return target && { W: target.slotsW, b: target.slotsB };
  }

  decisionBoundary(resolution: number): DecisionBoundary | undefined {
    return boundaryOf(this.network, this.model, this.trainInputs, this.trainTargets, resolution);
  }

  // -------------------------------------------------------------------------------------------

  private initialize(): void {
    const model = this.model;
    this.random = new Random(model.seed);
    this.network = new Network(model, this.random, this.batchSize);
    this.monitor = new DiagnosticsMonitor(model.diagnostics, newMonitorMemory(model.layers.length));
    const batchesPerEpoch = Math.ceil(this.sampleCount / this.batchSize);
    this.state = {
      cursor: {
        epoch: 0,
        batch: 0,
        batchesPerEpoch,
        phase: 'forward',
        layer: 0,
        step: 0,
        finished: model.training.epochs <= 0,
      },
      order: [],
      lr: model.optimizer.lr,
      batchInfo: { epoch: 0, batch: 0, step: 0, lr: model.optimizer.lr, order: [], first: 0, count: 0 },
      microIndex: 0,
      did: null,
      lossComputed: false,
      epochAccumulators: { lossSum: 0, batches: 0, correct: 0, seen: 0 },
      everActive: [],
      stopped: undefined,
    };
    this.latestEpoch = undefined;
    this.history = {
      stride: 1,
      epochStride: 1,
      batchLoss: [],
      epochLoss: [],
      validationLoss: [],
      gradNorm: model.layers.map(() => []),
      updateRatio: model.layers.map(() => []),
    };
    this.epochs = [];
    this.diagnosticLog = new DiagnosticLog(this.diagnosticsPerKind);
    this.reportedUpTo = 0;
    this.snapshots.clear();
    this.report(this.monitor.initial(this.network));
  }

  private canStep(): boolean {
    return !this.state.cursor.finished && this.state.stopped !== 'non_finite';
  }

  private stopReason(fallback: StopReason): StopReason {
    if (this.state.stopped === 'non_finite') return 'non_finite';
    return this.state.cursor.finished ? 'finished' : fallback;
  }

  /** A predicate that becomes true when the granularity, counted from now, is complete. */
  private target(granularity: StepGranularity): () => boolean {
    const start = { ...this.state.cursor };
    switch (granularity) {
      case 'layer':
        return () => true;
      case 'phase':
        return () => this.state.cursor.phase !== start.phase || this.state.microIndex === 0;
      case 'batch':
        return () => this.state.microIndex === 0;
      case 'epoch':
        return () => this.state.cursor.epoch !== start.epoch;
      case 'run':
        return () => false;
    }
  }

  private microStep(): void {
    const { state, network } = this;
    const step = this.sequence[state.microIndex];
    const k = step.layer;
    switch (step.phase) {
      case 'forward': {
        if (k === 0) this.beginBatch();
        network.forward(k);
        const layer = network.layers[k];
        this.trackActivity(layer);
        // Every activation maps finite z to finite a, so checking z is enough.
        if (!allFinite(layer.z, network.m * layer.units))
          this.halt(layer, 'z = a_prev·W + b', layer.z.subarray(0, network.m * layer.units));
        break;
      }
      case 'loss': {
        const loss = network.computeLoss();
        state.lossComputed = true;
        const acc = state.epochAccumulators;
        acc.lossSum += loss;
        acc.batches++;
        const correct = correctCount(network);
        if (correct !== undefined) {
          acc.correct += correct;
          acc.seen += network.m;
        }
        if (state.cursor.step % this.history.stride === 0) this.history.batchLoss.push(loss);
        if (!Number.isFinite(loss)) {
          const out = network.output;
          let largest = 0;
          for (let i = 0; i < network.m * out.units; i++) largest = Math.max(largest, Math.abs(out.a[i]));
          this.halt(null, 'the loss', [loss], largest);
        }
        break;
      }
      case 'backward': {
        network.backward(k);
        const layer = network.layers[k];
        if (!allFinite(layer.delta, network.m * layer.units))
          this.halt(layer, 'δ (backward signal)', layer.delta.subarray(0, network.m * layer.units));
        else if (!allFinite(layer.dW)) this.halt(layer, 'gradient dW', layer.dW);
        else if (!allFinite(layer.db)) this.halt(layer, 'bias gradient db', layer.db);
        break;
      }
      case 'update': {
        network.update(state.lr, state.cursor.step + 1);
        const stats = this.stats.measure(network);
        const { history } = this;
        if (state.cursor.step % history.stride === 0) {
          for (let layer = 0; layer < network.layers.length; layer++) {
            history.gradNorm[layer].push(stats.gradNorm[layer]);
            history.updateRatio[layer].push(stats.updateRatio[layer]);
          }
          if (history.batchLoss.length > this.historyLimit) {
            for (const series of [history.batchLoss, ...history.gradNorm, ...history.updateRatio])
              keepEveryOther(series);
            history.stride *= 2;
          }
        }
        let broken: Layer | undefined;
        for (const layer of network.layers) {
          // A finite ‖W‖ means every weight is finite; only an infinite one needs the exact check.
          const weightsFinite = Number.isFinite(stats.weightNorm[layer.index]) || allFinite(layer.W);
          if (!weightsFinite || !allFinite(layer.b)) {
            broken = layer;
            break;
          }
        }
        if (broken) this.halt(broken, 'weights after the update', [...broken.W, ...broken.b]);
        else this.report(this.monitor.afterStep(network, stats, state.cursor));
        break;
      }
    }
    state.did = step;
    state.microIndex = (state.microIndex + 1) % this.sequence.length;
    if (state.microIndex === 0) this.endBatch();
    const next = this.sequence[state.microIndex];
    state.cursor.phase = next.phase;
    state.cursor.layer = next.layer;
  }

  private replayEditsAt(position: number): void {
    for (const { position: at, edit } of this.edits) {
      if (at !== position) continue;
      const layer = this.network.layers[edit.layer];
      (edit.tensor === 'W' ? layer.W : layer.b)[edit.index] = edit.value;
    }
  }

  private position(): Position {
    const { cursor } = this.state;
    return { step: cursor.step, epoch: cursor.epoch, batch: cursor.batch };
  }

  private beginBatch(): void {
    const { state } = this;
    const cursor = state.cursor;
    if (this.snapshots.due(cursor.step)) this.snapshots.take(this.parts());
    if (cursor.batch === 0) {
      state.order = this.model.training.shuffle ? this.random.permutation(this.sampleCount) : this.inOrder;
      state.lr = scheduledLearningRate(this.model.optimizer.lr, this.model.optimizer.schedule, cursor.epoch);
      state.epochAccumulators = { lossSum: 0, batches: 0, correct: 0, seen: 0 };
      state.everActive = this.network.layers.map((layer) =>
        layer.activation === 'relu' ? new Uint8Array(layer.units) : undefined,
      );
    }
    const start = cursor.batch * this.batchSize;
    const count = Math.min(this.sampleCount, start + this.batchSize) - start;
    this.network.loadBatch(this.trainInputs, this.trainTargets, state.order, start, count);
    // Updated in place: this runs every batch.
    const info = state.batchInfo;
    info.epoch = cursor.epoch;
    info.batch = cursor.batch;
    info.step = cursor.step;
    info.lr = state.lr;
    info.order = state.order;
    info.first = start;
    info.count = count;
    state.lossComputed = false;
  }

  private endBatch(): void {
    const { state } = this;
    const cursor = state.cursor;
    cursor.step++;
    cursor.batch++;
    if (cursor.batch === cursor.batchesPerEpoch) {
      this.endEpoch();
      cursor.batch = 0;
      cursor.epoch++;
      if (cursor.epoch >= this.model.training.epochs) cursor.finished = true;
    }
  }

  private endEpoch(): void {
    const { state, network } = this;
    const acc = state.epochAccumulators;
    const summary: EpochSummary = { epoch: state.cursor.epoch, loss: acc.lossSum / acc.batches };
    if (acc.seen > 0) summary.accuracy = acc.correct / acc.seen;
    if (this.validation) {
      const { inputs, targets, count } = this.validation;
      const { loss, outputs } = network.evaluate(inputs, targets, count);
      summary.validationLoss = loss;
      const correct = correctCount(network, outputs, targets, count);
      if (correct !== undefined) summary.validationAccuracy = correct / count;
    }
    this.latestEpoch = summary;
    const { history } = this;
    if (summary.epoch % history.epochStride === 0) {
      this.epochs.push(summary);
      history.epochLoss.push(summary.loss);
      if (summary.validationLoss !== undefined) history.validationLoss.push(summary.validationLoss);
      if (history.epochLoss.length > this.historyLimit) {
        keepEveryOther(this.epochs);
        for (const series of [history.epochLoss, history.validationLoss]) keepEveryOther(series);
        history.epochStride *= 2;
      }
    }
    const at = { step: state.cursor.step, epoch: state.cursor.epoch, batch: state.cursor.batch - 1 };
    this.report(this.monitor.afterEpoch(network, state.everActive, summary.loss, at));
    if (!this.replaying) for (const listener of this.listeners) listener.epoch?.(summary);
  }

  /**
   * Marks the ReLU units that fire for some sample of the batch. A unit already marked this epoch is skipped
   * and a search stops at the first sample that fires, so after an epoch's first batch only silent units cost
   * a read per sample, rather than every (sample, unit) entry every batch.
   */
  private trackActivity(layer: Layer): void {
    const active = this.state.everActive[layer.index];
    if (!active) return;
    const n = layer.units;
    const end = this.network.m * n;
    const { a } = layer;
    for (let j = 0; j < n; j++) {
      if (active[j]) continue;
      for (let at = j; at < end; at += n) {
        if (a[at] > 0) {
          active[j] = 1;
          break;
        }
      }
    }
  }

  private halt(layer: Layer | null, quantity: string, values: ArrayLike<number>, largestOutput?: number): void {
    this.state.stopped = 'non_finite';
    this.report([this.monitor.nonFinite(layer, quantity, values, this.position(), largestOutput)]);
  }

  /**
   * The diagnostics reported so far, oldest first: on a very long run, the latest `diagnosticsPerKind` of each
   * kind on each layer (see DiagnosticLog).
   */
  get diagnostics(): TrainingDiagnostic[] {
    return this.diagnosticLog.entries;
  }

  /** Diagnostics reported but no longer kept, because later ones of their kind and layer replaced them. */
  get diagnosticsDropped(): number {
    return this.diagnosticLog.dropped;
  }

  private report(found: TrainingDiagnostic[]): void {
    for (const diagnostic of found) {
      this.diagnosticLog.add(diagnostic);
      if (!this.replaying) for (const listener of this.listeners) listener.diagnostic?.(diagnostic);
    }
  }

  /** What a snapshot copies and restores. */
  private parts(): SnapshotParts {
    const { network, random, monitor, state, history, epochs, diagnosticLog, latestEpoch } = this;
    return { network, random, monitor, state, history, epochs, diagnostics: diagnosticLog, latestEpoch };
  }
}

/** Drops every odd-indexed entry in place: points at 0, s, 2s… become 0, 2s, 4s…. */
function keepEveryOther<T>(series: T[]): void {
  for (let i = 0; 2 * i < series.length; i++) series[i] = series[2 * i];
  series.length = Math.ceil(series.length / 2);
}

/** "forward hidden", "loss", "backward output", "update": the micro-step the cursor stands before. */
export function describeMicroStep(step: { phase: string; layer: number }, model: ModelSpec): string {
  return step.layer >= 0 ? `${step.phase} ${model.layers[step.layer]?.name ?? step.layer}` : step.phase;
}
