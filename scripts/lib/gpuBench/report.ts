// The Node GPU bench's results: per row and size, the medians of the stage timings, the frame
// time and fps; sparse / full refine; the targets; as JSON and as printed tables.
import { stageMedians, summariseTimes } from '../bench/figures';
import { DASH, sig3 } from '../bench/table';
import type { Size } from '../bench/plan';
import type { RowRun } from './rows';
import { ROWS, type RowId } from './rowSpecs';

/** One row at one size. Numbers are null where the row failed (then `error` says why). */
export interface RowSummary {
  id: RowId;
  label: string;
  description: string;
  frames: number;
  warmup: number;
  /** 1000 · frames / Σ frame ms (one frame in flight at a time). */
  fps: number | null;
  /** Wall-clock ms per frame: median, 95th percentile (nearest rank), mean. */
  frameMs: { median: number; p95: number; mean: number } | null;
  /** Median over frames of the frame's GPU time (the sum of its stages), ms. */
  gpuMs: number | null;
  /** Median GPU ms per stage, in the order the stages ran. */
  stages: Record<string, number> | null;
  /** Tiles refined in the last frame, of tileCount; their share. */
  tiles: number | null;
  tileCount: number | null;
  tileShare: number | null;
  /** The memory row's background memory at its last read-back (see RowRun.memory); null for the other rows. */
  memory: { known: number; inUse: boolean } | null;
  error: string | null;
}

/** One frame size. */
export interface SizeReport {
  width: number;
  height: number;
  rows: RowSummary[];
  /** The plate row's refine stage time over the full-refine row's (sparse / full); null when either is missing. */
  sparseFullRatio: number | null;
  /** The base network's GPU time per frame (segment + roi of the base-network row), ms; null when not measured. */
  baseNetworkMs: number | null;
}

/** A target of the issue, checked where its size was measured. */
export interface TargetCheck {
  what: string;
  size: string;
  value: number | null;
  /** '≥' or '≤' `limit`. */
  relation: '≥' | '≤';
  limit: number;
  met: boolean | null;
}

/** The whole run. */
export interface GpuBenchReport {
  version: 1;
  date: string;
  adapter: string;
  /** Where the numbers come from, e.g. "Dawn (npm webgpu 0.6.2) in Node v20.20.2, linux x64". */
  runtime: string;
  /** The Vulkan loader the process loaded (a machine's own, or the GPU bundle's), null when unknown. */
  vulkanLoader: string | null;
  frames: number;
  warmup: number;
  maxSeconds: number;
  sizes: SizeReport[];
  targets: TargetCheck[];
  /** Why the base network was not timed on the device, when it was not. */
  baseNetworkNote: string | null;
  /** The largest difference between its mask on the device and on the CPU on the still (null: not checked). */
  baseNetworkMaxDifference: number | null;
}

/** A row's outcome at one size: its measurements, or the error that stopped it. */
export type RowOutcome = { run: RowRun } | { id: RowId; error: string };

const spec = (id: RowId) => ROWS.find((r) => r.id === id)!;

/** Summarises one row's frames. */
export function summariseRow(outcome: RowOutcome): RowSummary {
  if (!('run' in outcome)) {
    const s = spec(outcome.id);
    return { id: s.id, label: s.label, description: s.description, frames: 0, warmup: 0, fps: null, frameMs: null, gpuMs: null, stages: null, tiles: null, tileCount: null, tileShare: null, memory: null, error: outcome.error };
  }
  const { run } = outcome;
  const s = spec(run.id);
  const timing = summariseTimes(run.wallMs);
  const totals = run.stages.map((st) => Object.values(st).reduce((a, b) => a + b, 0));
  return {
    id: s.id,
    label: s.label,
    description: s.description,
    frames: run.frames,
    warmup: run.warmup,
    fps: timing.fps,
    frameMs: { median: timing.medianMs, p95: timing.p95Ms, mean: timing.meanMs },
    gpuMs: summariseTimes(totals).medianMs,
    stages: stageMedians(run.stages),
    tiles: run.tiles,
    tileCount: run.tileCount,
    tileShare: run.tiles === null ? null : run.tiles / run.tileCount,
    memory: run.memory,
    error: null,
  };
}

/** A size's rows with the ratios derived from them. */
export function sizeReport(size: Size, rows: RowSummary[]): SizeReport {
  const row = (id: RowId) => rows.find((r) => r.id === id);
  const sparse = row('plate')?.stages?.refine;
  const full = row('plate-full')?.stages?.refine;
  const base = row('base-network')?.stages;
  return {
    width: size.width,
    height: size.height,
    rows,
    sparseFullRatio: sparse !== undefined && full !== undefined && full > 0 ? sparse / full : null,
    baseNetworkMs: base ? (base.segment ?? 0) + (base.roi ?? 0) : null,
  };
}

