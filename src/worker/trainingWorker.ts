// The training session in a worker thread, so a 784-256-128-10 net can train while the editor stays
// responsive. It answers WorkerRequests with WorkerEvents (src/protocol.ts) and never throws across the port:
// any failure becomes an `error` event.

import { parentPort } from 'node:worker_threads';
import { gradientCheck, historyView, TrainingSession } from '../engine';
import type {
  StepGranularity,
  StopReason,
  TrainingDiagnostic,
  TrainingUpdate,
  WorkerEvent,
  WorkerRequest,
} from '../protocol';

/**
 * Points kept per history series: a run of millions of steps keeps every 2nd, 4th… step instead of running the
 * worker out of memory (charts show 2000 points; Export Trace says the stride).
 */
const HISTORY_LIMIT = 100_000;

/** While running, publish progress at most this often; the host throttles again for the webview. */
const PUBLISH_EVERY_MS = 33;

class TrainingWorker {
  private session: TrainingSession | undefined;
  private run: AbortController | undefined;
  private selectedLayer = 0;
  private lastPublished = 0;

  constructor(private readonly post: (event: WorkerEvent) => void) {}

  async handle(request: WorkerRequest): Promise<void> {
    try {
      await this.dispatch(request);
    } catch (error) {
      this.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async dispatch(request: WorkerRequest): Promise<void> {
    if (request.type === 'load') {
      this.run?.abort();
      this.session = new TrainingSession(request.model, {
        traceLevel: request.traceLevel,
        historyLimit: HISTORY_LIMIT,
      });
      this.post({ type: 'loaded', model: this.session.modelInfo(), update: this.update(false) });
      return;
    }
    const session = this.session;
    if (!session) throw new Error('no model is loaded');
    switch (request.type) {
      case 'step':
        await this.step(session, request.granularity, request.count ?? 1);
        return;
      case 'pause':
        this.run?.abort();
        return;
      case 'reset':
        this.run?.abort();
        session.reset();
        this.post({ type: 'stopped', reason: 'reset', update: this.update(false) });
        return;
      case 'stepBack':
        if (this.run) return;
        session.stepBack();
        this.post({ type: 'stopped', reason: 'restored', update: this.update(false) });
        return;
      case 'gradCheck':
        this.post({ type: 'gradCheck', result: gradientCheck(session.model, { maxPerLayer: 2000 }) });
        return;
      case 'boundary':
        this.post({
          type: 'boundary',
          boundary: session.decisionBoundary(Math.min(100, Math.max(4, request.resolution))) ?? null,
        });
        return;
      case 'fullHistory':
        this.post({
          type: 'fullHistory',
          history: session.history,
          epochs: session.epochs,
          diagnostics: session.diagnostics,
        });
        return;
      case 'selectLayer':
        this.selectedLayer = request.layer;
        if (!this.run) this.post({ type: 'update', update: this.update(false) });
        return;
    }
  }

  private async step(session: TrainingSession, granularity: StepGranularity, count: number): Promise<void> {
    if (this.run) return;
    if (granularity === 'layer' || granularity === 'phase' || granularity === 'batch') {
      for (let i = 0; i < count && !session.cursor.finished && !session.stopped; i++) session.step(granularity);
      this.post({ type: 'stopped', reason: this.reason(session, 'step'), update: this.update(false) });
      return;
    }
    const run = new AbortController();
    this.run = run;
    let reason: StopReason = 'step';
    try {
      this.post({ type: 'update', update: this.update(true) });
      for (let i = 0; i < count; i++) {
        reason = await session.runAsync(granularity, { signal: run.signal, onYield: () => this.publish() });
        if (reason !== 'step') break;
      }
    } finally {
      this.run = undefined;
    }
    this.post({ type: 'stopped', reason, update: this.update(false) });
  }

  private publish(): void {
    const now = Date.now();
    if (now - this.lastPublished < PUBLISH_EVERY_MS) return;
    this.lastPublished = now;
    this.post({ type: 'update', update: this.update(true) });
  }

  private reason(session: TrainingSession, fallback: StopReason): StopReason {
    return session.stopped ?? (session.cursor.finished ? 'finished' : fallback);
  }

  private update(running: boolean): TrainingUpdate {
    const session = this.session!;
    // While running, a big model's selected layer is not copied in full 30 times a second; it is at each stop.
    const record = session.trace(undefined, running ? [] : [this.selectedLayer]);
    const cursor = session.cursor;
    return {
      record,
      history: historyView(session.history),
      lastEpoch: session.latestEpoch,
      diagnostics: latestOfEach(session.diagnostics),
      running,
      canStepBack: cursor.step > 0 || record.did !== null,
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
  const worker = new TrainingWorker((event) => port.postMessage(event));
  port.on('message', (request: WorkerRequest) => void worker.handle(request));
}
