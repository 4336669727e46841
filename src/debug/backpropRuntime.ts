// The debugger's runtime: a training session seen as a program (one thread, a stack of micro-step, batch and
// epoch, breakpoints on lines of the model file), over a TrainingClient. It knows nothing of the Debug Adapter
// Protocol (backpropDebug.ts translates) nor of VS Code (the extension injects how a session is opened).

import type { ModelSpec } from '../model/types';
import { describeMicroStep } from '../engine/session';
import type {
  BreakpointSite,
  BreakpointSpec,
  DiagnosticCode,
  Evaluation,
  LayerTrace,
  ParameterEdit,
  RunUntil,
  StepGranularity,
  Stopped,
  TrainingDiagnostic,
  TraceRecord,
} from '../protocol';
import { Emitter } from '../worker/events';
import type { TrainingClient } from '../worker/trainingClient';
import { placeBreakpoint, type Placement } from './breakpoints';
import { compileExpression } from './expression';
import { hitConditionProblem } from './hitCondition';
import { modelLines, type ModelLines } from './modelLines';

/** A session opened on a model file: by the extension's SessionManager inline, or by the adapter itself. */
export interface OpenedSession {
  client: TrainingClient;
  spec: ModelSpec;
  /** The text that was parsed (breakpoint lines are placed on it). */
  text: string;
  /** Ends the session (the extension's SessionManager may do more than stop the client). */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Train for this many epochs instead of the file's `training.epochs`. */
  epochs?: number;
}

/** Opens a session on a model file; throws a LaunchError whose message is the file's `FILE:LINE:COL` problems. */
export type SessionOpener = (file: string, options: OpenOptions) => Promise<OpenedSession>;

export class LaunchError extends Error {}

export type StopKind = 'entry' | 'step' | 'breakpoint' | 'exception' | 'pause';

export interface RuntimeStop {
  kind: StopKind;
  /** Shown by the client beside the thread (why it stopped, in words). */
  description: string;
  hitBreakpointIds?: number[];
  exception?: TrainingDiagnostic;
}

export type FrameKind = 'microStep' | 'batch' | 'epoch';

export interface Frame {
  id: number;
  kind: FrameKind;
  name: string;
  /** 1-based line in the model file. */
  line: number;
  /** The layer whose tensors the bare names W, b, z… mean in this frame. */
  layer?: number;
}

/** Exception filters, as the Breakpoints view lists them, and the diagnostic each stops on. */
export const EXCEPTION_FILTERS = [
  { filter: 'nan', label: 'NaN or Infinity', code: 'non_finite', default: true },
  { filter: 'exploding', label: 'Exploding gradients', code: 'exploding', default: false },
  { filter: 'vanishing', label: 'Vanishing gradients', code: 'vanishing', default: false },
  { filter: 'deadRelu', label: 'Dead ReLU units', code: 'dead_relu', default: false },
  { filter: 'lossRising', label: 'Loss rising', code: 'loss_rising', default: false },
] as const satisfies readonly { filter: string; label: string; code: DiagnosticCode; default: boolean }[];

export interface SourceBreakpoint {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export type PlacedBreakpoint = Placement & { id: number };

export interface LaunchOptions extends OpenOptions {
  stopOnEntry: boolean;
  /** What Step Over steps over; default a phase. */
  stepGranularity: StepGranularity;
}

const FRAME_IDS: Record<FrameKind, number> = { microStep: 1, batch: 2, epoch: 3 };

export class BackpropRuntime {
  private readonly stopEmitter = new Emitter<RuntimeStop>();
  private readonly outputEmitter = new Emitter<{ category: 'console' | 'stderr'; text: string }>();
  private readonly continueEmitter = new Emitter<void>();
  private readonly endEmitter = new Emitter<void>();
  /** The session stopped (after a step, at a breakpoint, a filter, a pause, or moved by someone else). */
  readonly onDidStop = this.stopEmitter.event;
  readonly onDidOutput = this.outputEmitter.event;
  /** The session started running because someone other than the debugger asked it to. */
  readonly onDidContinue = this.continueEmitter.event;
  /** The session ended (training cannot go on, or the worker stopped). */
  readonly onDidEnd = this.endEmitter.event;

  private session: OpenedSession | undefined;
  private file = '';
  private lines: ModelLines = { layers: [] };
  private options: LaunchOptions = { stopOnEntry: true, stepGranularity: 'phase' };
  private breakpoints: (BreakpointSpec & { line: number })[] = [];
  private readonly idsByKey = new Map<string, number>();
  private nextBreakpointId = 1;
  private filters = new Set<string>(EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter));
  /** Requests of ours in flight: updates they cause are not "moved by someone else". */
  private ownRequests = 0;
  /** The last stop was at a batch or epoch start (so the innermost frame is the batch or the epoch). */
  private boundaryFrame: 'batch' | 'epoch' | undefined;
  private lastStop: RuntimeStop | undefined;
  private tensors = new Map<number, Promise<LayerTrace>>();
  private ended = false;

