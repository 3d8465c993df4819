// Robust Video Matting run by TensorFlow.js's CPU backend, for machines whose WebGPU is a software
// rasterizer (SwiftShader): there a frame through eval is about 4× faster than with the WebGPU
// backend (a 1280×720 dev still: 62 s against about 4 minutes), which makes the dev set's
// evaluation a matter of an hour and a half, not an afternoon.
// Each frame's `src` is read back from the GPU and `pha` / `fgr` are written to GPU buffers, so
// on a real GPU it is only slower: the product runs runtime.ts. Same graph, same outputs (to
// float rounding; test/dawn/rvmRuntime.test.ts compares the two).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadRvmGraph, RvmStreams, type RvmOutputs, type RvmRunner } from './streams';

/** One stream's output buffers on the device, made again when its size changes. */
interface Outputs {
  pha: GPUBuffer;
  fgr: GPUBuffer;
  width: number;
  height: number;
}

/**
 * Robust Video Matting (Lin, Yang, Saleemi, Sengupta, "Robust High-Resolution Video Matting
 * with Temporal Guidance", WACV 2022) on TensorFlow.js's CPU backend, its frames and outputs on a
 * GPUDevice: the recurrent states stay on the CPU from frame to frame until {@link reset}.
 * Reads back each frame's `src` (one mapAsync per run).
 */
export class RvmCpuNetwork implements RvmRunner {
  private readonly streams = new RvmStreams();
  /** Per stream, the buffers its last outputs were written to (owned here). */
  private outputs: (Outputs | undefined)[] = [];
  private staging: GPUBuffer | null = null;

  private constructor(
    private readonly device: GPUDevice,
    private readonly model: GraphModel,
  ) {}

  /**
   * Loads the graph on TensorFlow.js's CPU backend (made the current backend).
   * @param device where `run` reads `src` and writes its outputs
   * @param graph the graph JSON (model.json) as parsed
   * @param weights the weight files' bytes, concatenated in the order the JSON names them
   * @throws Error when the JSON is not RVM's graph or the weights are not the size it needs
   */
  static async create(device: GPUDevice, graph: unknown, weights: ArrayBuffer): Promise<RvmCpuNetwork> {
    if (!(await tf.setBackend('cpu'))) throw new Error('TensorFlow.js could not start its CPU backend');
    return new RvmCpuNetwork(device, await loadRvmGraph(graph, weights));
  }

  /** See {@link RvmRunner.run}. Reads `src` back from the GPU; writes pha and fgr into buffers this network owns. */
  async run(src: GPUBuffer, width: number, height: number, downsampleRatio: number, stream = 0): Promise<RvmOutputs> {
    const bytes = width * height * 12;
    if (src.size < bytes) throw new RangeError(`src holds ${src.size} bytes; [1,${height},${width},3] float32 needs ${bytes}`);
    if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
    const rgb = await this.readBack(src, bytes);
    const { fgr, pha } = await this.streams.execute(this.model, tf.tensor4d(rgb, [1, height, width, 3], 'float32'), downsampleRatio, stream);
    try {
      const out = this.outputsFor(stream, pha.shape[2]!, pha.shape[1]!);
      this.device.queue.writeBuffer(out.pha, 0, (await pha.data()) as Float32Array<ArrayBuffer>);
      this.device.queue.writeBuffer(out.fgr, 0, (await fgr.data()) as Float32Array<ArrayBuffer>);
      return { ...out };
    } finally {
      tf.dispose([pha, fgr]);
    }
  }

  /** A copy of the first `bytes` bytes of `src` on the CPU. */
  private async readBack(src: GPUBuffer, bytes: number): Promise<Float32Array<ArrayBuffer>> {
    if (!this.staging || this.staging.size < bytes) {
      this.staging?.destroy();
      this.staging = this.device.createBuffer({ label: 'rvm src read-back (cpu runtime)', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    const staging = this.staging;
    const encoder = this.device.createCommandEncoder({ label: 'rvm src read-back' });
    encoder.copyBufferToBuffer(src, 0, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    const copy = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    return copy;
  }

  private outputsFor(stream: number, width: number, height: number): Outputs {
    const old = this.outputs[stream];
    if (old && old.width === width && old.height === height) return old;
    old?.pha.destroy();
    old?.fgr.destroy();
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const made = {
      pha: this.device.createBuffer({ label: `rvm pha (cpu runtime, stream ${stream})`, size: width * height * 4, usage }),
      fgr: this.device.createBuffer({ label: `rvm fgr (cpu runtime, stream ${stream})`, size: width * height * 12, usage }),
      width,
      height,
    };
    this.outputs[stream] = made;
    return made;
  }

  /** Starts every stream's recurrent state again. */
  reset(): void {
    this.streams.reset();
  }

  /** Frees the model, its state, and the buffers it made. */
  destroy(): void {
    for (const o of this.outputs) {
      o?.pha.destroy();
      o?.fgr.destroy();
    }
    this.outputs = [];
    this.staging?.destroy();
    this.staging = null;
    this.streams.dispose();
    this.model.dispose();
  }
}
