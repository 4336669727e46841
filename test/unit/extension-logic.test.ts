// The extension's pure logic, tested without VS Code: throttling, history thinning, number formatting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatNumber, markdownMatrix } from '../../src/extension/format';
import { thinnedIndices } from '../../src/engine';
import type { TrainingDiagnostic } from '../../src/protocol';
import { latestOfEach } from '../../src/worker/trainingWorker';
import { LatestThrottle } from '../../src/extension/throttle';

/** A throttle on a clock the test sets (starting at 0), and what it delivered, in order. */
function throttleOnTestClock<T>(intervalMs: number) {
  let now = 0;
  const delivered: T[] = [];
  const throttle = new LatestThrottle<T>(
    (v) => delivered.push(v),
    intervalMs,
    () => now,
  );
  return { delivered, throttle, setClock: (ms: number) => (now = ms) };
}

test('the throttle delivers the first value at once and then only the latest, at most once per interval', async () => {
  const { delivered, throttle, setClock } = throttleOnTestClock<number>(30);
  throttle.push(1);
  assert.deepEqual(delivered, [1]);
  setClock(10);
  throttle.push(2);
  throttle.push(3);
  assert.deepEqual(delivered, [1], 'nothing more inside the interval');
  setClock(30);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(delivered, [1, 3], 'the latest value, not the one in between');
  throttle.dispose();
});

test('flush delivers a single step immediately, replacing anything pending', () => {
  const { delivered, throttle, setClock } = throttleOnTestClock<string>(1000);
  throttle.push('run-1');
  setClock(1);
  throttle.push('run-2');
  throttle.flush('stopped');
  assert.deepEqual(delivered, ['run-1', 'stopped']);
  throttle.flush();
  assert.deepEqual(delivered, ['run-1', 'stopped'], 'nothing pending, nothing sent');
  throttle.dispose();
});

test('a thousand updates in a burst reach the webview about 30 times a second', async () => {
  const delivered: number[] = [];
  const throttle = new LatestThrottle<number>((v) => delivered.push(v), 1000 / 30);
  const started = Date.now();
  let i = 0;
  while (Date.now() - started < 200) {
    throttle.push(i++);
    await new Promise((resolve) => setImmediate(resolve));
  }
  throttle.flush();
  assert.ok(delivered.length >= 4 && delivered.length <= 9, `${delivered.length} deliveries in 200 ms`);
  assert.equal(delivered[delivered.length - 1], i - 1, 'the last value always arrives');
});

test('long series are thinned evenly, keep both ends, and say which step each point is', () => {
  const indices = thinnedIndices(100_000, 2000);
  assert.equal(indices.length, 2000);
  assert.equal(indices[0], 0);
  assert.equal(indices[1999], 99_999);
  assert.deepEqual(thinnedIndices(3, 2000), [0, 1, 2]);
});

test('numbers read at a glance: significant digits, exponents for tiny and huge, symbols for the rest', () => {
  assert.equal(formatNumber(0.034123, 3), '0.0341');
  assert.equal(formatNumber(3.2e-9, 3), '3.2e-9');
  assert.equal(formatNumber(123456, 4), '1.23e5');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(NaN), '—');
  assert.equal(formatNumber(-Infinity), '−∞');
  assert.equal(formatNumber(undefined), '—');
});

test('matrices become small Markdown tables, clipped with an ellipsis', () => {
  const table = markdownMatrix([1, 2, 3, 4, 5, 6], 2, 3, 4, 8, 2);
  assert.equal(table, ['|  | 0 | 1 | … |', '|---|---|---|---|', '| 0 | 1 | 2 | … |', '| 1 | 4 | 5 | … |'].join('\n'));
});

test('updates carry the latest diagnostic of each kind and layer, however long the run', () => {
  const at = (code: TrainingDiagnostic['code'], layer: number | null, step: number): TrainingDiagnostic => ({
    code,
    layer,
    step,
    epoch: 0,
    batch: step,
    severity: 'warning',
    message: '',
    hint: '',
  });
  const flapping = Array.from({ length: 10_000 }, (_, i) => at('update_ratio', i % 2, i));
  const latest = latestOfEach([at('vanishing', 0, 0), ...flapping, at('loss_rising', null, 10_001)]);
  assert.deepEqual(
    latest.map((d) => [d.code, d.layer, d.step]),
    [
      ['vanishing', 0, 0],
      ['update_ratio', 0, 9998],
      ['update_ratio', 1, 9999],
      ['loss_rising', null, 10_001],
    ],
  );
});
