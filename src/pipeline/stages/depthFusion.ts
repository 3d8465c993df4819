// Stage `depth`: Azure Kinect depth as the rough segmentation. The frame's depth image is
// segmented into the subject's depth band (CPU, in the depth camera's geometry), registered to
// the colour frame with the subject flag (shaders/register_depth.wgsl) and fused into the colour
// model's coarse masks (shaders/fuse_depth.wgsl) before they are upsampled, so depth — far more
// tolerant of colour similarity than a colour-only model — becomes the rough segmentation, as in
// Virtual Stage (Microsoft / Plain Concepts, 2020); where the depth camera has no measurement
// (the invalid "shadows" beside the body, outside its field of view) the colour model's mask
// stands.
import { InputError } from '../../errors';
import { createFuseDepthPass, DEFAULT_FUSE_DEPTH_WEIGHT } from '../../gpu/passes/fuseDepth';
import { createRegisterDepthPass } from '../../gpu/passes/registerDepth';
import { readTexture } from '../../gpu/readback';
import { registerTables } from '../../sources/kinect/calibration';
import type { Readback } from '../../types/frame';
import type { Rect } from '../../types/geometry';
import type { KinectCalibration } from '../../types/kinect';
import { segmentDepth, visualiseDepth } from '../depthBand';
import { LazyPasses } from '../lazyPasses';
import { Memo } from '../memo';
import type { Binding, FrameState, MaskRegion, Stage } from '../stage';

/**
 * How much the depth decides where it is measured: fused = mix(colour, depth subject,
 * DEPTH_WEIGHT · share of the mask texel with depth) (see shaders/fuse_depth.wgsl).
 */
const DEPTH_WEIGHT = DEFAULT_FUSE_DEPTH_WEIGHT;

/** The registration's outputs at the colour size, r32float: depth in mm (0 = none) and 1 where the sample belongs to the subject. */
interface Registered {
  width: number;
  height: number;
  depth: GPUTexture;
  subject: GPUTexture;
}

/**
 * Runs for frames that come with depth while a calibration is set (setCalibration), before the
 * mask upsampling: fuses the depth into FrameTextures.maskFull and the second mask
 * (frame.region's: the ROI's or the standing squares'), over the rectangle that mask covers.
 */
export class DepthFusionStage implements Stage {
  readonly name = 'depth';
  readonly timed = true;
  readonly reads = ['depth', 'maskFull', 'maskRoi', 'maskStage'] as const;
  readonly writes = ['maskFull', 'maskRoi', 'maskStage'] as const;
  /** Made with the first calibration (most users never have a depth camera). */
  private readonly passes;
  private calibration: KinectCalibration | null = null;
  private registered: Registered | null = null;
  private readonly bound = new Memo<{ register: Binding<typeof createRegisterDepthPass>; full: Binding<typeof createFuseDepthPass>; roi: Binding<typeof createFuseDepthPass> }>();
  /** The frame index the stage last ran for (its `depth` read-back is black for other frames). */
  private lastFrame = -1;

  constructor(private readonly device: GPUDevice) {
    this.passes = new LazyPasses(() => ({ register: createRegisterDepthPass(device), fuseFull: createFuseDepthPass(device), fuseRoi: createFuseDepthPass(device) }));
  }

  /** Sets (or clears) the calibration; frames then need its colour size and depth size. */
  setCalibration(calibration: KinectCalibration | null): void {
    if (calibration) {
      this.passes.get().register.setCalibration(calibration, registerTables(calibration));
    }
    this.calibration = calibration;
    this.bound.clear();
  }

  /** True once a calibration was set: the `depth` view exists (black for frames without depth). */
  get hasDepthView(): boolean {
    return this.passes.made;
  }

  enabled(frame: FrameState): boolean {
    return frame.matting === 'classic' && frame.depth !== null && this.calibration !== null && frame.region !== null;
  }

