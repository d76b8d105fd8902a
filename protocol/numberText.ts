// Numbers as short text, shared by the kernel's text/plain summaries and the renderer's labels and
// readouts, so both say the same thing about a value.

/** Four significant digits, exponent form for very large or small magnitudes. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-4) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}
