// Runs inside a real VS Code extension host (scripts/vscode-offline/run-extension-tests.mjs). A small
// sequential harness: the host's exit code does not carry failures, so counts go to EXT_TEST_RESULT.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackpropApi } from '../../src/extension/extension';
import { PANEL_COMMANDS, type GradientCheckResult, type TrainingUpdate } from '../../src/protocol';

const tests: { name: string; run: () => Promise<void> }[] = [];
const test = (name: string, run: () => Promise<void>) => tests.push({ name, run });
const folder = () => vscode.workspace.workspaceFolders![0].uri;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Folders made by tests, removed when the run ends (passed or failed), so none is left in the temp directory.
const temporaryFolders: string[] = [];
const temporaryFolder = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryFolders.push(dir);
  return dir;
};

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const value = await probe();
    if (value) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function open(name: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder(), name));
  await vscode.window.showTextDocument(document);
  return document;
}

let api: BackpropApi;

test('the extension activates and exposes its API', async () => {
  const extension = vscode.extensions.getExtension('backprop-debugger.backprop-debugger');
  assert.ok(extension, 'extension is installed');
  await open('worked-example.nn.yaml');
  api = (await extension.activate()) as BackpropApi;
  assert.ok(api.sessions);
  const commands = await vscode.commands.getCommands(true);
  for (const id of [...PANEL_COMMANDS, 'openExample']) {
    assert.ok(commands.includes(`backprop.${id}`), `backprop.${id} is registered`);
  }
});

test('Train opens the panel with the first forward pass waiting', async () => {
  await open('worked-example.nn.yaml');
  const update = (await vscode.commands.executeCommand('backprop.train')) as TrainingUpdate;
  assert.equal(update.record.did, null);
  assert.deepEqual([update.record.cursor.phase, update.record.cursor.layer], ['forward', 0]);
  assert.ok(api.panel(), 'panel is open');
  await until('status bar', () => api.statusBar.text.includes('epoch 1/1'));
  assert.match(api.statusBar.text, /batch 1\/1 · forward hidden/);
});

test('stepping forward, through the loss and backward gives the slides’ numbers', async () => {
  let update = (await vscode.commands.executeCommand('backprop.stepLayer')) as TrainingUpdate;
  assert.deepEqual(update.record.did, { phase: 'forward', layer: 0 });
  assert.deepEqual(
    update.record.layers[0].a!.data!.map((v) => +v.toFixed(10)),
    [0.99, 0.95],
  );
  update = (await vscode.commands.executeCommand('backprop.stepPhase')) as TrainingUpdate;
  assert.deepEqual(update.record.did, { phase: 'forward', layer: 1 });
  assert.ok(Math.abs(update.record.layers[1].a!.data![0] - 2.162) < 1e-12);
  update = (await vscode.commands.executeCommand('backprop.stepLayer')) as TrainingUpdate;
  assert.equal(update.record.did!.phase, 'loss');
  update = (await vscode.commands.executeCommand('backprop.stepPhase')) as TrainingUpdate;
  assert.deepEqual(update.record.did, { phase: 'backward', layer: 0 });
  [4.1832, 0.9296, 6.2748, 1.3944].forEach((v, i) =>
    assert.ok(Math.abs(update.record.layers[0].dW!.data![i] - v) < 1e-12),
  );
});

test('CodeLens above each layer shows the norms that the engine computed', async () => {
  const document = await open('worked-example.nn.yaml');
  const lenses = await until('code lenses', async () => {
    const found = (await vscode.commands.executeCommand(
      'vscode.executeCodeLensProvider',
      document.uri,
    )) as vscode.CodeLens[];
    return found.length === 2 && found.every((lens) => lens.command?.title.includes('‖dW‖')) && found;
  });
  const hiddenNorm = Math.hypot(4.1832, 0.9296, 6.2748, 1.3944);
  assert.equal(
    lenses[0].range.start.line,
    document
      .getText()
      .split('\n')
      .findIndex((line) => line.includes('- name: hidden')),
  );
  assert.match(lenses[0].command!.title, new RegExp(`‖dW‖ ${hiddenNorm.toPrecision(3)}`));
  assert.match(lenses[1].command!.title, /‖dW‖ 1\.59/);
});

test('hovering a layer shows W and dW as tables with the engine’s values', async () => {
  const document = await open('worked-example.nn.yaml');
  const line = document
    .getText()
    .split('\n')
    .findIndex((text) => text.includes('- name: hidden'));
  const hovers = (await vscode.commands.executeCommand(
    'vscode.executeHoverProvider',
    document.uri,
    new vscode.Position(line, 10),
  )) as vscode.Hover[];
  const text = hovers
    .flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value)))
    .join('\n');
  assert.match(text, /\*\*hidden\*\*/);
  assert.match(text, /\*\*dW\*\*/);
  assert.match(text, /4\.183 \| 0\.9296/);
  assert.match(text, /-0\.78 \| 0\.13/);
});

