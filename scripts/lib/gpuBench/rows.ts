// The rows of the Node GPU bench: the frame pipeline (src/pipeline/framePipeline.ts, the same
// stage table the browser worker runs) in each configuration, timed per stage with GPU
// timestamp queries; and the recording of the base network's masks those rows replay.
import { resolveOptions } from '../../../src/options';
import { FramePipeline } from '../../../src/pipeline/framePipeline';
import { textureFrameInput } from '../../../src/pipeline/textureInput';
import { TILE_SIZE } from '../../../src/gpu/passes/selectTiles';
import type { RvmRunner } from '../../../src/models/rvm/streams';
import type { GpuBaseNetwork } from '../../../src/types/network';
import { Bgmv2BaseStandIn, randomRefinerWeights } from './bgmv2StandIn';
import type { SizedInputs } from './inputs';
import { RecordingNetwork, ReplayNetwork, type MaskKey, type MaskRecording } from './masks';
import type { CpuSession } from './network';
import { COMMON, ROWS, type RowId, type RowSpec } from './rowSpecs';

/** How many frames a row runs. */
export interface FramePlan {
  frames: number;
  warmup: number;
  /** Wall-clock budget of the row, seconds: it stops early once spent, after ≥ 1 timed frame. */
  maxSeconds: number;
}

/** One row's measurements at one size. */
export interface RowRun {
  id: RowId;
  /** Timed frames (fewer than asked when the row's time budget ran out) and warm-up frames run. */
  frames: number;
  warmup: number;
  /** Wall-clock ms of each timed frame: process() from the call until the GPU finished and its timestamps were read. */
  wallMs: number[];
  /** GPU ms per stage of each timed frame (timestamp queries at the stage boundaries). */
  stages: Record<string, number>[];
  /** Which matting stages ran. */
  matting: 'classic' | 'bgmv2' | 'rvm';
  /** Tiles the refiner worked on in the last frame, of `tileCount` (8×8 tiles); null for rows without refinement. */
  tiles: number | null;
  tileCount: number;
  /** With the background memory on: the share of the background it knew and whether it was the plate, at the last read-back (every 15 frames); null otherwise. */
  memory: { known: number; inUse: boolean } | null;
}

/**
 * Runs one row: a new pipeline on `device`, the row's images set, warm-up frames, then timed
 * frames, each processed to the end (one frame in flight, as the engine runs them).
 * @param baseNetwork the real base network on the device, for the base-network row (borrowed;
 *   its input size does not depend on the frame's, so one serves every size)
 * @param rvm Robust Video Matting on the device, for the rvm rows (borrowed; its state is reset
 *   at the start of the row)
 * @throws the pipeline's error, a GPU validation or out-of-memory error raised during the row,
 *   or Error when the device gave no stage timings or the row ran another matting path
 */
export async function runRow(
  device: GPUDevice,
  spec: RowSpec,
  inputs: SizedInputs,
  recording: MaskRecording,
  plan: FramePlan,
  baseNetwork: GpuBaseNetwork | null,
  rvm: RvmRunner | null = null,
): Promise<RowRun> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let run: RowRun | null = null;
  let failure: unknown = null;
  try {
    run = await timeRow(device, spec, inputs, recording, plan, baseNetwork, rvm);
  } catch (err) {
    failure = err;
  }
  const validation = await device.popErrorScope();
  const memory = await device.popErrorScope();
  if (failure) throw failure;
  const gpuError = validation ?? memory;
  if (gpuError) throw new Error(`${spec.id}: WebGPU error during the row: ${gpuError.message}`);
  return run!;
}

async function timeRow(
  device: GPUDevice,
  spec: RowSpec,
  inputs: SizedInputs,
  recording: MaskRecording,
  plan: FramePlan,
  baseNetwork: GpuBaseNetwork | null,
  rvm: RvmRunner | null,
): Promise<RowRun> {
  if (spec.rvm && !rvm) throw new Error(`${spec.id}: no Robust Video Matting on the device was given`);
  const replay = spec.network === 'recorded' ? new ReplayNetwork(device, recording) : null;
  const network = replay ?? baseNetwork;
  if (!network) throw new Error(`${spec.id}: no base network on the device was given`);
  const pipeline = new FramePipeline(device, network, resolveOptions({ ...COMMON, ...spec.options }));
  let standIn: Bgmv2BaseStandIn | null = null;
  try {
    if (spec.background) pipeline.setBackground(inputs.background);
    if (spec.plate) pipeline.setPlate(inputs.plate);
    if (spec.rvm) {
      rvm!.reset();
      pipeline.setRvm(rvm);
    }
    if (spec.learned) {
      standIn = new Bgmv2BaseStandIn(device, inputs.frameRgba, recording.masks[0]!, recording.networkWidth, recording.networkHeight);
      pipeline.setLearned({ base: standIn, weights: randomRefinerWeights(7) });
    }
    const input = textureFrameInput(device, inputs.frame);
    const start = performance.now();
    const spent = (): boolean => performance.now() - start > plan.maxSeconds * 1000;
    const frame = () => {
      replay?.beginFrame();
      return pipeline.process(input);
    };
    let warmup = 0;
    while (warmup < plan.warmup && !spent()) {
      await frame();
      warmup++;
    }
    const wallMs: number[] = [];
    const stages: Record<string, number>[] = [];
    let matting: RowRun['matting'] = 'classic';
    while (wallMs.length < plan.frames && (wallMs.length === 0 || !spent())) {
      const t0 = performance.now();
      const result = await frame();
      wallMs.push(performance.now() - t0);
      if (!result.stats.stages) throw new Error(`${spec.id}: the pipeline reported no stage timings (the device has no 'timestamp-query')`);
      stages.push(result.stats.stages);
      matting = result.matting;
    }
    const expected = spec.learned ? 'bgmv2' : spec.rvm ? 'rvm' : 'classic';
    if (matting !== expected) throw new Error(`${spec.id}: the pipeline ran the ${matting} matting path, not ${expected}`);
    const tileCount = Math.ceil(inputs.width / TILE_SIZE) * Math.ceil(inputs.height / TILE_SIZE);
    const refines = stages.every((s) => 'refine' in s);
    const tiles = refines ? (await pipeline.debugSelectedTiles()).length : null;
    const memoryStats = pipeline.memoryStats;
    const memory = memoryStats ? { known: memoryStats.known, inUse: memoryStats.inUse } : null;
    return { id: spec.id, frames: wallMs.length, warmup, wallMs, stages, matting, tiles, tileCount, memory };
  } finally {
    pipeline.dispose();
    standIn?.destroy();
    await replay?.close();
  }
}

/**
 * Records the base network's masks on one frame: the pipeline (blur, full quality: the whole
 * frame and two region-of-interest runs) with the network run on the CPU (RecordingNetwork).
 * @throws the pipeline's or the network's error, or Error when the network never ran
 */
export async function recordMasks(device: GPUDevice, session: CpuSession, networkWidth: number, networkHeight: number, inputs: SizedInputs, key: MaskKey): Promise<MaskRecording> {
  const network = new RecordingNetwork(device, session, networkWidth, networkHeight);
  const pipeline = new FramePipeline(device, network, resolveOptions({ ...COMMON, ...ROWS[0]!.options, stageTimings: false }));
  try {
    await pipeline.process(textureFrameInput(device, inputs.frame));
  } finally {
    pipeline.dispose();
    await network.close();
  }
  if (network.masks.length === 0) throw new Error('recording the masks: the pipeline never ran the base network');
  return { key, networkWidth, networkHeight, masks: network.masks };
}
