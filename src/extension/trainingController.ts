// One training session of one model file, driven through the worker. It knows nothing of panels, lenses or
// status bars: they all listen to its events, and a debug adapter can drive it the same way.

import * as vscode from 'vscode';
import type { ModelSpec, SourceRange } from '../model/types';
import type {
  DecisionBoundary,
  EpochSummary,
  GradientCheckResult,
  ModelInfo,
  StepGranularity,
  StopReason,
  TraceLevel,
  TrainingDiagnostic,
  TrainingHistory,
  TrainingUpdate,
  WorkerEvent,
} from '../protocol';
import { WorkerClient } from './workerClient';

export type SessionState = 'paused' | 'running' | 'finished' | 'stopped';

export interface UpdateEvent {
  update: TrainingUpdate;
  /** True for the result of a single step or a stop: show it now, not throttled. */
  immediate: boolean;
}

type Waiter = { type: WorkerEvent['type']; resolve: (event: WorkerEvent) => void; reject: (error: Error) => void };

export class TrainingController implements vscode.Disposable {
  private readonly updateEmitter = new vscode.EventEmitter<UpdateEvent>();
  private readonly stateEmitter = new vscode.EventEmitter<SessionState>();
  private readonly endEmitter = new vscode.EventEmitter<void>();
  private readonly errorEmitter = new vscode.EventEmitter<string>();
  readonly onDidUpdate = this.updateEmitter.event;
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidEnd = this.endEmitter.event;
  readonly onDidError = this.errorEmitter.event;

  model!: ModelInfo;
  latest!: TrainingUpdate;
  boundary: DecisionBoundary | null | undefined;
  gradCheck: GradientCheckResult | undefined;
  selectedLayer = 0;
  /** Where each layer is written now: the parser's ranges, moved as lines are added or removed above them. */
  readonly layerRanges: (SourceRange | undefined)[];
  /** The model file's text when this session started. */
  sourceText = '';
  /** The file has changed since (Reset then retrains from the file as it is now). */
  edited = false;
  private currentState: SessionState = 'paused';
  private readonly worker: WorkerClient;
  private waiters: Waiter[] = [];
  private ended = false;

  private constructor(
    readonly uri: vscode.Uri,
    readonly spec: ModelSpec,
    workerScript: string,
  ) {
    this.layerRanges = spec.layers.map((layer) => layer.range && structuredClone(layer.range));
    this.worker = new WorkerClient(
      workerScript,
      (event) => this.receive(event),
      () => this.end(),
    );
  }

  /** Starts a worker, loads the model and resolves once the first forward pass is waiting. */
  static async start(
    uri: vscode.Uri,
    spec: ModelSpec,
    workerScript: string,
    traceLevel: TraceLevel,
  ): Promise<TrainingController> {
    const controller = new TrainingController(uri, spec, workerScript);
    const loaded = controller.waitFor('loaded');
    controller.worker.send({ type: 'load', model: spec, traceLevel });
    await loaded;
    return controller;
  }

  /** Moves the layer ranges below each edit by the lines it added or removed (ranges are 1-based lines). */
  followEdits(changes: readonly vscode.TextDocumentContentChangeEvent[]): void {
    for (const change of changes) {
      const removed = change.range.end.line - change.range.start.line;
      const added = change.text.split('\n').length - 1;
      const delta = added - removed;
      if (delta === 0) continue;
      for (const range of this.layerRanges) {
        if (!range || range.start.line - 1 <= change.range.end.line) continue;
        range.start.line += delta;
        range.end.line += delta;
      }
    }
  }

  get state(): SessionState {
    return this.currentState;
  }

  get alive(): boolean {
    return !this.ended;
  }

  async step(granularity: StepGranularity, count = 1): Promise<TrainingUpdate> {
    if (this.currentState === 'running') return this.latest;
    const stopped = this.waitFor('stopped');
    this.worker.send({ type: 'step', granularity, count });
    await stopped;
    return this.latest;
  }

  /** Starts a long run without waiting for it to end (Train / continue). */
  run(granularity: StepGranularity, count = 1): Promise<TrainingUpdate> {
    return this.step(granularity, count);
  }

