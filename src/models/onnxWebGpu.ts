import type { AssetLocation } from '../assets';
import { ReplacerError } from '../errors';
import { tensorBytes } from '../types/tensor';
import type { GpuBaseNetwork } from '../types/network';
import { loadVerifiedModel } from './manifest';
import { createWebGpuSession, ort } from './ortRuntime';

/** The id of the converted selfie segmenter in src/models/manifest.json. */
export const ONNX_SEGMENTER_ID = 'selfie-landscape-onnx';

/**
 * A segmentation network run by onnxruntime-web's WebGPU execution provider on the
 * pipeline's own GPUDevice, its input and output in GPU buffers: the preprocess pass writes
 * `input` ([1,3,H,W] float32 RGB in 0..1, NCHW), run(output) executes the graph straight into
 * the caller's `output` buffer ([1,1,H,W] float32 person confidence in 0..1), which the next
 * passes read — no read-back to the CPU, no copy, no per-frame allocation.
 * The model is the MediaPipe selfie segmenter converted to ONNX at install
 * (scripts/convert-models.ts), loaded from public/models after a sha256 check.
 */
export class OnnxWebGpuSegmenter implements GpuBaseNetwork {
  readonly kind = 'gpu' as const;
  /** Times run() was called (diagnostics). */
  runs = 0;

  private constructor(
    private readonly session: ort.InferenceSession,
    /** Network input width and height in pixels. */
    readonly width: number,
    readonly height: number,
    /** [1,3,H,W] float32 input, STORAGE | COPY_DST; written by the preprocess pass. */
    readonly input: GPUBuffer,
    private readonly feeds: Record<string, ort.Tensor>,
    private readonly outputName: string,
  ) {}

  /** The output tensor (a view of the caller's buffer) per output buffer, made on first use. */
  private readonly fetches = new WeakMap<GPUBuffer, Record<string, ort.Tensor>>();

  /**
   * Loads and verifies the model and creates an inference session on `device`.
   * @param device the pipeline's GPUDevice (shared: ORT's buffers and ours live on it)
   * @param assets where the model (models/) and the runtime (ort/) are served
   * @throws ReplacerError 'model-integrity' (hash differs), 'model-load' (missing, corrupt or
   *   not of the expected [1,3,H,W] → [1,1,H,W] interface, or the runtime fails to start)
   */
  static async create(device: GPUDevice, assets: AssetLocation, modelId = ONNX_SEGMENTER_ID): Promise<OnnxWebGpuSegmenter> {
    const { entry, bytes } = await loadVerifiedModel(assets, modelId);
    return OnnxWebGpuSegmenter.fromBytes(device, assets, new Uint8Array(bytes), entry.input.width, entry.input.height, entry.file);
  }

  /**
   * Creates the session from model bytes already verified by the caller.
   * @param width network input width in pixels (the model's [1,3,height,width] input)
   * @param name the model's name for messages and buffer labels
   * @throws ReplacerError 'model-load' (corrupt or wrong interface, or the runtime fails to start)
   */
  static async fromBytes(
    device: GPUDevice,
    assets: AssetLocation,
    bytes: Uint8Array,
    width: number,
    height: number,
    name: string,
  ): Promise<OnnxWebGpuSegmenter> {
    const session = await createWebGpuSession(device, assets, bytes, name);
    const [inputName] = session.inputNames;
    const [outputName] = session.outputNames;
    if (session.inputNames.length !== 1 || session.outputNames.length !== 1 || !inputName || !outputName) {
      await session.release();
      throw new ReplacerError(
        'model-load',
        `${name} must have one input and one output, has [${session.inputNames.join(', ')}] → [${session.outputNames.join(', ')}].`,
      );
    }
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const input = device.createBuffer({ label: `${name} input`, size: tensorBytes(width, height), usage });
    const feeds = { [inputName]: ort.Tensor.fromGpuBuffer(input, { dataType: 'float32', dims: [1, 3, height, width] }) };
    return new OnnxWebGpuSegmenter(session, width, height, input, feeds, outputName);
  }

  /**
   * Runs the network on what `input` holds (in queue order after the caller's submitted
   * work) into `output`. Resolves once the work is queued; no CPU read-back.
   * @param output STORAGE buffer of at least width × height float32, owned by the caller
   * @throws RangeError when `output` is too small; ReplacerError 'engine-failed' when the
   *   runtime fails (e.g. a lost device)
   */
  async run(output: GPUBuffer): Promise<void> {
    if (output.size < this.width * this.height * 4) throw new RangeError(`segmenter output: ${output.size} bytes, needs ${this.width * this.height * 4}`);
    let fetches = this.fetches.get(output);
    if (!fetches) {
      fetches = { [this.outputName]: ort.Tensor.fromGpuBuffer(output, { dataType: 'float32', dims: [1, 1, this.height, this.width] }) };
      this.fetches.set(output, fetches);
    }
    this.runs++;
    try {
      await this.session.run(this.feeds, fetches);
    } catch (err) {
      throw new ReplacerError('engine-failed', `The segmentation network failed on WebGPU: ${String(err)}`, { cause: err });
    }
  }

  /** Releases the session and destroys the input buffer (output buffers belong to the caller). */
  async close(): Promise<void> {
    await this.session.release();
    this.input.destroy();
  }
}
