// The printed tables: one per size (speed, CPU, memory, the ratio to Twilio, quality), and the
// blocks under them. Pure formatting; '—' wherever a figure was not measured.

/** One printed row; null (or NaN) is printed as '—'. */
export interface TableRow {
  system: string;
  mode: string;
  backend: string;
  frames: number;
  fps: number;
  medianMs: number;
  p95Ms: number;
  /** The engine's GPU time per frame (median of stats.gpu), ms. */
  gpuMs: number | null;
  cpuMainMs: number | null;
  cpuWorkersMs: number | null;
  cpuGpuProcessMs: number | null;
  heapMB: number | null;
  gpuMemMB: number | null;
  /** fps ÷ the Twilio peer's fps on the same frames. */
  ratio: number | null;
  sad: number | null;
  bandSad: number | null;
  iou: number | null;
  dtssd: number | null;
}

export const DASH = '—';

const missing = (v: number | null): v is null => v === null || !Number.isFinite(v);

/** A number with about 3 significant digits (no exponent): 1234 → "1234", 12.34 → "12.3", 0.1234 → "0.123". */
export function sig3(v: number | null): string {
  if (missing(v)) return DASH;
  const a = Math.abs(v);
  const decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return v.toFixed(decimals);
}

/** Fixed decimals, '—' when missing. */
export function fixed(v: number | null, decimals: number): string {
  return missing(v) ? DASH : v.toFixed(decimals);
}

const COLUMNS: { head: string; left?: boolean; cell(r: TableRow): string }[] = [
  { head: 'system', left: true, cell: (r) => r.system },
  { head: 'mode', left: true, cell: (r) => r.mode },
  { head: 'backend', left: true, cell: (r) => r.backend },
  { head: 'frames', cell: (r) => String(r.frames) },
  { head: 'fps', cell: (r) => sig3(r.fps) },
  { head: 'med ms', cell: (r) => sig3(r.medianMs) },
  { head: 'p95 ms', cell: (r) => sig3(r.p95Ms) },
  { head: 'GPU ms', cell: (r) => sig3(r.gpuMs) },
  { head: 'CPU main', cell: (r) => sig3(r.cpuMainMs) },
  { head: 'CPU workers', cell: (r) => sig3(r.cpuWorkersMs) },
  { head: 'CPU GPU-proc', cell: (r) => sig3(r.cpuGpuProcessMs) },
  { head: 'heap MB', cell: (r) => fixed(r.heapMB, 1) },
  { head: 'GPU MB', cell: (r) => fixed(r.gpuMemMB, 1) },
  { head: '× Twilio', cell: (r) => (missing(r.ratio) ? DASH : `${sig3(r.ratio)}×`) },
  { head: 'SAD', cell: (r) => fixed(r.sad, 2) },
  { head: 'band SAD', cell: (r) => fixed(r.bandSad, 2) },
  { head: 'IoU', cell: (r) => fixed(r.iou, 3) },
  { head: 'dtSSD', cell: (r) => fixed(r.dtssd, 2) },
];

/**
 * Formats rows as an aligned text table under a title line: text columns left-aligned,
 * numbers right-aligned, two spaces between columns.
 */
export function formatTable(title: string, rows: readonly TableRow[]): string {
  const cells = rows.map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.head.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (COLUMNS[i]!.left ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [title, line(COLUMNS.map((c) => c.head)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
