// The panel's pure helpers: colour scale, formulas, collapsing wide layers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collapses, divergingColor, formulaFor, maxAbs } from '../../webview/format';

test('the diverging scale is blue for positive, orange for negative, stronger with magnitude', () => {
  assert.match(divergingColor(1, 1), /^rgba\(33, 130, 214, 0\.900\)$/);
  assert.match(divergingColor(-1, 1), /^rgba\(245, 147, 34, 0\.900\)$/);
  const alpha = (color: string) => Number(/, ([\d.]+)\)$/.exec(color)![1]);
  assert.ok(alpha(divergingColor(0.1, 1)) < alpha(divergingColor(0.5, 1)));
  assert.equal(alpha(divergingColor(5, 1)), alpha(divergingColor(1, 1)), 'clamped at the scale');
  assert.match(divergingColor(NaN, 1), /220, 40, 40/);
});

test('maxAbs ignores non-finite and null entries', () => {
  assert.equal(maxAbs([1, -3, NaN, null, Infinity]), 3);
  assert.equal(maxAbs(undefined), 0);
});

test('every tensor has the formula that produced it', () => {
  const hidden = {
    layer: 1,
    activation: 'sigmoid' as const,
    isOutput: false,
    loss: { type: 'mse' as const },
    l2: true,
  };
  assert.equal(
    formulaFor('dW', 2, 3, hidden),
    'dW[2][3] = Σₙ a_prev[n][2]·δ[n][3] + (λ/m)·W[2][3] (δ already has the 1/m)',
  );
  assert.match(formulaFor('δ', 0, 1, hidden), /σ′\(z\) = a\(1−a\)$/);
  const output = {
    layer: 2,
    activation: 'softmax' as const,
    isOutput: true,
    loss: { type: 'cross_entropy' as const },
    l2: false,
  };
  assert.equal(formulaFor('δ', 0, 1, output), 'δ[0][1] = (p[0][1] − y[0][1]) / m');
  assert.equal(formulaFor('z', 0, 0, { ...hidden, layer: 0 }), 'z[0][0] = Σₖ x[0][k]·W[k][0] + b[0]');
});

test('layers wider than 24 units collapse into a block', () => {
  assert.equal(collapses(24), false);
  assert.equal(collapses(25), true);
});
