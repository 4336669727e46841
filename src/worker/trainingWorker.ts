// The training session in a worker thread, so a 784-256-128-10 net can train while the editor stays
// responsive. Every request (src/protocol/worker.ts) gets exactly one reply with its id; a request that cannot
// be served now (a step during a run) is refused at once. Runs are time-sliced, so Pause, Reset and Stop are
// seen within one slice (~10 ms of work), and a run publishes small progress deltas, never whole histories.

import { parentPort } from 'node:worker_threads';
import { gradientCheck, HistoryFeed, TrainingSession, type RunResult } from '../engine';
import type {
  RefusalCode,
  RunUntil,
  Stopped,
  TrainingDiagnostic,
  TrainingUpdate,
  WorkerMessage,
  WorkerRequest,
  WorkerRequests,
} from '../protocol';

/**
 * Points kept per history series: a run of millions of steps keeps every 2nd, 4th… step instead of running the
 * worker out of memory (charts show 2000 points; Export Trace says the stride).
 */
const HISTORY_LIMIT = 100_000;

/** While running, publish progress at most this often; the host throttles again for the webview. */
const PROGRESS_EVERY_MS = 33;

/** While running, recompute the decision boundary (on a coarse grid) about this often. */
const BOUNDARY_EVERY_MS = 1000;
const RUNNING_BOUNDARY_RESOLUTION = 24;

/** A request that cannot be served, with the reason a caller can act on. */
export class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
  }
}

type Params<K extends keyof WorkerRequests> = WorkerRequests[K]['params'];
type Result<K extends keyof WorkerRequests> = WorkerRequests[K]['result'];

export class TrainingWorker {
  private session: TrainingSession | undefined;
  private running: { abort: AbortController; done: Promise<void> } | undefined;
  private feed = new HistoryFeed();
  private selectedLayer = 0;
  private lastProgress = 0;
  private lastBoundary = 0;

  constructor(private readonly post: (message: WorkerMessage) => void) {}

  async handle(request: WorkerRequest): Promise<void> {
    try {
      const result = await this.serve(request);
      this.post({ kind: 'reply', id: request.id, ok: true, result });
    } catch (error) {
      const code = error instanceof Refusal ? error.code : 'failed';
      const message = error instanceof Error ? error.message : String(error);
      this.post({ kind: 'reply', id: request.id, ok: false, code, error: message });
    }
  }

  private serve(request: WorkerRequest): Promise<unknown> | unknown {
    if (request.type === 'load') return this.load(request);
    if (request.type === 'stop') return this.stopRun().then(() => null);
    const session = this.session;
    if (!session) throw new Refusal('no_model', 'no model is loaded');
    switch (request.type) {
      case 'step':
        return this.run(session, { kind: 'granularity', granularity: request.granularity, count: request.count });
      case 'run':
        return this.run(session, request.until);
      case 'pause':
        return this.pause();
      case 'reset':
        return this.stopRun().then(() => {
          session.reset();
          return this.stopped('reset');
        });
      case 'stepBack':
        this.refuseWhileRunning('step back');
        if (!session.stepBackBy(request.count ?? 1)) throw new Refusal('invalid', 'there is nothing to step back to');
        return this.stopped('restored');
      case 'rewind':
        this.refuseWhileRunning('rewind');
        if (!session.rewindTo(request.step))
          throw new Refusal(
            'invalid',
            `step ${request.step} is no longer reachable (earliest ${session.earliestStep})`,
          );
        return this.stopped('restored');
      case 'setParameter':
        this.refuseWhileRunning('change a parameter');
        try {
          session.setParameter(request);
        } catch (error) {
          throw new Refusal('invalid', (error as Error).message);
        }
        return this.stopped('edited');
      case 'gradCheck':
        return gradientCheck(session.model, { maxPerLayer: 2000 }) satisfies Result<'gradCheck'>;
      case 'boundary':
        return session.decisionBoundary(Math.min(100, Math.max(4, request.resolution))) ?? null;
      case 'fullHistory':
        return { history: session.history, epochs: session.epochs, diagnostics: session.diagnostics };
      case 'layerTensors':
        if (!Number.isInteger(request.layer) || request.layer < 0 || request.layer >= session.model.layers.length)
          throw new Refusal('invalid', `no layer ${request.layer}`);
        return session.trace('full', [request.layer]).layers[request.layer];
      case 'selectLayer':
        this.selectedLayer = request.layer;
        return null;
    }
  }

