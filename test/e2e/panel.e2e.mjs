// Browser end-to-end: a real VS Code workbench in headless chromium, driven like a user. Opens an example,
// runs Backprop: Train from the command palette, steps, and reads the panel's DOM; values are compared with
// the engine's own trace (the CLI), and screenshots go to test-results/.
// Usage: node test/e2e/panel.e2e.mjs [--vsix]   (--vsix: install the packaged extension instead of the dev path)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startWorkbench } from '../../scripts/vscode-offline/harness.mjs';
import { assert, Checks, openFile as openFileIn, panelFrame, runCommand as runCommandIn, waitFor } from './driver.mjs';

const fromVsix = process.argv.includes('--vsix');
const results = join(ROOT, 'test-results');
mkdirSync(results, { recursive: true });
const workspace = mkdtempSync(join(tmpdir(), 'backprop-e2e-'));
cpSync(join(ROOT, 'examples'), workspace, { recursive: true });
// A model being written, for the completion check.
writeFileSync(
  join(workspace, 'typing.nn.yaml'),
  'input: 2\nlayers:\n  - name: hidden\n    units: 4\n    activation: \n',
);
writeFileSync(
  join(workspace, 'wide.nn.yaml'),
  'name: wide\ninput: [x, y]\nlayers:\n  - {name: wide, units: 64, activation: relu}\n  - {name: out, units: 1, activation: sigmoid}\nloss: binary_cross_entropy\noptimizer: {type: adam, lr: 0.01}\ntraining: {epochs: 50}\ndata: {generate: {kind: circle, samples: 100}}\n',
);

let extensionsDir;
if (fromVsix) {
  const vsix = join(ROOT, 'backprop-debugger.vsix');
  if (!existsSync(vsix)) throw new Error('run `npm run package` first');
  extensionsDir = mkdtempSync(join(tmpdir(), 'backprop-ext-'));
  const unpacked = mkdtempSync(join(tmpdir(), 'backprop-vsix-'));
  execFileSync('python3', ['-m', 'zipfile', '-e', vsix, unpacked]);
  const { publisher, name, version } = JSON.parse(
    execFileSync('cat', [join(unpacked, 'extension/package.json')], { encoding: 'utf8' }),
  );
  cpSync(join(unpacked, 'extension'), join(extensionsDir, `${publisher}.${name}-${version}`), { recursive: true });
  rmSync(unpacked, { recursive: true, force: true });
}

const cli = (...args) =>
  JSON.parse(execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { encoding: 'utf8' }));
const tag = fromVsix ? 'vsix' : 'dev';
const checks = new Checks();
const check = (name, body) => checks.check(name, body);

const handle = await startWorkbench({
  workspace,
  extensionDevelopmentPath: fromVsix ? undefined : ROOT,
  extensionsDir,
});
const { page } = handle;

const runCommand = (title) => runCommandIn(page, title);
const openFile = (name) => openFileIn(page, name);
const panel = (timeoutMs) => panelFrame(page, timeoutMs);

/** Opens an example, starts Train, runs the given Backprop commands, and waits for a warning with `code`. */
async function trainUntilWarning(file, commands, code) {
  await openFile(file);
  await runCommand('Backprop: Train');
  await page.waitForTimeout(1500);
  for (const command of commands) {
    await page.click('.monaco-editor .view-lines');
    await runCommand(`Backprop: ${command}`);
    await page.waitForTimeout(800);
  }
  const frame = await panel();
  const selector = `#warnings-list li[data-code="${code}"]`;
  await waitFor(frame, (css) => !!document.querySelector(css), selector, `${code} warning`);
  return { frame, text: await frame.$eval(selector, (e) => e.textContent) };
}

