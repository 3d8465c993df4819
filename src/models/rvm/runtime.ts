// Robust Video Matting run by TensorFlow.js's WebGPU backend on the engine's own GPUDevice, the
// frame in and pha / fgr out as GPU buffers, the recurrent state kept on the GPU between frames.
//
// Why TensorFlow.js and not onnxruntime-web: the published model is a TensorFlow.js graph
// (uint8-quantized weights, `Switch`/`Merge` on downsample_ratio, shapes computed in the graph),
// which TensorFlow.js runs as published, verified against its own CPU backend to ~1e-4 (a
// spike, 2026-12-07), while onnxruntime-web would need a converter of our own for the graph and
// its control flow. TensorFlow.js's WebGPU backend accepts an existing GPUDevice, takes an input
// tensor wrapping a GPUBuffer without a copy (`zeroCopy`) and hands outputs back as GPUBuffers
// (`dataToGPU`), so nothing goes through the CPU.
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadRvmGraph, RvmStreams, type RvmOutputs, type RvmRunner } from './streams';

export type { RvmOutputs, RvmRunner } from './streams';

/**
 * Elements up to which a kernel whose inputs all hold CPU values runs on the CPU (see
 * {@link keepSmallTensorsOnCpu}). The graph's shape arithmetic has a few elements; the smallest
 * image tensors have thousands.
 */
const SMALL = 1024;

/** The parts of TensorFlow.js's WebGPU backend data the CPU routing reads (not in its typings). */
interface BackendData {
  values: tf.backend_util.BackendValues | null;
  resource: unknown;
}

let routed = false;

/**
 * Routes the WebGPU backend's kernels whose inputs all still hold CPU values and are small (the
 * graph's shape and padding arithmetic: Pack, StridedSlice, Mod, …) to the CPU backend's kernel
 * and keeps the result on the CPU. TensorFlow.js's graph executor reads such parameters
 * synchronously (`dataSync`); on the GPU each read would be a synchronous read-back, a stall every
 * frame in a browser (through an OffscreenCanvas) and an error in Node, which has none. Done once
 * per JavaScript realm (kernels are registered per backend name).
 */
function keepSmallTensorsOnCpu(): void {
  if (routed) return;
  routed = true;
  const cpu = new MathBackendCPU();
  for (const kernel of tf.getKernelsForBackend('webgpu')) {
    const onCpu = tf.getKernel(kernel.kernelName, 'cpu');
    if (!onCpu) continue;
    const onGpu = kernel.kernelFunc;
    tf.unregisterKernel(kernel.kernelName, 'webgpu');
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        const backend = args.backend as WebGPUBackend;
        const inputs = Object.entries(args.inputs).filter((e): e is [string, tf.TensorInfo] => e[1] != null);
        const data = (t: tf.TensorInfo): BackendData => backend.tensorMap.get(t.dataId) as unknown as BackendData;
        const small = inputs.length > 0 && inputs.every(([, t]) => data(t).resource == null && data(t).values != null && tf.util.sizeFromShape(t.shape) <= SMALL);
        if (!small) return onGpu(args);
        const made: tf.DataId[] = [];
        // Inputs are a map by name, or an array (Pack, Concat): keep their shape.
        const cpuInputs = (Array.isArray(args.inputs) ? [] : {}) as Record<string, tf.TensorInfo>;
        for (const [name, t] of inputs) {
          const id = cpu.write(data(t).values!, t.shape, t.dtype);
          made.push(id);
          cpuInputs[name] = { dataId: id, shape: t.shape, dtype: t.dtype };
        }
        const out = onCpu.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, attrs: args.attrs, backend: cpu });
        const outs = Array.isArray(out) ? out : [out];
        const results = outs.map((o) => backend.makeTensorInfo(o.shape, o.dtype, cpu.readSync(o.dataId) as tf.backend_util.BackendValues));
        for (const o of outs) cpu.disposeData(o.dataId, true);
        for (const id of made) cpu.disposeData(id, true);
        return Array.isArray(out) ? results : results[0]!;
      },
    });
  }
}

