// Stage `rvm` (matting 'rvm'): Robust Video Matting's alpha as the prior of the matting stages.
import { createDownsamplePass } from '../../gpu/passes/downsample';
import { createTensorFromTexturePass } from '../../gpu/passes/tensorFromTexture';
import { createTensorToTexturePass } from '../../gpu/passes/tensorToTexture';
import type { Rect } from '../../types/geometry';
import { LazyPasses } from '../lazyPasses';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';

/**
 * The longest side, in pixels, of the frame as Robust Video Matting sees it: 320×180 for 16:9
 * frames (downsample_ratio 0.25 at 1280×720, 0.5 at 640×360, RVM's own choices for those
 * sizes being 0.375 and 0.5). Our refiner, not RVM's deep guided filter, brings the edges to
 * full resolution.
 */
export const RVM_LONG_SIDE = 320;

/** The size RVM runs at for a width × height frame: scaled so its longer side is at most RVM_LONG_SIDE. */
export function rvmInputSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, RVM_LONG_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** GPU resources at one input size. */
interface Inputs {
  /** The frame area-downsampled to RVM's input size, rgba8unorm. */
  low: GPUTexture;
  /** `src` [1,h,w,3] float32 NHWC. */
  src: GPUBuffer;
}

/**
 * Robust Video Matting (Lin et al., WACV 2022) as the coarse stage: the frame area-downsampled
 * to {@link rvmInputSize}, written as RVM's `src` tensor on the GPU, run with
 * downsample_ratio 1 (no deep guided filter) on the pipeline's device with its recurrent state
 * (src/models/rvm/runtime.ts), and its `pha` upsampled bilinearly to the full-resolution prior
 * (shaders/tensor_to_texture.wgsl; [1,h,w,1] has the layout of [1,1,h,w]). The segmentation
 * path's joint bilateral upsampling is not used: it sharpens a network's confidence into a
 * mask, which would flatten RVM's fractional alpha. The classic matting stages follow: the error
 * map from the prior's uncertainty, the sparse refiner on the selected tiles (with the plate
 * where there is one), temporal smoothing. Nothing is read back.
 */
export class RvmPriorStage implements Stage {
  readonly name = 'rvm';
  readonly timed = true;
  readonly reads = ['frame'] as const;
  readonly writes = ['prior'] as const;
  private readonly passes;
  private inputs: Inputs | null = null;
  private readonly bound = new Memo<{ down: Binding<typeof createDownsamplePass>; toTensor: Binding<typeof createTensorFromTexturePass> }>();
  private readonly boundPha = new Memo<Binding<typeof createTensorToTexturePass>>();

  constructor(private readonly device: GPUDevice) {
    this.passes = new LazyPasses(() => ({
      down: createDownsamplePass(device, 'rvm-src-down'),
      toTensor: createTensorFromTexturePass(device, 'nhwc'),
      upsample: createTensorToTexturePass(device, 'rvm-pha-to-prior'),
    }));
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'rvm';
  }

  private inputsFor(width: number, height: number): Inputs {
    const size = rvmInputSize(width, height);
    if (this.inputs && this.inputs.low.width === size.width && this.inputs.low.height === size.height) return this.inputs;
    this.destroyInputs();
    const low = this.device.createTexture({ label: 'rvm src (input size)', size: [size.width, size.height], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING });
    const src = this.device.createBuffer({ label: 'rvm src tensor', size: size.width * size.height * 12, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    return (this.inputs = { low, src });
  }

  async run(frame: FrameState): Promise<void> {
    const network = frame.rvm!;
    const t = frame.textures;
    const { down, toTensor, upsample } = this.passes.get();
    const { low, src } = this.inputsFor(t.width, t.height);
    const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
    down.setRect(whole);
    const b = this.bound.get([t, low], () => ({ down: down.bind({ src: t.frame, dst: low }), toTensor: toTensor.bind({ src: low, tensor: src }) }));
    let encoder = frame.encoder();
    down.encode(encoder, b.down);
    toTensor.encode(encoder, b.toTensor);
    frame.submit();
    const out = await network.run(src, low.width, low.height, 1);
    encoder = frame.encoder();
    // TensorFlow.js's buffer pool may hand back another buffer: bound again only then.
    const pha = { buffer: out.pha, channels: 1, width: out.width, height: out.height, channel: 0 };
    upsample.encode(encoder, this.boundPha.get([t, out.pha, out.width, out.height], () => upsample.bind({ src: pha, dst: t.prior }, true)));
  }

  private destroyInputs(): void {
    this.inputs?.low.destroy();
    this.inputs?.src.destroy();
    this.inputs = null;
  }

  dispose(): void {
    this.bound.clear();
    this.boundPha.clear();
    this.destroyInputs();
    this.passes.dispose();
  }
}
