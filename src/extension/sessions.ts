// Which model files are being trained, one session each, which of them the editor is about, and the context
// keys that make the debugger-like commands appear only when they make sense.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { traceElements } from '../engine/sizes';
import { formatIssue, parseModelText } from '../model';
import type { ModelSpec } from '../model/types';
import type { DecisionBoundary, GradientCheckResult, TraceLevel } from '../protocol';
import { settings } from './config';
import { realignWithSource } from './layerLocations';
import { LatestThrottle } from './throttle';
import { TrainingController, type UpdateEvent } from './trainingController';

export const MODEL_FILE = /\.nn\.(ya?ml|json)$/i;

export function isModelDocument(document: vscode.TextDocument | undefined): document is vscode.TextDocument {
  return !!document && MODEL_FILE.test(document.uri.path);
}

/** One model file's session and what the manager holds for it. */
interface Entry {
  controller: TrainingController;
  /** Lenses, hints and Problems of this file follow its run about once a second. */
  editorThrottle: LatestThrottle<TrainingController>;
}

/**
 * One session per model file, like one debug session per launch. `session` is the one the editor is about: that
 * of the active model editor, or, while the focus is elsewhere (the panel, the Output), of the model file focused
 * last. The panel, the status bar, the context keys and the commands follow it; lenses, hints, hovers and Problems
 * ask for their own document's (`sessionFor`).
 */
