// Wires the pieces together and nothing more: every behaviour lives in its own file.

import * as vscode from 'vscode';
import { ModelCodeActionProvider, QUICK_FIX_METADATA } from './codeActions';
import { LayerCodeLensProvider } from './codeLens';
import { Commands } from './commands';
import { registerDebugger } from './debug';
import { LayerHoverProvider } from './hover';
import { LayerInlayHintsProvider } from './inlayHints';
import { ModelDiagnostics } from './modelDiagnostics';
import { BackpropPanel, PANEL_VIEW_TYPE } from './panel';
import { KeyHoverProvider, ModelCompletionProvider, YAML_MODEL_FILES } from './schemaHelp';
import { SessionManager } from './sessions';
import { TrainingStatusBar } from './statusBar';

const MODEL_FILES: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*.nn.{yaml,yml,json}' },
  { scheme: 'untitled', pattern: '**/*.nn.{yaml,yml,json}' },
];

export interface BackpropApi {
  sessions: SessionManager;
  statusBar: TrainingStatusBar;
  diagnostics: ModelDiagnostics;
  panel: () => BackpropPanel | undefined;
}

export function activate(context: vscode.ExtensionContext): BackpropApi {
  const sessions = new SessionManager(context.extensionUri);
  const commands = new Commands(context, sessions);
  const statusBar = new TrainingStatusBar(sessions);
  const diagnostics = new ModelDiagnostics(sessions);
  context.subscriptions.push(
    sessions,
    statusBar,
    diagnostics,
    ...commands.register(),
    ...registerDebugger(sessions),
    vscode.languages.registerCodeLensProvider(MODEL_FILES, new LayerCodeLensProvider(sessions)),
    vscode.languages.registerHoverProvider(MODEL_FILES, new LayerHoverProvider(sessions)),
    vscode.languages.registerInlayHintsProvider(MODEL_FILES, new LayerInlayHintsProvider(sessions)),
    vscode.languages.registerCodeActionsProvider(MODEL_FILES, new ModelCodeActionProvider(), QUICK_FIX_METADATA),
    vscode.languages.registerCompletionItemProvider(
      YAML_MODEL_FILES,
      new ModelCompletionProvider(),
      ...ModelCompletionProvider.triggerCharacters,
    ),
    vscode.languages.registerHoverProvider(YAML_MODEL_FILES, new KeyHoverProvider()),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        BackpropPanel.revive(panel, context, sessions, (command) => commands.runPanelCommand(command));
      },
    }),
  );
  return { sessions, statusBar, diagnostics, panel: () => BackpropPanel.instance };
}

export function deactivate(): void {}
