// CSV data for a model: found relative to the model file, never outside the workspace root, every cell a
// finite number except categorical target columns marked `onehot`.

import { parse } from 'csv-parse/sync';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { MAX_CSV_BYTES, readRegularFile } from './files';
import type { IssueCollector } from './issues';
import { LIMITS } from './schema';
import type { Dataset } from './types';

const PATH_KEY = ['data', 'csv', 'path'];

export interface CsvSpec {
  path: string;
  targets: string[];
  onehot?: boolean;
}

export interface CsvData extends Dataset {
  inputNames: string[];
  /** For one-hot targets: the label of each output column. */
  targetNames: string[];
}

export function loadCsv(
  spec: CsvSpec,
  modelFile: string,
  workspaceRoot: string,
  /** Units of the output layer, when known: one-hot classes are counted against it before any is built. */
  outputSize: number | undefined,
  issues: IssueCollector,
): CsvData | undefined {
  const path = resolve(dirname(modelFile), spec.path);
  if (!isInside(workspaceRoot, path)) {
    issues.at(PATH_KEY, `'${spec.path}' is outside the workspace (${workspaceRoot}); keep data files inside it`);
    return undefined;
  }
  if (!existsSync(path)) {
    issues.at(PATH_KEY, `CSV file not found: ${spec.path} (paths are relative to the model file)`);
    return undefined;
  }
  // A symlink inside the workspace may still point outside it.
  if (!isInside(realpathSync(workspaceRoot), realpathSync(path))) {
    issues.at(PATH_KEY, `'${spec.path}' links to a file outside the workspace`);
    return undefined;
  }
  const read = readRegularFile(path, MAX_CSV_BYTES, 'a CSV file');
  if ('error' in read) {
    issues.at(PATH_KEY, `'${spec.path}' ${read.error}`);
    return undefined;
  }
  let rows: string[][];
  try {
    // Parsing stops one row past the limit: enough to know the file is over it, without holding it all.
    rows = parse(read.text, { skip_empty_lines: true, trim: true, to: LIMITS.csvRows + 2 });
  } catch (error) {
    issues.at(PATH_KEY, `${basename(path)}: ${(error as Error).message}`);
    return undefined;
  }
  if (rows.length > LIMITS.csvRows + 1) {
    issues.at(
      PATH_KEY,
      `${basename(path)} has more than ${LIMITS.csvRows.toLocaleString('en-US')} data rows (what loads within 1 GB); use fewer samples`,
    );
    return undefined;
  }
  return tableToDataset(rows, spec, basename(path), outputSize, issues);
}

function tableToDataset(
  rows: string[][],
  spec: CsvSpec,
  name: string,
  outputSize: number | undefined,
  issues: IssueCollector,
): CsvData | undefined {
  const [header, ...body] = rows;
  if (!header || body.length === 0) {
    issues.at(PATH_KEY, `${name} needs a header row and at least one data row`);
    return undefined;
  }
  const missing = spec.targets.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    issues.at(
      ['data', 'csv', 'targets'],
      `column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')} not in ${name} (it has ${header.join(', ')})`,
    );
    return undefined;
  }
  const inputColumns = header.map((_, i) => i).filter((i) => !spec.targets.includes(header[i]));
  const targetColumns = spec.targets.map((column) => header.indexOf(column));
  let ok = true;
  const cellError = (row: number, column: number, message: string) => {
    // Line numbers count the header as line 1.
    if (ok) issues.at(PATH_KEY, `${name}:${row + 2}:${column + 1}: ${message} (column '${header[column]}')`);
    ok = false;
  };
  const number = (cell: string, row: number, column: number): number => {
    const value = cell === '' ? NaN : Number(cell);
    if (!Number.isFinite(value)) {
      cellError(
        row,
        column,
        /^[+-]?(nan|inf|infinity)$/i.test(cell)
          ? `${cell} is not allowed (only finite numbers)`
          : `'${cell}' is not a number`,
      );
    }
    return value;
  };
  const categories = spec.onehot
    ? targetColumns.map((column) => [...new Set(body.map((row) => row[column]))].sort())
    : [];
  // Decided before the one-hot rows are built: 20,000 labels for a 3-unit softmax is a mistake, not data.
  const targetWidth = spec.onehot ? categories.reduce((sum, labels) => sum + labels.length, 0) : targetColumns.length;
  if (spec.onehot && outputSize !== undefined && targetWidth !== outputSize) {
    const labels = categories.map((found, t) => `${found.length} in '${spec.targets[t]}'`).join(', ');
    issues.at(
      ['data', 'csv', 'targets'],
      `one-hot targets have ${targetWidth} classes (${labels}), but the output layer has ${outputSize} units`,
    );
    return undefined;
  }
  const numbers = body.length * (inputColumns.length + targetWidth);
  if (numbers > LIMITS.dataNumbers) {
    issues.at(
      PATH_KEY,
      `${name} has ${body.length} rows of ${inputColumns.length + targetWidth} numbers: more than ${LIMITS.dataNumbers.toLocaleString('en-US')} numbers (what trains within 1 GB)`,
    );
    return undefined;
  }
  const inputs = body.map((row, r) => inputColumns.map((column) => number(row[column], r, column)));
  const targets = body.map((row, r) =>
    spec.onehot
      ? targetColumns.flatMap((column, t) => categories[t].map((label) => (row[column] === label ? 1 : 0)))
      : targetColumns.map((column) => number(row[column], r, column)),
  );
  if (!ok) return undefined;
  const targetNames = spec.onehot ? categories.flat() : spec.targets;
  return { inputs, targets, inputNames: inputColumns.map((i) => header[i]), targetNames };
}

export function isInside(root: string, path: string): boolean {
  const fromRoot = relative(resolve(root), resolve(path));
  return fromRoot === '' || (!fromRoot.startsWith('..') && !isAbsolute(fromRoot));
}
