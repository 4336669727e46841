// The Debug Adapter Protocol face of a training session: translates requests into BackpropRuntime calls and
// its stops into events, nothing more (vscode-mock-debug's split). No `vscode` here: the same class runs inline
// in the extension host and standalone over stdin/stdout (debugAdapter.ts) for nvim-dap, dap-mode, Theia.

import * as path from 'node:path';
import {
  ContinuedEvent,
  DebugSession,
  Handles,
  InitializedEvent,
  InvalidatedEvent,
  OutputEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { LIMITS } from '../model/schema';
import type { StepGranularity } from '../protocol';
import { BackpropRuntime, EXCEPTION_FILTERS, LaunchError, type SessionOpener } from './backpropRuntime';
import { formatValue } from './expression';
import {
  editableEntry,
  expensiveScope,
  layerLine,
  scopesOf,
  valueTensorVariable,
  VariablesModel,
  type Container,
  type VariableInfo,
} from './variables';

export interface BackpropLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The model file, absolute or relative to `cwd` (the workspace folder in VS Code). */
  model?: string;
  cwd?: string;
  stopOnEntry?: boolean;
  epochs?: number;
  stepGranularity?: StepGranularity;
}

const THREAD_ID = 1;
/** Tensors up to this many entries evaluate to their numbers; larger ones to their summary line (and expand). */
const SHOWN_ENTRIES = 64;
const STEP_GRANULARITIES: readonly StepGranularity[] = ['layer', 'phase', 'batch', 'epoch'];
/** How long launch waits for the client's breakpoints (configurationDone) before starting anyway. */
const CONFIGURATION_WAIT_MS = 2000;
/** Epochs a launch configuration may ask for: the model schema's own cap. */
const MAX_EPOCHS = LIMITS.epochs;

export interface BackpropDebugOptions {
  /** Opens a session on a model file (the extension's SessionManager inline; a worker of its own standalone). */
  open: SessionOpener;
  /** The model file's text as it is now (an editor's unsaved text inline), for Restart to see whether it changed. */
  readText: (file: string) => string | undefined;
  /** Called when the adapter is done (standalone: exit the process). */
  onShutdown?: () => void;
}

export class BackpropDebugSession extends DebugSession {
  private readonly runtime: BackpropRuntime;
  private readonly variables: VariablesModel;
  private handles = new Handles<Container>();
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((resolve) => (this.configured = resolve));
  private terminated = false;