/** The `webgpu` backend this module registered, and its device. */
let ours: { device: GPUDevice; backend: WebGPUBackend } | null = null;

/**
 * Makes TensorFlow.js's `webgpu` backend one on `device` and the current backend. The factory
 * the backend package registers when it loads (a device of its own) is removed before anything
 * can start it; a backend on another device (an earlier engine device, lost) is replaced.
 */
async function backendOn(device: GPUDevice): Promise<WebGPUBackend> {
  if (ours?.device !== device) {
    // findBackend would start a registered factory: remove by name instead.
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    const backend = new WebGPUBackend(device);
    tf.registerBackend('webgpu', () => backend);
    ours = { device, backend };
  }
  keepSmallTensorsOnCpu();
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not start its WebGPU backend on the engine device');
  return ours.backend;
}

/**
 * Robust Video Matting (Lin, Yang, Saleemi, Sengupta, "Robust High-Resolution Video Matting
 * with Temporal Guidance", WACV 2022) on a GPUDevice: one call per frame and stream, the
 * recurrent states r1…r4 of each stream carried on the GPU from frame to frame until
 * {@link reset}. A stream is one scale the caller runs the frames at (the weights are shared).
 */
export class RvmNetwork implements RvmRunner {
  private readonly streams = new RvmStreams();
  /** Per stream, its last outputs (GPU buffers handed to the caller). */
  private outputs: tf.Tensor[][] = [];

  private constructor(
    private readonly model: GraphModel,
    private readonly backend: WebGPUBackend,
  ) {}

  /**
   * Loads the graph onto `device`.
   * @param graph the graph JSON (model.json) as parsed
   * @param weights the weight files' bytes, concatenated in the order the JSON names them
   * @throws Error when the JSON is not RVM's graph or the weights are not the size it needs
   */
  static async create(device: GPUDevice, graph: unknown, weights: ArrayBuffer): Promise<RvmNetwork> {
    const backend = await backendOn(device);
    return new RvmNetwork(await loadRvmGraph(graph, weights), backend);
  }

  /** See {@link RvmRunner.run}. `src` is wrapped without a copy; nothing is read back. */
  async run(src: GPUBuffer, width: number, height: number, downsampleRatio: number, stream = 0): Promise<RvmOutputs> {
    if (src.size < width * height * 12) throw new RangeError(`src holds ${src.size} bytes; [1,${height},${width},3] float32 needs ${width * height * 12}`);
    if (tf.backend() !== this.backend) await tf.setBackend('webgpu');
    // Wraps the caller's buffer without a copy (disposing the tensor leaves the buffer alone).
    const input = tf.tensor({ buffer: src, zeroCopy: true }, [1, height, width, 3], 'float32') as tf.Tensor4D;
    const { fgr, pha } = await this.streams.execute(this.model, input, downsampleRatio, stream);
    // dataToGPU copies into a buffer the caller may bind (and submits the backend's queue).
    const phaGpu = pha.dataToGPU();
    const fgrGpu = fgr.dataToGPU();
    tf.dispose([pha, fgr]);
    tf.dispose(this.outputs[stream] ?? []);
    this.outputs[stream] = [phaGpu.tensorRef, fgrGpu.tensorRef];
    return { pha: phaGpu.buffer!, fgr: fgrGpu.buffer!, width: pha.shape[2]!, height: pha.shape[1]! };
  }

  /** Starts every stream's recurrent state again (the pipeline calls it on a new frame size, plate or history). */
  reset(): void {
    this.streams.reset();
  }

  /** Live TensorFlow.js tensors (weights, state, outputs): constant from frame to frame. */
  static liveTensors(): number {
    return tf.memory().numTensors;
  }

  /**
   * Frees the model, its state and its outputs, then TensorFlow.js's backend on the device
   * (its pool of GPU buffers): one network per device at a time.
   */
  destroy(): void {
    for (const o of this.outputs) tf.dispose(o ?? []);
    this.outputs = [];
    this.streams.dispose();
    this.model.dispose();
    if (ours?.backend === this.backend) {
      tf.removeBackend('webgpu');
      ours = null;
    }
  }
}
