import plateGain from '../../../shaders/plate_gain.wgsl?raw';
import shader from '../../../shaders/background_memory.wgsl?raw';
import { buildComputePass, dispatch2d, readStorage, storage, storageTexture, texture, uniform } from '../pass';

const code = plateGain + shader;

/** Bytes of the memory's counters: [observed, observed and known, observed known and differing, known] as u32. */
export const MEMORY_COUNTERS_BYTES = 16;

/** Inputs and outputs of one memory update (all full resolution). */
export interface BackgroundMemoryIO {
  /** The frame I, rgba8unorm. */
  frame: GPUTexture;
  /** This frame's alpha reduced along rows (the background-margin pass's rowMax), r32float 0..1. */
  rowMax: GPUTexture;
  /** The state before: colour (μ.rgb, v) and counts (n, age, 0, 1), rgba16float. */
  colourIn: GPUTexture;
  countIn: GPUTexture;
  /** Plate statistics of this frame against the memory (plate_stats), 32 bytes: the gain g. */
  stats: GPUBuffer;
  /** The state after, rgba16float (the other texture of each ping-pong pair). */
  colourOut: GPUTexture;
  countOut: GPUTexture;
  /** The memory as a plate, rgba8unorm: rgb μ, a = 1 where known, 0 where not. */
  memPlate: GPUTexture;
  /** The `mem` debug view, rgba8unorm. */
  memView: GPUTexture;
  /** MEMORY_COUNTERS_BYTES of u32 atomics, added to (the caller clears them). */
  counters: GPUBuffer;
  /** The captured plate the memory starts from when reset is 'seed', rgba8unorm at the frame's size (a ≥ 0.5 known); any texture otherwise. */
  seed: GPUTexture;
}

/** Bind group of shaders/background_memory.wgsl (after shaders/plate_gain.wgsl), by WGSL name. */
export const BACKGROUND_MEMORY_BINDINGS = {
  frame: texture(),
  rowMax: texture(),
  colourIn: texture(),
  countIn: texture(),
  stats: readStorage(),
  colourOut: storageTexture('rgba16float'),
  countOut: storageTexture('rgba16float'),
  memPlate: storageTexture('rgba8unorm'),
  memView: storageTexture('rgba8unorm'),
  counters: storage(),
  params: uniform(),
  seed: texture(),
};

/**
 * The background memory's update rule (shaders/background_memory.wgsl, after the
 * background-margin pass; reference: src/gpu/reference/backgroundMemory.ts): per pixel a
 * running colour, noise, count and age, written only where the frame is confidently background.
 */
export function createBackgroundMemoryPass(device: GPUDevice) {
  const gpu = buildComputePass(device, { label: 'background-memory', code, bindings: BACKGROUND_MEMORY_BINDINGS });
  const params = device.createBuffer({ label: 'background-memory params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    /**
     * @param margin pixels around the person (alpha ≥ 0.02) that are not observed, ≥ 1 (the
     *   background-margin pass that made rowMax took the same)
     * @param reset true to forget the state read (this frame starts a new memory); 'seed' to
     *   start again from the seed plate (known where its a ≥ 0.5, with the largest count)
     * @param outputs which of the optional outputs this update writes: `counters` (added to;
     *   left as they are when false) and `view` (the `mem` view; left when false). Both by default.
     */
    setParams(margin: number, reset: boolean | 'seed', outputs: { counters: boolean; view: boolean } = { counters: true, view: true }): void {
      const data = new ArrayBuffer(16);
      new Int32Array(data, 0, 1)[0] = Math.max(1, Math.round(margin));
      new Uint32Array(data, 4, 3).set([reset === 'seed' ? 2 : reset ? 1 : 0, outputs.counters ? 1 : 0, outputs.view ? 1 : 0]);
      device.queue.writeBuffer(params, 0, data);
    },
    bind(io: BackgroundMemoryIO): { group: GPUBindGroup; width: number; height: number } {
      const group = gpu.bind({ ...io, params });
      return { group, width: io.frame.width, height: io.frame.height };
    },
    encode(encoder: GPUCommandEncoder, b: { group: GPUBindGroup; width: number; height: number }): void {
      dispatch2d(encoder, gpu.pipelines.main, b.group, b.width, b.height);
    },
    dispose(): void {
      params.destroy();
    },
  };
}
