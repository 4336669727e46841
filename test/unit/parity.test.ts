// The engine against PyTorch float64 (fixtures written by scripts/torch_fixtures.py; no Python needed here):
// every z, a, δ, dW, db, weight and bias of every batch step, to 1e-9 relative.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agreement, readFixtures, replayAgainst, type ParityFixture, type ParityLayer } from './helpers/parity';

const FIXTURES = 'test/fixtures/torch';
const fixtures = readFixtures<ParityFixture<ParityLayer>>(FIXTURES);

const comparison = new Agreement();

test('there are enough fixtures to mean something', () => {
  assert.ok(fixtures.length >= 12, `${fixtures.length} fixtures`);
  assert.ok(fixtures.every((f) => f.steps.length > 0));
});

for (const fixture of fixtures) {
  test(`PyTorch parity: ${fixture.name}`, (t) => {
    t.diagnostic(replayAgainst(fixture, comparison));
  });
}
