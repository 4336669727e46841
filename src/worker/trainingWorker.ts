// The training session in a worker thread, so a 784-256-128-10 net can train while the editor stays
// responsive. Every request (src/protocol/worker.ts) gets exactly one reply with its id; a request that cannot
// be served now (a step during a run) is refused at once. Runs are time-sliced, so Pause, Reset and Stop are
// seen within one slice (~10 ms of work), and a run publishes small progress deltas, never whole histories.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { BreakpointMonitor } from '../debug/breakpointCheck';
import { ExpressionError, evaluateExpression } from '../debug/expression';
import { buildScope, layerInFull, plainValue, sessionSource } from '../debug/sessionScope';
import { gradientCheck, HistoryFeed, TrainingSession, type RunResult } from '../engine';
import { PREVIEW_ABOVE } from '../engine/trace';
import { StepTraceRefused, traceSteps } from './stepTrace';
import type {
  BreakpointHit,
  BreakpointSpec,
  DiagnosticCode,
  Evaluation,
  ParameterEdit,
  RefusalCode,
  Stopped,
  TrainingDiagnostic,
  TraceRecord,
  TrainingUpdate,
  WorkerMessage,
  WorkerRequest,
  WorkerRequests,
  WorkerRunUntil,
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
/** Slow motion shows each of its ticks as a stop: the boundary as fine as the host's at a stop. */
const TICK_BOUNDARY_RESOLUTION = 40;
/** Slow motion waits between ticks, at most this many a second (30 epochs a second is 3 epochs a tick). */
const MAX_TICKS_PER_SECOND = 10;

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
  /** The epochs a second of the slow-motion run going, if one is. */
  private pace: number | undefined;
  private lastProgress = 0;
  private lastBoundary = 0;
  /** Hit counts of the debugger's breakpoints; logpoints print through it. */
  private readonly breakpoints: BreakpointMonitor;
  /**
   * The what-if edits in force and the micro-step position each was made at (the session keeps the same list
   * privately): reverse continue replays from an earlier position and must make them again on the way.
   */
  private edits: { position: number; edit: ParameterEdit }[] = [];

  constructor(private readonly post: (message: WorkerMessage) => void) {
    this.breakpoints = new BreakpointMonitor(({ category, text, breakpoint }) =>
      this.post({ kind: 'output', category, text, breakpoint }),
    );
  }

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
        return request.epochsPerSecond === undefined
          ? this.run(session, request.until)
          : this.runSlowly(session, request.until, request.epochsPerSecond);
      case 'pause':
        return this.pause();
      case 'reset':
        return this.stopRun().then(() => {
          session.reset();
          this.edits = [];
          this.breakpoints.reset();
          return this.stopped('reset');
        });
      case 'stepBack':
        this.refuseWhileRunning('step back');
        if (!session.stepBackBy(request.count ?? 1)) throw new Refusal('invalid', 'there is nothing to step back to');
        this.forgetEditsAfter(session.microPosition);
        return this.stopped('restored');
      case 'rewind':
        this.refuseWhileRunning('rewind');
        if (!session.rewindTo(request.step))
          throw new Refusal(
            'invalid',
            `step ${request.step} is no longer reachable (earliest ${session.earliestStep})`,
          );
        this.forgetEditsAfter(session.microPosition);
        return this.stopped('restored');
      case 'setParameter':
        this.refuseWhileRunning('change a parameter');
        try {
          session.setParameter(request);
        } catch (error) {
          throw new Refusal('invalid', (error as Error).message);
        }
        this.edits.push({ position: session.microPosition, edit: { ...request } });
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
        // With Adam's m and v, which only the debugger asks for.
        return layerInFull(session, request.layer);
      case 'evaluate':
        return evaluate(session, request.expression, request.layer);
      case 'reverseContinue':
        return this.reverseContinue(session, request.breakpoints, request.exceptions);
      case 'selectLayer':
        this.selectedLayer = request.layer;
        return null;
      case 'traceSteps':
        return this.traceSteps(session, request);
    }
  }

  /** The step-by-step trace, replayed with the what-if edits made where they were made. */
  private async traceSteps(session: TrainingSession, request: Params<'traceSteps'>): Promise<Result<'traceSteps'>> {
    // A session stopped on a NaN has the step it stopped in to show as well.
    const toStep = request.toStep ?? session.cursor.step + (session.stopped === 'non_finite' ? 1 : 0);
    try {
      return await traceSteps(session.model, {
        level: request.level,
        fromStep: request.fromStep ?? 0,
        toStep,
        edits: [...this.edits],
      });
    } catch (error) {
      throw error instanceof StepTraceRefused ? new Refusal('invalid', error.message) : error;
    }
  }

  private async load(request: Params<'load'>): Promise<Result<'load'>> {
    await this.stopRun();
    this.session = new TrainingSession(request.model, { traceLevel: request.traceLevel, historyLimit: HISTORY_LIMIT });
    this.feed = new HistoryFeed();
    this.edits = [];
    this.breakpoints.reset();
    return { model: this.session.modelInfo(), update: this.update(false) };
  }

  private async run(session: TrainingSession, until: WorkerRunUntil): Promise<Stopped> {
    this.refuseWhileRunning('start another run');
    if (until.kind !== 'breakpoints') {
      const result = await this.timeSliced(session, until, { progress: true });
      return this.stopped(result.reason, result.detail);
    }
    let hit: BreakpointHit | undefined;
    const check = this.breakpoints.compile(session, until, (found) => (hit = found));
    const here = until.checkStart ? check() : undefined;
    const result = here ?? (await this.timeSliced(session, check, { progress: true }));
    if (result.reason === 'non_finite') {
      const nan = [...session.diagnostics].reverse().find((d) => d.code === 'non_finite');
      hit = { breakpoints: [], ...hit, ...(nan ? { exception: nan } : {}) };
    }
    return this.stopped(result.reason, result.detail, hit);
  }

  /** A run that Pause, Reset and Stop end within one slice (unless it must not stop half-way). */
  private timeSliced(
    session: TrainingSession,
    until: Parameters<TrainingSession['runUntil']>[0],
    options: { progress: boolean; abortable?: boolean },
  ): Promise<RunResult> {
    return this.exclusive((signal) =>
      session.runUntil(until, {
        ...(options.abortable === false ? {} : { signal }),
        ...(options.progress ? { onSlice: () => this.progress(session) } : {}),
      }),
    );
  }

  /** While `body` goes, the worker is running: other moves are refused, and Pause/Reset/Stop abort `signal`. */
  private async exclusive<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    let finish!: () => void;
    this.running = { abort, done: new Promise<void>((resolve) => (finish = resolve)) };
    try {
      return await body(abort.signal);
    } finally {
      this.running = undefined;
      finish();
    }
  }

  /**
   * Slow motion: one run that waits between its ticks, so Pause (from the panel, the editor or a key) ends it at
   * once, like any run. Each tick's update is shown as a stop's would be (the selected layer, a fine boundary),
   * since the point of going slowly is to see every epoch.
   */
  private async runSlowly(session: TrainingSession, until: WorkerRunUntil, epochsPerSecond: number): Promise<Stopped> {
    this.refuseWhileRunning('start another run');
    if (until.kind === 'breakpoints' || !(epochsPerSecond > 0 && epochsPerSecond <= 1000))
      throw new Refusal('invalid', 'slow motion runs 1 to 1000 epochs a second, without breakpoints');
    const ticksPerSecond = Math.min(epochsPerSecond, MAX_TICKS_PER_SECOND);
    const epochsPerTick = Math.max(1, Math.round(epochsPerSecond / ticksPerSecond));
    const target = session.stopCheck(until);
    this.pace = epochsPerSecond;
    try {
      const result = await this.exclusive(async (signal) => {
        for (;;) {
          const started = Date.now();
          const tick = session.stopCheck({ kind: 'granularity', granularity: 'epoch', count: epochsPerTick });
          let ticked = false;
          const reached = await session.runUntil(
            () => {
              const hit = target();
              if (hit) return hit;
              ticked = tick() !== undefined;
              return ticked ? { reason: 'step' } : undefined;
            },
            { signal, onSlice: () => this.progress(session) },
          );
          if (!ticked || session.cursor.finished || session.stopped) return reached;
          this.post({ kind: 'progress', update: this.update(true, true) });
          if (session.model.inputSize === 2)
            this.post({ kind: 'boundary', boundary: session.decisionBoundary(TICK_BOUNDARY_RESOLUTION) ?? null });
          // The tick said all there is to say: the run's own progress and boundary wait their usual time.
          this.lastProgress = this.lastBoundary = Date.now();
          await abortableSleep(1000 / ticksPerSecond - (Date.now() - started), signal);
          if (signal.aborted) return { reason: 'paused' } satisfies RunResult;
        }
      });
      return this.stopped(result.reason, result.detail);
    } finally {
      this.pace = undefined;
    }
  }

  /**
   * Reverse continue: replays from the earliest reachable position up to here, making the what-if edits again
   * where they were made, notes the last position before here where a breakpoint would have stopped, and goes
   * back there exactly (or to the earliest position when there is none).
   */
  private async reverseContinue(
    session: TrainingSession,
    breakpoints: BreakpointSpec[],
    exceptions: DiagnosticCode[],
  ): Promise<Stopped> {
    this.refuseWhileRunning('reverse continue');
    const now = session.microPosition;
    const edits = this.edits;
    const earliest = session.earliestStep;
    if (now === 0 || !session.rewindTo(earliest)) return this.stopped('restored', 'there is no earlier position');
    let last: { position: number; hit: BreakpointHit } | undefined;
    const check = this.breakpoints.compile(
      session,
      { kind: 'breakpoints', breakpoints, exceptions },
      (hit) => (last = { position: session.microPosition, hit }),
      { quiet: true },
    );
    const redoEdits = () => {
      for (const { position, edit } of edits) if (position === session.microPosition) session.setParameter(edit);
    };
    // Not abortable: a replay stopped half-way would leave the session somewhere the user never was.
    await this.timeSliced(
      session,
      () => {
        if (session.microPosition >= now) {
          redoEdits();
          return { reason: 'step' };
        }
        check();
        redoEdits();
        return undefined;
      },
      { progress: false, abortable: false },
    );
    this.edits = edits;
    if (!last) {
      session.rewindTo(earliest);
      this.forgetEditsAfter(session.microPosition);
      return this.stopped('restored', 'no earlier breakpoint hit: back at the earliest reachable position');
    }
    const { position, hit } = last;
    if (position < session.microPosition) session.stepBackBy(session.microPosition - position);
    this.forgetEditsAfter(session.microPosition);
    return this.stopped('condition', 'breakpoint (reverse)', hit);
  }

  /** Edits made after `position` went with the future a step back discarded (the session drops them too). */
  private forgetEditsAfter(position: number): void {
    this.edits = this.edits.filter((made) => made.position <= position);
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

  private stopped(reason: Stopped['reason'], detail?: string, hit?: BreakpointHit): Stopped {
    const session = this.session!;
    const finalReason = session.stopped ?? (session.cursor.finished && reason === 'step' ? 'finished' : reason);
    return { reason: finalReason, ...(detail ? { detail } : {}), ...(hit ? { hit } : {}), update: this.update(false) };
  }

  /** `detailed`: with the selected layer in full (a stop, a tick of slow motion); not 30 times a second in a run. */
  private update(running: boolean, detailed = !running): TrainingUpdate {
    const session = this.session!;
    // Tensors too big to send every time come as previews; the debugger asks for a layer's in full (layerTensors).
    const record = session.trace(undefined, detailed ? [this.selectedLayer] : [], { previewAbove: PREVIEW_ABOVE });
    if (detailed) firstSampleMaps(session, record);
    return {
      record,
      history: this.feed.take(session.history, { complete: !running }),
      lastEpoch: session.latestEpoch,
      diagnostics: latestOfEach(session.diagnostics),
      running,
      ...(running && this.pace !== undefined ? { epochsPerSecond: this.pace } : {}),
      canStepBack: session.microPosition > 0,
    };
  }
}

