// Adaptive quality in the bench (options.targetFps): does the engine hold a frame rate that
// the fixed setting does not? Runs of this project's blur row on the same frames, one frame at
// a time: fixed (targetFps 0), the default target (30 fps), and a target between the fixed
// rate and the fastest level's rate, which only adaptation can reach — all on the WebGPU
// pipeline (renderer webgpu) — and the default target with the default renderer (auto), which
// on a software adapter takes the Canvas 2D path (options.renderer).
import type { FrameRecord } from './protocol';
import type { BenchSequence } from './sequences';
import type { BenchSession } from './session';
import type { SystemDef } from './systems';

/** One run of the adaptive section. */
export interface AdaptiveRun {
  /** options.targetFps (0: fixed, full quality). */
  targetFps: number;
  /** options.renderer of the run. */
  renderer: 'webgpu' | 'auto';
  /** The path the frames took: the WebGPU pipeline or the Canvas 2D path (ProcessResult.outputPath). */
  path: 'webgpu' | 'canvas2d';
  frames: number;
  /** Frames per second over the second half of the run (after the controller settled), from the page's wall time per frame. */
  fps: number;
  /** Quality level per frame (ProcessResult.quality.level). */
  levels: number[];
  /** The level of the last frame and how many levels there are. */
  finalLevel: number;
  levelCount: number;
  /** True when fps ≥ 95 % of the target (always false for the fixed run, which holds nothing). */
  held: boolean;
}

/** The adaptive section of the report. */
export interface AdaptiveResult {
  width: number;
  height: number;
  runs: AdaptiveRun[];
  /** The target between the fixed rate and the fastest level's (see measureAdaptive). */
  reachableTarget: number;
  /** Whether the fixed setting reaches each target (fps ≥ 95 % of it). */
  fixedHolds: Record<string, boolean>;
}

/** Frames per second over the second half of `records`. */
export function settledFps(records: readonly FrameRecord[]): number {
  const tail = records.slice(Math.floor(records.length / 2));
  const ms = tail.reduce((a, r) => a + r.ms, 0);
  return ms > 0 ? (1000 * tail.length) / ms : 0;
}

/**
 * Runs `system` (one of ours, stage timings off) three times on `frames` frames of `sequence`
 * (cycled): fixed, at 30 fps and at a reachable target: the midpoint of the fixed rate and the
 * rate at the last level (measured by the 30 fps run, where a slow machine ends up), rounded to
 * 0.1 fps. Every frame's wall time on the page counts (levels change between frames).
 * @throws Error when a run fails (see BenchSession.job)
 */
export async function measureAdaptive(session: BenchSession, system: SystemDef, sequence: BenchSequence, frames: number): Promise<AdaptiveResult> {
  if (system.setup.kind !== 'ours') throw new Error(`adaptive quality is this project's: ${system.id} is not`);
  const count = sequence.plateOf.length;
  const indices = Array.from({ length: frames }, (_, i) => i % count);
  const run = async (targetFps: number, renderer: 'webgpu' | 'auto' = 'webgpu'): Promise<AdaptiveRun> => {
    const setup = { ...system.setup, options: { ...system.setup.options, targetFps, renderer, stageTimings: false } };
    const { result: records } = await session.job({ ...setup, waitForProbe: false }, async (job) => {
      await job.load(sequence.id, [...new Set(indices)]);
      return job.run({ sequence: sequence.id, indices });
    });
    const fps = settledFps(records);
    const levels = records.map((r) => r.quality?.level ?? 0);
    return {
      targetFps,
      renderer,
      path: records.at(-1)?.outputPath === 'canvas2d' ? 'canvas2d' : 'webgpu',
      frames: records.length,
      fps,
      levels,
      finalLevel: levels.at(-1) ?? 0,
      levelCount: records.at(-1)?.quality?.levels ?? 1,
      held: targetFps > 0 && fps >= 0.95 * targetFps,
    };
  };
  const fixed = await run(0);
  const atDefault = await run(30);
  const reachableTarget = Math.round(((fixed.fps + atDefault.fps) / 2) * 10) / 10;
  const atReachable = await run(reachableTarget);
  const asShipped = await run(30, 'auto');
  return {
    width: sequence.size.width,
    height: sequence.size.height,
    runs: [fixed, atDefault, atReachable, asShipped],
    reachableTarget,
    fixedHolds: { '30': fixed.fps >= 0.95 * 30, [String(reachableTarget)]: fixed.fps >= 0.95 * reachableTarget },
  };
}

/** The adaptive section as printed lines. */
export function formatAdaptive(a: AdaptiveResult): string {
  const f = (v: number): string => v.toFixed(2);
  const lines = [`Adaptive quality at ${a.width}×${a.height} (fps over the second half of each run):`];
  for (const r of a.runs) {
    const what = (r.targetFps === 0 ? 'fixed (targetFps 0)' : `target ${r.targetFps} fps`) + (r.renderer === 'auto' ? ', renderer auto' : '');
    const held = r.targetFps === 0 ? '' : r.held ? ' — held' : ' — not held';
    const where = r.path === 'canvas2d' ? 'on the Canvas 2D path' : `level ${r.finalLevel}/${r.levelCount - 1} at the end`;
    lines.push(`  ${what.padEnd(36)} ${f(r.fps)} fps, ${where}${held}`);
  }
  const holds = (target: string): string => (a.fixedHolds[target] ? 'holds' : 'does not hold');
  lines.push(`  the fixed setting ${holds(String(a.reachableTarget))} ${a.reachableTarget} fps and ${holds('30')} 30 fps`);
  return lines.join('\n');
}