test('inlay hints show the latest norms on the layer line', async () => {
  const document = await open('worked-example.nn.yaml');
  const hints = (await vscode.commands.executeCommand(
    'vscode.executeInlayHintProvider',
    document.uri,
    new vscode.Range(0, 0, document.lineCount, 0),
  )) as vscode.InlayHint[];
  const labels = hints.map((hint) =>
    typeof hint.label === 'string' ? hint.label : hint.label.map((part) => part.value).join(''),
  );
  assert.equal(labels.length, 2);
  assert.match(labels[0], /a ∈ \[0\.95, 0\.99\] · ‖δ‖/);
});

test('the update, step back and reset', async () => {
  let update = (await vscode.commands.executeCommand('backprop.stepLayer')) as TrainingUpdate;
  assert.equal(update.record.did!.phase, 'update');
  assert.equal(update.record.cursor.finished, true);
  assert.ok(Math.abs(update.record.layers[0].weights.data![0] - (-0.78 - 0.1 * 4.1832)) < 1e-12);
  update = (await vscode.commands.executeCommand('backprop.stepBack')) as TrainingUpdate;
  assert.deepEqual(update.record.did, { phase: 'backward', layer: 0 });
  assert.equal(update.record.layers[0].weights.data![0], -0.78);
  update = (await vscode.commands.executeCommand('backprop.reset')) as TrainingUpdate;
  assert.equal(update.record.did, null);
  assert.equal(update.canStepBack, false);
});

test('Step Batch, Step Epoch, Run N Epochs and Train-to-the-end on XOR', async () => {
  await open('xor.nn.yaml');
  let update = (await vscode.commands.executeCommand('backprop.train')) as TrainingUpdate;
  assert.equal(update.record.cursor.step, 0);
  update = (await vscode.commands.executeCommand('backprop.stepBatch')) as TrainingUpdate;
  assert.equal(update.record.cursor.step, 1);
  update = (await vscode.commands.executeCommand('backprop.stepEpoch')) as TrainingUpdate;
  assert.equal(update.lastEpoch?.epoch, 1);
  // Updates carry deltas; the session holds the charts' series (epochs are 1-based, as charted).
  const history = () => api.sessions.session!.history;
  assert.deepEqual(history().epochs, [1, 2]);
  update = (await vscode.commands.executeCommand('backprop.runEpochs', 10)) as TrainingUpdate;
  assert.equal(update.lastEpoch?.epoch, 11);
  assert.equal(history().epochLoss.length, 12);
  update = (await vscode.commands.executeCommand('backprop.train')) as TrainingUpdate;
  assert.equal(update.record.cursor.finished, true);
  assert.equal(update.lastEpoch?.accuracy, 1);
  // 2000 epochs of one batch each: the charts hold at most 4000 points, each with its true step, the last included.
  assert.ok(history().batchLoss.length <= 4000 && history().batchLoss.length > 100);
  assert.equal(history().steps[history().steps.length - 1], 2000);
  history().steps.forEach((step, i) => assert.ok(i === 0 || step > history().steps[i - 1]));
});

test('Pause stops a long run and the editor stays responsive meanwhile', async () => {
  const long = vscode.Uri.joinPath(folder(), 'long.nn.yaml');
  const xor = readFileSync(vscode.Uri.joinPath(folder(), 'xor.nn.yaml').fsPath, 'utf8');
  writeFileSync(long.fsPath, xor.replace('epochs: 2000', 'epochs: 10000000'));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(long));
  await vscode.commands.executeCommand('backprop.train');
  const running = vscode.commands.executeCommand('backprop.train') as Thenable<TrainingUpdate>;
  await until('running', () => api.sessions.session?.state === 'running');
  // The host answers while the worker trains.
  const started = Date.now();
  await sleep(50);
  assert.ok(Date.now() - started < 1000);
  // CodeLens, inlay hints and Problems follow a run about once a second, not 30 times.
  let editorRefreshes = 0;
  const listening = api.sessions.onDidUpdateEditor(() => editorRefreshes++);
  await sleep(3200);
  listening.dispose();
  assert.ok(editorRefreshes >= 2 && editorRefreshes <= 4, `${editorRefreshes} editor refreshes in 3.2 s`);
  const paused = (await vscode.commands.executeCommand('backprop.pause')) as TrainingUpdate;
  assert.equal(paused.running, false);
  assert.ok(paused.record.cursor.step > 0);
  assert.equal(paused.record.cursor.finished, false);
  await running;
  assert.equal(api.sessions.session!.state, 'paused');
});

