// What the PyTorch parity tests share: reading the committed fixtures, and comparing the engine's numbers with
// PyTorch's at 1e-9 relative (plus 1e-12 absolute, for entries that are zero up to rounding), keeping the largest
// relative difference seen so each fixture can report it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { toRows } from '../../../src/engine/matrix';
import { TrainingSession } from '../../../src/engine';
import { parseModelText } from '../../../src/model';
import type { LayerTrace, Tensor } from '../../../src/protocol';

export function readFixtures<T>(folder: string): T[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(`${folder}/${file}`, 'utf8')) as T);
}

export class Agreement {
  /** The largest relative difference seen since the last reset. */
  worst = 0;

  reset(): void {
    this.worst = 0;
  }

  readonly agree = (actual: number, expected: number, where: string): void => {
    const scale = Math.max(Math.abs(actual), Math.abs(expected));
    if (scale > 1e-12) this.worst = Math.max(this.worst, Math.abs(actual - expected) / scale);
    assert.ok(Math.abs(actual - expected) <= 1e-9 * scale + 1e-12, `${where}: engine ${actual}, PyTorch ${expected}`);
  };

  readonly agreeMatrix = (tensor: Tensor | undefined, expected: number[][], where: string): void => {
    assert.ok(tensor?.data, `${where}: missing`);
    const actual = toRows(tensor.data, tensor.rows, tensor.cols);
    assert.equal(actual.length, expected.length, `${where}: rows`);
    expected.forEach((row, i) => {
      assert.equal(actual[i].length, row.length, `${where}[${i}]: columns`);
      row.forEach((value, j) => this.agree(actual[i][j], value, `${where}[${i}][${j}]`));
    });
  };
}

/** What every fixture records of a layer at a step (the layer-type files add their own intermediates). */
export interface ParityLayer {
  name: string;
  z: number[][];
  a: number[][];
  delta: number[][];
  dW: number[][];
  db: number[];
  weights: number[][];
  biases: number[];
}

/** What the fixtures with norm layers add: a norm's statistics, and ∂L/∂input of every layer but a dense one. */
export interface NormParityLayer extends ParityLayer {
  gradInput?: number[][];
  mu?: number[][];
  var?: number[][];
  xhat?: number[][];
  runningMean?: number[][];
  runningVar?: number[][];
}

export interface ParityFixture<Layer extends ParityLayer> {
  name: string;
  model: unknown;
  steps: { epoch: number; batch: number; loss: number; lr?: number; layers: Layer[] }[];
}

const asRow = (values: number[]): number[][] => (values.length > 0 ? [values] : []);

/**
 * Trains the fixture's model batch by batch and compares each step with PyTorch's: position, learning rate (where
 * recorded), loss, and every layer's z, a, δ, dW, db, W and b; `more` compares what a layer type adds. Returns
 * the line each test reports.
 */
export function replayAgainst<Layer extends ParityLayer>(
  fixture: ParityFixture<Layer>,
  comparison: Agreement,
  more: (actual: LayerTrace, layer: Layer, where: string) => void = () => {},
): string {
  const { agree, agreeMatrix } = comparison;
  comparison.reset();
  const { model, errors } = parseModelText(JSON.stringify(fixture.model), `${fixture.name}.nn.json`);
  // Warnings are advice (a bias a batch norm cancels is kept on purpose: PyTorch must agree on it too).
  assert.deepEqual(
    errors.filter((issue) => issue.severity === 'error'),
    [],
  );
  const session = new TrainingSession(model!, { traceLevel: 'full' });
  fixture.steps.forEach((expected, s) => {
    const record = session.step('batch');
    const at = `${fixture.name} step ${s}`;
    assert.deepEqual([record.epoch, record.batch], [expected.epoch, expected.batch], `${at}: position`);
    if (expected.lr !== undefined) agree(record.lr, expected.lr, `${at} lr`);
    agree(record.loss!, expected.loss, `${at} loss`);
    expected.layers.forEach((layer, k) => {
      const actual = record.layers[k];
      const where = `${at} ${layer.name}`;
      agreeMatrix(actual.z, layer.z, `${where}.z`);
      agreeMatrix(actual.a, layer.a, `${where}.a`);
      agreeMatrix(actual.delta, layer.delta, `${where}.delta`);
      agreeMatrix(actual.dW, layer.dW, `${where}.dW`);
      agreeMatrix(actual.db, asRow(layer.db), `${where}.db`);
      agreeMatrix(actual.weights, layer.weights, `${where}.weights`);
      agreeMatrix(actual.biases, asRow(layer.biases), `${where}.biases`);
      more(actual, layer, where);
    });
  });
  return `${fixture.steps.length} steps, largest relative difference ${comparison.worst.toExponential(1)}`;
}

/** A norm layer's γ, ∂L/∂γ and ∂L/∂β: PyTorch records them as the layer's weight, dW and db. */
export function agreeNormParameters(
  comparison: Agreement,
  actual: LayerTrace,
  layer: ParityLayer,
  where: string,
): void {
  comparison.agreeMatrix(actual.gamma, layer.weights, `${where}.gamma`);
  comparison.agreeMatrix(actual.dgamma, layer.dW, `${where}.dgamma`);
  comparison.agreeMatrix(actual.dbeta, asRow(layer.db), `${where}.dbeta`);
}
