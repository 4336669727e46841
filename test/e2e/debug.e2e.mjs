// Browser end-to-end for the debugger: in the real workbench, click the gutter of the worked example's output
// layer line, press F5 (no launch.json), continue to the breakpoint, read W's rows in the Variables view, step back,
// and watch `norm(dW)`. Screenshots go to test-results/debug-*.png.
// Usage: node test/e2e/debug.e2e.mjs
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startWorkbench } from '../../scripts/vscode-offline/harness.mjs';
import { Checks } from './driver.mjs';

const results = join(ROOT, 'test-results');
mkdirSync(results, { recursive: true });
const workspace = mkdtempSync(join(tmpdir(), 'backprop-e2e-debug-'));
cpSync(join(ROOT, 'examples'), workspace, { recursive: true });

const handle = await startWorkbench({ workspace, extensionDevelopmentPath: ROOT });
const { page } = handle;
const shot = (name) => page.screenshot({ path: join(results, `debug-${name}.png`) });
const checks = new Checks();

/** Polls `read` until `holds` (a busy machine takes its time to repaint), then returns what it read last. */
async function eventually(read, holds, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!holds(value) && Date.now() < deadline) {
    await page.waitForTimeout(250);
    value = await read();
  }
  return value;
}

/** The editor line (1-based) the debugger's current-line arrow is on, from the glyph margin's top offset. */
async function arrowLine() {
  return page.evaluate(() => {
    const arrow = document.querySelector(
      '.monaco-editor .codicon-debug-stackframe, .monaco-editor .codicon-debug-stackframe-focused',
    );
    if (!arrow) return undefined;
    const top =
      arrow.closest('.cgmr, div[style*="top"]')?.getBoundingClientRect().top ?? arrow.getBoundingClientRect().top;
    for (const number of document.querySelectorAll('.monaco-editor .line-numbers')) {
      if (Math.abs(number.getBoundingClientRect().top - top) < 4) return Number(number.textContent);
    }
    return undefined;
  });
}

await checks.check(
  'the debugger stops on a gutter breakpoint, shows W, steps back and watches an expression',
  async () => {
    // The explorer, not Ctrl+P: a walkthrough may hold the keyboard focus at startup.
    await page
      .locator('.explorer-folders-view .monaco-list-row', { hasText: 'worked-example.nn.yaml' })
      .click({ timeout: 30_000 });
    await page.waitForSelector('.tab[aria-label*="worked-example.nn.yaml"]', { timeout: 15_000 });
    await page.waitForTimeout(1500);

    // VS Code decides whether an editor takes breakpoints when it opens, against the window's context (the
    // `when` of our breakpoints contribution); the very first editor can open before that context names it.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'xor.nn.yaml' }).click();
    await page.waitForTimeout(1500);
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'worked-example.nn.yaml' }).click();
    await page.waitForTimeout(1500);
    await shot('0-margin');
    // A click in the gutter left of line 14's number sets a breakpoint there.
    const number = page.locator('.monaco-editor .line-numbers', { hasText: /^14$/ }).first();
    const box = await number.boundingBox();
    const margin = await page.locator('.monaco-editor .glyph-margin').first().boundingBox();
    await page.mouse.click(margin.x + margin.width / 2, box.y + box.height / 2);
    await page.waitForSelector('.monaco-editor .codicon-debug-breakpoint', { timeout: 10_000 });

    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('F5');
    await page.waitForSelector('.debug-toolbar', { state: 'visible', timeout: 30_000 });
    await page.waitForSelector('.monaco-editor .codicon-debug-stackframe', { timeout: 20_000 });
    await shot('1-entry');
    await page.keyboard.press('F5'); // continue to the breakpoint
    const line = await eventually(arrowLine, (at) => at === 14);
    if (line !== 14) throw new Error(`the arrow is on line ${line}, not the output layer's line 14`);

    // Variables: expand Parameters › W.
    const variables = page.locator('.debug-variables');
    await variables.locator('.monaco-list-row', { hasText: /^W/ }).first().click();
    await page.waitForSelector('.debug-variables .monaco-list-row:has-text("[0]")', { timeout: 10_000 });
    const rows = await variables.locator('.monaco-list-row').allInnerTexts();
    if (!rows.some((text) => text.includes('[0]') && text.includes('1.8')))
      throw new Error(`W rows: ${rows.join(' | ')}`);
    await shot('2-breakpoint-variables');

    await page.click('.debug-toolbar .codicon-debug-step-back');
    await page.waitForTimeout(1500);
    await page.click('.debug-toolbar .codicon-debug-step-into');
    await page.waitForTimeout(1500);
    await page
      .locator('.debug-watch')
      .hover()
      .catch(() => {});
    await page.click('[aria-label="Add Expression"]');
    await page.waitForTimeout(500);
    await page.keyboard.type('norm(W)');
    await page.keyboard.press('Enter');
    const shows = (rows) => rows.some((text) => /norm\(W\)\s*[:=]?\s*1\.84/.test(text));
    const watch = await eventually(() => page.locator('.debug-watch .monaco-list-row').allInnerTexts(), shows);
    if (!shows(watch)) {
      await shot('failure').catch(() => {});
      throw new Error(`watch: ${watch.join(' | ')}`);
    }
    await shot('3-watch');
  },
);
await handle.close();
rmSync(workspace, { recursive: true, force: true });
checks.finish();
