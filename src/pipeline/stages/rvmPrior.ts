// Stage `rvm` (matting 'rvm'): Robust Video Matting's alpha as the prior of the matting stages,
// its foreground colour as F.
import { createDownsamplePass } from '../../gpu/passes/downsample';
import { createRvmFgrPass } from '../../gpu/passes/rvmFgr';
import { createRvmFillRegionPass } from '../../gpu/passes/rvmFillRegion';
import { createRvmFusePass } from '../../gpu/passes/rvmFuse';
import { createTensorFromTexturePass } from '../../gpu/passes/tensorFromTexture';
import { createTensorToTexturePass } from '../../gpu/passes/tensorToTexture';
import type { Rect } from '../../types/geometry';
import { LazyPasses } from '../lazyPasses';
import { Memo } from '../memo';
import type { Binding, FrameState, Stage } from '../stage';

/**
 * The longest side, in pixels, of the frame as Robust Video Matting's fine scale sees it:
 * 768×432 for 16:9 frames, smaller frames as they are. This is the input size of the RVM
 * authors' recommended `downsample_ratio` for full-body content at every size of their table
 * (0.6 at 1280×720, 0.4 at 1920×1080, 0.2 at 3840×2160): sharp on hair and hands.
 */
export const RVM_LONG_SIDE = 768;

/**
 * The longest side of the coarse scale: 320×180 for 16:9 frames. Seen this small, the whole
 * person fits RVM's receptive field, and large plain regions (a dark jacket, a grey face
 * patch) are not left with holes as they can be at the fine scale. Measured on
 * ../shared/eval/dev's 18 stills (one frame each, the TensorFlow.js graph on the CPU, each
 * scale's alpha upsampled bilinearly): band SAD / SAD / IoU 4.47 / 16.84 / 0.914 for the fine
 * scale alone, 5.97 / 7.87 / 0.960 for the coarse one, 3.77 / 4.81 / 0.974 fused.
 */
export const RVM_COARSE_LONG_SIDE = 320;

/** The size RVM runs at for a width × height frame: scaled so its longer side is at most `longSide` (default RVM_LONG_SIDE). */
export function rvmInputSize(width: number, height: number, longSide = RVM_LONG_SIDE): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** GPU resources of one scale at one input size. */
interface Scale {
  /** The frame area-downsampled to the scale's input size, rgba8unorm. */
  low: GPUTexture;
  /** `src` [1,h,w,3] float32 NHWC. */
  src: GPUBuffer;
}

/**
 * Full-resolution alpha of the two scales, r32float, before they are fused into the prior, and
 * the region where the coarse one may fill the fine one (r32float 1/0 on the coarse scale's
 * grid, with its core as scratch).
 */
interface Upsampled {
  coarse: GPUTexture;
  fine: GPUTexture;
  core: GPUTexture;
  region: GPUTexture;
}

/**
 * Robust Video Matting (Lin et al., WACV 2022) as the coarse stage, at two scales: the frame is
 * area-downsampled to {@link rvmInputSize} for the fine scale (RVM_LONG_SIDE) and the coarse
 * one (RVM_COARSE_LONG_SIDE), each written as RVM's `src` tensor on the GPU and run with
 * downsample_ratio 1 (no deep guided filter) on the pipeline's device, each with its own
 * recurrent state (a stream of src/models/rvm/runtime.ts). Both `pha` are upsampled bilinearly
 * to the frame (shaders/tensor_to_texture.wgsl; [1,h,w,1] has the layout of [1,1,h,w]) and
 * fused (shaders/rvm_fuse.wgsl): the fine scale's alpha, its holes filled where the coarse
 * scale is sure of the foreground, inside the fill region (src/gpu/passes/rvmFillRegion.ts: an
 * opening on the coarse grid, so the edge's soft band and narrow gaps are not filled). A frame no larger than the coarse scale
 * runs once, its `pha` the prior. The fine scale's `fgr` gives the foreground colour F of
 * every pixel (shaders/rvm_fgr.wgsl: the frame plus RVM's residual fgr − src, resampled, where
 * the prior is the fine scale's alpha), written into FrameTextures.fgr with a = 0.5: the
 * composite takes it as F, so the old background's colour in the person's edge does not show
 * over the new one; the refiner's tiles write their own F (a = 1) over it. The segmentation
 * path's joint bilateral upsampling is not used: it sharpens a network's confidence into a mask, which would flatten RVM's fractional
 * alpha. The classic matting stages follow (error map, sparse refiner where the background is
 * known, temporal smoothing). Nothing is read back.
 */
export class RvmPriorStage implements Stage {
  readonly name = 'rvm';
  readonly timed = true;
  readonly reads = ['frame'] as const;
  readonly writes = ['prior', 'fgr'] as const;
  private readonly passes;
  /** Per scale (fine, then coarse when the frame is larger than it). */
  private scales: Scale[] = [];
  private upsampled: Upsampled | null = null;
  private readonly bound = [0, 1].map(() => new Memo<{ down: Binding<typeof createDownsamplePass>; toTensor: Binding<typeof createTensorFromTexturePass> }>());
  private readonly boundPha = [0, 1].map(() => new Memo<Binding<typeof createTensorToTexturePass>>());
  private readonly boundFuse = new Memo<Binding<typeof createRvmFusePass>>();
  private readonly boundFill = new Memo<Binding<typeof createRvmFillRegionPass>>();
  private readonly boundFgr = new Memo<Binding<typeof createRvmFgrPass>>();

