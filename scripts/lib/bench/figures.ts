// The bench's arithmetic: timing summaries, ratios, CPU time per frame. Pure functions.
import { percentile } from '../stats';

/** Timing of one row: per-frame wall times of the system's call. */
export interface TimingSummary {
  frames: number;
  /** Frames per second of processing time: 1000 · frames / Σ ms (frames back to back, none dropped). */
  fps: number;
  /** Median and 95th percentile (nearest rank) of the per-frame times, ms. */
  medianMs: number;
  p95Ms: number;
  meanMs: number;
}

/**
 * Summarises per-frame times.
 * @param ms per-frame wall times in milliseconds, each ≥ 0
 * @throws RangeError for an empty list or a negative or non-finite time
 */
export function summariseTimes(ms: readonly number[]): TimingSummary {
  if (ms.length === 0) throw new RangeError('summariseTimes: no frames');
  for (const v of ms) if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`summariseTimes: bad time ${v}`);
  const total = ms.reduce((a, b) => a + b, 0);
  return {
    frames: ms.length,
    fps: total > 0 ? (1000 * ms.length) / total : Number.POSITIVE_INFINITY,
    medianMs: percentile(ms, 50),
    p95Ms: percentile(ms, 95),
    meanMs: total / ms.length,
  };
}

/** A row's frames per second over the peer's on the same frames. */
export interface FpsRatio {
  /** ours fps ÷ peer fps, both over `frames`. */
  value: number;
  /** The peer row's id. */
  peer: string;
  /** The frame indices both were timed on. */
  frames: number[];
  ours: number;
  theirs: number;
}

/**
 * Frames per second of a row divided by its peer's, over the frames both timed (a plate
 * row times only the frames that have a plate: the peer's same frames are used).
 * @param ours, theirs per-frame records {index, ms} of one run
 * @throws Error when they share no frame
 */
export function fpsRatio(ours: readonly { index: number; ms: number }[], theirs: readonly { index: number; ms: number }[], peer: string): FpsRatio {
  const mine = new Set(ours.map((r) => r.index));
  const shared = theirs.filter((r) => mine.has(r.index));
  const frames = [...new Set(shared.map((r) => r.index))];
  if (frames.length === 0) throw new Error(`no frame timed by both this row and ${peer}`);
  const keep = new Set(frames);
  const a = summariseTimes(ours.filter((r) => keep.has(r.index)).map((r) => r.ms)).fps;
  const b = summariseTimes(shared.map((r) => r.ms)).fps;
  return { value: a / b, peer, frames, ours: a, theirs: b };
}

/** Cumulative CPU times (seconds) of the processes and threads the bench watches. */
export interface CpuSample {
  /** The page's main thread (DevTools Performance.getMetrics ThreadTime). */
  mainS: number;
  /** The page's renderer process, all threads (Performance.getMetrics ProcessTime). */
  rendererS: number;
  /** Chromium's GPU process (SystemInfo.getProcessInfo), where SwiftShader runs WebGPU and WebGL; null when not found. */
  gpuProcessS: number | null;
}

/** CPU time per frame, ms. */
export interface CpuPerFrame {
  main: number;
  /** The renderer's other threads: the page's workers (engine, segmenter, Twilio's pipeline) and Chromium's own threads. */
  workers: number;
  gpuProcess: number | null;
}

/**
 * CPU time per frame between two samples. Negative differences (counter resolution, 10 ms)
 * are clamped to 0.
 * @throws RangeError when frames < 1
 */
export function cpuPerFrame(before: CpuSample, after: CpuSample, frames: number): CpuPerFrame {
  if (!(frames >= 1)) throw new RangeError(`cpuPerFrame: ${frames} frames`);
  const per = (s: number): number => (Math.max(0, s) * 1000) / frames;
  const main = after.mainS - before.mainS;
  const renderer = after.rendererS - before.rendererS;
  return {
    main: per(main),
    workers: per(renderer - main),
    gpuProcess: before.gpuProcessS === null || after.gpuProcessS === null ? null : per(after.gpuProcessS - before.gpuProcessS),
  };
}

/**
 * Median of each engine stage over frames, for the stages every frame reports.
 * @param stages per frame, stage name → ms (undefined where the frame has none)
 * @returns stage → median ms, or null when no frame reports stages
 */
export function stageMedians(stages: readonly (Record<string, number> | undefined)[]): Record<string, number> | null {
  const present = stages.filter((s): s is Record<string, number> => s !== undefined && Object.keys(s).length > 0);
  if (present.length === 0) return null;
  const names = Object.keys(present[0]!).filter((k) => present.every((s) => typeof s[k] === 'number'));
  return Object.fromEntries(names.map((k) => [k, percentile(present.map((s) => s[k]!), 50)]));
}