  private async load(request: Params<'load'>): Promise<Result<'load'>> {
    await this.stopRun();
    this.session = new TrainingSession(request.model, { traceLevel: request.traceLevel, historyLimit: HISTORY_LIMIT });
    this.feed = new HistoryFeed();
    return { model: this.session.modelInfo(), update: this.update(false) };
  }

  private async run(session: TrainingSession, until: RunUntil): Promise<Stopped> {
    this.refuseWhileRunning('start another run');
    const abort = new AbortController();
    let finish!: () => void;
    this.running = { abort, done: new Promise<void>((resolve) => (finish = resolve)) };
    let result: RunResult;
    try {
      result = await session.runUntil(until, { signal: abort.signal, onSlice: () => this.progress(session) });
    } finally {
      this.running = undefined;
      finish();
    }
    return this.stopped(result.reason, result.detail);
  }

  private async pause(): Promise<Stopped> {
    await this.stopRun();
    return this.stopped('paused');
  }

  /** Ends a run going (it replies to its own request with reason `paused`), and resolves once it has. */
  private async stopRun(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.abort.abort();
    await running.done;
  }

  private refuseWhileRunning(what: string): void {
    if (this.running) throw new Refusal('busy', `cannot ${what} while training runs: pause first`);
  }

  private progress(session: TrainingSession): void {
    const now = Date.now();
    if (now - this.lastProgress >= PROGRESS_EVERY_MS) {
      this.lastProgress = now;
      this.post({ kind: 'progress', update: this.update(true) });
    }
    if (session.model.inputSize === 2 && now - this.lastBoundary >= BOUNDARY_EVERY_MS) {
      this.lastBoundary = now;
      this.post({ kind: 'boundary', boundary: session.decisionBoundary(RUNNING_BOUNDARY_RESOLUTION) ?? null });
    }
  }

  private stopped(reason: Stopped['reason'], detail?: string): Stopped {
    const session = this.session!;
    const finalReason = session.stopped ?? (session.cursor.finished && reason === 'step' ? 'finished' : reason);
    return { reason: finalReason, ...(detail ? { detail } : {}), update: this.update(false) };
  }

  private update(running: boolean): TrainingUpdate {
    const session = this.session!;
    // While running, a big model's selected layer is not copied in full 30 times a second; it is at each stop.
    const record = session.trace(undefined, running ? [] : [this.selectedLayer]);
    return {
      record,
      history: this.feed.take(session.history),
      lastEpoch: session.latestEpoch,
      diagnostics: latestOfEach(session.diagnostics),
      running,
      canStepBack: session.microPosition > 0,
    };
  }
}

/**
 * The latest diagnostic of each kind and layer, in the order they were reported: everything the UI shows,
 * and bounded, where the full list grows with a long run in which a condition comes and goes.
 */
export function latestOfEach(diagnostics: readonly TrainingDiagnostic[]): TrainingDiagnostic[] {
  const latest = new Map<string, TrainingDiagnostic>();
  for (const d of diagnostics) {
    const key = `${d.code}:${d.layer}`;
    latest.delete(key);
    latest.set(key, d);
  }
  return [...latest.values()];
}

if (parentPort) {
  const port = parentPort;
  const worker = new TrainingWorker((message) => port.postMessage(message));
  port.on('message', (request: WorkerRequest) => void worker.handle(request));
}
