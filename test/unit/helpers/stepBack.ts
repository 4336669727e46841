// Step back's promise, that it lands on exactly the numbers the run had there, checked the same way for every
// kind of model: the traces of a run forward, then one step back at a time compared with them.
import assert from 'node:assert/strict';
import type { TrainingSession } from '../../../src/engine';

/** `count` micro-steps forward, each one's trace as JSON. */
export function microSteps(session: TrainingSession, count: number): string[] {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) seen.push(JSON.stringify(session.step('layer')));
  return seen;
}

/** Steps back from the last of `seen` to the first, each time to exactly the trace the run had there. */
export function assertStepsBackThrough(session: TrainingSession, seen: string[]): void {
  for (let i = seen.length - 2; i >= 0; i--) {
    assert.ok(session.stepBack());
    assert.equal(JSON.stringify(session.trace()), seen[i], `after stepping back to micro-step ${i + 1}`);
  }
}
