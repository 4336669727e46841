// The panel's look and what-if helpers: graph scale at a narrow panel, chart ticks and notes, typed weights, names
// of inputs, and the webview messages that carry an edit or a slow-motion run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFromWebview } from '../../src/protocol/webview';
import {
  chartNote,
  graphScale,
  logTickLabels,
  MIN_LABEL_PX,
  parameterLabel,
  parseWeight,
  sourceName,
  tickLabel,
} from '../../webview/format';

test('the graph fills a wide panel but never draws its smallest label under 10 px', () => {
  const layout = { width: 426, height: 205 };
  // Wide: fills the width (0.9 layout px per label unit → 9.35 × 1.88 ≈ 17.6 px labels).
  assert.equal(graphScale(800, layout, 9.35), 800 / 426);
  // Tall drawings stop at 420 px high…
  assert.equal(graphScale(2000, layout, 9.35), 420 / 205);
  // …and a 360 px panel (≈ 314 px for the graph) keeps the labels readable and scrolls instead.
  const narrow = graphScale(314, layout, 9.35);
  assert.ok(narrow * 9.35 >= MIN_LABEL_PX - 1e-9, `labels ${narrow * 9.35} px`);
  assert.ok(narrow * layout.width > 314, 'wider than the panel: it scrolls');
  // A panel not laid out yet (width 0) still gets readable labels.
  assert.equal(graphScale(0, layout, 9.35), MIN_LABEL_PX / 9.35);
});

test('tick labels are short and a small positive value never reads 0', () => {
  assert.equal(tickLabel(0), '0');
  assert.equal(tickLabel(1e-5), '1e-5');
  assert.equal(tickLabel(2.5e-7), '2.5e-7');
  assert.equal(tickLabel(0.001), '0.001');
  assert.equal(tickLabel(0.25), '0.25');
  assert.equal(tickLabel(1500), '1500');
  assert.equal(tickLabel(20000), '2e4');
  assert.equal(tickLabel(0.30000000000000004), '0.3');
  for (let exponent = -12; exponent <= 6; exponent++) assert.notEqual(tickLabel(10 ** exponent), '0');
});

test('a crowded log axis labels only its decades; a sparse one labels every split', () => {
  const splits = [1e-4, 2e-4, 3e-4, 5e-4, 7e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2];
  assert.deepEqual(logTickLabels(splits), ['1e-4', '', '', '', '', '0.001', '', '', '', '0.01']);
  assert.deepEqual(logTickLabels([1e-6, 1e-5, 1e-4]), ['1e-6', '1e-5', '1e-4']);
  assert.deepEqual(logTickLabels([1e-3, null, 0.1, null]), ['0.001', '', '0.1', ''], 'splits uPlot skips for room');
  assert.ok(!logTickLabels(splits).includes('0'));
});

test('a chart with no point or one point says so, after the first epoch or batch step', () => {
  assert.equal(chartNote(0, 'epoch', undefined, 4), 'No data yet: the first point comes after the first epoch.');
  assert.equal(
    chartNote(1, 'epoch', 0.693147, 4),
    'One point so far, after the first epoch: 0.6931; the line starts with the next.',
  );
  assert.equal(
    chartNote(1, 'batch', null, 4),
    'One point so far, after the first batch step; the line starts with the next.',
  );
  assert.equal(chartNote(2, 'epoch', 0.5, 4), '');
});

test('a typed weight is a finite number or says what to type', () => {
  assert.deepEqual(parseWeight(' 1.25 '), { value: 1.25 });
  assert.deepEqual(parseWeight('-0.5'), { value: -0.5 });
  assert.deepEqual(parseWeight('−2'), { value: -2 }, 'a typographic minus, as the panel prints it');
  assert.deepEqual(parseWeight('.5e-3'), { value: 0.0005 });
  for (const bad of ['', 'abc', '1,5', '0x10', 'Infinity', 'NaN', '1e', '--1'])
    assert.ok('error' in parseWeight(bad), bad);
  assert.deepEqual(parseWeight('1e400'), { error: 'That number is too large for a weight.' });
});

test('inputs are named from input: [a, b] in the first layer only', () => {
  assert.equal(sourceName(0, 1, ['a', 'b']), 'b');
  assert.equal(sourceName(1, 1, ['a', 'b']), '1');
  assert.equal(sourceName(0, 1, undefined), '1');
  assert.equal(parameterLabel('W[1][0]', 0, ['a', 'b']), 'W[1][0] (b → 0)');
  assert.equal(parameterLabel('W[1][0]', 1, ['a', 'b']), 'W[1][0]');
  assert.equal(parameterLabel('b[0]', 0, ['a', 'b']), 'b[0]');
});

test('setWeight, speed and rendered messages are validated before the host uses them', () => {
  assert.deepEqual(parseFromWebview({ type: 'setWeight', layer: 0, from: 1, to: 2, value: -0.5 }), {
    type: 'setWeight',
    layer: 0,
    from: 1,
    to: 2,
    value: -0.5,
  });
  for (const bad of [
    { type: 'setWeight', layer: 0, from: 1, to: 2, value: NaN },
    { type: 'setWeight', layer: 0, from: 1, to: 2, value: Infinity },
    { type: 'setWeight', layer: 0, from: 1, to: 2, value: '1' },
    { type: 'setWeight', layer: -1, from: 1, to: 2, value: 1 },
    { type: 'setWeight', layer: 0, from: 1.5, to: 2, value: 1 },
    { type: 'setWeight', layer: 0, from: 1 },
  ])
    assert.equal(parseFromWebview(bad), undefined, JSON.stringify(bad));
  assert.deepEqual(parseFromWebview({ type: 'speed', epochsPerSecond: 10 }), { type: 'speed', epochsPerSecond: 10 });
  assert.deepEqual(parseFromWebview({ type: 'speed', epochsPerSecond: 0 }), { type: 'speed', epochsPerSecond: 0 });
  assert.equal(parseFromWebview({ type: 'speed', epochsPerSecond: 1e9 }), undefined);
  assert.equal(parseFromWebview({ type: 'speed' }), undefined);
  assert.deepEqual(parseFromWebview({ type: 'rendered', drawMs: 12.5 }), { type: 'rendered', drawMs: 12.5 });
  // A bad draw time is ignored, not trusted: the host then measures the round trip itself.
  assert.deepEqual(parseFromWebview({ type: 'rendered', drawMs: -1 }), { type: 'rendered' });
  assert.deepEqual(parseFromWebview({ type: 'rendered', drawMs: 'x' }), { type: 'rendered' });
});
