// One training session of one model file, as VS Code sees it: the worker-facing TrainingClient (no VS Code in
// it) plus what only the editor needs, the file, where its layers are written now, and VS Code events. Panels,
// lenses and status bars all listen to it; commands only command.

import * as vscode from 'vscode';
import type { ModelSpec, SourceRange } from '../model/types';
import type {
  DecisionBoundary,
  GradientCheckResult,
  HistoryView,
  ModelInfo,
  RunUntil,
  StepGranularity,
  Stopped,
  TraceLevel,
  TrainingUpdate,
} from '../protocol';
import { TrainingClient, type SessionState, type UpdateEvent } from '../worker/trainingClient';

export type { SessionState, UpdateEvent };

/** Resolution of the decision boundary computed at each stop (a running one is coarser, from the worker). */
const BOUNDARY_RESOLUTION = 40;

export class TrainingController implements vscode.Disposable {
  private readonly updateEmitter = new vscode.EventEmitter<UpdateEvent>();
  private readonly stateEmitter = new vscode.EventEmitter<SessionState>();
  private readonly endEmitter = new vscode.EventEmitter<void>();
  private readonly errorEmitter = new vscode.EventEmitter<string>();
  private readonly boundaryEmitter = new vscode.EventEmitter<DecisionBoundary | null>();
  private readonly gradCheckEmitter = new vscode.EventEmitter<GradientCheckResult>();
  readonly onDidUpdate = this.updateEmitter.event;
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidEnd = this.endEmitter.event;
  readonly onDidError = this.errorEmitter.event;
  readonly onDidChangeBoundary = this.boundaryEmitter.event;
  readonly onDidGradientCheck = this.gradCheckEmitter.event;

  boundary: DecisionBoundary | null | undefined;
  gradCheck: GradientCheckResult | undefined;
  selectedLayer = 0;
  /** Where each layer is written now: the parser's ranges, moved as lines are added or removed above them. */
  readonly layerRanges: (SourceRange | undefined)[];
  /** The model file's text when this session started. */
  sourceText = '';
  /** The file has changed since (Reset then retrains from the file as it is now). */
  edited = false;
  private ended = false;
  private boundaryRequested = false;

  private constructor(
    readonly uri: vscode.Uri,
    readonly spec: ModelSpec,
    readonly client: TrainingClient,
  ) {
    this.layerRanges = spec.layers.map((layer) => layer.range && structuredClone(layer.range));
    client.onDidUpdate((event) => {
      this.updateEmitter.fire(event);
      if (event.immediate) this.refreshBoundary();
    });
    client.onDidChangeState((state) => this.stateEmitter.fire(state));
    client.onDidError((message) => this.errorEmitter.fire(message));
    client.onDidComputeBoundary((boundary) => this.setBoundary(boundary));
    client.onDidEnd(() => this.end());
  }

  /** Starts a worker, loads the model and resolves once the first forward pass is waiting. */
  static async start(
    uri: vscode.Uri,
    spec: ModelSpec,
    workerScript: string,
    traceLevel: TraceLevel,
  ): Promise<TrainingController> {
    const client = await TrainingClient.start(spec, traceLevel, workerScript);
    const controller = new TrainingController(uri, spec, client);
    controller.refreshBoundary();
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

  get model(): ModelInfo {
    return this.client.model;
  }

  get latest(): TrainingUpdate {
    return this.client.latest;
  }

  get history(): HistoryView {
    return this.client.history;
  }

  get state(): SessionState {
    return this.client.state;
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Steps by `granularity` (`count` times); during a run it answers with where the run is, stepping nothing. */
  async step(granularity: StepGranularity, count = 1): Promise<TrainingUpdate> {
    if (this.state === 'running') return this.latest;
    return (await this.client.step(granularity, count)).update;
  }

  /** Runs until `until` (the end by default), in slow motion with `epochsPerSecond`; resolves when it stops. */
  async run(
    until: RunUntil = { kind: 'granularity', granularity: 'run' },
    options: { epochsPerSecond?: number } = {},
  ): Promise<Stopped> {
    return this.client.run(until, options);
  }

  async pause(): Promise<TrainingUpdate> {
    return (await this.client.pause()).update;
  }

  async reset(): Promise<TrainingUpdate> {
    this.gradCheck = undefined;
    return (await this.client.reset()).update;
  }

  async stepBack(): Promise<TrainingUpdate> {
    if (this.state === 'running') return this.latest;
    return (await this.client.stepBack()).update;
  }

  async gradientCheck(): Promise<GradientCheckResult> {
    const result = await this.client.request('gradCheck', {});
    this.gradCheck = result;
    this.gradCheckEmitter.fire(result);
    return result;
  }

  /** Every point of the history and every epoch summary, for Export Trace (updates carry thinned deltas). */
  fullHistory() {
    return this.client.request('fullHistory', {});
  }

  async decisionBoundary(resolution = BOUNDARY_RESOLUTION): Promise<DecisionBoundary | null> {
    if (this.spec.inputSize !== 2) return null;
    const boundary = await this.client.request('boundary', { resolution });
    this.setBoundary(boundary);
    return boundary;
  }

  selectLayer(layer: number): void {
    if (layer < 0 || layer >= this.spec.layers.length) return;
    this.selectedLayer = layer;
    void this.client.selectLayer(layer).catch(() => undefined);
  }

  /** Ends the worker (within about a second, whatever it is doing). */
  async stop(): Promise<void> {
    await this.client.stop();
    this.end();
  }

  dispose(): void {
    void this.stop();
  }

  private refreshBoundary(): void {
    // One request at a time: a burst of steps asks again only once the previous answer is in.
    if (this.spec.inputSize !== 2 || this.boundaryRequested || this.ended) return;
    this.boundaryRequested = true;
    void this.decisionBoundary()
      .catch(() => undefined)
      .finally(() => (this.boundaryRequested = false));
  }

  private setBoundary(boundary: DecisionBoundary | null): void {
    this.boundary = boundary;
    this.boundaryEmitter.fire(boundary);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.endEmitter.fire();
    for (const emitter of [
      this.updateEmitter,
      this.stateEmitter,
      this.endEmitter,
      this.errorEmitter,
      this.boundaryEmitter,
      this.gradCheckEmitter,
    ])
      emitter.dispose();
  }
}