export class SessionManager implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TrainingController | undefined>();
  private readonly updateEmitter = new vscode.EventEmitter<{ controller: TrainingController; event: UpdateEvent }>();
  /**
   * `session` changed: a session started, ended or was replaced, or another model file took the focus (with the
   * session now current). Also fired when a session of another file starts or ends, so per-file views refresh.
   */
  readonly onDidChangeSession = this.changeEmitter.event;
  /** Any step, run progress or stop of the current session (`session`); other files' sessions train unheard. */
  readonly onDidUpdate = this.updateEmitter.event;
  private readonly boundaryEmitter = new vscode.EventEmitter<DecisionBoundary | null>();
  private readonly gradCheckEmitter = new vscode.EventEmitter<GradientCheckResult>();
  /** The current session's decision boundary changed (after a stop, and about once a second in a run). */
  readonly onDidChangeBoundary = this.boundaryEmitter.event;
  readonly onDidGradientCheck = this.gradCheckEmitter.event;
  private readonly editorEmitter = new vscode.EventEmitter<TrainingController>();
  /**
   * What the editor shows (CodeLens, inlay hints, Problems) of the session's file should change: at once after a
   * single step or a stop, about once a second during a run, since every refresh re-lays out the lines around the
   * layers. Fired for every session, each throttled on its own.
   */
  readonly onDidUpdateEditor = this.editorEmitter.event;
  private readonly entries = new Map<string, Entry>();
  /** The model file the editor was last on (the active one, while a model editor is active). */
  private focused: vscode.Uri | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /**
   * The epochs a second Train goes at (0: full speed): `backprop.trainSpeed`, or what the panel picked a moment
   * ago, while writing the setting may still take a second on a busy machine.
   */
  trainSpeed = settings().trainSpeed;
  /** Sessions being started, by file: a second start of the same file meanwhile waits for the first. */
  private readonly starting = new Map<string, Promise<TrainingController>>();

  constructor(private readonly extensionUri: vscode.Uri) {
    // Closing a model's editor tab keeps its session (ending it is Stop's job), as closing a source file keeps
    // a debug session going.
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => this.focus(editor?.document)),
      // Lenses, hints and warnings stay on their layers while the file is edited during a session.
      vscode.workspace.onDidChangeTextDocument(({ document, contentChanges }) => {
        const entry = this.entries.get(document.uri.toString());
        if (!entry || !entry.controller.alive || contentChanges.length === 0) return;
        const session = entry.controller;
        session.followEdits(contentChanges);
        session.edited = document.getText() !== session.sourceText;
        realignWithSource(session, document.getText());
        entry.editorThrottle.flush(session);
      }),
      vscode.workspace.onDidChangeConfiguration((change) => {
        if (change.affectsConfiguration('backprop.trainSpeed')) this.trainSpeed = settings().trainSpeed;
      }),
    );
    this.focus(vscode.window.activeTextEditor?.document);
    void this.setContext();
  }

  /** The session of the active model editor (or of the model file focused last, while no model editor is active). */
  get session(): TrainingController | undefined {
    return this.focused && this.sessionFor(this.focused);
  }

  /** The model file `session` is about, whether or not it has a session. */
  get focusedUri(): vscode.Uri | undefined {
    return this.focused;
  }

  /** The session of one model file. */
  sessionFor(uri: vscode.Uri): TrainingController | undefined {
    const controller = this.entries.get(uri.toString())?.controller;
    return controller?.alive ? controller : undefined;
  }

  /** Every live session, one per model file. */
  get all(): TrainingController[] {
    return [...this.entries.values()].map((entry) => entry.controller).filter((controller) => controller.alive);
  }

  /**
   * Parses the document as it is in the editor (saved or not) and starts a session paused before the first step,
   * replacing that file's session (other files' sessions go on). `epochs` trains for that many epochs instead of
   * the file's (a debug launch's override).
   */
  async start(document: vscode.TextDocument, options: { epochs?: number } = {}): Promise<TrainingController> {
    // Train clicked twice while the worker loads (a busy machine takes a second or two) starts one session, not a
    // second that replaces the first.
    const key = document.uri.toString();
    const pending = this.starting.get(key);
    if (pending && options.epochs === undefined) return pending;
    // A start with other options waits for the one under way, then replaces it (both at once would leave one
    // worker running outside the map).
    const started = (pending ? pending.catch(() => undefined) : Promise.resolve()).then(() =>
      this.startNow(document, options),
    );
    this.starting.set(key, started);
    try {
      return await started;
    } finally {
      if (this.starting.get(key) === started) this.starting.delete(key);
    }
  }

  private async startNow(document: vscode.TextDocument, options: { epochs?: number }): Promise<TrainingController> {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const config = vscode.workspace.getConfiguration('backprop');
    const text = document.getText();
    const { model: parsed, errors } = parseModelText(text, document.uri.fsPath, {
      workspaceRoot: folder?.uri.fsPath ?? path.dirname(document.uri.fsPath),
      thresholdDefaults: config.get('warningThresholds', {}),
    });
    const model =
      parsed && options.epochs ? { ...parsed, training: { ...parsed.training, epochs: options.epochs } } : parsed;
    if (!model) {
      const first = errors.find((issue) => issue.severity === 'error');
      throw new Error(
        `The model file has errors (see Problems): ${first ? formatIssue({ ...first, file: path.basename(first.file) }) : ''}`,
      );
    }
    // Only a model that parses replaces the file's running session (a Reset after a broken edit keeps the old one).
    await this.stop(document.uri);
    const worker = vscode.Uri.joinPath(this.extensionUri, 'dist', 'worker.js').fsPath;
    const controller = await TrainingController.start(document.uri, model, worker, traceLevelFor(model));
    controller.sourceText = text;
    const key = document.uri.toString();
    const entry: Entry = {
      controller,
      editorThrottle: new LatestThrottle((session) => this.editorEmitter.fire(session), 1000),
    };
    this.entries.set(key, entry);
    // A session started while no model editor is active (a launch.json debug session) is the one to show.
    if (!isModelDocument(vscode.window.activeTextEditor?.document)) this.focused = document.uri;
    const isCurrent = () => this.session === controller;
    controller.onDidUpdate((event) => {
      if (isCurrent()) this.updateEmitter.fire({ controller, event });
      if (event.immediate) {
        entry.editorThrottle.flush(controller);
        if (isCurrent()) void this.setContext();
      } else {
        entry.editorThrottle.push(controller);
      }
    });
    controller.onDidChangeState(() => {
      if (isCurrent()) void this.setContext();
    });
    controller.onDidChangeBoundary((boundary) => {
      if (isCurrent()) this.boundaryEmitter.fire(boundary);
    });
    controller.onDidGradientCheck((result) => {
      if (isCurrent()) this.gradCheckEmitter.fire(result);
    });
    controller.onDidEnd(() => {
      entry.editorThrottle.dispose();
      if (this.entries.get(key) !== entry) return;
      this.entries.delete(key);
      this.changeEmitter.fire(this.session);
      void this.setContext();
    });
    this.changeEmitter.fire(this.session);
    await this.setContext();
    return controller;
  }

  /** Ends the session of `uri` (by default the current one). */
  async stop(uri: vscode.Uri | undefined = this.focused): Promise<void> {
    const key = uri?.toString();
    const entry = key === undefined ? undefined : this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key!);
    entry.editorThrottle.dispose();
    await entry.controller.stop();
    this.changeEmitter.fire(this.session);
    await this.setContext();
  }

  /** Ends every session (deactivation). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map(({ controller }) => this.stop(controller.uri)));
  }

  /** The editor moved to `document`: a model file becomes the one `session` is about. */
  private focus(document: vscode.TextDocument | undefined): void {
    if (!isModelDocument(document) || document.uri.toString() === this.focused?.toString()) return;
    this.focused = document.uri;
    this.changeEmitter.fire(this.session);
    void this.setContext();
  }

  private async setContext(): Promise<void> {
    const session = this.session;
    await vscode.commands.executeCommand('setContext', 'backprop.sessionActive', !!session);
    await vscode.commands.executeCommand('setContext', 'backprop.running', session?.state === 'running');
    await vscode.commands.executeCommand('setContext', 'backprop.canStepBack', !!session?.latest?.canStepBack);
  }

  dispose(): void {
    void this.stopAll();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
    this.updateEmitter.dispose();
    this.boundaryEmitter.dispose();
    this.gradCheckEmitter.dispose();
    this.editorEmitter.dispose();
  }
}

/** Full tensors for models small enough to copy every step; summaries (plus the selected layer) otherwise. */
function traceLevelFor(model: ModelSpec): TraceLevel {
  // Sized by each layer's type: a convolution's kernels are small however wide its input and output.
  return traceElements(model, model.training.batch) <= settings().maxFullTensorElements ? 'full' : 'summary';
}
