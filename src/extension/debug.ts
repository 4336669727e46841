// The `backprop` debugger inside VS Code: the adapter runs inline in the extension host and opens its session
// through the SessionManager, so the panel, CodeLens, status bar and Backprop commands follow (and drive) the
// same session the debugger does. F5 in a model file with no launch.json starts it (the configuration provider).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { BackpropDebugSession } from '../debug/backpropDebug';
import { LaunchError, type OpenedSession, type SessionOpener } from '../debug/backpropRuntime';
import { readModelText } from '../debug/standaloneOpener';
import { formatIssue, parseModelText } from '../model';
import { DebugInlineValues } from './debugInlineValues';
import { isModelDocument, MODEL_FILE, type SessionManager } from './sessions';

export const DEBUG_TYPE = 'backprop';

export function registerDebugger(sessions: SessionManager): vscode.Disposable[] {
  const open = sessionOpener(sessions);
  const factory: vscode.DebugAdapterDescriptorFactory = {
    createDebugAdapterDescriptor: () =>
      new vscode.DebugAdapterInlineImplementation(new BackpropDebugSession({ open, readText: documentText })),
  };
  return [
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, factory),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new BackpropConfigurationProvider()),
    vscode.languages.registerInlineValuesProvider(
      [
        { scheme: 'file', pattern: '**/*.nn.{yaml,yml,json}' },
        { scheme: 'untitled', pattern: '**/*.nn.{yaml,yml,json}' },
      ],
      new DebugInlineValues(sessions),
    ),
  ];
}

/**
 * Opens the model through the SessionManager (the editor's text, saved or not), after checking it here so a
 * broken file fails the launch with every `FILE:LINE:COL` problem.
 */
function sessionOpener(sessions: SessionManager): SessionOpener {
  return async (file, options) => {
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    } catch {
      throw new LaunchError(`${file}:1:1: no such model file`);
    }
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const text = document.getText();
    const { errors } = parseModelText(text, file, { workspaceRoot: folder?.uri.fsPath ?? path.dirname(file) });
    const problems = errors.filter((issue) => issue.severity === 'error');
    if (problems.length > 0) throw new LaunchError(problems.map(formatIssue).join('\n'));
    const controller = await sessions.start(document, options);
    void vscode.commands.executeCommand('backprop.showPanel');
    return {
      client: controller.client,
      spec: controller.spec,
      text: controller.sourceText,
      close: async () => {
        if (sessions.session === controller) await sessions.stop();
        else await controller.stop();
      },
    } satisfies OpenedSession;
  };
}

/** The model's text as the editor has it (unsaved edits included), for Restart to see whether it changed. */
function documentText(file: string): string | undefined {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.fsPath === file);
  return open ? open.getText() : readModelText(file);
}

class BackpropConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [
      {
        type: DEBUG_TYPE,
        request: 'launch',
        name: 'Debug model',
        model: '${file}',
        stopOnEntry: true,
      },
    ];
  }

  /** F5 with no launch.json: debug the model file in the active editor. */
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined {
    if (!config.type && !config.request && !config.name) {
      const document = vscode.window.activeTextEditor?.document;
      if (!isModelDocument(document)) {
        void vscode.window.showInformationMessage(
          'Backprop: open a *.nn.yaml or *.nn.json model file to debug it (F5 in its editor).',
        );
        return undefined;
      }
      return {
        type: DEBUG_TYPE,
        request: 'launch',
        name: `Debug ${path.basename(document.uri.fsPath)}`,
        model: document.uri.fsPath,
        stopOnEntry: true,
      };
    }
    if (!config.model) {
      const document = vscode.window.activeTextEditor?.document;
      if (isModelDocument(document)) config.model = document.uri.fsPath;
    }
    return config;
  }

  /** Relative paths are the workspace folder's, as the launch.json snippet writes them. */
  resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration {
    if (typeof config.model === 'string' && !path.isAbsolute(config.model) && folder && !config.cwd)
      config.cwd = folder.uri.fsPath;
    return config;
  }
}

export { MODEL_FILE };
