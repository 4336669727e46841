// Numbers as every view shows them: a fixed number of significant digits, exponents for the very small and
// very large, so ‖dW‖ = 3.2e-9 and 0.034 both read at a glance. Here, below the engine's explanations, so the
// step sentences, the editor, the CLI and the panel print a number the same way without the engine reaching
// into the extension.

export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) return value.toExponential(Math.max(0, digits - 2)).replace('e+', 'e');
  return Number(value.toPrecision(digits)).toString();
}