  constructor(private readonly options: BackpropDebugOptions) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.runtime = new BackpropRuntime(options.open);
    this.variables = new VariablesModel(this.runtime);
    this.runtime.onDidStop((stop) => {
      this.handles = new Handles<Container>();
      const event = new StoppedEvent(stop.kind, THREAD_ID, stop.exception?.message) as DebugProtocol.StoppedEvent;
      event.body.description = stop.description;
      event.body.allThreadsStopped = true;
      if (stop.hitBreakpointIds) event.body.hitBreakpointIds = stop.hitBreakpointIds;
      this.sendEvent(event);
    });
    this.runtime.onDidContinue(() => this.sendEvent(new ContinuedEvent(THREAD_ID, true)));
    this.runtime.onDidOutput(({ category, text }) => this.sendEvent(new OutputEvent(text, category)));
    this.runtime.onDidEnd(() => this.terminate());
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsStepBack: true,
      supportsSetVariable: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsExceptionInfoRequest: true,
      supportsBreakpointLocationsRequest: true,
      supportsDelayedStackTraceLoading: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map(({ filter, label, default: on }) => ({
        filter,
        label,
        default: on,
        description: `Stop when the ${label.toLowerCase()} diagnostic is raised`,
      })),
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(
    response: DebugProtocol.LaunchResponse,
    given: BackpropLaunchArguments | undefined,
  ): Promise<void> {
    // A client sends no `arguments` at all for an empty configuration.
    const args = given ?? {};
    const problem = launchProblem(args);
    if (problem) return this.fail(response, problem);
    const file = path.resolve(args.cwd ?? process.cwd(), args.model!);
    try {
      await this.runtime.launch(file, {
        stopOnEntry: args.stopOnEntry ?? true,
        stepGranularity: args.stepGranularity ?? 'phase',
        ...(args.epochs ? { epochs: args.epochs } : {}),
      });
    } catch (error) {
      return this.fail(
        response,
        error instanceof LaunchError ? error.message : `cannot start training: ${message(error)}`,
      );
    }
    // Breakpoints are placed on the model's lines, so the client is asked for them only once the model is read.
    this.sendEvent(new InitializedEvent());
    await Promise.race([this.configurationDone, new Promise((resolve) => setTimeout(resolve, CONFIGURATION_WAIT_MS))]);
    this.sendResponse(response);
    await this.guard(() => this.runtime.start());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured();
    this.sendResponse(response);
  }

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    const file = args.source.path ?? '';
    const placed = this.runtime.setBreakpoints(
      file,
      (args.breakpoints ?? []).map((bp) => ({
        line: this.convertClientLineToDebugger(bp.line),
        ...(bp.condition !== undefined ? { condition: bp.condition } : {}),
        ...(bp.hitCondition !== undefined ? { hitCondition: bp.hitCondition } : {}),
        ...(bp.logMessage !== undefined ? { logMessage: bp.logMessage } : {}),
      })),
    );
    response.body = {
      breakpoints: placed.map((bp) => ({
        id: bp.id,
        verified: bp.verified,
        line: this.convertDebuggerLineToClient(bp.line),
        source: args.source,
        ...(bp.verified ? { message: bp.what } : { message: bp.message, reason: 'failed' as const }),
      })),
    };
    this.sendResponse(response);
  }

  protected override breakpointLocationsRequest(
    response: DebugProtocol.BreakpointLocationsResponse,
    args: DebugProtocol.BreakpointLocationsArguments,
  ): void {
    const start = this.convertClientLineToDebugger(args.line);
    const end = this.convertClientLineToDebugger(args.endLine ?? args.line);
    const lines = args.source.path && this.isModel(args.source.path) ? this.runtime.breakpointLines(start, end) : [];
    response.body = { breakpoints: lines.map((line) => ({ line: this.convertDebuggerLineToClient(line) })) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    this.runtime.setExceptionFilters([...args.filters, ...(args.filterOptions ?? []).map((option) => option.filterId)]);
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, 'training')] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    if (!this.alive(response)) return;
    const file = this.runtime.modelFile;
    const source = new Source(path.basename(file), this.convertDebuggerPathToClient(file));
    const frames = this.runtime.frames();
    response.body = {
      stackFrames: frames.map(
        (frame) => new StackFrame(frame.id, frame.name, source, this.convertDebuggerLineToClient(frame.line), 1),
      ),
      totalFrames: frames.length,
    };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    if (!this.alive(response)) return;
    const frame = this.runtime.frame(args.frameId);
    if (!frame) return this.fail(response, 'that frame is gone: the session has moved on');
    response.body = {
      scopes: scopesOf(frame).map(
        (scope) => new Scope(scope, this.handles.create({ kind: 'scope', frame, scope }), expensiveScope(scope)),
      ),
    };
    this.sendResponse(response);
  }

  protected override async variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): Promise<void> {
    const container = this.handles.get(args.variablesReference);
    if (!container || !this.runtime.alive) {
      response.body = { variables: [] };
      return this.sendResponse(response);
    }
    // Tensors page their rows and entries; they have no named children.
    if (args.filter === 'named' && (container.kind === 'tensor' || container.kind === 'row')) {
      response.body = { variables: [] };
      return this.sendResponse(response);
    }
    try {
      const infos = await this.variables.children(container, args.start ?? 0, args.count || undefined);
      response.body = { variables: infos.map((info) => this.variable(info)) };
      this.sendResponse(response);
    } catch (error) {
      this.fail(response, message(error));
    }
  }

  protected override async setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): Promise<void> {
    const container = this.handles.get(args.variablesReference);
    const entry = container && editableEntry(container, args.name);
    if (!entry) return this.fail(response, 'only entries of a layer’s W and b can be set');
    const evaluation = await this.runtime.evaluate(args.value, undefined).catch((error: unknown) => ({
      ok: false as const,
      error: message(error),
    }));
    if (!evaluation.ok || typeof evaluation.value !== 'number')
      return this.fail(response, evaluation.ok ? `${args.value} is not a number` : evaluation.error);
    try {
      await this.runtime.setParameter({ ...entry, value: evaluation.value });
    } catch (error) {
      return this.fail(response, message(error));
    }
    response.body = { value: String(evaluation.value) };
    this.sendResponse(response);
    // Norms, summaries and every view of the weights change with it.
    this.sendEvent(new InvalidatedEvent(['variables']));
  }

  protected override async evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): Promise<void> {
    if (!this.alive(response)) return;
    const frame = this.runtime.frame(args.frameId);
    const expression = args.expression.trim();
    const layer = this.runtime.layerIndex(expression);
    if (layer >= 0) {
      // A layer's name (a hover in the model file): its tensors, to expand.
      const trace = this.runtime.record.layers[layer];
      response.body = {
        result: layerLine(this.runtime.spec.layers[layer], trace),
        variablesReference: this.handles.create({ kind: 'layer', layer }),
        namedVariables: 9,
      };
      return this.sendResponse(response);
    }
    let evaluation;
    try {
      evaluation = await this.runtime.evaluate(args.expression, frame?.layer);
    } catch (error) {
      return this.fail(response, message(error));
    }
    if (!evaluation.ok)
      return this.fail(
        response,
        evaluation.column !== undefined ? `${evaluation.error} (column ${evaluation.column + 1})` : evaluation.error,
      );
    const value = evaluation.value;
    if (typeof value === 'object') {
      // A tensor: its numbers when short, its summary line otherwise; expandable either way.
      const info = valueTensorVariable(value, args.expression);
      response.body = {
        result: value.rows * value.cols <= SHOWN_ENTRIES ? tensorText(value) : info.value,
        variablesReference: this.handles.create(info.container!),
        ...(info.indexedVariables !== undefined ? { indexedVariables: info.indexedVariables } : {}),
      };
    } else {
      response.body = { result: formatValue(value), variablesReference: 0 };
    }
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const exception = this.runtime.exception;
    if (!exception) return this.fail(response, 'the session did not stop on an exception filter');
    const where = exception.layerName ? ` in ${exception.layerName}` : '';
    response.body = {
      exceptionId: exception.code,
      description: `${exception.message}${where && !exception.message.includes(exception.layerName!) ? where : ''} — ${exception.hint}`,
      breakMode: 'always',
      details: {
        message: exception.message,
        typeName: `${exception.code}${where}`,
        stackTrace: `epoch ${exception.epoch + 1}, batch ${exception.batch + 1}, step ${exception.step}\n${exception.hint}`,
      },
    };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    void this.guard(() => this.runtime.continue());
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.sendResponse(response);
    void this.guard(() => this.runtime.stepOver());
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.sendResponse(response);
    void this.guard(() => this.runtime.stepIn());
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.sendResponse(response);
    void this.guard(() => this.runtime.stepOut());
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    if (!this.alive(response)) return;
    if (!this.runtime.client.latest.canStepBack) return this.fail(response, 'there is nothing to step back to');
    this.sendResponse(response);
    void this.guard(() => this.runtime.stepBack());
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.sendResponse(response);
    void this.guard(() => this.runtime.reverseContinue());
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.sendResponse(response);
    void this.guard(() => this.runtime.pause());
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse): Promise<void> {
    try {
      await this.runtime.restart(() => this.options.readText(this.runtime.modelFile));
    } catch (error) {
      return this.fail(response, message(error));
    }
    this.sendResponse(response);
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.runtime.terminate();
    this.sendResponse(response);
    this.terminate();
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    await this.runtime.terminate();
    this.sendResponse(response);
    this.shutdown();
  }

  override shutdown(): void {
    this.options.onShutdown?.();
  }

  // -------------------------------------------------------------------------------------------

  private variable(info: VariableInfo): DebugProtocol.Variable {
    return {
      name: info.name,
      value: info.value,
      variablesReference: info.container ? this.handles.create(info.container) : 0,
      ...(info.type ? { type: info.type } : {}),
      ...(info.evaluateName ? { evaluateName: info.evaluateName } : {}),
      ...(info.indexedVariables !== undefined ? { indexedVariables: info.indexedVariables } : {}),
      ...(info.namedVariables !== undefined ? { namedVariables: info.namedVariables } : {}),
    };
  }

  private isModel(file: string): boolean {
    return path.resolve(file) === path.resolve(this.runtime.modelFile);
  }

  private alive(response: DebugProtocol.Response): boolean {
    if (this.runtime.alive) return true;
    this.fail(response, 'the training session has ended');
    return false;
  }

  /** Runs a runtime call a response has already answered; a failure goes to the Debug Console. */
  private async guard(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (this.runtime.alive) this.sendEvent(new OutputEvent(`${message(error)}\n`, 'stderr'));
    }
  }

  private terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.sendEvent(new TerminatedEvent());
  }

  /** An error response whose text is shown as is (DAP formats `{…}` in `format` as variables). */
  private fail(response: DebugProtocol.Response, text: string): void {
    response.success = false;
    response.message = text;
    response.body = { error: { id: 1, format: '{message}', variables: { message: text }, showUser: true } };
    this.sendResponse(response);
  }
}

