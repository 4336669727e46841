// What the PyTorch parity tests share: reading the committed fixtures, and comparing the engine's numbers with
// PyTorch's at 1e-9 relative (plus 1e-12 absolute, for entries that are zero up to rounding), keeping the largest
// relative difference seen so each fixture can report it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { toRows } from '../../../src/engine/matrix';
import type { Tensor } from '../../../src/protocol';

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
