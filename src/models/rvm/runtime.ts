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
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { checkRvmInterface, inspectGraphModel, RVM_OUTPUTS } from './graph';

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

/** One frame's outputs on the GPU, owned by the network until its stream's next run, or destroy. */
export interface RvmOutputs {
  /** [1,h,w,1] float32 in 0..1 (row-major: the same layout as [1,1,h,w]). */
  pha: GPUBuffer;
  /** [1,h,w,3] float32 in 0..1, channels interleaved (NHWC). */
  fgr: GPUBuffer;
  width: number;
  height: number;
}

/** One sequence of frames the network follows: its recurrent state and its last outputs. */
interface Stream {
  recurrent: tf.Tensor[];
  outputs: tf.Tensor[];
  /** The input size and ratio the recurrent state belongs to (its shapes follow them). */
  key: string;
}

/**
 * Robust Video Matting (Lin, Yang, Saleemi, Sengupta, "Robust High-Resolution Video Matting
 * with Temporal Guidance", WACV 2022) on a GPUDevice: one call per frame and stream, the
 * recurrent states r1…r4 of each stream carried on the GPU from frame to frame until
 * {@link reset}. A stream is one scale the caller runs the frames at (the weights are shared).
 */
export class RvmNetwork {
  private streams: Stream[] = [];
  private readonly ratios = new Map<number, tf.Scalar>();

  private constructor(
    private readonly model: GraphModel,
    private readonly backend: WebGPUBackend,
  ) {}

  private static zeros(): tf.Tensor[] {
    return [0, 1, 2, 3].map(() => tf.scalar(0));
  }

  /**
   * Loads the graph onto `device`.
   * @param graph the graph JSON (model.json) as parsed
   * @param weights the weight files' bytes, concatenated in the order the JSON names them
   * @throws Error when the JSON is not RVM's graph or the weights are not the size it needs
   */
  static async create(device: GPUDevice, graph: unknown, weights: ArrayBuffer): Promise<RvmNetwork> {
    const info = inspectGraphModel(graph);
    checkRvmInterface(info);
    if (weights.byteLength !== info.weightBytes) throw new Error(`RVM's weights are ${weights.byteLength} bytes; its graph needs ${info.weightBytes}`);
    const backend = await backendOn(device);
    const g = graph as { modelTopology: object; format: string; generatedBy: string; convertedBy: string; signature: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const model = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: g.modelTopology,
        format: g.format,
        generatedBy: g.generatedBy,
        convertedBy: g.convertedBy,
        signature: g.signature,
        weightSpecs: g.weightsManifest.flatMap((m) => m.weights),
        weightData: weights,
      }),
    );
    return new RvmNetwork(model, backend);
  }

  /**
   * Runs one frame.
   * @param src [1,height,width,3] float32 RGB in 0..1, NHWC, a buffer with STORAGE | COPY_SRC
   *   usage whose writes are already submitted; read, not kept
   * @param downsampleRatio RVM's downsample_ratio in (0, 1]: 1 runs the network at the input's
   *   size and skips its deep guided filter; below 1 it runs at that fraction and the filter
   *   brings pha and fgr back to the input's size
   * @param stream which sequence the frame continues (0, 1, …): its own recurrent state and
   *   outputs, e.g. one per scale. A new size or ratio starts the stream's state again (its
   *   shapes follow the size the network runs at).
   * @returns pha and fgr at the input's size, valid until the stream's next call, or destroy
   * @throws RangeError for a ratio outside (0, 1], a buffer too small or a bad stream; TensorFlow.js's errors
   */
  async run(src: GPUBuffer, width: number, height: number, downsampleRatio: number, stream = 0): Promise<RvmOutputs> {
    if (!(downsampleRatio > 0 && downsampleRatio <= 1)) throw new RangeError(`downsample_ratio must be in (0, 1], got ${downsampleRatio}`);
    if (!Number.isInteger(stream) || stream < 0 || stream > 7) throw new RangeError(`stream must be an integer in 0..7, got ${stream}`);
    if (src.size < width * height * 12) throw new RangeError(`src holds ${src.size} bytes; [1,${height},${width},3] float32 needs ${width * height * 12}`);
    if (tf.backend() !== this.backend) await tf.setBackend('webgpu');
    let ratio = this.ratios.get(downsampleRatio);
    if (!ratio) this.ratios.set(downsampleRatio, (ratio = tf.scalar(downsampleRatio)));
    while (this.streams.length <= stream) this.streams.push({ recurrent: RvmNetwork.zeros(), outputs: [], key: '' });
    const s = this.streams[stream]!;
    const key = `${width}x${height}@${downsampleRatio}`;
    if (key !== s.key) {
      tf.dispose(s.recurrent);
      s.recurrent = RvmNetwork.zeros();
      s.key = key;
    }
    const input = tf.tensor({ buffer: src, zeroCopy: true }, [1, height, width, 3], 'float32');
    let result: tf.Tensor[];
    try {
      const [r1i, r2i, r3i, r4i] = s.recurrent;
      result = (await this.model.executeAsync({ src: input, r1i: r1i!, r2i: r2i!, r3i: r3i!, r4i: r4i!, downsample_ratio: ratio }, [...RVM_OUTPUTS])) as tf.Tensor[];
    } finally {
      input.dispose();
    }
    const [fgr, pha, ...next] = result;
    tf.dispose(s.recurrent);
    s.recurrent = next;
    // dataToGPU copies into a buffer the caller may bind (and submits the backend's queue).
    const phaGpu = pha!.dataToGPU();
    const fgrGpu = fgr!.dataToGPU();
    tf.dispose([pha!, fgr!]);
    tf.dispose(s.outputs);
    s.outputs = [phaGpu.tensorRef, fgrGpu.tensorRef];
    return { pha: phaGpu.buffer!, fgr: fgrGpu.buffer!, width: pha!.shape[2]!, height: pha!.shape[1]! };
  }

  /** Starts every stream's recurrent state again (the pipeline calls it on a new frame size, plate or history). */
  reset(): void {
    for (const s of this.streams) {
      tf.dispose(s.recurrent);
      s.recurrent = RvmNetwork.zeros();
    }
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
    for (const s of this.streams) tf.dispose([...s.outputs, ...s.recurrent]);
    tf.dispose([...this.ratios.values()]);
    this.streams = [];
    this.ratios.clear();
    this.model.dispose();
    if (ours?.backend === this.backend) {
      tf.removeBackend('webgpu');
      ours = null;
    }
  }
}
