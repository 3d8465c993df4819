// One row of the speed table: a system set up on a fresh page, warmed up, then timed on every
// frame of its sequence, one at a time, with CPU time, heap and (ours) WebGPU memory measured
// around the timed frames.
import { summarise } from '../stats';
import { cpuPerFrame, stageMedians, summariseTimes, type CpuPerFrame, type CpuSample, type TimingSummary } from './figures';
import type { GpuMemorySample, HeapSample } from './probe';
import type { FrameRecord, SetupInfo } from './protocol';
import { rowIndices, type BenchSequence } from './sequences';
import type { BenchSession } from './session';
import type { SystemDef } from './systems';

/** Refine accounting of a row's frames (ProcessResult.refine). */
export interface RefineShare {
  /** Frames that reported refine stats. */
  frames: number;
  /** Share of the frame's pixels refined, mean and median over those frames, 0..1. */
  meanShare: number;
  medianShare: number;
  meanTiles: number;
}

/** Everything measured for one row at one size. */
export interface RowResult {
  id: string;
  label: string;
  mode: SystemDef['mode'];
  backend: string;
  width: number;
  height: number;
  info: SetupInfo;
  warmupFrames: number[];
  /** Per timed frame: index, wall ms of the call, and ours' engine stats. */
  records: FrameRecord[];
  timing: TimingSummary;
  cpu: CpuPerFrame;
  cpuSamples: { before: CpuSample; after: CpuSample };
  heap: HeapSample;
  /** Ours: WebGPU memory of the engine worker after the timed frames; null with `gpuMemoryReason` otherwise. */
  gpuMemory: GpuMemorySample | null;
  gpuMemoryReason: string | null;
  /** Ours: medians of the engine's own timings per frame (ms). */
  engine: { import: number; segment: number; gpu: number; total: number } | null;
  /** Ours: per-stage GPU time medians (stats.stages) when the engine reports them; null with `stagesReason` otherwise. */
  stages: Record<string, number> | null;
  stagesReason: string | null;
  /** Ours: refine accounting of the warm-up frames (the engine reads it back only with a read-back, which timed frames never ask for). */
  refine: RefineShare | null;
  /** Ours: how frames reached and left the GPU (ProcessResult.importPath, outputPath); null for others. */
  importPath: string | null;
  outputPath: string | null;
  seconds: number;
}

function refineShare(records: readonly FrameRecord[]): RefineShare | null {
  const r = records.flatMap((x) => (x.refine ? [x.refine] : []));
  if (r.length === 0) return null;
  const shares = r.map((x) => x.share).sort((a, b) => a - b);
  return {
    frames: r.length,
    meanShare: shares.reduce((a, b) => a + b, 0) / r.length,
    medianShare: shares[Math.ceil(r.length / 2) - 1]!,
    meanTiles: r.reduce((a, x) => a + x.tiles, 0) / r.length,
  };
}

/**
 * Measures one row on a sequence.
 * @param frames timed frames to use from the sequence's start (≤ its count); warmup: untimed frames first
 * @throws Error when the page fails or the system cannot start
 */
export async function measureRow(session: BenchSession, system: SystemDef, sequence: BenchSequence, frames: number, warmup: number): Promise<RowResult> {
  const t0 = performance.now();
  const slice = { plateOf: sequence.plateOf.slice(0, frames) };
  const { warmup: warm, timed } = rowIndices(slice, warmup, system.needsPlate);
  const plates = system.needsPlate ? Object.fromEntries(timed.map((i) => [i, sequence.plateOf[i]!])) : undefined;
  const ours = system.setup.kind === 'ours';
  const { info, result } = await session.job({ ...system.setup, waitForProbe: ours }, async (job) => {
    await job.load(sequence.id, [...new Set([...warm, ...timed])]);
    // Warm-up frames of ours read their refine accounting back (it costs a read-back, so never in timed frames).
    const warmRecords = warm.length ? await job.run({ sequence: sequence.id, indices: warm, plates, refineStats: ours }) : [];
    const before = await job.probe.cpu();
    const records = await job.run({ sequence: sequence.id, indices: timed, plates, verify: true });
    const after = await job.probe.cpu();
    const heap = await job.probe.heap();
    const gpuMemory = ours ? await job.probe.gpuMemory() : null;
    return { records, warmRecords, before, after, heap, gpuMemory, probeError: job.probeError };
  });
  const { records } = result;
  const stats = records.flatMap((r) => (r.stats ? [r.stats] : []));
  const engine = stats.length
    ? (() => {
        const s = summarise(stats.map(({ import: i, segment, gpu, total }) => ({ import: i, segment, gpu, total })));
        return { import: s.import!.median, segment: s.segment!.median, gpu: s.gpu!.median, total: s.total!.median };
      })()
    : null;
  const stages = ours ? stageMedians(stats.map((s) => s.stages)) : null;
  let stagesReason: string | null = null;
  if (!ours) stagesReason = 'not this project: its GPU work is not instrumented';
  else if (system.setup.kind === 'ours' && system.setup.options?.renderer === 'canvas2d') stagesReason = 'the Canvas 2D path has no GPU stages';
  else if (!stages) stagesReason = info.timestampQuery ? 'the engine reported no per-stage GPU times (ProcessResult.stats.stages absent)' : "the adapter has no 'timestamp-query'";
  let gpuMemoryReason: string | null = null;
  if (!ours) gpuMemoryReason = 'not this project: WebGL and wasm memory is not countable from outside';
  else if (!result.gpuMemory) gpuMemoryReason = result.probeError ?? 'the WebGPU memory probe reported nothing';
  return {
    id: system.id,
    label: system.label,
    mode: system.mode,
    backend: ours ? info.backend : system.backend,
    width: sequence.size.width,
    height: sequence.size.height,
    info,
    warmupFrames: warm,
    records,
    timing: summariseTimes(records.map((r) => r.ms)),
    cpu: cpuPerFrame(result.before, result.after, records.length),
    cpuSamples: { before: result.before, after: result.after },
    heap: result.heap,
    gpuMemory: result.gpuMemory,
    gpuMemoryReason,
    engine,
    stages,
    stagesReason,
    refine: refineShare(result.warmRecords),
    importPath: records.at(-1)?.importPath ?? null,
    outputPath: records.at(-1)?.outputPath ?? null,
    seconds: (performance.now() - t0) / 1000,
  };
}
