// The sentence for each micro-step and the formula of a cell, with the worked example's exact numbers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingSession } from '../../src/engine';
import { explainCell, explainStep } from '../../src/engine/explain';
import { optimizerSpec } from '../../src/model';
import { layer, spec, workedExample } from './helpers/spec';

const DIGITS = 6;

function stepped(microSteps: number) {
  const session = new TrainingSession(workedExample(), { traceLevel: 'full' });
  for (let n = 0; n < microSteps; n++) session.step('layer');
  return { record: session.trace(), model: session.modelInfo() };
}

test('each micro-step of the worked example in one sentence, with its numbers', () => {
  const sentences = Array.from({ length: 7 }, (_, n) => {
    const { record, model } = stepped(n);
    return explainStep(record, model, DIGITS);
  });
  assert.deepEqual(sentences, [
    'Nothing has run yet: next, forward · hidden computes z1 = x·W1.',
    'forward · hidden: z1 = x·W1 = [0.99, 0.95], then a1 = z1 (linear) = [0.99, 0.95].',
    'forward · output: z2 = a1·W2 = 2.162, then ŷ = a2 = z2 (linear) = 2.162.',
    'loss: L = ½(ŷ − y)² = ½(2.162 − 1)² = 0.675122; it measures how far ŷ is from y, and backward starts from its gradient.',
    'backward · output: δ2 = ∂L/∂z2 = ŷ − y = 1.162, then dW2 = a1ᵀ·δ2 = [[1.15038], [1.1039]].',
    'backward · hidden: δ1 = δ2·W2ᵀ (linear: f′ = 1) = [2.0916, 0.4648], then dW1 = xᵀ·δ1 = [[4.1832, 0.9296], [6.2748, 1.3944]].',
    'update (sgd): W := W − α·dW with α = 0.1, a step against the gradient: ΔW1 = [[-0.41832, -0.09296], [-0.62748, -0.13944]], ΔW2 = [[-0.115038], [-0.11039]].',
  ]);
});

test('the formula of a cell filled in with its numbers, and no float noise', () => {
  const { record, model } = stepped(6);
  const cell = (layer: number, name: Parameters<typeof explainCell>[3], i: number, j: number) =>
    explainCell(record, model, layer, name, i, j, DIGITS);
  assert.equal(cell(1, 'dW', 0, 0), 'dW2[0][0] = a1[0]·δ2[0] = 0.99 × 1.162 = 1.15038');
  assert.equal(cell(0, 'dW', 1, 0), 'dW1[1][0] = x[1]·δ1[0] = 3 × 2.0916 = 6.2748');
  assert.equal(cell(0, 'z', 0, 0), 'z1[0] = x[0]·W1[0][0] + x[1]·W1[1][0] = 2 × (-0.78) + 3 × 0.85 = 0.99');
  assert.equal(cell(0, 'a', 0, 1), 'a1[1] = z1[1] = 0.95 (linear)');
  assert.equal(cell(1, 'z', 0, 0), 'z2[0] = a1[0]·W2[0][0] + a1[1]·W2[1][0] = 0.99 × 1.8 + 0.95 × 0.4 = 2.162');
  assert.equal(cell(1, 'δ', 0, 0), 'δ2[0] = ŷ[0] − y[0] = 2.162 − 1 = 1.162');
  assert.equal(cell(0, 'δ', 0, 0), 'δ1[0] = δ2[0]·W2[0][0] = 1.162 × 1.8 = 2.0916');
  assert.equal(cell(1, 'ΔW', 0, 0), 'ΔW2[0][0] = −α·dW2[0][0] = −0.1 × 1.15038 = -0.115038');
  assert.equal(
    cell(1, 'W', 0, 0),
    'W2[0][0] = 1.8 + (-0.115038) = 1.68496: the weight from a1[0] into unit 0 of output, after the update',
  );
});

test('every activation, loss and optimizer has its words, and summaries give norms', () => {
  const inputs = [
    [0.2, -0.4],
    [0.9, 0.3],
  ];
  const cases = [
    { act: 'sigmoid', out: 'sigmoid', loss: { type: 'binary_cross_entropy' }, opt: 'adam', targets: [[1], [0]] },
    {
      act: 'tanh',
      out: 'softmax',
      loss: { type: 'cross_entropy' },
      opt: 'momentum',
      targets: [
        [1, 0],
        [0, 1],
      ],
    },
    { act: 'relu', out: 'linear', loss: { type: 'huber', delta: 1 }, opt: 'rmsprop', targets: [[1], [0]] },
    { act: 'leaky_relu', out: 'tanh', loss: { type: 'mae' }, opt: 'nesterov', targets: [[1], [0]] },
    { act: 'elu', out: 'linear', loss: { type: 'mse' }, opt: 'adagrad', targets: [[1], [0]] },
  ] as const;
  for (const c of cases) {
    const model = spec({
      layers: [layer(3, c.act, { name: 'h' }), layer(c.targets[0].length, c.out, { name: 'o' })],
      train: { inputs, targets: c.targets.map((row) => [...row]) },
      loss: c.loss,
      optimizer: optimizerSpec(c.opt, { lr: 0.01 }),
    });
    for (const level of ['full', 'summary'] as const) {
      const session = new TrainingSession(model, { traceLevel: level });
      const info = session.modelInfo();
      const sentences: string[] = [];
      for (let n = 0; n < 6; n++) sentences.push(explainStep(session.step('layer'), info, 4));
      const text = sentences.join('\n');
      assert.match(text, /^forward · h: z1 = x·W1 \+ b1/, text);
      assert.match(text, new RegExp(`update \\(${c.opt}\\): `), text);
      if (c.loss.type === 'binary_cross_entropy' || c.loss.type === 'cross_entropy')
        assert.match(text, /δ2 = ∂L\/∂z2 = \(p − y\)\/m/, text);
      const record = session.trace();
      for (const name of ['W', 'dW', 'ΔW', 'b', 'db', 'z', 'a', 'δ'] as const)
        for (const k of [0, 1]) {
          const formula = explainCell(record, info, k, name, 0, 0, 4);
          assert.match(formula, /^(Δ?d?W|d?b|z|a|δ)\d\[/, formula);
          assert.doesNotMatch(formula, /\d{9}|undefined|NaN/, formula);
          if (level === 'full' && name !== 'W' && name !== 'b')
            assert.match(formula, / = -?\d[\d.e-]*( \(linear\))?$/, formula);
        }
    }
  }
});
