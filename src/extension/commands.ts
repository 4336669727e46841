// Every Backprop command. Each takes optional arguments (a file, a count, a path) so tests and keybindings
// need no UI, and returns something worth asserting on: the latest update, a result, a path.

import * as vscode from 'vscode';
import type { PanelCommand, StepGranularity, TrainingUpdate } from '../protocol';
import { settings } from './config';
import { exportTrace } from './exportTrace';
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
    const step = (granularity: StepGranularity) => (uri?: vscode.Uri) => this.step(granularity, 1, uri);
    const commands: Record<string, (...args: never[]) => unknown> = {
      'backprop.train': (uri?: vscode.Uri) => this.train(uri),
      'backprop.step': (uri?: vscode.Uri) => this.step(settings().defaultStepGranularity, 1, uri),
      'backprop.pause': () => this.sessions.session?.pause(),
      'backprop.stepLayer': step('layer'),
      'backprop.stepPhase': step('phase'),
      'backprop.stepBatch': step('batch'),
      'backprop.stepEpoch': step('epoch'),
      'backprop.runEpochs': (count?: number, uri?: vscode.Uri) => this.runEpochs(count, uri),
      'backprop.reset': () => this.reset(),
      'backprop.stepBack': () => this.sessions.session?.stepBack(),
      'backprop.gradCheck': () => this.gradientCheck(),
      'backprop.exportTrace': (target?: string) => this.export(target),
      'backprop.openExample': (name?: string) => openExample(this.context.extensionUri, name),
      'backprop.showPanel': () => this.showPanel(),
      'backprop.selectLayer': (layer: number) => this.selectLayer(layer),
      'backprop.stop': () => this.sessions.stop(),
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

  /** What a toolbar button in the panel runs. */
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
    void vscode.commands.executeCommand(ids[command]);
  }

  /** Train: start a session paused before the first forward pass, or continue the current one to the end. */
  private async train(uri?: vscode.Uri): Promise<TrainingUpdate | undefined> {
    const current = this.sessions.session;
    const document = await this.documentFor(uri);
    if (current && (!document || document.uri.toString() === current.uri.toString())) {
      if (current.state === 'running') return current.latest;
      return (await current.run()).update;
    }
    if (!document) throw new Error('open a *.nn.yaml or *.nn.json model file first');
    const session = await this.sessions.start(document);
    this.showPanel();
    return session.latest;
  }

  private async step(
    granularity: StepGranularity,
    count: number,
    uri?: vscode.Uri,
  ): Promise<TrainingUpdate | undefined> {
    const session = this.sessions.session ?? (await this.startFor(uri));
    return session.step(granularity, count);
  }

  private async runEpochs(count?: number, uri?: vscode.Uri): Promise<TrainingUpdate | undefined> {
    let epochs = count;
    if (epochs === undefined) {
      const answer = await vscode.window.showInputBox({
        title: 'Run how many epochs?',
        value: '10',
        validateInput: (text) => (/^\d+$/.test(text.trim()) && Number(text) >= 1 ? undefined : 'a whole number ≥ 1'),
      });
      if (answer === undefined) return undefined;
      epochs = Number(answer);
    }
    const session = this.sessions.session ?? (await this.startFor(uri));
    if (session.state === 'running') return session.latest;
    return (await session.run({ kind: 'granularity', granularity: 'epoch', count: epochs })).update;
  }

  /** Back to the initial weights; when the model file was edited meanwhile, a new session from the file as it is now. */
  private async reset(): Promise<TrainingUpdate | undefined> {
    const session = this.sessions.session;
    if (!session) return undefined;
    if (session.edited) {
      const document = await vscode.workspace.openTextDocument(session.uri);
      const restarted = await this.sessions.start(document);
      this.showPanel();
      return restarted.latest;
    }
    return session.reset();
  }

  private async gradientCheck() {
    const session = this.sessions.session ?? (await this.startFor());
    const result = await session.gradientCheck();
    const worst = Math.max(...result.layers.map((layer) => layer.maxRelativeError));
    void vscode.window.showInformationMessage(
      `Gradient check ${result.passed ? 'passed' : 'FAILED'}: max relative error ${worst.toExponential(2)} (tolerance ${result.tolerance}).`,
    );
    return result;
  }

  private async export(target?: string): Promise<string | undefined> {
    const session = this.sessions.session;
    if (!session) throw new Error('start training first (Backprop: Train)');
    const file = await exportTrace(session, target);
    if (file && !target) void vscode.window.showInformationMessage(`Backprop trace written to ${file}`);
    return file;
  }

  private showPanel(): BackpropPanel {
    return BackpropPanel.show(this.context, this.sessions, (command) => this.runPanelCommand(command));
  }

  private selectLayer(layer: number): void {
    this.sessions.session?.selectLayer(layer);
    this.showPanel().post({ type: 'select', layer });
  }

  private async startFor(uri?: vscode.Uri): Promise<TrainingController> {
    const document = await this.documentFor(uri);
    if (!document) throw new Error('open a *.nn.yaml or *.nn.json model file first');
    const session = await this.sessions.start(document);
    this.showPanel();
    return session;
  }

  private async documentFor(uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
    if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
    const active = vscode.window.activeTextEditor?.document;
    if (isModelDocument(active)) return active;
    return vscode.window.visibleTextEditors.map((editor) => editor.document).find(isModelDocument);
  }
}