try {
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForTimeout(2500);

  await check('Train from the palette opens the panel with the network drawn', async () => {
    await openFile('xor.nn.yaml');
    await runCommand('Backprop: Train');
    const frame = await panel();
    await waitFor(frame, () => document.querySelectorAll('#network-graph circle.unit').length > 0, undefined, 'graph');
    const units = await frame.$$eval('#network-graph circle.unit', (nodes) => nodes.length);
    assert(units === 2 + 4 + 1, `expected 7 units, saw ${units}`);
    const edges = await frame.$$eval('#network-graph line.edge', (nodes) => nodes.length);
    assert(edges === 2 * 4 + 4 * 1, `expected 12 edges, saw ${edges}`);
    const position = await frame.$eval('#position', (e) => e.textContent);
    assert(/Epoch 1\/2000 · batch 1\/1 · next: forward hidden/.test(position), position);
    await page.screenshot({ path: join(results, `${tag}-1-train.png`) });
  });

  await check('Step Into Layer fills z and a of the first layer with the engine’s values', async () => {
    await page.click('.monaco-editor .view-lines');
    await runCommand('Backprop: Step Into Layer');
    const frame = await panel();
    await waitFor(frame, () => !!document.querySelector('#table-z-0 td'), undefined, 'z table');
    const expected = cli('trace', join(workspace, 'xor.nn.yaml'), '--steps', '1', '--json').steps[0].layers[0];
    for (const name of ['z', 'a']) {
      const cells = await frame.$$eval(`#table-${name}-0 td`, (tds) =>
        tds.map((td) => [Number(td.dataset.row), Number(td.dataset.col), Number(td.dataset.value)]),
      );
      assert(cells.length === 4 * 4, `${name}: ${cells.length} cells`);
      for (const [i, j, value] of cells)
        assert(
          Math.abs(value - expected[name][i][j]) < 1e-12,
          `${name}[${i}][${j}] = ${value}, engine ${expected[name][i][j]}`,
        );
    }
    const placeholder = await frame.$eval('#tables', (e) => e.textContent);
    assert(
      placeholder.includes('not computed yet: step backward to this layer'),
      'δ and dW wait for the backward pass',
    );
    await page.screenshot({ path: join(results, `${tag}-2-step-into-layer.png`) });
  });

  await check('Step Epoch runs the backward pass, updates the weights and draws the loss curve', async () => {
    await page.click('.monaco-editor .view-lines');
    await runCommand('Backprop: Step Epoch');
    const frame = await panel();
    await waitFor(frame, () => document.body.dataset.step === '1', undefined, 'one batch step');
    await waitFor(frame, () => document.body.dataset.drawing === 'false', undefined, 'the panel drawn');
    await waitFor(frame, () => !!document.querySelector('#table-dW-0 td'), undefined, 'dW table');
    const expected = cli('trace', join(workspace, 'xor.nn.yaml'), '--steps', '1', '--json').steps[0].layers[0];
    const dW = await frame.$$eval('#table-dW-0 td', (tds) => tds.map((td) => Number(td.dataset.value)));
    dW.forEach((value, k) => assert(Math.abs(value - expected.dW[Math.floor(k / 4)][k % 4]) < 1e-12, `dW ${k}`));
    const W = await frame.$$eval('#table-W-0 td', (tds) => tds.map((td) => Number(td.dataset.value)));
    W.forEach((value, k) => assert(Math.abs(value - expected.weights[Math.floor(k / 4)][k % 4]) < 1e-12, `W ${k}`));
    const points = await frame.$eval('#chart-batch-loss .uplot', (e) => Number(e.dataset.points));
    assert(points === 1, `loss chart has ${points} points`);
    assert(await frame.$('#decision-boundary'), 'decision boundary drawn for a 2-input model');
    // The editor's CodeLens follows (VS Code refreshes lenses a moment after the change event).
    await page.waitForFunction(
      () => [...document.querySelectorAll('.codelens-decoration')].some((e) => e.textContent.includes('‖dW‖')),
      undefined,
      { timeout: 10_000 },
    );
    await page.screenshot({ path: join(results, `${tag}-3-step-epoch.png`) });
  });

  await check('Run N Epochs draws a falling loss curve', async () => {
    await page.click('.monaco-editor .view-lines');
    await runCommand('Backprop: Run N Epochs');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.press('Control+A');
    await page.keyboard.type('300');
    await page.keyboard.press('Enter');
    const frame = await panel();
    await waitFor(frame, () => document.body.dataset.step === '301', undefined, '300 more epochs');
    // The header is drawn first; the charts follow, each in a task of its own.
    await waitFor(frame, () => document.body.dataset.drawing === 'false', undefined, 'the panel drawn');
    const points = await frame.$eval('#chart-epoch-loss .uplot', (e) => Number(e.dataset.points));
    assert(points === 301, `epoch chart has ${points} points`);
    await page.screenshot({ path: join(results, `${tag}-4-run-epochs.png`) });
    for (const [selector, name] of [
      ['.tables-panel', 'tables'],
      ['.charts-panel', 'charts'],
    ]) {
      const element = await frame.$(selector);
      await element.scrollIntoViewIfNeeded();
      await element.screenshot({ path: join(results, `${tag}-4-run-epochs-${name}.png`) });
    }
  });

  await check('the panel toolbar steps into a layer and back', async () => {
    const frame = await panel();
    await frame.click('vscode-toolbar-button[data-command="stepLayer"]');
    await waitFor(
      frame,
      () => /next: forward output/.test(document.getElementById('position').textContent),
      undefined,
      'stepped into the hidden layer',
    );
    await frame.click('vscode-toolbar-button[data-command="stepBack"]');
    await waitFor(
      frame,
      () => /next: forward hidden/.test(document.getElementById('position').textContent),
      undefined,
      'stepped back',
    );
    await frame.click('#network-graph circle.unit[data-layer="0"][data-unit="2"]');
    await waitFor(
      frame,
      () => /hidden: unit 2/.test(document.getElementById('selection').textContent),
      undefined,
      'unit details',
    );
    const selection = await frame.$eval('#selection', (e) => e.textContent);
    assert(/hidden: unit 2/.test(selection) && /δ = \[/.test(selection), selection);
  });

  await check('typing a model offers the schema’s values in the suggest widget', async () => {
    await openFile('typing.nn.yaml');
    await page.keyboard.press('Control+End');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('End');
    await page.keyboard.type('s');
    await page.keyboard.press('Control+Space');
    await page.waitForSelector('.suggest-widget .monaco-list-row[aria-label*="sigmoid"]', { timeout: 15_000 });
    const labels = await page.$$eval('.suggest-widget .monaco-list-row', (rows) =>
      rows.map((row) => row.getAttribute('aria-label') ?? ''),
    );
    assert(
      labels.some((label) => label.includes('softmax')),
      labels.join(' / '),
    );
    assert(!labels.some((label) => label.includes('units')), `keys offered in a value position: ${labels.join(' / ')}`);
    await page.screenshot({ path: join(results, `${tag}-completion.png`) });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Z');
  });

  await check('the vanishing example shows a vanishing-gradient warning on the right layers', async () => {
    const { frame, text } = await trainUntilWarning('vanishing.nn.yaml', ['Step Epoch', 'Step Epoch'], 'vanishing');
    assert(/Gradients vanish in s\d/.test(text), text);
    assert(await frame.$('#network-graph .column.warned'), 'the warned layer is marked in the graph');
    await page.screenshot({ path: join(results, `${tag}-5-vanishing.png`) });
  });
  await check('the exploding example stops at the first NaN and the panel says where', async () => {
    const { frame, text } = await trainUntilWarning('exploding.nn.yaml', ['Train'], 'non_finite');
    assert(/Training stopped: .+ became (?:NaN|Infinity|NaN and Infinity) at epoch \d+, batch \d+/.test(text), text);
    assert(await frame.$('#warnings-list li[data-code="exploding"]'), 'the growth was reported before the stop');
    await page.screenshot({ path: join(results, `${tag}-5-exploding.png`) });
  });

  await check(
    'the CNN steps into its conv layer and the panel shows its kernels and feature maps as images',
    async () => {
      await openFile('cnn-digits.nn.yaml');
      await runCommand('Backprop: Train');
      const frame = await panel();
      await waitFor(
        frame,
        () => document.body.dataset.position?.startsWith('0:forward:0'),
        undefined,
        'the CNN loaded',
      );
      await frame.click('vscode-toolbar-button[data-command="stepLayer"]');
      await waitFor(
        frame,
        () => document.querySelectorAll('#images-maps-0 canvas.image').length === 8,
        undefined,
        'eight feature maps of conv1',
      );
      const kernels = await frame.$$eval('#images-K-0 canvas.image', (nodes) =>
        nodes.map((n) => [n.width, n.height, n.dataset.name]),
      );
      assert(kernels.length === 8, `expected 8 kernel images (8 filters × 1 channel), saw ${kernels.length}`);
      assert(
        kernels.every(([w, h]) => w === h && w > 0),
        `kernels are not square: ${JSON.stringify(kernels)}`,
      );
      const maps = await frame.$$eval('#images-maps-0 canvas.image', (nodes) => nodes.map((n) => [n.width, n.height]));
      assert(
        maps.every(([w, h]) => w === h && w === 8 * (kernels[0][0] / 3)),
        `feature maps are not 8×8 pictures: ${JSON.stringify(maps)}`,
      );
      const card = await frame.$('#images-K-0');
      await card.scrollIntoViewIfNeeded();
      await frame.$('.tables-panel').then((e) => e.screenshot({ path: join(results, `${tag}-cnn-conv1.png`) }));
      // A conv layer this wide is a block in the graph, without edges: its kernel entries are edited from the
      // kernel images. The centre pixel of filter 2's kernel is K[2][0][1][1], column 4 of W's row 2.
      await frame.click('#images-K-0 canvas.image[data-name="K[2][0]"]');
      await waitFor(frame, () => !!document.querySelector('#weight-input'), undefined, 'the weight input');
      const label = await frame.$eval('label[for="weight-input"]', (e) => e.textContent);
      assert(label === 'set K[2][0][1][1] to', `weight editor label: ${label}`);
      await frame.fill('#weight-input', '0.5');
      await frame.press('#weight-input', 'Enter');
      await waitFor(
        frame,
        () => /is now/.test(document.getElementById('weight-message').textContent),
        undefined,
        'the kernel edit confirmed',
      );
      const applied = await frame.$eval('#weight-message', (e) => e.textContent);
      assert(/conv1: K\[2\]\[0\]\[1\]\[1\] is now 0\.5 \(every position of filter 2/.test(applied), applied);
      await waitFor(
        frame,
        () => document.querySelector('#table-W-0 td[data-row="2"][data-col="4"]')?.dataset.value === '0.5',
        undefined,
        'W[2][4] = 0.5 in conv1 table',
      );
    },
  );

  await check('a wide layer collapses into a block with a heatmap, and its tables render on canvas', async () => {
    await openFile('wide.nn.yaml');
    await runCommand('Backprop: Train');
    await page.waitForTimeout(1000);
    await page.click('.monaco-editor .view-lines');
    await runCommand('Backprop: Step Batch');
    const frame = await panel();
    await waitFor(
      frame,
      () => document.querySelector('#model-name').textContent === 'wide' && document.body.dataset.step === '1',
      undefined,
      'wide model stepped',
    );
    assert(await frame.$('#network-graph rect.block'), 'the 64-unit layer is a block');
    assert(
      (await frame.$$('#network-graph circle.unit[data-layer="0"]')).length === 0,
      'no circles for the collapsed layer',
    );
    assert(await frame.$('#network-graph line.edge-bundle'), 'edges into the block are bundled');
    await frame.click('.tab[data-layer="0"]');
    await waitFor(
      frame,
      () => !!document.querySelector('canvas#table-z-0'),
      undefined,
      'z on a canvas (100 samples × 64 units)',
    );
    await page.screenshot({ path: join(results, `${tag}-6-wide.png`) });
  });

  await check('after a window reload the panel comes back with its last state', async () => {
    await runCommand('Developer: Reload Window');
    await page.waitForTimeout(4000);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    const frame = await panel(40_000);
    await waitFor(
      frame,
      () => document.querySelectorAll('#network-graph circle.unit').length > 0,
      undefined,
      'restored graph',
    );
    const name = await frame.$eval('#model-name', (e) => e.textContent);
    assert(name === 'wide', `restored panel shows ${name}`);
    const badge = await frame.$eval('#live-badge', (e) => e.textContent);
    assert(/session ended/.test(badge), `badge: ${badge}`);
    await page.screenshot({ path: join(results, `${tag}-7-after-reload.png`) });
  });
} finally {
  await handle.close();
  rmSync(workspace, { recursive: true, force: true });
  if (extensionsDir) rmSync(extensionsDir, { recursive: true, force: true });
}
console.log(
  `screenshots: ${readdirSync(results)
    .filter((f) => f.startsWith(tag))
    .join(', ')}`,
);
checks.finish();
