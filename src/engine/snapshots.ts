// Snapshots for step-back: everything that changes while training, copied at batch starts. Going back is
// "restore the latest snapshot before the target, then replay", which is exact because training is
// deterministic; so snapshots can be sparse (every batch would cost a big net a copy of all its weights).

import type { Cursor, EpochSummary, MicroStep, StopReason, TrainingHistory } from '../protocol';
import type { DiagnosticLog } from './diagnosticLog';
import { copyMemory, type DiagnosticsMonitor, type MonitorMemory } from './diagnostics';
import type { Network } from './network';
import type { Random } from './random';

export interface EpochAccumulators {
  lossSum: number;
  batches: number;
  correct: number;
  seen: number;
}

export interface BatchInfo {
  epoch: number;
  batch: number;
  step: number;
  lr: number;
  /** The batch's samples are order[first .. first + count). */
  order: readonly number[];
  first: number;
  count: number;
}

/** The session's mutable position and per-epoch bookkeeping. */
export interface SessionState {
  cursor: Cursor;
  order: readonly number[];
  lr: number;
  batchInfo: BatchInfo;
  microIndex: number;
  did: MicroStep | null;
  lossComputed: boolean;
  epochAccumulators: EpochAccumulators;
  everActive: (Uint8Array | undefined)[];
  stopped: StopReason | undefined;
}

export interface SnapshotParts {
  /** The last epoch summary (the `epochs` list may keep only every epochStride-th). */
  latestEpoch: EpochSummary | undefined;
  network: Network;
  random: Random;
  monitor: DiagnosticsMonitor;
  state: SessionState;
  history: TrainingHistory;
  epochs: EpochSummary[];
  diagnostics: DiagnosticLog;
}

interface Snapshot {
  step: number;
  cursor: Cursor;
  weights: Float64Array[];
  biases: Float64Array[];
  slots: { W: [Float64Array, Float64Array]; b: [Float64Array, Float64Array] }[];
  /** What training moves besides parameters, per layer (batch norm's running mean and variance). */
  layerState: Float64Array[][];
  random: ReturnType<Random['save']>;
  order: readonly number[];
  lr: number;
  epochAccumulators: EpochAccumulators;
  everActive: (Uint8Array | undefined)[];
  monitor: MonitorMemory;
  /** How many diagnostics had been reported (DiagnosticLog.reported). */
  diagnostics: number;
  latestEpoch: EpochSummary | undefined;
}

const BUDGET_BYTES = 256 * 1024 * 1024;

export class SnapshotHistory {
  private snapshots: Snapshot[] = [];
  private readonly limit: number;
  /** Every this many batches: replaying a few dozen batches of a small net costs well under a millisecond. */
  private readonly interval: number;

  constructor(parameters: number, limit = 256) {
    const bytes = parameters * 8 * 4 + 1024;
    this.interval = parameters > 20_000 ? 8 : 64;
    this.limit = Math.max(2, Math.min(limit, Math.floor(BUDGET_BYTES / bytes)));
  }

  due(step: number): boolean {
    return step % this.interval === 0;
  }

  /** The earliest batch step still reachable (0 while the first snapshot is kept). */
  get earliestStep(): number {
    return this.snapshots.length > 0 && this.snapshots[0].step > 0 ? this.snapshots[0].step + 1 : 0;
  }

  latestBefore(isBefore: (step: number) => boolean): Snapshot | undefined {
    for (let i = this.snapshots.length - 1; i >= 0; i--) if (isBefore(this.snapshots[i].step)) return this.snapshots[i];
    return undefined;
  }

  clear(): void {
    this.snapshots = [];
  }

  take({ network, random, monitor, state, diagnostics, latestEpoch }: SnapshotParts): void {
    // Replay after a restore passes the restored batch start again; that snapshot is already here.
    if (this.snapshots[this.snapshots.length - 1]?.step === state.cursor.step) return;
    const copySlots = (slots: { first: Float64Array; second: Float64Array }): [Float64Array, Float64Array] => [
      slots.first.slice(),
      slots.second.slice(),
    ];
    this.snapshots.push({
      step: state.cursor.step,
      cursor: { ...state.cursor },
      weights: network.layers.map((layer) => layer.W.slice()),
      biases: network.layers.map((layer) => layer.b.slice()),
      slots: network.layers.map((layer) => ({ W: copySlots(layer.slotsW), b: copySlots(layer.slotsB) })),
      layerState: network.layers.map((layer) => layer.kernel.state().map((values) => values.slice())),
      random: random.save(),
      order: state.order,
      lr: state.lr,
      epochAccumulators: { ...state.epochAccumulators },
      everActive: state.everActive.map((active) => active?.slice()),
      monitor: copyMemory(monitor.memory),
      diagnostics: diagnostics.reported,
      latestEpoch,
    });
    if (this.snapshots.length > this.limit) this.snapshots.shift();
  }

  /** Puts everything back as it was at the snapshot's batch start; the caller replays from there. */
  restore(
    snapshot: Snapshot,
    { network, random, monitor, state, history, epochs, diagnostics }: SnapshotParts,
  ): {
    latestEpoch: EpochSummary | undefined;
  } {
    network.layers.forEach((layer, k) => {
      layer.W.set(snapshot.weights[k]);
      layer.b.set(snapshot.biases[k]);
      layer.slotsW.first.set(snapshot.slots[k].W[0]);
      layer.slotsW.second.set(snapshot.slots[k].W[1]);
      layer.slotsB.first.set(snapshot.slots[k].b[0]);
      layer.slotsB.second.set(snapshot.slots[k].b[1]);
      layer.kernel.state().forEach((values, i) => values.set(snapshot.layerState[k][i]));
    });
    random.restore(snapshot.random);
    state.cursor = { ...snapshot.cursor };
    state.order = snapshot.order;
    state.lr = snapshot.lr;
    state.epochAccumulators = { ...snapshot.epochAccumulators };
    state.everActive = snapshot.everActive.map((active) => active?.slice());
    state.microIndex = 0;
    state.stopped = undefined;
    monitor.memory = copyMemory(snapshot.monitor);
    // Series keep the points of every stride-th step (epoch), from 0: those before the snapshot stay. The strides
    // may have grown since the snapshot was taken; replay records with the current ones.
    const points = Math.ceil(snapshot.step / history.stride);
    for (const series of [history.batchLoss, ...history.gradNorm, ...history.updateRatio]) series.length = points;
    const epochPoints = Math.ceil(snapshot.cursor.epoch / history.epochStride);
    history.epochLoss.length = epochPoints;
    history.validationLoss.length = Math.min(history.validationLoss.length, epochPoints);
    epochs.length = epochPoints;
    diagnostics.rewindTo(snapshot.diagnostics);
    // Later snapshots describe a future that replay will rebuild.
    this.snapshots = this.snapshots.filter((s) => s.step <= snapshot.step);
    return { latestEpoch: snapshot.latestEpoch };
  }
}
