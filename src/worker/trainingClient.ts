// The host's end of the training worker, with no VS Code in it: the extension's controller, the debug adapter and
// plain-Node tests all drive a worker through this. Each request gets an id and a promise settled by exactly the
// reply with that id (the pattern of hexeditor's MessageHandler); progress and boundaries arrive as events.

import { Worker } from 'node:worker_threads';
import type { ModelSpec } from '../model/types';
import { applyHistoryDelta, emptyHistoryView } from '../engine/historyView';
import type {
  BreakpointSpec,
  DecisionBoundary,
  DiagnosticCode,
  HistoryView,
  ModelInfo,
  ParameterEdit,
  RefusalCode,
  StepGranularity,
  Stopped,
  StopReason,
  TraceLevel,
  TrainingUpdate,
  WorkerMessage,
  WorkerRequest,
  WorkerRequests,
  WorkerRequestType,
  WorkerRunUntil,
} from '../protocol';
import { Emitter } from './events';

export type SessionState = 'paused' | 'running' | 'finished' | 'stopped';

export interface UpdateEvent {
  update: TrainingUpdate;
  /** True for the result of a request (a step, a stop): show it now, not throttled. */
  immediate: boolean;
  /** Why the session stopped here, for the result of a request. */
  reason?: StopReason;
}

/** A request the worker refused or failed; `code` says which (`busy`: a run is going). */
export class WorkerRequestError extends Error {
  constructor(
    readonly code: RefusalCode | 'ended',
    message: string,
  ) {
    super(message);
  }
}

/** How long Stop waits for the worker to finish its run before terminating it. */
const STOP_GRACE_MS = 1000;

type Pending = { resolve: (result: never) => void; reject: (error: Error) => void };

export class TrainingClient {
  private readonly updateEmitter = new Emitter<UpdateEvent>();
  private readonly stateEmitter = new Emitter<SessionState>();
  private readonly boundaryEmitter = new Emitter<DecisionBoundary | null>();
  private readonly endEmitter = new Emitter<void>();
  private readonly errorEmitter = new Emitter<string>();
  private readonly outputEmitter = new Emitter<{ category: 'console' | 'stderr'; text: string }>();
  /** Every change of position: a step's result, a stop, or (not immediate) run progress. */
  readonly onDidUpdate = this.updateEmitter.event;
  readonly onDidChangeState = this.stateEmitter.event;
  /** The decision boundary the worker sends about once a second during a run. */
  readonly onDidComputeBoundary = this.boundaryEmitter.event;
  readonly onDidEnd = this.endEmitter.event;
  readonly onDidError = this.errorEmitter.event;
  /** What logpoints print as a run passes them. */
  readonly onDidOutput = this.outputEmitter.event;

  model!: ModelInfo;
  latest!: TrainingUpdate;
  /** The charts' series: every delta received, applied. */
  history!: HistoryView;
  private currentState: SessionState = 'paused';
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private ended = false;

  private constructor(workerScript: string) {
    this.worker = new Worker(workerScript);
    this.worker.on('message', (message: WorkerMessage) => this.receive(message));
    this.worker.on('error', (error) => {
      this.errorEmitter.fire(`training worker failed: ${error.message}`);
      this.end(`the training worker failed: ${error.message}`);
    });
    this.worker.on('exit', () => this.end('the training session has ended'));
  }

  /** Starts a worker and loads the model; resolves once the first forward pass is waiting. */
  static async start(model: ModelSpec, traceLevel: TraceLevel, workerScript: string): Promise<TrainingClient> {
    const client = new TrainingClient(workerScript);
    try {
      const loaded = await client.request('load', { model, traceLevel });
      client.model = loaded.model;
      client.history = emptyHistoryView(loaded.model.layers.length);
      client.accept(loaded.update, true);
    } catch (error) {
      await client.worker.terminate();
      throw error;
    }
    return client;
  }

