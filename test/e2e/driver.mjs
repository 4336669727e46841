// Driving the real workbench like a user, shared by the browser end-to-end tests and the latency bench: the
// palette, Quick Open, the Backprop panel's frame, and a small check/report harness that prints
// `N passed, N failed` (CI counts it).

/** Runs a palette command by its title. */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(title);
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${title}"]`, { timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** Opens a workspace file with Quick Open and puts the keyboard focus in its editor. */
export async function openFile(page, name) {
  // Keyboard focus may be inside the panel's webview; give it back to the workbench first.
  await page.click('.monaco-editor .view-lines').catch(() => {});
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(name);
  await page.waitForTimeout(600);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.tab[aria-label*="${name}"]`, { timeout: 15_000 });
  await page.waitForTimeout(800);
  await page.click('.monaco-editor .view-lines');
}

/** The Backprop panel's webview frame, once it exists. */
export async function panelFrame(page, timeoutMs = 20_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    for (const frame of page.frames()) {
      try {
        if (await frame.$('#app #position')) return frame;
      } catch {
        /* frame navigating */
      }
    }
    await page.waitForTimeout(200);
  }
  throw new Error('the Backprop panel did not appear');
}

export async function waitFor(frame, predicate, arg, what, timeout = 20_000) {
  await frame.waitForFunction(predicate, arg, { timeout }).catch(() => {
    throw new Error(`timed out waiting for ${what}`);
  });
}

/**
 * Clicks a panel toolbar button and times, in the webview itself, until it has drawn the result: `moved` (another
 * micro-step shown) or `stopped` (no longer running). The webview's CSP forbids eval, so the condition is named.
 */
export function timeClick(frame, command, until) {
  return frame.evaluate(
    ([command, until]) =>
      new Promise((resolve, reject) => {
        const body = document.body;
        const before = body.dataset.position;
        const holds = () => (until === 'moved' ? body.dataset.position !== before : body.dataset.running === 'false');
        const started = window.performance.now();
        const observer = new window.MutationObserver(() => {
          if (!holds()) return;
          observer.disconnect();
          // The next frame is when the user sees it.
          window.requestAnimationFrame(() => resolve(window.performance.now() - started));
        });
        observer.observe(body, { attributes: true });
        setTimeout(() => reject(new Error(`${command}: no change within 20 s`)), 20_000);
        document.querySelector(`[data-command="${command}"]`).click();
      }),
    [command, until],
  );
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Named checks that run one after another, each failure reported and counted, not thrown. */
export class Checks {
  passed = 0;
  failures = [];

  async check(name, body) {
    try {
      await body();
      this.passed++;
      console.log(`ok ${name}`);
    } catch (error) {
      this.failures.push(name);
      console.error(`FAIL ${name}\n${error.stack ?? error}`);
    }
  }

  /** Prints the closing line CI reads and exits with the verdict. */
  finish() {
    console.log(`${this.passed} passed, ${this.failures.length} failed`);
    process.exit(this.failures.length === 0 && this.passed > 0 ? 0 : 1);
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}