test('a long run pauses from the palette within 300 ms (median of 3) and stepping continues; the boundary moves', async () => {
  const long = vscode.Uri.joinPath(folder(), 'million.nn.yaml');
  const xor = readFileSync(vscode.Uri.joinPath(folder(), 'xor.nn.yaml').fsPath, 'utf8');
  // 10 million: XOR trains some 200,000 epochs a second on a quiet machine, so a million would end mid-test.
  writeFileSync(long.fsPath, xor.replace('epochs: 2000', 'epochs: 10000000'));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(long));
  await vscode.commands.executeCommand('backprop.train');
  const session = api.sessions.session!;
  const boundaries: string[] = [];
  const listening = api.sessions.onDidChangeBoundary((boundary) => boundaries.push(JSON.stringify(boundary?.values)));
  const pauses: number[] = [];
  for (let round = 0; round < 3; round++) {
    const running = vscode.commands.executeCommand('backprop.train') as Thenable<TrainingUpdate>;
    await until('running', () => session.state === 'running');
    await sleep(round === 0 ? 2500 : 1200);
    const asked = Date.now();
    const paused = (await vscode.commands.executeCommand('backprop.pause')) as TrainingUpdate;
    pauses.push(Date.now() - asked);
    assert.equal(paused.running, false);
    await running;
    assert.equal(session.state, 'paused');
    // Stepping continues from the position the pause landed on.
    const before = paused.record.cursor;
    const stepped = (await vscode.commands.executeCommand('backprop.stepLayer')) as TrainingUpdate;
    assert.notDeepEqual(stepped.record.cursor, before);
    assert.equal(stepped.record.cursor.step >= before.step, true);
  }
  listening.dispose();
  // The median of three, so one hiccup of a busy 2-core machine does not decide it.
  pauses.sort((a, b) => a - b);
  assert.ok(pauses[1] < 300, `pause took ${pauses.join(', ')} ms`);
  // The decision boundary was recomputed during the runs (about once a second), and it changed.
  assert.ok(new Set(boundaries).size >= 3, `${new Set(boundaries).size} distinct boundaries`);
});

test('Gradient Check passes and Export Trace writes JSON and CSV', async () => {
  await open('xor.nn.yaml');
  await vscode.commands.executeCommand('backprop.train');
  await vscode.commands.executeCommand('backprop.stepBatch');
  const result = (await vscode.commands.executeCommand('backprop.gradCheck')) as GradientCheckResult;
  assert.equal(result.passed, true);
  const dir = temporaryFolder('backprop-export-');
  const json = (await vscode.commands.executeCommand('backprop.exportTrace', join(dir, 'trace.json'))) as string;
  const exported = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(exported.model.name, 'xor');
  assert.equal(exported.history.batchLoss.length, 1);
  const csv = (await vscode.commands.executeCommand('backprop.exportTrace', join(dir, 'trace.csv'))) as string;
  assert.match(
    readFileSync(csv, 'utf8'),
    /^step,loss,grad_norm_hidden,grad_norm_output,update_ratio_hidden,update_ratio_output\n0,/,
  );
});

test('the vanishing example puts a warning on its layer lines and in the CodeLens', async () => {
  const document = await open('vanishing.nn.yaml');
  await vscode.commands.executeCommand('backprop.train');
  // Four batches an epoch, and a condition must hold for five steps: the warning comes in epoch 2.
  const update = (await vscode.commands.executeCommand('backprop.runEpochs', 2)) as TrainingUpdate;
  assert.ok(update.diagnostics.some((d) => d.code === 'vanishing'));
  const problems = await until('training problems', () => {
    const found = vscode.languages
      .getDiagnostics(document.uri)
      .filter((d) => d.source === 'Backprop training' && d.code === 'vanishing');
    return found.length > 0 && found;
  });
  assert.equal(document.lineAt(problems[0].range.start.line).text.includes('name: s'), true);
  const lenses = (await vscode.commands.executeCommand(
    'vscode.executeCodeLensProvider',
    document.uri,
  )) as vscode.CodeLens[];
  assert.ok(lenses.some((lens) => lens.command?.title.includes('⚠ vanishing')));
});

test('the exploding example stops cleanly at the first NaN and says where', async () => {
  await open('exploding.nn.yaml');
  await vscode.commands.executeCommand('backprop.train');
  const update = (await vscode.commands.executeCommand('backprop.runEpochs', 50)) as TrainingUpdate;
  const stop = update.diagnostics.find((d) => d.code === 'non_finite');
  assert.ok(stop, JSON.stringify(update.diagnostics.map((d) => d.code)));
  assert.match(
    stop.message,
    /^Training stopped: the loss became Infinity at epoch \d+, batch \d+ \(the largest output was [\d.]+e\+\d+\)\.$/,
  );
  assert.ok(update.diagnostics.some((d) => d.code === 'exploding'));
  assert.equal(api.sessions.session!.state, 'stopped');
  await until('status bar shows the stop', () => api.statusBar.text.startsWith('$(error)'));
  const again = (await vscode.commands.executeCommand('backprop.stepBatch')) as TrainingUpdate;
  assert.equal(again.record.cursor.step, update.record.cursor.step, 'a stopped session does not step on');
});

test('a broken model file shows errors in Problems at the right place, and they clear when fixed', async () => {
  const document = await open('broken.nn.yaml');
  const errors = await until('model errors', () => {
    const found = vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Backprop');
    return found.length > 0 && found;
  });
  assert.equal(errors[0].range.start.line, 3);
  assert.match(errors[0].message, /'sigmoidd' is not one of/);
  const editor = await vscode.window.showTextDocument(document);
  await editor.edit((edit) => edit.replace(errors[0].range, 'sigmoid'));
  await until(
    'errors cleared',
    () => vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Backprop').length === 0,
  );
  // And Train refuses a broken file with a message instead of starting.
  await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'bogus: 1\n'));
  await vscode.commands.executeCommand('backprop.train');
  assert.notEqual(api.sessions.session?.uri.toString(), document.uri.toString());
});

