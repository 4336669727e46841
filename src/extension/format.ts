// Numbers in the editor's Markdown. formatNumber itself lives with the engine (the step sentences use it too) and
// is re-exported here for the editor's providers.

import { formatNumber } from '../engine/format';

export { formatNumber };

/** A small Markdown table of a row-major matrix, clipped to `maxRows` × `maxCols` with an ellipsis. */
export function markdownMatrix(
  data: readonly number[],
  rows: number,
  cols: number,
  digits: number,
  maxRows = 8,
  maxCols = 8,
  rowLabel = (i: number) => String(i),
): string {
  const shownCols = Math.min(cols, maxCols);
  const header = ['', ...Array.from({ length: shownCols }, (_, j) => String(j)), ...(cols > maxCols ? ['…'] : [])];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (let i = 0; i < Math.min(rows, maxRows); i++) {
    const cells = Array.from({ length: shownCols }, (_, j) => formatNumber(data[i * cols + j], digits));
    lines.push(`| ${rowLabel(i)} | ${cells.join(' | ')}${cols > maxCols ? ' | …' : ''} |`);
  }
  if (rows > maxRows)
    lines.push(
      `| … |${header
        .slice(1)
        .map(() => ' ')
        .join('|')}|`,
    );
  return lines.join('\n');
}
