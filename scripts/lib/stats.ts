/** Percentile by nearest rank (p in 0..100) of a non-empty list; NaN for an empty one. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p * sorted.length) / 100);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1]!;
}

/** Median and p95 of each numeric field across records, rounded to 0.01 ms. */
export function summarise<T extends object>(records: readonly T[]): Record<string, { median: number; p95: number }> {
  const out: Record<string, { median: number; p95: number }> = {};
  const keys = records.length ? Object.keys(records[0]!) : [];
  for (const key of keys) {
    const values = records.map((r) => (r as Record<string, unknown>)[key]).filter((v): v is number => typeof v === 'number');
    out[key] = { median: round(percentile(values, 50)), p95: round(percentile(values, 95)) };
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
