// Browser end-to-end for the panel's look: the same real VS Code workbench as panel.e2e.mjs, switched between the
// dark, light and high-contrast themes and narrowed to a 360 px panel. Asserts what a screenshot alone would not
// prove (the selected layer tab and the chart text keep a WCAG contrast of 3:1 or more, no graph label drawn below
// 10 px) and edits an edge's weight from the graph. Screenshots go to test-results/look-*.png: look at them.
// Usage: node test/e2e/look.e2e.mjs
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startWorkbench } from '../../scripts/vscode-offline/harness.mjs';
import { assert, Checks, openFile as openFileIn, panelFrame, runCommand as runCommandIn, waitFor } from './driver.mjs';

const results = join(ROOT, 'test-results');
mkdirSync(results, { recursive: true });
const workspace = mkdtempSync(join(tmpdir(), 'backprop-look-'));
cpSync(join(ROOT, 'examples'), workspace, { recursive: true });
// A wide model: its single-row b and db tables must scroll inside their cards.
writeFileSync(
  join(workspace, 'wide.nn.yaml'),
  'name: wide\ninput: [x, y]\nlayers:\n  - {name: wide, units: 40, activation: relu}\n  - {name: out, units: 1, activation: sigmoid}\nloss: binary_cross_entropy\noptimizer: {type: adam, lr: 0.01}\ntraining: {epochs: 50}\ndata: {generate: {kind: circle, samples: 20}}\n',
);

const checks = new Checks();
const check = (name, body) => checks.check(name, body);

const handle = await startWorkbench({ workspace, extensionDevelopmentPath: ROOT });
const { page } = handle;

const runCommand = (title) => runCommandIn(page, title);

/** Preferences: Color Theme, then the theme (clicked: the palette's first match is "Browse … in Marketplace"). */
async function pickTheme(name) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type('Preferences: Color Theme');
  const command = '.quick-input-list .monaco-list-row[aria-label^="Preferences: Color Theme,"]';
  await page.waitForSelector(command, { timeout: 10_000 });
  await page.click(command);
  await page.waitForTimeout(500);
  await page.keyboard.type(name);
  const theme = `.quick-input-list .monaco-list-row[aria-label^="${name},"]`;
  await page.waitForSelector(theme, { timeout: 10_000 });
  await page.click(theme);
}

const openFile = (name) => openFileIn(page, name);
const panel = (timeoutMs) => panelFrame(page, timeoutMs);

/** The panel's webview element in the workbench (for screenshots of the panel alone). */
async function panelElement() {
  const frame = await panel();
  return (await frame.frameElement()) ?? page;
}

/** Scrolls the panel so `selector` starts just below its sticky header. */
async function scrollPanelTo(frame, selector) {
  await frame.evaluate((css) => {
    const header = document.querySelector('.top').getBoundingClientRect().height;
    const target = document.querySelector(css).getBoundingClientRect().top + window.scrollY;
    window.scrollTo(0, Math.max(0, target - header - 6));
  }, selector);
  await page.waitForTimeout(300);
}

async function shoot(name) {
  const frame = await panel();
  // Out of the way of tooltips (the workbench's tab hover covered the panel's title).
  const viewport = page.viewportSize();
  await page.mouse.move(viewport.width / 2, viewport.height - 4);
  await frame.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await (await panelElement()).screenshot({ path: join(results, `look-${name}.png`) });
  // The lower half of the panel too: tables and charts.
  await scrollPanelTo(frame, '.tables-panel');
  await (await panelElement()).screenshot({ path: join(results, `look-${name}-tables.png`) });
  await scrollPanelTo(frame, '.charts-panel');
  await (await panelElement()).screenshot({ path: join(results, `look-${name}-charts.png`) });
  await frame.evaluate(() => window.scrollTo(0, 0));
}

/**
 * In the panel: WCAG contrast ratios of the selected layer tab (its text on its background, and its selection mark
 * against the card it sits on) and of the charts' text (titles, legends and the tick labels uPlot draws on canvas).
 */
