// Every Backprop command. Each takes optional arguments (a file, a count, a path) so tests and keybindings
// need no UI, and returns something worth asserting on: the latest update, a result, a path.

import * as vscode from 'vscode';
import { LIMITS } from '../model/schema';
import type { PanelCommand, StepGranularity, TrainingUpdate } from '../protocol';
import { settings } from './config';
import { exportTrace, type ExportOptions } from './exportTrace';
import { openExample } from './examples';
import { BackpropPanel } from './panel';
import { isModelDocument, type SessionManager } from './sessions';
import type { TrainingController } from './trainingController';

export class Commands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly sessions: SessionManager,
  ) {}

  register(): vscode.Disposable[] {
    // Editor title buttons pass the editor's file as the first argument: they act on that file's session.
    const step = (granularity: StepGranularity) => (uri?: vscode.Uri) => this.step(granularity, 1, uri);
    const commands: Record<string, (...args: never[]) => unknown> = {
      'backprop.train': (uri?: vscode.Uri) => this.train(uri),
      'backprop.step': (uri?: vscode.Uri) => this.step(settings().defaultStepGranularity, 1, uri),
      'backprop.pause': (uri?: vscode.Uri) => this.existing(uri)?.pause(),
      'backprop.stepLayer': step('layer'),
      'backprop.stepPhase': step('phase'),
      'backprop.stepBatch': step('batch'),
      'backprop.stepEpoch': step('epoch'),
      'backprop.runEpochs': (count?: number | vscode.Uri, uri?: vscode.Uri) =>
        count instanceof vscode.Uri ? this.runEpochs(undefined, count) : this.runEpochs(count, uri),
      'backprop.reset': (uri?: vscode.Uri) => this.reset(uri),
      'backprop.stepBack': (uri?: vscode.Uri) => this.existing(uri)?.stepBack(),
      'backprop.gradCheck': (uri?: vscode.Uri) => this.gradientCheck(uri),
      'backprop.exportTrace': (target?: string | vscode.Uri, options?: ExportOptions) => this.export(target, options),
      'backprop.openExample': (name?: string) => openExample(this.context.extensionUri, name),
      'backprop.showPanel': () => this.showPanel(),
      'backprop.selectLayer': (layer: number, uri?: vscode.Uri) => this.selectLayer(layer, uri),
      'backprop.stop': (uri?: vscode.Uri) => this.sessions.stop(this.targetUri(uri)),
    };
    return Object.entries(commands).map(([id, handler]) =>
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          return await handler(...args);
        } catch (error) {
          void vscode.window.showErrorMessage(`Backprop: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        }
      }),
    );
  }

  /** What a toolbar button in the panel runs: on the panel's model, whichever editor has the focus by then. */
  runPanelCommand(command: PanelCommand): void {
    const ids: Record<PanelCommand, string> = {
      train: 'backprop.train',
      pause: 'backprop.pause',
      stepLayer: 'backprop.stepLayer',
      stepPhase: 'backprop.stepPhase',
      stepBatch: 'backprop.stepBatch',
      stepEpoch: 'backprop.stepEpoch',
      runEpochs: 'backprop.runEpochs',
      reset: 'backprop.reset',
      stepBack: 'backprop.stepBack',
      gradCheck: 'backprop.gradCheck',
      exportTrace: 'backprop.exportTrace',
    };
    // The panel shows `sessions.session`; its file goes with the command (Run N Epochs asks for N first).
    const uri = this.sessions.session?.uri ?? this.sessions.focusedUri;
    const args = command === 'runEpochs' ? [undefined, uri] : [uri];
    void vscode.commands.executeCommand(ids[command], ...args);
  }

  /**
   * Train: start a session paused before the first forward pass, or continue the file's session to the end. A
   * session that has finished (or stopped on a NaN) has nothing left to run: Train starts it over from the file.
   */
  private async train(uri?: vscode.Uri): Promise<TrainingUpdate | undefined> {
    const target = this.targetUri(uri);
    const current = target && this.sessions.sessionFor(target);
    if (current && current.state !== 'finished' && current.state !== 'stopped') {
      if (current.state === 'running') return current.latest;
      const speed = this.sessions.trainSpeed;
      return (await current.run(undefined, speed > 0 ? { epochsPerSecond: speed } : {})).update;
    }
    const session = await this.startFor(target);
    return session.latest;
  }

  private async step(
    granularity: StepGranularity,
    count: number,
    uri?: vscode.Uri,
  ): Promise<TrainingUpdate | undefined> {
    const session = this.existing(uri) ?? (await this.startFor(this.targetUri(uri)));
    return session.step(granularity, count);
  }

  private async runEpochs(count?: number, uri?: vscode.Uri): Promise<TrainingUpdate | undefined> {
    let epochs = count;
    if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 1 && epochs <= LIMITS.epochs))
      throw new Error(`Run N Epochs takes a whole number from 1 to ${LIMITS.epochs.toLocaleString('en')}`);
    if (epochs === undefined) {
      const answer = await vscode.window.showInputBox({
        title: 'Run how many epochs?',
        value: '10',
        // The same limit as `training.epochs` in a file and `--epochs` on the command line.
        validateInput: (text) =>
          /^\d+$/.test(text.trim()) && Number(text) >= 1 && Number(text) <= LIMITS.epochs
            ? undefined
            : `a whole number from 1 to ${LIMITS.epochs.toLocaleString('en')}`,
      });
      if (answer === undefined) return undefined;
      epochs = Number(answer);
    }
    const session = this.existing(uri) ?? (await this.startFor(this.targetUri(uri)));
    if (session.state === 'running') return session.latest;
    return (await session.run({ kind: 'granularity', granularity: 'epoch', count: epochs })).update;
  }

  /** Back to the initial weights; when the model file was edited meanwhile, a new session from the file as it is now. */
  private async reset(uri?: vscode.Uri): Promise<TrainingUpdate | undefined> {
    const session = this.existing(uri);
    if (!session) return undefined;
    if (session.edited) {
      const document = await vscode.workspace.openTextDocument(session.uri);
      const restarted = await this.sessions.start(document);
      this.showPanel();
      return restarted.latest;
    }
    return session.reset();
  }

  private async gradientCheck(uri?: vscode.Uri) {
    const session = this.existing(uri) ?? (await this.startFor(this.targetUri(uri)));
    const result = await session.gradientCheck();
    const worst = Math.max(...result.layers.map((layer) => layer.maxRelativeError));
    void vscode.window.showInformationMessage(
      `Gradient check ${result.passed ? 'passed' : 'FAILED'}: max relative error ${worst.toExponential(2)} (tolerance ${result.tolerance}).`,
    );
    return result;
  }

  /**
   * Export Trace: to `target` when given as a path (its extension picks the format), else through a save dialog;
   * a model file's URI as `target` (the panel, an editor button) picks that file's session.
   */
  private async export(target?: string | vscode.Uri, options?: ExportOptions): Promise<string | undefined> {
    const session = target instanceof vscode.Uri ? this.existing(target) : this.sessions.session;
    if (!session) throw new Error('start training first (Backprop: Train)');
    const path = typeof target === 'string' ? target : undefined;
    const file = await exportTrace(session, path, options);
    if (file && !path) void vscode.window.showInformationMessage(`Backprop trace written to ${file}`);
    return file;
  }

  private showPanel(): BackpropPanel {
    return BackpropPanel.show(this.context, this.sessions, (command) => this.runPanelCommand(command));
  }

  private selectLayer(layer: number, uri?: vscode.Uri): void {
    this.existing(uri)?.selectLayer(layer);
    this.showPanel().post({ type: 'select', layer });
  }

  /** The session a command acts on: the given file's, else the current one (the active model editor's). */
  private existing(uri?: vscode.Uri): TrainingController | undefined {
    return uri instanceof vscode.Uri ? this.sessions.sessionFor(uri) : this.sessions.session;
  }

  /** The model file a command is about: the given one, else the active model editor, else the one focused last. */
  private targetUri(uri?: vscode.Uri): vscode.Uri | undefined {
    if (uri instanceof vscode.Uri) return uri;
    const active = vscode.window.activeTextEditor?.document;
    if (isModelDocument(active)) return active.uri;
    return (
      this.sessions.focusedUri ??
      vscode.window.visibleTextEditors.map((editor) => editor.document).find(isModelDocument)?.uri
    );
  }

  private async startFor(uri: vscode.Uri | undefined): Promise<TrainingController> {
    if (!uri) throw new Error('open a *.nn.yaml or *.nn.json model file first');
    const session = await this.sessions.start(await vscode.workspace.openTextDocument(uri));
    this.showPanel();
    return session;
  }
}