  constructor(private readonly open: SessionOpener) {}

  get client(): TrainingClient {
    if (!this.session) throw new Error('no model is being debugged');
    return this.session.client;
  }

  /** A session is open and its worker alive. */
  get alive(): boolean {
    return !!this.session && this.session.client.alive;
  }

  get spec(): ModelSpec {
    return this.session!.spec;
  }

  get modelFile(): string {
    return this.file;
  }

  get record(): TraceRecord {
    return this.client.latest.record;
  }

  get exception(): TrainingDiagnostic | undefined {
    return this.lastStop?.exception;
  }

  /** Opens the model; the first stop (or run) comes from `start` once breakpoints are set. */
  async launch(file: string, options: LaunchOptions): Promise<void> {
    this.file = file;
    this.options = options;
    await this.attach(await this.open(file, { ...(options.epochs ? { epochs: options.epochs } : {}) }));
  }

  /** After the client's breakpoints are in: stop on entry, or run to the first breakpoint. */
  async start(): Promise<void> {
    if (this.options.stopOnEntry) this.stopped({ kind: 'entry', description: 'paused before the first forward pass' });
    else await this.move({ checkStart: true });
  }

  private async attach(session: OpenedSession): Promise<void> {
    this.session = session;
    this.lines = modelLines(session.text, session.spec);
    this.tensors.clear();
    this.boundaryFrame = undefined;
    const { client } = session;
    client.onDidOutput((output) => this.outputEmitter.fire(output));
    client.onDidUpdate((event) => {
      this.tensors.clear();
      if (this.ownRequests > 0 || !event.immediate || this.session?.client !== client) return;
      this.boundaryFrame = undefined;
      this.stopped({ kind: 'step', description: 'moved by a Backprop command' });
    });
    client.onDidChangeState((state) => {
      if (state === 'running' && this.ownRequests === 0) this.continueEmitter.fire();
    });
    client.onDidEnd(() => {
      if (this.session?.client === client) this.end();
    });
  }

  // -------------------------------------------------------------------------------------------
  // Breakpoints

  /** Replaces the breakpoints of the model file; any other file's breakpoints are refused with a reason. */
  setBreakpoints(file: string, requested: SourceBreakpoint[]): PlacedBreakpoint[] {
    if (!samePath(file, this.file)) {
      return requested.map((bp) => ({
        id: this.idFor(`other:${file}:${bp.line}`),
        verified: false,
        line: bp.line,
        message: 'Breakpoints stop only in the model file being debugged.',
      }));
    }
    const names = this.session?.spec.layers.map((layer) => layer.name) ?? [];
    const placed: PlacedBreakpoint[] = [];
    const specs: (BreakpointSpec & { line: number })[] = [];
    for (const bp of requested) {
      const place = placeBreakpoint(bp.line, this.lines, names);
      const id = this.idFor(`${bp.line}|${bp.condition ?? ''}|${bp.hitCondition ?? ''}|${bp.logMessage ?? ''}`);
      if (!place.verified) {
        placed.push({ ...place, id });
        continue;
      }
      const problem = expressionProblem(bp);
      if (problem) {
        placed.push({ verified: false, line: place.line, message: problem, id });
        continue;
      }
      placed.push({ ...place, id });
      specs.push({
        id,
        line: place.line,
        at: place.site,
        ...(bp.condition?.trim() ? { condition: bp.condition } : {}),
        ...(bp.hitCondition?.trim() ? { hitCondition: bp.hitCondition } : {}),
        ...(bp.logMessage !== undefined && bp.logMessage !== '' ? { logMessage: bp.logMessage } : {}),
      });
    }
    this.breakpoints = specs;
    return placed;
  }

  setExceptionFilters(filters: readonly string[]): void {
    this.filters = new Set(filters);
  }

  /** The lines a breakpoint can stand on, within [start, end]. */
  breakpointLines(start: number, end: number): number[] {
    const names = this.session?.spec.layers.map((layer) => layer.name) ?? [];
    const lines = new Set<number>();
    for (let line = start; line <= end; line++) {
      const place = placeBreakpoint(line, this.lines, names);
      if (place.verified) lines.add(place.line);
    }
    return [...lines].filter((line) => line >= start && line <= end);
  }