  /**
   * Segments the depth band (CPU), then records its registration and the fusion into both masks.
   * Sets frame.depthStats: the band found and the subject's share of the depth image.
   * @throws InputError 'unsupported-input' when the frame or depth size does not match the calibration
   */
  run(frame: FrameState): void {
    const cal = this.calibration!;
    const passes = this.passes.get();
    const depth = frame.depth!;
    const region: MaskRegion = frame.region!;
    const { width, height, textures: t, network } = frame;
    if (width !== cal.color.width || height !== cal.color.height) {
      throw new InputError('unsupported-input', `The Kinect calibration is for ${cal.color.width}×${cal.color.height} colour, but the frame is ${width}×${height}.`);
    }
    if (depth.width !== cal.depth.width || depth.height !== cal.depth.height || depth.data.length !== depth.width * depth.height) {
      throw new InputError('unsupported-input', `The depth image is ${depth.width}×${depth.height} (${depth.data.length} samples), but the calibration's depth mode is ${cal.depth.width}×${cal.depth.height}.`);
    }
    const band = segmentDepth(depth.data, depth.width, depth.height);
    const r = this.texturesFor(cal.color.width, cal.color.height);
    const b = this.bound.get([t.maskFull, region.mask, r], () => ({
      register: passes.register.bind({ depth: r.depth, subject: r.subject }),
      full: passes.fuseFull.bind({ mask: t.maskFull, maskWidth: network.width, maskHeight: network.height, depth: r.depth, subject: r.subject }),
      roi: passes.fuseRoi.bind({ mask: region.mask, maskWidth: region.width, maskHeight: region.height, depth: r.depth, subject: r.subject }),
    }));
    const encoder = frame.encoder();
    const whole: Rect = { x: 0, y: 0, width, height };
    passes.fuseFull.setParams({ weight: DEPTH_WEIGHT }, whole);
    if ('x' in region.rect) {
      passes.fuseRoi.setParams({ weight: DEPTH_WEIGHT }, region.rect);
    } else {
      passes.fuseRoi.setParams({ weight: DEPTH_WEIGHT }, whole);
      encoder.copyBufferToBuffer(region.rect, 0, passes.fuseRoi.rectTarget, 0, 16);
    }
    passes.register.encode(encoder, b.register, depth.data, band?.mask ?? null);
    passes.fuseFull.encode(encoder, b.full);
    passes.fuseRoi.encode(encoder, b.roi);
    this.lastFrame = frame.index;
    frame.depthStats = { band: band ? { near: band.nearMm, far: band.farMm } : null, subject: band ? band.area / (depth.width * depth.height) : 0 };
  }

  /**
   * The registered depth of frame `frameIndex` visualised as RGBA (replay / debug read-back);
   * black when that frame had no depth.
   */
  async readback(frameIndex: number, width: number, height: number): Promise<Readback> {
    const r = this.registered;
    if (this.lastFrame !== frameIndex || !r || r.width !== width || r.height !== height) return { width, height, channels: 4, data: blackRgba(width, height) };
    const mm = (await readTexture(this.device, r.depth)) as Float32Array;
    return { width, height, channels: 4, data: visualiseDepth(mm, width, height) };
  }

  private texturesFor(width: number, height: number): Registered {
    if (this.registered && this.registered.width === width && this.registered.height === height) return this.registered;
    this.destroyTextures();
    const make = (label: string): GPUTexture =>
      this.device.createTexture({
        label,
        size: [width, height],
        format: 'r32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
    this.registered = { width, height, depth: make('registered depth'), subject: make('registered subject') };
    return this.registered;
  }

  private destroyTextures(): void {
    this.registered?.depth.destroy();
    this.registered?.subject.destroy();
    this.registered = null;
  }

  dispose(): void {
    this.bound.clear();
    this.destroyTextures();
    this.passes.dispose();
  }
}

function blackRgba(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return data;
}