test('completion in a YAML model file offers the schema’s keys and values, and hovering a key documents it', async () => {
  const uri = vscode.Uri.joinPath(folder(), 'typing.nn.yaml');
  const text = 'input: 2\nlayers:\n  - name: hidden\n    activation: \n    un\nloss: mse\n';
  writeFileSync(uri.fsPath, text);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  const labels = async (position: vscode.Position, trigger?: string) => {
    const list = (await vscode.commands.executeCommand(
      'vscode.executeCompletionItemProvider',
      uri,
      position,
      trigger,
    )) as vscode.CompletionList;
    return list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
  };
  const values = await labels(new vscode.Position(3, 16), ' ');
  assert.ok(values.includes('sigmoid') && values.includes('leaky_relu'), values.join(','));
  const keys = await labels(new vscode.Position(4, 6));
  assert.ok(keys.includes('units') && keys.includes('frozen'), keys.join(','));
  assert.ok(!keys.includes('name'), 'a key already written is not offered again');
  const hovers = (await vscode.commands.executeCommand(
    'vscode.executeHoverProvider',
    uri,
    new vscode.Position(5, 1),
  )) as vscode.Hover[];
  const hoverText = hovers
    .flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value)))
    .join('\n');
  assert.match(hoverText, /\*\*loss\*\*: mse = mean over the batch/);
  assert.match(hoverText, /`binary_cross_entropy`/);
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
});

test('editing the file during a session: the lenses follow their layers, and Reset trains the new version', async () => {
  const uri = vscode.Uri.joinPath(folder(), 'edited.nn.yaml');
  writeFileSync(uri.fsPath, readFileSync(vscode.Uri.joinPath(folder(), 'xor.nn.yaml').fsPath, 'utf8'));
  const document = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(document);
  await vscode.commands.executeCommand('backprop.train');
  await vscode.commands.executeCommand('backprop.stepBatch');
  const lensLines = async () =>
    ((await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) as vscode.CodeLens[]).map(
      (lens) => lens.range.start.line,
    );
  const hiddenLine = () =>
    document
      .getText()
      .split('\n')
      .findIndex((text) => text.includes('- name: hidden'));
  assert.deepEqual((await lensLines())[0], hiddenLine());
  await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '# a note\n# another\n'));
  assert.equal((await lensLines())[0], hiddenLine(), 'the CodeLens moved down with its layer');
  await until('status bar says the file changed', () => api.statusBar.text.includes('file changed'));
  const unitsLine = document
    .getText()
    .split('\n')
    .findIndex((text) => text.includes('units: 4'));
  await editor.edit((edit) =>
    edit.replace(document.lineAt(unitsLine).range, document.lineAt(unitsLine).text.replace('units: 4', 'units: 3')),
  );
  const update = (await vscode.commands.executeCommand('backprop.reset')) as TrainingUpdate;
  assert.equal(update.record.cursor.step, 0);
  assert.equal(api.sessions.session!.model.layers[0].units, 3, 'Reset trains the edited model');
  assert.ok(!api.statusBar.text.includes('file changed'));
  // A Reset after an edit that breaks the file says so and keeps the session it has.
  await vscode.commands.executeCommand('backprop.stepBatch');
  const running = api.sessions.session;
  await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'layers: 7\n'));
  assert.equal(await vscode.commands.executeCommand('backprop.reset'), undefined);
  assert.equal(api.sessions.session, running, 'the session survived');
  assert.equal(running!.latest.record.cursor.step, 1);
  await vscode.commands.executeCommand('backprop.stop');
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
});

test('Open Example copies an example into the workspace and opens it', async () => {
  const document = (await vscode.commands.executeCommand(
    'backprop.openExample',
    'spiral.nn.yaml',
  )) as vscode.TextDocument;
  assert.match(document.uri.path, /spiral\.nn\.yaml$/);
  assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), document.uri.toString());
});

test('stopping the session ends the worker; closing its file keeps it (Stop ends it); deactivation ends all', async () => {
  await open('worked-example.nn.yaml');
  await vscode.commands.executeCommand('backprop.train');
  const session = api.sessions.session!;
  assert.equal(session.alive, true);
  await vscode.commands.executeCommand('backprop.stop');
  await until('worker ended', () => !session.alive);
  assert.equal(api.sessions.session, undefined);
  await vscode.commands.executeCommand('backprop.train');
  const second = api.sessions.session!;
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await sleep(1000);
  assert.equal(second.alive, true, 'closing the tab keeps the session and its progress');
  // With no model editor active, the current session is that of the model file focused last.
  assert.equal(api.sessions.session, second);
  await vscode.commands.executeCommand('backprop.stop');
  await until('Stop ended it', () => !second.alive);
  assert.equal(existsSync(vscode.Uri.joinPath(folder(), 'worked-example.nn.yaml').fsPath), true);
  // What deactivation does: every file's session ends (the tests after this one start from none).
  assert.ok(api.sessions.all.length > 0, 'the earlier tests left sessions of other files running');
  const others = api.sessions.all;
  await api.sessions.stopAll();
  assert.deepEqual(api.sessions.all, []);
  assert.ok(others.every((other) => !other.alive));
});