  private idFor(key: string): number {
    let id = this.idsByKey.get(key);
    if (id === undefined) this.idsByKey.set(key, (id = this.nextBreakpointId++));
    return id;
  }

  private exceptionCodes(): DiagnosticCode[] {
    return EXCEPTION_FILTERS.filter((f) => this.filters.has(f.filter)).map((f) => f.code);
  }

  // -------------------------------------------------------------------------------------------
  // Execution

  continue(): Promise<void> {
    return this.move({});
  }

  /** One micro-step: a layer forward, the loss, a layer backward, or the update. */
  stepIn(): Promise<void> {
    return this.move({ also: { kind: 'microSteps', count: 1 } });
  }

  stepOver(): Promise<void> {
    return this.move({ also: { kind: 'granularity', granularity: this.options.stepGranularity } });
  }

  /** To the end of the innermost frame: the batch from a micro-step, the epoch from a batch, the run from an epoch. */
  stepOut(): Promise<void> {
    const innermost = this.frames()[0].kind;
    const granularity: StepGranularity = innermost === 'microStep' ? 'batch' : innermost === 'batch' ? 'epoch' : 'run';
    return this.move({ also: { kind: 'granularity', granularity } });
  }

  async stepBack(): Promise<void> {
    await this.own(() => this.client.stepBack(1));
    this.boundaryFrame = undefined;
    this.stopped({ kind: 'step', description: 'stepped back' });
  }

  async reverseContinue(): Promise<void> {
    const stopped = await this.own(() => this.client.reverseContinue(this.breakpoints, this.exceptionCodes()));
    this.report(stopped, 'back at the earliest reachable position');
  }

  /** Stops a run within one time slice; a run in flight reports its own stop. */
  async pause(): Promise<void> {
    const running = this.client.state === 'running';
    const stopped = await this.own(() => this.client.pause());
    if (!running) this.report(stopped, 'paused');
  }

  /** Back to the initial weights, or a new session when the file changed since it was opened. */
  async restart(readText: () => string | undefined): Promise<void> {
    const text = readText();
    if (text !== undefined && text !== this.session?.text) {
      const previous = this.session;
      this.session = undefined;
      await previous?.close();
      await this.attach(
        await this.open(this.file, { ...(this.options.epochs ? { epochs: this.options.epochs } : {}) }),
      );
    } else {
      await this.own(() => this.client.reset());
    }
    this.boundaryFrame = undefined;
    await this.start();
  }

  async terminate(): Promise<void> {
    const session = this.session;
    this.ended = true;
    await session?.close();
  }

  private async move(until: { also?: RunUntil; checkStart?: boolean }): Promise<void> {
    const client = this.client;
    // Nothing left to run: like a program that has returned.
    if (client.latest.record.cursor.finished || client.state === 'stopped') {
      this.outputEmitter.fire({ category: 'console', text: 'Training has finished; the debug session ends.\n' });
      this.end();
      return;
    }
    const stopped = await this.own(() =>
      client.run({
        kind: 'breakpoints',
        breakpoints: this.breakpoints,
        exceptions: this.exceptionCodes(),
        ...(until.also ? { also: until.also } : {}),
        ...(until.checkStart ? { checkStart: true } : {}),
      }),
    );
    this.report(stopped, until.also ? 'step' : 'paused');
  }

  /** Runs a request of ours, so the updates it causes are not taken for someone else's. */
  private async own<T>(request: () => Promise<T>): Promise<T> {
    this.ownRequests++;
    try {
      return await request();
    } finally {
      this.ownRequests--;
    }
  }

  /** Turns the worker's stop into a debugger's. */
  private report(stopped: Stopped, fallback: string): void {
    const { hit } = stopped;
    this.boundaryFrame = undefined;
    if (stopped.reason === 'non_finite' && !this.filters.has('nan')) {
      const text = hit?.exception?.message ?? 'a NaN or Infinity ended training';
      this.outputEmitter.fire({ category: 'stderr', text: `${text}\n` });
      this.end();
      return;
    }
    if (hit?.exception) {
      this.stopped({ kind: 'exception', description: hit.exception.message, exception: hit.exception });
      return;
    }
    if (hit?.conditionError) {
      this.stopped({
        kind: 'breakpoint',
        description: hit.conditionError.message,
        hitBreakpointIds: [hit.conditionError.id],
      });
      return;
    }
    if (hit && hit.breakpoints.length > 0) {
      const sites = hit.breakpoints.map((id) => this.breakpoints.find((bp) => bp.id === id)?.at);
      this.boundaryFrame = boundaryOf(sites);
      this.stopped({ kind: 'breakpoint', description: 'breakpoint', hitBreakpointIds: hit.breakpoints });
      return;
    }
    if (stopped.reason === 'paused') {
      this.stopped({ kind: 'pause', description: 'paused' });
      return;
    }
    if (stopped.reason === 'finished') {
      this.stopped({ kind: 'step', description: 'training finished: step back, or restart' });
      return;
    }
    this.stopped({ kind: 'step', description: stopped.detail ?? fallback });
  }

