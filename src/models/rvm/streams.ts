// What both Robust Video Matting runtimes share (runtime.ts on the engine's GPUDevice,
// cpuRuntime.ts on TensorFlow.js's CPU backend): loading the checked graph under the current
// backend, and the recurrent state of each stream of frames.
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { checkRvmInterface, inspectGraphModel, RVM_OUTPUTS } from './graph';

/** One frame's outputs on the GPU, owned by the network until its stream's next run, or destroy. */
export interface RvmOutputs {
  /** [1,h,w,1] float32 in 0..1 (row-major: the same layout as [1,1,h,w]). */
  pha: GPUBuffer;
  /** [1,h,w,3] float32 in 0..1, channels interleaved (NHWC). */
  fgr: GPUBuffer;
  width: number;
  height: number;
}

/**
 * What the pipeline needs of Robust Video Matting (src/pipeline/stages/rvmPrior.ts), whichever
 * backend runs it: one call per frame and stream, outputs as GPU buffers on the pipeline's device.
 */
export interface RvmRunner {
  /**
   * Runs one frame.
   * @param src [1,height,width,3] float32 RGB in 0..1, NHWC, a buffer with STORAGE | COPY_SRC
   *   usage whose writes are already submitted; read, not kept
   * @param downsampleRatio RVM's downsample_ratio in (0, 1]: 1 runs the network at the input's
   *   size and skips its deep guided filter; below 1 it runs at that fraction and the filter
   *   brings pha and fgr back to the input's size
   * @param stream which sequence the frame continues (0..7), e.g. one per scale: its own
   *   recurrent state and outputs. A new size or ratio starts the stream's state again.
   * @returns pha and fgr at the input's size, valid until the stream's next call, or destroy
   * @throws RangeError for a ratio outside (0, 1], a buffer too small or a bad stream; TensorFlow.js's errors
   */
  run(src: GPUBuffer, width: number, height: number, downsampleRatio: number, stream?: number): Promise<RvmOutputs>;
  /** Starts every stream's recurrent state again (a new frame size, plate, scene or source). */
  reset(): void;
  /** Frees the model, its state and its outputs. */
  destroy(): void;
}

/**
 * Checks the graph (RVM's inputs and outputs, the weights' size) and loads it on TensorFlow.js's
 * current backend.
 * @param graph the graph JSON (model.json) as parsed
 * @param weights the weight files' bytes, concatenated in the order the JSON names them
 * @throws Error when the JSON is not RVM's graph or the weights are not the size it needs
 */
export async function loadRvmGraph(graph: unknown, weights: ArrayBuffer): Promise<GraphModel> {
  const info = inspectGraphModel(graph);
  checkRvmInterface(info);
  if (weights.byteLength !== info.weightBytes) throw new Error(`RVM's weights are ${weights.byteLength} bytes; its graph needs ${info.weightBytes}`);
  const g = graph as { modelTopology: object; format: string; generatedBy: string; convertedBy: string; signature: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  return loadGraphModel(
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
}

/** One sequence of frames the network follows: its recurrent state. */
interface Stream {
  recurrent: tf.Tensor[];
  /** The input size and ratio the recurrent state belongs to (its shapes follow them). */
  key: string;
}

const zeros = (): tf.Tensor[] => [0, 1, 2, 3].map(() => tf.scalar(0));

/**
 * The recurrent states r1…r4 of up to 8 streams, carried from frame to frame on the backend that
 * runs the graph (Lin et al., "Robust High-Resolution Video Matting with Temporal Guidance", WACV 2022).
 */
export class RvmStreams {
  private streams: Stream[] = [];
  private readonly ratios = new Map<number, tf.Scalar>();

  /**
   * Runs `model` on `src` ([1,h,w,3], on the current backend; disposed here, whatever happens)
   * as the next frame of `stream`, keeps the new recurrent state, and returns `fgr` and `pha`
   * (the caller's to dispose).
   * @throws RangeError for a ratio outside (0, 1] or a stream outside 0..7; TensorFlow.js's errors
   */
  async execute(model: GraphModel, src: tf.Tensor4D, downsampleRatio: number, stream: number): Promise<{ fgr: tf.Tensor; pha: tf.Tensor }> {
    try {
      return await this.executeOn(model, src, downsampleRatio, stream);
    } finally {
      src.dispose();
    }
  }

  private async executeOn(model: GraphModel, src: tf.Tensor4D, downsampleRatio: number, stream: number): Promise<{ fgr: tf.Tensor; pha: tf.Tensor }> {
    if (!(downsampleRatio > 0 && downsampleRatio <= 1)) throw new RangeError(`downsample_ratio must be in (0, 1], got ${downsampleRatio}`);
    if (!Number.isInteger(stream) || stream < 0 || stream > 7) throw new RangeError(`stream must be an integer in 0..7, got ${stream}`);
    let ratio = this.ratios.get(downsampleRatio);
    if (!ratio) this.ratios.set(downsampleRatio, (ratio = tf.scalar(downsampleRatio)));
    while (this.streams.length <= stream) this.streams.push({ recurrent: zeros(), key: '' });
    const s = this.streams[stream]!;
    const key = `${src.shape[2]}x${src.shape[1]}@${downsampleRatio}`;
    if (key !== s.key) {
      tf.dispose(s.recurrent);
      s.recurrent = zeros();
      s.key = key;
    }
    const [r1i, r2i, r3i, r4i] = s.recurrent;
    const [fgr, pha, ...next] = (await model.executeAsync({ src, r1i: r1i!, r2i: r2i!, r3i: r3i!, r4i: r4i!, downsample_ratio: ratio }, [...RVM_OUTPUTS])) as tf.Tensor[];
    tf.dispose(s.recurrent);
    s.recurrent = next;
    return { fgr: fgr!, pha: pha! };
  }

  /** Starts every stream's recurrent state again. */
  reset(): void {
    for (const s of this.streams) {
      tf.dispose(s.recurrent);
      s.recurrent = zeros();
    }
  }

  /** Frees every state and the ratio scalars. */
  dispose(): void {
    for (const s of this.streams) tf.dispose(s.recurrent);
    tf.dispose([...this.ratios.values()]);
    this.streams = [];
    this.ratios.clear();
  }
}
