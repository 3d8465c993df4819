import type { AssetLocation } from '../../assets';
import { ReplacerError } from '../../errors';
import type { Bgmv2BaseNetwork } from '../../types/network';
import { tensorBytes } from '../../types/tensor';
import { createWebGpuSession, ort } from '../ortRuntime';
import { loadBgmv2Base } from './loader';

/**
 * BackgroundMattingV2's base network (MattingBase; Lin, Ryabtsev et al., "Real-Time
 * High-Resolution Background Matting", CVPR 2021) run by onnxruntime-web's WebGPU execution
 * provider on the pipeline's GPUDevice, at a fixed base size w×h (the frame downsampled by
 * the base scale, ¼ by default). Every tensor stays in a GPU buffer this object owns:
 * inputs `src`, `bgr` [1,3,h,w] float32 RGB in 0..1 (written by the pipeline's preprocess
 * pass); outputs `pha` [1,1,h,w] in 0..1, `fgr` [1,3,h,w] (MattingBase: clamp(F − I + I)),
 * `err` [1,1,h,w] in 0..1, `hid` [1,32,h,w]. The model must have the base interface (see
 * loadBgmv2Base); its spatial dims may be symbolic.
 */
export class Bgmv2Base implements Bgmv2BaseNetwork {
  private constructor(
    private readonly session: ort.InferenceSession,
    /** Base size in pixels. */
    readonly width: number,
    readonly height: number,
    readonly src: GPUBuffer,
    readonly bgr: GPUBuffer,
    readonly pha: GPUBuffer,
    readonly fgr: GPUBuffer,
    readonly err: GPUBuffer,
    readonly hid: GPUBuffer,
    private readonly feeds: Record<string, ort.Tensor>,
    private readonly fetches: Record<string, ort.Tensor>,
  ) {}

  /**
   * Validates the model and creates a session for inputs of width×height.
   * @param bytes ONNX MattingBase export
   * @param width base width (the frame's width × base scale), height likewise
   * @throws ReplacerError 'model-load' when the model is not a BGMv2 base export, its static
   *   input size differs, or the runtime fails to start
   */
  static async create(device: GPUDevice, assets: AssetLocation, bytes: Uint8Array, width: number, height: number): Promise<Bgmv2Base> {
    const info = loadBgmv2Base(bytes);
    const [, , h, w] = info.inputs.src ?? [];
    if ((typeof h === 'number' && h !== height) || (typeof w === 'number' && w !== width)) {
      throw new ReplacerError('model-load', `This BGMv2 base model takes ${w}×${h} inputs; the pipeline needs ${width}×${height} (the frame at the base scale).`);
    }
    const session = await createWebGpuSession(device, assets, bytes, 'the BGMv2 base model');
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const plane = width * height * 4;
    const make = (label: string, size: number): GPUBuffer => device.createBuffer({ label: `bgmv2 ${label}`, size, usage });
    const src = make('src', tensorBytes(width, height));
    const bgr = make('bgr', tensorBytes(width, height));
    const pha = make('pha', plane);
    const fgr = make('fgr', 3 * plane);
    const err = make('err', plane);
    const hid = make('hid', 32 * plane);
    const tensor = (buffer: GPUBuffer, channels: number): ort.Tensor =>
      ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: [1, channels, height, width] });
    return new Bgmv2Base(
      session,
      width,
      height,
      src,
      bgr,
      pha,
      fgr,
      err,
      hid,
      { src: tensor(src, 3), bgr: tensor(bgr, 3) },
      { pha: tensor(pha, 1), fgr: tensor(fgr, 3), err: tensor(err, 1), hid: tensor(hid, 32) },
    );
  }

  /**
   * Runs the network on what `src` and `bgr` hold (queued after the caller's submitted work).
   * @throws ReplacerError 'engine-failed' when the runtime fails
   */
  async run(): Promise<void> {
    try {
      await this.session.run(this.feeds, this.fetches);
    } catch (err) {
      throw new ReplacerError('engine-failed', `The BGMv2 base network failed on WebGPU: ${String(err)}`, { cause: err });
    }
  }

  /** Releases the session and destroys every buffer. */
  async close(): Promise<void> {
    await this.session.release();
    for (const b of [this.src, this.bgr, this.pha, this.fgr, this.err, this.hid]) b.destroy();
  }
}