  async pause(): Promise<TrainingUpdate> {
    if (this.currentState !== 'running') return this.latest;
    const stopped = this.waitFor('stopped');
    this.worker.send({ type: 'pause' });
    await stopped;
    return this.latest;
  }

  async reset(): Promise<TrainingUpdate> {
    const stopped = this.waitFor('stopped');
    this.worker.send({ type: 'reset' });
    await stopped;
    this.boundary = undefined;
    this.gradCheck = undefined;
    return this.latest;
  }

  async stepBack(): Promise<TrainingUpdate> {
    if (this.currentState === 'running') return this.latest;
    const stopped = this.waitFor('stopped');
    this.worker.send({ type: 'stepBack' });
    await stopped;
    return this.latest;
  }

  async gradientCheck(): Promise<GradientCheckResult> {
    const done = this.waitFor('gradCheck');
    this.worker.send({ type: 'gradCheck' });
    const event = await done;
    return (event as Extract<WorkerEvent, { type: 'gradCheck' }>).result;
  }

  /** Every point of the history and every epoch summary, for Export Trace (updates carry a thinned view). */
  async fullHistory(): Promise<{
    history: TrainingHistory;
    epochs: EpochSummary[];
    diagnostics: TrainingDiagnostic[];
  }> {
    const done = this.waitFor('fullHistory');
    this.worker.send({ type: 'fullHistory' });
    const event = (await done) as Extract<WorkerEvent, { type: 'fullHistory' }>;
    return { history: event.history, epochs: event.epochs, diagnostics: event.diagnostics };
  }

  async decisionBoundary(resolution: number): Promise<DecisionBoundary | null> {
    if (this.spec.inputSize !== 2) return null;
    const done = this.waitFor('boundary');
    this.worker.send({ type: 'boundary', resolution });
    const event = await done;
    return (event as Extract<WorkerEvent, { type: 'boundary' }>).boundary;
  }

  selectLayer(layer: number): void {
    if (layer < 0 || layer >= this.spec.layers.length) return;
    this.selectedLayer = layer;
    this.worker.send({ type: 'selectLayer', layer });
  }

  dispose(): void {
    void this.worker.terminate();
    this.end();
    this.updateEmitter.dispose();
    this.stateEmitter.dispose();
    this.errorEmitter.dispose();
  }

  private receive(event: WorkerEvent): void {
    switch (event.type) {
      case 'loaded':
        this.model = event.model;
        this.latest = event.update;
        break;
      case 'update':
        this.latest = event.update;
        this.setState(
          event.update.running ? 'running' : this.currentState === 'running' ? 'paused' : this.currentState,
        );
        this.updateEmitter.fire({ update: event.update, immediate: !event.update.running });
        break;
      case 'stopped':
        this.latest = event.update;
        this.setState(stateAfter(event.reason, event.update));
        this.updateEmitter.fire({ update: event.update, immediate: true });
        break;
      case 'gradCheck':
        this.gradCheck = event.result;
        break;
      case 'boundary':
        this.boundary = event.boundary;
        break;
      case 'error':
        this.errorEmitter.fire(event.message);
        for (const waiter of this.waiters) waiter.reject(new Error(event.message));
        this.waiters = [];
        return;
    }
    const [ready, waiting] = partition(this.waiters, (waiter) => waiter.type === event.type);
    this.waiters = waiting;
    for (const waiter of ready) waiter.resolve(event);
  }

  private setState(state: SessionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.stateEmitter.fire(state);
  }

  private waitFor(type: WorkerEvent['type']): Promise<WorkerEvent> {
    if (this.ended) return Promise.reject(new Error('the training session has ended'));
    return new Promise((resolve, reject) => this.waiters.push({ type, resolve, reject }));
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const waiter of this.waiters) waiter.reject(new Error('the training session has ended'));
    this.waiters = [];
    this.endEmitter.fire();
    this.endEmitter.dispose();
  }
}

function stateAfter(reason: StopReason, update: TrainingUpdate): SessionState {
  if (reason === 'non_finite') return 'stopped';
  if (update.record.cursor.finished) return 'finished';
  return 'paused';
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