  constructor(private readonly device: GPUDevice) {
    this.passes = new LazyPasses(() => ({
      down: createDownsamplePass(device, 'rvm-src-down'),
      toTensor: createTensorFromTexturePass(device, 'nhwc'),
      upsampleFine: createTensorToTexturePass(device, 'rvm-pha-fine'),
      upsampleCoarse: createTensorToTexturePass(device, 'rvm-pha-coarse'),
      fill: createRvmFillRegionPass(device),
      fuse: createRvmFusePass(device),
      fgr: createRvmFgrPass(device),
    }));
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'rvm';
  }

  /** The scales' inputs for a width × height frame: the fine one, and the coarse one when it is smaller. */
  private scalesFor(width: number, height: number): Scale[] {
    const fine = rvmInputSize(width, height);
    const coarse = rvmInputSize(width, height, RVM_COARSE_LONG_SIDE);
    const sizes = coarse.width < fine.width || coarse.height < fine.height ? [fine, coarse] : [fine];
    const same = this.scales.length === sizes.length && this.scales.every((s, i) => s.low.width === sizes[i]!.width && s.low.height === sizes[i]!.height);
    if (same) return this.scales;
    this.destroyScales();
    this.scales = sizes.map((size, i) => ({
      low: this.device.createTexture({ label: `rvm src ${i ? 'coarse' : 'fine'} (input size)`, size: [size.width, size.height], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING }),
      src: this.device.createBuffer({ label: `rvm src tensor ${i ? 'coarse' : 'fine'}`, size: size.width * size.height * 12, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
    }));
    return this.scales;
  }

  /** The two scales' full-resolution alpha textures and the fill region on the grid, made again when a size changes. */
  private upsampledFor(width: number, height: number, grid: { width: number; height: number }): Upsampled {
    const u = this.upsampled;
    if (u && u.fine.width === width && u.fine.height === height && u.region.width === grid.width && u.region.height === grid.height) return u;
    this.destroyUpsampled();
    const make = (label: string, w: number, h: number): GPUTexture =>
      this.device.createTexture({ label, size: [w, h], format: 'r32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING });
    return (this.upsampled = {
      fine: make('rvm pha fine (frame size)', width, height),
      coarse: make('rvm pha coarse (frame size)', width, height),
      core: make('rvm fill core (coarse grid)', grid.width, grid.height),
      region: make('rvm fill region (coarse grid)', grid.width, grid.height),
    });
  }

  async run(frame: FrameState): Promise<void> {
    const network = frame.rvm!;
    const t = frame.textures;
    const { down, toTensor, upsampleFine, upsampleCoarse, fill, fuse, fgr } = this.passes.get();
    const upsample = [upsampleFine, upsampleCoarse];
    const scales = this.scalesFor(t.width, t.height);
    const whole: Rect = { x: 0, y: 0, width: t.width, height: t.height };
    down.setRect(whole);
    let encoder = frame.encoder();
    for (const [i, { low, src }] of scales.entries()) {
      const b = this.bound[i]!.get([t, low], () => ({ down: down.bind({ src: t.frame, dst: low }), toTensor: toTensor.bind({ src: low, tensor: src }) }));
      down.encode(encoder, b.down);
      toTensor.encode(encoder, b.toTensor);
    }
    frame.submit();
    const outs = [];
    for (const [i, { low, src }] of scales.entries()) outs.push(await network.run(src, low.width, low.height, 1, i));
    encoder = frame.encoder();
    // One scale: its alpha is the prior. Two: each to its full-resolution texture, then fused.
    const u = outs.length === 2 ? this.upsampledFor(t.width, t.height, scales[1]!.low) : null;
    const targets = u ? [u.fine, u.coarse] : [t.prior];
    for (const [i, out] of outs.entries()) {
      // TensorFlow.js's buffer pool may hand back another buffer: bound again only then.
      const pha = { buffer: out.pha, channels: 1, width: out.width, height: out.height, channel: 0 };
      const dst = targets[i]!;
      upsample[i]!.encode(encoder, this.boundPha[i]!.get([dst, out.pha, out.width, out.height], () => upsample[i]!.bind({ src: pha, dst }, true)));
    }
    if (u) {
      fill.encode(encoder, this.boundFill.get([u], () => fill.bind({ coarse: u.coarse, fine: u.fine, core: u.core, region: u.region })));
      fuse.encode(encoder, this.boundFuse.get([t, u], () => fuse.bind({ coarse: u.coarse, fine: u.fine, region: u.region, prior: t.prior })));
    }
    // F from the fine scale (stream 0): its residual over the frame, where the prior is its alpha.
    const fine = outs[0]!;
    const fineAlpha = u ? u.fine : t.prior;
    const src = scales[0]!.src;
    const bf = this.boundFgr.get([t, fine.fgr, src, fineAlpha, fine.width, fine.height], () =>
      fgr.bind({ fgr: fine.fgr, src, width: fine.width, height: fine.height, frame: t.frame, fine: fineAlpha, prior: t.prior, dst: t.fgr }),
    );
    fgr.encode(encoder, bf);
  }

  private destroyScales(): void {
    for (const s of this.scales) {
      s.low.destroy();
      s.src.destroy();
    }
    this.scales = [];
  }

  private destroyUpsampled(): void {
    if (this.upsampled) for (const tex of Object.values(this.upsampled)) tex.destroy();
    this.upsampled = null;
  }

  dispose(): void {
    for (const m of [...this.bound, ...this.boundPha]) m.clear();
    this.boundFuse.clear();
    this.boundFill.clear();
    this.boundFgr.clear();
    this.destroyScales();
    this.destroyUpsampled();
    this.passes.dispose();
  }
}