  get state(): SessionState {
    return this.currentState;
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Sends one request; the promise settles with exactly its reply. */
  request<K extends WorkerRequestType>(
    type: K,
    params: WorkerRequests[K]['params'],
  ): Promise<WorkerRequests[K]['result']> {
    if (this.ended) return Promise.reject(new WorkerRequestError('ended', 'the training session has ended'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: never) => void, reject });
      this.worker.postMessage({ ...params, id, type } as WorkerRequest);
    });
  }

  step(granularity: StepGranularity, count = 1): Promise<Stopped> {
    return this.moving(this.request('step', { granularity, count }), granularity === 'epoch' || granularity === 'run');
  }

  /**
   * Runs until the condition (or the end); resolves when the run has stopped, for whatever reason. With
   * `epochsPerSecond`, in slow motion.
   */
  run(until: WorkerRunUntil, options: { epochsPerSecond?: number } = {}): Promise<Stopped> {
    return this.moving(this.request('run', { until, ...options }), true);
  }

  /** Back to where one of these breakpoints last stopped (a replay in the worker). */
  reverseContinue(breakpoints: BreakpointSpec[], exceptions: DiagnosticCode[]): Promise<Stopped> {
    return this.moving(this.request('reverseContinue', { breakpoints, exceptions }), true);
  }

  pause(): Promise<Stopped> {
    return this.moving(this.request('pause', {}), false);
  }

  reset(): Promise<Stopped> {
    return this.moving(this.request('reset', {}), false);
  }

  stepBack(count = 1): Promise<Stopped> {
    return this.moving(this.request('stepBack', { count }), false);
  }

  rewind(step: number): Promise<Stopped> {
    return this.moving(this.request('rewind', { step }), false);
  }

  setParameter(edit: ParameterEdit): Promise<Stopped> {
    return this.moving(this.request('setParameter', edit), false);
  }

  selectLayer(layer: number): Promise<null> {
    return this.request('selectLayer', { layer });
  }

  /** Ends the worker: asks it to stop its run, and terminates it after a grace period whatever it says. */
  async stop(): Promise<void> {
    if (this.ended) return;
    const stopped = this.request('stop', {}).catch(() => null);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([stopped, grace]);
    await this.worker.terminate();
    this.end('the training session has ended');
  }

  /** Applies the update a request moved the session to, and the state it leaves. */
  private async moving(reply: Promise<Stopped>, runs: boolean): Promise<Stopped> {
    if (runs) this.setState('running');
    try {
      const stopped = await reply;
      this.accept(stopped.update, true, stopped);
      return stopped;
    } catch (error) {
      // A refused request leaves the state as the worker has it (a refusal says a run is going).
      if (runs && error instanceof WorkerRequestError && error.code !== 'busy') this.setState('paused');
      throw error;
    }
  }

  private receive(message: WorkerMessage): void {
    switch (message.kind) {
      case 'reply': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.result as never);
        else pending.reject(new WorkerRequestError(message.code, message.error));
        return;
      }
      case 'progress':
        this.accept(message.update, false);
        return;
      case 'boundary':
        this.boundaryEmitter.fire(message.boundary);
        return;
      case 'output':
        this.outputEmitter.fire({ category: message.category, text: message.text });
        return;
    }
  }

  private accept(update: TrainingUpdate, immediate: boolean, stopped?: Stopped): void {
    this.latest = update;
    applyHistoryDelta(this.history, update.history);
    if (update.running) this.setState('running');
    else if (stopped) this.setState(stateAfter(stopped));
    this.updateEmitter.fire({ update, immediate, ...(stopped ? { reason: stopped.reason } : {}) });
  }

  private setState(state: SessionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.stateEmitter.fire(state);
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const pending of this.pending.values()) pending.reject(new WorkerRequestError('ended', reason));
    this.pending.clear();
    this.endEmitter.fire();
    for (const emitter of [
      this.updateEmitter,
      this.stateEmitter,
      this.boundaryEmitter,
      this.endEmitter,
      this.errorEmitter,
      this.outputEmitter,
    ])
      emitter.dispose();
  }
}

function stateAfter(stopped: Stopped): SessionState {
  if (stopped.reason === 'non_finite') return 'stopped';
  if (stopped.update.record.cursor.finished) return 'finished';
  return 'paused';
}
