// Flattens nested JSON into dotted leaf paths, for side-by-side comparison tables.

export function flatten(value: unknown, prefix: string, out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = {};
    for (const [key, child] of entries) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

/** A cell's text: strings as they are, everything else as compact JSON; absent as "—". */
export function cellText(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  return JSON.stringify(value);
}

/** Whether a row's cells differ (absent counts as a value of its own). */
export function differs(values: readonly unknown[]): boolean {
  const texts = values.map((v) => (v === undefined ? '\u0000absent' : JSON.stringify(v)));
  return texts.some((t) => t !== texts[0]);
}
