// Numbers as the editor shows them: a fixed number of significant digits, exponents for the very small
// and very large, so ‖dW‖ = 3.2e-9 and 0.034 both read at a glance.

export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) return value.toExponential(Math.max(0, digits - 2)).replace('e+', 'e');
  return Number(value.toPrecision(digits)).toString();
}

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