/**
 * A convolution's feature maps for a whole batch are too many numbers to send at each stop, but the panel draws
 * only the first sample's: put those in full in place of the batch's preview.
 */
function firstSampleMaps(session: TrainingSession, record: TraceRecord): void {
  for (const layer of record.layers) {
    const maps = layer.featureMaps;
    if (layer.type !== 'conv2d' || !maps || maps.data || maps.rows === 0) continue;
    const full = session.trace('full', [layer.index]).layers[layer.index].featureMaps;
    if (full?.data) layer.featureMaps = { ...maps, rows: 1, data: full.data.slice(0, maps.cols), preview: undefined };
  }
}

/** Waits `ms` (nothing when negative), or less if the signal aborts meanwhile. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** An expression at the current position; a mistake in it is an answer (with its column), not a refusal. */
function evaluate(session: TrainingSession, expression: string, layer?: number): Evaluation {
  try {
    const scope = buildScope(sessionSource(session), layer);
    return { ok: true, value: plainValue(evaluateExpression(expression, scope)) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: message, ...(error instanceof ExpressionError ? { column: error.column } : {}) };
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

/** The nice value of the training thread: below the editor's threads, which stay at 0. */
const TRAINING_NICENESS = 10;

/**
 * Training is background work: on a busy machine the editor's threads (the extension host answering a Pause, the
 * window drawing the panel) should win the CPU from it, and on an idle one it still gets a whole core. Linux gives
 * each thread its own nice value, so only this thread is lowered; elsewhere it keeps the normal priority.
 */
function trainAtLowPriority(): void {
  try {
    const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(thread) && thread > 0 && thread !== process.pid) setPriority(thread, TRAINING_NICENESS);
  } catch {
    // Not Linux (no /proc/thread-self), or not allowed: train at the normal priority.
  }
}

if (parentPort) {
  trainAtLowPriority();
  const port = parentPort;
  const worker = new TrainingWorker((message) => port.postMessage(message));
  port.on('message', (request: WorkerRequest) => void worker.handle(request));
}