test('Step (F10) steps by the backprop.defaultStepGranularity setting', async () => {
  await open('xor.nn.yaml');
  await vscode.commands.executeCommand('backprop.train');
  const config = vscode.workspace.getConfiguration('backprop');
  await config.update('defaultStepGranularity', 'layer', vscode.ConfigurationTarget.Workspace);
  try {
    let update = (await vscode.commands.executeCommand('backprop.step')) as TrainingUpdate;
    assert.deepEqual(update.record.did, { phase: 'forward', layer: 0 });
    await config.update('defaultStepGranularity', 'batch', vscode.ConfigurationTarget.Workspace);
    update = (await vscode.commands.executeCommand('backprop.step')) as TrainingUpdate;
    assert.equal(update.record.cursor.step, 1);
  } finally {
    await config.update('defaultStepGranularity', undefined, vscode.ConfigurationTarget.Workspace);
  }
});

test('a 784-256-128-10 net trains in the worker while the extension host stays responsive', async () => {
  // 128 samples of 784 features (an MNIST-sized input), ten classes, written as a CSV in the workspace.
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const header = [...Array.from({ length: 784 }, (_, i) => `p${i}`), 'digit'].join(',');
  const rows = Array.from({ length: 128 }, (_, n) =>
    [...Array.from({ length: 784 }, () => random().toFixed(3)), `d${n % 10}`].join(','),
  );
  writeFileSync(join(folder().fsPath, 'digits.csv'), `${header}\n${rows.join('\n')}\n`);
  const model = [
    'name: digits',
    'input: 784',
    'layers:',
    '  - {name: hidden1, units: 256, activation: relu}',
    '  - {name: hidden2, units: 128, activation: relu}',
    '  - {name: classes, units: 10, activation: softmax}',
    'loss: cross_entropy',
    'optimizer: {type: adam, lr: 0.001}',
    'training: {epochs: 100000, batch: 64}',
    'data: {csv: {path: digits.csv, targets: [digit], onehot: true}}',
  ].join('\n');
  writeFileSync(join(folder().fsPath, 'digits.nn.yaml'), `${model}\n`);
  await open('digits.nn.yaml');
  const first = (await vscode.commands.executeCommand('backprop.train')) as TrainingUpdate;
  assert.equal(first.record.layers[1].weights.data, undefined, 'a big model sends summaries, not every tensor');
  const running = vscode.commands.executeCommand('backprop.train') as Thenable<TrainingUpdate>;
  await until('running', () => api.sessions.session?.state === 'running');
  // Event-loop latency of the extension host while the worker trains.
  let worst = 0;
  for (let i = 0; i < 20; i++) {
    const asked = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 0));
    worst = Math.max(worst, Date.now() - asked);
    await sleep(50);
  }
  const progressed = await until(
    'training progress',
    () => (api.sessions.session!.latest.record.cursor.step >= 3 ? api.sessions.session!.latest : undefined),
    30_000,
  );
  const paused = (await vscode.commands.executeCommand('backprop.pause')) as TrainingUpdate;
  await running;
  assert.ok(worst < 500, `the extension host stalled for ${worst} ms`);
  assert.ok(progressed.record.cursor.step >= 3);
  assert.equal(paused.running, false);
  // Once paused, the selected 784×256 layer comes as a picture for the panel, and in full on request.
  const picture = paused.record.layers[0].weights.preview;
  assert.ok(picture && picture.rows <= 64 && picture.cols <= 64, 'the selected layer is previewed once paused');
  const full = await api.sessions.session!.client.request('layerTensors', { layer: 0 });
  assert.equal(full.weights.data?.length, 784 * 256);
  await vscode.commands.executeCommand('backprop.stop');
});

// ---------------------------------------------------------------------------------------------
// suite('debugger'): the `backprop` debug type, F5 with no launch.json, breakpoints, Variables.

/** Stopped events of backprop debug sessions, as VS Code's own debug UI receives them. */
const debugStops: { reason: string; description?: string }[] = [];
let debugTracker: vscode.Disposable | undefined;

async function nextStop(
  after: () => Thenable<unknown> | Promise<unknown>,
): Promise<{ reason: string; description?: string }> {
  const seen = debugStops.length;
  await after();
  return until('a stop of the debug session', () => debugStops[seen], 20_000);
}

test('debugger: F5 in a model file with no launch.json starts a backprop session paused on entry', async () => {
  debugTracker ??= vscode.debug.registerDebugAdapterTrackerFactory('backprop', {
    createDebugAdapterTracker: () => ({
      onDidSendMessage: (message: {
        type: string;
        event?: string;
        body?: { reason: string; description?: string };
      }) => {
        if (message.type === 'event' && message.event === 'stopped') debugStops.push(message.body!);
      },
    }),
  });
  await vscode.commands.executeCommand('backprop.stop');
  await open('worked-example.nn.yaml');
  const stop = await nextStop(() => vscode.commands.executeCommand('workbench.action.debug.start'));
  assert.equal(stop.reason, 'entry');
  const session = vscode.debug.activeDebugSession!;
  assert.equal(session.type, 'backprop');
  // The Backprop panel's session is the debugger's.
  await until('the SessionManager session', () => api.sessions.session);
  const trace = await session.customRequest('stackTrace', { threadId: 1 });
  assert.deepEqual(
    trace.stackFrames.map((f: { name: string; line: number }) => [f.name, f.line]),
    [
      ['batch 1/1', 24],
      ['epoch 1/1', 23],
    ],
  );
});