/** The targets on an H200-class GPU, checked on the sizes measured. */
export function checkTargets(sizes: readonly SizeReport[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const fps = (what: string, id: RowId, w: number, h: number, limit: number): void => {
    const s = sizes.find((x) => x.width === w && x.height === h);
    if (!s) return;
    const value = s.rows.find((r) => r.id === id)?.fps ?? null;
    out.push({ what, size: `${w}x${h}`, value, relation: '≥', limit, met: value === null ? null : value >= limit });
  };
  fps('blur fps', 'blur', 1280, 720, 240);
  fps('plate matting fps', 'plate', 1920, 1080, 120);
  fps('plate matting fps', 'plate', 3840, 2160, 60);
  for (const s of sizes) {
    const value = s.sparseFullRatio;
    out.push({ what: 'sparse / full refine', size: `${s.width}x${s.height}`, value, relation: '≤', limit: 0.2, met: value === null ? null : value <= 0.2 });
  }
  return out;
}

const pad = (cells: string[][]): string[] => {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
};

const percent = (v: number | null): string => (v === null ? DASH : `${(100 * v).toFixed(1)} %`);

/**
 * The stage names of several runs in one order that keeps each run's: a name first seen in a
 * later run goes right after the name that precedes it there (bgmv2-base after import).
 */
export function mergeStageOrder(runs: readonly (readonly string[])[]): string[] {
  const order: string[] = [];
  for (const names of runs) {
    names.forEach((name, i) => {
      if (order.includes(name)) return;
      const after = i === 0 ? -1 : order.indexOf(names[i - 1]!);
      order.splice(after + 1, 0, name);
    });
  }
  return order;
}

/** One size as a table: a column per row, a line per stage (GPU ms), then GPU total, frame ms, fps, frames and tiles. */
export function formatSize(size: SizeReport, adapter: string): string {
  const rows = size.rows;
  const stageNames = mergeStageOrder(rows.map((r) => Object.keys(r.stages ?? {})));
  const line = (head: string, cell: (r: RowSummary) => string): string[] => [head, ...rows.map((r) => (r.error ? DASH : cell(r)))];
  const cells = [
    ['GPU ms per stage', ...rows.map((r) => r.label)],
    ...stageNames.map((name) => line(name, (r) => sig3(r.stages?.[name] ?? null))),
    line('GPU total', (r) => sig3(r.gpuMs)),
    line('frame ms (median)', (r) => sig3(r.frameMs?.median ?? null)),
    line('frame ms (p95)', (r) => sig3(r.frameMs?.p95 ?? null)),
    line('fps', (r) => sig3(r.fps)),
    line('frames (warm-up)', (r) => `${r.frames} (${r.warmup})`),
    line('tiles refined', (r) => percent(r.tileShare)),
  ];
  const out = [`${size.width}×${size.height} on ${adapter}`, ...pad(cells)];
  const plate = rows.find((r) => r.id === 'plate');
  const full = rows.find((r) => r.id === 'plate-full');
  out.push(
    size.sparseFullRatio === null
      ? `sparse / full refine: ${DASH}`
      : `sparse / full refine: ${size.sparseFullRatio.toFixed(3)} (refine ${sig3(plate!.stages!.refine!)} ms on ${percent(plate!.tileShare)} of the tiles vs ${sig3(full!.stages!.refine!)} ms on all)`,
  );
  out.push(size.baseNetworkMs === null ? `base network on the device: ${DASH}` : `base network on the device (onnxruntime-web WebGPU, 3 runs a frame): ${sig3(size.baseNetworkMs)} ms GPU (segment + roi)`);
  const memory = rows.find((r) => r.id === 'memory' && !r.error);
  if (memory) {
    out.push(
      memory.memory === null
        ? `memory: no read-back of the background memory yet (it reads back every 15 frames)`
        : `memory: knew ${percent(memory.memory.known)} of the background at the last read-back; ${memory.memory.inUse ? 'in use as the plate' : 'not in use yet (learning)'}`,
    );
  }
  for (const r of rows) if (r.error) out.push(`${r.label}: not measured — ${r.error}`);
  return out.join('\n');
}

/** The whole report as text: a table per size, then the targets. */
export function formatReport(report: GpuBenchReport): string {
  const parts = report.sizes.map((s) => formatSize(s, report.adapter));
  const targets = report.targets.map((t) => {
    const verdict = t.met === null ? 'not measured' : t.met ? 'met' : 'not met';
    return `  ${t.what} at ${t.size}: ${t.value === null ? DASH : sig3(t.value)} (target ${t.relation} ${t.limit}, H200-class GPU): ${verdict}`;
  });
  const head = `GPU bench — ${report.runtime}; adapter ${report.adapter}; ${report.frames} timed frames a row (after ${report.warmup} warm-up), at most ${report.maxSeconds} s a row`;
  return [head, '', ...parts.flatMap((p) => [p, '']), 'Targets:', ...targets, ...(report.baseNetworkNote ? ['', `Base network: ${report.baseNetworkNote}`] : [])].join('\n');
}
