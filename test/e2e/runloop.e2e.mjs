// Browser end-to-end for the run loop, in the real workbench: a long run keeps the window responsive and the
// decision boundary moving, Pause from the panel lands at once, and a storm of toolbar clicks leaves a session
// that still answers every command. Usage: node test/e2e/runloop.e2e.mjs
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startWorkbench } from '../../scripts/vscode-offline/harness.mjs';
import { assert, Checks, median, openFile, panelFrame, runCommand, timeClick, waitFor } from './driver.mjs';

const RUN_SECONDS = Number(process.env.RUN_SECONDS ?? 60);
const results = join(ROOT, 'test-results');
mkdirSync(results, { recursive: true });
const workspace = mkdtempSync(join(tmpdir(), 'backprop-e2e-run-'));
writeFileSync(
  join(workspace, 'long.nn.yaml'),
  // Spiral, not XOR: XOR trains 200,000 epochs a second and would finish 10 million within the minute.
  readFileSync(join(ROOT, 'examples/spiral.nn.yaml'), 'utf8').replace(
    /training: \{epochs: \d+/,
    'training: {epochs: 10000000',
  ),
);

const handle = await startWorkbench({ workspace, extensionDevelopmentPath: ROOT });
const { page } = handle;
const consoleLines = [];
page.on('console', (message) => consoleLines.push(message.text()));
const checks = new Checks();
const running = (frame) => frame.evaluate(() => document.body.dataset.running === 'true');
const boundaryPicture = (frame) =>
  frame.evaluate(() => document.querySelector('#boundary canvas')?.toDataURL().slice(-400) ?? '');

try {
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForTimeout(2500);
  await openFile(page, 'long.nn.yaml');
  await runCommand(page, 'Backprop: Train');
  const frame = await panelFrame(page);
  await waitFor(frame, () => document.body.dataset.position === '0:forward:0', undefined, 'the first step waiting');

  await checks.check(
    `a ${RUN_SECONDS} s run: the window stays responsive and the decision boundary moves`,
    async () => {
      await frame.evaluate(() => document.querySelector('[data-command="train"]').click());
      await waitFor(frame, () => document.body.dataset.running === 'true', undefined, 'running');
      const pictures = new Set();
      const steps = [];
      for (let second = 0; second < RUN_SECONDS; second += 5) {
        await page.waitForTimeout(5000);
        pictures.add(await boundaryPicture(frame));
        steps.push(Number(await frame.evaluate(() => document.body.dataset.step)));
      }
      await page.screenshot({ path: join(results, 'runloop-1-long-run.png') });
      assert(await running(frame), 'the run stopped by itself');
      assert(pictures.size >= 3, `the decision boundary showed ${pictures.size} different pictures`);
      assert(
        steps.every((step, i) => i === 0 || step > steps[i - 1]),
        `the panel's step did not keep moving: ${steps.join(', ')}`,
      );
      const unresponsive = consoleLines.filter((line) => /unresponsive/i.test(line));
      assert(unresponsive.length === 0, `the console says: ${unresponsive.join(' | ')}`);
    },
  );

  await checks.check(
    'Pause from the panel toolbar is drawn within 300 ms (median of 5), and stepping continues',
    async () => {
      const pauses = [];
      for (let round = 0; round < 5; round++) {
        if (!(await running(frame))) {
          await frame.evaluate(() => document.querySelector('[data-command="train"]').click());
          await waitFor(frame, () => document.body.dataset.running === 'true', undefined, 'running');
          await page.waitForTimeout(1500);
        }
        pauses.push(await timeClick(frame, 'pause', 'stopped'));
        const stepped = await timeClick(frame, 'stepLayer', 'moved');
        assert(stepped < 2000, `a step after the pause took ${stepped} ms`);
      }
      console.log(`pause → drawn: ${pauses.map((ms) => ms.toFixed(0)).join(', ')} ms`);
      assert(median(pauses) < 300, `pause took ${pauses.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    },
  );

  await checks.check('40 rapid toolbar clicks leave a session that answers every command', async () => {
    const commands = ['stepLayer', 'stepBack', 'train', 'pause', 'stepPhase', 'stepBatch'];
    await frame.evaluate((commands) => {
      let seed = 7;
      for (let i = 0; i < 40; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        document.querySelector(`[data-command="${commands[seed % commands.length]}"]`).click();
      }
    }, commands);
    await page.waitForTimeout(2000);
    if (await running(frame)) await timeClick(frame, 'pause', 'stopped');
    const stepped = await timeClick(frame, 'stepLayer', 'moved');
    assert(stepped < 2000, `a step took ${stepped} ms`);
    await frame.evaluate(() => document.querySelector('[data-command="reset"]').click());
    await waitFor(frame, () => document.body.dataset.position === '0:forward:0', undefined, 'the reset');
    await page.screenshot({ path: join(results, 'runloop-2-after-storm.png') });
  });
} finally {
  await handle.close();
  rmSync(workspace, { recursive: true, force: true });
}
checks.finish();