test('debugger: a breakpoint set with vscode.debug.addBreakpoints is hit; Variables through custom requests', async () => {
  const session = vscode.debug.activeDebugSession!;
  const uri = vscode.Uri.joinPath(folder(), 'worked-example.nn.yaml');
  const breakpoint = new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(13, 0)));
  vscode.debug.addBreakpoints([breakpoint]);
  await sleep(500); // VS Code sends setBreakpoints on its own schedule
  const stop = await nextStop(() => vscode.commands.executeCommand('workbench.action.debug.continue'));
  assert.equal(stop.reason, 'breakpoint');
  const trace = await session.customRequest('stackTrace', { threadId: 1 });
  assert.deepEqual([trace.stackFrames[0].name, trace.stackFrames[0].line], ['forward output', 14]);
  const { scopes } = await session.customRequest('scopes', { frameId: trace.stackFrames[0].id });
  const { variables } = await session.customRequest('variables', { variablesReference: scopes[0].variablesReference });
  assert.match(variables[0].value, /^2×1 · min 0\.4 · max 1\.8/);
  const evaluated = await session.customRequest('evaluate', { expression: 'a', frameId: trace.stackFrames[0].id });
  assert.equal(evaluated.result, '[[2.162]]');
  // The panel's session moved with it.
  assert.deepEqual(api.sessions.session!.latest.record.did, { phase: 'forward', layer: 1 });
  vscode.debug.removeBreakpoints([breakpoint]);
  await vscode.debug.stopDebugging(session);
  await until('the debug session to end', () => !vscode.debug.activeDebugSession);
});

test('debugger: a launch with an epochs override is the panel’s session too, trained for those epochs', async () => {
  const model = vscode.Uri.joinPath(folder(), 'xor.nn.yaml').fsPath;
  const stop = await nextStop(() =>
    vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: 'backprop',
      request: 'launch',
      name: 'XOR for 3 epochs',
      model,
      epochs: 3,
      stopOnEntry: true,
    }),
  );
  assert.equal(stop.reason, 'entry');
  const session = vscode.debug.activeDebugSession!;
  const controller = await until('the SessionManager session', () =>
    api.sessions.session?.uri.fsPath === model ? api.sessions.session : undefined,
  );
  assert.equal(controller.spec.training.epochs, 3);
  const trace = await session.customRequest('stackTrace', { threadId: 1 });
  assert.ok(
    trace.stackFrames.some((frame: { name: string }) => frame.name === 'epoch 1/3'),
    JSON.stringify(trace.stackFrames),
  );
  // Continue runs the 3 epochs (and stops there, for a step back); the panel's session ran them.
  const end = await nextStop(() => vscode.commands.executeCommand('workbench.action.debug.continue'));
  assert.match(end.description ?? '', /finished/);
  assert.ok(controller.latest.record.cursor.finished);
  assert.equal(controller.history.epochs.length, 3);
  await vscode.debug.stopDebugging(session);
  await until('the debug session to end', () => !vscode.debug.activeDebugSession);
  debugTracker?.dispose();
});

// ---------------------------------------------------------------------------------------------
// suite('sessions and export'): one session per model file, named in the status bar, kept when its tab
// closes; the step-by-step (.jsonl) export in the shape of `backprop trace --json`.

/** Two copies of the examples with names of their own: `left` (XOR, 2000 epochs) and `right` (the worked example). */
function twoModels(): { left: vscode.Uri; right: vscode.Uri } {
  const left = vscode.Uri.joinPath(folder(), 'left.nn.yaml');
  const right = vscode.Uri.joinPath(folder(), 'right.nn.yaml');
  const read = (name: string) => readFileSync(vscode.Uri.joinPath(folder(), name).fsPath, 'utf8');
  writeFileSync(left.fsPath, read('xor.nn.yaml').replace(/^name: .*$/m, 'name: left'));
  writeFileSync(right.fsPath, read('worked-example.nn.yaml').replace(/^name: .*$/m, 'name: right'));
  return { left, right };
}

async function show(uri: vscode.Uri): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) as vscode.CodeLens[];
  return lenses.map((lens) => lens.command?.title ?? '');
}