function contrasts() {
  const parse = (colour) => {
    const m = /rgba?\(([^)]+)\)/.exec(colour);
    if (!m) return undefined;
    const [r, g, b, a = 1] = m[1]
      .split(/[,\s/]+/)
      .filter(Boolean)
      .map(Number);
    return { r, g, b, a };
  };
  // A colour as the browser resolves it (the charts keep theirs as CSS text, a var or a hex).
  const resolve = (text) => {
    const probe = document.createElement('span');
    probe.style.color = text;
    document.body.append(probe);
    const colour = window.getComputedStyle(probe).color;
    probe.remove();
    return parse(colour);
  };
  const luminance = ({ r, g, b }) => {
    const channel = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  // The colour behind an element: its backgrounds composed from the body up.
  const background = (element) => {
    const chain = [];
    for (let e = element; e; e = e.parentElement) chain.unshift(e);
    let colour = parse(window.getComputedStyle(document.documentElement).backgroundColor);
    if (!colour || colour.a === 0) colour = resolve('var(--vscode-editor-background)');
    for (const e of chain) {
      const own = parse(window.getComputedStyle(e).backgroundColor);
      if (own && own.a > 0) colour = over(own, colour);
    }
    return colour;
  };
  const ratio = (a, b) => {
    const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const tab = document.querySelector('.tab.selected');
  const other = document.querySelector('.tab:not(.selected)');
  const card = tab.parentElement;
  const tabStyle = window.getComputedStyle(tab);
  const tabBackground = background(tab);
  const mark = parse(tabStyle.borderBottomColor);
  const out = {
    theme: document.body.dataset.vscodeThemeKind ?? document.body.className,
    tabText: ratio(over(parse(tabStyle.color), tabBackground), tabBackground),
    // What marks the selection, against the card: the selected tab's border, or its fill.
    tabMark: Math.max(
      mark && mark.a > 0 ? ratio(over(mark, background(card)), background(card)) : 1,
      ratio(tabBackground, background(card)),
    ),
    // Against an unselected neighbour, so the two cannot be mistaken for each other.
    tabVersusOther: other
      ? Math.max(
          ratio(tabBackground, background(other)),
          mark && mark.a > 0
            ? ratio(
                over(mark, background(card)),
                over(parse(window.getComputedStyle(other).borderBottomColor), background(card)),
              )
            : 1,
        )
      : 99,
    chartText: [],
  };
  for (const chart of document.querySelectorAll('.chart')) {
    const bg = background(chart);
    for (const selector of ['.u-title', '.u-legend th', '.chart-note']) {
      const element = chart.querySelector(selector);
      if (!element) continue;
      const colour = parse(window.getComputedStyle(element).color);
      out.chartText.push({ chart: chart.id, what: selector, ratio: ratio(over(colour, bg), bg) });
    }
    const axis = chart.querySelector('.uplot')?.dataset.axisColor;
    if (axis) out.chartText.push({ chart: chart.id, what: 'tick labels', ratio: ratio(over(resolve(axis), bg), bg) });
  }
  return out;
}

async function assertContrast(theme) {
  const frame = await panel();
  const c = await frame.evaluate(contrasts);
  console.log(`  ${theme}: ${JSON.stringify({ ...c, chartText: c.chartText.map((t) => t.ratio.toFixed(2)) })}`);
  assert(c.tabText >= 3, `${theme}: selected tab text contrast ${c.tabText.toFixed(2)}`);
  assert(c.tabMark >= 3, `${theme}: selected tab mark contrast ${c.tabMark.toFixed(2)}`);
  assert(c.tabVersusOther >= 3, `${theme}: selected vs unselected tab ${c.tabVersusOther.toFixed(2)}`);
  assert(
    c.chartText.some((t) => t.what === 'tick labels'),
    `${theme}: no chart reports its tick colour`,
  );
  for (const t of c.chartText) assert(t.ratio >= 3, `${theme}: ${t.chart} ${t.what} contrast ${t.ratio.toFixed(2)}`);
}

async function switchTheme(name, kind) {
  await page.click('.monaco-editor .view-lines').catch(() => {});
  await pickTheme(name);
  const frame = await panel();
  await waitFor(frame, (k) => document.body.classList.contains(k), kind, `the ${name} theme in the panel`);
  await page.waitForTimeout(800);
}

try {
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForTimeout(2500);

  await check('charts with no data yet say so', async () => {
    await openFile('xor.nn.yaml');
    await runCommand('Backprop: Train');
    const frame = await panel();
    await waitFor(frame, () => document.querySelectorAll('#network-graph circle.unit').length > 0, undefined, 'graph');
    const note = await frame.$eval('#chart-epoch-loss', (e) => e.textContent);
    assert(/no data yet/i.test(note), `epoch loss chart before any step: ${note}`);
  });

  await check('a one-point chart draws its point and says it is after the first epoch', async () => {
    await page.click('.monaco-editor .view-lines');
    await runCommand('Backprop: Step Epoch');
    const frame = await panel();
    await waitFor(frame, () => document.body.dataset.step === '1', undefined, 'one epoch');
    await waitFor(frame, () => document.body.dataset.drawing === 'false', undefined, 'the panel drawn');
    const note = await frame.$eval('#chart-epoch-loss', (e) => e.textContent);
    assert(/after the first epoch/.test(note), `epoch loss chart after one epoch: ${note}`);
    const points = await frame.$eval('#chart-epoch-loss .uplot', (e) => Number(e.dataset.points));
    assert(points === 1, `points ${points}`);
  });

  await check('input features are named from the model file', async () => {
    const frame = await panel();
    const labels = await frame.$$eval('#network-graph .input-label', (nodes) => nodes.map((n) => n.textContent));
    assert(labels.join(',') === 'a,b', `input labels ${labels}`);
    const rows = await frame.$$eval('#table-W-0 th.row-label', (nodes) => nodes.map((n) => n.textContent));
    assert(rows.join(',') === 'a,b', `W rows ${rows}`);
  });

  await check('an edge’s weight is edited from the graph and W shows the new value', async () => {
    const frame = await panel();
    await frame.click('#network-graph line.edge[data-layer="0"][data-from="1"][data-to="2"]');
    await waitFor(frame, () => !!document.querySelector('#weight-input'), undefined, 'the weight input');
    await frame.fill('#weight-input', '1.25');
    await frame.press('#weight-input', 'Enter');
    await waitFor(
      frame,
      () => document.querySelector('#table-W-0 td[data-row="1"][data-col="2"]')?.dataset.value === '1.25',
      undefined,
      'W[1][2] = 1.25 in the table',
    );
    // The parts are drawn one after another: the graph may come after the tables.
    await waitFor(frame, () => document.body.dataset.drawing === 'false', undefined, 'the panel drawn');
    const title = await frame.$eval(
      '#network-graph line.edge[data-layer="0"][data-from="1"][data-to="2"] title',
      (e) => e.textContent,
    );
    assert(/1\.25/.test(title), `edge title ${title}`);
    await waitFor(
      frame,
      () => /is now/.test(document.getElementById('weight-message').textContent),
      undefined,
      'the edit confirmed',
    );
    const applied = await frame.$eval('#weight-message', (e) => e.textContent);
    assert(/W\[b\]\[2\] is now 1\.25/.test(applied), `after the edit: ${applied}`);
    // A typo is caught in the panel, before anything reaches the engine.
    await frame.fill('#weight-input', 'abc');
    await frame.press('#weight-input', 'Enter');
    const message = await frame.$eval('#weight-message', (e) => e.textContent);
    assert(/number/.test(message), `bad input message: ${message}`);
  });

  await check('a run of 300 epochs fills the charts; log axes have no 0 label', async () => {
    await page.click('.monaco-editor .view-lines');
    await runCommand('Backprop: Run N Epochs');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.press('Control+A');
    await page.keyboard.type('300');
    await page.keyboard.press('Enter');
    const frame = await panel();
    await waitFor(frame, () => document.body.dataset.step === '301', undefined, '300 more epochs');
    await waitFor(frame, () => document.body.dataset.drawing === 'false', undefined, 'the panel drawn');
    await page.waitForTimeout(500);
    const ticks = await frame.$$eval('.chart .uplot', (plots) =>
      plots.map((p) => [p.parentElement.id, p.dataset.yTicks]),
    );
    for (const [id, labels] of ticks) {
      if (!/grad-norm|update-ratio/.test(id)) continue;
      const values = labels.split('|');
      assert(values.length > 1 && !values.includes('0'), `${id} ticks ${labels}`);
    }
  });

  await check('the gradient check shows the worst parameters per layer', async () => {
    await page.click('.monaco-editor .view-lines');
    await runCommand('Backprop: Gradient Check');
    const frame = await panel();
    await waitFor(frame, () => !!document.querySelector('#grad-check'), undefined, 'gradient check');
    const text = await frame.$eval('#grad-check-host', (e) => e.textContent);
    assert(/analytic/.test(text) && /numeric/.test(text) && /W\[/.test(text), text);
  });

  await check('slow motion trains a few epochs a second until Pause', async () => {
    const frame = await panel();
    await frame.selectOption('#speed', '10');
    const before = Number(await frame.evaluate(() => document.body.dataset.step));
    await frame.click('vscode-toolbar-button[data-command="train"]');
    // Whatever happens below, the later checks need a paused session.
    const pause = () => frame.click('vscode-toolbar-button[data-command="pause"]').catch(() => {});
    await waitFor(
      frame,
      () => /slow motion/.test(document.getElementById('live-badge').textContent),
      undefined,
      'slow motion',
    );
    await page.waitForTimeout(1500);
    const during = Number(await frame.evaluate(() => document.body.dataset.step));
    // 10 epochs a second (one batch each) for 1.5 s: some steps (fewer on a busy machine), never the 1700 left.
    if (!(during - before >= 2 && during - before <= 40)) await pause();
    assert(during - before >= 2 && during - before <= 40, `slow motion went from step ${before} to ${during}`);
    await pause();
    // The badge says "pausing…" at the click; the run has stopped when the panel says it is not running.
    await waitFor(
      frame,
      () =>
        document.body.dataset.running === 'false' &&
        !/slow motion|pausing/.test(document.getElementById('live-badge').textContent),
      undefined,
      'paused',
    );
    const paused = Number(await frame.evaluate(() => document.body.dataset.step));
    await page.waitForTimeout(800);
    const later = Number(await frame.evaluate(() => document.body.dataset.step));
    assert(later === paused, `still moving after Pause: ${paused} → ${later}`);
    await frame.selectOption('#speed', '0');
  });

  for (const [theme, name, kind] of [
    ['dark', 'Dark Modern', 'vscode-dark'],
    ['light', 'Light Modern', 'vscode-light'],
    ['hc-dark', 'Dark High Contrast', 'vscode-high-contrast'],
    ['hc-light', 'Light High Contrast', 'vscode-high-contrast-light'],
  ]) {
    await check(`${theme}: the selected tab and chart text keep a contrast of 3:1`, async () => {
      await switchTheme(name, kind);
      await assertContrast(theme);
      await shoot(theme);
      // The decision boundary up close: every training point ringed, orange ones visible on orange regions.
      const frame = await panel();
      await scrollPanelTo(frame, '#boundary-host');
      await (await frame.$('#boundary-host')).screenshot({ path: join(results, `look-${theme}-boundary.png`) });
    });
  }

  await check('a 360 px panel: graph labels stay at 10 px or more, tables stay in their cards', async () => {
    await switchTheme('Light Modern', 'vscode-light');
    // The panel's editor group shares the window's width with the model's: narrow the window until it is 360 px.
    let frame = await panel();
    for (let attempt = 0; attempt < 5; attempt++) {
      const inner = await frame.evaluate(() => window.innerWidth);
      if (Math.abs(inner - 360) <= 4) break;
      const viewport = page.viewportSize();
      // Both editor groups shrink with the window: about twice the difference first, then finer.
      const step = (inner - 360) * (attempt === 0 ? 2 : 1);
      await page.setViewportSize({ width: Math.max(500, Math.round(viewport.width - step)), height: 900 });
      await page.waitForTimeout(1000);
      frame = await panel();
    }
    const inner = await frame.evaluate(() => window.innerWidth);
    await shoot('narrow');
    assert(Math.abs(inner - 360) <= 12, `the panel is ${inner} px wide`);
    const labels = await frame.$$eval('#network-graph text', (texts) =>
      texts.map((t) => ({
        text: t.textContent,
        px: parseFloat(t.getAttribute('font-size')) * t.ownerSVGElement.getScreenCTM().a,
        drawn: t.getBoundingClientRect().height > 0,
      })),
    );
    assert(labels.length >= 6 && labels.every((t) => t.drawn), `labels not drawn: ${JSON.stringify(labels)}`);
    const small = labels.filter((t) => t.px < 10);
    assert(small.length === 0, `labels under 10 px: ${JSON.stringify(small)}`);
    const graph = await frame.$eval('#graph', (e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
    console.log(`  graph at 360 px: ${graph.scroll} px drawn in ${graph.client} px`);
    // The sticky header leaves the height to the panel's content, and the gradient check (run above) fits the
    // width instead of scrolling sideways.
    await frame.evaluate(() => window.scrollTo(0, 0));
    const fit = await frame.evaluate(() => {
      const table = document.getElementById('grad-check');
      return {
        header: document.querySelector('.top').getBoundingClientRect().height,
        height: window.innerHeight,
        width: window.innerWidth,
        table: table && {
          scroll: table.parentElement.scrollWidth,
          client: table.parentElement.clientWidth,
          right: table.getBoundingClientRect().right,
        },
      };
    });
    console.log(`  at 360 px: header ${fit.header} of ${fit.height} px; gradient check ${JSON.stringify(fit.table)}`);
    assert(fit.header <= 0.15 * fit.height, `the header takes ${fit.header} px of ${fit.height} px`);
    assert(fit.table, 'the gradient check table is in the panel');
    assert(
      fit.table.scroll <= fit.table.client + 1 && fit.table.right <= fit.width + 1,
      `the gradient check table overflows: ${JSON.stringify(fit.table)} in ${fit.width} px`,
    );
    await scrollPanelTo(frame, '#grad-check-host');
    await (await panelElement()).screenshot({ path: join(results, 'look-narrow-gradcheck.png') });
    // The explanation cut to two lines is there whole while the pointer is over the header.
    await frame.evaluate(() => window.scrollTo(0, 0));
    const cut = await frame.$eval('#explain', (e) => e.scrollHeight > e.clientHeight + 1);
    await (await frame.$('#explain')).hover();
    await page.waitForTimeout(300);
    const whole = await frame.$eval('#explain', (e) => e.scrollHeight <= e.clientHeight + 1);
    await (await panelElement()).screenshot({ path: join(results, 'look-narrow-header-hover.png') });
    await page.mouse.move(page.viewportSize().width / 2, page.viewportSize().height - 4);
    assert(whole, `the explanation is still cut under the pointer (cut before: ${cut})`);
  });

  await check('a wide model at 360 px: single-row b and db tables scroll inside their cards', async () => {
    await page.setViewportSize({ width: 1600, height: 1000 });
    await openFile('wide.nn.yaml');
    await runCommand('Backprop: Train');
    await page.waitForTimeout(1000);
    await page.click('.monaco-editor .view-lines');
    await runCommand('Backprop: Step Epoch');
    let frame = await panel();
    await waitFor(frame, () => document.body.dataset.step === '1', undefined, 'wide model stepped');
    await waitFor(frame, () => document.body.dataset.drawing === 'false', undefined, 'the panel drawn');
    await frame.click('.tab[data-layer="0"]');
    await waitFor(frame, () => !!document.querySelector('#table-db-0'), undefined, 'db table');
    const overflow = await frame.$$eval('.tensor', (cards) =>
      cards
        .map((card) => {
          const table = card.querySelector('table, canvas');
          if (!table) return undefined;
          const c = card.getBoundingClientRect();
          const visible = window.getComputedStyle(card).overflowX;
          return {
            id: table.id,
            spills: card.scrollWidth > card.clientWidth + 1 && visible === 'visible',
            right: c.right,
          };
        })
        .filter((x) => x && (x.spills || x.right > window.innerWidth + 1)),
    );
    assert(overflow.length === 0, `cards overflow: ${JSON.stringify(overflow)}`);
    await scrollPanelTo(frame, '.tables-panel');
    await (await panelElement()).screenshot({ path: join(results, 'look-wide-tables.png') });
  });
} finally {
  await handle.close();
  rmSync(workspace, { recursive: true, force: true });
}
console.log(
  `screenshots: ${readdirSync(results)
    .filter((f) => f.startsWith('look-'))
    .join(', ')}`,
);
checks.finish();
