import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpdatePump } from '../../src/extension/updatePump';

test('the pump sends one update at a time, joining what waits for the acknowledgement', async () => {
  const sent: number[][] = [];
  let clock = 0;
  const pump = new UpdatePump<number[]>(
    (value) => sent.push(value),
    10,
    (a, b) => [...a, ...b],
    60_000,
    () => clock,
  );
  pump.push([1], false);
  assert.deepEqual(sent, [[1]]);
  // Not drawn yet: later updates wait, and are joined, not dropped.
  clock = 100;
  pump.push([2], false);
  pump.push([3], false);
  assert.equal(sent.length, 1);
  pump.acknowledge();
  assert.deepEqual(sent, [[1], [2, 3]]);
  // A stop goes out at once, whatever is in flight.
  pump.push([4], true);
  assert.deepEqual(sent.at(-1), [4]);
  // Paced by the clock too: within the interval, the next one waits for the timer.
  pump.acknowledge();
  pump.push([5], false);
  assert.equal(sent.length, 3);
  clock = 200;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.deepEqual(sent.at(-1), [5]);
  pump.dispose();
});

test('a receiver that never acknowledges (a hidden panel) still gets updates after the timeout', async () => {
  const sent: number[][] = [];
  const pump = new UpdatePump<number[]>(
    (value) => sent.push(value),
    0,
    (a, b) => [...a, ...b],
    20,
  );
  pump.push([1], false);
  pump.push([2], false);
  assert.equal(sent.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(sent, [[1], [2]]);
  pump.cancel();
  pump.push([3], false);
  await new Promise((resolve) => setTimeout(resolve, 60));
  pump.dispose();
});