test('sessions: two model files train side by side; commands on the active editor drive its session only', async () => {
  const { left, right } = twoModels();
  await show(left);
  await vscode.commands.executeCommand('backprop.train');
  const a = api.sessions.sessionFor(left)!;
  await vscode.commands.executeCommand('backprop.stepBatch');
  await show(right);
  await vscode.commands.executeCommand('backprop.train');
  const b = api.sessions.sessionFor(right)!;
  assert.notEqual(a, b);
  assert.equal(a.alive, true, 'starting the second file keeps the first one’s session');
  assert.equal(api.sessions.session, b);
  const stepped = (await vscode.commands.executeCommand('backprop.stepLayer')) as TrainingUpdate;
  assert.deepEqual(stepped.record.did, { phase: 'forward', layer: 0 });
  assert.equal(a.latest.record.cursor.step, 1, 'the other file’s session did not move');
  assert.equal(a.latest.record.did?.phase, 'update');
  // The status bar names the model; no loss is shown before the loss phase has run.
  await until('status bar on right', () => api.statusBar.text.startsWith('$(debug-pause) right · '));
  assert.equal(api.statusBar.text, '$(debug-pause) right · epoch 1/1 · batch 1/1 · forward output');
  // Lenses follow the session of their own file, whichever editor is active.
  assert.ok((await lensTitles(left)).every((title) => title.includes('‖dW‖')));
  assert.ok((await lensTitles(right))[0].includes('‖a‖'));
  // Back to the first file: its session is the current one, in the status bar and for the commands.
  const panel = api.panel()!;
  const posted: string[] = [];
  const post = panel.post.bind(panel);
  panel.post = (message) => {
    if (message.type === 'state') posted.push(message.state.model.name);
    post(message);
  };
  try {
    await show(left);
    assert.equal(api.sessions.session, a);
    await until('status bar on left', () =>
      /^\$\(debug-pause\) left · epoch 2\/2000 · batch 1\/1 · forward hidden · loss \d/.test(api.statusBar.text),
    );
    await until('the panel switched to left', () => posted.includes('left'));
    const next = (await vscode.commands.executeCommand('backprop.stepBatch')) as TrainingUpdate;
    assert.equal(next.record.cursor.step, 2);
    assert.deepEqual(b.latest.record.did, { phase: 'forward', layer: 0 });
    // An editor title button passes its editor's file: that file's session moves, whichever is active.
    const viaButton = (await vscode.commands.executeCommand('backprop.stepBatch', right)) as TrainingUpdate;
    assert.equal(viaButton.record.cursor.finished, true);
    assert.equal(a.latest.record.cursor.step, 2);
    assert.equal(api.sessions.session, a);
    // The panel follows the active model editor.
    posted.length = 0;
    await show(right);
    await until('the panel switched to right', () => posted.includes('right'));
  } finally {
    panel.post = post;
  }
  await until(
    'status bar on the finished right',
    () => api.statusBar.text === '$(check) right · Finished: 1 epoch · loss 0.6751',
  );
});

test('sessions: closing a model’s tab keeps its session; Stop ends the active one only', async () => {
  const left = vscode.Uri.joinPath(folder(), 'left.nn.yaml');
  const right = vscode.Uri.joinPath(folder(), 'right.nn.yaml');
  const a = api.sessions.sessionFor(left)!;
  const b = api.sessions.sessionFor(right)!;
  await show(right);
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  await sleep(1000);
  assert.equal(b.alive, true, 'closing the tab keeps the session');
  assert.equal(api.sessions.sessionFor(right), b);
  await show(left);
  assert.equal(api.sessions.session, a);
  await vscode.commands.executeCommand('backprop.stop');
  await until('Stop ends the active file’s session', () => !a.alive);
  assert.equal(b.alive, true, 'and only that one');
  assert.equal(api.sessions.session, undefined);
  assert.ok(!api.statusBar.text.includes('left'));
  // Reopening the closed file finds its session where it was.
  await show(right);
  assert.equal(api.sessions.session, b);
  assert.equal(b.latest.record.cursor.finished, true);
  await vscode.commands.executeCommand('backprop.stop', right);
  await until('Stop with a file ends that file’s session', () => !b.alive);
});

