import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpdatePump } from '../../src/extension/updatePump';

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pump sending at most every 10 ms on a clock the test sets, joining what waits; what it sent, in order. */
function pumpOnTestClock() {
  const sent: number[][] = [];
  let clock = 0;
  const pump = new UpdatePump<number[]>(
    (value) => sent.push(value),
    10,
    (a, b) => [...a, ...b],
    60_000,
    () => clock,
  );
  return { sent, pump, setClock: (ms: number) => (clock = ms) };
}

test('the pump sends one update at a time, joining what waits for the acknowledgement', async () => {
  const { sent, pump, setClock } = pumpOnTestClock();
  try {
    pump.push([1], false);
    assert.deepEqual(sent, [[1]]);
    // Not drawn yet: later updates wait, and are joined, not dropped.
    pump.push([2], false);
    pump.push([3], false);
    assert.equal(sent.length, 1);
    // Drawn after 5 ms: the next goes once the interval (10 ms) has passed since the last.
    setClock(5);
    pump.acknowledge();
    assert.equal(sent.length, 1);
    setClock(10);
    await tick();
    assert.deepEqual(sent, [[1], [2, 3]]);
    // A stop goes out at once, whatever is in flight.
    pump.push([4], true);
    assert.deepEqual(sent.at(-1), [4]);
  } finally {
    pump.dispose();
  }
});

test('a receiver that draws slowly gets as much idle time as it spent drawing', async () => {
  const { sent, pump, setClock } = pumpOnTestClock();
  try {
    pump.push([1], false);
    pump.push([2], false);
    // Drawing took 100 ms: the next update waits until 200 ms after the last was sent.
    setClock(100);
    pump.acknowledge();
    await tick(50);
    assert.equal(sent.length, 1);
    setClock(200);
    await tick(80);
    assert.deepEqual(sent, [[1], [2]]);
  } finally {
    pump.dispose();
  }
});

test('a receiver that never acknowledges (a hidden panel) still gets updates after the timeout', async () => {
  const sent: number[][] = [];
  const pump = new UpdatePump<number[]>(
    (value) => sent.push(value),
    0,
    (a, b) => [...a, ...b],
    20,
  );
  try {
    pump.push([1], false);
    pump.push([2], false);
    assert.equal(sent.length, 1);
    // The timeout is 20 ms and the pacing after it about as long again; a busy machine may take longer to run
    // the timers, so wait for the second update rather than a fixed time.
    for (let waited = 0; sent.length < 2 && waited < 5000; waited += 20) await tick(20);
    assert.deepEqual(sent, [[1], [2]]);
  } finally {
    pump.dispose();
  }
});

test('a receiver that says how long it drew is paced by that, not by the trip and waits around it', async () => {
  const { sent, pump, setClock } = pumpOnTestClock();
  try {
    pump.push([1], false);
    pump.push([2], false);
    // Acknowledged 300 ms after sending (a busy machine), of which 20 ms were drawing: the next may go at 40 ms.
    setClock(300);
    pump.acknowledge(20);
    assert.deepEqual(sent, [[1], [2]]);
  } finally {
    pump.dispose();
  }
});