/** What is wrong with a launch configuration, in words, before the model is read. */
function launchProblem(args: BackpropLaunchArguments): string | undefined {
  if (typeof args.model !== 'string' || args.model.trim() === '')
    return 'the launch configuration needs "model": the path of a *.nn.yaml or *.nn.json file';
  if (args.epochs !== undefined && (!Number.isInteger(args.epochs) || args.epochs < 1 || args.epochs > MAX_EPOCHS))
    return `"epochs" must be a whole number from 1 to ${MAX_EPOCHS}, got ${JSON.stringify(args.epochs)}`;
  if (args.stepGranularity !== undefined && !STEP_GRANULARITIES.includes(args.stepGranularity))
    return `"stepGranularity" must be one of ${STEP_GRANULARITIES.join(', ')}, got ${JSON.stringify(args.stepGranularity)}`;
  return undefined;
}

/** A small tensor's numbers, nested by rows as numpy prints them (`[[1.15038], [1.1039]]`). */
function tensorText(value: { rows: number; cols: number; data: ArrayLike<number> }): string {
  const rows: string[] = [];
  for (let i = 0; i < value.rows; i++) {
    const row: string[] = [];
    for (let j = 0; j < value.cols; j++) row.push(formatValue(value.data[i * value.cols + j]));
    rows.push(`[${row.join(', ')}]`);
  }
  return `[${rows.join(', ')}]`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
