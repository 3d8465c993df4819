import { isSoftwareAdapter } from '../gpu/device';

/**
 * How output frames leave the GPU:
 * - `canvas`: the output texture is copied (on the GPU) into an OffscreenCanvas's WebGPU
 *   surface and a VideoFrame is made from the canvas — no CPU copy.
 * - `readback`: the texture is mapped into a reused buffer and an RGBA VideoFrame is built
 *   from it. Used on software adapters (SwiftShader), where presenting a WebGPU canvas
 *   breaks the WebGL context tasks-vision post-processes with (its masks come back empty
 *   from the second frame on) and loses the device onnxruntime-web shares with us ("A
 *   valid external Instance reference no longer exists" on the next frame); and after a
 *   device loss while presenting through the canvas (see Engine).
 */
export type OutputPath = 'canvas' | 'readback';

/** Picks the output path for an adapter (see {@link OutputPath}). */
export function outputPathFor(adapterName: string): OutputPath {
  return isSoftwareAdapter(adapterName) ? 'readback' : 'canvas';
}

/**
 * Turns the pipeline's rgba8unorm output texture into VideoFrames. Owns its canvas and
 * read-back buffer; one per engine.
 */
export class FrameOutput {
  private canvas: OffscreenCanvas | null = null;
  private context: GPUCanvasContext | null = null;
  private buffer: GPUBuffer | null = null;

  constructor(
    private readonly device: GPUDevice,
    readonly path: OutputPath,
  ) {}

  /**
   * @param texture rgba8unorm output of the pipeline, full resolution
   * @param timestamp microseconds, copied from the input frame
   * @param duration microseconds or null
   * @returns a new VideoFrame the caller owns and must close
   */
  async toVideoFrame(texture: GPUTexture, timestamp: number, duration: number | null): Promise<VideoFrame> {
    const init = { timestamp, ...(duration !== null ? { duration } : {}) };
    return this.path === 'canvas' ? this.viaCanvas(texture, init) : this.viaReadback(texture, init);
  }

  /** Releases the canvas surface and the read-back buffer. */
  dispose(): void {
    this.context?.unconfigure();
    this.context = null;
    this.canvas = null;
    this.buffer?.destroy();
    this.buffer = null;
  }

  private viaCanvas(texture: GPUTexture, init: { timestamp: number; duration?: number }): VideoFrame {
    const { width, height } = texture;
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.context?.unconfigure();
      this.canvas = new OffscreenCanvas(width, height);
      const context = this.canvas.getContext('webgpu');
      if (!context) throw new Error('OffscreenCanvas has no WebGPU context');
      context.configure({
        device: this.device,
        format: 'rgba8unorm',
        usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_DST,
        alphaMode: 'opaque',
      });
      this.context = context;
    }
    const encoder = this.device.createCommandEncoder({ label: 'output copy' });
    encoder.copyTextureToTexture({ texture }, { texture: this.context!.getCurrentTexture() }, [width, height]);
    this.device.queue.submit([encoder.finish()]);
    return new VideoFrame(this.canvas, init);
  }

  private async viaReadback(texture: GPUTexture, init: { timestamp: number; duration?: number }): Promise<VideoFrame> {
    const { width, height } = texture;
    const bytesPerRow = Math.ceil((width * 4) / 256) * 256;
    const size = bytesPerRow * height;
    if (!this.buffer || this.buffer.size !== size) {
      this.buffer?.destroy();
      this.buffer = this.device.createBuffer({ label: 'output read-back', size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    }
    const buffer = this.buffer;
    const encoder = this.device.createCommandEncoder({ label: 'output read-back' });
    encoder.copyTextureToBuffer({ texture }, { buffer, bytesPerRow }, [width, height]);
    this.device.queue.submit([encoder.finish()]);
    await buffer.mapAsync(GPUMapMode.READ);
    try {
      return new VideoFrame(new Uint8Array(buffer.getMappedRange()), {
        ...init,
        format: 'RGBA',
        codedWidth: width,
        codedHeight: height,
        layout: [{ offset: 0, stride: bytesPerRow }],
      });
    } finally {
      buffer.unmap();
    }
  }
}