  private stopped(stop: RuntimeStop): void {
    this.lastStop = stop;
    this.tensors.clear();
    this.stopEmitter.fire(stop);
  }

  private end(): void {
    if (this.ended && !this.session) return;
    this.ended = true;
    const session = this.session;
    this.session = undefined;
    void session?.close();
    this.endEmitter.fire();
  }

  // -------------------------------------------------------------------------------------------
  // Inspecting

  /** Innermost first: the micro-step just run, the batch, the epoch. */
  frames(): Frame[] {
    const { record } = this;
    const cursor = record.cursor;
    const spec = this.spec;
    const frames: Frame[] = [];
    const atBoundary = record.did === null || this.boundaryFrame !== undefined;
    const epoch = atBoundary && !cursor.finished ? cursor.epoch : record.epoch;
    const batch = atBoundary && !cursor.finished ? cursor.batch : record.batch;
    const dataLine = this.lines.data?.line ?? 1;
    const trainingLine = this.lines.training?.line ?? 1;
    if (!atBoundary && record.did) {
      const layer = record.did.layer;
      const line =
        layer >= 0
          ? (this.lines.layers[layer]?.line ?? 1)
          : record.did.phase === 'loss'
            ? (this.lines.loss?.line ?? 1)
            : (this.lines.optimizer?.line ?? 1);
      frames.push({
        id: FRAME_IDS.microStep,
        kind: 'microStep',
        name: describeMicroStep(record.did, spec),
        line,
        ...(layer >= 0 ? { layer } : {}),
      });
    }
    if (this.boundaryFrame !== 'epoch')
      frames.push({
        id: FRAME_IDS.batch,
        kind: 'batch',
        name: `batch ${batch + 1}/${cursor.batchesPerEpoch}`,
        line: dataLine,
      });
    frames.push({
      id: FRAME_IDS.epoch,
      kind: 'epoch',
      name: `epoch ${Math.min(epoch + 1, spec.training.epochs)}/${spec.training.epochs}`,
      line: trainingLine,
    });
    return frames;
  }

  frame(id: number | undefined): Frame | undefined {
    const frames = this.frames();
    return id === undefined ? frames[0] : frames.find((frame) => frame.id === id);
  }

  /** Every tensor of a layer in full, once per stop. */
  layerTensors(layer: number): Promise<LayerTrace> {
    let tensors = this.tensors.get(layer);
    if (!tensors) {
      tensors = this.client.request('layerTensors', { layer });
      this.tensors.set(layer, tensors);
      tensors.catch(() => this.tensors.delete(layer));
    }
    return tensors;
  }

  evaluate(expression: string, layer: number | undefined): Promise<Evaluation> {
    return this.client.request('evaluate', { expression, ...(layer !== undefined ? { layer } : {}) });
  }

  async setParameter(edit: ParameterEdit): Promise<void> {
    await this.own(() => this.client.setParameter(edit));
    this.tensors.clear();
  }

  layerIndex(name: string): number {
    return this.spec.layers.findIndex((layer) => layer.name === name);
  }

  /** The lines of the model file (for inline values and hovers). */
  get modelLines(): ModelLines {
    return this.lines;
  }
}

/** A condition or hit condition that cannot work, found when the breakpoint is set rather than at its first hit. */
function expressionProblem(bp: SourceBreakpoint): string | undefined {
  if (bp.hitCondition?.trim()) {
    const problem = hitConditionProblem(bp.hitCondition);
    if (problem) return problem;
  }
  if (bp.condition?.trim()) {
    try {
      compileExpression(bp.condition);
    } catch (error) {
      return `condition: ${(error as Error).message}`;
    }
  }
  return undefined;
}

/** When every breakpoint hit is at a batch or epoch start, that frame is the innermost one. */
function boundaryOf(sites: (BreakpointSite | undefined)[]): 'batch' | 'epoch' | undefined {
  if (sites.some((site) => !site || (site.kind !== 'batchStart' && site.kind !== 'epochStart'))) return undefined;
  return sites.every((site) => site!.kind === 'epochStart') ? 'epoch' : 'batch';
}

function samePath(a: string, b: string): boolean {
  const normal = (p: string) => p.replace(/\\/g, '/').replace(/^([a-z]):/i, (_, d: string) => `${d.toLowerCase()}:`);
  return normal(a) === normal(b);
}