test('export: a .jsonl trace has one line per batch step, in the shape of backprop trace --json', async () => {
  const { left } = twoModels();
  await show(left);
  await vscode.commands.executeCommand('backprop.train');
  await vscode.commands.executeCommand('backprop.runEpochs', 3);
  await vscode.commands.executeCommand('backprop.stepLayer'); // half-way into step 4: not a finished step
  const session = api.sessions.session!;
  const before = session.latest.record.cursor;
  const dir = temporaryFolder('backprop-export-');
  const extensionRoot = vscode.extensions.getExtension('backprop-debugger.backprop-debugger')!.extensionUri.fsPath;
  const summaries = (await vscode.commands.executeCommand('backprop.exportTrace', join(dir, 'left.jsonl'))) as string;
  const lines = readFileSync(summaries, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 3);
  const records = lines.map((line) => JSON.parse(line));
  assert.deepEqual(
    records.map((r) => [r.epoch, r.batch, r.step]),
    [
      [0, 0, 0],
      [1, 0, 1],
      [2, 0, 2],
    ],
  );
  assert.deepEqual(Object.keys(records[0]), ['epoch', 'batch', 'step', 'loss', 'layers']);
  assert.deepEqual(Object.keys(records[0].layers[0]), ['name', 'z', 'a', 'delta', 'dW', 'weights', 'db', 'biases']);
  assert.deepEqual(Object.keys(records[0].layers[0].dW), ['rows', 'cols', 'min', 'max', 'mean', 'norm', 'nonFinite']);
  // Full tensors when asked: the CLI's records exactly (plus `step`), and the session did not move.
  const full = (await vscode.commands.executeCommand('backprop.exportTrace', join(dir, 'left-full.jsonl'), {
    level: 'full',
  })) as string;
  const fullRecords = readFileSync(full, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  const cli = spawnSync(
    process.execPath,
    [join(extensionRoot, 'dist', 'cli.js'), 'trace', left.fsPath, '--steps', '3', '--json'],
    { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
  );
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(
    fullRecords.map(({ step: _step, ...rest }) => rest),
    JSON.parse(cli.stdout).steps,
  );
  assert.deepEqual(api.sessions.session!.latest.record.cursor, before);
  // The snapshot export is still there, picked by the extension.
  const json = (await vscode.commands.executeCommand('backprop.exportTrace', join(dir, 'left.json'))) as string;
  assert.equal(JSON.parse(readFileSync(json, 'utf8')).model.name, 'left');
  await vscode.commands.executeCommand('backprop.stop');
});

test('Select All, type, Undo: the lenses come back on their layers and follow later edits', async () => {
  const uri = vscode.Uri.joinPath(folder(), 'retyped.nn.yaml');
  writeFileSync(uri.fsPath, readFileSync(vscode.Uri.joinPath(folder(), 'xor.nn.yaml').fsPath, 'utf8'));
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  await vscode.commands.executeCommand('backprop.train');
  await vscode.commands.executeCommand('backprop.stepBatch');
  const lenses = async () =>
    ((await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) as vscode.CodeLens[]).map(
      (lens) => ({ line: lens.range.start.line, title: lens.command?.title ?? '' }),
    );
  const layerLines = () =>
    document
      .getText()
      .split('\n')
      .flatMap((text, line) => (/^\s*- name: /.test(text) ? [line] : []));
  const before = await lenses();
  assert.deepEqual(
    before.map((lens) => lens.line),
    layerLines(),
  );
  assert.ok(before.every((lens) => lens.title.includes('‖dW‖')));
  // As typed in the editor: one edit replaces every line, and the Undo after it puts them all back at once.
  await vscode.commands.executeCommand('editor.action.selectAll');
  await vscode.commands.executeCommand('type', { text: 'x' });
  assert.equal(document.getText(), 'x');
  assert.deepEqual(await lenses(), [], 'no layer is written in a one-letter file');
  await vscode.commands.executeCommand('undo');
  assert.deepEqual(layerLines().length, before.length, 'Undo restored the file');
  assert.deepEqual(await lenses(), before, 'the lenses are back on their layers');
  await until('status bar forgets the edit', () => !api.statusBar.text.includes('file changed'));
  // And they keep following edits made after the Undo.
  await vscode.window.activeTextEditor!.edit((edit) => edit.insert(new vscode.Position(0, 0), '# a note\n'));
  assert.deepEqual(
    (await lenses()).map((lens) => lens.line),
    layerLines(),
  );
  await vscode.commands.executeCommand('backprop.stop');
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
});

export async function run(): Promise<void> {
  let passed = 0;
  const failures: { name: string; error: string }[] = [];
  const passedNames: string[] = [];
  // Written before and after every test, so a run that hangs still says how far it got and where.
  const record = (running?: string) =>
    writeFileSync(
      process.env.EXT_TEST_RESULT!,
      JSON.stringify({ passed, failed: failures.length, failures, passedNames, running }),
    );
  for (const { name, run: body } of tests) {
    record(name);
    try {
      await body();
      passed++;
      passedNames.push(name);
    } catch (error) {
      failures.push({ name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  }
  for (const dir of temporaryFolders.splice(0)) rmSync(dir, { recursive: true, force: true });
  record();
}

test('Train clicked three times while its session starts starts one session, which then trains', async () => {
  const { left } = twoModels();
  await show(left);
  await vscode.commands.executeCommand('backprop.stop');
  const sessions = new Set<unknown>();
  const listening = api.sessions.onDidChangeSession((session) => session && sessions.add(session));
  const started = await Promise.all([1, 2, 3].map(() => vscode.commands.executeCommand('backprop.train')));
  listening.dispose();
  assert.equal(started.length, 3);
  assert.equal(sessions.size, 1, 'one session started (each start beyond it would leave a worker behind)');
  const session = api.sessions.sessionFor(left)!;
  assert.ok(session?.alive);
  let ended = false;
  session.onDidEnd(() => (ended = true));
  assert.equal(session.latest.record.cursor.step, 0, 'the session waits before its first step');
  // The next Train runs it (to the end of its 2000 epochs), rather than starting it over.
  const finished = (await vscode.commands.executeCommand('backprop.train')) as TrainingUpdate;
  assert.ok(finished.record.cursor.finished);
  assert.equal(api.sessions.sessionFor(left), session);
  assert.equal(ended, false);
  await vscode.commands.executeCommand('backprop.stop');
});
