// Which model file is being trained, and the context keys that make the debugger-like commands appear
// only when they make sense. One session at a time, like one debug session per launch.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatIssue, parseModelText } from '../model';
import type { DecisionBoundary, GradientCheckResult, TraceLevel } from '../protocol';
import { settings } from './config';
import { LatestThrottle } from './throttle';
import { TrainingController, type UpdateEvent } from './trainingController';

export const MODEL_FILE = /\.nn\.(ya?ml|json)$/i;

export function isModelDocument(document: vscode.TextDocument | undefined): document is vscode.TextDocument {
  return !!document && MODEL_FILE.test(document.uri.path);
}

export class SessionManager implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TrainingController | undefined>();
  private readonly updateEmitter = new vscode.EventEmitter<{ controller: TrainingController; event: UpdateEvent }>();
  /** A session started, ended or was replaced. */
  readonly onDidChangeSession = this.changeEmitter.event;
  /** Any step, run progress or stop of the current session. */
  readonly onDidUpdate = this.updateEmitter.event;
  private readonly boundaryEmitter = new vscode.EventEmitter<DecisionBoundary | null>();
  private readonly gradCheckEmitter = new vscode.EventEmitter<GradientCheckResult>();
  /** The current session's decision boundary changed (after a stop, and about once a second in a run). */
  readonly onDidChangeBoundary = this.boundaryEmitter.event;
  readonly onDidGradientCheck = this.gradCheckEmitter.event;
  private readonly editorEmitter = new vscode.EventEmitter<TrainingController>();
  /**
   * What the editor shows (CodeLens, inlay hints, Problems) should change: at once after a single step or a
   * stop, about once a second during a run, since every refresh re-lays out the lines around the layers.
   */
  readonly onDidUpdateEditor = this.editorEmitter.event;
  private readonly editorThrottle = new LatestThrottle<TrainingController>(
    (controller) => this.editorEmitter.fire(controller),
    1000,
  );
  private current: TrainingController | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri) {
    // Closing the model's last editor tab ends its session (documents themselves close lazily).
    this.subscriptions.push(
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (this.current && document.uri.toString() === this.current.uri.toString()) void this.stop();
      }),
      // Lenses, hints and warnings stay on their layers while the file is edited during a session.
      vscode.workspace.onDidChangeTextDocument(({ document, contentChanges }) => {
        const session = this.session;
        if (!session || document.uri.toString() !== session.uri.toString() || contentChanges.length === 0) return;
        session.followEdits(contentChanges);
        session.edited = document.getText() !== session.sourceText;
        this.editorThrottle.flush(session);
      }),
      vscode.window.tabGroups.onDidChangeTabs(({ closed }) => {
        const uri = this.current?.uri.toString();
        if (!uri || !closed.some((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === uri))
          return;
        const stillOpen = vscode.window.tabGroups.all.some((group) =>
          group.tabs.some((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === uri),
        );
        if (!stillOpen) void this.stop();
      }),
    );
    void this.setContext();
  }

  get session(): TrainingController | undefined {
    return this.current?.alive ? this.current : undefined;
  }

  /** Parses the document as it is in the editor (saved or not) and starts a session paused before the first step. */
  async start(document: vscode.TextDocument): Promise<TrainingController> {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const config = vscode.workspace.getConfiguration('backprop');
    const text = document.getText();
    const { model, errors } = parseModelText(text, document.uri.fsPath, {
      workspaceRoot: folder?.uri.fsPath ?? path.dirname(document.uri.fsPath),
      thresholdDefaults: config.get('warningThresholds', {}),
    });
    if (!model) {
      const first = errors.find((issue) => issue.severity === 'error');
      throw new Error(
        `The model file has errors (see Problems): ${first ? formatIssue({ ...first, file: path.basename(first.file) }) : ''}`,
      );
    }
    // Only a model that parses replaces the running session (a Reset after a broken edit keeps the old one).
    await this.stop();
    const worker = vscode.Uri.joinPath(this.extensionUri, 'dist', 'worker.js').fsPath;
    const controller = await TrainingController.start(document.uri, model, worker, traceLevelFor(model));
    controller.sourceText = text;
    this.current = controller;
    controller.onDidUpdate((event) => {
      this.updateEmitter.fire({ controller, event });
      if (event.immediate) {
        this.editorThrottle.flush(controller);
        void this.setContext();
      } else {
        this.editorThrottle.push(controller);
      }
    });
    controller.onDidChangeState(() => void this.setContext());
    controller.onDidChangeBoundary((boundary) => this.boundaryEmitter.fire(boundary));
    controller.onDidGradientCheck((result) => this.gradCheckEmitter.fire(result));
    controller.onDidEnd(() => {
      if (this.current === controller) {
        this.current = undefined;
        this.changeEmitter.fire(undefined);
        void this.setContext();
      }
    });
    this.changeEmitter.fire(controller);
    await this.setContext();
    return controller;
  }

  async stop(): Promise<void> {
    const controller = this.current;
    this.current = undefined;
    await controller?.stop();
    if (controller) this.changeEmitter.fire(undefined);
    await this.setContext();
  }

  private async setContext(): Promise<void> {
    const session = this.session;
    await vscode.commands.executeCommand('setContext', 'backprop.sessionActive', !!session);
    await vscode.commands.executeCommand('setContext', 'backprop.running', session?.state === 'running');
    await vscode.commands.executeCommand('setContext', 'backprop.canStepBack', !!session?.latest?.canStepBack);
  }

  dispose(): void {
    void this.stop();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
    this.updateEmitter.dispose();
    this.boundaryEmitter.dispose();
    this.gradCheckEmitter.dispose();
    this.editorThrottle.dispose();
    this.editorEmitter.dispose();
  }
}

/** Full tensors for models small enough to copy every step; summaries (plus the selected layer) otherwise. */
function traceLevelFor(model: {
  inputSize: number;
  layers: { units: number }[];
  training: { batch: number };
}): TraceLevel {
  let elements = 0;
  let fanIn = model.inputSize;
  for (const layer of model.layers) {
    elements += 3 * fanIn * layer.units + 3 * model.training.batch * layer.units;
    fanIn = layer.units;
  }
  return elements <= settings().maxFullTensorElements ? 'full' : 'summary';
}
